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
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as e:  # a testing helper: hypothesis is not a dependency of the engine
    raise ImportError("autograd.strategies needs hypothesis: pip install hypothesis") from e

from autograd._checks import DOMAIN_ERRORS, finite, is_int, nonnegative, positive, positive_int
from autograd.engine import OPS, Value

if TYPE_CHECKING:
    # One step of an Expr: (op name, args), each arg a node's number (or the exponent of "**").
    Step = tuple[str, tuple[Any, ...]]

__all__ = ["Expr", "apply_float", "apply_value", "exprs", "op_exprs", "op_inputs"]

# How a user writes each op on Values; any other op is the Value method named like it (x.tanh()).
_OPERATORS: dict[str, Callable[..., Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
              "**": operator.pow, "pow": operator.pow, "neg": operator.neg}
_INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**", "pow": "**"}
# The exponent of `x ** 2` is a number, not a node (a Value exponent is the op "pow").
_NUMBER_OPERAND = {"**": 1}
_EXPONENTS = (2.0, 3.0, -1.0, 0.5, -2.0, 1.5, -0.5)
_INPUTS = st.floats(-4.0, 4.0)


def apply_value(name: str, *args: Any) -> Any:
    """Apply the op `name` of `OPS` to Values as a user writes it: an operator or a method.

    ``+ - * / **`` and ``pow`` (a Value exponent) are operators, ``neg`` is unary minus; any other
    op is the Value method named like the op (``tanh`` is ``x.tanh()``).

    Args:
      name: a key of `OPS`.
      *args: the operands: Values (numbers where the op takes one, as the exponent of ``**``).

    Returns:
      The resulting Value, a node of the graph.

    Example:
      >>> apply_value("tanh", Value(0.0)).data, apply_value("**", Value(3.0), 2.0).data
      (0.0, 9.0)
    """
    if name in _OPERATORS:
        return _OPERATORS[name](*args)
    method = getattr(args[0], name, None)
    if method is None:
        raise TypeError(f"apply_value: op {name!r} is in OPS, but {type(args[0]).__name__} has no operator or method "
                        f"{name!r} to apply it; add a Value method named {name!r} or evaluate with another apply")
    return method(*args[1:])


def apply_float(name: str, *args: float) -> float:
    """Apply the op `name` of `OPS` to floats: its forward, exactly what a Value computes.

    Args:
      name: a key of `OPS`.
      *args: the operands (numbers).

    Returns:
      A float.

    Example:
      >>> apply_float("*", 1.5, 2.0), apply_float("exp", 0.0)
      (3.0, 1.0)
    """
    return OPS[name].forward(*(float(a) for a in args))


class Expr:
    """A scalar expression DAG: input values, and steps that each apply an op to earlier nodes.

    Nodes are numbered inputs first (x0, x1, ...), then steps (continuing the count: v2, v3, ...);
    the last node is the output. A step is ``(op name, args)``: each arg is the number of an
    earlier node, except the exponent of ``"**"``, which is a number. Several steps may use one
    node (a shared sub-expression), and one step may use a node twice (``x0 * x0``). The `repr`
    is the program, so a failing example hypothesis prints can be read and re-run.

    Args:
      inputs: the input values (finite numbers); at least one.
      steps: a sequence of ``(op name, args)``, as above.

    Example:
      >>> e = Expr([0.5, 1.25], [("tanh", (0,)), ("*", (2, 1)), ("+", (3, 2))])
      >>> e
      x0 = 0.5; x1 = 1.25; v2 = tanh(x0); v3 = v2 * x1; v4 = v3 + v2 -> v4
      >>> xs = e.leaves()
      >>> out = e(*xs)               # the engine's graph
      >>> out.backward()
      >>> out.data == e.evaluate(apply_float), xs[1].grad == math.tanh(0.5)
      (True, True)
    """

    __slots__ = ("inputs", "steps")
    inputs: tuple[float, ...]
    steps: tuple[Step, ...]

    def __init__(self, inputs: Iterable[float], steps: Iterable[Step]) -> None:
        self.inputs = tuple(finite(x, "Expr", "input") for x in inputs)
        if not self.inputs:
            raise ValueError("Expr: needs at least one input")
        self.steps = tuple(_checked_step(len(self.inputs) + k, step) for k, step in enumerate(steps))

    def __call__(self, *xs: Value | float) -> Value:
        """Build the engine's graph: one Value per input (a number is wrapped as a leaf).

        Example:
          >>> e = Expr([2.0], [("exp", (0,))])
          >>> e(Value(0.0)).data, e(2.0).parents[0].label
          (1.0, 'x0')
        """
        if len(xs) != len(self.inputs):
            raise TypeError(f"Expr: takes one Value per input ({len(self.inputs)}), got {len(xs)}")
        out: Value = self.evaluate(apply_value, [x if isinstance(x, Value) else Value(x, label=f"x{i}")
                                                 for i, x in enumerate(xs)])
        return out

    def evaluate(self, apply: Callable[..., Any] = apply_float, inputs: Sequence[Any] | None = None) -> Any:
        """Evaluate with any arithmetic: ``apply(op name, *operands)`` computes one step.

        Args:
          apply: a function ``(name, *operands) -> node``, e.g. `apply_float`, `apply_value`,
            or one mapping op names to torch functions.
          inputs: the input nodes; default the input values (floats).

        Returns:
          The output node.

        Example:
          >>> Expr([3.0], [("*", (0, 0))]).evaluate(lambda name, a, b: f"({a} {name} {b})", ["x"])
          '(x * x)'
        """
        nodes = list(self.inputs if inputs is None else inputs)
        if len(nodes) != len(self.inputs):
            raise ValueError(f"Expr.evaluate: needs one input per input of the expression ({len(self.inputs)}), "
                             f"got {len(nodes)}")
        for name, args in self.steps:
            number = _NUMBER_OPERAND.get(name)
            nodes.append(apply(name, *(a if p == number else nodes[a] for p, a in enumerate(args))))
        return nodes[-1]

    def leaves(self) -> list[Value]:
        """Fresh leaf Values holding the inputs, labeled x0, x1, ...

        Example:
          >>> Expr([2.0], [("neg", (0,))]).leaves()
          [Value(data=2, grad=0)]
        """
        return [Value(x, label=f"x{i}") for i, x in enumerate(self.inputs)]

    def __repr__(self) -> str:
        n = len(self.inputs)
        names = [f"x{i}" for i in range(n)] + [f"v{n + k}" for k in range(len(self.steps))]
        lines = [f"x{i} = {x!r}" for i, x in enumerate(self.inputs)]
        for k, (name, args) in enumerate(self.steps):
            number = _NUMBER_OPERAND.get(name)
            operands = [repr(a) if p == number else names[a] for p, a in enumerate(args)]
            if name in _INFIX and len(operands) == 2:
                text = f"{operands[0]} {_INFIX[name]} {operands[1]}"
            elif name == "neg":
                text = f"-{operands[0]}"
            else:
                text = f"{name}({', '.join(operands)})"
            lines.append(f"{names[n + k]} = {text}")
        return "; ".join(lines) + f" -> {names[-1]}"


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


def _one_step(name: str, xs: Sequence[float]) -> tuple[list[float], tuple[Any, ...]]:
    """Operands of one op as an expression: (the inputs, the step's args) where every operand
    but a number operand is an input of its own."""
    number = _NUMBER_OPERAND.get(name)
    nodes = itertools.count()
    inputs = [x for p, x in enumerate(xs) if p != number]
    return inputs, tuple(x if p == number else next(nodes) for p, x in enumerate(xs))


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


def _checked_step(index: int, step: Any) -> Step:
    """Validate one (op name, args) of an Expr whose node `index` it computes."""
    try:
        name, args = step
    except (TypeError, ValueError):
        raise ValueError(f"Expr: step {index} must be (op name, args), got {step!r}") from None
    if name not in OPS:
        raise ValueError(f"Expr: step {index} uses unknown op {name!r}; the ops in OPS are {list(OPS)}")
    args = tuple(args)
    if len(args) != OPS[name].arity:
        raise ValueError(f"Expr: step {index}: op {name!r} takes {OPS[name].arity} operand(s), "
                         f"got {len(args)}: {args!r}")
    number = _NUMBER_OPERAND.get(name)
    for p, a in enumerate(args):
        if p == number:
            finite(a, "Expr", f"step {index}: the exponent of {name!r}")
        elif not (is_int(a) and 0 <= a < index):
            raise ValueError(f"Expr: step {index}: operand {p} of {name!r} must be the number of an earlier node "
                             f"(0 to {index - 1}), got {a!r}")
    return name, tuple(float(a) if p == number else a for p, a in enumerate(args))
