"""Type aliases shared by the annotations of `autograd` and `nn` (read by type checkers only).

Nothing here runs on the hot path: with ``from __future__ import annotations`` every annotation
is a string that Python never evaluates, so these names cost nothing at import or call time.

Example:
  >>> from autograd._types import Values
  >>> Values
  'Value | Iterable[Value]'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from autograd.engine import Value

__all__ = ["Function", "Gradients", "Numbers", "Partials", "Scalar", "Values", "Weights"]

# One Value or several: what grad, jvp, topological_order and friends accept.
Values: TypeAlias = "Value | Iterable[Value]"
# A number or a Value: an operand, a gradient weight, a tangent.
Scalar: TypeAlias = "Value | float"
# Numbers or Values, one per output (grad's grad_outputs) or per input (jvp's tangents); one alone.
Weights: TypeAlias = "Value | float | Iterable[Value | float]"
# What grad and jvp return: floats, or Values under create_graph=True (their overloads tell which).
Gradients: TypeAlias = "tuple[float, ...] | tuple[Value, ...]"
# A partials rule of the op table: (inputs..., out) -> one partial per input, floats or Values.
Partials: TypeAlias = "Callable[..., tuple[Any, ...]]"
# f, for functional, gradcheck and compile: one Value per input in, a Value or a list or tuple of them out.
Function: TypeAlias = "Callable[..., Value | Sequence[Value]]"
# A point or a direction: one number per input, or one number alone.
Numbers: TypeAlias = "float | Sequence[float]"
