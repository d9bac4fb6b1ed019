"""The backprop explorer: step through the forward and the backward pass of any graph.

``explore(root)`` records the timeline of a graph: the forward pass (the leaves are given, then
one step per op, in topological order) and the backward pass (one step per op, in reverse: the
node's gradient is final and each parent receives local derivative × gradient). In Jupyter the
`Explorer` shows as an interactive widget; ``save("backprop.html")`` writes one self-contained
page; ``steps`` holds the same timeline as Python objects, each step with the numbers as they
were at that step, and ``timeline(by="neuron" | "layer" | "depth")`` the coarser steps the page's
"step by" control goes through (each the state at the end of a run of op steps).

What happens where: this module computes the steps, the coarse timelines (which op step each
coarse step ends at, and its sentence), the grouping by neuron and the layout; the
drawing is SVG written by `autograd.svg`; the page's one script (``static/explorer.js``, the same
for the widget and the saved file) only changes classes and numbers as the learner steps.

Example:
  >>> from autograd import Value
  >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
  >>> o = (x * w).tanh(); o.label = "o"
  >>> ex = explore(o)
  >>> [str(s) for s in ex.steps][1:3]
  ['v2 = x * w = 2.0 * -3.0 = -6.0', 'o = tanh(v2) = tanh(-6.0) = -1.0']
  >>> print(ex.steps[3])
  o.grad = 1.0 is final; it passes on: v2.grad += (∂o/∂v2 = 2.458e-05) × 1.0 = 2.458e-05 → v2.grad = 2.458e-05
"""

from __future__ import annotations

import bisect
import heapq
import json
import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from autograd import notation, page, svg
from autograd._checks import is_int, positive_int
from autograd.engine import Value, topological_order
from autograd.layout import Layout, chain, layered
from autograd.viz import StepTerm, _check_value, _value_set

if TYPE_CHECKING:
    Unit = tuple[str, int]  # ("n", i): Value i drawn alone; ("g", g): neuron box g
    Group = dict[str, Any]  # a neuron box: name, members, z, out, activation, ...
    Part = str | tuple[str, list[int]]  # text, or ("data" | "grad", nodes): their numbers at the step
    Line = list[Part]  # a coarse step's sentence

__all__ = ["Explorer", "Step", "explore"]

_MAX_NODES = 5000
_GROUP_SIZE = (228.0, 36.0)  # a neuron's box: z and a, each with its gradient
_COST_SIZE = (180.0, 36.0)
_PORT_SIZE = (110.0, 48.0)


def explore(root: Value, *, params: Value | Iterable[Value] | None = None, max_nodes: int = _MAX_NODES,
            grouped: bool | None = None, title: str | None = None) -> Explorer:
    """Record the forward and backward pass of `root`'s graph, to step through in Jupyter or a browser.

    `explore` changes no ``.grad``: it runs ``root.backward()``'s loop on numbers of its own, so it
    can be called before or after ``backward()`` and always shows d(root)/d(node) (wrapped
    constants included, as ``backward()`` fills in theirs).

    Args:
      root: the Value whose graph to explore (a loss, say).
      params: Values a model owns (e.g. ``model.parameters()``), drawn as parameters. By
        default the leaves that `nn` labels as weights and biases (``w[l]_ij``, ``b[l]_i``) are.
      max_nodes: the largest graph to explore; a larger one raises a ValueError.
      grouped: draw one box per call of each neuron (from `nn`'s labels ``z[l]_i``, ``a[l]_i``; a
        model applied to two examples, or to its own output, gets a box per call; a box opens on
        click). By default, whenever the graph has such labels.
      title: the page's title; by default one naming the root and the graph's size.

    Returns:
      An `Explorer`.

    Raises:
      TypeError: `root` is not a Value.
      ValueError: the graph has more than `max_nodes` Values.

    Example:
      >>> from nn import MLP
      >>> model = MLP(2, [3, 1], seed=0)
      >>> ex = explore(model([1.0, -1.0]), params=model.parameters())
      >>> ex.grouped, len(ex.groups), ex.steps[0].phase, ex.steps[-1].phase
      (True, 4, 'forward', 'backward')
    """
    _check_value("explore", "root", root)
    positive_int(max_nodes, "explore", "max_nodes")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"explore: title must be a str or None, got {type(title).__name__}: {title!r}")
    if grouped not in (None, True, False):
        raise TypeError(f"explore: grouped must be None, True or False, got {grouped!r}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(f"explore: the graph has {len(order)} Values, more than max_nodes={max_nodes}; explore a "
                         f"smaller graph (one training example's loss, one neuron's output), or pass "
                         f"max_nodes={len(order)} (pages of more than ~5,000 Values step slowly)")
    return Explorer(_Timeline(order, _value_set("explore", "params", params)), grouped, title)


# --- the timeline ------------------------------------------------------------------------------

class _Timeline:
    """The graph as lists indexed by topological position, and every step's numbers.

    Step 0 gives the leaves; steps 1..F compute the ops in topological order; the backward steps
    follow, one per op (and the root first even when it is a leaf). Gradients are accumulated in
    the engine's order (`Value.backward`'s loop), so each equals what ``backward()`` leaves.
    """

    def __init__(self, order: list[Value], params: set[Value]) -> None:
        self.order = order
        index = self.index = {v: i for i, v in enumerate(order)}
        n = len(order)
        self.parents = [tuple(index[p] for p in v.parents) for v in order]
        self.partials = [v.local_grads for v in order]
        self.data = [v.data for v in order]
        self.names = svg.names(order)  # isolated where bidi could reorder a line: the page writes these too
        self.kinds = [svg.kind_of(v, order[-1], params) for v in order]
        self.consumers: list[list[int]] = [[] for _ in range(n)]
        for i, ps in enumerate(self.parents):
            for p in dict.fromkeys(ps):
                self.consumers[p].append(i)
        computed = [i for i in range(n) if self.parents[i]]
        self.forward = computed  # forward step k (from 1) computes node forward[k - 1]
        self.backward = [i for i in reversed(range(n)) if self.parents[i] or i == n - 1]
        self.first_backward = 1 + len(computed)
        self.total = self.first_backward + len(self.backward)
        self.by_step = [-1, *computed, *self.backward]  # the node of each op step (none at step 0)
        self.appears = [0] * n  # the step at which each node's value is known
        for k, i in enumerate(computed, 1):
            self.appears[i] = k
        # The backward pass, run once: each node's gradient after every change, with its step.
        grad = [0.0] * n
        grad[n - 1] = 1.0
        self.history: list[list[tuple[int, float]]] = [[] for _ in range(n)]  # [(step, grad after)]
        self.added: list[tuple[float, ...]] = [()] * n  # each op's contributions to its parents, at its step
        self.after: list[tuple[float, ...]] = [()] * n  # each parent's gradient right after its contribution
        self.passes: list[Any] = [None] * n  # the step at which each node passes its gradient on
        for k, i in enumerate(self.backward, self.first_backward):
            self.passes[i] = k
            if i == n - 1:
                self.history[i].append((k, grad[i]))
            g, added, after = grad[i], [], []
            for p, local in zip(self.parents[i], self.partials[i]):
                a = local * g
                grad[p] += a
                self.history[p].append((k, grad[p]))
                added.append(a)
                after.append(grad[p])
            self.added[i], self.after[i] = tuple(added), tuple(after)
        # A gradient is final once every consumer has passed its share (the root's at its own step).
        self.final = [max((self.passes[c] for c in self.consumers[i]), default=self.passes[i] or 0)
                      for i in range(n)]

    def data_at(self, i: int, step: int) -> float | None:
        return self.data[i] if self.appears[i] <= step else None

    def grad_at(self, i: int, step: int) -> float | None:
        changes = self.history[i]
        k = bisect.bisect_right(changes, (step, math.inf))
        return changes[k - 1][1] if k else None

    def node_at(self, step: int) -> int | None:
        if step == 0:
            return None
        if step < self.first_backward:
            return self.forward[step - 1]
        return self.backward[step - self.first_backward]

    def covered(self, step: int, first: int | None = None) -> list[int]:
        """The nodes of op steps `first`..`step` (one step by default; step 0 computes none)."""
        return self.by_step[max(1, step if first is None else first):step + 1]

    def states(self, step: int, first: int | None = None) -> list[str]:
        """Each node's state class at `step`, the nodes of op steps `first`..`step` current (the script computes the same)."""
        n = len(self.order)
        if step < self.first_backward:
            state = ["" if self.appears[i] <= step else "s-pending" for i in range(n)]
            near = "s-operand"
        else:  # no gradient yet; collecting it (some consumers have passed theirs); final
            state = ["s-pending" if not self.history[i] or self.history[i][0][0] > step
                     else "s-done" if self.final[i] <= step else "s-partial" for i in range(n)]
            near = "s-receiving"
        current = self.covered(step, first)
        for c in current:
            for p in self.parents[c]:
                state[p] = near
        for c in current:
            state[c] = "s-current"
        return state

    def edge_state(self, child: int, step: int, first: int | None = None) -> tuple[str, bool | None]:
        """(class, passed) of the edges into `child` at `step` (the step covering op steps `first`..`step`):
        forward, waiting, or passed back (then drawn with a sign and a width); once a step is under
        way, the edges it does not involve fade (s-idle)."""
        first = step if first is None else first
        if step < self.first_backward:
            if self.appears[child] > step:
                return "s-pending", None
            return ("fwd s-active" if first <= self.appears[child] else "fwd s-idle"), None  # an op appears at step >= 1
        if self.passes[child] > step:
            return "s-idle", None
        return "back" + (" s-active" if first <= self.passes[child] else " s-idle"), True


# --- steps, as Python objects ----------------------------------------------------------------

class Step:
    """One step of an `Explorer`'s timeline, with the numbers as they were at that step.

    A step of ``explorer.steps`` is one op; a step of ``explorer.timeline(by="layer")`` (or by
    neuron, or by depth) is a run of them, and shows the state at the end of its run.

    Attributes:
      index: the step's position in its timeline, from 0.
      by: its timeline's granularity: ``"op"``, ``"neuron"``, ``"layer"`` or ``"depth"``.
      covers: the op steps it covers (indices into ``explorer.steps``): ``range(index, index + 1)``
        for an op step.
      phase: ``"forward"`` or ``"backward"``.
      node: the Value computed (forward) or passing its gradient on (backward) by its last op
        step; None for step 0, where the leaves are given.
      terms: on the backward pass, one `StepTerm` per parent of each op it covers (what it added).

    Example:
      >>> from autograd import Value
      >>> a = Value(2.0, label="a")
      >>> b = a * a; b.label = "b"
      >>> steps = explore(b).steps
      >>> steps[0].data_of(b), steps[1].data_of(b), steps[1].grad_of(a), steps[2].grad_of(a)
      (None, 4.0, None, 4.0)
    """

    __slots__ = ("_line", "_t", "by", "covers", "index")
    _t: _Timeline
    index: int
    by: str
    covers: range
    _line: Line | None  # a coarse step's sentence (None: its last op step's)

    def __init__(self, timeline: _Timeline, index: int, covers: range | None = None, by: str = "op",
                 line: Line | None = None) -> None:
        self._t, self.index, self.by, self._line = timeline, index, by, line
        self.covers = range(index, index + 1) if covers is None else covers

    @property
    def phase(self) -> str:
        """``"forward"`` or ``"backward"``.

        Example:
          >>> from autograd import Value
          >>> [s.phase for s in explore(Value(1.0) * 2).steps]
          ['forward', 'forward', 'backward']
        """
        return "forward" if self.covers[-1] < self._t.first_backward else "backward"

    @property
    def node(self) -> Value | None:
        """The step's Value: the op computed (forward) or passing its gradient on (backward); None for step 0.

        Example:
          >>> from autograd import Value
          >>> x = Value(1.0, label="x"); y = x * 2; y.label = "y"
          >>> [s.node.label if s.node else None for s in explore(y).steps]
          [None, 'y', 'y']
        """
        i = self._t.node_at(self.covers[-1])
        return None if i is None else self._t.order[i]

    @property
    def terms(self) -> tuple[StepTerm, ...]:
        """What a backward step adds to each parent: `StepTerm` (parent, local_grad, added, grad_after).

        Example:
          >>> from autograd import Value
          >>> x = Value(3.0)
          >>> explore(x * 2).steps[-1].terms[0].added
          2.0
        """

        t = self._t
        if self.phase == "forward":
            return ()
        return tuple(StepTerm(t.order[p], local, a, after) for i in t.covered(self.covers[-1], self.covers[0])
                     for p, local, a, after in zip(t.parents[i], t.partials[i], t.added[i], t.after[i]))

    def data_of(self, v: Value) -> float | None:
        """`v`'s value if the forward pass has computed it by this step, else None.

        Example:
          >>> from autograd import Value
          >>> x = Value(3.0); y = x * x
          >>> [s.data_of(y) for s in explore(y).steps]
          [None, 9.0, 9.0]
        """
        return self._t.data_at(self._index_of(v), self.covers[-1])

    def grad_of(self, v: Value) -> float | None:
        """d(root)/d(v) accumulated so far at this step; None before any gradient reached `v`.

        Example:
          >>> from autograd import Value
          >>> x = Value(3.0); y = x * x
          >>> [s.grad_of(x) for s in explore(y).steps]
          [None, None, 6.0]
        """
        return self._t.grad_at(self._index_of(v), self.covers[-1])

    def _index_of(self, v: object) -> int:
        i = self._t.index.get(v) if isinstance(v, Value) else None
        if i is None:
            raise ValueError(f"Step: {v!r} is not a Value of this graph")
        return i

    def __str__(self) -> str:
        if self.by != "op":  # a coarse step: its own sentence, else its last op step's
            end = self.covers[-1]
            return str(Step(self._t, end)) if self._line is None else _fill(self._t, self._line, end)
        t, i = self._t, self._t.node_at(self.index)
        names, num = t.names, svg.number
        if i is None:
            return f"the leaves are given ({_leaf_counts(t)}); the forward pass computes the rest"
        if self.phase == "forward":
            op, ps = t.order[i].op, t.parents[i]
            return (f"{names[i]} = {notation.formula(op, [names[p] for p in ps])} = "
                    f"{notation.formula(op, [num(t.data[p]) for p in ps])} = {num(t.data[i])}")
        g = t.grad_at(i, self.index)
        if not t.parents[i]:
            return f"{names[i]}.grad = {num(g)}: the root is a leaf, nothing to pass on"
        terms = "; ".join(f"{names[p]}.grad += (∂{names[i]}/∂{names[p]} = {num(local)}) × {num(g)} = {num(a)} "
                          f"→ {names[p]}.grad = {num(after)}"
                          for p, local, a, after in zip(t.parents[i], t.partials[i], t.added[i], t.after[i]))
        return f"{names[i]}.grad = {num(g)} is final; it passes on: {terms}"

    def __repr__(self) -> str:
        if self.by != "op":
            return f"<Step {self.index + 1} by {self.by} (op steps {self.covers[0]}–{self.covers[-1]}, {self.phase}): {self}>"
        return f"<Step {self.index + 1}/{self._t.total} ({self.phase}): {self}>"


def _leaf_counts(t: _Timeline) -> str:
    """"2 inputs, 337 parameters, 1 constant": the leaves of each kind, for step 0's sentence."""
    kinds = [t.kinds[j] for j in range(len(t.order)) if not t.parents[j]]
    words = (("leaf", "input", "inputs"), ("param", "parameter", "parameters"), ("const", "constant", "constants"),
             ("root", "root", "roots"))
    return ", ".join(f"{n} {one if n == 1 else many}" for kind, one, many in words if (n := kinds.count(kind)))


# --- coarse steps: by neuron, by layer, by depth ----------------------------------------------

_BY = ("op", "neuron", "layer", "depth")
_LISTED = 8  # the numbers a sentence lists before "…"


def _fill(t: _Timeline, line: Line, step: int) -> str:
    """A coarse step's sentence at op step `step`: its text with its nodes' numbers (the script fills the same)."""
    out = []
    for part in line:
        if isinstance(part, str):
            out.append(part)
            continue
        field, nodes = part
        get = t.data_at if field == "data" else t.grad_at
        shown = [svg.number(get(i, step)) for i in nodes[:_LISTED]]
        out.append(shown[0] if len(nodes) == 1 else f"[{', '.join(shown)}{', …' if len(nodes) > _LISTED else ''}]")
    return "".join(out)


class _Coarse:
    """The coarse timelines of a graph, each a list of (its last op step, its sentence or None: the op's).

    A coarse step is the state at the end of a run of op steps. By neuron: a run of ops of one
    neuron (or of the cost, or one op outside them). By layer (a graph built by `nn`): a step per
    layer forward; backward, the cost's step, then one step per layer from L down to 1 after which
    every δ = ∂C/∂z of the layer is final, then the parameters'; a model called on several
    examples, a step per (call, layer). By depth (any graph): the nodes at
    one distance from the root (the longest path to it). Step 0 and the ends of both passes are
    steps of every timeline, so that no step mixes the two passes.
    """

    def __init__(self, t: _Timeline, neurons: list[Group]) -> None:
        self.t, self.neurons = t, neurons
        self.cost = next((g for g in neurons if g["activation"] == "cost"), None)
        # Each (call, layer)'s boxes in neuron order, calls and layers in order; None where the
        # model's calls do not form chains of layers (see _model_calls): no line by layer is true there.
        boxes = [g for g in neurons if g["activation"] != "cost"]
        self.layers: dict[tuple[int, int], list[Group]] | None = None
        if boxes and all("chain" in g for g in boxes):
            self.layers = {}
            for g in sorted(boxes, key=lambda g: (g["chain"], g["key"])):
                self.layers.setdefault((g["chain"], g["key"][0]), []).append(g)

    def stops(self, by: str) -> list[tuple[int, Line | None]]:
        t = self.t
        found = self.by_neuron() if by == "neuron" else self.by_layer() if by == "layer" else self.by_depth()
        merged: dict[int, Line | None] = {0: None, t.first_backward - 1: None, t.total - 1: None}
        for end, line in found:  # steps that end together are one step, with both sentences
            old = merged.get(end)
            merged[end] = line if old is None or line is None else [*old, "; ", *line]
        return sorted(merged.items())

    def ports(self, g: Group) -> list[int]:
        """The nodes outside group `g` that it reads (the network's outputs, for the cost)."""
        inside = set(g["members"])
        return sorted({p for i in g["members"] for p in self.t.parents[i]} - inside)

    def by_layer(self) -> list[tuple[int, Line | None]]:
        """Forward, a step per (call, layer); backward, the cost's, then a step per (call, layer)
        once its δ is final, then the parameters'. A model called several times (on several
        examples) names the call in each line: each equation holds within one call."""
        t, sup, layers = self.t, notation.superscript, self.layers or {}
        out: list[tuple[int, Line | None]] = []
        calls = max((c for c, _ in layers), default=0)
        top = {c: l for c, l in layers}  # each call's last layer (layers are in order)
        if self.cost is not None:  # first: when the cost's step is also layer L's, it comes first in the sentence
            n, read = len(t.order), set(self.ports(self.cost))
            out.append((t.first_backward - 1, [f"the cost: C = {t.names[n - 1]} = ", ("data", [n - 1])]))
            for c, l in top.items():  # ∂C/∂a⁽ᴸ⁾ of each call, once final (the cost's own step for one call)
                outs = [g["out"] for g in layers[c, l] if g["out"] in read]
                done = [t.passes[i] for i in self.cost["members"] if t.passes[i] is not None] if calls == 1 else []
                if outs:
                    out.append((max(done + [t.final[i] for i in outs]),
                                [f"the cost: ∇C(a{sup(l)}){f' of call {c}' if calls > 1 else ''} = ∂C/∂a{sup(l)} = ",
                                 ("grad", outs)]))
        for (c, l), gs in layers.items():
            acts = {g["activation"] for g in gs}
            linear = acts == {"linear"}
            note = "" if linear else f" (σ = {acts.pop()})" if len(acts) == 1 else " (σ: each neuron's own)"
            head = f"call {c} · layer {l}: " if calls > 1 else f"layer {l}: "
            given = "x" if l == 1 else f"a{sup(l - 1)}"
            affine = f"W{sup(l)} {given} + b{sup(l)}"
            out.append((max(t.appears[g["out"]] for g in gs),
                        [f"{head}a{sup(l)} = {affine if linear else f'σ({affine})'} = ", ("data", [g["out"] for g in gs]),
                         note]))
            back = f"∇C(a{sup(l)})" if l == top[c] else f"(W{sup(l + 1)})ᵀ δ{sup(l + 1)}"
            zs = [g["z"] for g in gs]
            out.append((max(t.final[z] for z in zs),
                        [f"{head}δ{sup(l)} = ∂C/∂z{sup(l)} = {back if linear else f'σ′(z{sup(l)}) ⊙ {back}'} = ",
                         ("grad", zs), note]))
        params = [i for i, kind in enumerate(t.kinds) if kind == "param"]
        names = [notation.parse(t.order[i].label) for i in params]
        first = [i for name, i in sorted((name, i) for name, i in zip(names, params)
                                          if name and name.name == "w" and name.layer == 1)]
        if params:
            out.append((t.total - 1, ["the parameters' gradients are final: ∂C/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾, ∂C/∂bᵢ⁽ˡ⁾ = δᵢ⁽ˡ⁾; "
                                      + (f"∂C/∂W{sup(1)} = " if first else "∂C/∂θ = "), ("grad", first or params)]))
        return out

    def by_neuron(self) -> list[tuple[int, Line | None]]:
        """A step per neuron (and the cost) and pass: where its last op is done; an op outside them is a step alone.

        A neuron's ops interleave with its neighbours' in the op order (a product w_ij a_j is
        computed as soon as a_j is), so a step may also cover ops of neurons not done yet.
        """
        t = self.t
        out: list[tuple[int, Line | None]] = []
        grouped: set[int] = set()
        for g in self.neurons:
            grouped.update(g["members"])
            ops = [i for i in g["members"] if t.parents[i]]
            if ops:
                out.append((max(t.appears[i] for i in ops), self.neuron_line(g, False)))
                out.append((max(t.passes[i] for i in ops), self.neuron_line(g, True)))
        return out + [(k, None) for k in range(1, t.total) if t.by_step[k] not in grouped]

    def neuron_line(self, g: Group, backward: bool) -> Line:
        t, sup, sub = self.t, notation.superscript, notation.subscript
        z, a, act, names = g["z"], g["out"], g["activation"], t.names
        head, name = f"{g['name']}: ", notation.parse(t.order[z].label)
        if act == "cost":
            return [head + "∇C = ", ("grad", self.ports(g))] if backward else [f"{head}C = {names[z]} = ", ("data", [z])]
        if name is None:  # not a label nn writes: the neuron's output, or δ
            return [f"{head}δ = ∂C/∂{names[z]} = ", ("grad", [z])] if backward else [f"{head}{names[a]} = ", ("data", [a])]
        if not backward:
            l, i = name.layer, sub(name.indices[0])
            given = "xⱼ" if l == 1 else f"aⱼ{sup(l - 1)}"
            line: Line = [f"{head}{names[z]} = Σⱼ w{i}ⱼ{sup(l)} {given} + b{i}{sup(l)} = ", ("data", [z])]
            return line + ([] if a == z else [f", {names[a]} = {act}({names[z]}) = ", ("data", [a])])
        line = [head] if a == z else [head + f"∂C/∂{names[a]} = ", ("grad", [a]), ", "]
        line += [f"δ = ∂C/∂{names[z]} = " + ("" if a == z else f"{act}′({names[z]}) × ∂C/∂{names[a]} = "), ("grad", [z])]
        params = [i for i in g["members"] if t.kinds[i] == "param"]
        return line + (["; its parameters' gradients (δ × their input) = ", ("grad", params)] if params else [])

    def by_depth(self) -> list[tuple[int, Line | None]]:
        t, n = self.t, len(self.t.order)
        depth = [0] * n
        for i in reversed(range(n)):  # consumers first: a node's depth is final before its parents'
            for p in t.parents[i]:
                depth[p] = max(depth[p], depth[i] + 1)
        at: dict[int, list[int]] = {}
        for i in range(n):
            if t.parents[i] or i == n - 1:
                at.setdefault(depth[i], []).append(i)

        def listed(nodes: list[int]) -> str:
            return ", ".join(t.names[i] for i in nodes[:_LISTED]) + (", …" if len(nodes) > _LISTED else "")

        out: list[tuple[int, Line | None]] = []
        end, root = 0, t.names[n - 1]
        for d in sorted(at, reverse=True):  # forward: the deepest ops first
            ops = [i for i in at[d] if t.parents[i]]
            if ops:
                end = max(end, *(t.appears[i] for i in ops))
                out.append((end, [f"depth {d}: {listed(ops)} = ", ("data", ops)]))
        end = 0
        for d in sorted(at):  # backward: from the root out; each node's gradient is final when it passes
            end = max(end, *(t.passes[i] for i in at[d]))
            out.append((end, [f"depth {d}: ∂{root}/∂({listed(at[d])}) = ", ("grad", at[d])]))
        return out


# --- the explorer -----------------------------------------------------------------------------

class Explorer:
    """The timeline of a graph, ready to show: a widget in Jupyter, a page with `save`, steps in Python.

    Made by `explore`. In Jupyter, the last expression of a cell shows it as a widget (with the
    `notebooks` extra installed); a front end that runs no JavaScript shows a drawing of `step`.

    Attributes:
      steps: the timeline, a list of `Step`: forward steps first.
      step: the step the widget and the saved page open at (an index into `steps`; 0 by default).
        Where no script runs (`svg`, GitHub, nbconvert's HTML), the picture shows this step once
        it is set, and until then the middle of the backward pass: a picture of step 0 would
        read "—" in every box.
      grouped: whether the drawing has one box per neuron.
      groups: the groups of the drawing: lists of Values, every Value in exactly one (a Value
        outside any neuron is a group of its own).

    Example:
      >>> import os, tempfile
      >>> from autograd import Value
      >>> x = Value(0.5, label="x")
      >>> ex = explore((x * x + 1.0).log())
      >>> len(ex.steps), ex.grouped
      (7, False)
      >>> path = ex.save(os.path.join(tempfile.mkdtemp(), "backprop.html"))
      >>> open(path, encoding="utf-8").read().count("<script")
      2
    """

    steps: list[Step]
    grouped: bool
    title: str

    def __init__(self, timeline: _Timeline, grouped: bool | None, title: str | None) -> None:
        self._t = t = timeline
        self.steps = [Step(t, k) for k in range(t.total)]
        self._step = 0
        self._chosen = False  # whether `step` was set: until then a static picture shows `_shown()`
        found = _neuron_groups(t)
        self.grouped = bool(found) if grouped is None else grouped
        if self.grouped and not found:
            raise ValueError("explore: grouped=True, but the graph has no neurons labelled as nn labels them "
                             "(z[l]_i, a[l]_i); build it with nn's Neuron, Layer or MLP, or pass grouped=False")
        self._groups = found if self.grouped else []
        self._coarse = _Coarse(t, found)
        self._stops: dict[str, list[tuple[int, Line | None]]] = {}  # the coarse timelines, made on first use
        # The page's control: by layer on a network, by depth on any other graph (which has no layers)
        # and on a network whose calls feed one another (a model applied to its own output), where
        # no line by layer would be a true equation.
        layers = self._coarse.layers is not None
        self._offered = ("op", "neuron", "layer") if layers else ("op", "neuron", "depth") if found else ("op", "depth")
        self._by = "layer" if layers else "neuron" if found else "op"
        self._member = [-1] * len(t.order)
        for g, group in enumerate(self._groups):
            for i in group["members"]:
                self._member[i] = g
        self.title = title or (f"backprop explorer: {t.names[-1]}, {len(t.order)} Values")
        self._picture: _Drawing | None = None  # the layout and what the drawing is made of (a _Drawing), made on first use

    @property
    def groups(self) -> list[list[Value]]:
        """Every Value in exactly one group: a neuron's nodes together, any other Value alone.

        Example:
          >>> from nn import Neuron
          >>> ex = explore(Neuron(2, seed=0)([1.0, 2.0]))
          >>> [len(g) for g in ex.groups]
          [10]
        """
        t = self._t
        alone = [[t.order[i]] for i in range(len(t.order)) if self._member[i] < 0]
        return [[t.order[i] for i in g["members"]] for g in self._groups] + alone

    @property
    def step(self) -> int:
        """The step shown on display or save (an index into `steps`; negative counts from the end).

        Example:
          >>> from autograd import Value
          >>> ex = explore(Value(1.0) * 2)
          >>> ex.step = -1
          >>> ex.step
          2
        """
        return self._step

    @step.setter
    def step(self, k: int) -> None:
        self._step, self._chosen = self._index(k, "Explorer"), True

    def _shown(self) -> int:
        """The step a static picture shows: `step` once set, else the middle of the backward pass."""
        t = self._t
        return self._step if self._chosen else t.first_backward + len(t.backward) // 2

    @property
    def by(self) -> str:
        """The granularity the page and the widget step by at first: ``"op"``, ``"neuron"``, ``"layer"`` or ``"depth"``.

        By default ``"layer"`` for a graph built by `nn`, ``"op"`` for any other, whose page offers
        ``"depth"`` in place of ``"neuron"`` and ``"layer"``. A model whose calls feed one another
        (applied to its own output, a recurrence) starts by ``"neuron"`` and offers ``"depth"`` in
        place of ``"layer"``.

        Example:
          >>> from nn import MLP
          >>> ex = explore(MLP(2, [2, 1], seed=0)([1.0, 2.0]))
          >>> ex.by
          'layer'
          >>> ex.by = "neuron"
        """
        return self._by

    @by.setter
    def by(self, by: str) -> None:
        if by not in self._offered:
            raise ValueError(f"Explorer: by must be one of {', '.join(map(repr, self._offered))} for this graph, "
                             f"got {by!r}" + self._why_not(by))
        self._by = by

    def timeline(self, by: str = "op") -> list[Step]:
        """The steps at granularity `by`; each coarse step is the state at the end of a run of op steps.

        Args:
          by: ``"op"`` (``steps``: one op a step), ``"neuron"`` (a neuron's ops at once),
            ``"layer"`` (forward, a layer a step: a⁽ˡ⁾ = σ(W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾); backward, the
            cost's step, then one per layer from L down to 1 after which every δᵢ⁽ˡ⁾ = ∂C/∂zᵢ⁽ˡ⁾
            of the layer is final, then the parameters'; a model called on several examples steps
            per call and layer, "call 2 · layer 1: …"), or ``"depth"`` (the nodes at one distance
            from the root, on any graph). Neurons and layers need a graph built by `nn`; layers,
            one whose calls do not feed one another (a model applied to its own output, a
            recurrence, has no true equation by layer: step it by depth).

        Returns:
          A list of `Step`: ``covers`` says which op steps each covers; ``str`` writes it (by
          layer, the notes' equation with its numbers), ``data_of`` and ``grad_of`` give the
          numbers at its end. Step 0 (the leaves given) and the last step of each pass are in
          every timeline.

        Raises:
          ValueError: `by` is none of these, or asks for neurons or layers of a graph without them.

        Example:
          >>> from nn import MLP
          >>> model = MLP(2, [2, 1], seed=0)
          >>> ex = explore(model([1.0, -1.0]))
          >>> [str(s) for s in ex.timeline(by="layer")][1]
          'layer 1: a⁽¹⁾ = σ(W⁽¹⁾ x + b⁽¹⁾) = [0.1729, 0.3233] (σ = relu)'
          >>> ex.timeline(by="layer")[-2].covers
          range(16, 25)
        """
        t = self._t
        if by not in _BY:
            raise ValueError(f"Explorer.timeline: by must be 'op', 'neuron', 'layer' or 'depth', got {by!r}")
        if by == "op":
            return list(self.steps)
        if by not in self._offered and by != "depth":
            raise ValueError(f"Explorer.timeline: by={by!r} is not offered for this graph{self._why_not(by)}")
        stops = self._stops_by(by)
        return [Step(t, j, range(stops[j - 1][0] + 1 if j else 0, end + 1), by, line) for j, (end, line) in enumerate(stops)]

    def _why_not(self, by: str) -> str:
        """Why this graph offers no stepping by `by` (a neuron or a layer), as the end of an error sentence."""
        if not self._coarse.neurons:
            return (" (a graph not built by nn has no neurons labelled z[l]_i, a[l]_i, nor layers); "
                    "step it by 'op' or 'depth'")
        if by == "layer":
            return (" (the model's calls feed one another, e.g. a model applied to its own output or a "
                    "recurrence, so no step would cover one layer with a true equation a⁽ˡ⁾ = σ(W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾)); "
                    "step it by 'neuron' or 'depth'")
        return ""

    def _stops_by(self, by: str) -> list[tuple[int, Line | None]]:
        if by not in self._stops:
            self._stops[by] = self._coarse.stops(by)
        return self._stops[by]

    def _index(self, k: object, who: str) -> int:
        """`k` as a step's index (negative counts from the end), or a ValueError naming `who`."""
        if not (is_int(k) and -self._t.total <= k < self._t.total):
            raise ValueError(f"{who}: step must be an int from 0 to {self._t.total - 1} (or negative, from "
                             f"the end), got {k!r}")
        return k % self._t.total

    def svg(self, step: int | None = None) -> str:
        """The drawing at `step` as standalone SVG: what a page without script shows.

        By default the step set as `step`, or, until one is, the middle of the backward pass (some
        gradients final, some still being collected), a picture that teaches more than step 0's.

        Example:
          >>> from autograd import Value
          >>> explore(Value(1.0, label="x") * 2).svg().startswith("<svg")
          True
        """
        return _draw(self, self._shown() if step is None else self._index(step, "Explorer.svg"))

    def html(self) -> str:
        """The whole page as a string: drawing, data, script and style inline; no network needed.

        Example:
          >>> from autograd import Value
          >>> "<html" in explore(Value(1.0) * 2).html()
          True
        """
        body = f'<div class="dagrad-explorer" id="dagrad-explorer">{self.svg()}</div>'
        return page.page(self.title, "explorer", body, "dagrad-explorer-data", self._json())

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the explorer as one self-contained HTML file (script, style and data inline).

        The page works offline in any modern browser, makes no network request and needs no
        server. The arrow keys step through it as soon as it opens.

        Args:
          path: the file to write (``.html``); missing parent folders are created.

        Returns:
          `path`.

        Example:
          >>> import os, tempfile
          >>> from autograd import Value
          >>> path = explore(Value(1.0) * 2).save(os.path.join(tempfile.mkdtemp(), "page.html"))
          >>> os.path.getsize(path) > 10_000
          True
        """
        return page.save(path, self.html(), "Explorer.save")

    def widget(self) -> Any:
        """An anywidget of this explorer (``pip install 'dagrad[notebooks]'``); Jupyter shows it.

        Displaying the `Explorer` itself shows this widget; call it to hold the widget, e.g. to read
        the step a learner has reached (``widget.step``).

        Example:
          >>> from autograd import Value
          >>> w = explore(Value(1.0) * 2).widget()
          >>> w.step
          0
        """
        return self._widget(self.svg())

    def _widget(self, picture: str) -> Any:
        return page.widget_class("explore", "explorer", "svg", "data", "by")(svg=picture, data=self._json(), step=self._step, by=self._by)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict[str, Any] | tuple[dict[str, Any], dict[str, Any]]:
        k = self._shown()
        caption = (f"<p><b>{svg.text(self.title)}</b>: step {k + 1} of {self._t.total}: "
                   f"{svg.text(self._where(k) + str(self.steps[k]))}</p>")
        picture = self.svg()  # drawn once: the static picture and the widget's
        # The picture keeps its size (11 px text) and scrolls sideways where the page is narrower.
        return page.mimebundle(f'<div>{caption}<div style="overflow:auto">{picture}</div></div>', repr(self),
                               lambda: self._widget(picture),
                               "<p>(a picture of one step; install the notebooks extra, "
                               "<code>pip install 'dagrad[notebooks]'</code>, to step through it here, "
                               "or open <code>explorer.save('backprop.html')</code> in a browser)</p>",
                               include, exclude, **kwargs)

    def __repr__(self) -> str:
        return f"<Explorer {self.title}: {self._t.total} steps>"

    def _where(self, step: int) -> str:
        """"inside neuron 3 · layer 2: " when step `step` names a node hidden in a (closed) box, as the page says it."""
        t, i = self._t, self._t.node_at(step)
        boxes: list[str] = []
        for j in [] if i is None else [i, *t.parents[i]]:
            g = self._member[j]
            if g >= 0 and j not in (self._groups[g]["z"], self._groups[g]["out"]) and self._groups[g]["name"] not in boxes:
                boxes.append(self._groups[g]["name"])
        return f"inside {' and '.join(boxes)}: " if boxes else ""

    # --- what the page reads ------------------------------------------------------------------

    def _json(self) -> str:
        t, d = self._t, self._drawing()
        ops = [v.op for v in t.order]
        return json.dumps({
            "title": self.title,
            "names": t.names, "ops": ops, "kinds": t.kinds,
            # Python's words, not rebuilt by the script: step 0's leaf counts, and the ops written
            # between their operands (notation.formula's rule, which a JS regex would only approximate)
            "given": _leaf_counts(t), "infix": sorted({op for op in ops if not op.isidentifier()}),
            "data": [page.json_number(x) for x in t.data],
            "parents": t.parents, "partials": [[page.json_number(d) for d in ds] for ds in t.partials],
            "added": [[page.json_number(a) for a in ads] for ads in t.added],
            "forward": t.forward, "backward": t.backward,
            "edges": d.edges, "widths": d.widths,
            "groups": [{"name": g["name"], "members": g["members"], "out": g["out"], "z": g["z"]} for g in self._groups],
            "step": self._step,
            # the coarse timelines: each step's last op step and its sentence (null: that op step's)
            "by": self._by, "stops": {by: self._stops_by(by) for by in self._offered[1:]}, "listed": _LISTED,
        }, separators=(",", ":"), allow_nan=False)

    def _drawing(self) -> _Drawing:
        if self._picture is None:
            self._picture = _Drawing(self).build()
        return self._picture


# --- grouping by neuron -----------------------------------------------------------------------

def _neuron_groups(t: _Timeline) -> list[Group]:
    """One box per call of a neuron, found from nn's labels, holding only what that call made.

    Each node labelled ``z[l]_i`` starts a box (a model applied twice, to two examples or to its
    own output, makes two z nodes, so two boxes). Back from z it takes the terms and partial sums
    labelled for the same neuron (``w[l]_ij*a[l-1]_j``, ``z[l]_i(j<=J)``) whose every consumer
    is in the box, the numbers the engine wrapped for them, and the neuron's own weights and bias
    (a parameter shared by several calls goes to the first); then ``a[l]_i`` computed from that z.
    A feature the user computed stays outside, even when only this neuron reads it. With neurons
    found, the ops after the network (the cost) form one more box. Returns [] when no node is
    labelled z (the graph was not built by nn's layers).
    """
    n = len(t.order)
    parsed = [notation.parse(v.label) for v in t.order]  # each label read once
    box = [-1] * n
    groups: list[Group] = []
    calls: dict[tuple[int, int], int] = {}
    for z in range(n):
        name = parsed[z]
        if name is None or name.name != "z" or box[z] >= 0:
            continue
        key = (name.layer, name.indices[0])
        g, calls[key] = len(groups), calls.get(key, 0) + 1
        members, stack = [z], [z]
        box[z] = g
        while stack:  # back from z through what this call made
            for p in t.parents[stack.pop()]:
                if box[p] >= 0 or not _made_by(t, parsed[p], key, p, box, g):
                    continue
                box[p] = g
                members.append(p)
                stack.append(p)
        groups.append({"key": key, "call": calls[key], "members": members, "z": z, "out": z, "activation": "linear"})
    for i in range(n):  # a = σ(z): the activation computed from a box's z joins it
        name, ps = parsed[i], t.parents[i]
        if name and name.name == "a" and box[i] < 0 and len(ps) == 1 and box[ps[0]] >= 0:
            group = groups[box[ps[0]]]
            if group["z"] == ps[0] and group["key"] == (name.layer, name.indices[0]) and group["out"] == group["z"]:
                box[i] = box[ps[0]]
                group["members"].append(i)
                group["out"], group["activation"] = i, t.order[i].op
    if not groups:
        return []
    chains = _model_calls(t, parsed, groups, box)
    for group in groups:
        (l, i) = group["key"]
        if chains > 1 or (not chains and calls[l, i] > 1):  # the model's call (or, without calls, the neuron's)
            group["call"] = group.get("chain", group["call"])
        else:
            group["call"] = 0
        group["name"] = f"neuron {i} · layer {l}" + (f" · call {group['call']}" if group["call"] else "")
        group["members"].sort()
    groups.sort(key=lambda group: (group["key"], group["call"]))
    taken = {i for g in groups for i in g["members"]}
    cost = [n - 1] if n - 1 not in taken else []
    inside = set(cost)
    for i in reversed(range(n - 1)):
        if i not in taken and (t.parents[i] or t.kinds[i] == "const") and t.consumers[i] \
                and all(c in inside for c in t.consumers[i]):
            inside.add(i)
    if cost:
        groups.append({"name": f"cost: {t.names[-1]}", "members": sorted(inside), "z": n - 1, "out": n - 1,
                       "activation": "cost"})
    return groups


def _model_calls(t: _Timeline, parsed: list[notation.NodeName | None], groups: list[Group], box: list[int]) -> int:
    """Find the model's calls among the neuron boxes `groups` (in the order of their z); returns how many.

    A call is a chain of layers 1, 2, …: the boxes of one layer reading the same inputs (by
    layer 1, inputs made by no neuron; by layer l > 1, the outputs of the call's layer l − 1 in
    order, read by nothing else), each box's z read only by its a. Then each line by layer,
    a⁽ˡ⁾ = σ(W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾) and δ⁽ˡ⁾ = σ′(z⁽ˡ⁾) ⊙ (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾, holds within one call.
    Sets each box's "chain" (1, 2, … in the order of the calls' first z) when the boxes form
    such chains; returns 0 and sets none when they do not (a model applied to its own output, a
    recurrence, a hidden layer's output read elsewhere): no step by layer would be true there.
    """
    parts: list[tuple[int, tuple[int | str, ...], list[int]]] = []  # (layer, inputs, boxes) of each layer's calls
    for k, g in enumerate(groups):
        terms = sorted((name.indices[1], m) for m in g["members"] if (name := parsed[m]) and name.name == "term")
        # An input as its node, or a number wrapped for this box by its value (as text: nan equals nan).
        inputs = tuple(repr(t.data[x]) if t.kinds[x] == "const" and box[x] == k else x
                       for _, m in terms for x in [t.parents[m][-1]])
        layer = g["key"][0]
        part = next((p for p in parts if p[:2] == (layer, inputs) and all(groups[b]["key"] != g["key"] for b in p[2])), None)
        if part is None:  # one more call of this layer (two calls with the same inputs stay two: equal examples)
            parts.append(part := (layer, inputs, []))
        part[2].append(k)
        if g["out"] != g["z"] and t.consumers[g["z"]] != [g["out"]]:
            return 0  # z read by more than its a: δ ≠ σ′(z) ∂C/∂a
    of_out = {groups[b]["out"]: p for p, part in enumerate(parts) for b in part[2]}
    after: list[int | None] = [None] * len(parts)
    for p, (layer, inputs, boxes) in enumerate(parts):
        nodes = [i for i in inputs if isinstance(i, int)]
        if layer == 1:
            if any(box[i] >= 0 for i in nodes):
                return 0  # it reads what a neuron made: a model applied to its own output
            continue
        q = of_out.get(nodes[0]) if nodes else None
        given = None if q is None else tuple(groups[b]["out"] for b in sorted(parts[q][2], key=lambda b: groups[b]["key"]))
        if q is None or parts[q][0] != layer - 1 or inputs != given or after[q] is not None:
            return 0
        after[q] = p
        if any(box[c] not in boxes for a in nodes for c in t.consumers[a]):
            return 0  # a hidden output read outside the next layer: δ⁽ˡ⁾ has more terms than (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾
    chain = 0
    for p, (layer, _, _) in enumerate(parts):
        if layer == 1:
            chain += 1
            r: int | None = p
            while r is not None:
                for b in parts[r][2]:
                    groups[b]["chain"] = chain
                r = after[r]
    return chain


def _made_by(t: _Timeline, name: notation.NodeName | None, key: tuple[int, int], p: int, box: list[int], g: int) -> bool:
    """Whether node `p` (label read as `name`) was made by the call of neuron `key` whose box is `g`:
    one of its terms or partial sums, or a number wrapped for one, read only inside the box; or its
    own weight or bias, not yet in an earlier call's box."""
    if name is not None and name.name in ("w", "b"):
        return (name.layer, name.indices[0]) == key and not t.parents[p]
    made = (name is not None and name.name in ("term", "partial sum") and (name.layer, name.indices[0]) == key) \
        or (name is None and t.kinds[p] == "const")
    return made and all(box[c] == g for c in t.consumers[p])


# --- drawing ---------------------------------------------------------------------------------

class _Drawing:
    """The layout and the SVG parts of an explorer: units (boxes or Values), edges and open views."""

    layout: Layout
    links: dict[tuple[Unit, Unit], list[int]]
    insets: list[dict[str, Any]]
    units: list[Unit]
    sizes: dict[Unit, tuple[float, float]]
    edges: list[list[int]]
    edge_of: dict[tuple[int, int], list[int]]
    widths: list[float]

    def __init__(self, explorer: Explorer) -> None:
        self.ex, self.t = explorer, explorer._t

    def build(self) -> _Drawing:
        t, ex = self.t, self.ex
        # One edge per (child, operand) of the graph: what the script passes gradient along.
        self.edges = [[c, k] for c in range(len(t.order)) for k in range(len(t.parents[c]))]
        edge_of: dict[tuple[int, int], list[int]] = {}
        for e, (c, k) in enumerate(self.edges):
            edge_of.setdefault((t.parents[c][k], c), []).append(e)
        self.edge_of = edge_of
        biggest = max((abs(a) for ads in t.added for a in ads if math.isfinite(a)), default=0.0) or 1.0
        # Edge widths by |contribution|, on a square-root scale (small ones stay visible); inf and nan widest.
        self.widths = [round(1.2 + 4.8 * math.sqrt(min(1.0, abs(t.added[c][k]) / biggest)), 2)
                       if math.isfinite(t.added[c][k]) else 6.0 for c, k in self.edges]
        unit_of: list[Unit] = [("g", m) if m >= 0 else ("n", i) for i, m in enumerate(ex._member)]
        units = list(dict.fromkeys(unit_of))
        parents: dict[Unit, list[Unit]] = {u: [] for u in units}
        links: dict[tuple[Unit, Unit], list[int]] = {}  # (parent unit, child unit) -> graph edges
        for (p, c), es in edge_of.items():
            a, b = unit_of[p], unit_of[c]
            if a != b:
                parents[b].append(a)
                links.setdefault((a, b), []).extend(es)
        sizes = {u: self._unit_size(u) for u in units}
        units = _sorted_units(units, parents)
        layout = layered(units, parents, sizes, rank_gap=64.0, node_gap=6.0)
        self.layout, self.links = layout, links
        self.insets = [self._inset(g) for g in range(len(ex._groups))]
        self.units, self.sizes = units, sizes
        return self

    def _unit_size(self, u: Unit) -> tuple[float, float]:
        if u[0] == "n":
            return svg.NODE_SIZE
        return _COST_SIZE if self.ex._groups[u[1]]["activation"] == "cost" else _GROUP_SIZE

    def _inset(self, g: int) -> dict[str, Any]:
        """A neuron opened: its nodes laid out, with its inputs from outside as ports."""
        t, members = self.t, self.ex._groups[g]["members"]
        inside = set(members)
        ports = sorted({p for i in members for p in t.parents[i] if p not in inside})
        nodes = ports + members  # ports are earlier in topological order than what reads them
        nodes.sort()
        parents = {i: [p for p in t.parents[i]] for i in members}
        sizes = {i: (_PORT_SIZE if i not in inside else svg.NODE_SIZE) for i in nodes}
        if self.ex._groups[g]["activation"] != "cost":  # a neuron: its chain of sums, one row per input
            return {"layout": chain(nodes, parents, sizes), "direction": "auto", "ports": set(ports)}
        lay = layered(nodes, parents, sizes, rank_gap=40.0, node_gap=8.0, margin=14.0)
        return {"layout": lay, "direction": "LR", "ports": set(ports)}


def _sorted_units(units: list[Unit], parents: dict[Unit, list[Unit]]) -> list[Unit]:
    """The units in a topological order of the unit graph (Kahn's algorithm, ties by first appearance)."""
    rank = {u: k for k, u in enumerate(units)}
    waiting = {u: len(set(parents[u])) for u in units}
    children: dict[Unit, list[Unit]] = {u: [] for u in units}
    for u in units:
        for p in dict.fromkeys(parents[u]):
            children[p].append(u)
    out: list[Unit]
    heap: list[tuple[int, Unit]]
    out, heap = [], [(rank[u], u) for u in units if not waiting[u]]
    heapq.heapify(heap)
    while heap:
        _, u = heapq.heappop(heap)
        out.append(u)
        for c in children[u]:
            waiting[c] -= 1
            if not waiting[c]:
                heapq.heappush(heap, (rank[c], c))
    if len(out) != len(units):
        raise ValueError("explore: the neuron boxes would form a cycle (labels z[l]_i/a[l]_i used out of "
                         "their meaning); pass grouped=False")
    return out


def _draw(ex: Explorer, step: int, first: int | None = None) -> str:
    """The SVG of explorer `ex` at `step`, for the step covering op steps `first`..`step` (by default `step` alone)."""
    t, d = ex._t, ex._drawing()
    states = t.states(step, first)
    body = ['<g class="edges">']
    for (a, b), es in d.links.items():
        cls, passed = t.edge_state(d.edges[es[0]][0], step, first)
        body.append(_edge(d.layout.routes[a, b], es, cls, passed, t, d))
    body.append('</g><g class="units">')
    for u in d.units:
        (x, y), (w, h) = d.layout.position[u], d.sizes[u]
        body.append(_node(t, u[1], x, y, states[u[1]], step, w, h) if u[0] == "n"
                    else _group_box(ex, u[1], x, y, w, h, states, step))
    body.append("</g>")
    for g, inset in enumerate(d.insets):
        body.append(_inset_svg(ex, g, inset, *d.layout.position[("g", g)], states, step, d, first))
    # Unshrunk: at the explorer's sizes a fitted picture of a network would read at ~8 px.
    return svg.document(d.layout.width, d.layout.height, "".join(body), title=ex.title, shrink=False)


def _node(t: _Timeline, i: int, x: float, y: float, state: str, step: int, w: float = svg.NODE_SIZE[0],
          h: float = svg.NODE_SIZE[1], port: bool = False) -> str:
    return svg.node(i, x, y, kind=t.kinds[i], name=t.names[i], op=svg.op_label(t.order[i].op), data=t.data_at(i, step),
                    grad=t.grad_at(i, step), state=state, width=w, height=h, port=port)


def _edge(route: list[tuple[float, float]], es: list[int], cls: str, passed: bool | None, t: _Timeline, d: _Drawing,
          direction: str = "LR") -> str:
    """The path of graph edges `es` along `route`: one path per edge when they join the same two
    nodes (x * x), one path for all when a route stands for edges between two boxes."""
    edges = d.edges
    same = len({edges[e][0] for e in es}) == 1 and len({t.parents[edges[e][0]][edges[e][1]] for e in es}) == 1
    groups = [[e] for e in es] if same else [es]
    paths = []
    for k, group in enumerate(groups):
        c = cls
        if passed:
            total = sum(t.added[edges[e][0]][edges[e][1]] for e in group)
            c += " pos" if total > 0 else " neg" if total < 0 else " zero" if total == 0 else " nan"
        path = svg.edge_path(route, group, direction=direction, state=c, copy=k)
        if passed:
            path = path.replace("<path ", f'<path style="stroke-width:{max(d.widths[e] for e in group)}px" ', 1)
        paths.append(path)
    return "".join(paths)


def _group_box(ex: Explorer, g: int, x: float, y: float, w: float, h: float, states: list[str], step: int) -> str:
    t, group = ex._t, ex._groups[g]
    members = group["members"]
    marks = [states[i] for i in members]
    state = next((s for s in ("s-current", "s-receiving", "s-operand") if s in marks), "")
    if not state:  # the box as its neuron: waiting for its output, or as far as its δ (z's gradient) is
        z, out = states[group["z"]], states[group["out"]]
        state = "s-pending" if out == "s-pending" else "s-done" if z == "s-done" else "s-partial" if z else ""
    left, top = x - w / 2, y - h / 2
    f = svg.coord
    rows = [group["z"], group["out"]] if group["out"] != group["z"] else [group["z"]]
    lines = []
    for r, i in enumerate(rows):
        yy = top + (15 if len(rows) == 2 else 23) + 15 * r
        lines.append(f'<text x="{f(left + 8)}" y="{f(yy)}"><tspan class="name">{svg.text(t.names[i])}</tspan> = '
                     f'<tspan data-n="{i}" data-f="data">{svg.number(t.data_at(i, step))}</tspan>'
                     f'<tspan class="grad" dx="6">grad </tspan><tspan class="grad" data-n="{i}" data-f="grad">'
                     f'{svg.number(t.grad_at(i, step))}</tspan></text>')
    kind = "k-cost" if group["activation"] == "cost" else "k-neuron"
    tag = group["activation"] if group["activation"] != "cost" else "cost C"
    if group.get("call"):  # one of several calls of this neuron (two examples, a recurrent net): which
        tag += f" · call {group['call']}"
    return (f'<g class="group {kind}{" " + state if state else ""}" data-group="{g}" tabindex="0" role="button">'
            f'<title>{svg.text(group["name"])}: click to open</title>'
            f'<rect x="{f(left)}" y="{f(top)}" width="{f(w)}" height="{f(h)}" rx="8"/>'
            f'<text class="op" x="{f(left + w - 6)}" y="{f(top + 12)}" text-anchor="end">{svg.text(tag)}</text>'
            + "".join(lines) + "</g>")


def _inset_svg(ex: Explorer, g: int, inset: dict[str, Any], x: float, y: float, states: list[str], step: int,
              drawing: _Drawing, first: int | None = None) -> str:
    t, lay, group = ex._t, inset["layout"], ex._groups[g]
    head = 26.0
    w, h = lay.width, lay.height + head
    left, top = x - w / 2, y - h / 2
    f = svg.coord
    parts = [f'<g class="inset" data-inset="{g}"><rect class="card" x="{f(left)}" y="{f(top)}" width="{f(w)}" '
             f'height="{f(h)}" rx="10"/><text class="title" x="{f(left + 12)}" y="{f(top + 18)}">'
             f'{svg.text(group["name"])}: inside</text>'
             f'<text class="op close" x="{f(left + w - 10)}" y="{f(top + 18)}" text-anchor="end" data-close="{g}">close ✕</text>'
             f'<g transform="translate({f(left)},{f(top + head)})">']
    for (p, c), route in lay.routes.items():
        es = drawing.edge_of[(p, c)]
        cls, passed = t.edge_state(c, step, first)
        parts.append(_edge(route, es, cls, passed, t, drawing, inset["direction"]))
    for i, (cx, cy) in lay.position.items():
        port = i in inset["ports"]
        size = _PORT_SIZE if port else svg.NODE_SIZE
        parts.append(_node(t, i, cx, cy, states[i], step, *size, port=port))
    parts.append("</g></g>")
    return "".join(parts)
