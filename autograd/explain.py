"""A gradient as a sum over paths: the chain rule unrolled.

∂root/∂x is the sum, over every path from x to root in the graph, of the product of the local
partials along the path. `explain` shows the paths that contribute most, counts all of them, and
adds them all up, without listing them: their number can grow exponentially with depth (a chain
of n diamonds has 2**n paths), so everything is done by dynamic programming over the graph, and
the largest paths are found by a best-first search that never looks at more than it shows.

Example:
  >>> from autograd import Value, explain
  >>> x = Value(3.0, label="x")
  >>> y = x * x; y.label = "y"
  >>> print(explain(y, x))
  ∂y/∂x as a sum over 2 paths:
    x → y: (3.0) = 3.0
    x → y: (3.0) = 3.0
  total: 6.0
"""

from __future__ import annotations

import heapq
import math
from typing import Any, NamedTuple

from autograd import svg
from autograd._checks import positive_int
from autograd.engine import Value, topological_order
from autograd.notation import node_name
from autograd.svg import number

__all__ = ["Explanation", "Path", "explain"]


class Path(NamedTuple):
    """One path from x to the root: its nodes, the local partial on each edge, and their product.

    Attributes:
      nodes: the Values on the path, x first, the root last.
      partials: ∂(next node)/∂(node) for each edge, one fewer than the nodes.
      product: the product of the partials: what this path adds to ∂root/∂x.

    Example:
      >>> from autograd import Value, explain
      >>> x = Value(2.0)
      >>> path = explain(x.exp() * 3, x).paths[0]
      >>> len(path.nodes), path.partials, round(path.product, 4)
      (3, (7.38905609893065, 3.0), 22.1672)
    """

    nodes: tuple[Value, ...]
    partials: tuple[float, ...]
    product: float


class Explanation:
    """What `explain` returns: the largest paths, the number of paths, and their sum.

    Attributes:
      paths: the `top` paths with the largest |product|, largest first (a list of `Path`).
      count: how many paths lead from x to the root (an int, exact however large).
      total: the sum of the products over all paths: ∂root/∂x, as `grad` computes it.
      root, x: the two Values.

    Example:
      >>> from autograd import Value, explain
      >>> x = Value(1.0)
      >>> e = explain(x * 2 + x, x)
      >>> e.count, e.total, [p.product for p in e.paths]
      (2, 3.0, [2.0, 1.0])
    """

    __slots__ = ("count", "names", "paths", "root", "total", "x")

    root: Value
    x: Value
    paths: list[Path]
    count: int
    total: float
    names: dict[Value, str]

    def __init__(self, root: Value, x: Value, paths: list[Path], count: int, total: float, names: dict[Value, str]) -> None:
        self.root, self.x, self.paths, self.count, self.total, self.names = root, x, paths, count, total, names

    def __str__(self) -> str:
        # x may lie outside root's graph (no paths): then its own label, or "x".
        x = self.names.get(self.x) or (node_name(self.x.label, 0) if self.x.label else "x")
        head = f"∂{self.names[self.root]}/∂{x}"
        if not self.count:
            return f"{head}: no path leads from it to the root, so the gradient is 0.0\ntotal: {_number(self.total)}"
        shown = len(self.paths)
        plural = "path" if self.count == 1 else "paths"
        lines = [f"{head} as a sum over {self.count} {plural}" +
                 (f" (the {shown} with the largest |product| shown):" if shown < self.count else ":")]
        for path in self.paths:
            route = " → ".join(self.names[v] for v in path.nodes)
            factors = " × ".join(f"({_number(d)})" for d in path.partials) or "(1.0)"
            lines.append(f"  {route}: {factors} = {_number(path.product)}")
        if shown < self.count:
            more = self.count - shown
            lines.append(f"  … {more} more path{'' if more == 1 else 's'}")
        lines.append(f"total: {_number(self.total)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Explanation: {self.count} paths, total {self.total!r}>"


def explain(root: Value, x: Value, top: int = 10) -> Explanation:
    """∂root/∂x as a sum over the paths from x to root, with the largest paths shown.

    Works on any DAG (diamonds, shared weights, skip connections): a node used twice by one op
    (``x * x``) is two edges, so two paths. The paths are counted and summed by dynamic
    programming, and the `top` largest are found by a best-first search bounded by each node's
    largest product to the root, so it takes time about linear in the graph plus `top` times
    the path length, even when the paths are too many to list.

    Args:
      root: the Value differentiated.
      x: the Value differentiated with respect to (a leaf or an interior node; one not in
        root's graph has no paths and a total of 0.0).
      top: how many paths to show (an int >= 0).

    Returns:
      An `Explanation` (``.paths``, ``.count``, ``.total``); print it to read it.

    Example:
      >>> from autograd import Value, explain, grad
      >>> x = Value(0.5, label="x")
      >>> a, b = x.tanh(), x.exp()                  # a diamond: two ways from x to o
      >>> o = a * b; o.label = "o"
      >>> e = explain(o, x)
      >>> e.count, abs(e.total - grad(o, [x])[0]) < 1e-12
      (2, True)
      >>> print(e)
      ∂o/∂x as a sum over 2 paths:
        x → v1 → o: (0.786) × (1.65) = 1.3
        x → v2 → o: (1.65) × (0.462) = 0.762
      total: 2.06
    """
    for what, v in (("root", root), ("x", x)):
        if not isinstance(v, Value):
            raise TypeError(f"explain: {what} must be a Value, got {type(v).__name__}: {v!r}")
    positive_int(top, "explain", "top", least=0)
    order = topological_order(root)
    names = dict(zip(order, svg.names(order, unique=True)))  # distinct, bidi-isolated: as the explorer names them
    sweep = _Sweep(order, root, x)
    return Explanation(root, x, sweep.largest(top), sweep.count, sweep.total, names)


class _Sweep:
    """The subgraph of the paths from x to root, and what dynamic programming says about it.

    One forward pass finds the nodes x reaches (and, for each, the edges to the nodes using it);
    one reverse pass over those computes, per node v: the number of paths from v to the root,
    the sum of their products (v's adjoint: the same float operations in the same order as
    `grad`, so `total` is `grad`'s number), and the largest |product| among them (the bound
    of the best-first search).
    """

    children: dict[Value, list[tuple[Value, float]]]
    count: int
    total: float
    best: dict[Value, float]

    def __init__(self, order: list[Value], root: Value, x: Value) -> None:
        reached = {x}  # x may be a constant the engine wrapped: it gets backward()'s and grad's gradient
        self.children = {x: []}
        for node in order:
            for p, d in ((node._p0, node._d0), (node._p1, node._d1)):
                if p is not None and p in reached:
                    if node not in reached:
                        reached.add(node)
                        self.children[node] = []
                    self.children[p].append((node, d))
        self.x, self.root = x, root
        self.count, self.total, self.best = 0, 0.0, {}
        if root in reached:
            self._backward(order, reached)

    def _backward(self, order: list[Value], reached: set[Value]) -> None:
        count: dict[Value, int]
        adjoint: dict[Value, float]
        best: dict[Value, float]
        count, adjoint, best = {self.root: 1}, {self.root: 1.0}, {self.root: 1.0}
        for node in reversed(order):
            if node not in count:  # only nodes on a path from x to root get a count
                continue
            c, g, b = count[node], adjoint[node], best[node]
            for slot, p in enumerate((node._p0, node._p1)):
                if p is None or p not in reached:
                    continue
                d = node._d1 if slot else node._d0
                contribution = d * g
                adjoint[p] = adjoint[p] + contribution if p in adjoint else contribution
                count[p] = count.get(p, 0) + c
                best[p] = max(best.get(p, -1.0), _bound(_size(d), b))
        self.count, self.total, self.best = count.get(self.x, 0), adjoint.get(self.x, 0.0), best

    def largest(self, top: int) -> list[Path]:
        """The `top` paths with the largest |product|, largest first.

        Best-first search (A*): a partial path from x to v is ranked by its |product| times
        best[v], the largest |product| any completion can reach. The bound is attained, so the
        partial path with the largest rank completes, through the child that keeps its rank at
        each step, into the largest path left: each one taken off the heap is followed straight to
        the root, its other children pushed on the way. So `top` paths cost `top` descents, never
        a level-by-level expansion (paths of equal products, as in a chain of ``v + v``, would
        otherwise tie and be expanded exponentially, rounding deciding between them). Partial
        paths are linked lists (node, previous): extending one is O(1). A NaN product ranks below
        every number, whatever the operand order: where an infinite partial meets a zero
        (0 × inf), the bound is only an upper one (`_bound`), so a completed path whose product
        is NaN goes back on the heap at the rank of NaN, behind every path that may be a number.
        """
        if not self.count or not top:
            return []
        found: list[Path] = []
        tie = 0  # equal ranks keep the graph's order: deterministic
        heap: list[tuple[float, int, Value, float, Any]] = [(-self.best[self.x], tie, self.x, 1.0, None)]
        while heap and len(found) < top:
            _, _, node, product, link = heapq.heappop(heap)
            while node is not self.root:
                (child, d), *others = self.children[node]  # one child at least: it leads to the root
                kept = (-_bound(_size(product * d), self.best[child]), child, d)  # the child keeping the rank
                for child, d in others:
                    rank = -_bound(_size(product * d), self.best[child])
                    if rank < kept[0]:
                        (rank, child, d), kept = kept, (rank, child, d)
                    tie += 1
                    heapq.heappush(heap, (rank, tie, child, product * d, ((node, d), link)))
                _, child, d = kept
                node, product, link = child, product * d, ((node, d), link)
            if math.isnan(product) and heap and heap[0][0] < 1.0:  # promised a number (0 × inf): ranks last
                tie += 1
                heapq.heappush(heap, (1.0, tie, node, product, link))
                continue
            found.append(self._path(node, product, link))
        return found

    def _path(self, end: Value, product: float, link: Any) -> Path:
        nodes: list[Value]
        partials: list[float]
        nodes, partials = [end], []
        while link is not None:
            (node, d), link = link
            nodes.append(node)
            partials.append(d)
        return Path(tuple(reversed(nodes)), tuple(reversed(partials)), product)


def _number(v: float) -> str:
    # As the notes write a factor: 3 significant digits and a real minus sign, (−0.5) × (0.786).
    return number(v, digits=3).replace("-", "−")


def _size(v: float) -> float:
    # |v| for ranking; NaN ranks below every number (an infinite partial still ranks first).
    return abs(v) if not math.isnan(v) else -1.0


def _bound(size: float, best: float) -> float:
    # The largest |product| of a path through an edge of |partial| `size` (a _size) on to a node
    # whose paths reach at most `best`: their product, where 0 × inf is 0, not NaN, so the bound
    # never falls below a path's true size (a path of size 0 may lie under an infinite best).
    if size < 0 or best < 0:
        return -1.0
    return 0.0 if size == 0 or best == 0 else size * best
