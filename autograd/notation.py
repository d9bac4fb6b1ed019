"""The lecture notes' names for a network's nodes, written and read in one place.

`nn` labels what it builds in ASCII (``w[2]_13``: weight w_ij^l with l = 2, i = 1, j = 3);
drawings show it in the notes' notation (w₁₃⁽²⁾), and the explorer groups a network's nodes by
neuron from it. The format lives here, in `autograd`, so that `nn` (which writes it) and the
drawings (which read it) share it without `autograd` ever importing `nn`.

The format: ``name[l]_indices``. A weight has two indices (i, the neuron, and j, its input), any
other name one (the neuron i). Indices are written side by side (``w[1]_12``), or with a comma
when either has two digits (``w[2]_16,3``).

Example:
  >>> label("w", 2, 1, 3), parse("w[2]_13"), pretty("w[2]_13")
  ('w[2]_13', NodeName(name='w', layer=2, indices=(1, 3)), 'w₁₃⁽²⁾')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["NodeName", "formula", "label", "node_name", "parse", "pretty", "subscript", "superscript"]

_LABEL = re.compile(r"([A-Za-z]+)\[(\d+)\]_(\d+(?:,\d+)?)")
_TWO_INDICES = frozenset({"w"})  # w_ij; b_i, z_i, a_i and anything else have one index
_SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class NodeName(NamedTuple):
    """A label read back: the symbol, the layer l (from 1) and the indices (i, or i and j).

    Example:
      >>> parse("a[1]_4")
      NodeName(name='a', layer=1, indices=(4,))
    """

    name: str
    layer: int
    indices: tuple[int, ...]


def label(name: str, layer: int, *indices: int) -> str:
    """The label of a node in the notes' notation, in ASCII: ``w[1]_12``, ``w[2]_16,3``, ``z[1]_4``.

    Args:
      name: the symbol (``"w"``, ``"b"``, ``"z"``, ``"a"``).
      layer: l, counting layers from 1.
      *indices: i (and j for a weight), counting from 1.

    Returns:
      The label, a str.

    Example:
      >>> label("w", 1, 1, 2), label("w", 2, 16, 3), label("z", 1, 4)
      ('w[1]_12', 'w[2]_16,3', 'z[1]_4')
    """
    sep = "," if any(i > 9 for i in indices) else ""
    return f"{name}[{layer}]_{sep.join(map(str, indices))}"


def parse(text: object) -> NodeName | None:
    """Read a label written by `label`; None for any other text.

    Args:
      text: a node's label.

    Returns:
      A `NodeName`, or None.

    Example:
      >>> parse("w[2]_16,3").indices, parse("z[1]_12").indices, parse("loss")
      ((16, 3), (12,), None)
    """
    m = _LABEL.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        return None
    name, digits = m[1], m[3]
    if "," in digits:
        indices = tuple(int(d) for d in digits.split(","))
    elif name in _TWO_INDICES:
        if len(digits) != 2:
            return None
        indices = (int(digits[0]), int(digits[1]))
    else:
        indices = (int(digits),)
    if len(indices) != (2 if name in _TWO_INDICES else 1):
        return None
    return NodeName(name, int(m[2]), indices)


def pretty(text: str) -> str:
    """A label in the notes' notation: ``w[2]_13`` as w₁₃⁽²⁾; any other text as it is.

    Example:
      >>> pretty("w[2]_13"), pretty("z[1]_4"), pretty("loss")
      ('w₁₃⁽²⁾', 'z₄⁽¹⁾', 'loss')
    """
    m = _LABEL.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        return text
    return f"{m[1]}{m[3].translate(_SUBSCRIPT)}{f'({m[2]})'.translate(_SUPERSCRIPT)}"


def node_name(text: object, i: int) -> str:
    """How drawings and steps name the i-th Value of a topological order: its label (`pretty`), or ``v<i>``.

    Example:
      >>> node_name("w[1]_12", 0), node_name("", 7)
      ('w₁₂⁽¹⁾', 'v7')
    """
    return pretty(str(text)) if text else f"v{i}"


def formula(op: str, args: Sequence[str]) -> str:
    """What a node computes, written with `args` for its operands: ``x * w`` for an operator, ``tanh(z)`` otherwise.

    Example:
      >>> formula("*", ["x", "w"]), formula("tanh", ["z"]), formula("atan2", ["y", "x"])
      ('x * w', 'tanh(z)', 'atan2(y, x)')
    """
    if len(args) == 2 and not op.isidentifier():
        return f"{args[0]} {op} {args[1]}"
    return f"{op}({', '.join(args)})"


def superscript(layer: int) -> str:
    """A layer l as the notes write it above a symbol: ⁽²⁾ (as in a⁽²⁾, W⁽³⁾).

    Example:
      >>> "a" + superscript(2), "W" + superscript(10)
      ('a⁽²⁾', 'W⁽¹⁰⁾')
    """
    return f"({layer})".translate(_SUPERSCRIPT)


def subscript(index: int) -> str:
    """An index as the notes write it below a symbol: ₁₂ (as in z₁₂).

    Example:
      >>> "z" + subscript(12)
      'z₁₂'
    """
    return str(index).translate(_SUBSCRIPT)
