"""A layered layout of a DAG, computed in Python: no Graphviz, no browser, the same result every run.

The explorer draws with it, and so does `draw_dot`'s Jupyter display when Graphviz's ``dot`` is
missing. It is the classic Sugiyama scheme, kept small:

1. Ranks: every node as late as possible (its rank is one less than its earliest consumer's), so
   the root sits at the right, a leaf right before the op that uses it, and the partial sums of a
   neuron follow one another.
2. Edges longer than one rank get a chain of invisible points, one per rank they cross; an edge
   longer than a few ranks (a weight shared by every step of a recurrent net) is routed instead:
   out into a lane beside the drawing, along it, and back in, so the points stay linear in the
   number of edges (one per rank would make a weight used at n depths cost n² points).
3. Order within each rank: barycentre sweeps, keeping the order with the fewest crossings.
4. Positions along a rank: each node as near the mean of its neighbours as the order and the
   gaps allow, solved exactly per rank by isotonic regression (pool adjacent violators).

Why our own: the alternatives are Graphviz (a system program, absent on many classroom machines)
or a JavaScript library run in the page (the page would then compute what the tests cannot see).
It is deterministic, and fast enough for the explorer's 5,000-Value limit (layout, drawing and
saving together well under 2 s, a recurrent net with shared weights included).

Example:
  >>> layout = layered(["x", "w", "xw"], {"xw": ["x", "w"]}, {n: (40, 20) for n in ["x", "w", "xw"]})
  >>> layout.position["x"][0] < layout.position["xw"][0]   # parents left of their results
  True
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, NamedTuple

__all__ = ["Layout", "chain", "layered"]

_SWEEPS = 8  # barycentre sweeps; the best order seen is kept, so more only costs time
_SMOOTHING = 6  # alternating passes of the position solver
_POINT_ROOM = 12.0  # the room a long edge takes where it crosses a rank
_LONG = 6  # an edge across more ranks than this takes a lane beside the drawing, not a point per rank
_LANE_GAP = 6.0  # between two lanes, and between the lanes and the drawing


class Layout(NamedTuple):
    """Where everything goes: node centres, edge routes, and the size of the whole drawing.

    Attributes:
      position: ``{node: (x, y)}``, the centre of each node.
      routes: ``{(parent, child): [(x, y), ...]}``, the points an edge passes, from the parent's
        side to the child's (one entry per distinct parent-child pair).
      width, height: the drawing's size; every node lies inside it, margins included.
      rank: ``{node: rank}``, its column (or row, top to bottom), from 0.

    Example:
      >>> layered(["a"], {}, {"a": (10, 10)}, margin=5).width
      20.0
    """

    position: dict[Any, tuple[float, float]]
    routes: dict[tuple[Any, Any], list[tuple[float, float]]]
    width: float
    height: float
    rank: dict[Any, int]


def layered(nodes: Sequence[Hashable], parents: Mapping[Any, Sequence[Hashable]], sizes: Mapping[Any, tuple[float, float]], *,
            direction: str = "LR", rank_gap: float = 56.0, node_gap: float = 10.0, margin: float = 16.0) -> Layout:
    """Lay out a DAG in ranks: parents before children, left to right (or top to bottom).

    Args:
      nodes: the nodes (any hashable values), parents before children.
      parents: ``{node: [parent, ...]}``; a missing entry means no parents; repeats are allowed.
      sizes: ``{node: (width, height)}``.
      direction: ``"LR"`` (ranks are columns) or ``"TB"`` (ranks are rows).
      rank_gap: the space between ranks.
      node_gap: the least space between two nodes of one rank.
      margin: the space around the drawing.

    Returns:
      A `Layout`.

    Example:
      >>> sizes = {n: (30, 20) for n in "abc"}
      >>> layout = layered(["a", "b", "c"], {"c": ["a", "b"]}, sizes, direction="TB")
      >>> layout.position["c"][1] > layout.position["a"][1]   # below its parents
      True
    """
    if direction not in ("LR", "TB"):
        raise ValueError(f"layered: direction must be 'LR' or 'TB', got {direction!r}")
    # Work as if left to right: `along` is the size across ranks, `across` the size within one.
    along = {n: sizes[n][0] if direction == "LR" else sizes[n][1] for n in nodes}
    across = {n: sizes[n][1] if direction == "LR" else sizes[n][0] for n in nodes}
    edges = list(dict.fromkeys((p, c) for c in nodes for p in parents.get(c, ())))  # distinct, in order
    rank = _ranks(nodes, edges)
    layers, chains, lanes = _with_points(nodes, edges, rank)
    for points in chains.values():  # a waypoint takes a little room, so a long edge keeps off the boxes
        across.update((point, _POINT_ROOM) for point in points)
    before, after = _neighbours(layers, chains)  # the same whatever the order within a rank
    _order(layers, before, after)
    coord = _positions(layers, before, after, across, node_gap)
    # Rank coordinates: each rank as wide as its widest node.
    widths = [max((along.get(n, 0.0) for n in layer), default=0.0) for layer in layers]
    starts: list[float]
    x: float
    starts, x = [], margin
    for w in widths:
        starts.append(x + w / 2)
        x += w + rank_gap
    total_along = x - rank_gap + margin
    low = min((coord[n] - across.get(n, 0.0) / 2 for layer in layers for n in layer), default=0.0)
    high = max((coord[n] + across.get(n, 0.0) / 2 for layer in layers for n in layer), default=0.0)
    lane = _lanes(lanes, coord, low, high)
    low = min([low, *(y - _LANE_GAP for y in lane.values())])
    high = max([high, *(y + _LANE_GAP for y in lane.values())])
    shift = margin - low
    place = {n: (starts[r], coord[n] + shift) for r, layer in enumerate(layers) for n in layer}
    routes: dict[tuple[Any, Any], list[tuple[float, float]]] = {}
    for (p, c), points in chains.items():
        (px, py), (cx, cy) = place[p], place[c]
        routes[p, c] = [(px + along[p] / 2, py), *(place[d] for d in points), (cx - along[c] / 2, cy)]
    for p, c in lanes:  # out of the parent's rank into its lane (in the gap after it), along, and in
        (px, py), (cx, cy), y = place[p], place[c], lane[p] + shift
        out, into = starts[rank[p]] + widths[rank[p]] / 2, starts[rank[c]] - widths[rank[c]] / 2
        routes[p, c] = [(px + along[p] / 2, py), (out + rank_gap / 2, y), (into - rank_gap / 2, y),
                        (cx - along[c] / 2, cy)]
    size: tuple[float, ...] = (total_along, high - low + 2 * margin)
    if direction == "TB":  # swap the axes back
        place = {n: (y, x) for n, (x, y) in place.items()}
        routes = {e: [(y, x) for x, y in route] for e, route in routes.items()}
        size = size[::-1]
    return Layout({n: place[n] for n in nodes}, routes, float(size[0]), float(size[1]), rank)


def _ranks(nodes: Sequence[Any], edges: list[tuple[Any, Any]]) -> dict[Any, int]:
    """Each node as late as possible: one rank before its earliest consumer; sinks last."""
    consumers: dict[Any, list[Any]] = {n: [] for n in nodes}
    for p, c in edges:
        consumers[p].append(c)
    depth: dict[Any, int] = {}  # ranks counted back from the sinks
    for n in reversed(nodes):
        depth[n] = max((depth[c] + 1 for c in consumers[n]), default=0)
    last = max(depth.values(), default=0)
    return {n: last - depth[n] for n in nodes}


def _with_points(nodes: Sequence[Any], edges: list[tuple[Any, Any]], rank: dict[Any, int]
                 ) -> tuple[list[list[Any]], dict[tuple[Any, Any], list[Any]], list[tuple[Any, Any]]]:
    """The ranks as lists of nodes, with a waypoint on every rank a short edge crosses.

    Returns (layers, chains, lanes): chains maps each edge of at most `_LONG` ranks to its
    waypoints, which are tuples ``(_Point, edge number, rank)`` and appear in the layers like
    nodes; lanes lists the longer edges, which `_lanes` routes beside the drawing.
    """
    layers: list[list[Any]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for n in nodes:  # each rank starts in the given (topological) order
        layers[rank[n]].append(n)
    chains: dict[tuple[Any, Any], list[Any]] = {}
    lanes: list[tuple[Any, Any]] = []
    for e, (p, c) in enumerate(edges):
        if rank[c] - rank[p] > _LONG:
            lanes.append((p, c))
            continue
        points = [(_Point, e, r) for r in range(rank[p] + 1, rank[c])]
        for point in points:
            layers[point[2]].append(point)
        chains[p, c] = points
    return layers, chains, lanes


def _lanes(long: list[tuple[Any, Any]], coord: dict[Any, float], low: float, high: float) -> dict[Any, float]:
    """{parent: the coordinate of its lane}: one lane per parent of long edges (its edges share it,
    as a bus), on the side of the drawing nearer the parent, the first parents nearest."""
    lane: dict[Any, float] = {}
    count = [0, 0]  # lanes above, below
    for p, _ in long:
        if p not in lane:
            side = int(coord[p] > (low + high) / 2)
            count[side] += 1
            lane[p] = high + _LANE_GAP * count[side] if side else low - _LANE_GAP * count[side]
    return lane


class _Point:
    """Marks a waypoint tuple ``(_Point, edge, rank)``: no user node can equal one."""


def _neighbours(layers: list[list[Any]], chains: dict[tuple[Any, Any], list[Any]]) -> tuple[dict[Any, list[Any]], dict[Any, list[Any]]]:
    """{node: [nodes on the previous rank]}, {node: [nodes on the next rank]}, waypoints included."""
    before: dict[Any, list[Any]]
    after: dict[Any, list[Any]]
    before, after = {}, {}
    for layer in layers:
        for n in layer:
            before[n], after[n] = [], []
    for (p, c), points in chains.items():
        path = [p, *points, c]
        for u, v in zip(path, path[1:]):
            after[u].append(v)
            before[v].append(u)
    return before, after


def _order(layers: list[list[Any]], before: dict[Any, list[Any]], after: dict[Any, list[Any]]) -> None:
    """Reorder each rank in place by barycentre sweeps; keep the order with fewest crossings."""
    best, fewest = [list(layer) for layer in layers], _crossings(layers, after)
    for sweep in range(_SWEEPS):
        forward = sweep % 2 == 0
        ranks = range(1, len(layers)) if forward else range(len(layers) - 2, -1, -1)
        for r in ranks:
            fixed = layers[r - 1] if forward else layers[r + 1]
            where = {n: k for k, n in enumerate(fixed)}
            links = before if forward else after
            current = {n: k for k, n in enumerate(layers[r])}

            def centre(n: Any, links: dict[Any, list[Any]] = links, where: dict[Any, int] = where,
                       current: dict[Any, int] = current) -> tuple[float, int]:
                ks = [where[m] for m in links[n]]
                # A node with no neighbour there keeps its place: its own index, scaled.
                return (sum(ks) / len(ks) if ks else current[n] * len(where) / max(1, len(current)), current[n])

            layers[r].sort(key=centre)
        count = _crossings(layers, after)
        if count < fewest:
            best, fewest = [list(layer) for layer in layers], count
    layers[:] = best


def _crossings(layers: list[list[Any]], after: dict[Any, list[Any]]) -> int:
    """How many pairs of edges cross between adjacent ranks (an inversion count per pair of ranks)."""
    total = 0
    for r in range(len(layers) - 1):
        where = {n: k for k, n in enumerate(layers[r + 1])}
        targets = [m for n in layers[r] for m in sorted(where[v] for v in after[n])]
        total += _inversions(targets)[1]
    return total


def _inversions(xs: list[int]) -> tuple[list[int], int]:
    """(`xs` sorted, the pairs i < j with xs[i] > xs[j]), by merge sort: O(n log n)."""
    if len(xs) < 2:
        return list(xs), 0
    mid = len(xs) // 2
    (left, a), (right, b) = _inversions(xs[:mid]), _inversions(xs[mid:])
    merged, count, i, j = [], a + b, 0, 0
    while i < len(left) and j < len(right):
        if right[j] < left[i]:  # right[j] is smaller than every left value still waiting
            merged.append(right[j])
            count += len(left) - i
            j += 1
        else:
            merged.append(left[i])
            i += 1
    return merged + left[i:] + right[j:], count


def _positions(layers: list[list[Any]], before: dict[Any, list[Any]], after: dict[Any, list[Any]],
               across: dict[Any, float], gap: float) -> dict[Any, float]:
    """A coordinate within its rank for every node: near its neighbours, in order, never overlapping."""
    coord: dict[Any, float] = {}
    for layer in layers:  # start packed, centred on 0
        y = 0.0
        for n in layer:
            h = across.get(n, 0.0)
            coord[n] = y + h / 2
            y += h + gap
        for n in layer:
            coord[n] -= y / 2
    for sweep in range(_SMOOTHING):
        ranks = range(len(layers)) if sweep % 2 == 0 else range(len(layers) - 1, -1, -1)
        for r in ranks:
            layer = layers[r]
            wanted = []
            for n in layer:
                ys = [coord[m] for m in before[n] + after[n]]
                wanted.append(sum(ys) / len(ys) if ys else coord[n])
            for n, y in zip(layer, _pack(wanted, [across.get(n, 0.0) for n in layer], gap)):
                coord[n] = y
    return coord


def _pack(wanted: list[float], sizes: list[float], gap: float) -> list[float]:
    """Positions nearest `wanted` (least squares) that keep the order and the gaps: pool adjacent violators."""
    # With offsets o_k (the packed position of node k), y_k = o_k + u_k keeps the gaps exactly
    # when u is non-decreasing: fit u to wanted - o by isotonic regression.
    offsets: list[float]
    o: float
    offsets, o = [], 0.0
    for k, h in enumerate(sizes):
        if k:
            o += sizes[k - 1] / 2 + gap + h / 2
        offsets.append(o)
    blocks: list[list[Any]] = []  # [mean, count]
    for w, o in zip(wanted, offsets):
        blocks.append([w - o, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, n2 = blocks.pop()
            m1, n1 = blocks[-1]
            blocks[-1] = [(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2]
    u = [m for m, count in blocks for _ in range(count)]
    return [o + v for o, v in zip(offsets, u)]


def chain(nodes: Sequence[Hashable], parents: Mapping[Any, Sequence[Hashable]], sizes: Mapping[Any, tuple[float, float]], *,
          col_gap: float = 28.0, row_gap: float = 16.0, margin: float = 14.0) -> Layout:
    """Lay out a graph that is one long chain with inputs: the chain down the right, each link's inputs to its left.

    This is a neuron opened up: z = (((b + w₁a₁) + w₂a₂) + …) is a chain of sums, and row j reads
    a_j, w_j, their product and the partial sum, left to right. The chain is the longest path of
    computed nodes ending at the last node, down to the first that reads only leaves (which goes
    to the left of the first partial sum, like every other term); every other node goes in the row
    of the chain node it feeds (the first it reaches), further left the further back it is.

    Args:
      nodes: the nodes, parents before children; the last one ends the chain.
      parents: ``{node: [parent, ...]}``, as for `layered`.
      sizes: ``{node: (width, height)}``.
      col_gap, row_gap, margin: spacing.

    Returns:
      A `Layout`; its ``rank`` is each node's row.

    Example:
      >>> nodes = ["b", "w1", "x1", "p1", "s1", "w2", "x2", "p2", "s2"]
      >>> parents = {"p1": ["w1", "x1"], "s1": ["b", "p1"], "p2": ["w2", "x2"], "s2": ["s1", "p2"]}
      >>> layout = chain(nodes, parents, {n: (40, 20) for n in nodes})
      >>> layout.rank["p2"] == layout.rank["s2"] == 1, layout.position["s1"][0] == layout.position["s2"][0]
      (True, True)
    """
    inside = set(nodes)
    spine, depth = _spine(nodes, parents, inside)
    row, column = _rows(nodes, parents, inside, spine, depth)
    rows = max(row.values()) + 1
    heights = [max((sizes[n][1] for n in nodes if row[n] == r), default=0.0) for r in range(rows)]
    cols = sorted(set(column.values()))
    widths = {c: max(sizes[n][0] for n in nodes if column[n] == c) for c in cols}
    xs, x = {}, margin
    for c in cols:
        xs[c] = x + widths[c] / 2
        x += widths[c] + col_gap
    ys, y = [], margin
    for h in heights:
        ys.append(y + h / 2)
        y += h + row_gap
    position = {n: (xs[column[n]], ys[row[n]]) for n in nodes}
    routes = _chain_routes(nodes, parents, inside, set(spine), position, sizes, row, column,
                           [yy - h / 2 for yy, h in zip(ys, heights)], row_gap)
    return Layout(position, routes, x - col_gap + margin, y - row_gap + margin, row)


def _spine(nodes: Sequence[Hashable], parents: Mapping[Any, Sequence[Hashable]], inside: set[Hashable]
           ) -> tuple[list[Hashable], dict[Hashable, int]]:
    """The chain, top to bottom, and each node's depth (the longest path of computed nodes ending at it)."""
    depth: dict[Hashable, int] = {}
    for n in nodes:
        ps = [p for p in parents.get(n, ()) if p in inside]
        depth[n] = 1 + max((depth[p] for p in ps), default=-1) if ps else 0
    spine = [nodes[-1]]
    while True:
        # Follow the deepest computed parent, but not onto a product of leaves (depth 1): that is
        # the first term of the sum, and it reads better in the row of the first partial sum.
        ps = [p for p in parents.get(spine[-1], ()) if p in inside and depth[p] > 1]
        if not ps:
            return spine[::-1], depth
        spine.append(max(ps, key=lambda p: (depth[p], -nodes.index(p))))


def _rows(nodes: Sequence[Hashable], parents: Mapping[Any, Sequence[Hashable]], inside: set[Hashable], spine: list[Hashable],
          depth: dict[Hashable, int]) -> tuple[dict[Hashable, int], dict[Hashable, int]]:
    """Each node's row (the chain node it feeds) and column (0 for the chain, then leftwards)."""
    row: dict[Hashable, int] = {}
    column: dict[Hashable, int] = {}
    placed = set(spine)
    for r, s in enumerate(spine):
        row[s], column[s] = r, 0
        # Breadth first back from the chain node, each new node one column further left; the chain
        # node's own leaves (a bias) go last, so that the terms of every row line up in columns.
        direct = [p for p in dict.fromkeys(parents.get(s, ())) if p in inside and p not in placed]
        own_leaves = [p for p in direct if depth[p] == 0]
        frontier, k = [p for p in direct if depth[p] > 0], 0
        while frontier or own_leaves:
            if not frontier:
                frontier, own_leaves = own_leaves, []
            for p in frontier:
                placed.add(p)
                k += 1
                row[p], column[p] = r, -k
            frontier = list(dict.fromkeys(p for n in frontier for p in dict.fromkeys(parents.get(n, ()))
                                          if p in inside and p not in placed and p not in own_leaves))
    for n in nodes:  # anything the walk missed (not an ancestor of the chain's end) gets a row of its own
        if n not in row:
            row[n], column[n] = len(spine), -1 - sum(1 for m in row if row[m] == len(spine))
    return row, column


def _chain_routes(nodes: Sequence[Hashable], parents: Mapping[Any, Sequence[Hashable]], inside: set[Hashable], on_spine: set[Hashable],
                  position: Mapping[Any, tuple[float, float]], sizes: Mapping[Any, tuple[float, float]],
                  row: dict[Hashable, int], column: dict[Hashable, int], row_tops: list[float], row_gap: float
                  ) -> dict[tuple[Hashable, Hashable], list[tuple[float, float]]]:
    """Edges of `chain`: down the chain, left to right within a row, and over the boxes between as arches."""
    routes: dict[tuple[Hashable, Hashable], list[tuple[float, float]]] = {}
    arches: dict[int, int] = {}
    for c in nodes:
        for p in dict.fromkeys(parents.get(c, ())):
            if p not in inside:
                continue
            (px, py), (cx, cy) = position[p], position[c]
            (pw, ph), (cw, ch) = sizes[p], sizes[c]
            if p in on_spine and c in on_spine:  # down the chain
                routes[p, c] = [(px, py + ph / 2), (cx, cy - ch / 2)]
            elif column[c] - column[p] > 1 and row[p] == row[c]:
                # Over the boxes between: up from the parent's top, across above the row, down into
                # the child's top (left of the chain's own edge); each arch of a row a little higher.
                k = arches[row[p]] = arches.get(row[p], -1) + 1
                y = row_tops[row[p]] - row_gap / 2 - 3.0 * k
                routes[p, c] = [(px, py - ph / 2), (px, y), (cx - cw / 2 + 14, y), (cx - cw / 2 + 14, cy - ch / 2)]
            else:
                routes[p, c] = [(px + pw / 2, py), (cx - cw / 2, cy)]
    return routes
