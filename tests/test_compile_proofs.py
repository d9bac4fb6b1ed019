"""Compiled replay's compile-time proofs (issue 19, class A): the loop over examples is used only where
every read of every value is proven right, else the program is written op by op; a compiled step whose
trace would depend on a target's value bakes the targets in; check() judges the numbers; the batch is
checked before it is joined; the step's cache of programs is bounded."""

import random
import warnings
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd.replay
import nn
from autograd import Value, compile_graph, grad
from nn.compile import CompiledStep, compile_step
from tests.test_compile import assert_bits, eager_grads, step_grads

LOOP = "for row in data:"


def eager_graph(loss_of, params, data):
    """(loss, gradients) of the graph rebuilt on fresh leaves at `params` and `data`, by the engine."""
    leaves = [Value(p) for p in params]
    loss = loss_of(leaves, [[Value(x) for x in row] for row in data])
    return loss.data, list(grad(loss, leaves))


# --- item 1: a loss that reads several examples' data --------------------------------------------

def issue_loss(params, rows):
    (w,), (a, b) = params, (rows[0][0], rows[1][0])
    return (w * a + b) + (w * b + a)


def test_a_loss_reading_another_examples_data_after_the_loop_replays_eagers_numbers():
    # Regression (issue 19, item 1): after the loop, example 0's data leaf was read as row[0], the last row's:
    # (20.0, [4.0]) where eager gives (10.0, [4.0]).
    w, rows = Value(0.5), [[Value(1.0)], [Value(2.0)]]
    f = compile_graph(issue_loss([w], rows), [w], data=rows)
    assert LOOP in f.source  # still one loop: its reads are proven
    assert f([1.5], [[-3.0], [7.0]]) == (10.0, [4.0])
    assert_bits(f([1.5], [[-3.0], [7.0]]), eager_graph(issue_loss, [1.5], [[-3.0], [7.0]]))


def test_a_data_leaf_only_read_after_the_loop_is_not_saved_by_the_loop():
    # Regression (issue 19, item 1): the loop saved example 0's t, which no op in the loop reads: UnboundLocalError.
    def loss_of(params, rows):
        (w,) = params
        return sum(((w * x).tanh() for x, _ in rows), Value(0.0)) * rows[0][1]
    w, rows = Value(0.5), [[Value(1.0), Value(3.0)], [Value(2.0), Value(-1.0)], [Value(-1.0), Value(2.0)]]
    f = compile_graph(loss_of([w], rows), [w], data=rows)
    data = [[0.5, -2.0], [1.5, 4.0], [-0.5, 7.0]]
    assert_bits(f([0.25], data), eager_graph(loss_of, [0.25], data))


@pytest.mark.parametrize("name, loss_fn", [
    ("centred targets", lambda s, t: nn.mse_loss(s, [ti - sum(t) / len(t) for ti in t])),
    ("times the first target", lambda s, t: nn.mse_loss(s, t) * t[0]),
])
def test_compile_step_with_a_loss_joining_the_targets_equals_backward(name, loss_fn):
    # Regression (issue 19, item 1): centring crashed on step(); times t[0] gave 35.57 where eager gives 11.86.
    rng = random.Random(4)
    batch = lambda: ([[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(5)], [rng.uniform(-2, 2) for _ in range(5)])
    model = nn.MLP(2, [4, 1], seed=3)
    X, y = batch()
    step = compile_step(model, loss_fn, X, y)
    assert step.targets_are_data, name
    for Xb, yb in ((X, y), batch(), batch()):
        got, want = step_grads(step, model, Xb, yb), eager_grads(model, loss_fn, Xb, yb)
        assert_bits([got[0], *got[1]], [want[0], *want[1]])


def test_the_proof_refuses_a_loop_that_reads_a_row_after_it_ends():
    # The proof reads the program as written: example 0's datum read as row[0] after the loop is refused.
    w, rows = Value(0.5), [[Value(1.0)], [Value(2.0)]]
    e = autograd.replay._Emitter(issue_loss([w], rows), [w], [], "test", rows)
    e.program()
    lines = e.functions[0]
    assert e.loop is not None and e.loop.reads_hold(e, lines)
    late = next(k for k, line in enumerate(lines) if line.endswith("= data[0][0]"))
    assert not e.loop.reads_hold(e, [*lines[:late], lines[late].replace("data[0][0]", "row[0]"), *lines[late + 1:]])
    early = lines.index("    S.append((v1, v2,))")  # a value saved before it was made: refused too
    assert not e.loop.reads_hold(e, [*lines[:early - 2], *lines[early - 1:]])
    stale = lines.index("    g2 = E0[r]")  # a gradient left from the example before: refused too
    assert not e.loop.reads_hold(e, [*lines[:stale], *lines[stale + 1:]])
    back = lines.index("for r in range(1, -1, -1):")  # a loop that skips example 0: refused
    assert not e.loop.reads_hold(e, [*lines[:back], "for r in range(1, 0, -1):", *lines[back + 1:]])
    nowhere = lines.index("v5 = S[1][1]")  # a place with no value behind it: refused, not an error
    assert not e.loop.reads_hold(e, [*lines[:nowhere], "v5 = S[1][9]", *lines[nowhere + 1:]])


def test_a_loop_the_proof_refuses_is_written_op_by_op_with_the_same_numbers():
    w, rows = Value(0.5), [[Value(1.0)], [Value(2.0)]]
    with mock.patch.object(autograd.replay._ExampleLoop, "reads_hold", lambda self, e, lines: False):
        f = compile_graph(issue_loss([w], rows), [w], data=rows)
    assert LOOP not in f.source and "for " not in f.source
    assert_bits(f([1.5], [[-3.0], [7.0]]), eager_graph(issue_loss, [1.5], [[-3.0], [7.0]]))


# Cross-example reads: (kind, example a, example b), joined to the sum of each example's output.
cross = st.tuples(st.sampled_from(["datum * output", "datum + datum", "output * output", "datum * param"]),
                  st.integers(0, 3), st.integers(0, 3))


@given(st.integers(2, 4), st.lists(cross, max_size=4), st.booleans(), st.randoms(use_true_random=False))
def test_random_losses_mixing_examples_match_eager_bit_for_bit(n, reads, first, rng):
    def loss_of(params, rows):
        w, v = params
        outs = [(w * x + v).tanh() * t for x, t in rows]
        total = sum(outs[1:], outs[0]) if first else sum(outs)
        for kind, a, b in reads:
            (xa, ta), (xb, _), oa, ob = rows[a % n], rows[b % n], outs[a % n], outs[b % n]
            total = total + (xa * ob if kind == "datum * output" else xa + ta * xb if kind == "datum + datum"
                             else oa * ob if kind == "output * output" else xa * w)
        return total

    point = lambda: [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    data = point()
    leaves = [[Value(x) for x in row] for row in data]
    params = [Value(0.5), Value(-0.25)]
    f = compile_graph(loss_of(params, leaves), params, data=leaves)
    for values, rows in (([0.5, -0.25], data), ([rng.uniform(-1, 1), rng.uniform(-1, 1)], point())):
        assert_bits(f(values, rows), eager_graph(loss_of, values, rows))


# --- item 8: a loss whose graph depends on a target's value --------------------------------------

@pytest.mark.parametrize("weigh", [lambda t: 2.0 if t == 1 else 1.0, lambda t: 1.0 if t != 1 else 2.0,
                                   lambda t: 2.0 if t else 1.0, lambda t: {1: 2.0}.get(t, 1.0),
                                   lambda t: 2.0 if t in (1, 2) else 1.0])
def test_a_loss_that_compares_its_targets_gets_them_baked_in(weigh):
    # Regression (issue 19, item 8): targets were Values, so t == 1 was always False: 2.578 where eager gives 4.181.
    loss_fn = lambda s, t: sum((weigh(ti) * (si - ti) ** 2 for si, ti in zip(s, t)), Value(0.0))
    model = nn.MLP(2, [4, 1], seed=0)
    X, y = [[1.0, 0.5], [-1.0, 0.2], [0.3, -0.8]], [1, 0, 1]
    step = compile_step(model, loss_fn, X, y)
    assert step.targets_are_data is False
    for batch in ((X, y), ([[0.5, 0.5], [1.0, -1.0], [0.0, 2.0]], [0, 1, 1])):
        got, want = step_grads(step, model, *batch), eager_grads(model, loss_fn, *batch)
        assert_bits([got[0], *got[1]], [want[0], *want[1]])
    step.check()


# --- item 6: check() after an optimizer step, with cross_entropy ---------------------------------

def test_check_passes_with_cross_entropy_after_optimizer_steps():
    # Regression (issue 19, item 6): the baked shifts (each row's largest logit) differ after one step,
    # and check() compared the program's text: it always raised.
    model = nn.MLP(2, [4, 3], seed=0)
    X, y = [[1.0, 0.5], [-1.0, 0.2], [0.3, -0.8]], [0, 2, 1]
    step, opt = compile_step(model, nn.cross_entropy, X, y), nn.SGD(model.parameters(), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        step()
        opt.step()
    step.check()
    got, want = step_grads(step, model), eager_grads(model, nn.cross_entropy, X, y)
    assert abs(got[0] - want[0]) <= 1e-12 and all(abs(a - b) <= 1e-12 for a, b in zip(got[1], want[1]))


def test_check_still_raises_when_a_constant_from_data_changes_the_numbers():
    model = nn.MLP(1, [2, 1], seed=0)
    first = model.parameters()[0]
    loss_fn = lambda s, t: nn.mse_loss(s, t) * first.data  # a weight read from .data: baked, and it matters
    step = compile_step(model, loss_fn, [[1.0], [2.0]], [0.0, 1.0])
    step.check()
    first.data += 0.5
    with pytest.raises(autograd.replay.TraceMismatchError, match=r"this program gives output 0 = .* where the graph gives"):
        step.check()


# --- item 7: a batch checked before it is joined into data rows ----------------------------------

def two_outputs():
    model = nn.MLP(2, [3, 2], seed=0)
    loss_fn = lambda s, t: sum((a - b) ** 2 for si, ti in zip(s, t) for a, b in zip(si, ti))
    return compile_step(model, loss_fn, [[1.0, 0.5], [-1.0, 0.2]], [[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("X, y, error, message", [
    # Regression (issue 19, item 7): 3 + 1 numbers made a row as wide as 2 + 2, and 9 was taken as a target.
    ([[1, 0.5, 9], [-1, 0.2, 9]], [[1.0], [0.0]], ValueError,
     r"example 0, \[1, 0.5, 9\]: expected 2 numbers \(one per model input, as traced\), got 3"),
    ([[1, 0.5], [-1, 0.2]], [[1.0], [0.0]], ValueError, r"target 0, \[1.0\]: expected 2 numbers \(as traced\), got 1"),
    # Regression: "object of type 'int' has no len()".
    ([[1, 0.5], [-1, 0.2]], 5, TypeError, "y must be a list of targets, one per example, got int: 5"),
    (5, [1, 2], TypeError, r"X must be a list of examples \(a list of numbers each\), got int: 5"),
    ([[1, 0.5], 3], [[1.0, 0.0], [0.0, 1.0]], TypeError, "example 1 must be a list of numbers, got int: 3"),
])
def test_a_batch_of_the_wrong_shape_is_refused_with_a_sentence(X, y, error, message):
    with pytest.raises(error, match=f"^compile_step: {message}$"):
        two_outputs()(X, y)


def test_a_3_wide_row_is_refused_as_the_model_refuses_it():
    # Regression (issue 19, item 7): "data row 0 has 4 numbers, traced with 3".
    model = nn.MLP(2, [3, 1], seed=0)
    step = compile_step(model, nn.mse_loss, [[1.0, 0.5], [-1.0, 0.2]], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"example 1, \[-1.0, 0.2, 4.0\]: expected 2 numbers"):
        step([[1.0, 0.5], [-1.0, 0.2, 4.0]], [1.0, 0.0])
    with pytest.raises(ValueError):  # as the eager model does
        model([-1.0, 0.2, 4.0])


# --- item 9: a bounded cache of programs -----------------------------------------------------------

def test_the_cache_of_programs_is_bounded_keeps_the_most_recently_used_and_warns_once():
    # Regression (issue 19, item 9): the cache never evicted (50 batch sizes: 51 programs held).
    assert CompiledStep.max_programs == 16
    model = nn.MLP(2, [3, 1], seed=0)
    step = compile_step(model, nn.mse_loss, [[1.0, 0.5]], [1.0])
    step.max_programs = 3
    batch = lambda n: ([[0.1 * k, 0.2] for k in range(n)], [0.5] * n)
    for n in (2, 3, 1):  # 1 (traced), 2, 3; then 1 again: the most recently used
        step(*batch(n))
    assert step.n_programs == 3 and len(step._programs) == 3
    with pytest.warns(RuntimeWarning, match="4 programs compiled, more than the 3 the step keeps: each batch size"):
        step(*batch(4))  # drops 2, the least recently used
    assert len(step._programs) == 3
    with mock.patch("nn.compile.compile_graph", side_effect=AssertionError("compiled again")):
        for n in (1, 3, 4):
            got, want = step_grads(step, model, *batch(n)), eager_grads(model, nn.mse_loss, *batch(n))
            assert_bits([got[0], *got[1]], [want[0], *want[1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once is enough
        step(*batch(2))
        step(*batch(5))
    assert step.n_programs == 6 and len(step._programs) == 3


def test_baked_in_targets_that_keep_changing_compile_within_the_bound_and_say_why():
    model = nn.MLP(2, [3, 3], seed=0)
    X = [[1.0, 0.5], [-1.0, 0.2]]
    step = compile_step(model, nn.cross_entropy, X, [0, 1])
    step.max_programs = 2
    with pytest.warns(RuntimeWarning, match="the targets are baked in, so each new batch of targets compiles"):
        for y in ([1, 0], [2, 2], [0, 2]):
            step(X, y)
    assert len(step._programs) == 2 and step.n_programs == 4


# --- the audit: a program of baked-in targets serves only the targets it was traced with ------------

@pytest.mark.parametrize("other", [[1.0, 0], [True, 0]])
def test_baked_in_targets_equal_but_not_the_same_are_traced_again(other):
    # Regression: the cache matched targets by ==, so [1.0, 0] replayed the program of [1, 0], which
    # cross_entropy refuses eagerly (a class index is an int, not a float or a bool).
    model = nn.MLP(2, [3, 2], seed=0)
    X = [[1.0, 0.5], [-1.0, 0.2]]
    step = compile_step(model, nn.cross_entropy, X, [1, 0])
    with pytest.raises(TypeError, match="targets must be integer class indices"):
        nn.cross_entropy([model(x) for x in X], other)
    with pytest.raises(TypeError, match="targets must be integer class indices"):
        step(X, other)


def test_a_loss_that_compares_targets_only_on_a_later_batch_is_refused_with_a_sentence():
    # The first batch traced made the targets data; a later trace that compares one cannot be replayed.
    loss_fn = lambda s, t: nn.mse_loss(s, t) * (2.0 if len(t) == 3 and t[0] == 1 else 1.0)
    model = nn.MLP(1, [2, 1], seed=0)
    step = compile_step(model, loss_fn, [[1.0], [2.0]], [0.0, 1.0])
    assert step.targets_are_data
    with pytest.raises(TypeError, match=r"the loss compares a target \(t == 1, if t:, a dict lookup\), so the target's "
                                        r"value decides the graph.*baked in when the first batch traced compares them"):
        step([[1.0], [2.0], [3.0]], [1.0, 0.0, 1.0])
