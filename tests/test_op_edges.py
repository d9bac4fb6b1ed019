"""Every op of OPS at the edges of its domain: zeros of both signs, kinks, domain boundaries,
overflow thresholds, tiny and huge magnitudes, wherever the forward is defined.

At each such point the first derivative built under ``create_graph=True`` (the table's rule run
on Values) must equal the plain float path's, inf, -inf and nan included; and the first and second
derivatives must agree with PyTorch's. The ops are read from OPS, so a registered op is swept too
(it needs a PyTorch twin in tests/test_torch_crosscheck.py, as for the random cross-checks).
"""

import decimal
import math

import pytest
import torch
import torch.nn.functional as F
from test_torch_crosscheck import TORCH, missing_message

from autograd import OPS, Op, Value, grad
from autograd._checks import DOMAIN_ERRORS
from autograd.strategies import apply_value

MAX = 1.7976931348623157e308  # the largest float
# Edges every op meets: signed zeros, subnormal and normal limits, the points where exp,
# sigmoid, softplus and tanh saturate or overflow, where squares and products overflow.
EDGES = sorted({
    0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308, 1e-300, -1e-300,
    1e-160, -1e-160, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 20.0, -20.0, 36.8, -36.8,
    709.78, 709.782712893384, 709.79, -745.13, -746.0, 1e154, -1e154, 1.3407807929942596e154,
    1e300, -1e300, MAX, -MAX,
}, key=lambda x: (x, math.copysign(1.0, x)))
# Exponents of `x ** n` (a number, not a Value): fractional ones meet their infinite slope at 0.
EXPONENTS = (0.0, -0.0, 1e-8, 0.3, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, -1e-8, -0.5, -1.0, -2.0, -3.0, 1e15, -1e15)
NUMBER_OPERAND = {"**": 1}  # the exponent of ** is a number operand, not a node
SMALLEST_NORMAL = 2.2250738585072014e-308
# PyTorch's two spellings of softplus each lose the second derivative at one end: logaddexp gives
# nan below -745 (TORCH's twin, right everywhere else), F.softplus its thresholded 0 above 20.
# Each is used on the side where it holds.
EDGE_TORCH = {"softplus": lambda x: F.softplus(x) if x < 0 else TORCH["softplus"](x)}


def points(name):
    """Operand tuples at the edges: every edge (and each kink, with its neighbours) per operand."""
    op = OPS[name]
    near_kinks = [x for k in op.kinks for x in (k, math.nextafter(k, -math.inf), math.nextafter(k, math.inf))]
    singles = sorted(set(EDGES) | set(near_kinks), key=lambda x: (x, math.copysign(1.0, x)))
    if op.arity == 1:
        return [(x,) for x in singles]
    seconds = sorted(set(EXPONENTS) | set(EDGES)) if name in NUMBER_OPERAND else singles
    return [(x, y) for x in singles for y in seconds]


def same(a, b):
    """Equal, nan equal to nan: the float and Value paths compute the same operations."""
    return a == b or (math.isnan(a) and math.isnan(b))


def close(a, b):
    """Equal up to rounding (PyTorch's formulas differ in the last bits); inf and nan exactly."""
    if same(a, b):
        return True
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def engine_at(name, args):
    """(xs, first derivatives by the float path, by create_graph, second derivatives), or None
    where the forward is not defined."""
    number = NUMBER_OPERAND.get(name)
    xs = [Value(a) for p, a in enumerate(args) if p != number]
    nodes = iter(xs)
    try:
        out = apply_value(name, *(a if p == number else next(nodes) for p, a in enumerate(args)))
    except DOMAIN_ERRORS:
        return None
    plain = grad(out, xs)
    built = grad(out, xs, create_graph=True)
    assert all(isinstance(g, Value) for g in built), (name, args)
    return xs, plain, [g.data for g in built], [list(grad(g, xs)) for g in built]


def torch_at(fn, name, args):
    """(first derivatives, second derivatives) by PyTorch in float64."""
    number = NUMBER_OPERAND.get(name)
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for p, a in enumerate(args) if p != number]
    nodes = iter(ts)
    out = fn(*(a if p == number else next(nodes) for p, a in enumerate(args)))
    first = torch.autograd.grad(out, ts, create_graph=True, materialize_grads=True)
    second = [[h.item() for h in torch.autograd.grad(g, ts, retain_graph=True, materialize_grads=True)]
              if g.requires_grad else [0.0] * len(ts) for g in first]
    return [g.item() for g in first], second


def exact_pow_second(x, y):
    """The Hessian of x ** y (x > 0) from its closed form in 60-digit decimals, rounded once to floats.

    y (y - 1) x^(y-2), x^(y-1) (1 + y ln x), x^y ln(x)^2: PyTorch's y * x ** (y - 1), differentiated
    again, overflows at tiny x where these are finite (d2(x ** 1e-160)/dx2 at 1e-160 is -1e160).
    """
    with decimal.localcontext() as context:
        context.prec = 60
        dx, dy = decimal.Decimal(x), decimal.Decimal(y)
        ln = dx.ln()
        power = lambda e: (e * ln).exp()  # x ** e
        cross = power(dy - 1) * (1 + dy * ln)
        return [[float(dy * (dy - 1) * power(dy - 2)), float(cross)], [float(cross), float(power(dy) * ln * ln)]]


def comparable_with_torch(args):
    """False if an operand is subnormal (0 < |x| < 2.2e-308): not compared with PyTorch there.

    There the engine stores each local partial, and one like log's 1 / x overflows even where
    its product with the upstream gradient is finite (PyTorch divides the gradient instead, and
    gets d(x ** y)/dy dx at x = 5e-324 right); and PyTorch's n * x ** (n - 1) overflows where the
    engine's n * out / x does not (d(x ** 1e-300)/dx at 5e-324 is 2.02e23, not inf). The float
    path and create_graph are still compared there.
    """
    return not any(0 < abs(a) < SMALLEST_NORMAL for a in args)


def sweep(name, fn):
    """Check op `name` at every edge point against itself (float path) and PyTorch (`fn`)."""
    failures, swept = [], 0
    for args in points(name):
        engine = engine_at(name, args)
        if engine is None:
            continue
        swept += 1
        _, plain, built, second = engine
        if not all(map(same, built, plain)):
            failures.append(f"{name}{args}: create_graph first derivative {built} != float path {plain}")
        if not comparable_with_torch(args):
            continue
        t_first, t_second = torch_at(fn, name, args)
        if name == "pow" and args[1] == 0.0:
            # d2(x ** y)/dx dy at y = 0: 1 / x here, 0 in PyTorch, whose derivative masks the
            # exponent 0 (see test_pow_at_exponent_zero_is_where_torch_differs).
            t_second[0][1] = second[0][1]
        if not all(map(close, plain, t_first)):
            failures.append(f"{name}{args}: first derivative {plain} != torch {t_first}")
        if name == "pow":  # PyTorch overflows where the exact value is finite: the exact value decides there
            exact = exact_pow_second(*args)
            t_second = [[a if close(a, e) and not close(t, e) else t for a, t, e in zip(*rows)]
                        for rows in zip(second, t_second, exact)]
        if not all(close(a, b) for row, t_row in zip(second, t_second) for a, b in zip(row, t_row)):
            failures.append(f"{name}{args}: second derivative {second} != torch {t_second}")
    assert swept, f"{name}: the forward is defined at no edge point: add points inside its domain"
    assert not failures, f"{len(failures)} of {swept} points differ:\n" + "\n".join(failures[:200])


@pytest.mark.parametrize("name", list(OPS))
def test_create_graph_at_domain_edges_matches_the_float_path_and_pytorch(name):
    if name not in TORCH:
        pytest.fail(missing_message([name]))
    sweep(name, EDGE_TORCH.get(name, TORCH[name]))


# --- the bug reports, and a registered op --------------------------------------------------------

def test_create_graph_square_root_at_zero_is_inf_not_zero_division():
    # Regression: the rule divided 0.5 by a zero Value: "ZeroDivisionError: /: division by zero".
    x = Value(0.0)
    (d,) = grad(x.sqrt(), [x], create_graph=True)
    assert d.data == math.inf == grad(x.sqrt(), [x])[0]
    assert grad(d, [x]) == (-math.inf,)  # PyTorch's d2 sqrt(x)/dx2 at 0


@pytest.mark.parametrize("n", [0.5, 0.3])
def test_second_derivative_of_a_fractional_power_at_zero_is_minus_inf_not_zero(n):
    # Regression: the first derivative at 0 was the constant inf, whose derivative is 0.
    x = Value(0.0)
    (d,) = grad(x ** n, [x], create_graph=True)
    assert d.data == math.inf and grad(d, [x]) == (-math.inf,)


def test_reciprocal_is_inf_at_signed_zeros_like_pytorch():
    for x, inf in ((0.0, math.inf), (-0.0, -math.inf)):
        y = Value(x).reciprocal()
        assert y.data == inf == torch.reciprocal(torch.tensor(x, dtype=torch.float64)).item()
    assert Value(4.0).reciprocal().local_grads == (-0.0625,)
    with pytest.raises(ZeroDivisionError, match=r"/: division by zero"):  # `/` stays an error
        Value(1.0) / Value(0.0)


def test_a_registered_op_is_swept_too(user_op):
    user_op("atan_edge", Op(math.atan, lambda x, out: (1.0 / (1.0 + x * x),)))
    sweep("atan_edge", torch.atan)


def test_the_sweep_finds_a_rule_that_divides_by_a_zero_value(user_op):
    # sqrt's old rule: right on floats, a ZeroDivisionError on Values at 0.
    user_op("old_sqrt", Op(OPS["sqrt"].forward, lambda x, out: (0.5 / out if out != 0 else math.inf,)))
    with pytest.raises(ZeroDivisionError):
        sweep("old_sqrt", torch.sqrt)


def test_the_sweep_finds_a_constant_infinite_slope(user_op):
    # A rule whose Value path gives a constant at the pole: first derivatives agree, the second is 0, not -inf.
    rule = lambda x, out: (0.5 / out if getattr(out, "data", out) != 0 else math.inf,)
    user_op("const_sqrt", Op(OPS["sqrt"].forward, rule))
    with pytest.raises(AssertionError, match=r"second derivative \[\[0\.0\]\] != torch \[\[-inf\]\]"):
        sweep("const_sqrt", torch.sqrt)
