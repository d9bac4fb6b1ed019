"""Check the engine's derivatives against central finite differences, as `torch.autograd.gradcheck`.

`gradcheck` compares every first derivative d(output k)/d(input j) with
``(f(x + h) - f(x - h)) / ((x + h) - (x - h))``; `gradgradcheck` compares every second derivative
d/d(input j) [d(output k)/d(input i)], taken with ``grad(..., create_graph=True)`` twice, with
central differences of the analytic first derivative. Where the finite difference would straddle
a kink (``Op.kinks``: relu, abs at 0), leave an op's domain (``Op.domain``), cross a pole (an op's
input changing sign where the op has no finite value at 0, as 1 / x) or make `f` raise, the
derivative cannot be checked there: it is reported as not differentiable, never as a mismatch.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from autograd._checks import DOMAIN_ERRORS, is_int, nonnegative, number_in, positive_int, random_seed
from autograd.engine import OPS, Op, Value, grad, jvp, topological_order
from autograd.functional import _call, _point, _vector

if TYPE_CHECKING:
    from autograd._types import Function, Numbers

__all__ = ["GradcheckError", "GradcheckFailure", "gradcheck", "gradgradcheck",
           "ModesTrial", "RuleMismatch", "TaylorStep", "check_modes", "taylor_test"]

# cbrt(machine epsilon) balances the central difference's truncation error (~h**2) against its
# rounding error (~eps / h): the step that minimises their sum for float64, ~6.06e-6.
_REL_STEP = sys.float_info.epsilon ** (1 / 3)


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

    index: tuple[int, ...]  # type: ignore[assignment]  # the field shadows tuple.index, as it always has
    input: float
    analytic: float | None
    numeric: float | None
    tol: float | None
    reason: str = ""

    @property
    def abs_err(self) -> float | None:
        """``|analytic - numeric|``, or None if either is missing.

        Example:
          >>> GradcheckFailure((0, 0), 1.0, 2.5, 2.0, 0.002).abs_err
          0.5
        """
        if self.analytic is None or self.numeric is None:
            return None
        return abs(self.analytic - self.numeric)

    @property
    def rel_err(self) -> float | None:
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
        return err / abs(self.numeric)  # type: ignore[arg-type]  # err is a number, so numeric is too


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

    failures: list[Any]  # GradcheckFailure rows, or check_modes' and taylor_test's own rows

    def __init__(self, message: str, failures: list[Any]) -> None:
        super().__init__(message)
        self.failures = failures


def gradcheck(f: Function, inputs: Numbers, *, eps: float | None = None, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
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


def gradgradcheck(f: Function, inputs: Numbers, *, eps: float | None = None, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True) -> bool:
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

def _check(what: str, f: Callable[..., Any], inputs: object, order: int, eps: float | None, atol: float, rtol: float,
           raise_exception: bool) -> bool:
    xs = _point(what, inputs)
    _check_settings(what, eps, atol, rtol)
    leaves, quantities, traces = _quantities(what, f, xs, order)  # checks f (`_call`); f raising here propagates
    analytic = [(None,) * len(xs) if q is None else grad(q, leaves) for q in quantities]
    failures: list[GradcheckFailure] = []
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
            elif not abs(a - numeric) <= tol:  # type: ignore[operator]  # smooth: both numbers. `not <=`: a NaN fails
                failures.append(GradcheckFailure(index, x, a, numeric, tol))
    if not failures:
        return True
    if not raise_exception:
        return False
    failures.sort(key=lambda row: row.index)
    total = len(quantities) * len(xs)
    raise GradcheckError(_report(what, failures, total, eps, atol, rtol), failures)


def _check_settings(who: str, eps: object, atol: object, rtol: object) -> None:
    if eps is not None:
        number_in(eps, who, "eps", "a positive finite number or None (automatic)", lambda v: 0 < v < math.inf)
    for what, tol in (("atol", atol), ("rtol", rtol)):
        nonnegative(tol, who, what)


def _quantities(what: str, f: Callable[..., Any], xs: list[float], order: int) -> tuple[list[Value], list[Any], list[list[_TraceNode]]]:
    """Evaluate f at xs: the leaves, the quantities (Values) and, per quantity, its output's trace.

    A quantity whose output is not smooth at xs (an op outside its domain) is None for order 1:
    its derivative graph may not even be buildable there (0.5 / sqrt(0)).
    """
    call = _call(what, f, xs)
    leaves, outputs = call.leaves, call.outputs
    traces = [_trace(o, leaves) for o in outputs]
    if order == 0:
        return leaves, outputs, traces
    quantities: list[Value | None]
    quantity_traces: list[list[_TraceNode]]
    quantities, quantity_traces = [], []
    for o, t in zip(outputs, traces):
        smooth = _smoothness(t, None, None, None) is None
        quantities += grad(o, leaves, create_graph=True) if smooth else [None] * len(leaves)
        quantity_traces += [t] * len(leaves)
    return leaves, quantities, quantity_traces


class _Shifted(NamedTuple):
    """f evaluated with one input moved by the step: each quantity's value and trace, or what f raised."""

    values: tuple[float | None, ...] = ()  # per quantity: its value (None where it could not be evaluated)
    traces: tuple[list[_TraceNode], ...] = ()  # per quantity: its output's trace, a list of `_TraceNode`
    error: Exception | None = None  # what f raised there (then no values and no traces)


class _TraceNode(NamedTuple):
    """One op node of an output's graph, as far as smoothness goes (see `_trace`)."""

    op: str           # its name in OPS
    sides: tuple[int, ...]    # per input and kink: -1, 0 or 1, the side of the kink the input is on
    kinks: tuple[float, ...]  # the op's kinks
    in_domain: bool   # whether its inputs are in the op's domain
    depends: int      # bit j set: the node depends on input j
    poles: tuple[int, ...]    # per input: its sign where the op has no finite value at 0 (1 / x), else 0


def _shifted(what: str, f: Callable[..., Any], xs: list[float], j: int, xj: float, order: int) -> _Shifted:
    """The quantities' values and traces with input j moved to xj, or the exception f raised, as a `_Shifted`."""
    shifted = list(xs)
    shifted[j] = xj
    try:
        _, quantities, traces = _quantities(what, f, shifted, order)
    except DOMAIN_ERRORS as e:
        return _Shifted(error=e)
    return _Shifted(tuple(None if q is None else q.data for q in quantities), tuple(traces))


def _trace(output: Value, leaves: list[Value]) -> list[_TraceNode]:
    """What decides whether `output` is smooth: per op node, its op, its inputs' side of each
    kink, whether its inputs are in the op's domain, and which leaves it depends on (bit j)."""
    depends = {leaf: 1 << j for j, leaf in enumerate(leaves)}
    trace: list[_TraceNode] = []
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
        poles = tuple((x > 0) - (x < 0) if _pole(op, xs, i) else 0 for i, x in enumerate(xs))
        trace.append(_TraceNode(node.op, sides, tuple(op.kinks), op.domain(*xs), mask, poles))
    return trace


def _pole(op: Op, xs: list[float], i: int) -> bool:
    """Whether the op has no finite value where input i is 0 (1 / x, x ** -1, log): a step across 0
    there passes a pole, which the points x - h, x, x + h may all avoid."""
    try:
        return not math.isfinite(op.forward(*(0.0 if k == i else x for k, x in enumerate(xs))))
    except DOMAIN_ERRORS:
        return True


def _smoothness(center: list[_TraceNode], minus: list[_TraceNode] | None, plus: list[_TraceNode] | None,
                j: int | None) -> str | None:
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
            if node.poles != moved.poles:  # 1 / x at x = 1e-8: x - h < 0 < x
                return f"{node.op} has a pole at 0 (no finite value), within the step"
    return None


def _why_not_smooth(q: int, trace: list[_TraceNode], plus: _Shifted, minus: _Shifted, j: int | None) -> str | None:
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


def _value(side: _Shifted, q: int) -> float | None:
    """Quantity q's value on one side of the step (a `_Shifted`); None if f raised there or has no such output."""
    return None if q >= len(side.values) else side.values[q]


def _index(q: int, j: int, n: int, order: int) -> tuple[int, ...]:
    return (q, j) if order == 0 else (q // n, q % n, j)


# --- the report: a fixed-width table that reads well in a terminal and a notebook -------------

def _report(what: str, failures: list[GradcheckFailure], total: int, eps: float | None, atol: float, rtol: float) -> str:
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


def _number(v: float | None) -> str:
    return "-" if v is None else f"{v:.6g}"


# --- checks that need no finite differences ---------------------------------------------------
# Forward and reverse mode read the same stored partials and add the same products along the same
# paths, in two different orders; `create_graph=True` evaluates every rule a second time, on
# Values. `check_modes` compares both pairs, at rounding level. `taylor_test` checks the partials
# themselves against the function's values, through the rate at which a Taylor remainder shrinks.

_EPS = sys.float_info.epsilon
# Below the smallest normal float rounding is absolute (subnormals): added to every scale.
_TINY = sys.float_info.min


class ModesTrial(NamedTuple):
    """One trial of `check_modes`: <v, J u> from forward mode, <Jᵀ v, u> from reverse mode.

    Attributes:
      trial: the trial's number, from 0.
      forward: <v, J u>, with J u from one `jvp` sweep.
      reverse: <Jᵀ v, u>, with Jᵀ v from one `grad` sweep.
      tol: the rounding level they must agree to (see `check_modes`).

    Example:
      >>> ModesTrial(0, 1.0, 1.0 + 2 ** -52, 1e-15).difference
      2.220446049250313e-16
    """

    trial: int
    forward: float
    reverse: float
    tol: float

    @property
    def difference(self) -> float:
        """``|forward - reverse|``.

        Example:
          >>> ModesTrial(1, 2.0, 2.5, 1e-15).difference
          0.5
        """
        return abs(self.forward - self.reverse)


class RuleMismatch(NamedTuple):
    """A derivative d(output)/d(input) that differs between the rules on floats and on Values.

    Attributes:
      output, input: the indices of the pair.
      on_floats: from the partials stored when the graph was built (floats).
      on_values: from ``grad(..., create_graph=True)``, each rule re-evaluated on Values.
      tol: the rounding level they must agree to.

    Example:
      >>> RuleMismatch(0, 1, 3.0, 3.5, 1e-15).difference
      0.5
    """

    output: int
    input: int
    on_floats: float
    on_values: float
    tol: float

    @property
    def difference(self) -> float:
        """``|on_floats - on_values|``.

        Example:
          >>> RuleMismatch(0, 0, 1.0, 1.25, 1e-15).difference
          0.25
        """
        return abs(self.on_floats - self.on_values)


class TaylorStep(NamedTuple):
    """One step h of `taylor_test`: the Taylor remainder there, and the rate from the step before.

    Attributes:
      h: the step along the direction.
      remainder: |f(x + h d) - f(x) - h ∇f·d| (order 1; order 2 also takes ½ h² dᵀHd off), or
        None where f could not be evaluated.
      rate: log(remainder / previous remainder) / log(h / previous h); None for the first step
        used and for steps left out.
      note: why the step is left out (rounding level, f raised), or ``""``.
      extrapolated: the rate of the remainder with its h^(order+1) term taken out, over this step
        and the two before (see `taylor_test`); order + 2 where the derivatives are right. None
        for the first two steps used, and where it is at rounding level.

    Example:
      >>> TaylorStep(0.5, 0.25, 2.0, "")
      TaylorStep(h=0.5, remainder=0.25, rate=2.0, note='', extrapolated=None)
    """

    h: float
    remainder: float | None
    rate: float | None
    note: str = ""
    extrapolated: float | None = None


def check_modes(f: Function, inputs: Numbers, trials: int = 3, seed: int | None = None) -> bool:
    """Check forward mode against reverse mode, and every rule on Values against on floats.

    For random u (one number per input) and v (one per output), ``<v, J u>`` from forward mode
    (`autograd.jvp`) must equal ``<Jᵀ v, u>`` from reverse mode (`autograd.grad`); and every
    derivative d(output)/d(input) that ``grad(..., create_graph=True)`` builds (each op's rule
    re-evaluated on Values) must equal the one from the partials stored as floats. Both sides are
    exact, so the tolerance is rounding: ``4 eps × (nodes in the graph) × Σ_paths |v| |Π partials| |u|``
    (plus the smallest normal float, where rounding of subnormals is absolute),
    the worst-case error of the two sums; an infinite or NaN derivative (sqrt at 0) agrees when
    both sides give the same. It checks the engine's machinery (two accumulation
    orders, two evaluations of every rule) and catches a rule that says one thing on floats and
    another on Values. It cannot catch a partial that is wrong in both, since forward and reverse
    mode read the same stored partial: `taylor_test` (or `gradcheck`) checks that.

    Args:
      f: a function of one Value per input, returning a Value or a list/tuple of Values.
      inputs: the point: a number or a sequence of numbers.
      trials: how many random pairs (u, v) (an int >= 1).
      seed: the seed of the random pairs; None is seed 0, so a run is repeatable.

    Returns:
      True.

    Raises:
      GradcheckError: with a table of the trials (trial, <v, J u>, <Jᵀ v, u>, difference, tol)
        and of every (output, input) pair whose two evaluations disagree; its ``failures`` are
        the failing rows, `ModesTrial` and `RuleMismatch`.

    Example:
      >>> from autograd import OPS, GradcheckError, Op, Value, check_modes, register_op
      >>> check_modes(lambda x, y: [(x * y).tanh(), x.exp() / y], [0.5, -1.5])
      True
      >>> # a rule whose Value branch drifts from its float branch: d/dx x**2 is 2x, not 2x + 1
      >>> sq = register_op("square_example", Op(lambda x: x * x,
      ...     lambda x, out: (2 * x + 1 if isinstance(x, Value) else 2 * x,)))
      >>> try:
      ...     check_modes(lambda x: x.square_example(), [3.0])
      ... except GradcheckError as e:
      ...     print(e.failures[-1].on_floats, e.failures[-1].on_values)
      6.0 7.0
      >>> del OPS["square_example"]; del Value.square_example
    """
    what = "check_modes"
    call = _call(what, f, inputs)
    positive_int(trials, what, "trials")
    rng = random.Random(random_seed(seed, what) or 0)
    leaves, outputs = call.leaves, call.outputs
    order = topological_order(*outputs)
    rounding = 4 * _EPS * len(order)
    sizes = [_path_sizes(order, leaf, outputs) for leaf in leaves]  # sizes[j][k]: Σ_paths |Π partials|
    trial_rows: list[ModesTrial]
    failures: list[ModesTrial | RuleMismatch]
    trial_rows, failures = [], []
    for trial in range(trials):
        u = [rng.gauss(0.0, 1.0) for _ in leaves]
        v = [rng.gauss(0.0, 1.0) for _ in outputs]
        forward = _fsum(vk * t for vk, t in zip(v, jvp(outputs, leaves, u)))
        reverse = _fsum(g * uj for g, uj in zip(grad(outputs, leaves, v), u))
        scale = _fsum(abs(vk * uj) * sizes[j][k] for j, uj in enumerate(u) for k, vk in enumerate(v))
        row = ModesTrial(trial, forward, reverse, rounding * (scale + _TINY))
        trial_rows.append(row)
        if not _agree(forward, reverse, row.tol):
            failures.append(row)
    for k, out in enumerate(outputs):
        on_floats = grad(out, leaves)
        on_values = grad(out, leaves, create_graph=True)
        for j, (a, b) in enumerate(zip(on_floats, on_values)):
            row = RuleMismatch(k, j, a, b.data, rounding * (sizes[j][k] + _TINY))
            if not _agree(a, b.data, row.tol):
                failures.append(row)
    if failures:
        raise GradcheckError(_modes_report(trial_rows, failures, len(outputs) * len(leaves)), failures)
    return True


def _agree(a: float, b: float, tol: float) -> bool:
    # Equal to rounding; or the same infinity, or NaN on both sides (sqrt at 0: an infinite
    # partial, times 0 on another path), which both modes reach by the same rules.
    return abs(a - b) <= tol or a == b or (math.isnan(a) and math.isnan(b))


def _fsum(terms: Iterable[float]) -> float:
    # math.fsum (exact), except where it raises: on inf + -inf, where IEEE addition gives the NaN
    # that the checks then report, and on an overflow on the way, where it gives inf.
    terms = list(terms)
    try:
        return math.fsum(terms)
    except (ValueError, OverflowError):
        return sum(terms)


def _path_sizes(order: list[Value], leaf: Value, outputs: list[Value]) -> list[float]:
    """For each output, Σ over the paths from `leaf` of |Π partials|: the scale of rounding errors
    in the derivative's sum (an `autograd.jvp` sweep on |partials|)."""
    size = {leaf: 1.0}
    for node in order:
        total, reached = 0.0, False
        for p, d in ((node._p0, node._d0), (node._p1, node._d1)):
            if p is not None and p in size:
                total += abs(d) * size[p]
                reached = True
        if reached:
            size[node] = total  # each node once, after its parents (the leaf has none)
    return [size.get(out, 0.0) for out in outputs]


def _modes_report(trial_rows: list[ModesTrial], failures: list[ModesTrial | RuleMismatch], pairs: int) -> str:
    modes = [row for row in failures if isinstance(row, ModesTrial)]
    rules = [row for row in failures if isinstance(row, RuleMismatch)]
    lines = [
        (f"check_modes: forward and reverse mode disagree beyond rounding in {len(modes)} of {len(trial_rows)} "
         f"trials, and {len(rules)} of {pairs} derivatives d(out)/d(in) differ between the rules evaluated on "
         f"floats and on Values (create_graph=True)."),
        ("Both sides are exact, so they must agree to rounding: tol = 4 eps × (nodes) × Σ_paths |v| |Π partials| |u|. "
         "(A partial wrong on floats and on Values alike is not caught here: use taylor_test or gradcheck.)"),
        "".join(f"{c:>15}" for c in ("trial", "<v, J u>", "<J^T v, u>", "difference", "tol")),
    ]
    for row in trial_rows:
        cells = [f"{row.trial:>15}"] + [f"{_number(x):>15}" for x in (row.forward, row.reverse, row.difference, row.tol)]
        lines.append("".join(cells) + ("  <- disagree" if row in modes else ""))
    if rules:
        lines.append("".join(f"{c:>15}" for c in ("out", "in", "on floats", "on Values", "difference", "tol")))
        for row in rules:
            lines.append(f"{row.output:>15}{row.input:>15}" +
                         "".join(f"{_number(x):>15}" for x in (row.on_floats, row.on_values, row.difference, row.tol)))
    return "\n".join(lines)


def taylor_test(f: Function, inputs: Numbers, direction: Numbers | None = None, order: int = 1,
                seed: int | None = None) -> list[float]:
    """Check the derivatives of `f` by the rate at which its Taylor remainder shrinks.

    Along a direction d, the remainder ``r(h) = |f(x + h d) - f(x) - h ∇f·d|`` (order 1) shrinks
    like h² when ∇f is right and only like h when it is wrong; with ``- ½ h² dᵀHd`` taken off too
    (order 2), like h³ when the Hessian is right as well. h shrinks 4x a step from
    ``0.1 max(1, |x|) / |d|`` until the remainder reaches rounding level (a bound from every
    node's value and its gradient), where the steps stop. (An input far smaller than that, as
    log's at 1e-20, would never be reached: h starts at a tenth of its size first, and that run
    decides unless rounding leaves it fewer than two rates; then the usual run decides, unless
    it is still far above rounding after its 30 steps, short of the tiny input's scale: no
    verdict.) Two checks, each on the last two
    rates before rounding (two, as the remainder may cross zero in between), the larger counting:

    - The remainder's rate, which fails below ``order + 0.5``: unless rounding took over after a
      single rate or while the rate was still climbing past ``order`` (f so flat at x that its
      Taylor terms barely clear rounding: a wrong derivative's rate never climbs past ``order``);
      where it falls from far above rounding level to below it in one step (a piecewise-linear f
      once the step no longer straddles a kink), the least rate that fall implies counts.
    - A slight error b shows in r only once b h^order outgrows the right h^(order+1) term, at
      h ~ b: for a Hessian off by 0.01%, often below rounding. So the signed remainders are also
      combined as Richardson's ``t(h) = (4^(k+1) r(h/4) - r(h)) / (4^(k+1) - 1)`` (k = order),
      which cancels the h^(k+1) term: t shrinks at rate k + 2 when the derivatives are right and at
      rate k when one is wrong, from h ~ sqrt(b) on; below ``order + 1`` it fails.

    Nothing to tune: a wrong derivative shows as rate ``order`` (1 for a first derivative). A
    function of several outputs is tested on a random weighting of them; a remainder at rounding
    level from the start (a linear `f`) leaves no rates, and passes.

    Args:
      f: a function of one Value per input, returning a Value or a list/tuple of Values.
      inputs: the point x: a number or a sequence of numbers.
      direction: d, one number per input (not all zero); default random.
      order: 1 (checks ∇f) or 2 (checks ∇f and the Hessian).
      seed: the seed of the random direction and weighting; None is seed 0, so a run is repeatable.

    Returns:
      The observed rates, one per step after the first used (a list of floats, largest h first):
      close to ``order + 1``.

    Raises:
      GradcheckError: with the table of h, remainder and rate; its ``failures`` are the
        `TaylorStep` rows.

    Example:
      >>> from autograd import GradcheckError, Value, taylor_test
      >>> rates = taylor_test(lambda x, y: (x * y).sin() + y.exp(), [0.5, -1.5])
      >>> round(rates[-1], 2)
      2.0
      >>> try:   # d/da of a * a is 2a: Value(a.data) hides one factor, so the slope is off
      ...     taylor_test(lambda a: a * Value(a.data), [1.5])
      ... except GradcheckError as e:
      ...     print(str(e).splitlines()[0])
      taylor_test: the remainder shrinks at rate 1.00 as h shrinks, not 2 (order + 1): a first derivative of f is wrong.
    """
    what = "taylor_test"
    number_in(order, what, "order", "1 or 2", lambda n: is_int(n) and n in (1, 2))
    call = _call(what, f, inputs)
    leaves, outputs = call.leaves, call.outputs
    xs = [leaf.data for leaf in leaves]
    rng = random.Random(random_seed(seed, what) or 0)
    if direction is None:
        d = [rng.gauss(0.0, 1.0) for _ in xs]
    else:
        d = _vector(what, "direction", direction, len(xs), "input")
        if not any(d):
            raise ValueError(f"{what}: direction must not be all zeros (f would not move), got {direction!r}")
    w = [1.0] if len(outputs) == 1 else [rng.gauss(0.0, 1.0) for _ in outputs]
    slope = _fsum(wk * t for wk, t in zip(w, jvp(outputs, leaves, d)))
    curvature = 0.0
    if order == 2:  # dᵀHd, forward over reverse
        gradient = grad(outputs, leaves, w, create_graph=True)
        curvature = _fsum(dj * t for dj, t in zip(d, jvp(gradient, leaves, d)))
    model = _Model(f, xs, d, w, _fsum(wk * out.data for wk, out in zip(w, outputs)), slope, curvature,
                   _rounding(outputs, w), order, len(outputs))
    h = 0.1 * max(1.0, *map(abs, xs)) / max(map(abs, d))
    # An input far smaller than that (log at 1e-20) is never reached in 30 steps: h starts at its
    # size first, and that run decides if it judges at all (two rates); if rounding leaves it no
    # rates (f's own scale is larger: (x + 5) ** 3 at x = 1e-252), the run from `h` decides,
    # unless it too ends undecided: 30 steps and still far above rounding, h never came down to
    # the tiny input's scale (sqrt(p) + exp(q) at p = 1e-20, whose terms there sink below exp's
    # rounding): then no verdict.
    tiny = min((abs(x / dj) for x, dj in zip(xs, d) if x and dj), default=h)
    starts = ([0.1 * tiny] if tiny < 1e-6 * h else []) + [h]
    for start in starts:
        steps, rates, failure = _taylor_run(model, start)
        if len(rates) >= 2:
            break
    if failure is not None and not (len(starts) == 2 and start == h and not steps[-1].note):
        raise failure
    return rates


class _Model(NamedTuple):
    """What `taylor_test` compares f with along d: f(x) and its Taylor terms, weighted by w."""

    f: Callable[..., Any]
    xs: list[float]
    d: list[float]
    w: list[float]
    f0: float
    slope: float      # ∇f·d
    curvature: float  # dᵀHd (order 2), else 0.0
    noise: float      # a bound on the rounding error of f0
    order: int
    outputs: int


def _taylor_run(model: _Model, h: float) -> tuple[list[TaylorStep], list[float], GradcheckError | None]:
    """The steps from h down (4x a step) until rounding takes over; their rates; and the error
    saying a derivative is wrong, or None."""
    order = model.order
    steps: list[TaylorStep] = []
    signed: list[tuple[float, float]] = []  # per step used: the remainder with its sign, and its rounding level
    vanished = None
    for _ in range(30):  # h shrinks 4x a step: 1e-19 of its start at the end
        step, vanished, remainder = _taylor_step(model, h, steps)
        if remainder is not None:
            signed.append(remainder)
            step = step._replace(extrapolated=_extrapolated_rate(signed, order))
        steps.append(step)
        if step.note and any(s.remainder is not None and not s.note for s in steps):
            break  # rounding took over, or f stopped being defined: no smaller h is used
        h /= 4
    rates = [s.rate for s in steps if s.rate is not None]
    # The last rates before rounding are the asymptotic ones. Two, because where the terms of the
    # remainder cancel (it crosses zero) the rate before is too high and the one after too low.
    # A remainder that falls from far above rounding level to below it in one step (a
    # piecewise-linear f once the step no longer straddles a kink) converged at least that fast.
    observed = max(rates[-2:], default=None)
    kink = vanished is not None and vanished >= order + 0.5 and not (observed is not None and observed >= order + 0.5)
    if kink:
        observed = vanished
    if observed is not None and not observed >= order + 0.5 and _settled(rates, order):
        return steps, rates, GradcheckError(_taylor_report(steps, observed, order, model.outputs), steps)
    # The same remainder with its h^(order+1) term taken out: a slight error shows there long
    # before it outgrows that term in the remainder itself, which may never happen above rounding.
    # Again the larger of the last two rates, past a zero crossing; not where the fall to
    # rounding was what passed (the rates before it described a kink being straddled).
    extrapolated = [s.extrapolated for s in steps if s.extrapolated is not None]
    if not kink and len(extrapolated) >= 2 and not max(extrapolated[-2:]) >= order + 1:
        report = _taylor_report(steps, max(extrapolated[-2:]), order, model.outputs, True)
        return steps, rates, GradcheckError(report, steps)
    return steps, rates, None


def _extrapolated_rate(signed: list[tuple[float, float]], order: int) -> float | None:
    """The rate of the remainder with its h^(order+1) term taken out, over the last three steps used, or None.

    Where the derivatives are right, r(h) = C h^(k+1) + D h^(k+2) + ... (k = order); where one is
    wrong, b h^k comes first. Richardson's t(h) = (4^(k+1) r(h/4) - r(h)) / (4^(k+1) - 1), from the
    signed remainders, cancels C h^(k+1): t = b h^k + O(h^(k+2)), which shrinks at rate k + 2 when
    b = 0 and at rate k otherwise, from h ~ sqrt(b) on (in r, b h^k outgrows C h^(k+1) only from
    h ~ b on, often below rounding: a Hessian off by 0.01% at x = 0.1). None while either t is
    within its rounding level (the remainders' levels, weighted as t weighs them).
    """
    if len(signed) < 3:
        return None
    weight = 4.0 ** (order + 1)
    (r0, e0), (r1, e1), (r2, e2) = signed[-3:]
    t0, t1 = (weight * r1 - r0) / (weight - 1), (weight * r2 - r1) / (weight - 1)
    if not (abs(t0) > (weight * e1 + e0) / (weight - 1) and abs(t1) > (weight * e2 + e1) / (weight - 1)):
        return None
    return math.log(abs(t0) / abs(t1)) / math.log(4.0)


def _settled(rates: list[float], order: int) -> bool:
    """Whether low rates say that a derivative is wrong: not when rounding took over after a single
    rate, or while the rate was still climbing past `order` (f so flat at x that its Taylor terms
    barely stood clear of rounding: the h^(order+1) term had not yet taken over). A wrong
    derivative's rate never climbs past `order` as h shrinks: it falls to `order`, or, past a
    zero of the remainder, rises to it from below; and it shows over many steps unless the error
    itself is at rounding level."""
    return len(rates) >= 2 and not (rates[-1] > order + 0.2 and rates[-1] > rates[-2] + 0.2)


def _taylor_step(model: _Model, h: float, steps: list[TaylorStep]) -> tuple[TaylorStep, float | None, tuple[float, float] | None]:
    """(the step: the remainder at h, with the rate from the previous step used, or why h is left
    out; the least rate at which the remainder fell to rounding level from the step before, or None;
    the remainder with its sign and its rounding level, where the step is used, else None)."""
    try:
        result = model.f(*(Value(x + h * dj) for x, dj in zip(model.xs, model.d)))
        outs = [result] if isinstance(result, Value) else list(result)
        value = _fsum(wk * out.data for wk, out in zip(model.w, outs, strict=True))
        noise_h = _rounding(outs, model.w)  # at x + h d: intermediate values may grow with h
    except DOMAIN_ERRORS as e:
        return TaylorStep(h, None, None, f"left out: f raised {type(e).__name__}: {e}"), None, None
    taylor = h * model.slope + 0.5 * h * h * model.curvature
    difference = value - model.f0 - taylor
    remainder = abs(difference)
    floor = 10 * (model.noise + noise_h + _EPS * (abs(value) + abs(model.f0) + abs(taylor)))  # the noises are bounds
    previous = steps[-1] if steps and not steps[-1].note else None
    if not remainder > floor:  # also NaN
        if previous is None:
            return TaylorStep(h, remainder, None, "left out: rounding level"), None, None
        least = math.log(floor / previous.remainder) / math.log(h / previous.h) if floor else math.inf  # type: ignore[operator]
        return TaylorStep(h, remainder, None, f"left out: rounding level, reached at a rate >= {least:.3g}"), least, None
    if previous is None:
        return TaylorStep(h, remainder, None), None, (difference, floor)
    # (`previous` has no note, so it has a remainder)
    rate = math.log(remainder / previous.remainder) / math.log(h / previous.h)  # type: ignore[operator]
    return TaylorStep(h, remainder, rate), None, (difference, floor)


def _rounding(outputs: list[Value], w: list[float]) -> float:
    """A bound on the rounding error of one evaluation of the weighted outputs: every node's value
    is off by up to eps |value|, which reaches the result times that node's gradient."""
    nodes = [v for v in topological_order(*outputs) if v.op != "const"]  # a number the engine wrapped is exact
    return _EPS * _fsum(abs(g * v.data) for g, v in zip(grad(outputs, nodes, w), nodes))


def _taylor_report(steps: list[TaylorStep], observed: float, order: int, outputs: int, extrapolated: bool = False) -> str:
    derivative = "a first derivative" if order == 1 else "a first or second derivative"
    if extrapolated:
        head = (f"taylor_test: with its h^{order + 1} term taken out, the remainder shrinks at rate {observed:.2f} as h "
                f"shrinks, not {order + 2} (order + 2): {derivative} of f is wrong.")
        rule = (f"; with its h^{order + 1} term taken out (t(h) = (4^{order + 1} r(h/4) - r(h)) / (4^{order + 1} - 1), "
                f"signed), it shrinks at rate order + 2 where the derivatives are right, order where one is wrong: "
                f"the larger of the last two rates before rounding must be >= order + 1.")
    else:
        head = (f"taylor_test: the remainder shrinks at rate {observed:.2f} as h shrinks, not {order + 1} (order + 1): "
                f"{derivative} of f is wrong.")
        rule = "; the rate is the larger of the last two before rounding takes over, and must be >= order + 0.5."
    lines = [
        head,
        ("The remainder is r(h) = |f(x + h d) - f(x) - h ∇f·d" + (" - ½ h² dᵀHd|" if order == 2 else "|") + rule +
         (f" f has {outputs} outputs: tested on a random weighting of them." if outputs > 1 else "")),
        "".join(f"{c:>14}" for c in ("h", "remainder", "rate", f"rate, h^{order + 1} out")) + "  note",
    ]
    for s in steps:
        lines.append("".join(f"{_number(x):>14}" for x in (s.h, s.remainder, s.rate, s.extrapolated)) +
                     ("  " + s.note if s.note else ""))
    return "\n".join(lines)
