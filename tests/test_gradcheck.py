"""gradcheck and gradgradcheck: every op of the table passes; what is wrong fails, with a table."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS, Op, Value, no_grad, register_op
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd.strategies import op_exprs


def hidden_factor(a):
    """a * a with one factor a constant: the graph says d/da = a, the truth is 2a."""
    return a * Value(a.data)


def test_exported_from_autograd():
    import autograd

    assert (autograd.gradcheck, autograd.gradgradcheck, autograd.GradcheckError) == (
        gradcheck, gradgradcheck, GradcheckError)


# --- every op passes ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
@given(data=st.data())
def test_every_op_passes_gradcheck_and_gradgradcheck(name, data):
    expr = data.draw(op_exprs(name), label="expr")
    assert gradcheck(expr, expr.inputs) is True
    assert gradgradcheck(expr, expr.inputs) is True


def test_several_outputs_and_inputs_pass():
    def f(a, b, c):
        shared = a * b
        return [shared.tanh() + c, shared * c.exp(), (a / c) ** 2]

    assert gradcheck(f, [0.3, -1.2, 0.8]) is True
    assert gradgradcheck(f, (0.3, -1.2, 0.8)) is True


def test_one_number_is_one_input():
    assert gradcheck(lambda a: a.exp(), 0.5) is True


# --- what is wrong fails, with the right table --------------------------------------------------

def test_a_hidden_factor_fails_with_a_table():
    with pytest.raises(GradcheckError) as info:
        gradcheck(hidden_factor, [1.5])
    assert isinstance(info.value, AssertionError)
    (row,) = info.value.failures
    assert (row.index, row.input, row.analytic, row.reason) == ((0, 0), 1.5, 1.5, "")
    assert row.numeric == pytest.approx(3.0, rel=1e-9)
    assert row.abs_err == pytest.approx(1.5, rel=1e-9) and row.rel_err == pytest.approx(0.5, rel=1e-9)
    assert row.tol == pytest.approx(1e-5 + 1e-3 * 3.0, rel=1e-9)
    lines = str(info.value).splitlines()
    assert lines[0] == ("gradcheck: 1 of 1 derivatives d(out)/d(in) failed: 1 mismatched central finite "
                        "differences, 0 not differentiable within the step.")
    assert "atol=1e-05, rtol=0.001" in lines[1]
    assert lines[2].split() == ["out", "in", "input", "analytic", "numeric", "abs", "err", "rel", "err", "tol"]
    assert lines[3].split() == ["0", "0", "1.5", "1.5", "3", "1.5", "0.5", "0.00301"]
    assert len(lines[2]) == len(lines[3])  # fixed-width columns


def test_raise_exception_false_returns_false():
    assert gradcheck(hidden_factor, [1.5], raise_exception=False) is False
    assert gradgradcheck(hidden_factor, [1.5], raise_exception=False) is False


def test_only_the_failing_pairs_are_listed():
    def f(a, b):
        return [a * b, a * Value(b.data) + b.exp()]  # output 1 hides b in the product

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [0.5, -2.0])
    (row,) = info.value.failures
    assert row.index == (1, 1) and row.input == -2.0
    assert row.analytic == pytest.approx(math.exp(-2.0)) and row.numeric == pytest.approx(0.5 + math.exp(-2.0))


def test_tolerances_are_atol_plus_rtol_times_numeric():
    off_by_1e_4 = lambda a: a + Value(1e-4 * a.data)  # analytic 1, numeric 1.0001
    assert gradcheck(off_by_1e_4, [0.7]) is True
    assert gradcheck(off_by_1e_4, [0.7], rtol=1e-5, raise_exception=False) is False
    off_by_1e_6 = lambda a: a * 0 + Value(1e-6 * a.data)  # analytic 0, numeric 1e-6
    assert gradcheck(off_by_1e_6, [0.7]) is True
    assert gradcheck(off_by_1e_6, [0.7], atol=1e-7, raise_exception=False) is False


def test_divides_by_the_step_actually_taken():
    # 1 +- 1e-10 are not exactly 1e-10 apart in floats: dividing by 2 * eps would be off by ~1e-7.
    assert gradcheck(lambda a: a, [1.0], eps=1e-10, atol=0, rtol=0) is True


def test_gradgradcheck_fails_the_hidden_factor():
    # d/da [d(a*c)/da] = d/da [c] = 0 on the graph; the first derivative c = a moves with a: 1.
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(hidden_factor, [1.5])
    (row,) = info.value.failures
    assert (row.index, row.analytic) == ((0, 0, 0), 0.0) and row.numeric == pytest.approx(1.0, rel=1e-9)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("gradgradcheck: 1 of 1 second derivatives d/d(in j) [d(out)/d(in i)] failed")
    assert lines[2].split()[:6] == ["out", "in", "i", "in", "j", "input"]
    assert lines[3].split() == ["0", "0", "0", "1.5", "0", "1", "1", "1", "0.00101"]


def test_gradgradcheck_names_output_and_both_inputs():
    # Output 1 is a * c * b with c = a.data: d/da of its first derivatives c*b and a*c go wrong.
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda a, b: [a * b, a * Value(a.data) * b], [0.5, -2.0])
    assert [row.index for row in info.value.failures] == [(1, 0, 0), (1, 1, 0)]


def test_gradgradcheck_catches_a_partial_that_detaches_the_graph(monkeypatch):
    # A user's op whose partial is written with math.cosh: right as a number, but a constant under
    # create_graph, so the second derivative comes out 0. gradcheck cannot see it; gradgradcheck must.
    # Placeholders set and then deleted, so that undoing the patches unregisters the op afterwards
    # (register_op refuses a name that is already taken).
    monkeypatch.setitem(OPS, "sinh", None)
    monkeypatch.setattr(Value, "sinh", None, raising=False)
    monkeypatch.delitem(OPS, "sinh")
    monkeypatch.delattr(Value, "sinh")
    register_op("sinh", Op(math.sinh, lambda x, out: (math.cosh(getattr(x, "data", x)),)))
    assert gradcheck(lambda a: a.sinh(), [0.7]) is True
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda a: a.sinh(), [0.7])
    (row,) = info.value.failures
    assert row.analytic == 0.0 and row.numeric == pytest.approx(math.sinh(0.7), rel=1e-7)


# --- not differentiable is reported as such, not as a mismatch --------------------------------

@pytest.mark.parametrize("name, x", [("relu", 0.0), ("abs", 0.0), ("relu", 1e-7), ("abs", -3e-6)])
def test_a_kink_within_the_step_is_not_a_mismatch(name, x):
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: getattr(a, name)(), [x])
    (row,) = info.value.failures
    assert row.reason == f"not differentiable: {name}'s kink at 0 is within the step"
    assert "0 mismatched" in str(info.value) and row.reason in str(info.value)


def test_a_kink_outside_the_step_passes():
    assert gradcheck(lambda a: a.relu() + a.abs(), [1e-3]) is True
    assert gradgradcheck(lambda a: a.relu() * a, [-1e-3]) is True


def test_gradgradcheck_reports_a_kink_of_the_second_derivative():
    # a * |a| has a continuous first derivative 2|a|, but its second derivative jumps at 0.
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda a: a * a.abs(), [0.0])
    (row,) = info.value.failures
    assert row.reason == "not differentiable: abs's kink at 0 is within the step"


def test_a_domain_error_within_the_step_is_reported():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: a.log(), [1e-7])
    (row,) = info.value.failures
    assert row.reason.startswith("not differentiable: f raised at input - h: ValueError: log: input must be > 0")
    assert row.numeric is None and row.tol is None and row.analytic == pytest.approx(1e7)


@pytest.mark.parametrize("f", [lambda a: 1 / a, lambda a: a.reciprocal(), lambda a: (a * 2) ** -1, lambda a: a.exp() / a])
def test_a_pole_within_the_step_is_not_a_mismatch(f):
    # Issue 19, class G (a scale mismatch): at x = 1e-8 the step 6e-6 crosses 1 / x's pole at 0,
    # which x - h, x and x + h all avoid: it was reported as a mismatch, analytic -1e16 against
    # numeric 2.7e10, as if the derivative were wrong.
    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [1e-8])
    (row,) = info.value.failures
    assert row.reason.startswith("not differentiable: ") and row.reason.endswith("has a pole at 0 (no finite value), within the step")
    assert gradcheck(f, [1e-8], eps=1e-10)   # a step that stays on one side checks it


def test_a_domain_edge_at_the_input_is_reported_for_the_inputs_it_depends_on():
    # sqrt(b) at b = 0: d/db is infinite and not checked; d/da is still checked (and right).
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a * 2 + b.sqrt(), [0.5, 0.0])
    (row,) = info.value.failures
    assert row.index == (0, 1)
    assert row.reason == "not differentiable: sqrt is outside its domain (Op.domain) at the input"


def test_a_domain_edge_within_one_inputs_step_is_reported_for_that_input_only():
    # sqrt(a * b) with a = h: a - h reaches sqrt's edge (0, where the forward still works); b's step does not.
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: (a * b).sqrt() + b, [1e-3, 1.0], eps=1e-3)
    (row,) = info.value.failures
    assert row.index == (0, 0)
    assert row.reason == "not differentiable: sqrt is outside its domain (Op.domain) at input - h"


def test_gradgradcheck_at_a_domain_edge_is_reported_not_raised():
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda a: a.sqrt(), [0.0])
    (row,) = info.value.failures
    assert row.reason == "not differentiable: sqrt is outside its domain (Op.domain) at the input"


def test_a_branch_on_a_value_within_the_step_is_reported():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: a * a if a.data > 0 else -a, [0.0])
    (row,) = info.value.failures
    assert row.reason == "not differentiable: f builds a different graph within the step (a branch on a value)"


def test_f_raising_at_the_input_itself_propagates():
    with pytest.raises(ValueError, match=r"log: input must be > 0, got -1\.0"):
        gradcheck(lambda a: a.log(), [-1.0])


# --- bad input gets a clear error ---------------------------------------------------------------

@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
@pytest.mark.parametrize("inputs, error, message", [
    ([Value(1.0)], TypeError, r"inputs must be numbers .* got a Value at inputs\[0\]: .* pass its \.data"),
    ([1.0, True], TypeError, r"inputs\[1\] must be a real number, got bool: True"),
    ([1.0, "2"], TypeError, r"inputs\[1\] must be a real number, got str: '2'"),
    ([math.nan], ValueError, r"inputs\[0\] must be finite, got nan"),
    ([], ValueError, r"inputs is empty; give at least one number"),
    ([1.0, 10 ** 400], OverflowError, r"inputs\[1\]: int of about 10\*\*400 is too large for a float"),
    (None, TypeError, r"inputs must be a number or a sequence of numbers, got NoneType: None"),
])
def test_bad_inputs(check, inputs, error, message):
    with pytest.raises(error, match=rf"^{check.__name__}: {message}"):
        check(lambda *xs: xs[0], inputs)


@pytest.mark.parametrize("settings, message", [
    ({"eps": 0.0}, r"eps must be a positive finite number or None \(automatic\), got 0\.0"),
    ({"eps": math.inf}, r"eps must be a positive finite number or None \(automatic\), got inf"),
    ({"atol": -1e-5}, r"atol must be a finite number >= 0, got -1e-05"),
    ({"rtol": math.nan}, r"rtol must be a finite number >= 0, got nan"),
    ({"eps": True}, r"eps must be a positive finite number or None \(automatic\), got True"),
    ({"atol": False}, r"atol must be a finite number >= 0, got False"),
])
def test_bad_settings(settings, message):
    with pytest.raises(ValueError, match=rf"^gradcheck: {message}"):
        gradcheck(lambda a: a, [1.0], **settings)


def test_a_step_that_vanishes_is_an_error():
    with pytest.raises(ValueError, match=r"^gradcheck: the step eps=1e-09 vanishes at input 0 = 1e\+08"):
        gradcheck(lambda a: a, [1e8], eps=1e-9)


def test_f_must_be_a_function():
    with pytest.raises(TypeError, match=r"^gradgradcheck: f must be a function of Values \(one per input\), got int: 3"):
        gradgradcheck(3, [1.0])


@pytest.mark.parametrize("result", [3.0, [], [Value(1.0), 2.0], None])
def test_f_must_return_values(result):
    with pytest.raises(TypeError, match=r"^gradcheck: f must return a Value or a non-empty list or tuple of Values"):
        gradcheck(lambda a: result, [1.0])


def test_inside_no_grad_is_an_error():
    with no_grad(), pytest.raises(RuntimeError, match=r"^gradcheck: called inside no_grad\(\)"):
        gradcheck(lambda a: a * a, [1.0])


def test_a_changing_number_of_outputs_is_reported():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: [a, a * 2] if a.data > 0 else [a], [1e-7])
    (row,) = info.value.failures
    assert row.index == (1, 0)
    assert row.reason == "not differentiable: f returns a different number of outputs at input - h"
