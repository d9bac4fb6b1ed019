"""The notes' δ-recursion (nn.reference, plain lists) against the engine: same gradients, and δ_i^l = z[l]_i.grad."""

import ast
import math
import pathlib
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn.reference
from autograd import topological_order
from nn import MLP
from nn.reference import backward, forward, weights_and_biases


def close(x, y):
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def as_list(out):
    return out if isinstance(out, list) else [out]


def check_against_engine(seed, nin, widths, activation, output_activation, cost, examples):
    rng = random.Random(seed)
    model = MLP(nin, widths, activation=activation, output_activation=output_activation, seed=seed)
    for p in model.parameters():   # non-zero biases, so that b enters every formula
        p.data += rng.uniform(-0.5, 0.5)
    W, b = weights_and_biases(model)
    xs = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(examples)]
    # Targets at least 0.1 away from the outputs: the L1 cost's kink (y = ŷ) is never met.
    outputs = [forward(W, b, x, activation, output_activation)[1][len(W)] for x in xs]
    targets = [[y + rng.choice([-1, 1]) * rng.uniform(0.1, 1.0) for y in out] for out in outputs]

    # The engine: one graph per example, its z nodes found by their labels, then one backward of C.
    outs, z_nodes = [], []
    for x in xs:
        out = as_list(model(x))
        outs.append(out)
        z_nodes.append({v.label: v for v in topological_order(*out) if v.label.startswith("z[")})
    pairs = [(y, t) for out, target in zip(outs, targets) for y, t in zip(out, target)]
    if cost == "l1":
        C = sum((abs(t - y) for y, t in pairs[1:]), abs(pairs[0][1] - pairs[0][0]))
    else:
        C = sum(((y - t) ** 2 for y, t in pairs[1:]), (pairs[0][0] - pairs[0][1]) ** 2) / len(pairs)
    C.backward()

    ref = backward(W, b, xs, targets, cost=cost, activation=activation, output_activation=output_activation)
    assert close(ref.cost, C.data)
    for l, layer in enumerate(model.layers, 1):
        for i, neuron in enumerate(layer.neurons):
            assert close(ref.db[l][i], neuron.b.grad), f"∂C/∂b[{l}]_{i + 1}"
            for j, w in enumerate(neuron.w):
                assert close(ref.dW[l][i][j], w.grad), f"∂C/∂{w.label}"
            for k in range(examples):
                z = z_nodes[k][f"z[{l}]_{i + 1}"]
                assert close(ref.delta[k][l][i], z.grad), f"δ[{l}]_{i + 1} of example {k} vs {z.label}.grad"
    return ref


@given(seed=st.integers(0, 2**32 - 1),
       nin=st.integers(1, 4),
       widths=st.lists(st.integers(1, 4), min_size=1, max_size=4),
       activation=st.sampled_from(["sigmoid", "tanh"]),
       same_output=st.booleans(),
       cost=st.sampled_from(["l1", "mse"]),
       examples=st.integers(1, 3))
def test_delta_rule_equals_the_engine(seed, nin, widths, activation, same_output, cost, examples):
    output_activation = activation if same_output else "linear"
    check_against_engine(seed, nin, widths, activation, output_activation, cost, examples)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("cost", ["l1", "mse"])
def test_delta_rule_equals_the_engine_on_the_moons_model(activation, cost):
    # The demo's shape, 2-16-16-1, with the notes' sigmoid (or tanh) throughout.
    check_against_engine(0, 2, [16, 16, 1], activation, activation, cost, examples=4)


def test_relu_hidden_layers_too():
    check_against_engine(3, 3, [5, 4, 2], "relu", "linear", "mse", examples=2)


def test_delta_of_a_one_neuron_sigmoid_network_by_hand():
    # y = σ(w x + b), C = |ŷ − y| with ŷ > y: δ = σ'(z) · sign(y − ŷ) = −σ(z)(1 − σ(z)).
    w, b_, x, y_hat = 0.8, -0.3, 1.5, 1.0
    z = w * x + b_
    s = 1 / (1 + math.exp(-z))
    g = backward({1: [[w]]}, {1: [b_]}, [[x]], [[y_hat]], cost="l1", activation="sigmoid")
    assert close(g.cost, y_hat - s)
    assert close(g.delta[0][1][0], -s * (1 - s))
    assert close(g.dW[1][0][0], -s * (1 - s) * x) and close(g.db[1][0], -s * (1 - s))


def test_forward_matches_the_mlp():
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=5)
    z, a = forward(*weights_and_biases(model), [0.1, -0.2, 0.3], activation="tanh", output_activation="sigmoid")
    assert list(z) == [1, 2] and list(a) == [0, 1, 2] and a[0] == [0.1, -0.2, 0.3]
    for y, out in zip(a[2], model([0.1, -0.2, 0.3])):
        assert close(y, out.data)


def test_reference_does_not_use_the_engine():
    # Agreement is only evidence if the reference computes independently of what it checks.
    tree = ast.parse(pathlib.Path(nn.reference.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    # The standard library only (annotations need typing and collections.abc): no engine, no nn.
    assert imported == {"__future__", "collections.abc", "math", "typing"}


@pytest.mark.parametrize("call, message", [
    (lambda: backward({1: [[1.0]]}, {1: [0.0]}, [[1.0]], [[0.0]], cost="huber"),
     "backward: cost must be 'l1' or 'mse', got 'huber'"),
    (lambda: backward({1: [[1.0]]}, {1: [0.0]}, [[1.0]], [], cost="l1"), "backward: need one target per input"),
    (lambda: forward({1: [[1.0]]}, {1: [0.0]}, [1.0], activation="softplus"),
     "activation must be one of 'sigmoid', 'tanh', 'relu', 'linear', got 'softplus'"),
    # Shapes: zip would silently drop what does not fit and return a wrong answer.
    (lambda: forward({1: [[1.0, 2.0]]}, {1: [0.0]}, [1.0]),
     r"forward: every row of W\^1 needs 1 entries, one per entry of a\^0, got rows of \[2\]"),
    (lambda: forward({1: [[1.0], [2.0]], 2: [[1.0, 2.0, 3.0]]}, {1: [0.0, 0.0], 2: [0.0]}, [1.0]),
     r"every row of W\^2 needs 2 entries, one per entry of a\^1, got rows of \[3\]"),
    (lambda: forward({1: [[1.0], [2.0]]}, {1: [0.0]}, [1.0]), r"forward: W\^1 has 2 rows but b\^1 has 1 entries"),
    (lambda: backward({1: [[1.0]]}, {1: [0.0]}, [[1.0]], [[0.0, 1.0]]),
     "backward: a target has 2 entries, but the network has 1 outputs"),
    # Regression: backward's errors named forward (which it calls) or the module, nn.reference.
    (lambda: backward({1: [[1.0, 2.0]]}, {1: [0.0]}, [[1.0]], [[0.0]]), r"^backward: every row of W\^1 needs 1 entries"),
    (lambda: backward({1: [[1.0]]}, {1: [0.0, 1.0]}, [[1.0]], [[0.0]]), r"^backward: W\^1 has 1 rows but b\^1 has 2"),
    (lambda: backward({1: [[1.0]]}, {1: [0.0]}, [[1.0]], [[0.0]], activation="gelu"),
     "^backward: activation must be one of 'sigmoid', 'tanh', 'relu', 'linear', got 'gelu'$"),
    (lambda: forward({1: [[1.0]]}, {1: [0.0]}, [1.0], output_activation="gelu"), "^forward: output_activation must be one of"),
    # Regression: a bare KeyError: 1.
    (lambda: forward({1: [[1.0]]}, {}, [1.0]), r"^forward: W and b must be keyed by the layers 1 .. L, in order, got W: \[1\], b: \[\]$"),
    (lambda: backward({0: [[1.0]]}, {0: [0.0]}, [[1.0]], [[0.0]]), r"^backward: W and b must be keyed by the layers 1 .. L"),
])
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_output_activation_none_is_the_same_as_the_hidden_activation():
    # forward's docstring: "None means the same as `activation`"; backward passes it on.
    W, b = weights_and_biases(MLP(3, [4, 2], seed=1))
    x, targets = [0.1, -0.2, 0.3], [[0.5, -0.5]]
    assert forward(W, b, x, "tanh") == forward(W, b, x, "tanh", "tanh") != forward(W, b, x, "tanh", "linear")
    assert backward(W, b, [x], targets, activation="tanh") == backward(W, b, [x], targets, activation="tanh",
                                                                       output_activation="tanh")
