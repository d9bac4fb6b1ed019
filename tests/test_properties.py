"""The engine's derivatives on random expression DAGs with shared sub-expressions, drawn from the
op table: first derivatives (``backward()`` and ``grad()``) against central finite differences,
second derivatives (``grad(..., create_graph=True)`` twice) against differences of the first."""

import pytest
from hypothesis import given

from autograd import grad
from autograd.gradcheck import gradcheck, gradgradcheck
from autograd.strategies import apply_float, exprs


@given(exprs())
def test_forward_on_values_is_the_forward_on_floats(expr):
    assert expr(*expr.leaves()).data == expr.evaluate(apply_float)


@given(exprs())
def test_backward_and_grad_match_finite_differences(expr):
    xs = expr.leaves()
    out = expr(*xs)
    out.backward()
    assert [x.grad for x in xs] == pytest.approx(grad(out, xs), rel=1e-12, abs=1e-12)
    assert gradcheck(expr, expr.inputs)  # grad() against central differences


@given(exprs())
def test_second_derivatives_match_finite_differences_of_the_first(expr):
    assert gradgradcheck(expr, expr.inputs)
