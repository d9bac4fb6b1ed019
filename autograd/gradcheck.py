"""Check the engine's derivatives against central finite differences, as `torch.autograd.gradcheck`.

`gradcheck` compares every first derivative d(output k)/d(input j) with
``(f(x + h) - f(x - h)) / ((x + h) - (x - h))``; `gradgradcheck` compares every second derivative
d/d(input j) [d(output k)/d(input i)], taken with ``grad(..., create_graph=True)`` twice, with
central differences of the analytic first derivative. Where the finite difference would straddle
a kink (``Op.kinks``: relu, abs at 0), leave an op's domain (``Op.domain``) or make `f` raise, the
derivative cannot be checked there: it is reported as not differentiable, never as a mismatch.
"""

import math
import numbers
import sys
from typing import NamedTuple

from autograd._checks import DOMAIN_ERRORS, finite, nonnegative, number_in
from autograd.engine import OPS, Value, grad, is_grad_enabled, topological_order

__all__ = ["GradcheckError", "GradcheckFailure", "gradcheck", "gradgradcheck"]

# cbrt(machine epsilon) balances the central difference's truncation error (~h**2) against its
# rounding error (~eps / h): the step that minimises their sum for float64, ~6.06e-6.
_REL_STEP = sys.float_info.epsilon ** (1 / 3)

# What a forward raises outside its domain (log, sqrt, /, ** and exp all raise one of these):
# within the step that means "not differentiable here", not a bug to propagate.


class GradcheckFailure(NamedTuple):
    """One derivative that `gradcheck` or `gradgradcheck` could not confirm: a row of the table.

    Attributes:
      index: ``(output, input)`` for `gradcheck`; ``(output, input i, input j)`` for
        `gradgradcheck`, the derivative d/d(input j) [d(output)/d(input i)].
      input: the value of the input the derivative is taken with respect to (input j).
      analytic: the engine's derivative (None where it could not be evaluated).
      numeric: the central finite difference (None where `f` raised within the step).
      tol: ``atol + rtol * |numeric|`` (None where there is no numeric derivative).
      reason: ``""`` for a mismatch; otherwise why the derivative could not be checked.

    Example:
      >>> from autograd.gradcheck import GradcheckFailure
      >>> row = GradcheckFailure((0, 0), 1.5, 1.5, 3.0, 0.003)
      >>> row.abs_err, row.rel_err
      (1.5, 0.5)
    """

    index: tuple
    input: float
    analytic: float | None
    numeric: float | None
    tol: float | None
    reason: str = ""

    @property
    def abs_err(self):
        """``|analytic - numeric|``, or None if either is missing.

        Example:
          >>> GradcheckFailure((0, 0), 1.0, 2.5, 2.0, 0.002).abs_err
          0.5
        """
        if self.analytic is None or self.numeric is None:
            return None
        return abs(self.analytic - self.numeric)

    @property
    def rel_err(self):
        """``abs_err / |numeric|`` (inf when numeric is 0 and they differ), or None.

        Example:
          >>> GradcheckFailure((0, 0), 1.0, 2.5, 2.0, 0.002).rel_err
          0.25
        """
        err = self.abs_err
        if err is None:
            return None
        if self.numeric == 0:
            return 0.0 if err == 0 else math.inf
        return err / abs(self.numeric)


class GradcheckError(AssertionError):
    """Raised by `gradcheck`/`gradgradcheck` when a derivative fails; the message is a table.

    An `AssertionError`, so a failing check inside a test reads as a test failure.

    Attributes:
      failures: the rows of the table, a list of `GradcheckFailure`.

    Example:
      >>> from autograd import GradcheckError, Value, gradcheck
      >>> try:
      ...     gradcheck(lambda a: a * Value(a.data), [1.5])  # hides a factor: d/da is 2a, not a
      ... except GradcheckError as e:
      ...     print(e.failures[0].analytic, e.failures[0].numeric)
      1.5 3.0
    """

    def __init__(self, message, failures):
        super().__init__(message)
        self.failures = failures


def gradcheck(f, inputs, *, eps=None, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check the engine's first derivatives of `f` against central finite differences.

    For every output k and input j it compares ``grad(outputs[k], leaves)[j]`` with
    ``(f(x + h e_j) - f(x - h e_j))[k] / ((x_j + h) - (x_j - h))``, and passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|`` (PyTorch's rule) for every pair.

    Args:
      f: a function of one Value per input, returning a Value or a sequence of Values.
      inputs: the point to check at: a number or a sequence of numbers.
      eps: the finite-difference step h; default ``cbrt(machine eps) * max(1, |input|)``,
        ~6e-6 relative, the step that balances truncation against rounding error.
      atol: absolute tolerance.
      rtol: relative tolerance.
      raise_exception: if True (default) a failure raises `GradcheckError`; if False it
        returns False.

    Returns:
      True if every derivative matches; False on a failure when ``raise_exception=False``.

    Raises:
      GradcheckError: (an `AssertionError`) with a table of every failing (output, input) pair:
        input value, analytic, numeric, absolute and relative error, tolerance. Pairs where
        `f` has a kink or a domain edge within the step, or raises there, are rows with a
        note saying so instead of a mismatch.
      Any exception `f` raises at `inputs` itself, unchanged.

    Example:
      >>> from autograd import Value, gradcheck
      >>> gradcheck(lambda x, y: (x * y).tanh() + x.exp(), [0.5, -1.5])
      True
      >>> gradcheck(lambda a: a * Value(a.data), [1.5], raise_exception=False)  # d/da is 2a, not a
      False
    """
    return _check("gradcheck", f, inputs, 0, eps, atol, rtol, raise_exception)


def gradgradcheck(f, inputs, *, eps=None, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check the engine's second derivatives of `f` against finite differences of the first.

    For every output k and inputs i, j it compares d/d(x_j) of the first derivative
    ``g = grad(outputs[k], leaves, create_graph=True)[i]``, taken by differentiating g's graph,
    with the central difference of g's value as x_j moves by ±h. Run `gradcheck` as well: this
    checks that the derivative graph ``create_graph=True`` builds is right, given the first
    derivatives.

    Args:
      f: a function of one Value per input, returning a Value or a sequence of Values.
      inputs: the point to check at: a number or a sequence of numbers.
      eps: the finite-difference step h; default ``cbrt(machine eps) * max(1, |input|)``.
      atol: absolute tolerance.
      rtol: relative tolerance.
      raise_exception: if True (default) a failure raises `GradcheckError`; if False it
        returns False.

    Returns:
      True if every second derivative matches; False on a failure when
      ``raise_exception=False``.

    Raises:
      GradcheckError: with a table of every failing (output, input i, input j) triple, as in
        `gradcheck`.
      Any exception `f` raises at `inputs` itself, unchanged.

    Example:
      >>> from autograd import Value, gradgradcheck
      >>> gradgradcheck(lambda x, y: x.sin() * y ** 3, [0.5, -1.5])
      True
      >>> gradgradcheck(lambda a: a * Value(a.data), [1.5], raise_exception=False)  # d2/da2 is 2, not 0
      False
    """
    return _check("gradgradcheck", f, inputs, 1, eps, atol, rtol, raise_exception)


# --- the shared machinery: "quantities" are f's outputs (order 0) or its first derivatives (1) --

def _check(what, f, inputs, order, eps, atol, rtol, raise_exception):
    if not callable(f):
        raise TypeError(f"{what}: f must be a function of Values (one per input), got {type(f).__name__}: {f!r}")
    xs = _as_point(what, inputs)
    _check_settings(what, eps, atol, rtol)
    if not is_grad_enabled():
        raise RuntimeError(f"{what}: called inside no_grad(), where no graph is recorded; call it outside no_grad")
    leaves, quantities, traces = _quantities(what, f, xs, order)  # f raising here propagates
    analytic = [(None,) * len(xs) if q is None else grad(q, leaves) for q in quantities]
    failures = []
    for j, x in enumerate(xs):
        h = eps if eps is not None else _REL_STEP * max(1.0, abs(x))
        if x + h == x - h:
            raise ValueError(f"{what}: the step eps={eps:g} vanishes at input {j} = {x:g} (x + eps == x - eps); "
                             f"use a larger eps, or None for a step relative to the input")
        plus, minus = _shifted(what, f, xs, j, x + h, order), _shifted(what, f, xs, j, x - h, order)
        step = (x + h) - (x - h)  # the step actually taken, after rounding
        # A first derivative needs every input's path smooth; a value only input j's.
        moved = None if order else j
        for q, trace in enumerate(traces):
            why = _why_not_smooth(q, trace, plus, minus, moved)
            vp, vm = _value(plus, q), _value(minus, q)
            numeric = None if vp is None or vm is None else (vp - vm) / step
            tol = None if numeric is None else atol + rtol * abs(numeric)
            a = analytic[q][j]
            index = _index(q, j, len(xs), order)
            if why is not None:
                failures.append(GradcheckFailure(index, x, a, numeric, tol, "not differentiable: " + why))
            elif not abs(a - numeric) <= tol:  # `not <=` so that a NaN fails
                failures.append(GradcheckFailure(index, x, a, numeric, tol))
    if not failures:
        return True
    if not raise_exception:
        return False
    failures.sort(key=lambda row: row.index)
    total = len(quantities) * len(xs)
    raise GradcheckError(_report(what, failures, total, eps, atol, rtol), failures)


def _as_point(who, inputs):
    if isinstance(inputs, (numbers.Real, Value)):
        inputs = [inputs]
    elif isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
        raise TypeError(f"{who}: inputs must be a number or a sequence of numbers, got {type(inputs).__name__}: {inputs!r}")
    xs = []
    for j, x in enumerate(inputs):
        if isinstance(x, Value):
            raise TypeError(f"{who}: inputs must be numbers ({who} makes its own leaf Values for f), "
                            f"got a Value at input {j}: {x!r}; pass its .data")
        xs.append(finite(x, who, f"input {j}"))
    if not xs:
        raise ValueError(f"{who}: no inputs to differentiate with respect to; give at least one number")
    return xs


def _check_settings(who, eps, atol, rtol):
    if eps is not None:
        number_in(eps, who, "eps", "a positive finite number or None (automatic)", lambda v: 0 < v < math.inf)
    for what, tol in (("atol", atol), ("rtol", rtol)):
        nonnegative(tol, who, what)


def _quantities(what, f, xs, order):
    """Evaluate f at xs: the leaves, the quantities (Values) and, per quantity, its output's trace.

    A quantity whose output is not smooth at xs (an op outside its domain) is None for order 1:
    its derivative graph may not even be buildable there (0.5 / sqrt(0)).
    """
    leaves = [Value(x, label=f"x{j}") for j, x in enumerate(xs)]
    result = f(*leaves)
    outputs = [result] if isinstance(result, Value) else list(result) if isinstance(result, (list, tuple)) else []
    if not outputs or not all(isinstance(o, Value) for o in outputs):
        raise TypeError(f"{what}: f must return a Value or a non-empty list or tuple of Values, "
                        f"got {type(result).__name__}: {result!r}")
    traces = [_trace(o, leaves) for o in outputs]
    if order == 0:
        return leaves, outputs, traces
    quantities, quantity_traces = [], []
    for o, t in zip(outputs, traces):
        smooth = _smoothness(t, None, None, None) is None
        quantities += grad(o, leaves, create_graph=True) if smooth else [None] * len(leaves)
        quantity_traces += [t] * len(leaves)
    return leaves, quantities, quantity_traces


class _Shifted(NamedTuple):
    """f evaluated with one input moved by the step: each quantity's value and trace, or what f raised."""

    values: tuple = ()  # per quantity: its value (None where it could not be evaluated)
    traces: tuple = ()  # per quantity: its output's trace, a list of `_TraceNode`
    error: Exception | None = None  # what f raised there (then no values and no traces)


class _TraceNode(NamedTuple):
    """One op node of an output's graph, as far as smoothness goes (see `_trace`)."""

    op: str           # its name in OPS
    sides: tuple      # per input and kink: -1, 0 or 1, the side of the kink the input is on
    kinks: tuple      # the op's kinks
    in_domain: bool   # whether its inputs are in the op's domain
    depends: int      # bit j set: the node depends on input j


def _shifted(what, f, xs, j, xj, order):
    """The quantities' values and traces with input j moved to xj, or the exception f raised, as a `_Shifted`."""
    shifted = list(xs)
    shifted[j] = xj
    try:
        _, quantities, traces = _quantities(what, f, shifted, order)
    except DOMAIN_ERRORS as e:
        return _Shifted(error=e)
    return _Shifted(tuple(None if q is None else q.data for q in quantities), tuple(traces))


def _trace(output, leaves):
    """What decides whether `output` is smooth: per op node, its op, its inputs' side of each
    kink, whether its inputs are in the op's domain, and which leaves it depends on (bit j)."""
    depends = {leaf: 1 << j for j, leaf in enumerate(leaves)}
    trace = []
    for node in topological_order(output):
        parents = node.parents
        mask = depends.get(node, 0)
        for p in parents:
            mask |= depends.get(p, 0)
        depends[node] = mask
        op = OPS.get(node.op)
        if op is None or not parents:  # a leaf or a wrapped constant
            continue
        xs = [p.data for p in parents]
        sides = tuple((x > k) - (x < k) for x in xs for k in op.kinks)
        trace.append(_TraceNode(node.op, sides, tuple(op.kinks), op.domain(*xs), mask))
    return trace


def _smoothness(center, minus, plus, j):
    """None if the traces show f smooth over the step of input j (every input if j is None);
    else why not, as a sentence. Nodes that do not depend on input j cannot make it non-smooth."""
    for where, trace in (("the input", center), ("input - h", minus), ("input + h", plus)):
        for node in trace or ():
            if not node.in_domain and (j is None or node.depends >> j & 1):
                return f"{node.op} is outside its domain (Op.domain) at {where}"
    for other in (minus, plus):
        if other is not None and [n.op for n in other] != [n.op for n in center]:
            return "f builds a different graph within the step (a branch on a value)"
        for node, moved in zip(center, other or ()):
            if node.sides != moved.sides:
                return f"{node.op}'s kink at {', '.join(f'{k:g}' for k in node.kinks)} is within the step"
    return None


def _why_not_smooth(q, trace, plus, minus, j):
    """Why quantity q cannot be differenced over the step of input j, or None."""
    why = _smoothness(trace, None, None, j)  # at the input itself first: the likeliest cause
    if why is not None:
        return why
    for where, side in (("input + h", plus), ("input - h", minus)):
        if side.error is not None:
            return f"f raised at {where}: {type(side.error).__name__}: {side.error}"
        if q >= len(side.traces):
            return f"f returns a different number of outputs at {where}"
    return _smoothness(trace, minus.traces[q], plus.traces[q], j)


def _value(side, q):
    """Quantity q's value on one side of the step (a `_Shifted`); None if f raised there or has no such output."""
    return None if q >= len(side.values) else side.values[q]


def _index(q, j, n, order):
    return (q, j) if order == 0 else (q // n, q % n, j)


# --- the report: a fixed-width table that reads well in a terminal and a notebook -------------

def _report(what, failures, total, eps, atol, rtol):
    mismatches = sum(1 for row in failures if not row.reason)
    if what == "gradcheck":
        derivative, columns, inp = "derivatives d(out)/d(in)", ("out", "in"), "input"
    else:
        derivative, columns, inp = "second derivatives d/d(in j) [d(out)/d(in i)]", ("out", "in i", "in j"), "input j"
    step = f"{eps:g}" if eps is not None else f"{_REL_STEP:.3g} * max(1, |input|)"
    lines = [
        (f"{what}: {len(failures)} of {total} {derivative} failed: {mismatches} mismatched central finite "
         f"differences, {len(failures) - mismatches} not differentiable within the step."),
        (f"A mismatch is |analytic - numeric| > tol = atol + rtol * |numeric|, with atol={atol:g}, "
         f"rtol={rtol:g}; step h = {step}."),
    ]
    header = [f"{c:>5}" for c in columns]
    header += [f"{c:>13}" for c in (inp, "analytic", "numeric", "abs err", "rel err", "tol")]
    if mismatches < len(failures):
        header.append("  note")
    lines.append("".join(header))
    for row in failures:
        cells = [f"{i:>5}" for i in row.index]
        values = (row.input, row.analytic, row.numeric, row.abs_err, row.rel_err, row.tol)
        cells += [f"{_number(v):>13}" for v in values]
        if row.reason:
            cells.append("  " + row.reason)
        lines.append("".join(cells).rstrip())
    return "\n".join(lines)


def _number(v):
    return "-" if v is None else f"{v:.6g}"
