"""A program of ops over the table `OPS`: `Expr`, and how to apply one op to Values or floats.

`Expr` is what the hypothesis strategies of `autograd.strategies` draw and what
`autograd.testing.check_engine` runs on a learner's engine: input values, then steps that each
apply an op to earlier nodes. Its `repr` is the program as a reader writes it
(``x0 = 0.5; v1 = x0 * x0 -> v1``). Standard library only: no hypothesis needed here.

Example:
  >>> Expr([0.5], [("*", (0, 0))])
  x0 = 0.5; v1 = x0 * x0 -> v1
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from autograd._checks import finite, is_int
from autograd.engine import OPS, Value

if TYPE_CHECKING:
    # One step of an Expr: (op name, args), each arg a node's number (or the exponent of "**").
    Step = tuple[str, tuple[Any, ...]]

__all__ = ["Expr", "apply_float", "apply_value"]

# How a user writes each op on Values; any other op is the Value method named like it (x.tanh()).
_OPERATORS: dict[str, Callable[..., Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
              "**": operator.pow, "pow": operator.pow, "neg": operator.neg}
_INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**", "pow": "**"}
# The exponent of `x ** 2` is a number, not a node (a Value exponent is the op "pow").
_NUMBER_OPERAND = {"**": 1}


def _one_step(name: str, xs: Sequence[float]) -> tuple[list[float], tuple[Any, ...]]:
    """Operands of one op as an expression: (the inputs, the step's args) where every operand
    but a number operand (the exponent of "**") is an input of its own."""
    number = _NUMBER_OPERAND.get(name)
    nodes = iter(range(len(xs)))
    inputs = [x for p, x in enumerate(xs) if p != number]
    return inputs, tuple(x if p == number else next(nodes) for p, x in enumerate(xs))


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
      >>> import math
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
