"""The lecture notes' names for a network's nodes, written and read in one place.

`nn` labels what it builds in ASCII (``w[2]_13``: weight w_ij^l with l = 2, i = 1, j = 3);
drawings show it in the notes' notation (w₁₃⁽²⁾), and the explorer groups a network's nodes by
neuron from it. The format lives here, in `autograd`, so that `nn` (which writes it) and the
drawings (which read it) share it without `autograd` ever importing `nn`.

The format: ``name[l]_indices``. A weight has two indices (i, the neuron, and j, its input), any
other name one (the neuron i). Indices are written side by side (``w[1]_12``), or with a comma
when either has two digits (``w[2]_16,3``). Inside a neuron, z = b + w_i1 a_1 + w_i2 a_2 + … is
built one term at a time: a term is labelled ``w[l]_ij*a[l-1]_j`` (``w[1]_ij*x_j`` in layer 1, as
the notes write the input x), and each partial sum ``z[l]_i(j<=J)``, the sum of b and the terms
up to J (the last one is z itself).

Example:
  >>> label("w", 2, 1, 3), parse("w[2]_13"), pretty("w[2]_13")
  ('w[2]_13', NodeName(name='w', layer=2, indices=(1, 3)), 'w₁₃⁽²⁾')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["NodeName", "formula", "label", "node_name", "parse", "partial_sum", "pretty", "subscript", "superscript", "term"]

_LABEL = re.compile(r"([A-Za-z]+)\[(\d+)\]_(\d+(?:,\d+)?)")
_TERM = re.compile(r"(w\[(\d+)\]_\d+(?:,\d+)?)\*(?:(a\[\d+\]_\d+)|x_(\d+))")  # w[l]_ij*a[l-1]_j, w[1]_ij*x_j
_PARTIAL = re.compile(r"(z\[\d+\]_\d+)\(j<=(\d+)\)")  # z[l]_i(j<=J)
_TWO_INDICES = frozenset({"w"})  # w_ij; b_i, z_i, a_i and anything else have one index
_SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class NodeName(NamedTuple):
    """A label read back: the symbol, the layer l (from 1) and the indices (i, or i and j).

    The symbol is ``"w"``, ``"b"``, ``"z"``, ``"a"`` (or any other name written by `label`), or,
    for the nodes inside a neuron, ``"term"`` (w_ij a_j, indices i and j) and ``"partial sum"``
    (indices i and J).

    Example:
      >>> parse("a[1]_4")
      NodeName(name='a', layer=1, indices=(4,))
      >>> parse("w[2]_13*a[1]_3"), parse("z[2]_1(j<=3)")[0]
      (NodeName(name='term', layer=2, indices=(1, 3)), 'partial sum')
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


def term(layer: int, i: int, j: int) -> str:
    """The label of the term w_ij a_j of neuron i's z in layer l: ``w[2]_13*a[1]_3``, ``w[1]_13*x_3``.

    Example:
      >>> term(2, 1, 3), term(1, 12, 3)
      ('w[2]_13*a[1]_3', 'w[1]_12,3*x_3')
    """
    return label("w", layer, i, j) + ("*x_" + str(j) if layer == 1 else "*" + label("a", layer - 1, j))


def partial_sum(layer: int, i: int, j: int) -> str:
    """The label of z's partial sum b_i + w_i1 a_1 + … + w_ij a_j in neuron i of layer l: ``z[2]_1(j<=3)``.

    Example:
      >>> partial_sum(2, 1, 3), pretty(partial_sum(2, 1, 3))
      ('z[2]_1(j<=3)', 'z₁⁽²⁾ (j≤3)')
    """
    return f"{label('z', layer, i)}(j<={j})"


def parse(text: object) -> NodeName | None:
    """Read a label written by `label`, `term` or `partial_sum`; None for any other text.

    Args:
      text: a node's label.

    Returns:
      A `NodeName`, or None.

    Example:
      >>> parse("w[2]_16,3").indices, parse("z[1]_12").indices, parse("loss")
      ((16, 3), (12,), None)
    """
    if not isinstance(text, str):
        return None
    m = _TERM.fullmatch(text) or _PARTIAL.fullmatch(text)
    if m is not None:
        base = parse(m[1])
        if base is None:
            return None
        if m.re is _TERM:
            return NodeName("term", base.layer, base.indices)
        return NodeName("partial sum", base.layer, (base.indices[0], int(m[2])))
    m = _LABEL.fullmatch(text)
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
      >>> pretty("w[2]_13"), pretty("z[1]_4"), pretty("w[1]_13*x_3"), pretty("loss")
      ('w₁₃⁽²⁾', 'z₄⁽¹⁾', 'w₁₃⁽¹⁾·x₃', 'loss')
    """
    text_ = text if isinstance(text, str) else ""  # any other object is returned as it is, below
    m = _TERM.fullmatch(text_)
    if m is not None:  # w₁₃⁽²⁾·a₃⁽¹⁾, w₁₃⁽¹⁾·x₃
        return f"{pretty(m[1])}·{pretty(m[3]) if m[3] else 'x' + m[4].translate(_SUBSCRIPT)}"
    m = _PARTIAL.fullmatch(text_)
    if m is not None:  # z₁⁽²⁾ (j≤3)
        return f"{pretty(m[1])} (j≤{m[2]})"
    m = _LABEL.fullmatch(text_)
    if m is None:
        return text
    return f"{m[1]}{m[3].translate(_SUBSCRIPT)}{f'({m[2]})'.translate(_SUPERSCRIPT)}"


def node_name(text: object, i: int) -> str:
    """One Value's name on its own: its label (`pretty`), or ``v<i>`` for the i-th of a topological order.

    The drawings and steps name a whole graph with `autograd.svg.names`, which also keeps a
    made-up name from equalling a label and names a wrapped constant by its number.

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
