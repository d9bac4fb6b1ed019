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

from collections.abc import Iterable, Sequence

__all__ = ["NODE_SIZE", "STYLE", "document", "edge_path", "node", "number", "op_label", "text"]

NODE_SIZE = (132.0, 48.0)  # a Value's box: name and op, data, grad

# Colours: leaves blue, parameters amber, constants grey and dashed, the root green; the node being
# processed orange, the nodes it reads or feeds violet (the colour of gradients throughout).
STYLE = """
.dg text{font:11px ui-sans-serif,system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#111827}
.dg .node>rect,.dg .group>rect{fill:#fff;stroke:#6b7280;stroke-width:1}
.dg .k-leaf>rect{fill:#dbeafe}.dg .k-param>rect{fill:#fde68a}.dg .k-root>rect{fill:#bbf7d0;stroke:#15803d;stroke-width:2}
.dg .k-const>rect{fill:#f3f4f6;stroke-dasharray:4 2}.dg .k-const text{fill:#4b5563}
.dg .group>rect{fill:#f8fafc;stroke:#475569}.dg .group text{font-size:12px}.dg .group.k-cost>rect{fill:#ecfdf5;stroke:#15803d}
.dg .name{font-weight:600}.dg .op{fill:#6b7280;font-size:10px}.dg .grad,.dg .grad tspan{fill:#6d28d9}
.dg .edge{fill:none;stroke:#9ca3af;stroke-width:1.2}
.dg .s-pending{opacity:.45}.dg .s-current>rect{stroke:#ea580c;stroke-width:3.5}
.dg .s-operand>rect,.dg .s-receiving>rect{stroke:#7c3aed;stroke-width:3}
.dg .edge.s-active{stroke:#ea580c;stroke-width:2.4}.dg .edge.s-pending{opacity:.35}
.dg .edge.pos{stroke:#2563eb}.dg .edge.neg{stroke:#dc2626}.dg .edge.zero{stroke:#9ca3af;stroke-dasharray:3 3}
.dg .edge.back{marker-start:url(#dg-arrow)}.dg .edge.fwd{marker-end:url(#dg-arrow)}
.dg .inset{display:none}.dg .inset.open{display:inline}
.dg .inset>rect.card{fill:#fff;stroke:#334155;stroke-width:1.5;filter:drop-shadow(0 4px 10px rgba(0,0,0,.25))}
.dg .port>rect{fill:#f1f5f9;stroke:#94a3b8;stroke-dasharray:2 2}
.dg .title{font-size:13px;font-weight:600}
"""

_CONTROL = {i: 0x2400 + i for i in range(32)} | {0x7F: 0x2421}  # U+2400..: ␀ ␁ … ␟, ␡
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", **_CONTROL})  # type: ignore[misc]  # str and int keys, which maketrans takes


def text(s: object) -> str:
    """`s` made safe for SVG/HTML text and attributes: markup escaped, control characters visible.

    Example:
      >>> text('<img src=x onerror="alert(1)">')
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return str(s).translate(_ESCAPES)


def number(x: float | None) -> str:
    """A number as the drawings show it: 4 significant digits, always with a point (-3.0); None is "—".

    The explorer's script formats the same way (a browser test compares the two).

    Example:
      >>> number(2.0), number(-0.000123456), number(1e20), number(None), number(float("inf"))
      ('2.0', '-0.0001235', '1e+20', '—', 'inf')
    """
    if x is None:
        return "—"
    s = f"{x:.4g}"
    return s if any(c in s for c in ".en") else s + ".0"  # "1e+20", "inf" and "nan" need no point


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
    op_text = f'<text class="op" x="{_f(left + width - 6)}" y="{_f(top + 14)}" text-anchor="end">{text(op)}</text>' if op else ""
    return (f'<g class="{cls}" data-node="{i}"><title>{text(name)}</title>'
            f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(width)}" height="{_f(height)}" rx="6"/>'
            f'<text class="name" x="{_f(left + 7)}" y="{_f(top + 14)}">{text(_clip(name, 18))}</text>{op_text}'
            f'<text x="{_f(left + 7)}" y="{_f(top + 29)}">data <tspan data-n="{i}" data-f="data">{number(data)}</tspan></text>'
            f'<text class="grad" x="{_f(left + 7)}" y="{_f(top + 43)}">grad <tspan data-n="{i}" data-f="grad">{number(grad)}</tspan></text>'
            "</g>")


_OP_LABELS = {"*": "×", "-": "−", "/": "÷", "neg": "−x", "**": "xⁿ", "pow": "xʸ", "const": "constant"}


def op_label(op: str) -> str:
    """How a box names its op: ``×`` for ``*``, ``constant`` for a wrapped number, a registered op as it is.

    Example:
      >>> op_label("*"), op_label("tanh")
      ('×', 'tanh')
    """
    return _OP_LABELS.get(op, op)


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
    d = [f"M{_f(x0)},{_f(y0)}"]
    for x1, y1 in rest:  # cubic segments that leave and enter along the layout's direction
        if direction == "LR" or (direction == "auto" and abs(x1 - x0) >= abs(y1 - y0)):
            mid = (x0 + x1) / 2
            d.append(f"C{_f(mid)},{_f(y0)} {_f(mid)},{_f(y1)} {_f(x1)},{_f(y1)}")
        else:
            mid = (y0 + y1) / 2
            d.append(f"C{_f(x0)},{_f(mid)} {_f(x1)},{_f(mid)} {_f(x1)},{_f(y1)}")
        x0, y0 = x1, y1
    cls = f"edge {state}".strip()
    return f'<path class="{cls}" data-e="{" ".join(map(str, edges))}" d="{"".join(d)}"/>'


def document(width: float, height: float, body: str, *, title: str = "", extra_class: str = "") -> str:
    """A standalone ``<svg>`` with the drawings' stylesheet and arrow marker, shrunk to fit its container.

    Example:
      >>> document(10, 10, "").startswith('<svg xmlns="http://www.w3.org/2000/svg"')
      True
    """
    title_el = f"<title>{text(title)}</title>" if title else ""
    cls = f"dg {extra_class}".strip()
    w, h = _f(width), _f(height)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
            'style="max-width:100%;height:auto">'
            f"{title_el}<style>{STYLE}</style>"
            '<defs><marker id="dg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="11" markerHeight="11" '
            'orient="auto-start-reverse" markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker></defs>'
            f"{body}</svg>")


def _f(v: float) -> str:
    """A coordinate, short: one decimal at most (``12``, ``12.5``)."""
    v = round(v, 1)
    return str(int(v)) if v == int(v) else str(v)


def _clip(s: object, n: int) -> str:
    s = str(s)
    return s if len(s) <= n else s[:n - 1] + "…"

