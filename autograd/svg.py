"""SVG drawing of a laid-out graph: the one renderer behind the explorer and `draw_dot`'s fallback.

Python writes the whole picture; the explorer's script only changes classes and texts as the
learner steps. Every string that reaches the SVG goes through `text` (XML-escaped, control
characters shown as visible symbols), and the markup carries its own stylesheet, so the same
SVG reads right in a browser, in Jupyter, in nbconvert's HTML and on GitHub, with or without
the script.

Elements the script drives: ``<g class="node" data-node="i">`` (one Value), ``<tspan data-n="i"
data-f="data|grad">`` (a number shown), ``<g class="group" data-group="k">`` (a neuron box) and
``<path class="edge" data-e="…">`` (an edge; the numbers index the graph's edges).

Example:
  >>> print(text("a<b & \\x00"))
  a&lt;b &amp; ␀
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from autograd import notation

if TYPE_CHECKING:
    from collections.abc import Set

    from autograd.engine import Value

__all__ = ["NODE_SIZE", "STYLE", "coord", "document", "edge_path", "isolate", "kind_of", "names", "node", "number", "op_label",
           "text"]

NODE_SIZE = (132.0, 48.0)  # a Value's box: name and op, data, grad

# Colours: leaves blue, parameters amber, constants grey and dashed, the root green; the node being
# processed orange, the nodes it reads or feeds violet (the colour of gradients throughout).
STYLE = """
.dg text{font:11px ui-sans-serif,system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#111827}
.dg .node>rect,.dg .group>rect{fill:#fff;stroke:#6b7280;stroke-width:1}
.dg .k-leaf>rect{fill:#dbeafe}.dg .k-param>rect{fill:#fde68a}.dg .k-root>rect{fill:#bbf7d0;stroke:#15803d;stroke-width:2}
.dg .k-const>rect{fill:#f3f4f6;stroke-dasharray:4 2}.dg .k-const text{fill:#4b5563}
.dg .group>rect{fill:#f8fafc;stroke:#475569}.dg .group text{font-size:12px}.dg .group.k-cost>rect{fill:#ecfdf5;stroke:#15803d}
.dg .name{font-weight:600}.dg .op{fill:#6b7280;font-size:11px}.dg .grad,.dg .grad tspan{fill:#6d28d9}
.dg .edge{fill:none;stroke:#9ca3af;stroke-width:1.2}
.dg .s-pending{opacity:.62}.dg .s-done>rect{stroke:#1e293b;stroke-width:1.8}.dg .s-done .grad tspan{font-weight:700}
.dg .s-partial>rect{fill:url(#dg-collecting);stroke:#7c3aed;stroke-width:1.5;stroke-dasharray:5 3}
.dg .s-partial .grad,.dg .s-partial .grad tspan{fill:#8b5cf6;font-style:italic}
.dg .s-current>rect{stroke:#ea580c;stroke-width:3.5}
.dg .s-operand>rect,.dg .s-receiving>rect{stroke:#7c3aed;stroke-width:3}
.dg .group.k-cost.s-current>rect{stroke:#ea580c}.dg .group.k-cost.s-operand>rect,.dg .group.k-cost.s-receiving>rect{stroke:#7c3aed}
.dg .edge.s-active{stroke:#ea580c;stroke-width:2.4}.dg .edge.s-pending{opacity:.35}
.dg .edge.pos{stroke:#2563eb}.dg .edge.neg{stroke:#dc2626}.dg .edge.zero{stroke:#9ca3af;stroke-dasharray:3 3}
.dg .edge.nan{stroke:#f59e0b;stroke-dasharray:1 3}
.dg .edge.s-idle{opacity:.16}
.dg .edge.back{marker-start:url(#dg-arrow)}.dg .edge.fwd{marker-end:url(#dg-arrow)}
.dg .inset{display:none}.dg .inset.open{display:inline}
.dg .inset>rect.card{fill:#fff;stroke:#334155;stroke-width:1.5;filter:drop-shadow(0 4px 10px rgba(0,0,0,.25))}
.dg .port>rect{fill:#f1f5f9;stroke:#94a3b8;stroke-dasharray:2 2}
.dg .title{font-size:13px;font-weight:600}
"""

_CONTROL = {i: 0x2400 + i for i in range(32)} | {0x7F: 0x2421, 0xFFFE: 0xFFFD, 0xFFFF: 0xFFFD}  # ␀ ␁ … ␟, ␡; �
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", **_CONTROL})  # type: ignore[misc]  # str and int keys, which maketrans takes


def text(s: object) -> str:
    """`s` made safe for SVG/HTML text and attributes: markup escaped, control characters visible.

    What XML cannot hold at all is shown, not dropped: a control character as its Unicode picture
    (NUL as ␀), a lone surrogate as its escape (``\\ud800``), U+FFFE and U+FFFF as �.

    Example:
      >>> text('<img src=x onerror="alert(1)">')
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    s = str(s).translate(_ESCAPES)
    if s.isascii():  # speed: the usual label
        return s
    return s.encode("utf-8", "backslashreplace").decode("utf-8")


def number(x: float | None, digits: int = 4) -> str:
    """A number as the drawings show it: 4 significant digits, always with a point (-3.0); None is "—".

    −0.0 is shown as 0.0: a learner reads "-0.0" as a sign that means something (the exact value
    stays in `Step.grad_of` and in the page's ``data-value``). The explorer's script formats the
    same way (a browser test compares the two).

    Example:
      >>> number(2.0), number(-0.000123456), number(1e20), number(None), number(float("inf")), number(-0.0)
      ('2.0', '-0.0001235', '1e+20', '—', 'inf', '0.0')
      >>> number(0.78644773, digits=3)
      '0.786'
    """
    if x is None:
        return "—"
    if x == 0:
        return "0.0"
    s = f"{x:.{digits}g}"
    return s if any(c in s for c in ".en") else s + ".0"  # "1e+20", "inf" and "nan" need no point


# Characters that can reorder the text around them: right-to-left letters, Arabic digits, and the
# bidi controls (embeddings, overrides, isolates).
_BIDI = frozenset({"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
_FSI, _PDI = "\u2068", "\u2069"


def isolate(name: str) -> str:
    """`name` wrapped in U+2068 … U+2069 (a bidi isolate) when it holds anything that could reorder
    the text around it, so a label such as ``"\u202ex"`` reverses at most itself, never the rest of
    a chain-rule line; any other name as it is.

    Example:
      >>> isolate("w₁₂⁽¹⁾"), isolate("\u202ex")
      ('w₁₂⁽¹⁾', '\u2068\u202ex\u2069')
    """
    if name.isascii() or not any(unicodedata.bidirectional(c) in _BIDI for c in name):
        return name
    # A PDI inside the name with no opener of its own would close our isolate early: give it one.
    # Our closing PDI then also ends every embedding or override the name left open.
    depth = extra = 0
    for c in name:
        if c in "\u2066\u2067\u2068":
            depth += 1
        elif c == _PDI:
            depth, extra = (depth - 1, extra) if depth else (depth, extra + 1)
    return _FSI * (1 + extra) + name + _PDI * (1 + depth)


def names(order: Sequence[Value], *, unique: bool = False) -> list[str]:
    """The name each Value of `order` is shown by: its label (in the notes' notation), a wrapped
    constant's number, else ``v<i>``; a made-up name never equals a label (a prime is added), and
    names that could reorder the text around them are isolated (`isolate`). With `unique`, a label
    already shown earlier in `order` gets primes too, so no two nodes share a name (for text that
    names nodes one by one, as `explain`'s paths; a drawing shows each label as the user wrote it).

    Example:
      >>> from autograd import Value
      >>> a = Value(2.0, label="v2"); b = a * 3; c = b + 1.0
      >>> names([a, b.parents[1], b, c.parents[1], c])
      ['v2', '3.0', 'v2′', '1.0', 'v4']
      >>> names([Value(1.0, label="a"), Value(2.0, label="a")], unique=True)
      ['a', 'a′']
    """
    labels = [notation.pretty(str(v.label)) if v.label else "" for v in order]  # the slot takes any object
    taken = set(labels)
    given: set[str] = set()
    out = []
    for i, (v, s) in enumerate(zip(order, labels)):
        name = s or (number(v.data) if v.op == "const" else f"v{i}")
        if not s or (unique and name in given):  # a label keeps its name the first time it is shown
            while name in taken or (unique and name in given):
                name += "′"
        given.add(name)
        out.append(isolate(name) if s else name)
    return out


def node(i: int, x: float, y: float, *, kind: str, name: str, op: str, data: float | None, grad: float | None,
         state: str = "", width: float = NODE_SIZE[0], height: float = NODE_SIZE[1], port: bool = False) -> str:
    """One Value's box, centred at (x, y): name and op on top, then ``data`` and ``grad``.

    Args:
      i: the node's number (what the script and the edges refer to).
      x, y: the centre.
      kind: ``leaf``, ``param``, ``const``, ``computed`` or ``root``.
      name, op: texts (escaped here).
      data, grad: numbers or None ("—": not known at this step).
      state: a class for the step's state (``s-current`` …), or "".
      width, height: the box's size.
      port: draw it as a reference to a node drawn elsewhere (an input of an opened neuron).

    Returns:
      SVG markup.

    Example:
      >>> 'data-node="3"' in node(3, 10, 10, kind="leaf", name="x", op="", data=2.0, grad=None)
      True
    """
    left, top = x - width / 2, y - height / 2
    cls = f"node k-{kind}{' port' if port else ''}{' ' + state if state else ''}"
    op_text = (f'<text class="op" x="{coord(left + width - 6)}" y="{coord(top + 14)}" text-anchor="end">{text(op)}</text>'
               if op else "")
    # Room for the name: ~7 px a character of 11 px bold text, beside the op's ~6 px a character.
    room = max(4, int((width - 14 - (6 * len(op) + 6 if op else 0)) / 7))
    x = coord(left + 7)
    return (f'<g class="{cls}" data-node="{i}"><title>{text(name)}</title>'
            f'<rect x="{coord(left)}" y="{coord(top)}" width="{coord(width)}" height="{coord(height)}" rx="6"/>'
            f'<text class="name" x="{x}" y="{coord(top + 14)}">{text(_clip(name, room))}</text>{op_text}'
            f'<text x="{x}" y="{coord(top + 29)}">data <tspan data-n="{i}" data-f="data">{number(data)}</tspan></text>'
            f'<text class="grad" x="{x}" y="{coord(top + 43)}">grad <tspan data-n="{i}" data-f="grad">{number(grad)}</tspan></text>'
            "</g>")


def op_label(op: str) -> str:
    """How a box names its op: as written in code (``*``, ``tanh``), and ``constant`` for a number the engine wrapped.

    Example:
      >>> op_label("*"), op_label("const")
      ('*', 'constant')
    """
    return "constant" if op == "const" else op


def kind_of(v: Value, root: Value | None, params: Set[Value]) -> str:
    """What a Value is in a drawing: ``root``, ``param``, ``const`` (a number the engine wrapped), ``computed`` or ``leaf``.

    A leaf is a parameter if it is in `params`, or, when `params` is empty, if `nn` labelled it as
    a weight or a bias (``w[l]_ij``, ``b[l]_i``).

    Example:
      >>> from autograd import Value
      >>> w, x = Value(1.0, label="w[1]_11"), Value(2.0)
      >>> [kind_of(v, None, set()) for v in (w, x, w * x)]
      ['param', 'leaf', 'computed']
    """
    if v is root:
        return "root"
    if v.op == "const":
        return "const"
    if v.parents:
        return "computed"
    if v in params or (not params and (notation.parse(v.label) or (None,))[0] in ("w", "b")):
        return "param"
    return "leaf"


def edge_path(points: Sequence[tuple[float, float]], edges: Iterable[int], *, direction: str = "LR", state: str = "",
              copy: int = 0) -> str:
    """An edge through `points` as a smooth curve; `edges` are the graph edges it stands for.

    `direction` is the layout's (``"LR"`` or ``"TB"``), or ``"auto"``: each segment leaves and
    enters along its longer side. ``copy=k`` draws the k-th of several edges between the same two
    nodes (x * x), shifted a little so that each shows.

    Example:
      >>> edge_path([(0, 0), (10, 5)], [4])
      '<path class="edge" data-e="4" d="M0,0C5,0 5,5 10,5"/>'
    """
    if copy:
        shift = 5.0 * (copy + 1) // 2 * (1 if copy % 2 else -1)
        points = [(x, y + shift) for x, y in points] if direction != "TB" else [(x + shift, y) for x, y in points]
    (x0, y0), *rest = points
    d = [f"M{coord(x0)},{coord(y0)}"]
    for x1, y1 in rest:  # cubic segments that leave and enter along the layout's direction
        if direction == "LR" or (direction == "auto" and abs(x1 - x0) >= abs(y1 - y0)):
            mid = (x0 + x1) / 2
            d.append(f"C{coord(mid)},{coord(y0)} {coord(mid)},{coord(y1)} {coord(x1)},{coord(y1)}")
        else:
            mid = (y0 + y1) / 2
            d.append(f"C{coord(x0)},{coord(mid)} {coord(x1)},{coord(mid)} {coord(x1)},{coord(y1)}")
        x0, y0 = x1, y1
    cls = f"edge {state}".strip()
    return f'<path class="{cls}" data-e="{" ".join(map(str, edges))}" d="{"".join(d)}"/>'


def document(width: float, height: float, body: str, *, title: str = "", shrink: bool = True) -> str:
    """A standalone ``<svg>`` with the drawings' stylesheet and arrow marker, shrunk to fit its container.

    With ``shrink=False`` it keeps its size (a wide drawing then wants a scrolling container), so
    its 11 px text stays 11 px however narrow the page.

    Example:
      >>> document(10, 10, "").startswith('<svg xmlns="http://www.w3.org/2000/svg"')
      True
    """
    title_el = f"<title>{text(title)}</title>" if title else ""
    w, h = coord(width), coord(height)
    style = ' style="max-width:100%;height:auto"' if shrink else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="dg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img"'
            f'{style}>'
            f"{title_el}<style>{STYLE}</style>"
            '<defs><marker id="dg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="11" markerHeight="11" '
            'orient="auto-start-reverse" markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker>'
            # a gradient still being collected: stripes, so that it never reads as a final one
            '<pattern id="dg-collecting" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            '<rect width="6" height="6" fill="#f5f3ff"/><rect width="2.5" height="6" fill="#ddd6fe"/></pattern></defs>'
            f"{body}</svg>")


def coord(v: float) -> str:
    """A coordinate as SVG text, short: one decimal at most.

    Example:
      >>> coord(12.0), coord(12.46)
      ('12', '12.5')
    """
    v = round(v, 1)
    return str(int(v)) if v == int(v) else str(v)


def _clip(s: object, n: int) -> str:
    s = str(s)
    return s if len(s) <= n else s[:n - 1] + "…"

