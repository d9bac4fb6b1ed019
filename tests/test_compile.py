"""Compiled replay (`autograd.replay`, `nn.compile_step`): equal to the eager engine to 1e-12 on
random DAGs, on every op, on an MLP and across replays at new inputs; kinks judged at replay time;
the trace check; clear errors; and a compiled training run that ends where the eager one does."""

import contextlib
import math
import os
import random
import struct
import sys
import types
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd.replay
import nn
from autograd import OPS, CompiledFunction, Op, TraceMismatchError, Value, compile, compile_graph, grad, no_grad
from autograd.strategies import exprs, op_exprs
from nn.compile import compile_step
from nn.datasets import make_moons

DOMAIN_ERRORS = (ArithmeticError, ValueError)


def close(a, b):
    """|a - b| <= 1e-12 (1 + |b|), the issue's tolerance; NaN matches NaN, an infinity itself."""
    return a == b or (a != a and b != b) or abs(a - b) <= 1e-12 * (1 + abs(b))


def bits(x):
    """A float's bits, so that 0.0 and -0.0 differ and every NaN is one value ("to the last bit")."""
    return "nan" if x != x else struct.pack("<d", x)


def assert_bits(got, want):
    """Equal to the last bit: (out, grads) pairs, or lists of floats."""
    flat = lambda r: [r[0], *r[1]] if isinstance(r, tuple) else list(r)
    assert list(map(bits, flat(got))) == list(map(bits, flat(want))), f"compiled {got!r}, eager {want!r}"


def eager(fn, xs):
    """(out, grads) from the engine, the reference."""
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    return out.data, list(grad(out, leaves))


def assert_same(got, want):
    (out, grads), (out_e, grads_e) = got, want
    assert close(out, out_e), f"output: compiled {out!r}, eager {out_e!r}"
    assert len(grads) == len(grads_e)
    for k, (a, b) in enumerate(zip(grads, grads_e)):
        assert close(a, b), f"d(out)/d(input {k}): compiled {a!r}, eager {b!r}"


def calls_during(f, inputs):
    """Every function called while `f` replays at `inputs`: Python ones as their code, C ones as themselves."""
    seen = []
    sys.setprofile(lambda frame, event, arg: seen.append(frame.f_code if event == "call" else arg))
    try:
        f(inputs)
    finally:
        sys.setprofile(None)
    return seen


def table_calls(f, inputs, names=None):
    """Which table functions, (op, "forward" or "partials"), a replay calls: the rules not written inline."""
    seen = calls_during(f, inputs)
    return {(name, role) for name in names or OPS for role in ("forward", "partials")
            for fn in [getattr(OPS[name], role)] if any(c is fn or c is getattr(fn, "__code__", None) for c in seen)}


def generated_functions_run(f, inputs):
    """How many functions of generated code (compiled from no file) a replay runs."""
    return len({c for c in calls_during(f, inputs) if isinstance(c, types.CodeType) and not os.path.exists(c.co_filename)})


def hinge_l2(model):
    """The demo's loss as a `compile_step` loss_fn: mean hinge loss plus an L2 penalty."""
    return lambda scores, y: nn.hinge_loss(scores, y) + 1e-4 * sum(p * p for p in model.parameters())


def moons(n, seed):
    X, labels = make_moons(n, noise=0.1, seed=seed)
    return X, [2 * t - 1 for t in labels]


def test_the_module_is_autograd_replay_and_its_names_are_autogradss_own():
    # Regression: the module was autograd/compile.py, shadowed by the function autograd.compile,
    # so reaching the module took importlib.
    assert isinstance(autograd.replay, types.ModuleType) and autograd.replay.__name__ == "autograd.replay"
    for name in ("compile", "compile_graph", "CompiledFunction", "TraceMismatchError"):
        assert getattr(autograd, name) is getattr(autograd.replay, name) and name in autograd.__all__
    assert callable(autograd.compile) and not isinstance(autograd.compile, types.ModuleType)

# --- equal to the eager engine ----------------------------------------------------------------

def in_parts(size):
    """Generate functions of `size` ops, not 100,000, to test the hand-over between them (None: as usual)."""
    return contextlib.nullcontext() if size is None else mock.patch.object(autograd.replay, "_PART", size)


@given(exprs(max_steps=10), st.lists(st.lists(st.floats(-4, 4), min_size=3, max_size=3), min_size=1, max_size=3),
       st.sampled_from([None, 1, 2, 3]))
def test_random_dags_match_eager_at_the_trace_and_at_new_inputs(expr, points, part):
    with in_parts(part):
        f = compile(expr, list(expr.inputs))
    assert_bits(f(expr.inputs), eager(expr, expr.inputs))
    for point in points:  # replays at new inputs: equal where eager works, an error where it raises
        xs = point[:len(expr.inputs)]
        try:
            want = eager(expr, xs)
        except DOMAIN_ERRORS:
            with pytest.raises(DOMAIN_ERRORS):
                f(xs)
            continue
        assert_bits(f(xs), want)  # the module docstring: a replay equals grad() to the last bit


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_every_op_matches_eager(name, data):
    expr = data.draw(op_exprs(name))
    assert_bits(compile(expr, list(expr.inputs))(expr.inputs), eager(expr, expr.inputs))


def test_kinks_and_branches_in_rules_are_evaluated_at_replay():
    fn = lambda x: (x - 1.0).relu() + (x + 1.0).abs() + (x * x).sqrt() + (x * x) ** 0.5
    f = compile(fn, [3.0])
    for x in (3.0, 1.0, 0.5, 0.0, -1.0, -2.5):
        assert_same(f([x]), eager(fn, [x]))
    # sqrt's derivative at 0 is inf (1 / 0 as reciprocal), a branch of its rule taken at replay
    assert compile(lambda x: x.sqrt(), [4.0])([0.0]) == (0.0, [math.inf])


def test_relu_and_arithmetic_are_written_inline():
    f = compile(lambda x, y: (x * y + x).relu() - x, [1.0, 2.0])
    assert table_calls(f, [1.0, 2.0]) == table_calls(f, [-1.0, 2.0]) == set(), f.source


def test_a_shared_node_and_a_repeated_operand_sum_their_contributions():
    fn = lambda x, y: (lambda s: s * s + s * y)(x * y + x)
    assert_same(compile(fn, [0.5, -2.0])([1.5, 0.25]), eager(fn, [1.5, 0.25]))


def test_unused_input_gets_zero_and_an_identity_gets_one():
    assert compile(lambda x, y: x * 2.0, [1.0, 1.0])([3.0, 4.0]) == (6.0, [2.0, 0.0])
    assert compile(lambda x: x, [2.0])([3.0]) == (3.0, [1.0])


def test_ints_are_accepted_as_floats():
    assert compile(lambda x, y: x / y, [1.0, 2.0])([3, 4]) == (0.75, [0.25, -0.1875])


@pytest.mark.parametrize("part", [None, 500, 7])
def test_mlp_loss_matches_eager_across_replays_with_changed_parameters(part):
    X, y = moons(20, seed=0)
    model = nn.MLP(2, [8, 8, 1], seed=0)
    params, loss_fn = model.parameters(), hinge_l2(model)
    with in_parts(part):
        f = compile_graph(loss_fn([model(x) for x in X], y), params)
        assert (generated_functions_run(f, [p.data for p in params]) > 1) == (part is not None)
    rng = random.Random(0)
    for _ in range(3):
        for p in params:
            p.data += rng.gauss(0.0, 0.3)
        loss = loss_fn([model(x) for x in X], y)
        got, want = f([p.data for p in params]), (loss.data, list(grad(loss, params)))
        assert_same(got, want)
        assert got == want  # the same operations in the same order: equal to the last bit


def test_a_long_chain_compiles_and_matches():
    def chain(x, a, b):
        for _ in range(5000):
            x = (x * a + b).tanh().exp()
        return x

    assert_same(compile(chain, [0.3, 0.5, 0.1])([0.2, 0.6, -0.1]), eager(chain, [0.2, 0.6, -0.1]))


@pytest.mark.parametrize("part", [None, 1])
def test_extras_return_values_of_nodes_without_gradients(part):
    w, c = Value(2.0), Value(7.0)
    z, side = w * 3.0, w * 5.0  # side is not part of the loss
    with in_parts(part):
        f = compile_graph(z * z, [w], extras=[z, side, w, c])
    assert f([1.0]) == (9.0, [18.0], [3.0, 5.0, 1.0, 7.0])


def test_a_user_op_is_compiled_from_its_row(user_op):
    user_op("cube_t", Op(lambda x: x * x * x, lambda x, out: (3.0 * x * x,)))
    sigmoid = lambda x: 1 / (1 + (-x).exp()) if isinstance(x, Value) else 1 / (1 + math.exp(-x))
    user_op("softplus_t", Op(lambda x: math.log1p(math.exp(x)), lambda x, out: (sigmoid(x),)))
    fn = lambda x: x.cube_t() + x.softplus_t()
    f = compile(fn, [0.5])
    # cube_t is recorded and written inline; softplus_t's rule calls math functions: it is called.
    assert table_calls(f, [0.5], ["cube_t", "softplus_t"]) == {("softplus_t", "forward"), ("softplus_t", "partials")}
    for x in (0.5, -1.25, 2.0):
        assert_same(f([x]), eager(fn, [x]))


def test_a_rule_that_branches_on_the_float_type_is_recorded_with_its_float_branch():
    # Regression: the table's ** rule tests `x.__class__ is float`; a recording stand-in that
    # failed the test took the other branch, and d/dx (x ** 2) ** -1 came out inf.
    fn = lambda x: (x ** 2.0) ** -1.0
    f = compile(fn, [1.0])
    assert not any(role == "partials" for _, role in table_calls(f, [1.0]))
    for x in (1.0, 3.0, -0.5):
        assert f([x]) == eager(fn, [x])


def test_a_rule_that_treats_a_stand_in_unlike_a_float_is_called(user_op):
    # `type(x) is float` cannot be answered for a recording stand-in: recorded, the rule below
    # reads (2.0 if x == 1.0 else 3.0), right at the first node (x = 1) and wrong at the second
    # (x = 2). The check at every traced node catches it, and the rule is called instead.
    user_op("double_t", Op(lambda x: 2.0 * x, lambda x, out: (2.0 if type(x) is float or x == 1.0 else 3.0,)))
    fn = lambda x: x.double_t() + (x * 2.0).double_t()
    f = compile(fn, [1.0])
    assert ("double_t", "partials") in table_calls(f, [4.0], ["double_t"])
    assert f([4.0]) == eager(fn, [4.0]) == (24.0, [6.0])


def test_generated_source_holds_no_user_strings(user_op):
    hostile = "__import__('os').system('echo hacked')"
    op = user_op("twice it!", Op(lambda x: 2.0 * x, lambda x, out: (2.0,)))
    x = Value(1.0, label=hostile)
    y = op(x * 3.0)
    y.label = hostile
    f = compile_graph(y, [x])
    assert "hacked" not in f.source and "twice it" not in f.source
    assert f([2.0]) == (12.0, [6.0])


# --- valid only for a fixed graph -------------------------------------------------------------

def test_check_detects_a_branch_on_a_value():
    f = compile(lambda x: x * 2.0 if x.data > 0 else x * 3.0, [1.0])
    assert f.check([5.0]) == (10.0, [2.0])
    with pytest.raises(TraceMismatchError, match=r"compiled `v2 = v0 \* 2.0`, traced now `v2 = v0 \* 3.0`"):
        f.check([-1.0])


def test_check_detects_a_number_computed_from_data():
    f = compile(lambda x: x * Value(x.data), [1.0])  # the Value(x.data) is baked in as 1.0
    with pytest.raises(TraceMismatchError, match="numbers computed from .data"):
        f.check([2.0])


def test_check_needs_the_function():
    x = Value(1.0)
    f = compile_graph(x * 2.0, [x])
    with pytest.raises(TypeError, match="check_graph"):
        f.check([1.0])
    y = Value(3.0)
    f.check_graph(y * 2.0, [y])
    with pytest.raises(TraceMismatchError):
        f.check_graph(y * 2.0 + 1.0, [y])


# --- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("inputs, error, message", [
    ([1.0], ValueError, "expected 2 inputs"),
    ([1.0, 2.0, 3.0], ValueError, "expected 2 inputs"),
    ([1.0, math.nan], ValueError, "input 1 must be finite, got nan"),
    ([-math.inf, 1.0], ValueError, "input 0 must be finite, got -inf"),
    (["1.0", 2.0], TypeError, "input 0 must be a real number, got str"),
    ([1.0, True], TypeError, "input 1 must be a real number, got bool"),
    (1.0, TypeError, "inputs must be a sequence of numbers, got float"),
    ("12", TypeError, "inputs must be a sequence of numbers, got str"),
    ([1.0, 10 ** 400], OverflowError, r"input 1: int of about 10\*\*400 is too large for a float"),
])
def test_bad_replay_inputs_are_named(inputs, error, message):
    f = compile(lambda x, y: x * y, [1.0, 2.0])
    with pytest.raises(error, match=f"compiled <lambda>: {message}"):
        f(inputs)


def test_a_domain_error_at_replay_is_the_tables_error():
    f = compile(lambda x: (x - 1.0).log(), [2.0])
    with pytest.raises(ValueError, match=r"log: input must be > 0, got -2.0"):
        f([-1.0])


@pytest.mark.parametrize("fn, inputs, error, message", [
    (lambda x, y: x * y, [1.0], TypeError, "got 1 example inputs, which <lambda> cannot take"),
    (lambda x: 3.0, [1.0], TypeError, "must return one Value"),
    (lambda x: [x, x], [1.0], TypeError, "must return one Value"),
    (lambda x: Value(x.data * 2), [1.0], ValueError, "does not depend on any input"),
    (lambda x: x, [math.nan], ValueError, "example input 0 must be finite"),
    (lambda x: x, [-10 ** 400], OverflowError, r"example input 0: int of about 10\*\*400 is too large for a float"),
    (lambda x: x, ["a"], TypeError, "example input 0 must be a real number"),
    ("x * 2", [1.0], TypeError, "expected a function of Values"),
])
def test_bad_compile_arguments_are_named(fn, inputs, error, message):
    with pytest.raises(error, match=message):
        compile(fn, inputs)


def test_compile_refuses_to_trace_inside_no_grad():
    with no_grad(), pytest.raises(RuntimeError, match="inside no_grad"):
        compile(lambda x: x * 2.0, [1.0])


def test_compile_graph_inputs_must_be_distinct_leaves():
    x = Value(1.0)
    y = x * 2.0
    with pytest.raises(ValueError, match="input 0 must be a leaf Value .* op '\\*'"):
        compile_graph(y * y, [y])
    with pytest.raises(ValueError, match="input 1 is the same Value as input 0"):
        compile_graph(y, [x, x])
    with pytest.raises(TypeError, match="inputs must be Values, got float"):
        compile_graph(y, [1.0])
    with pytest.raises(TypeError, match="output must be a Value"):
        compile_graph(2.0, [x])


def test_repr_says_what_was_compiled():
    f = compile(lambda x, y: x * y + x, [1.0, 2.0])
    assert isinstance(f, CompiledFunction)
    assert repr(f) == "<CompiledFunction compiled <lambda>: 2 inputs, 2 ops>"


# --- nn.compile_step --------------------------------------------------------------------------

def test_compile_step_matches_backward_and_accumulates_like_it():
    X, y = moons(12, seed=2)
    model = nn.MLP(2, [6, 1], seed=1)
    step = compile_step(model, hinge_l2(model), X, y)
    model.zero_grad()
    loss = step()
    compiled = [p.grad for p in model.parameters()]
    model.zero_grad()
    eager_loss = hinge_l2(model)([model(x) for x in X], y)
    eager_loss.backward()
    assert loss == eager_loss.data
    assert_bits(compiled, [p.grad for p in model.parameters()])
    step()  # leaves accumulate, as after a second backward(): exactly twice
    assert_bits([p.grad for p in model.parameters()], [2 * a for a in compiled])


def linear_model(w, b):
    """s = w x + b as a one-neuron MLP, its weight and bias set."""
    model = nn.MLP(1, [1], activation="linear", output_activation="linear", seed=0)
    (model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].b.data) = w, b
    return model


def test_compile_step_adds_to_a_nonzero_grad_exactly_as_backward():
    # Regression: with .grad = 1.0 and a loss adding 1e-16 twice, backward() gave 1.0 (each
    # 1e-16 added on its own) and the step 1.0000000000000002 (their sum added once). Now both
    # add the pass's sum once, as PyTorch does.
    results = []
    for compiled in (False, True):
        model = linear_model(1.0, 0.0)
        loss_fn = lambda scores, targets: sum(p * 1e-16 + p * 1e-16 for p in model.parameters())  # noqa: B023
        step = compile_step(model, loss_fn, [[1.0]], [0.0])
        for p in model.parameters():
            p.grad = 1.0
        step() if compiled else loss_fn([model([1.0])], [0.0]).backward()
        results.append([p.grad for p in model.parameters()])
    assert results[0] == results[1] == [1.0000000000000002] * 2


def test_compile_step_gives_the_bits_of_backward_on_a_negative_zero_gradient():
    # The replay's sum of one contribution -0.0 is -0.0, backward's 0.0 + -0.0 is 0.0: added
    # to a .grad of -0.0 they differ in the sign bit unless the step adds 0.0 first.
    loss_fn = lambda scores, targets: scores[0] * -0.0
    results = []
    for compiled in (False, True):
        model = linear_model(2.0, 1.0)
        step = compile_step(model, loss_fn, [[1.0]], [0.0])
        for p in model.parameters():
            p.grad = -0.0
        step() if compiled else loss_fn([model([1.0])], [0.0]).backward()
        results.append([p.grad for p in model.parameters()])
    assert_bits(results[1], results[0])
    assert_bits(results[0], [0.0, 0.0])


@pytest.mark.parametrize("zero_grad", [True, False])
def test_compile_step_equals_backward_bit_for_bit_over_steps_with_and_without_zero_grad(zero_grad):
    # Regression: after three steps without zero_grad, 10 of 21 gradients of this MLP differed
    # from backward()'s in the last bit (the step added the pass's sum once, backward did not).
    X, y = moons(10, seed=4)
    models = [nn.MLP(2, [4, 1], seed=6) for _ in range(2)]
    eager_model, model = models
    step = compile_step(model, hinge_l2(model), X, y)
    optimizers = [nn.SGD(m.parameters(), lr=0.1) for m in models]
    for _ in range(3):
        if zero_grad:
            for opt in optimizers:
                opt.zero_grad()
        eager_loss = hinge_l2(eager_model)([eager_model(x) for x in X], y)
        eager_loss.backward()
        assert step() == eager_loss.data
        assert_bits([p.grad for p in model.parameters()], [p.grad for p in eager_model.parameters()])
        for opt in optimizers:
            opt.step()
        assert_bits([p.data for p in model.parameters()], [p.data for p in eager_model.parameters()])


def test_compiled_training_ends_where_eager_training_does():
    X, y = moons(40, seed=1)

    def train(compiled):
        model = nn.MLP(2, [8, 8, 1], seed=3)
        loss_fn, opt = hinge_l2(model), nn.SGD(model.parameters(), lr=0.2)
        step = compile_step(model, loss_fn, X, y) if compiled else None
        for k in range(40):
            opt.zero_grad()
            if compiled and k % 10 != 9:  # every tenth step eager: the two mix freely
                step()
            else:
                loss_fn([model(x) for x in X], y).backward()
            opt.step()
        with no_grad():
            scores = [model(x).data for x in X]
        return model.state_dict(), sum((s > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)

    (eager_state, eager_accuracy), (state, accuracy) = train(False), train(True)
    assert accuracy == eager_accuracy >= 0.85
    assert_bits(list(state.values()), list(eager_state.values()))  # the same operations: the same bits


@pytest.mark.parametrize("loss, targets", [
    (nn.mse_loss, [0.5, -1.0, 2.0]), (nn.l1_loss, [0.5, -1.0, 2.0]), (nn.hinge_loss, [1, -1, 1]),
    (nn.binary_cross_entropy, [1.0, 0.0, 0.25]),
])
def test_compile_step_matches_each_loss_after_the_weights_change(loss, targets):
    X = [[1.0, -0.5], [0.25, 2.0], [-1.5, 0.75]]
    model = nn.MLP(2, [5, 1], seed=4)
    step = compile_step(model, loss, X, targets)
    rng = random.Random(1)
    for _ in range(3):
        for p in model.parameters():
            p.data += rng.gauss(0.0, 0.5)
        step.check()
        model.zero_grad()
        compiled = step(), [p.grad for p in model.parameters()]
        model.zero_grad()
        eager_loss = loss([model(x) for x in X], targets)
        eager_loss.backward()
        assert_bits(compiled, (eager_loss.data, [p.grad for p in model.parameters()]))  # nn.compile: bit for bit


def test_compile_step_with_cross_entropy_keeps_the_traced_shifts():
    # cross_entropy subtracts each row's largest logit, a number read from .data: the step keeps
    # the traced ones, so it agrees with eager up to rounding, which check() accepts (issue 19, item 6:
    # it compared the program's text and raised after every optimizer step).
    X, targets = [[1.0, -0.5], [0.25, 2.0]], [0, 2]
    model = nn.MLP(2, [4, 3], seed=0)
    step = compile_step(model, nn.cross_entropy, X, targets)
    for p in model.parameters():
        p.data *= 1.5
    model.zero_grad()
    loss, grads = step(), [p.grad for p in model.parameters()]
    model.zero_grad()
    eager_loss = nn.cross_entropy([model(x) for x in X], targets)
    eager_loss.backward()
    assert close(loss, eager_loss.data)
    assert all(close(a, p.grad) for a, p in zip(grads, model.parameters()))
    step.check()


def test_compile_step_keeps_the_predictions_of_each_call():
    X, y = moons(5, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    step = compile_step(model, nn.hinge_loss, X, y)
    step()
    with no_grad():
        assert step.predictions == [model(x).data for x in X]
    model = nn.MLP(2, [4, 3], seed=0)  # several outputs: a list per example
    step = compile_step(model, nn.cross_entropy, X, [0, 1, 2, 0, 1])
    step()
    with no_grad():
        assert step.predictions == [[v.data for v in model(x)] for x in X]


def test_compile_step_check_detects_a_loss_that_branches_on_values():
    # A loss that picks its formula by the sign of a score: flipping the sign changes the graph.
    def loss_fn(scores, targets):
        (s,), (t,) = scores, targets
        return (s - t) ** 2 if s.data > 0 else (s - t).abs()

    model = nn.MLP(1, [1], activation="linear", output_activation="linear", seed=0)
    w, b = model.parameters()
    w.data, b.data = 1.0, 0.5
    step = compile_step(model, loss_fn, [[1.0]], [0.0])
    step.check()
    w.data = -1.0
    with pytest.raises(TraceMismatchError, match="traced now"):
        step.check()


def test_compile_step_names_a_diverged_parameter():
    model = nn.MLP(2, [3, 1], seed=0)
    step = compile_step(model, nn.mse_loss, [[1.0, 2.0]], [0.5])
    model.layers[0].neurons[1].w[0].data = math.nan
    with pytest.raises(ValueError, match=r"parameter 'layers.0.neurons.1.w.0' is nan; the training has diverged"):
        step()


def test_compile_step_errors():
    model = nn.MLP(2, [3, 1], seed=0)
    with no_grad(), pytest.raises(RuntimeError, match="inside no_grad"):
        compile_step(model, nn.mse_loss, [[1.0, 2.0]], [0.5])
    with pytest.raises(TypeError, match="loss_fn must return one Value"):
        compile_step(model, lambda s, t: 0.0, [[1.0, 2.0]], [0.5])


# --- data as inputs: one program for every batch of a size (issue 13, part 1) ---------------------

def eager_grads(model, loss_fn, X, y):
    """(loss, parameter gradients) of loss.backward() on the batch, from zero gradients."""
    model.zero_grad()
    loss = loss_fn([model(x) for x in X], y)
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def step_grads(step, model, *batch):
    model.zero_grad()
    return step(*batch), [p.grad for p in model.parameters()]


@pytest.mark.parametrize("loss, targets", [
    (nn.mse_loss, lambda rng: rng.uniform(-2, 2)), (nn.l1_loss, lambda rng: rng.uniform(-2, 2)),
    (nn.hinge_loss, lambda rng: rng.choice([-1, 1])), (nn.binary_cross_entropy, lambda rng: rng.random()),
])
def test_compile_step_on_another_batch_equals_backward_on_that_batch_bit_for_bit(loss, targets):
    rng = random.Random(5)
    batch = lambda: ([[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(6)], [targets(rng) for _ in range(6)])
    model = nn.MLP(2, [5, 1], seed=2)
    step = compile_step(model, lambda s, t: loss(s, t) + 1e-3 * sum(p * p for p in model.parameters()), *batch())
    assert step.targets_are_data
    for _ in range(4):
        X, y = batch()
        want = eager_grads(model, step._loss_fn, X, y)
        assert_bits(step_grads(step, model, X, y), want)
        with no_grad():
            assert step.predictions == [model(x).data for x in X]
    assert step.n_programs == 1  # every batch of 6 replayed the one program: no new compile


def test_a_batch_of_another_size_is_traced_once_and_cached():
    X, y = moons(10, seed=3)
    model = nn.MLP(2, [4, 1], seed=0)
    step = compile_step(model, hinge_l2(model), X, y)
    for _ in range(3):  # an epoch of batches of 4, 4, 2: the batch of 2 costs one trace, once
        for k in range(0, 10, 4):
            Xb, yb = X[k:k + 4], y[k:k + 4]
            assert_bits(step_grads(step, model, Xb, yb), eager_grads(model, hinge_l2(model), Xb, yb))
    assert step.n_programs == 3  # 10 (traced), 4 and 2
    assert_bits(step_grads(step, model), eager_grads(model, hinge_l2(model), X, y))  # step(): the traced batch


def test_targets_given_as_tuples_are_data_as_lists_are():
    # Regression: the trace read a tuple target as data, but each replay's rows left it whole, so
    # the first step() failed ("number in data row 0 1 must be a real number, got tuple").
    model = nn.MLP(1, [3, 2], seed=0)
    X, y = [[1.0], [2.0]], [(0.0, 1.0), (1.0, 0.0)]
    step = compile_step(model, mse_pairs, X, y)
    assert step.targets_are_data
    assert_bits(step_grads(step, model), eager_grads(model, mse_pairs, X, y))
    assert_bits(step_grads(step, model, X, [list(t) for t in y]), eager_grads(model, mse_pairs, X, y))


def mse_pairs(scores, targets):
    return nn.mse_loss([s for row in scores for s in row], [t for row in targets for t in row])


def test_cross_entropy_targets_are_structure_and_key_the_cache():
    X = [[1.0, -0.5], [0.25, 2.0]]
    model = nn.MLP(2, [4, 3], seed=0)
    step = compile_step(model, nn.cross_entropy, X, [0, 2])
    assert step.targets_are_data is False
    for targets in ([2, 1], [0, 2], [2, 1]):  # the shifts are those of each traced batch: equal on it
        assert_bits(step_grads(step, model, X, targets), eager_grads(model, nn.cross_entropy, X, targets))
    assert step.n_programs == 2  # (2, (0, 2)) and (2, (2, 1))


def test_compile_step_batch_errors():
    model = nn.MLP(2, [3, 1], seed=0)
    step = compile_step(model, nn.mse_loss, [[1.0, 2.0]], [0.5])
    with pytest.raises(TypeError, match="both the examples and the targets"):
        step([[1.0, 2.0]])
    with pytest.raises(ValueError, match="got 2 examples but 1 targets"):
        step([[1.0, 2.0], [3.0, 4.0]], [0.5])
    with pytest.raises(ValueError, match=r"example 0, \[1.0\]: expected 2 numbers \(one per model input, as traced\), got 1"):
        step([[1.0]], [0.5])  # (issue 19, item 7: it said "data row 0 has 2 numbers, traced with 3")
    with pytest.raises(ValueError, match="^compile_step: target 0 must be finite, got inf$"):
        step([[1.0, 2.0]], [math.inf])


# Issue 19 (class C): compile_step read a batch with list(), so a dict gave its keys and a set its hash
# order: compile_step(m, mse_loss, X, {7., 5.})() was 9.495 where [7., 5.] gives 14.314, silently.
@pytest.mark.parametrize("bad, why", [
    ({7.0, 5.0}, r"got set: .* \(a set has no order: use a list\)$"),
    ({7.0: 0, 5.0: 1}, r"got dict: .* \(a dict is not read by key: list its values in order\)$"),
    ("75", r"got str: '75'$"),
], ids=["set", "dict", "str"])
def test_compile_step_refuses_targets_or_examples_in_a_dict_set_or_str(bad, why):
    model, X, y = nn.MLP(2, [3, 1], seed=0), [[1.0, 2.0], [3.0, 4.0]], [7.0, 5.0]
    with pytest.raises(TypeError, match=rf"^compile_step: y must be a list of targets, one per example, {why}"):
        compile_step(model, nn.mse_loss, X, bad)
    step = compile_step(model, nn.mse_loss, X, y)
    with pytest.raises(TypeError, match=rf"^compile_step: y must be a list of targets, one per example, {why}"):
        step(X, bad)
    with pytest.raises(TypeError, match=r"^compile_step: X must be a list of examples \(a list of numbers each\), got dict"):
        compile_step(model, nn.mse_loss, {0: [1.0, 2.0], 1: [3.0, -1.0]}, y)  # was "'int' object is not iterable"
    with pytest.raises(TypeError, match=r"^compile_step: example 1 must be a list of numbers, got set: .*has no order"):
        step([[1.0, 2.0], {3.0, 4.0}], y)
    with pytest.raises(TypeError, match=r"^compile_step: example 1 must be a list of numbers, got dict"):
        compile_step(model, nn.mse_loss, [[1.0, 2.0], {0: 3.0, 1: 4.0}], y)


def test_compile_step_names_the_example_and_number_it_refuses_not_value_or_a_flat_data_index():
    # Issue 19 (class E): the trace said "Value: data must be a real number" (Value, which the user never
    # called) and the replay "compiled graph: number in data row 0 2 must be finite" (an index into
    # the example's inputs and target joined).
    model, y = nn.MLP(2, [3, 1], seed=0), [7.0, 5.0]
    with pytest.raises(TypeError, match=r"^compile_step: example 1, input 0 must be a real number, got bool: True$"):
        compile_step(model, nn.mse_loss, [[1.0, 2.0], [True, 4.0]], y)
    with pytest.raises(ValueError, match=r"^compile_step: example 0, input 1 must be finite, got nan$"):
        compile_step(model, nn.mse_loss, [[1.0, math.nan], [3.0, 4.0]], y)
    step = compile_step(model, nn.mse_loss, [[1.0, 2.0], [3.0, 4.0]], y)
    with pytest.raises(ValueError, match=r"^compile_step: example 1, input 1 must be finite, got inf$"):
        step([[1.0, 2.0], [3.0, math.inf]], y)
    with pytest.raises(TypeError, match=r"^compile_step: example 0, input 0 must be a real number, got str: '1'$"):
        step([["1", 2.0], [3.0, 4.0]], y)
    with pytest.raises(ValueError, match=r"^compile_step: target 1 must be finite, got nan$"):
        step([[1.0, 2.0], [3.0, 4.0]], [7.0, math.nan])
    pairs = compile_step(nn.MLP(1, [3, 2], seed=0), mse_pairs, [[1.0], [2.0]], [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match=r"^compile_step: target 1, number 1 must be finite, got inf$"):
        pairs([[1.0], [2.0]], [[0.0, 1.0], [1.0, math.inf]])
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match=r"^compile_step: example 0, input 0 must be a real number, got ndarray"):
        compile_step(model, nn.mse_loss, [[np.array(1.0), 2.0], [3.0, 4.0]], y)


def test_compile_graph_names_a_data_number_by_row_and_place_or_as_its_caller_says():
    w, x, t = Value(0.5), Value(3.0), Value(1.5)
    f = compile_graph((w * x - t) ** 2, [w], data=[[x, t]])
    with pytest.raises(ValueError, match=r"^compiled graph: data row 0, number 1 must be finite, got nan$"):
        f([0.5], [[3.0, math.nan]])
    g = compile_graph((w * x - t) ** 2, [w], data=[[x, t]], who="fit", data_names=lambda r, k: f"point {r}.{k}")
    with pytest.raises(ValueError, match=r"^fit: point 0.1 must be finite, got nan$"):
        g([0.5], [[3.0, math.nan]])
    with pytest.raises(TypeError, match=r"^compile_graph: who must be a str and data_names None or a function"):
        compile_graph(w * x, [w], data=[[x]], data_names="row")


def test_compile_graph_data_are_inputs_not_constants():
    w, x, t = Value(0.5), Value(3.0), Value(1.5)
    f = compile_graph((w * x - t).tanh() ** 2, [w], data=[[x, t]])
    assert "3.0" not in f.source and "1.5" not in f.source and "data[0][0]" in f.source, f.source
    for xs in ([3.0, 1.5], [-3.0, 0.25], [0.0, 0.0]):
        fn = lambda w: (w * xs[0] - xs[1]).tanh() ** 2  # noqa: B023
        assert_bits(f([0.75], [xs]), eager(fn, [0.75]))
    with pytest.raises(TypeError, match="call it as f\\(inputs, data\\)"):
        f([0.75])
    with pytest.raises(ValueError, match="expected 1 data rows"):
        f([0.75], [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="compiled without data leaves"):
        compile_graph(w * 2.0, [w])([1.0], [[1.0]])
    with pytest.raises(ValueError, match="data\\[0\\]\\[0\\] is the same Value as input 0"):
        compile_graph(w * 2.0, [w], data=[[w]])


# --- the same program on arrays (issue 13, part 2) -------------------------------------------------

def needs_numpy():
    # Here, not at import: a skip at module level would skip every test of the file without NumPy.
    return pytest.importorskip("numpy")  # the dev extras install it (dagrad[fast]); the engine never needs it


def assert_rows_match_the_scalar_replay(f, X):
    np = needs_numpy()
    out, grads = f.batch(X)
    assert out.shape == (len(X),) and grads.shape == (len(X), f.n_inputs)
    for r, x in enumerate(X):
        value, gradient = f(list(x))
        assert close(out[r], value), (r, out[r], value)
        assert all(close(a, b) for a, b in zip(grads[r], gradient)), (r, grads[r], gradient)
    assert np.array_equal(f.batch(X, grads=False), out)


def test_batch_rows_equal_the_scalar_replay_on_an_mlp_with_kinks_per_element():
    model = nn.MLP(2, [8, 8, 1], seed=3)
    f = compile(lambda a, b: model([a, b]).abs() + (a - b).relu(), [0.5, -0.5])
    rng = random.Random(0)
    X = [[rng.uniform(-3, 3), rng.uniform(-3, 3)] for _ in range(300)] + [[0.0, 0.0], [1.0, 1.0]]
    assert_rows_match_the_scalar_replay(f, X)


def test_batch_runs_every_op_and_a_rule_the_table_calls():
    fn = lambda x, y: ((x * x + 1.0).log() + (y * y).sqrt() + (x / (y * y + 1.0)) ** 3 + x.tanh().exp()
                       + x.sin() * y.cos() + x.sigmoid() + y.softplus() + (x * y).reciprocal())
    f = compile(fn, [0.5, 1.5])
    rng = random.Random(1)
    assert_rows_match_the_scalar_replay(f, [[rng.uniform(0.1, 2), rng.uniform(-2, -0.1)] for _ in range(50)])


def test_batch_names_the_first_row_outside_the_domain():
    needs_numpy()
    f = compile(lambda x, y: (x - y).log(), [2.0, 1.0])
    with pytest.raises(ValueError, match=r"row 2, \[1.0, 3.0\], is outside an op's domain: log: input must be > 0"):
        f.batch([[2.0, 1.0], [5.0, 1.0], [1.0, 3.0], [0.0, 1.0]])
    out, grads = compile(lambda x: x.sqrt(), [4.0]).batch([[0.0], [4.0]])  # an inf that is no error
    assert out.tolist() == [0.0, 2.0] and grads.tolist() == [[math.inf], [0.25]]


def test_batch_without_numpy_says_how_to_install_it(monkeypatch):
    f = compile(lambda x: x * 2.0, [1.0])
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match=r"needs NumPy, an optional extra: pip install 'dagrad\[fast\]'"):
        f.batch([[1.0]])
    assert f([1.0]) == (2.0, [2.0])  # the scalar replay needs nothing


def test_batch_of_a_program_with_extras_gives_the_output_and_gradients():
    # Regression: a row replayed on floats (sqrt's inf at 0) unpacked the extras as well.
    needs_numpy()
    x = Value(4.0)
    y = x.sqrt()
    f = compile_graph(y * 1.0, [x], extras=[y])
    out, grads = f.batch([[4.0], [0.0]])
    assert out.tolist() == [2.0, 0.0] and grads.tolist() == [[0.25], [math.inf]]


def test_batch_checks_the_shape_of_x():
    needs_numpy()
    f = compile(lambda x, y: x * y, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"X must have shape \(n_points, 2\), got \(1, 3\)"):
        f.batch([[1.0, 2.0, 3.0]])
    w = Value(1.0)
    with pytest.raises(TypeError, match="compiled with data leaves"):
        compile_graph(w * Value(2.0), [w], data=[[Value(3.0)]]).batch([[1.0]])


# --- a cheaper compile: one loop over the examples (issue 13, part 3) --------------------------------

def test_a_batch_compiles_to_one_loop_over_the_examples_and_equals_backward_bit_for_bit():
    X, y = moons(30, seed=2)
    model = nn.MLP(2, [8, 8, 1], seed=1)
    step = compile_step(model, hinge_l2(model), X, y)
    source = step.function.source
    assert "for row in data:" in source and "for r in range(29, -1, -1):" in source, source[:2000]
    assert len(source.splitlines()) < step.function.n_ops / 4  # one example's ops, not thirty (straight: ~2 lines an op)
    rng = random.Random(3)
    for _ in range(3):
        Xb, yb = moons(30, seed=rng.randrange(100))
        got = step_grads(step, model, Xb, yb)
        predictions = step.predictions
        assert_bits([got[0], *got[1]], [*(want := eager_grads(model, hinge_l2(model), Xb, yb))[:1], *want[1]])
        assert predictions == [model(x).data for x in Xb]
        for p in model.parameters():
            p.data += rng.gauss(0.0, 0.2)


def test_examples_summed_last_first_are_written_straight_to_keep_backwards_order():
    # Regression guard: a loop from the last example adds each parameter's contributions in the order
    # eager does only when the examples come in order; summed in reverse it would reorder every sum.
    w, b = Value(0.5), Value(-0.25)
    rows = [[Value(x)] for x in (0.5, -1.0, 2.0, 0.25)]
    terms = [(w * x + b).tanh() * (w * x) for x, in rows]
    for loss, looped in ((sum(reversed(terms)), False), (sum(terms), True)):
        f = compile_graph(loss, [w, b], data=rows)
        assert ("for row in data:" in f.source) is looped, f.source
        assert_bits(f([0.5, -0.25], [[r[0].data] for r in rows]), (loss.data, list(grad(loss, [w, b]))))


def test_examples_of_different_structure_or_constants_are_written_straight():
    w = Value(0.5)
    rows = [[Value(x)] for x in (0.5, -1.0, 2.0)]
    cases = {"an extra op in example 1": sum((w * x).tanh() * (2.0 if k == 1 else 1.0) + w * x for k, (x,) in enumerate(rows)),
             "a constant that differs": sum((w * x + float(k)).tanh() for k, (x,) in enumerate(rows)),
             "another op in example 1": sum((w * x).exp() if k == 1 else (w * x).tanh() for k, (x,) in enumerate(rows))}
    for name, loss in cases.items():
        f = compile_graph(loss, [w], data=rows)
        assert "for row in data:" not in f.source, name
        assert_bits(f([0.5], [[r[0].data] for r in rows]), (loss.data, list(grad(loss, [w]))))


def test_the_loop_reads_ops_of_the_parameters_made_before_it_and_differentiates_them_after():
    w, v = Value(0.7), Value(-0.3)
    scale = (w * w + v * v).sqrt()
    ws = w / scale  # ops of no example that every example reads
    rows = [[Value(x), Value(t)] for x, t in ((0.5, 1.0), (-1.0, 0.0), (2.0, 1.0), (0.1, 0.5))]
    preds = [(ws * x + v).sigmoid() for x, _ in rows]
    loss = sum((p - t) ** 2 for p, (_, t) in zip(preds, rows)) * 0.25 + 1e-3 * (w * w) + scale
    f = compile_graph(loss, [w, v], extras=preds, data=rows)
    assert "for row in data:" in f.source, f.source
    rng = random.Random(5)
    for _ in range(3):
        data = [[rng.uniform(-2, 2), rng.random()] for _ in rows]
        for leaf, value in zip((leaf for row in rows for leaf in row), (x for row in data for x in row)):
            leaf.data = value
        values = [rng.uniform(-1, 1), rng.uniform(-1, 1)]
        w.data, v.data = values
        # the same graph rebuilt at these values, differentiated by the engine
        w2, v2 = Value(values[0]), Value(values[1])
        scale2 = (w2 * w2 + v2 * v2).sqrt()
        ws2 = w2 / scale2
        preds2 = [(ws2 * x + v2).sigmoid() for x, _ in data]
        loss2 = sum((p - t) ** 2 for p, (_, t) in zip(preds2, data)) * 0.25 + 1e-3 * (w2 * w2) + scale2
        out, grads, extras = f(values, data)
        assert_bits((out, grads), (loss2.data, list(grad(loss2, [w2, v2]))))
        assert extras == [p.data for p in preds2]


@given(exprs(max_steps=8), st.integers(2, 4), st.sampled_from(["in order", "in order", "last first", "products"]),
       st.booleans(), st.lists(st.floats(-0.05, 0.05), min_size=8, max_size=8))
def test_random_examples_joined_at_random_match_eager_bit_for_bit(expr, n, join, penalty, shifts):
    from hypothesis import assume

    assume(len(expr.inputs) >= 2)  # input 0 is each example's datum, the others are parameters

    def loss_of(params, xs):
        outs = [expr(x, *params) for x in xs]
        total = (sum(outs) if join == "in order" else sum(reversed(outs)) if join == "last first"
                 else sum(a * b for a, b in zip(outs, outs[1:])))
        return total + sum(p * p for p in params) * 1e-3 if penalty else total

    xs = [expr.inputs[0] + shifts[k] for k in range(n)]
    params, rows = [Value(p) for p in expr.inputs[1:]], [[Value(x)] for x in xs]
    try:
        loss = loss_of(params, [r[0] for r in rows])
    except DOMAIN_ERRORS:
        assume(False)
    assume(any(True for p in params if p in set(autograd.engine.topological_order(loss))))
    f = compile_graph(loss, params, data=rows)
    for k in range(3):
        new_params = [p + shifts[k] for p in expr.inputs[1:]]
        new_xs = [[x - shifts[-1 - k]] for x in xs]
        leaves = [Value(p) for p in new_params]
        try:
            eager_loss = loss_of(leaves, [Value(x) for x, in new_xs])
            want = (eager_loss.data, list(grad(eager_loss, leaves)))
        except DOMAIN_ERRORS:
            continue
        assert_bits(f(new_params, new_xs), want)
        with mock.patch.object(autograd.replay, "_LOOP", False):  # and the same bits as the program op by op
            assert_bits(compile_graph(loss, params, data=rows)(new_params, new_xs), want)


def test_ops_of_the_parameters_made_again_for_each_example_are_part_of_the_loop():
    w, v = Value(0.7), Value(-0.3)
    rows = [[Value(x)] for x in (0.5, -1.0, 2.0)]
    loss = sum(((w * w).sqrt() * x + v * 2.0).tanh() for x, in rows)  # w * w, sqrt, v * 2.0 made three times
    f = compile_graph(loss, [w, v], data=rows)
    assert "for row in data:" in f.source and f.source.count("sqrt_fn(") == 1, f.source
    assert_bits(f([0.7, -0.3], [[0.5], [-1.0], [2.0]]), (loss.data, list(grad(loss, [w, v]))))
