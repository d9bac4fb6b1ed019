"""Hypothesis strategies for random scalar expression DAGs built from the op table `OPS`.

`exprs()` draws an `Expr`: input values, then steps that each apply an op of `OPS` to earlier
nodes, reusing nodes so that sub-expressions are shared. Call it with Values to build the
engine's graph, or `Expr.evaluate` it with any other arithmetic: floats (`apply_float`), or
torch tensors in a cross-check. Every step is drawn inside its op's domain (``Op.domain``), away
from its kinks (``Op.kinks``) and domain edges, with bounded values and derivatives, so that
evaluating never raises and finite differences (`autograd.gradcheck`) are meaningful. `OPS` is
read when an example is drawn: an op added to the table is drawn and tested with no change here.

Needs hypothesis (``pip install hypothesis``); ``import autograd`` does not import this module.

Example:
  >>> from hypothesis import given
  >>> from autograd import gradcheck
  >>> from autograd.strategies import exprs
  >>> @given(exprs())
  ... def test_first_derivatives(expr):
  ...     assert gradcheck(expr, expr.inputs)
  >>> test_first_derivatives()
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as e:  # a testing helper: hypothesis is not a dependency of the engine
    raise ImportError("autograd.strategies needs hypothesis: pip install hypothesis") from e

from autograd._checks import DOMAIN_ERRORS, nonnegative, positive, positive_int
from autograd.engine import OPS
from autograd.expr import _NUMBER_OPERAND, Expr, _one_step, apply_float, apply_value  # re-exported: Expr needs no hypothesis

if TYPE_CHECKING:
    from autograd.expr import Step

__all__ = ["Expr", "apply_float", "apply_value", "exprs", "op_exprs", "op_inputs"]

_EXPONENTS = (2.0, 3.0, -1.0, 0.5, -2.0, 1.5, -0.5)
_INPUTS = st.floats(-4.0, 4.0)


def exprs(*, ops: str | Iterable[str] | None = None, max_inputs: int = 3, max_steps: int = 6,
          inputs: st.SearchStrategy[float] | None = None, bound: float = 1e3, margin: float = 1e-3) -> st.SearchStrategy[Expr]:
    """A strategy for random expression DAGs (`Expr`) over the op table, with shared nodes.

    Each step applies an op to earlier nodes (any of them, so nodes are reused); a step is only
    drawn where the op is smooth with room to spare: its operands are in ``Op.domain`` over a
    margin around them and at least that margin from ``Op.kinks``, and its value, its partial
    derivatives and the derivatives of the node with respect to every input are at most `bound`
    in magnitude. The margin scales with how fast the operand moves with the inputs, so the
    steps of `autograd.gradcheck` (~6e-6 relative) never reach a kink or an edge. Steps that no
    later step uses are finally added into the output (when ``+`` may be drawn), so that every op
    drawn matters. Shrinks towards one input, few steps, round values and the table's first ops.

    Args:
      ops: names of the ops to draw from; default every op in `OPS` when the example is drawn.
      max_inputs: at most this many inputs (at least one).
      max_steps: at most this many drawn steps (at least one), before the final additions.
      inputs: a strategy for input values; default floats in [-4, 4].
      bound: the largest magnitude of a value, a partial derivative or a node's derivative.
      margin: the relative distance kept from kinks and domain edges.

    Returns:
      A hypothesis strategy of `Expr`.

    Example:
      >>> from hypothesis import given
      >>> @given(exprs(ops=["+", "*", "tanh"]))
      ... def test_value_matches_floats(expr):
      ...     assert expr(*expr.inputs).data == expr.evaluate(apply_float)
      >>> test_value_matches_floats()
    """
    names = None if ops is None else _op_names("exprs", ops)
    for name, value in (("max_inputs", max_inputs), ("max_steps", max_steps)):
        positive_int(value, "exprs", name, error=InvalidArgument)
    return _exprs(names, max_inputs, max_steps, _input_strategy("exprs", inputs), *_limits("exprs", bound, margin))


def op_inputs(name: str, *, inputs: st.SearchStrategy[float] | None = None, bound: float = 1e3,
              margin: float = 1e-3) -> st.SearchStrategy[tuple[float, ...]]:
    """A strategy for operands of one op: inside its domain, away from its kinks and edges.

    The same rules as `exprs` for one step on inputs: values, partials within `bound`; the
    exponent of ``**`` is drawn from a few numbers (2, 3, -1, 0.5, ...).

    Args:
      name: a key of `OPS`.
      inputs: a strategy for each operand; default floats in [-4, 4].
      bound: the largest magnitude of the op's value and partial derivatives.
      margin: the relative distance kept from kinks and domain edges.

    Returns:
      A hypothesis strategy of tuples of floats, one per operand of the op.

    Example:
      >>> from hypothesis import given
      >>> @given(op_inputs("log"))
      ... def test_log_inverts_exp(xs):
      ...     assert math.isclose(math.exp(apply_float("log", *xs)), xs[0])
      >>> test_log_inverts_exp()
    """
    (name,) = _op_names("op_inputs", [name])
    bound, margin = _limits("op_inputs", bound, margin)
    values, number = _input_strategy("op_inputs", inputs), _NUMBER_OPERAND.get(name)
    operands = [st.sampled_from(_EXPONENTS) if p == number else values for p in range(OPS[name].arity)]

    def smooth(xs: tuple[float, ...]) -> bool:
        refs, args = _one_step(name, xs)
        return _step_at(name, args, refs, _unit_rows(len(refs)), _scales(refs), bound, margin) is not None

    return st.tuples(*operands).filter(smooth)


def op_exprs(name: str, *, inputs: st.SearchStrategy[float] | None = None, bound: float = 1e3,
             margin: float = 1e-3) -> st.SearchStrategy[Expr]:
    """A strategy for `Expr` applying one op to fresh inputs drawn by `op_inputs`.

    Args:
      name: a key of `OPS`.
      inputs, bound, margin: as for `op_inputs`.

    Returns:
      A hypothesis strategy of `Expr` with one step, such as ``x0 = 1.5; v1 = x0 ** 2.0 -> v1``.

    Example:
      >>> from hypothesis import given
      >>> from autograd import gradcheck
      >>> @given(op_exprs("/"))
      ... def test_division(expr):
      ...     assert gradcheck(expr, expr.inputs)
      >>> test_division()
    """
    def single(xs: tuple[float, ...]) -> Expr:
        refs, args = _one_step(name, xs)
        return Expr(refs, [(name, args)])

    return op_inputs(name, inputs=inputs, bound=bound, margin=margin).map(single)


# --- drawing ----------------------------------------------------------------------------------

@st.composite
def _exprs(draw: st.DrawFn, names: list[str] | None, max_inputs: int, max_steps: int, input_values: st.SearchStrategy[float],
           bound: float, margin: float) -> Expr:
    names = list(OPS) if names is None else names  # read now, so an op added to OPS is drawn
    xs = draw(st.lists(input_values, min_size=1, max_size=max_inputs))
    values, jacs, scales = list(xs), _unit_rows(len(xs)), _scales(xs)
    steps: list[Step] = []

    def add(name: str, args: tuple[float, ...], value: float, jac: tuple[float, ...]) -> None:
        steps.append((name, args))
        values.append(value)
        jacs.append(jac)

    # Each step is drawn as a recipe (op, which operands, exponent) that does not depend on the
    # steps before it, so that the steps are a plain list, which hypothesis shrinks best
    # (deleting any step, simplifying each). The recipe is then read against the nodes so far:
    # the op, applied to the `pick`-th operands where it is smooth; if there are none, the next
    # op of the table. No example is rejected, and the op drawn stays the op taken while the
    # shrinker simplifies the numbers.
    recipe = st.tuples(st.integers(0, len(names) - 1), st.integers(0, 2**16), st.sampled_from(_EXPONENTS))
    for start, pick, exponent in draw(st.lists(recipe, min_size=1, max_size=max_steps)):
        for name in names[start:] + names[:start]:
            smooth = _smooth_operands(name, exponent, values, jacs, scales, bound, margin)
            if smooth:
                add(name, *smooth[pick % len(smooth)])
                break
    if "+" in names:
        used = {a for name, args in steps for p, a in enumerate(args) if p != _NUMBER_OPERAND.get(name)}
        for node in range(len(xs), len(values) - 1):
            if node not in used:
                args = (len(values) - 1, node)
                done = _step_at("+", args, values, jacs, scales, bound, margin)
                if done is not None:
                    add("+", args, *done)
    return Expr(xs, steps)


def _smooth_operands(name: str, exponent: float, values: list[float], jacs: list[tuple[float, ...]], scales: list[float],
                     bound: float, margin: float) -> list[tuple[tuple[Any, ...], float, tuple[float, ...]]]:
    """Every (args, value, derivatives) with which OPS[name] is smooth on the nodes so far."""
    number, arity = _NUMBER_OPERAND.get(name), OPS[name].arity
    smooth: list[tuple[tuple[Any, ...], float, tuple[float, ...]]] = []
    for nodes in itertools.product(range(len(values)), repeat=arity - (number is not None)):
        nodes = iter(nodes)
        args = tuple(exponent if p == number else next(nodes) for p in range(arity))
        done = _step_at(name, args, values, jacs, scales, bound, margin)
        if done is not None:
            smooth.append((args, *done))
    return smooth


def _step_at(name: str, args: tuple[Any, ...], values: Sequence[float], jacs: Sequence[tuple[float, ...]], scales: list[float],
             bound: float, margin: float) -> tuple[float, tuple[float, ...]] | None:
    number = _NUMBER_OPERAND.get(name)
    xs = [a if p == number else values[a] for p, a in enumerate(args)]
    rows = [None if p == number else jacs[a] for p, a in enumerate(args)]
    return _step(name, xs, rows, scales, bound, margin)


def _step(name: str, xs: list[float], jacs: list[tuple[float, ...] | None], scales: list[float], bound: float,
          margin: float) -> tuple[float, tuple[float, ...]] | None:
    """(value, derivatives w.r.t. the inputs) of OPS[name] at operands xs, or None if not safe.

    `jacs` holds each operand's derivatives with respect to the inputs (None for a number
    operand), `scales` each input's max(1, |x|): the finite-difference step is relative to it.
    """
    op = OPS[name]
    # How far an operand must stay from a kink or a domain edge: `margin` relative to its own
    # size and to how far it moves when an input moves by `margin` of its scale.
    reach = [0.0 if jac is None else margin * max(1.0, abs(x), *(abs(d) * s for d, s in zip(jac, scales)))
             for x, jac in zip(xs, jacs)]
    if any(abs(x - k) <= r for x, r in zip(xs, reach) if r for k in op.kinks):
        return None
    corners = itertools.product(*((x - r, x, x + r) if r else (x,) for x, r in zip(xs, reach)))
    try:
        if not all(op.domain(*c) for c in corners):
            return None
        value = op.forward(*xs)
        partials = op.partials(*xs, value)
    except DOMAIN_ERRORS:
        return None
    if not all(math.isfinite(v) and abs(v) <= bound for v in (value, *partials)):
        return None
    jac = tuple(sum(p * row[i] for p, row in zip(partials, jacs) if row is not None) for i in range(len(scales)))
    if not all(abs(d) <= bound for d in jac):
        return None
    return value, jac


# --- checking arguments -----------------------------------------------------------------------

def _unit_rows(n: int) -> list[tuple[float, ...]]:
    return [tuple(float(i == j) for j in range(n)) for i in range(n)]


def _scales(xs: Sequence[float]) -> list[float]:
    return [max(1.0, abs(x)) for x in xs]


def _op_names(what: str, ops: str | Iterable[str]) -> list[str]:
    names = [ops] if isinstance(ops, str) else list(ops)
    unknown = [n for n in names if n not in OPS]
    if unknown:
        raise InvalidArgument(f"{what}: unknown op(s) {unknown}; the ops in OPS are {list(OPS)}")
    if not names:
        raise InvalidArgument(f"{what}: ops must name at least one op of OPS")
    return names


def _input_strategy(what: str, inputs: object) -> st.SearchStrategy[float]:
    if inputs is None:
        return _INPUTS
    if not isinstance(inputs, st.SearchStrategy):
        raise InvalidArgument(f"{what}: inputs must be a hypothesis strategy of numbers, "
                              f"got {type(inputs).__name__}: {inputs!r}")
    return inputs


def _limits(who: str, bound: float, margin: float) -> tuple[float, float]:
    return positive(bound, who, "bound", InvalidArgument), nonnegative(margin, who, "margin", InvalidArgument)
