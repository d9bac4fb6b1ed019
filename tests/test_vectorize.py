"""Vectorized replay (`autograd.lift`, ``vectorize=True``): the matrices and groups it finds in a scalar
graph, and results equal to the eager engine to 1e-12 relative on random MLPs, every loss and
activation, hand-written nets without labels, skip connections, recurrences and minibatches;
the scalar program wherever NumPy cannot finish a call exactly."""

import math
import random
import re
import sys
from unittest import mock

import pytest
from hypothesis import given

import nn
from autograd import Op, TraceMismatchError, Value, compile, compile_graph, grad
from autograd.strategies import exprs
from nn.compile import compile_step
from nn.datasets import make_moons

pytest.importorskip("numpy")


def close(a, b, scale):
    """|a - b| <= 1e-12 (1 + scale): the tolerance, relative to the largest value compared alongside."""
    return abs(a - b) <= 1e-12 * (1 + scale)


def assert_close(got, want, what):
    scale = max(map(abs, want), default=0.0)
    for k, (a, b) in enumerate(zip(got, want, strict=True)):
        assert close(a, b, scale), f"{what} {k}: vectorized {a!r}, eager {b!r}"


def eager_step(model, loss_fn, X, y):
    """(loss, gradients, flat predictions) from the eager engine."""
    predictions = [model(x) for x in X]
    loss = loss_fn(predictions, y)
    params = model.parameters()
    flat = [p for out in predictions for p in (out if isinstance(out, list) else [out])]
    return loss.data, list(grad(loss, params)), [p.data for p in flat]


def assert_step_matches_eager(model, loss_fn, X, y, step):
    want_loss, want_grads, want_out = eager_step(model, loss_fn, X, y)
    model.zero_grad()
    loss = step(X, y)
    assert close(loss, want_loss, abs(want_loss)), (loss, want_loss)
    assert_close([p.grad for p in model.parameters()], want_grads, "gradient")
    got_out = [x for out in step.predictions for x in (out if isinstance(out, list) else [out])]
    assert_close(got_out, want_out, "prediction")


def data(rng, n, width):
    return [[rng.uniform(-2, 2) for _ in range(width)] for _ in range(n)]


LOSSES = {
    "mse": (nn.mse_loss, lambda rng, n, k: [rng.uniform(-1, 1) for _ in range(n)]),
    "l1": (nn.l1_loss, lambda rng, n, k: [rng.uniform(-1, 1) for _ in range(n)]),
    "hinge": (nn.hinge_loss, lambda rng, n, k: [rng.choice((-1, 1)) for _ in range(n)]),
    "binary_cross_entropy": (nn.binary_cross_entropy, lambda rng, n, k: [rng.choice((0, 1)) for _ in range(n)]),
    "cross_entropy": (nn.cross_entropy, lambda rng, n, k: [rng.randrange(k) for _ in range(n)]),
}


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_random_mlps_match_eager_for_every_loss_and_activation(loss, activation):
    rng = random.Random(f"{loss}-{activation}")
    loss_fn, targets = LOSSES[loss]
    for _ in range(2):
        nin, hidden, batch = rng.randint(1, 4), [rng.randint(1, 6) for _ in range(rng.randint(1, 2))], rng.randint(2, 9)
        nout = rng.randint(2, 4) if loss == "cross_entropy" else 1
        model = nn.MLP(nin, [*hidden, nout], activation=activation, seed=rng.randrange(1000))
        X, y = data(rng, batch, nin), targets(rng, batch, nout)
        step = compile_step(model, loss_fn, X, y, vectorize=True)
        assert_step_matches_eager(model, loss_fn, X, y, step)
        # The loss is grouped too: its mean (or sum) over the batch and a division by the batch size stay scalar at most.
        assert sum(step.lifted.scalar.values()) <= 1 and ((1,), batch) in step.lifted.sums, str(step.lifted)
        shapes = [(len(layer.neurons), len(layer.neurons[0].w)) for layer in model.layers]
        assert [m.shape for m in step.lifted.matrices] == shapes
        for m, layer in zip(step.lifted.matrices, model.layers):  # W as the notes' w_ij: row i = neuron i
            assert all(a is b for row, n in zip(m.weights, layer.neurons) for a, b in zip(row, n.w, strict=True))
            assert all(a is n.b for a, n in zip(m.bias, layer.neurons, strict=True)) and m.rows == batch
        for p in model.parameters():  # at new parameters and a new batch, still the eager numbers
            p.data += rng.uniform(-0.5, 0.5)
        X, y = data(rng, batch, nin), targets(rng, batch, nout)
        assert_step_matches_eager(model, loss_fn, X, y, step)


def test_the_w3_step_is_three_matrix_products_and_its_loss_is_grouped():
    X, y = make_moons(20, noise=0.1, seed=0)
    y = [2 * t - 1 for t in y]
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    loss_fn = lambda s, t: nn.hinge_loss(s, t) + 1e-4 * sum(p * p for p in params)
    step = compile_step(model, loss_fn, X, y, vectorize=True)
    assert_step_matches_eager(model, loss_fn, X, y, step)
    lifted = step.lifted
    assert [(m.name, m.shape, m.rows) for m in lifted.matrices] == [("W1", (16, 2), 20), ("W2", (16, 16), 20),
                                                                     ("W3", (1, 16), 20)]
    assert lifted.dots == [len(params)]  # the penalty, Σ p·p
    W1 = lifted.matrices[0]  # row r is example r: z[1]_i = Σ_j w_ij x_rj + b_i
    want = [[sum((w.data * v for w, v in zip(n.w, x)), n.b.data) for n in model.layers[0].neurons] for x in X]
    assert_close([z.data for row in W1.outputs for z in row], [z for row in want for z in row], "z[1]")
    assert [[w.label for w in row] for row in lifted.matrices[1].weights[:2]][1][:2] == ["w[2]_21", "w[2]_22"]
    assert ("relu", (20, 16)) in lifted.groups and ((1,), 20) in lifted.sums
    assert sum(lifted.scalar.values()) <= 4  # mean and penalty: a few scalar ops
    text = str(lifted)
    assert text.splitlines()[:3] == [
        "3 matrices, 5 elementwise groups, 1 sum; 3 ops stay scalar",
        "  W1: 16 × 2 (row i = neuron i, column j = input j: w[1]_11 … w[1]_16,2); Z = A @ W1.T + b1 over 20 rows",
        "  W2: 16 × 16 (row i = neuron i, column j = input j: w[2]_11 … w[2]_16,16); Z = A @ W2.T + b2 over 20 rows"]
    assert "  relu: 20 × 16" in text and "  sum: 1, of 20 terms each" in text and "  dot product: 337 terms" in text
    ops = [line for line in step.function.source.splitlines() if re.match(r"\s+v[0-9]+ = (?!L[0-9]|inputs)", line)]
    assert "@" in step.function.source and len(ops) <= 4, ops  # the scalar lines: mean and penalty


def hand_mlp(rng, sizes):
    """An MLP written by hand from Values: no nn, no labels, a running sum per neuron."""
    layers = [([[Value(rng.uniform(-1, 1)) for _ in range(n)] for _ in range(m)], [Value(rng.uniform(-1, 1)) for _ in range(m)])
              for n, m in zip(sizes, sizes[1:])]

    def forward(x):
        for k, (W, b) in enumerate(layers):
            z = []
            for wi, bi in zip(W, b):
                s = bi
                for wij, xj in zip(wi, x):
                    s = s + wij * xj
                z.append(s)
            x = [zi.tanh() for zi in z] if k < len(layers) - 1 else z
        return x
    params = [p for W, b in layers for row in [*W, b] for p in row]
    return layers, forward, params


@pytest.mark.parametrize("batch", [1, 2, 5, 13])
def test_a_hand_written_mlp_without_labels_is_vectorized_like_nn_mlp(batch):
    rng = random.Random(batch)
    layers, forward, params = hand_mlp(rng, [3, 5, 4, 1])
    rows = [[Value(rng.uniform(-2, 2)) for _ in range(4)] for _ in range(batch)]  # 3 inputs, 1 target
    loss = sum(((forward(r[:3])[0] - r[3]) ** 2 for r in rows), Value(0.0)) * (1.0 / batch)
    f = compile_graph(loss, params, data=rows, vectorize=True)
    scalar = compile_graph(loss, params, data=rows)
    assert [m.shape for m in f.lifted.matrices] == [(5, 3), (4, 5), (1, 4)]
    assert f.lifted.matrices[0].weights == layers[0][0] and f.lifted.matrices[0].bias == layers[0][1]
    values = [[r.data for r in row] for row in rows]
    out, grads = f([p.data for p in params], values)
    want_out, want_grads = loss.data, list(grad(loss, params))
    assert close(out, want_out, abs(want_out))
    assert_close(grads, want_grads, "gradient")
    new = [[rng.uniform(-2, 2) for _ in range(4)] for _ in range(batch)]
    at = [rng.uniform(-1, 1) for _ in params]
    (a, ga), (b, gb) = f(at, new), scalar(at, new)
    assert close(a, b, abs(b))
    assert_close(ga, gb, "gradient")


def test_a_skip_connection_stays_scalar_in_the_same_program():
    rng = random.Random(3)
    (W1, b1), (W2, b2) = [([[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(3)],
                           [Value(rng.uniform(-1, 1)) for _ in range(3)]) for _ in range(2)]
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(6)]
    params = [p for W, b in ((W1, b1), (W2, b2)) for row in [*W, b] for p in row]

    def layer(W, b, x):
        return [sum((wij * xj for wij, xj in zip(wi, x)), bi).relu() for wi, bi in zip(W, b)]
    outs = []
    for x in rows:
        h = layer(W1, b1, x)
        y = layer(W2, b2, h)
        outs.append(y[0] + y[1] + y[2] + x[0] * h[1])  # a skip connection of one example's own numbers
    loss = sum(o * o for o in outs)
    f = compile_graph(loss, params, outs, data=rows, vectorize=True)
    assert [m.shape for m in f.lifted.matrices] == [(3, 3), (3, 3)]
    assert f.lifted.scalar  # the skip connection's ops are scalar lines
    out, grads, extras = f([p.data for p in params], [[x.data for x in r] for r in rows])
    assert close(out, loss.data, loss.data)
    assert_close(grads, list(grad(loss, params)), "gradient")
    assert_close(extras, [o.data for o in outs], "extra")


def test_a_recurrence_whose_rows_feed_each_other_is_left_scalar_and_correct():
    rng = random.Random(4)
    W = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(3)]
    h = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    for _ in range(4):  # the same W at every step: its rows would be the time steps, each reading the last
        h = [sum((wij * hj for wij, hj in zip(wi, h)), Value(0.0)).tanh() for wi in W]
    loss = sum(h, Value(0.0))
    params = [p for row in W for p in row]
    f = compile_graph(loss, params, vectorize=True)
    out, grads = f([p.data for p in params])
    assert close(out, loss.data, abs(loss.data))
    assert_close(grads, list(grad(loss, params)), "gradient")


def test_a_graph_with_nothing_to_group_runs_as_the_scalar_replay():
    f = compile(lambda x, y: (x * y + x).tanh(), [0.5, -1.0], vectorize=True)
    g = compile(lambda x, y: (x * y + x).tanh(), [0.5, -1.0])
    assert f.source == g.source and f([0.2, 0.3]) == g([0.2, 0.3])
    assert not f.lifted.matrices and not f.lifted.groups and not f.lifted.sums
    # It says every op stays scalar (it said "0 ops stay scalar" of a program that is all scalar ops).
    assert str(f.lifted) == "0 matrices, 0 elementwise groups, 0 sums; 3 ops stay scalar\n  scalar: * × 1, + × 1, tanh × 1"
    a = Value(2.0)
    assert str(compile_graph(a * a + 1.0, [a], vectorize=True).lifted) == (
        "0 matrices, 0 elementwise groups, 0 sums; 2 ops stay scalar\n  scalar: * × 1, + × 1")
    assert repr(f) == "<CompiledFunction compiled <lambda>: 2 inputs, 3 ops>"  # the scalar program, as said
    h = compile(lambda *xs: sum((x.tanh() for x in xs), Value(0.0)), [0.1] * 4, vectorize=True)
    assert repr(h) == "<CompiledFunction compiled <lambda>: 4 inputs, 8 ops, vectorized>"
    assert g.lifted is None


@pytest.mark.parametrize("batch", [1, 2, 3, 8])
def test_minibatches_of_several_sizes_match_eager(batch):
    rng = random.Random(batch)
    model = nn.MLP(3, [5, 1], activation="tanh", seed=batch)
    X, y = data(rng, 24, 3), [rng.uniform(-1, 1) for _ in range(24)]
    step = compile_step(model, nn.mse_loss, X[:batch], y[:batch], vectorize=True)
    for k in range(0, 24 - batch + 1, batch):
        assert_step_matches_eager(model, nn.mse_loss, X[k:k + batch], y[k:k + batch], step)
    assert step.n_programs == 1 and step.lifted.matrices[0].rows == batch


def test_a_domain_error_replays_on_the_scalar_program_and_names_the_tables_error():
    ws = [Value(1.0), Value(2.0)]
    rows = [[Value(0.5), Value(1.0)], [Value(2.0), Value(1.0)], [Value(1.0), Value(3.0)]]
    loss = sum((sum((w * x for w, x in zip(ws, r)), Value(0.0)).log() for r in rows), Value(0.0))
    f = compile_graph(loss, ws, data=rows, vectorize=True)
    scalar = compile_graph(loss, ws, data=rows)
    assert f.lifted.groups == [("log", (3, 1))]
    bad = [[-1.0, 0.0], [2.0, 1.0], [1.0, 3.0]]
    with pytest.raises(ValueError) as vectorized_error:
        f([1.0, 2.0], bad)
    with pytest.raises(ValueError) as scalar_error:
        scalar([1.0, 2.0], bad)
    assert str(vectorized_error.value) == str(scalar_error.value)
    huge = compile_graph(sum((sum((w * x for w, x in zip(ws, r)), Value(0.0)).exp() for r in rows), Value(0.0)),
                         ws, data=rows, vectorize=True)
    with pytest.raises(OverflowError):
        huge([1000.0, 1.0], [[1.0, 1.0]] * 3)


def test_check_and_batch_work_on_a_vectorized_function():
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    step = compile_step(model, nn.mse_loss, [[1.0, 2.0], [0.5, -1.0]], [0.0, 1.0], vectorize=True)
    step.check()
    f = compile(lambda a, b: model([a, b]) * 1.0, [0.1, 0.2], vectorize=True)
    out, grads = f.batch([[0.1, 0.2], [1.0, -1.0]])
    assert out.tolist() == [f([0.1, 0.2])[0], f([1.0, -1.0])[0]] or all(
        math.isclose(a, f(x)[0], rel_tol=1e-12) for a, x in zip(out.tolist(), [[0.1, 0.2], [1.0, -1.0]]))
    g = compile(lambda x: x * 2 if x.data > 0 else x * 3, [1.0], vectorize=True)
    with pytest.raises(TraceMismatchError):
        g.check([-1.0])


def test_cross_entropys_shifts_are_constants_that_check_accepts_as_rounding():
    rng = random.Random(7)
    model = nn.MLP(3, [4, 3], seed=1)
    X, y = data(rng, 5, 3), [rng.randrange(3) for _ in range(5)]
    step = compile_step(model, nn.cross_entropy, X, y, vectorize=True)
    step.check()
    for p in model.parameters():
        p.data += 0.01
    step.check()


def test_vectorize_is_a_flag_and_needs_numpy_with_a_clear_sentence():
    with pytest.raises(TypeError, match="vectorize"):
        compile(lambda x: x * x, [1.0], vectorize="yes")
    with mock.patch.dict(sys.modules, {"numpy": None}):
        with pytest.raises(ImportError, match=r"vectorize=True needs NumPy.*pip install 'dagrad\[fast\]'"):
            compile(lambda x: x * x, [1.0], vectorize=True)


UNARY = ["tanh", "sigmoid", "relu", "abs", "sin", "cos", "softplus", "exp", "neg"]


def random_vector_graph(rng):
    """A random graph of vectors over a batch, written scalar by scalar: elementwise ops (of one
    vector, two, or a vector and a shared parameter), layers, sums, some values as extras, and
    now and then rows of two widths (no data matrix)."""
    batch, width = rng.randint(1, 5), rng.randint(1, 4)
    ragged = rng.random() < 0.15
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(width + (r % 2 if ragged else 0))] for r in range(batch)]
    params = [Value(rng.uniform(-1, 1)) for _ in range(rng.randint(1, 4))]
    vectors = [[row[c] for row in rows] for c in range(width)] + [row[:width] for row in rows]
    extras = []
    for _ in range(rng.randint(1, 8)):
        x, kind = rng.choice(vectors), rng.random()
        if kind < 0.3:
            op = rng.choice(UNARY)
            new = [-v if op == "neg" else (v * 0.3).exp() if op == "exp" else getattr(v, op)() for v in x]
        elif kind < 0.5:
            y = rng.choice([v for v in vectors if len(v) == len(x)])
            f = rng.choice([lambda a, b: a * b, lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * 2.0 + b])
            new = [f(a, b) for a, b in zip(x, y)]
        elif kind < 0.65:
            p = rng.choice(params)
            new = [rng.choice([p + a, a - p]) if rng.random() < 0.1 else a * p for a in x]
        elif kind < 0.85:
            W = [[Value(rng.uniform(-1, 1)) for _ in x] for _ in range(rng.randint(1, 3))]
            b = [Value(rng.uniform(-1, 1)) for _ in W]
            params += [p for row in W for p in row] + b
            new = [sum((w * v for w, v in zip(row, x)), bi) for row, bi in zip(W, b)]
        else:
            new = [sum(x, Value(0.0)) if rng.random() < 0.5 else sum(x[1:], x[0])]
        if rng.random() < 0.2:
            extras.append(rng.choice(new))
        vectors.append(new)
    loss = sum((v * v for v in vectors[-1]), Value(0.0)) + sum(rng.choice(vectors), Value(0.0)) + params[0] * 0.5
    return loss, params, rows, extras


def test_random_vector_graphs_match_eager():
    found = {"matrices": 0, "groups": 0, "sums": 0}
    for seed in range(150):
        loss, params, rows, extras = random_vector_graph(random.Random(seed))
        f = compile_graph(loss, params, extras, data=rows, vectorize=True)
        out, grads, *extra = f([p.data for p in params], [[x.data for x in r] for r in rows])
        assert close(out, loss.data, abs(loss.data)), seed
        assert_close(grads, list(grad(loss, params)), f"seed {seed}: gradient")
        assert_close(extra[0] if extras else [], [x.data for x in extras], f"seed {seed}: extra")
        for what in found:
            found[what] += bool(getattr(f.lifted, what))
    assert min(found.values()) >= 5, found  # the graphs do exercise every kind of group


@given(exprs(max_steps=10))
def test_random_dags_match_eager_when_vectorized(expr):
    f = compile(expr, list(expr.inputs), vectorize=True)
    leaves = [Value(x) for x in expr.inputs]
    out = expr(*leaves)
    got_out, got_grads = f(expr.inputs)
    want = list(grad(out, leaves))
    assert got_out == out.data or close(got_out, out.data, abs(out.data))
    assert all(a == b or (a != a and b != b) or close(a, b, max(map(abs, want))) for a, b in zip(got_grads, want))


def test_deltas_are_the_gradients_of_the_recovered_sums_z():
    rng = random.Random(5)
    model = nn.MLP(3, [4, 2, 1], activation="tanh", seed=5)
    X, y = data(rng, 6, 3), [rng.uniform(-1, 1) for _ in range(6)]
    step = compile_step(model, nn.mse_loss, X, y, vectorize=True)
    step()
    loss = step.function._graph[0]  # the traced loss: its z[l]_i nodes' eager gradients are δ^l
    for m in step.lifted.matrices:
        want = grad(loss, [z for row in m.outputs for z in row])
        assert_close(step.deltas[m.name].ravel().tolist(), list(want), f"δ of {m.name}")
        assert step.deltas[m.name].shape == (6, m.shape[0]) and m.outputs[0][0].label == f"z[{m.name[1:]}]_1"


def test_a_square_of_zero_runs_on_numpy_not_on_the_scalar_program():
    # Regression: ** 2's partial asks `2.0 >= 1` before `x != 0`; as `where`, every branch ran, one
    # divided by x = 0 (a perfect fit of mse_loss), and each such call fell back to the scalar program.
    model = nn.MLP(1, [2, 1], seed=0)
    X = [[1.0], [2.0], [3.0]]
    y = [model(x).data for x in X]  # the targets are the predictions: every residual is 0.0
    step = compile_step(model, nn.mse_loss, X, y, vectorize=True)
    assert_step_matches_eager(model, nn.mse_loss, X, y, step)
    assert step.function._scalar is None  # (the scalar program is made on first need only)


def test_a_users_op_is_grouped_from_its_row_of_the_table(user_op):
    user_op("atan", Op(math.atan, lambda x, out: (1 / (1 + x * x),)))
    rng = random.Random(6)
    layers, forward, params = hand_mlp(rng, [2, 3])
    rows = [[Value(rng.uniform(-2, 2)) for _ in range(2)] for _ in range(4)]
    loss = sum((z.atan() for r in rows for z in forward(r)), Value(0.0))
    f = compile_graph(loss, params, data=rows, vectorize=True)
    assert ("atan", (4, 3)) in f.lifted.groups
    out, grads = f([p.data for p in params], [[x.data for x in r] for r in rows])
    assert close(out, loss.data, abs(loss.data))
    assert_close(grads, list(grad(loss, params)), "gradient")


@pytest.mark.parametrize("term, groups, matrices", [
    (lambda x: x.tanh() * x.sin(), [("*", (8,)), ("tanh", (8,)), ("sin", (8,))], []),  # a sum of a group
    (lambda x: x.tanh() * x, [("tanh", (1, 8))], [(1, 8)]),  # a neuron with weights x and inputs tanh(x)
])
def test_compile_groups_a_function_of_many_inputs(term, groups, matrices):
    def f(*xs):
        return sum((term(x) for x in xs), Value(0.0))
    xs = [0.1 * k - 0.4 for k in range(8)]
    g = compile(f, xs, vectorize=True)
    assert sorted(g.lifted.groups) == sorted(groups) and [m.shape for m in g.lifted.matrices] == matrices
    assert not g.lifted.scalar
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    got, grads = g(xs)
    assert close(got, out.data, abs(out.data))
    assert_close(grads, list(grad(out, leaves)), "gradient")


def test_the_vectorized_source_holds_no_label():
    rng = random.Random(8)
    layers, forward, params = hand_mlp(rng, [2, 3, 1])
    for k, p in enumerate(params):
        p.label = f"__import__('os').system('echo {k}')"
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(3)]
    loss = sum((forward(r)[0] for r in rows), Value(0.0))
    f = compile_graph(loss, params, data=rows, vectorize=True)
    assert f.lifted.matrices and "'os'" not in f.source and "echo" not in f.source
    assert f.lifted.matrices[0].weights[0][0].label in str(f.lifted)  # the labels are for the reader of lifted alone


def test_rows_are_examples_in_order_whatever_order_the_loss_sums_them():
    model = nn.MLP(2, [3, 1], seed=2)
    X, y = [[0.1 * r, 1.0 - 0.2 * r] for r in range(5)], [0.5 * r for r in range(5)]
    loss_fn = lambda s, t: nn.mse_loss(s[::-1], t[::-1])  # noqa: E731 -- the last example is visited first
    step = compile_step(model, loss_fn, X, y, vectorize=True)
    W1 = step.lifted.matrices[0]
    want = [[sum((w.data * v for w, v in zip(n.w, x)), n.b.data) for n in model.layers[0].neurons] for x in X]
    assert_close([z.data for row in W1.outputs for z in row], [z for row in want for z in row], "z[1]")
    assert_step_matches_eager(model, loss_fn, X, y, step)
