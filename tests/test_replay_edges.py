"""Compiled replay at its edges (issue 19, items 2-5 and classes B, C): `.batch` judges a row by
every value it computes, not only its outputs; every entry takes numbers as the scalar call does;
generated names never collide; a rule's int or bool partial comes back as the eager engine's float."""

import math
import random
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS, Op, Value, compile, compile_graph, grad
from autograd.strategies import exprs


def bits(x):
    return "nan" if x != x else struct.pack("<d", x)


def eager(fn, xs):
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    return out.data, list(grad(out, leaves))


def scalar_outcome(f, x):
    """(value, grads) of the scalar replay at `x`, or None where it raises (rejects the row)."""
    try:
        return f(x)
    except (ArithmeticError, ValueError):
        return None


def close(a, b):
    return a == b or (a != a and b != b) or abs(a - b) <= 1e-12 * (1 + abs(b))


# --- 2: a non-finite intermediate that an op makes finite ---------------------------------------------

@pytest.mark.parametrize(("fn", "at", "X", "grads"), [
    (lambda x: x.log().relu(), [2.0], [[-1.0]], True),                   # log's nan, relu's 0.0
    (lambda x: x.exp().tanh(), [1.0], [[1000.0]], False),                # exp's inf, tanh's 1.0
    (lambda x, y: (x / y).tanh() + x.log(), [1.0, 2.0], [[1.0, 0.0], [-1.0, 1.0]], False),  # row 0, not row 1
    (lambda x: x.log().abs().exp().tanh() * 0.0 + x, [2.0], [[3.0], [0.0]], True),  # log(0)'s -inf, then 0.0
])
def test_batch_rejects_every_row_the_scalar_replay_rejects_naming_the_first(fn, at, X, grads):
    pytest.importorskip("numpy")
    f = compile(fn, at)
    first = next(r for r, x in enumerate(X) if scalar_outcome(f, x) is None)
    with pytest.raises(ValueError, match=rf"row {first}, {X[first]!r}".replace("[", r"\[").replace("]", r"\]")):
        f.batch(X, grads=grads)


def test_batch_judges_a_value_inside_a_recorded_rule(user_op):
    # 2.718 ** 1000 overflows inside the rule: the scalar replay raises; on arrays it is inf, and
    # 1 / (1 + inf) is 0.0, a finite output.
    pytest.importorskip("numpy")
    user_op("logistic_test", Op(lambda x: 1 / (1 + 2.718281828 ** (-x)), lambda x, out: (out * (1 - out),)))
    f = compile(lambda x: x.logistic_test(), [0.5])
    assert "2.718281828" in f.source  # recorded, written inline: not a call the array form runs point by point
    with pytest.raises(ValueError, match=r"row 1, \[-1000.0\], is outside an op's domain"):
        f.batch([[0.5], [-1000.0]])


def test_batch_equals_the_scalar_replay_or_names_its_first_rejected_row_on_random_points():
    # Property: over points at and around the domains' edges, batch either names the first row the
    # scalar replay rejects or equals it row by row.
    pytest.importorskip("numpy")
    fn = lambda x, y: ((x.log().relu() + (y / x).tanh()).sigmoid() + (x * y).exp().tanh() + (x - y).abs().sqrt()
                       + (x * 1e300 * y).tanh())
    f = compile(fn, [1.5, 0.5])
    rng = random.Random(5)
    edges = [0.0, -0.0, 1.0, -1.0, 1e-300, 800.0, -800.0, 1e10]
    for trial in range(60):
        X = [[rng.choice(edges) if rng.random() < 0.3 else rng.uniform(-3, 3) for _ in range(2)] for _ in range(6)]
        outcomes = [scalar_outcome(f, x) for x in X]
        first = next((r for r, o in enumerate(outcomes) if o is None), None)
        if first is not None:
            with pytest.raises(ValueError, match=rf"row {first},"):
                f.batch(X)
            with pytest.raises(ValueError, match=rf"row {first},"):
                f.batch(X, grads=False)
            continue
        out, grads = f.batch(X)
        for r, (value, gradient) in enumerate(outcomes):
            assert close(out[r], value) and all(map(close, grads[r], gradient)), (trial, r, X[r])


def test_batch_judges_the_extras_a_call_computes():
    # An extra the output does not read: the scalar replay computes it, and raises at log(-1).
    pytest.importorskip("numpy")
    x = Value(2.0)
    f = compile_graph(x * 2.0, [x], extras=[x.log()])
    with pytest.raises(ValueError):
        f([-1.0])
    for grads in (True, False):
        with pytest.raises(ValueError, match=r"row 1, \[-1.0\], is outside an op's domain: log"):
            f.batch([[2.0], [-1.0]], grads=grads)


edge_points = st.lists(st.lists(st.one_of(st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 710.0, -710.0, 1e155, -1e155]),
                                           st.floats(-4, 4)), min_size=3, max_size=3), min_size=1, max_size=5)


@given(exprs(max_steps=8), edge_points, st.booleans())
def test_batch_on_random_dags_at_domain_edges_equals_the_scalar_replay_or_names_its_first_rejected_row(expr, X, grads):
    pytest.importorskip("numpy")
    f = compile(expr, list(expr.inputs))
    X = [row[:len(expr.inputs)] for row in X]
    outcomes = [scalar_outcome(f, x) for x in X]
    first = next((r for r, o in enumerate(outcomes) if o is None), None)
    if first is not None:
        with pytest.raises(ValueError, match=rf"row {first},"):
            f.batch(X, grads=grads)
        return
    result = f.batch(X, grads=grads)
    out, dx = result if grads else (result, None)
    for r, (value, gradient) in enumerate(outcomes):
        assert close(out[r], value), (r, X[r], out[r], value)
        assert dx is None or all(map(close, dx[r], gradient)), (r, X[r], dx[r], gradient)


def test_batch_replays_no_row_on_floats_when_every_value_is_finite(monkeypatch):
    # The checks follow the replay's branches: the untaken branch of a rule (x ** 0.5's slope at
    # x == 0, 1 / 0) is no reason to replay a row on floats.
    pytest.importorskip("numpy")
    f = compile(lambda x, y: x ** 0.5 * y + (x * y).relu() + (y - x).abs(), [1.0, 2.0])
    rows = []
    replay = f._replay
    monkeypatch.setattr(f, "_replay", lambda inputs: rows.append(inputs) or replay(inputs))
    rng = random.Random(2)
    f.batch([[rng.uniform(0.1, 3), rng.uniform(-3, 3)] for _ in range(200)])
    assert rows == []
    f.batch([[0.0, 1.0], [1.0, 1.0]])  # sqrt's slope at 0 is inf: that row alone, replayed exactly
    assert rows == [[0.0, 1.0]]


# --- 3: the same numbers as the scalar call -------------------------------------------------------------

@pytest.mark.parametrize(("bad", "error", "says"), [
    (math.nan, ValueError, "must be finite, got nan"),
    (math.inf, ValueError, "must be finite, got inf"),
    (-math.inf, ValueError, "must be finite, got -inf"),
    ("1.5", TypeError, "must be a real number, got str: '1.5'"),
    (True, TypeError, "must be a real number, got bool: True"),
    (None, TypeError, "must be a real number, got NoneType"),
])
def test_batch_refuses_what_the_scalar_call_refuses_naming_the_row(bad, error, says):
    np = pytest.importorskip("numpy")
    f = compile(lambda x, y: x * y, [1.0, 2.0])
    with pytest.raises(error, match=says):
        f([1.0, bad])
    with pytest.raises(error, match=rf"row 2, input 1 {says}"):
        f.batch([[1.0, 2.0], [3.0, 4.0], [1.0, bad]])
    if not isinstance(bad, (str, type(None))):
        with pytest.raises(error, match=rf"row 2, input 1 {says}"):
            f.batch(np.array([[1.0, 2.0], [3.0, 4.0], [1.0, bad]], dtype=object if bad is True else float))
    with pytest.raises(TypeError, match=r"row 0, input 0 must be a real number, got bool: True"):
        f.batch(np.array([[True, False]]))


def test_batch_takes_numpy_numbers_and_ints_as_the_scalar_call_does():
    np = pytest.importorskip("numpy")
    f = compile(lambda x, y: x * y, [1.0, 2.0])
    for X in ([[1, 2]], [[np.float32(1.0), np.int64(2)]], np.array([[1, 2]]), np.array([[1.0, 2.0]], dtype=np.float32)):
        out, grads = f.batch(X)
        assert out.tolist() == [2.0] and grads.tolist() == [[2.0, 1.0]]


def test_batch_of_no_points_returns_zero_rows():
    np = pytest.importorskip("numpy")
    f = compile(lambda x, y: x * y, [1.0, 2.0])
    for X in ([], (), np.empty((0, 2))):
        out, grads = f.batch(X)
        assert out.shape == (0,) and grads.shape == (0, 2) and out.dtype == grads.dtype == float
        assert f.batch(X, grads=False).shape == (0,)
    with pytest.raises(ValueError, match=r"X must have shape \(n_points, 2\), got \(0, 3\)"):
        f.batch(np.empty((0, 3)))


@pytest.mark.parametrize("X", [{0: [1.0, 2.0]}, "12", 5.0, [1.0, 2.0], [[[1.0, 2.0]]]])
def test_batch_refuses_what_is_not_rows_of_numbers(X):
    pytest.importorskip("numpy")
    f = compile(lambda x, y: x * y, [1.0, 2.0])
    with pytest.raises((TypeError, ValueError), match=r"compiled <lambda>.batch: X must"):
        f.batch(X)


def test_a_call_refuses_a_dict_a_set_and_a_0d_array_with_a_sentence():
    np = pytest.importorskip("numpy")
    f = compile(lambda x: x * 2.0, [1.0])
    # A dict's keys are not its values (f({0: 5.0}) replayed at 0.0); a set has no order.
    for inputs in ({0: 5.0}, {5.0}, np.array(5.0)):
        with pytest.raises(TypeError, match=r"compiled <lambda>: inputs must be a sequence of numbers"):
            f(inputs)
    with pytest.raises(TypeError, match=r"compile\(<lambda>\): example inputs must be a sequence of numbers"):
        compile(lambda x: x * 2.0, {1.0: 1.0})
    assert f(np.array([5.0])) == (10.0, [2.0])
    x, t = Value(1.0), Value(0.0)
    g = compile_graph((x - t) ** 2, [x], data=[[t]])
    with pytest.raises(TypeError, match=r"compiled graph: data must be a sequence of rows of numbers, got dict"):
        g([1.0], {0: [1.0]})
    with pytest.raises(TypeError, match=r"compiled graph: data row 0 must be a sequence of numbers, got dict"):
        g([1.0], [{0: 1.0}])


# --- 4: generated names from op names that normalise alike ----------------------------------------------

def test_ops_whose_names_normalise_alike_are_called_each_as_itself(user_op):
    # Python reads identifiers in NFKC form: "ｓｑ" (full width) is the name "sq" in source.
    square = user_op("sq", Op(lambda x: math.pow(x, 2), lambda x, out: (2 * math.pow(x, 1),)))
    cube = user_op("ｓｑ", Op(lambda x: math.pow(x, 3), lambda x, out: (3 * math.pow(x, 2),)))
    fn = lambda x: cube(square(x))
    f = compile(fn, [2.0])
    assert f([2.0]) == eager(fn, [2.0]) == (64.0, [192.0])
    fraktur = user_op("ℌ", Op(lambda x: math.pow(x, 2), lambda x, out: (2 * math.pow(x, 1),)))  # NFKC: "H"
    g = compile(lambda x: fraktur(x) + square(x), [3.0])
    assert g([3.0]) == (18.0, [12.0])


def test_an_op_named_like_a_generated_name_keeps_both_distinct(user_op):
    op3 = user_op("op3", Op(lambda x: math.pow(x, 2), lambda x, out: (2 * math.pow(x, 1),)))
    fn = lambda x, y: op3(x / y)  # "/" is OPS' fourth row: its generated name is op3
    f = compile(fn, [2.0, 4.0])
    assert f([3.0, 2.0]) == eager(fn, [3.0, 2.0])


def test_an_op_named_like_a_generated_name_keeps_both_distinct_when_vectorized(user_op):
    # Regression: the vectorized program binds only the "_fn_array" roles, which the old check (for
    # "_fn" and "_partials") did not look at: op18's array function replaced ℌ's, silently.
    pytest.importorskip("numpy")
    square = user_op("ℌ", Op(lambda x: math.pow(x, 2), lambda x, out: (2 * math.pow(x, 1),)))  # generated name op<k>
    cube = user_op(f"op{list(OPS).index('ℌ')}", Op(lambda x: math.pow(x, 3), lambda x, out: (3 * math.pow(x, 2),)))
    w, rows = Value(0.5), [[Value(float(r + 1))] for r in range(6)]
    loss = sum((square(w * x) + cube(w * x) for (x,) in rows), Value(0.0))
    f = compile_graph(loss, [w], data=rows, vectorize=True)
    assert f.lifted.groups  # both ops run as array functions
    data = [[float(r + 2)] for r in range(6)]
    (out, (g,)), (want, (want_g,)) = f([0.7], data), compile_graph(loss, [w], data=rows)([0.7], data)
    assert (out, g) == pytest.approx((want, want_g), rel=1e-12)


# --- 5: a rule's int or bool partial ---------------------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda op: (lambda x: op(x)),
    lambda op: (lambda x: -op(x)),
    lambda op: (lambda x: op(-x)),
    lambda op: (lambda x: op(x) * op(x)),
    lambda op: (lambda x: op(x * 2.0) + 1.0),
])
@pytest.mark.parametrize("partials", [
    lambda x, out: (1,),
    lambda x, out: (x > 0,),
    lambda x, out: ((x > 0) - (x < 0),),
    lambda x, out: (True if x > 1 else 0,),
    lambda x, out: (int(math.floor(x)) if x < 5 else 2,),  # not recordable: called at replay time
])
def test_an_int_or_bool_partial_comes_back_as_eager_s_float(user_op, build, partials):
    np = pytest.importorskip("numpy")
    op = user_op("leaky_test", Op(lambda x: x * 1.0, partials))
    fn = build(op)
    for x in (-1.5, -1.0, 0.0, 1.5, 3.0):
        f = compile(fn, [x])
        out, grads = f([x])
        want = eager(fn, [x])
        assert [type(g) for g in grads] == [float] and list(map(bits, [out, *grads])) == list(map(bits, [want[0], *want[1]]))
        batch_out, batch_grads = f.batch([[x], [x]])
        assert batch_grads.dtype == np.float64 and list(map(bits, batch_grads[1])) == list(map(bits, grads))


def test_compile_graph_and_batch_refuse_arguments_of_the_wrong_kind_with_a_sentence():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"compile_graph: inputs must be a sequence of Values, got Value"):
        compile_graph(x * 2.0, x)
    with pytest.raises(TypeError, match=r"compile_graph: data must be a sequence of rows of Values, got dict"):
        compile_graph(x * 2.0, [x], data={0: [Value(2.0)]})
    with pytest.raises(TypeError, match=r"compile_graph: data row 0 must be a sequence of Values, got Value"):
        compile_graph(x * 2.0, [x], data=[Value(2.0)])
    pytest.importorskip("numpy")
    with pytest.raises(TypeError, match=r"compiled <lambda>.batch: grads must be True or False, got str: 'no'"):
        compile(lambda x: x * 2.0, [1.0]).batch([[1.0]], grads="no")


def test_batch_takes_an_object_that_converts_to_an_array():
    np = pytest.importorskip("numpy")

    class Table:  # as a pandas DataFrame: iterating gives the column names, __array__ the numbers
        def __iter__(self):
            return iter(["a", "b"])

        def __array__(self, dtype=None, copy=None):
            return np.array([[1.0, 2.0], [3.0, 4.0]])

    out, grads = compile(lambda a, b: a * b, [1.0, 1.0]).batch(Table())
    assert out.tolist() == [2.0, 12.0] and grads.tolist() == [[2.0, 1.0], [4.0, 3.0]]


def test_check_graph_refuses_a_value_where_a_sequence_belongs():
    x = Value(1.0)
    f = compile_graph(x * 2.0, [x])
    with pytest.raises(TypeError, match=r"compiled graph.check_graph: inputs must be a sequence of Values, got Value"):
        f.check_graph(x * 2.0, x)
    f.check_graph(x * 2.0, (v for v in [x]))  # any iterable in order: the same program, no error
