"""`check_modes` and `taylor_test`: derivative checks that need no finite differences. Each passes
on every op of the table and on random DAGs, and fails on the bug it is for: `check_modes` on a
rule that says one thing on floats and another on Values, `taylor_test` on a wrong partial."""

import importlib
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, GradcheckError, Op, Value, check_modes, gradcheck, register_op, taylor_test
from autograd.gradcheck import ModesTrial, RuleMismatch, TaylorStep
from autograd.strategies import Expr, exprs, op_exprs


def temporary_op(monkeypatch, name, op):
    # Registered with register_op (which refuses a taken name), then removed by monkeypatch: the
    # placeholders make monkeypatch remember that the name was free.
    monkeypatch.setitem(OPS, name, None)
    monkeypatch.setattr(Value, name, None, raising=False)
    monkeypatch.delitem(OPS, name)
    monkeypatch.delattr(Value, name)
    register_op(name, op)


# --- check_modes ------------------------------------------------------------------------------

def test_check_modes_passes_on_a_function_of_several_outputs():
    assert check_modes(lambda x, y: [(x * y).tanh(), x.exp() / y, x], [0.5, -1.5], trials=5)


def test_check_modes_catches_a_rule_that_differs_on_values(monkeypatch):
    temporary_op(monkeypatch, "drifting_square", Op(
        lambda x: x * x, lambda x, out: (2 * x * 1.001 if isinstance(x, Value) else 2 * x,)))
    with pytest.raises(GradcheckError) as caught:
        check_modes(lambda x, y: x.drifting_square() * y, [3.0, 2.0])
    rows = caught.value.failures
    assert [type(r) for r in rows] == [RuleMismatch]
    (row,) = rows
    assert (row.output, row.input, row.on_floats) == (0, 0, 12.0) and row.on_values == pytest.approx(12.012)
    text = str(caught.value)
    assert "1 of 2 derivatives d(out)/d(in) differ" in text and "on floats" in text and "on Values" in text


def test_check_modes_cannot_catch_a_partial_wrong_in_both_but_taylor_test_does(monkeypatch):
    temporary_op(monkeypatch, "wrong_square", Op(lambda x: x * x, lambda x, out: (2.01 * x,)))
    f = lambda x: x.wrong_square()
    assert check_modes(f, [1.5])                 # forward and reverse read the same wrong partial
    with pytest.raises(GradcheckError):
        taylor_test(f, [1.5])


def test_check_modes_catches_forward_and_reverse_disagreeing(monkeypatch):
    # A forward sweep that halves every tangent: <v, J u> is wrong, <J^T v, u> is right.
    module = importlib.import_module("autograd.gradcheck")  # `autograd.gradcheck` is also the function
    real = module.jvp
    monkeypatch.setattr(module, "jvp", lambda outputs, inputs, tangents: tuple(0.5 * t for t in real(outputs, inputs, tangents)))
    with pytest.raises(GradcheckError) as caught:
        check_modes(lambda x, y: x * y, [1.5, 2.0], trials=2)
    assert [type(r) for r in caught.value.failures] == [ModesTrial, ModesTrial]
    assert "disagree beyond rounding in 2 of 2 trials" in str(caught.value)
    assert "<v, J u>" in str(caught.value) and "<J^T v, u>" in str(caught.value)


def test_check_modes_agrees_where_both_modes_give_the_same_infinite_or_nan_derivative():
    # sqrt at 0: an infinite partial, in both modes alike; times a zero on another path it is
    # NaN, in both alike (and <v, J u> adds +inf and -inf: a NaN, not fsum's ValueError).
    assert check_modes(lambda x: x.sqrt(), [0.0])
    assert check_modes(lambda x, y: [x.sqrt() * y, (x * y).sqrt()], [0.0, 2.0])


def test_check_modes_is_deterministic_and_seeded(monkeypatch):
    # The random u and v show in the failing rows: with tangents halved, every trial fails.
    module = importlib.import_module("autograd.gradcheck")
    real = module.jvp
    monkeypatch.setattr(module, "jvp", lambda outputs, inputs, tangents: tuple(0.5 * t for t in real(outputs, inputs, tangents)))

    def rows(seed):
        with pytest.raises(GradcheckError) as caught:
            check_modes(lambda x, y: (x * y).sin(), [0.3, 0.4], seed=seed)
        return caught.value.failures

    assert rows(None) == rows(None) == rows(0)        # None is seed 0: a run is repeatable
    assert rows(7) == rows(7) != rows(0)


@pytest.mark.parametrize("call, error, message", [
    (lambda: check_modes(lambda x: x, [1.0], trials=0), ValueError, "check_modes: trials must be an integer >= 1, got 0"),
    (lambda: check_modes(lambda x: 1.0, [1.0]), TypeError, "check_modes: f must return a Value"),
    (lambda: check_modes(lambda x: x, [1.0, 2.0]), TypeError, r"check_modes: f cannot take 2 Value\(s\), one per input"),
    (lambda: taylor_test(lambda x, y: x, [1.0]), TypeError, r"taylor_test: f cannot take 1 Value\(s\)"),
    (lambda: gradcheck(lambda x: x, [1.0, 2.0]), TypeError, r"gradcheck: f cannot take 2 Value\(s\)"),
    (lambda: check_modes(lambda x: x, [math.nan]), ValueError, r"check_modes: inputs\[0\] must be finite"),
    (lambda: taylor_test(lambda x: x, [1.0], order=3), ValueError, "taylor_test: order must be 1 or 2, got 3"),
    (lambda: taylor_test(lambda x: x, [1.0], direction=[0.0]), ValueError, "taylor_test: direction must not be all zeros"),
    (lambda: taylor_test(lambda x: x, [1.0], direction=[1.0, 2.0]), ValueError,
     "taylor_test: direction has 2 entries for 1 inputs"),
    (lambda: taylor_test(lambda x: "x", [1.0]), TypeError, "taylor_test: f must return a Value"),
    # Regression (issue 19, class C): random.Random took a bool, str or float seed silently
    (lambda: check_modes(lambda x: x, [1.0], seed=True), TypeError, "check_modes: seed must be None or an int, got bool: True"),
    (lambda: taylor_test(lambda x: x * x, [1.0], seed=1.5), TypeError, "taylor_test: seed must be None or an int, got float: 1.5"),
    (lambda: taylor_test(lambda x: x * x, [1.0], seed="1"), TypeError, "taylor_test: seed must be None or an int, got str: '1'"),
    (lambda: taylor_test(lambda x: x * x, {1.0: 2.0}), TypeError,
     "taylor_test: inputs must be a number or a sequence of numbers, got dict"),
    (lambda: taylor_test(lambda x: x * x, [1.0], direction={0: 1.0}), TypeError,
     "taylor_test: direction must be a sequence of numbers, one per input, got dict"),
])
def test_bad_arguments_are_sentences(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- taylor_test ------------------------------------------------------------------------------

def test_taylor_rates_are_two_for_order_1_and_three_for_order_2():
    f = lambda x, y: (x * y).sin() + y.exp()
    assert taylor_test(f, [0.5, -1.5])[-1] == pytest.approx(2.0, abs=0.05)
    assert taylor_test(f, [0.5, -1.5], order=2)[-1] == pytest.approx(3.0, abs=0.05)


def test_taylor_test_of_a_linear_function_passes_with_no_rates():
    assert taylor_test(lambda x, y: 3 * x - y + 1, [0.5, 2.0]) == []
    assert taylor_test(lambda x, y: x * y, [0.5, 2.0], order=2) == []


def test_taylor_test_of_several_outputs_uses_a_random_weighting():
    assert taylor_test(lambda x, y: [x * y, x.log(), y.tanh()], [0.5, -1.5], order=2)[-1] == pytest.approx(3.0, abs=0.05)


def test_taylor_test_catches_a_slightly_wrong_derivative_that_gradcheck_lets_through(monkeypatch):
    # d/dx sin x as 1.0001 cos x: within gradcheck's rtol=1e-3, but the remainder shrinks like h.
    temporary_op(monkeypatch, "nearly_sin", Op(math.sin, lambda x, out: (1.0001 * x.cos() if isinstance(x, Value)
                                                                           else 1.0001 * math.cos(x),)))
    f = lambda x: x.nearly_sin()
    assert gradcheck(f, [0.7])
    with pytest.raises(GradcheckError) as caught:
        taylor_test(f, [0.7])
    steps = caught.value.failures
    assert all(isinstance(s, TaylorStep) for s in steps)
    rates = [s.rate for s in steps if s.rate is not None]
    assert rates[0] > 1.8 and abs(rates[-1] - 1.0) < 0.05   # h² at first, then the error's h
    assert str(caught.value).startswith("taylor_test: the remainder shrinks at rate 1.0")


def test_taylor_test_order_2_catches_a_wrong_second_derivative(monkeypatch):
    # The first derivative is right on floats, and wrong on Values, so the Hessian is off.
    temporary_op(monkeypatch, "bent_square", Op(lambda x: x * x, lambda x, out: (2.2 * x - 0.2 * x.data
                                                                                  if isinstance(x, Value) else 2 * x,)))
    f = lambda x: x.bent_square().sin()
    assert taylor_test(f, [0.7])
    with pytest.raises(GradcheckError, match="rate 2.0"):
        taylor_test(f, [0.7], order=2)


def test_taylor_test_leaves_out_steps_where_f_raises():
    # log(x) at x = 0.05 with d = -1: the first steps leave its domain; the later ones are used.
    rates = taylor_test(lambda x: x.log(), [0.05], direction=[-1.0])
    assert rates and rates[-1] == pytest.approx(2.0, abs=0.05)


# --- properties: every op, random DAGs, and a registered op with a wrong partial -----------------

@pytest.mark.parametrize("name", list(OPS))
@settings(max_examples=25)
@given(data=st.data())
def test_check_modes_and_taylor_test_pass_on_every_op(name, data):
    expr = data.draw(op_exprs(name), label="expr")
    assert check_modes(expr, expr.inputs)
    taylor_test(expr, expr.inputs)
    taylor_test(expr, expr.inputs, order=2)


@settings(max_examples=60)
@given(exprs())
def test_check_modes_and_taylor_test_pass_on_random_dags(expr):
    assert check_modes(expr, expr.inputs)
    taylor_test(expr, expr.inputs)
    taylor_test(expr, expr.inputs, order=2)


def test_check_modes_fails_on_a_registered_op_whose_rule_drifts_on_values_wherever_it_is_used(monkeypatch):
    # Right on floats, 0.1% off when re-evaluated on Values (create_graph): forward and reverse
    # mode agree, but every derivative through it differs between the two evaluations.
    temporary_op(monkeypatch, "drifting_cube", Op(lambda x: x ** 3, lambda x, out: (
        3 * x * x * 1.001 if isinstance(x, Value) else 3 * x * x,)))

    @settings(max_examples=40)
    @given(exprs(), st.floats(5.0, 6.0))
    def drift_is_caught(expr, c):
        f = lambda *xs: expr(*xs) + (xs[0] + c).drifting_cube()   # off by 0.003 (x0 + c)² >= 0.003 along x0
        with pytest.raises(GradcheckError) as caught:
            check_modes(f, expr.inputs)
        assert any(isinstance(row, RuleMismatch) and row.input == 0 for row in caught.value.failures)

    drift_is_caught()


def test_taylor_test_fails_on_a_registered_op_with_a_wrong_partial_wherever_it_is_used(monkeypatch):
    temporary_op(monkeypatch, "bad_cube", Op(lambda x: x ** 3, lambda x, out: (2 * x * x,)))   # 3x², not 2x²

    @settings(max_examples=40)
    @given(exprs(), st.floats(5.0, 6.0))
    def wrong_partial_is_caught(expr, c):
        f = lambda *xs: expr(*xs) + (xs[0] + c).bad_cube()   # off by (x0 + c)² along x0, and x0 + c >= 1
        with pytest.raises(GradcheckError):
            taylor_test(f, expr.inputs, direction=[1.0] + [0.0] * (len(expr.inputs) - 1))

    wrong_partial_is_caught()


# --- regressions: points where an earlier taylor_test failed a correct derivative ---------------

def test_taylor_test_rounding_level_grows_with_intermediate_values_away_from_x():
    # x0 + x0² - x0 at x0 = 3e-25: every value is ~0 at x, but x0 + x0² rounds like eps * h at x + h d.
    expr = Expr([3.0223803215705785e-25], [("*", (0, 0)), ("neg", (0,)), ("+", (0, 1)), ("+", (3, 2))])
    taylor_test(expr, expr.inputs, order=2)


def test_taylor_test_remainder_crossing_zero_before_rounding_is_not_a_wrong_derivative():
    expr = Expr([3.4375, 3.4375], [("pow", (1, 0))])      # the h³ and h⁴ terms cancel near h = 1e-3
    taylor_test(expr, expr.inputs, order=2)


def test_taylor_test_near_a_kink_of_a_piecewise_linear_op():
    expr = Expr([-0.015625], [("abs", (0,))])              # the first steps straddle 0; then exact
    taylor_test(expr, expr.inputs, order=2)                 # passes: the fall to rounding is fast


def test_taylor_test_at_a_zero_rounding_floor_does_not_raise_a_math_domain_error():
    expr = Expr([0.0], [("sin", (0,)), ("-", (0, 1))])       # x - sin x at 0: every value is 0
    taylor_test(expr, expr.inputs)
    taylor_test(expr, expr.inputs, order=2)


def test_taylor_test_where_f_is_too_flat_for_its_h_squared_term_to_clear_rounding():
    # tanh(tanh(c)) at c = -15.69: f' ~ 1e-13, so the remainder reaches rounding level while its
    # rate is still climbing (1.19, then 1.58 for tanh alone; the exact rates go on to 2). No
    # step says a derivative is wrong, so it passes (it said "a first derivative of f is wrong").
    assert taylor_test(lambda b, c: c.tanh().tanh(), [65.46, -15.69]) == pytest.approx([1.19], abs=0.01)
    rates = taylor_test(lambda b, c: c.tanh(), [65.46, -15.69])
    assert len(rates) == 2 and 1.0 < rates[0] < rates[1] < 2.0


# --- regressions (issue 19, items 12 and 13) --------------------------------------------------

def planted(monkeypatch, name, forward, on_values, on_floats, hessian_error=0.0, slope_error=0.0):
    """A registered op whose partial is off by `slope_error` (relative, floats and Values alike), or
    whose partial's own derivative (so the Hessian) is off by `hessian_error`: right in value on
    Values, with a slope 1 + hessian_error times the true one."""
    temporary_op(monkeypatch, name, Op(forward, lambda x, out: (
        (on_values(x) * (1 + hessian_error) - hessian_error * on_floats(x.data)) * (1 + slope_error)
        if isinstance(x, Value) else on_floats(x) * (1 + slope_error),)))
    return lambda v: getattr(v, name)()


OPS_WITH_DERIVATIVES = {  # forward, derivative on Values, on floats
    "sin": (math.sin, lambda x: x.cos(), math.cos),
    "exp": (math.exp, lambda x: x.exp(), math.exp),
    "tanh": (math.tanh, lambda x: 1 - x.tanh() * x.tanh(), lambda x: 1 - math.tanh(x) ** 2),
}


@pytest.mark.parametrize("x", [0.1, 3.0, -1.3])
@pytest.mark.parametrize("op", list(OPS_WITH_DERIVATIVES))
def test_taylor_test_catches_a_hessian_off_by_a_hundredth_of_a_percent(monkeypatch, op, x):
    # It passed at x = 0.1 and 3.0 for every seed: there the error's h² term outgrows the right
    # h³ term only at rounding level, where the remainder also crosses zero. The remainder with
    # its h³ term taken out (Richardson) shows the error from h ~ sqrt(error) on.
    f = planted(monkeypatch, f"off_hessian_{op}", *OPS_WITH_DERIVATIVES[op], hessian_error=1e-4)
    assert taylor_test(f, [x])   # the first derivative is right
    for seed in range(6):
        with pytest.raises(GradcheckError, match="a first or second derivative of f is wrong"):
            taylor_test(f, [x], order=2, seed=seed)


@pytest.mark.parametrize("x", [-1.3, 0.1, 3.0])
@pytest.mark.parametrize("op", list(OPS_WITH_DERIVATIVES))
def test_taylor_test_catches_a_first_derivative_off_by_one_in_a_million(monkeypatch, op, x):
    f = planted(monkeypatch, f"off_slope_{op}", *OPS_WITH_DERIVATIVES[op], slope_error=1e-6)
    for seed in range(6):
        with pytest.raises(GradcheckError, match="a first derivative of f is wrong"):
            taylor_test(f, [x], seed=seed)


SINGULAR = {"log": lambda p: p.log(), "sqrt": lambda p: p.sqrt(), "1/x": lambda p: 1 / p,
            "log(1/x)": lambda p: p.reciprocal().log()}


@pytest.mark.parametrize("name, x, orders", [(name, x, (1, 2)) for name in SINGULAR for x in (1e-20, 1e-30)] +
                         # at 1e-300, log's and sqrt's Hessians (-1/x², ...) and 1/x's slope overflow
                         [("log", 1e-300, (1,)), ("sqrt", 1e-300, (1,))])
def test_taylor_test_near_a_singularity_steps_at_the_inputs_scale(name, x, orders):
    # h started at 0.1 max(1, |x|) and never came near 1e-20 in 30 steps: rate 1.05, "wrong".
    for order in orders:
        assert taylor_test(SINGULAR[name], [x], order=order)[-1] == pytest.approx(order + 1, abs=0.1)
    # beside an input of size 1 too (sqrt's terms, 1e-10 and less, sink below exp's rounding at
    # the tiny input's own scale: no verdict rather than rate 1.15 called wrong)
    assert taylor_test(lambda p, q: SINGULAR[name](p) + q.exp(), [x, 1.0])
