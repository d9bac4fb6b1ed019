"""Seeing the graph: draw it with Graphviz, and step through backward one chain-rule step at a time.

Drawing needs the `graphviz` Python package (``pip install 'dagrad[viz]'``), imported only when a
graph is drawn; showing or rendering a drawing also needs Graphviz's ``dot`` program. Without
``dot``, Jupyter shows a drawing's DOT source and how to install it instead of a traceback.

Example:
  >>> from autograd import Value, draw_dot, backward_steps
  >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
  >>> o = x * w; o.label = "o"
  >>> graph = draw_dot(o)               # a graphviz.Digraph; shows inline in Jupyter
  >>> for step in backward_steps(o):    # display(step) in Jupyter draws each step
  ...     print(step)
  x.grad += (∂o/∂x = -3.0) × (o.grad = 1.0) = -3.0  → x.grad = -3.0
  w.grad += (∂o/∂w = 2.0) × (o.grad = 1.0) = 2.0  → w.grad = 2.0
  w.grad = 2.0 is final (w is a leaf: nothing to pass on)
  x.grad = -3.0 is final (x is a leaf: nothing to pass on)
"""

from __future__ import annotations

import functools
import html
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from autograd import notation, svg
from autograd._checks import positive_int
from autograd._files import file_name, write_atomic
from autograd.engine import Value, _seed, _start_backward, topological_order
from autograd.layout import layered

if TYPE_CHECKING:
    import graphviz  # no type information of its own: a Digraph is Any to a checker

__all__ = ["BackwardStep", "StepTerm", "backward_steps", "draw_dot", "pretty_label", "render_graph"]

_MAX_NODES = 500
_NO_GRAPHVIZ = "drawing needs the graphviz Python package: pip install graphviz (or pip install 'dagrad[viz]')"
_NO_DOT = ("Graphviz's `dot` program was not found; to see drawings, install Graphviz: "
           "apt-get install graphviz (Debian/Ubuntu) or brew install graphviz (macOS)")

# What each kind of node looks like: the fill tells the kinds apart, dashes mark the constants
# the engine wrapped (the 2 in x * 2), and a thick border marks the root.
_KIND_STYLE = {
    "root":      {"fillcolor": "#bbf7d0", "penwidth": "2"},
    "parameter": {"fillcolor": "#fde68a"},
    "leaf":      {"fillcolor": "#dbeafe"},
    "constant":  {"fillcolor": "#f3f4f6", "style": "filled,dashed", "fontcolor": "#4b5563"},
    "computed":  {"fillcolor": "white"},
}
_KIND_NAMES = {"root": "root", "param": "parameter", "const": "constant", "computed": "computed", "leaf": "leaf"}
_HIGHLIGHT = {"color": "#dc2626", "penwidth": "3"}
_HIGHLIGHT_EDGE = {"color": "#dc2626", "penwidth": "2"}
_OP_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#e5e7eb", "fontsize": "10", "height": "0.3"}
# Operands of these ops can be swapped; the others' incoming edges are numbered by operand.
_SYMMETRIC = {"+", "*"}
# What Graphviz reads as markup in a label, and what `_dot_escape` writes instead, in one pass:
# a backslash starts an escape (\n, and \N for the node's name), a quote ends the string, & starts
# an entity (&amp;), a label in <...> is HTML-like (so < and > go as entities), and a record field
# splits at { | }. DOT and SVG allow no control characters: they are drawn as their Unicode
# pictures (NUL as ␀), except the newline, which breaks the line.
_LABEL_ESCAPES = {"\\": "\\\\", '"': '\\"', "&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "\\n",
                  **{chr(c): chr(0x2400 + c) for c in range(32) if c != 10}, "\x7f": "\u2421"}
_LABEL_TABLE = str.maketrans(_LABEL_ESCAPES)
_RECORD_TABLE = str.maketrans({**_LABEL_ESCAPES, **{c: "\\" + c for c in "{|}"}})


def draw_dot(root: Value, *, rankdir: str = "LR", highlight: Value | Iterable[Value] | None = None, max_nodes: int = _MAX_NODES,
             show_grad: bool = True, params: Value | Iterable[Value] | None = None, current: Value | None = None,
             _grads: dict[Value, float] | None = None) -> graphviz.Digraph:
    """Draw the computation graph that produced `root` as a `graphviz.Digraph`.

    One record per Value shows its name, ``data`` and ``grad`` (``%.4f``), and one small node per
    operation sits between a result and its operands; operands of ``-``, ``/`` and powers are
    numbered on their edges. Fill colours tell apart leaves (blue), parameters (amber), constants
    the engine wrapped (grey, dashed), computed nodes (white) and the root (green); highlighted
    nodes are red, and so are the op of `current` and the edges into it (one chain-rule step). A
    Value without a label is named ``v<i>``, its position in `topological_order`, as
    `backward_steps` names it. Labels and op names are drawn as written, whatever characters they
    hold (``\\``, quotes, ``<b>``, ``&amp;``, braces), except control characters, which no drawing
    can hold: they are drawn as their Unicode pictures (NUL as ␀), and a newline breaks the line;
    Graphviz trims the spaces at the ends of a Value's label and collapses runs of them (its rule
    for records). Building the drawing never needs Graphviz's ``dot`` program; rendering it does
    (`render_graph`); without ``dot``, Jupyter shows a drawing laid out in Python
    (`autograd.layout`) instead.

    Args:
      root: the Value whose graph to draw.
      rankdir: Graphviz layout direction: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
      highlight: a Value or a collection of Values of this graph to mark, e.g. the current step.
      max_nodes: the largest number of Values to draw; a larger graph raises a ValueError.
      show_grad: whether the records show ``grad`` (False before any backward pass).
      params: Values a model owns (e.g. ``model.parameters()``), drawn as parameters; any
        that are not in this graph are ignored.
      current: a Value of the graph whose op node and incoming edges light up (the node a
        backward step processes).

    Returns:
      A `graphviz.Digraph` (``.source``, ``.pipe()``, ``.render()``) that Jupyter shows as SVG
      (drawn by ``dot``, or laid out in Python when ``dot`` is missing). The same graph always
      gives the same DOT source, byte for byte.

    Example:
      >>> from autograd import Value
      >>> x = Value(2.0, label="x")
      >>> y = x * x; y.label = "y"
      >>> y.backward()
      >>> print(draw_dot(y).source)  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
      digraph {
      ...
        v0 [label="{ x | data 2.0000 | grad 4.0000 }" fillcolor="#dbeafe"]
        v1 [label="{ y | data 4.0000 | grad 1.0000 }" fillcolor="#bbf7d0" penwidth=2]
        v1_op [label="*" ...]
        v0 -> v1_op
        v0 -> v1_op
        v1_op -> v1
      ...
    """
    _check_value("draw_dot", "root", root)
    positive_int(max_nodes, "draw_dot", "max_nodes")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    # Count before building anything: a 20,000-node training graph must fail fast, not hang.
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(f"draw_dot: the graph has {len(order)} Values, more than max_nodes={max_nodes}; draw a "
                         f"smaller part of it (e.g. one neuron's output), or pass max_nodes={len(order)} to draw it all")
    ids = {v: i for i, v in enumerate(order)}
    marked = _value_set("draw_dot", "highlight", highlight)
    stray = [v for v in marked if v not in ids]
    if stray:
        raise ValueError(f"draw_dot: highlight has {len(stray)} Value(s) that are not in root's graph, "
                         f"e.g. {stray[0]!r}; highlight only Values that root depends on")
    params = _value_set("draw_dot", "params", params)
    if current is not None and (not isinstance(current, Value) or current not in ids):
        raise ValueError(f"draw_dot: current must be a Value of root's graph, got {current!r}")
    grads = [(_grads.get(v) if _grads is not None else v.grad) for v in order]

    graph = _digraph_class()(
        format="svg",  # so `.render("name")` writes name.svg, as in micrograd
        graph_attr={"rankdir": rankdir},
        node_attr={"shape": "record", "style": "filled", "fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"arrowsize": "0.7", "fontname": "Helvetica", "fontsize": "9", "fontcolor": "#4b5563"})
    kinds, node_kinds, names = {}, [svg.kind_of(v, root, params) for v in order], svg.names(order)
    for i, v in enumerate(order):
        kind = _KIND_NAMES[node_kinds[i]]
        kinds[kind] = True
        fields = [_dot_escape(names[i], record=True), f"data {v.data:.4f}"]
        if show_grad:  # a gradient not computed yet (in a step's snapshot) is "—", not 0
            fields.append("grad —" if grads[i] is None else f"grad {grads[i]:.4f}")
        lit = v in marked
        graph.node(f"v{i}", "{ " + " | ".join(fields) + " }", **{**_KIND_STYLE[kind], **(_HIGHLIGHT if lit else {})})
        parents = v.parents
        if not parents:
            continue
        # The op node of `current`, and the edges through it, light up: the path one chain-rule
        # step travels (and no other: a marked result and a marked parent are not enough).
        op_lit = v is current
        graph.node(f"v{i}_op", _dot_escape(v.op), **{**_OP_STYLE, **(_HIGHLIGHT if op_lit else {})})
        numbered = len(parents) > 1 and v.op not in _SYMMETRIC
        for k, p in enumerate(parents):
            graph.edge(f"v{ids[p]}", f"v{i}_op", label=str(k + 1) if numbered else None,
                       **(_HIGHLIGHT_EDGE if op_lit else {}))
        graph.edge(f"v{i}_op", f"v{i}", **(_HIGHLIGHT_EDGE if op_lit else {}))
    if marked:
        kinds["highlighted"] = True
    graph.attr(label=_legend(kinds), labelloc="b", fontname="Helvetica", fontsize="9")
    graph._picture = _Picture(order, node_kinds, grads if show_grad else None, marked, current, rankdir)
    return graph


class _Picture(NamedTuple):
    """What `draw_dot` drew, kept on the drawing so that Jupyter can lay it out in Python without ``dot``."""

    order: list[Value]  # the root last
    kinds: list[str]  # each Value's kind (svg.kind_of)
    grads: list[float | None] | None
    marked: set[Value]
    current: Value | None
    rankdir: str

    def svg(self) -> str:
        """The drawing as SVG, laid out by `autograd.layout` (what Jupyter shows when ``dot`` is missing)."""
        index = {v: i for i, v in enumerate(self.order)}
        parents = {i: [index[p] for p in v.parents] for i, v in enumerate(self.order)}
        direction = "TB" if self.rankdir in ("TB", "BT") else "LR"
        nodes = list(range(len(self.order)))
        lay = layered(nodes, parents, {i: svg.NODE_SIZE for i in nodes}, direction=direction)
        body = ['<g class="edges">']
        for (p, c), route in lay.routes.items():
            state = "fwd s-active" if self.order[c] is self.current else "fwd"
            for k in range(parents[c].count(p)):  # x * x: two edges
                body.append(svg.edge_path(route, [], direction=direction, state=state, copy=k))
        body.append('</g><g class="units">')
        names = svg.names(self.order)
        for i, v in enumerate(self.order):
            kind = self.kinds[i]
            state = "s-current" if v is self.current else "s-receiving" if v in self.marked else ""
            grad = None if self.grads is None else self.grads[i]
            body.append(svg.node(i, *lay.position[i], kind=kind, name=names[i], op=svg.op_label(v.op),
                                 data=v.data, grad=grad, state=state))
        body.append("</g>")
        title = f"the graph of {names[-1]}"
        return svg.document(lay.width, lay.height, "".join(body), title=title)


def _legend(kinds: Iterable[str]) -> str:
    # One row of small labelled swatches under the drawing, for the kinds it shows.
    cells = "".join(
        f'<td border="1" color="{_HIGHLIGHT["color"]}">{kind}</td>' if kind == "highlighted"
        else f'<td border="1" bgcolor="{_KIND_STYLE[kind]["fillcolor"]}">{kind}</td>'
        for kind in kinds if kind != "computed")
    return f'<<table border="0" cellspacing="4" cellpadding="2"><tr>{cells}</tr></table>>'


# nn's labels in the notes' notation (w[2]_13 as w₁₃⁽²⁾): the format's one home is autograd.notation.
pretty_label = notation.pretty


def _dot_escape(text: str, record: bool = False) -> str:
    """`text` as DOT that Graphviz draws as written, in a plain label or (`record`) a record field.

    Every character is replaced on its own (one `str.translate`), so no escape is escaped twice;
    newlines break the line and control characters are drawn as their pictures (NUL as ␀).
    """
    # A lone surrogate cannot be written as UTF-8 for dot: it is drawn as its escape, \udxxx.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.translate(_RECORD_TABLE if record else _LABEL_TABLE)


@functools.cache
def _digraph_class() -> type[graphviz.Digraph]:
    """The Digraph subclass draw_dot returns, made on first use so that importing needs no graphviz."""
    try:
        import graphviz
    except ImportError:
        raise ImportError(f"draw_dot: {_NO_GRAPHVIZ}") from None

    class Digraph(graphviz.Digraph):  # type: ignore[misc]  # graphviz has no types: its Digraph is Any
        """A `graphviz.Digraph` that Jupyter shows as DOT source, with how to install Graphviz, when ``dot`` is missing."""

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                # Laid out in Python instead: a picture, not DOT source (the note stays in the text).
                return {"image/svg+xml": self._picture.svg(), "text/plain": f"// {_NO_DOT}\n// (drawn without it)"}

    Digraph.__module__, Digraph.__qualname__ = __name__, "Digraph"
    return Digraph


def render_graph(graph: Value | graphviz.Digraph, path: str | os.PathLike[str], *, format: str | None = None) -> str:
    """Write a drawing to `path` (SVG, PNG, PDF or any Graphviz format), replacing the file whole.

    Args:
      graph: a Value (drawn with `draw_dot`'s defaults) or a drawing from `draw_dot`.
      path: the file to write; missing parent folders are created.
      format: the Graphviz output format; by default the suffix of `path` (``.svg``, ``.png``, ...).

    Returns:
      `path`.

    Raises:
      RuntimeError: Graphviz's ``dot`` program is not installed (the message says how to install
        it), or it failed (the message gives its own).
      ValueError: a label (a Value's, with its data and grad) is longer than the 16,384
        characters ``dot`` reads in one string; shorten it (a drawing shown in Jupyter without
        ``dot`` is laid out in Python and has no such limit).

    Example:
      >>> import os, tempfile
      >>> from autograd import Value
      >>> x = Value(2.0, label="x")
      >>> path = render_graph((x * 3).tanh(), os.path.join(tempfile.mkdtemp(), "tanh.svg"))
      >>> open(path).read().count("<svg")
      1
    """
    if isinstance(graph, Value):
        graph = draw_dot(graph)
    elif not hasattr(graph, "pipe"):
        raise TypeError(f"render_graph: graph must be a Value or a drawing from draw_dot, got {type(graph).__name__}")
    import graphviz
    path = file_name(path, "render_graph")
    format = format or os.path.splitext(path)[1][1:].lower()
    if format not in graphviz.FORMATS:
        raise ValueError(f"render_graph: unknown output format {format!r} for {path!r}; "
                         "end the path with .svg, .png or .pdf, or pass format=")
    try:
        data = graph.pipe(format=format)
    except graphviz.ExecutableNotFound as err:
        raise RuntimeError(f"render_graph: cannot write {path!r}: {_NO_DOT}") from err
    except graphviz.CalledProcessError as err:  # dot refused the drawing: its stderr says why
        said = (err.stderr or b"").decode("utf-8", "replace").strip()
        if "longer than 16384" in said:
            raise ValueError(f"render_graph: cannot write {path!r}: a label is longer than the 16,384 characters "
                             f"Graphviz's dot reads in one string; shorten it") from None
        raise RuntimeError(f"render_graph: cannot write {path!r}: Graphviz's dot failed: "
                           f"{said.splitlines()[0] if said else f'exit status {err.returncode}'}") from None
    write_atomic(path, data, "render_graph", folders=True)  # an interrupted write never leaves half a file
    return path


class StepTerm(NamedTuple):
    """What one backward step added to one parent: ``parent.grad += local_grad * node.grad``.

    Attributes:
      parent: the parent Value.
      local_grad: d(node)/d(parent), evaluated at the forward values.
      added: ``local_grad * node.grad``, the amount added to ``parent.grad``.
      grad_after: ``parent.grad`` right after the addition.

    Example:
      >>> from autograd import Value
      >>> x = Value(3.0)
      >>> step = next(backward_steps(x * 2))
      >>> step.terms[0].local_grad, step.terms[0].added
      (2.0, 2.0)
    """

    parent: Value
    local_grad: float
    added: float
    grad_after: float


class BackwardStep:
    """One step of `backward_steps`: a node passing its gradient on to its parents.

    ``str(step)`` reads as the chain rule with numbers, one line per parent; in Jupyter a step
    shows those lines above the graph, with the node and its parents highlighted.

    Attributes:
      node: the Value whose gradient is being propagated; ``node.grad`` is final at this point.
      grad: ``node.grad`` at this step (the upstream gradient).
      terms: one `StepTerm` per parent, in operand order; empty for a leaf.
      index: this step's position, from 0 (the root) to ``total - 1``.
      total: the number of steps, one per Value in the graph.
      root: the Value `backward_steps` started from.

    A step keeps the numbers as they were when it was made: `grad_of`, `draw` and the Jupyter
    display show that moment, also after later steps (or another backward pass) have changed
    ``.grad``.

    Example:
      >>> from autograd import Value
      >>> x = Value(2.0, label="x")
      >>> o = x.tanh(); o.label = "o"
      >>> step = next(backward_steps(o))
      >>> step.node is o, step.index, step.total
      (True, 0, 2)
      >>> print(step)
      x.grad += (∂o/∂x = 0.07065) × (o.grad = 1.0) = 0.07065  → x.grad = 0.07065
    """

    __slots__ = ("_grads", "_log", "_names", "_params", "grad", "index", "node", "root", "terms", "total")

    node: Value
    grad: float
    terms: tuple[StepTerm, ...]
    index: int
    total: int
    root: Value

    def __init__(self, node: Value, grad: float, terms: tuple[StepTerm, ...], index: int, total: int, root: Value,
                 names: dict[Value, str], log: list[BackwardStep] | None = None, params: set[Value] | None = None) -> None:
        self.node, self.grad, self.terms = node, grad, terms
        self.index, self.total, self.root, self._names = index, total, root, names
        # The steps of this pass so far (shared, appended to as the pass goes on): a step's
        # snapshot is read from the ones up to it, so it never changes afterwards.
        self._log, self._params = ([self] if log is None else log), params
        self._grads: dict[Value, float] | None = None  # the snapshot, read from the log on first use

    def grad_of(self, v: Value) -> float | None:
        """``v.grad`` as it was right after this step; None if no gradient had reached `v` yet in this pass.

        Example:
          >>> from autograd import Value
          >>> a = Value(2.0, label="a")
          >>> steps = list(backward_steps(a * a + a))
          >>> steps[0].grad_of(a), steps[1].grad_of(a), steps[-1].grad_of(a)
          (1.0, 5.0, 5.0)
        """
        return self._snapshot().get(v)

    def _snapshot(self) -> dict[Value, float]:
        if self._grads is None:  # the steps up to this one never change: read them once
            first = self._log[0]
            self._grads = {first.node: first.grad}
            for step in self._log[:self.index + 1]:
                for t in step.terms:
                    self._grads[t.parent] = t.grad_after
        return self._grads

    def __str__(self) -> str:
        n = self._names[self.node]
        if not self.terms:
            kind = "a constant" if self.node.op == "const" else "a leaf"
            return f"{n}.grad = {svg.number(self.grad)} is final ({n} is {kind}: nothing to pass on)"
        return "\n".join(f"{p}.grad += (∂{n}/∂{p} = {svg.number(t.local_grad)}) × ({n}.grad = {svg.number(self.grad)}) "
                         f"= {svg.number(t.added)}  → {p}.grad = {svg.number(t.grad_after)}"
                         for t in self.terms for p in [self._names[t.parent]])

    def __repr__(self) -> str:
        return f"<BackwardStep {self.index + 1}/{self.total}: {self._formula()}>"

    def _formula(self) -> str:
        # What the node computes, in its names: "o = x * w", "a = tanh(z)", or just "x" for a leaf.
        node, names = self.node, self._names
        args = [names[p] for p in node.parents]
        if not args:
            return names[node]
        return f"{names[node]} = {notation.formula(node.op, args)}"

    def draw(self, **kwargs: Any) -> graphviz.Digraph:
        """`draw_dot` of the whole graph as it was at this step: this node, its op and its parents lit.

        Gradients not computed yet at this step read "—".

        Args:
          **kwargs: passed on to `draw_dot` (``rankdir=``, ``max_nodes=``, ...); ``params=``
            defaults to the `backward_steps` call's.

        Example:
          >>> from autograd import Value
          >>> step = next(backward_steps(Value(2.0) * 3))
          >>> 'color="#dc2626"' in step.draw().source
          True
        """
        kwargs.setdefault("params", self._params)
        return draw_dot(self.root, highlight=(self.node, *self.node.parents), current=self.node, _grads=self._snapshot(),
                        **kwargs)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, str]:
        # Whatever stops the drawing (too big, no graphviz, no dot), the chain rule still shows.
        text = f"step {self.index + 1}/{self.total}: {self._formula()}\n{self}"
        if self.total > _MAX_NODES:
            note = f"(the graph has {self.total} Values, too many to show; step.draw(max_nodes={self.total}) draws it)"
            return {"text/plain": f"{text}\n{note}"}
        try:
            import graphviz
        except ImportError:
            return {"text/plain": f"{text}\n({_NO_GRAPHVIZ})"}
        drawing = self.draw()
        try:
            picture = drawing.pipe(format="svg", encoding="utf-8")
            picture = picture[picture.index("<svg"):]  # inline SVG starts at <svg: no XML prolog inside HTML
        except graphviz.ExecutableNotFound:
            picture = drawing._picture.svg()  # laid out in Python
        return {"text/html": f"<pre>{html.escape(text)}</pre>\n{picture}", "text/plain": text}


def backward_steps(root: Value, grad: float = 1.0, *, params: Value | Iterable[Value] | None = None) -> Iterator[BackwardStep]:
    """Run ``root.backward(grad)`` one node at a time, yielding a `BackwardStep` per node.

    Nodes come in reverse topological order (the root first), each after every node that uses it,
    so its gradient is final when its step comes. Each step adds the node's contribution to its
    parents' ``.grad`` before it is yielded; exhausting the iterator leaves exactly the gradients
    ``root.backward(grad)`` would, bit for bit: interior nodes are reset to 0 when iteration
    starts; a leaf keeps the gradient it had before and shows that plus this pass's contributions
    so far (summed among themselves first, then added to the earlier gradient, as ``backward``
    does). Each step keeps its own numbers: collect them all, and drawing the first still shows
    the first step's gradients. For a page to step through, forward pass included, see
    `autograd.explore`.

    Args:
      root: the Value to differentiate.
      grad: the gradient of the final objective with respect to `root` (default 1.0).
      params: Values a model owns (``model.parameters()``), drawn as parameters in each step.

    Returns:
      An iterator of `BackwardStep`, one per Value in the graph; nothing changes until it is iterated.

    Example:
      >>> from autograd import Value
      >>> a = Value(2.0, label="a")
      >>> b = a * a; b.label = "b"
      >>> for step in backward_steps(b):
      ...     print(step)
      a.grad += (∂b/∂a = 2.0) × (b.grad = 1.0) = 2.0  → a.grad = 2.0
      a.grad += (∂b/∂a = 2.0) × (b.grad = 1.0) = 2.0  → a.grad = 4.0
      a.grad = 4.0 is final (a is a leaf: nothing to pass on)
    """
    _check_value("backward_steps", "root", root)
    params = _value_set("backward_steps", "params", params)
    return _steps(root, _seed("backward_steps", "grad", grad), params)


def _steps(root: Value, grad: float, params: set[Value]) -> Iterator[BackwardStep]:
    # Value.backward's start and loop, in the same order of float operations, so the results
    # agree bit for bit; it only pauses after each node. backward() collects a leaf's sum for the
    # pass in its .grad and adds the leaf's earlier gradient at the end; here the sums are kept
    # aside, so that at every pause a leaf shows its earlier gradient plus the sum so far (and a
    # walk stopped halfway loses nothing). The last step touching a leaf leaves `sum + earlier`,
    # the very addition backward() ends with.
    order, leaves, earlier = _start_backward(root, grad)
    earlier = dict(zip(leaves, earlier))
    passed = {leaf: leaf.grad for leaf in leaves}  # this pass's sum: 0.0, or the seed of a leaf root
    for leaf, g in passed.items():
        leaf.grad = g + earlier[leaf]
    names = dict(zip(order, svg.names(order)))  # unique, bidi-isolated: as the explorer names them
    total: int
    log: list[BackwardStep]
    total, log = len(order), []
    for index, node in enumerate(reversed(order)):
        g = node.grad
        terms: list[StepTerm] = []
        for parent, local in zip(node.parents, node.local_grads):
            added = local * g
            if parent in passed:
                passed[parent] += added
                parent.grad = passed[parent] + earlier[parent]
            else:
                parent.grad += added
            terms.append(StepTerm(parent, local, added, parent.grad))
        log.append(BackwardStep(node, g, tuple(terms), index, total, root, names, log, params))
        yield log[-1]


def _check_value(fn: str, what: str, x: object) -> None:
    if not isinstance(x, Value):
        raise TypeError(f"{fn}: {what} must be a Value, got {type(x).__name__}: {x!r}")


def _value_set(fn: str, what: str, xs: Value | Iterable[Value] | None) -> set[Value]:
    """A Value, a collection of Values, or None, as a set (Values hash by identity)."""
    if xs is None:
        return set()
    if isinstance(xs, (str, bytes)) or not (isinstance(xs, Value) or hasattr(xs, "__iter__")):  # type: ignore[unreachable]  # input, whatever its type says
        raise TypeError(f"{fn}: {what} must be a Value or a collection of Values, got {type(xs).__name__}: {xs!r}")
    xs = [xs] if isinstance(xs, Value) else list(xs)
    for x in xs:
        _check_value(fn, f"every item of {what}", x)
    return set(xs)
