"""Forward mode and the functional API against PyTorch on random DAGs: `jvp` against
`torch.func.jvp`, `jacobian` (both modes) against `torch.autograd.functional.jacobian`, and
`hessian` and `hvp` against `torch.autograd.functional.hessian`, the same expressions evaluated
with float64 tensors, compared to ~1e-9 relative (as tests/test_torch_crosscheck.py does for grad)."""

import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import jvp
from autograd.functional import hessian, hvp, jacobian
from autograd.strategies import exprs
from tests.test_torch_crosscheck import assert_close, has_pow_with_exponent_zero, torch_apply


def torch_function(expr, outputs=1):
    """The expression as a function of one float64 tensor per input; `outputs` = 3 adds two more."""
    def f(*xs):
        out = expr.evaluate(torch_apply, list(xs))
        return out if outputs == 1 else torch.stack([out, out * out, xs[0] * out])
    return f


def engine_function(expr, outputs=1):
    def f(*xs):
        out = expr(*xs)
        return out if outputs == 1 else [out, out * out, xs[0] * out]
    return f


def tensors(values):
    return tuple(torch.tensor(x, dtype=torch.float64) for x in values)


@settings(max_examples=60)
@given(exprs(), st.randoms(use_true_random=False))
def test_jvp_matches_torch_func_jvp(expr, rng):
    u = [rng.uniform(-1, 1) for _ in expr.inputs]
    xs = expr.leaves()
    outs = engine_function(expr, 3)(*xs)
    ours = jvp(outs, xs, u)
    _, theirs = torch.func.jvp(torch_function(expr, 3), tensors(expr.inputs), tensors(u))
    for k, (a, b) in enumerate(zip(ours, theirs.tolist(), strict=True)):
        assert_close(a, b, f"jvp output {k}", expr)


@settings(max_examples=60)
@given(exprs())
def test_jacobian_both_modes_match_torch(expr):
    theirs = torch.autograd.functional.jacobian(torch_function(expr, 3), tensors(expr.inputs))
    theirs = torch.stack(theirs, dim=1).tolist()  # one tensor per input -> rows of outputs
    for mode in ("reverse", "forward"):
        ours = jacobian(engine_function(expr, 3), expr.inputs, mode=mode)
        for k, (row, t_row) in enumerate(zip(ours, theirs, strict=True)):
            for j, (a, b) in enumerate(zip(row, t_row, strict=True)):
                assert_close(a, b, f"{mode} jacobian[{k}][{j}]", expr)


@settings(max_examples=60)
@given(exprs(), st.randoms(use_true_random=False))
def test_hessian_and_hvp_match_torch_hessian(expr, rng):
    assume(not has_pow_with_exponent_zero(expr))  # where PyTorch's second derivative differs on purpose
    theirs = torch.autograd.functional.hessian(torch_function(expr), tensors(expr.inputs))
    theirs = [[float(theirs[i][j]) for j in range(len(expr.inputs))] for i in range(len(expr.inputs))]
    ours = hessian(expr, expr.inputs)
    for i, (row, t_row) in enumerate(zip(ours, theirs, strict=True)):
        for j, (a, b) in enumerate(zip(row, t_row, strict=True)):
            assert_close(a, b, f"hessian[{i}][{j}]", expr)
    v = [rng.uniform(-1, 1) for _ in expr.inputs]
    hv = hvp(expr, expr.inputs, v)
    assert len(hv) == len(theirs)
    for i, a in enumerate(hv):
        assert_close(a, sum(t * vj for t, vj in zip(theirs[i], v)), f"hvp[{i}]", expr)


def test_a_0d_tensor_as_tangents_weights_or_inputs_is_refused_with_a_sentence():
    # Regression (issue 19, item 17): "iteration over a 0-d tensor" reached the user bare.
    import re

    import pytest

    from autograd import Value, grad
    x = Value(2.0)
    for call, message in [(lambda: jvp(x * x, [x], torch.tensor(1.0)), "jvp: tangents must be"),
                          (lambda: grad(x * x, [x], torch.tensor(1.0)), "grad: grad_outputs must be"),
                          (lambda: jacobian(lambda a: a * a, torch.tensor(2.0)), "jacobian: inputs must be")]:
        with pytest.raises(TypeError, match=re.escape(message) + r".* got Tensor: tensor\(.*\) \(a 0-d array or tensor"):
            call()
