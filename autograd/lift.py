"""Vectorized replay: recover the notes' matrices from a scalar graph and run each group of ops as one NumPy operation.

``compile_graph(..., vectorize=True)`` (and `autograd.compile`, `nn.compile_step`) traces the graph
as the scalar replay does, then looks for superword-level parallelism in it (Larsen & Amarasinghe,
2000): groups of isomorphic scalar ops whose operands form vectors and matrices. It works from the
recorded graph alone (no labels, no `nn`), in three kinds of group:

- **matrices**: a neuron's running sum ``b_i + w_i1 a_1 + w_i2 a_2 + ...`` is a chain of ``+`` over
  ``*`` nodes. Chains that share their weights (one neuron over many examples) and chains that
  share their activations (one example's layer) make a grid: a layer over a batch of B examples
  is ``Z = A @ W.T + b``, one matrix product, and its backward ``dW = δᵀ A``, ``dA = δ W``,
  ``db = Σ_rows δ``: the notes' δ-equations in matrix form. ``W`` is laid out as the notes' w_ij^l,
  row i = neuron i, column j = input j.
- **elementwise groups**: the consumers of a group's nodes that run the same op at the same operand
  (relu of every z, ``1 - y s`` of every score) form a group of the same shape; so do the ops
  that feed only one group, going up (``-y`` of every target).
- **sums**: a chain of ``+`` over the nodes of one group (a loss's sum over the examples, a
  softmax's Σ exp) is one ``sum``; such sums over the same group form a group themselves.

Everything else stays scalar code, written by the scalar replay's own emitter, in the same program;
a graph with nothing to group is compiled as the scalar replay. A group is made only of nodes that
run the same op on operands that line up (each node's own, by construction), none reading another;
a group that would still wait on itself through other nodes (an unrolled recurrence whose time steps
share W) is dropped back to scalar code. The forwards and partials are the table's (`autograd.OPS`)
own rules rewritten for arrays, as `CompiledFunction.batch` does.

Tolerance. Elementwise ops give the scalar replay's numbers (NumPy's tanh, exp and log may differ
in the last bit), but a matrix product or a sum adds its terms in another order than the scalar
chain (BLAS's, NumPy's pairwise sum), and a gradient that the scalar replay sums consumer by
consumer is summed per group here: results agree with the scalar replay to ~1e-12 relative to
the sum of the magnitudes of the terms, not bit for bit.

Safety. Any floating-point exception NumPy meets (overflow, invalid, division by zero) or any
domain error replays the call on the scalar program instead, which raises the scalar replay's
error or gives its exact numbers: where the scalar replay raises, so does the vectorized one. As in
the scalar replay, the source holds generated names, shapes and numbers alone (never a label), and
runs with NumPy's functions and, of the builtins, ``__import__`` alone (NumPy imports some of its
modules on first use). The scalar program is compiled on first need, from the graph, which a
vectorized function therefore keeps (~120 bytes a node: ~8 MB for the W3 step's 69,000 nodes).
"""

from __future__ import annotations

import ast
import heapq
import operator
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from autograd.engine import OPS, Value
from autograd.replay import _PART, _array_function, _array_names, _ArrayForm, _Emitter, _literal, _term

__all__ = ["Lifted", "LiftedMatrix"]


def numpy_or_error(who: str) -> Any:
    """NumPy, or an ImportError saying how to get it (the vectorized replay needs it; nothing else does)."""
    try:
        import numpy
    except ImportError:
        raise ImportError(f"{who}: vectorize=True needs NumPy, an optional extra: pip install 'dagrad[fast]' "
                          f"(or pip install numpy); without it, compile with vectorize=False") from None
    return numpy


# --- what was found ------------------------------------------------------------------------------

class LiftedMatrix:
    """A matrix recovered from the scalar graph: ``Z = A @ W.T + b`` over `rows` rows (examples).

    Attributes:
      name: ``W1``, ``W2``, ... in the order the program computes them.
      weights: the weights as the notes lay out w_ij^l: ``weights[i][j]`` is the Value that neuron
        i multiplies its input j by (a parameter, usually).
      bias: the Values added to each neuron's sum (``b_i``), or None.
      outputs: the sums themselves, the notes' z_i^l, one row per example: ``outputs[r][i]`` is
        neuron i's in row r; a call's gradients of them, δ^l, are in the function's ``deltas``.
      rows: how many rows (examples) the product runs over at once.

    Example:
      >>> from nn import MLP, compile_step, mse_loss
      >>> model = MLP(3, [4, 1], seed=0)
      >>> step = compile_step(model, mse_loss, [[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]], [1.0, 0.0], vectorize=True)
      >>> W1 = step.lifted.matrices[0]
      >>> W1, W1.weights[2][0] is model.layers[0].neurons[2].w[0], W1.weights[2][0].label
      (<LiftedMatrix W1: 4 × 3 over 2 rows>, True, 'w[1]_31')
    """

    __slots__ = ("name", "weights", "bias", "outputs", "rows")

    def __init__(self, name: str, weights: list[list[Value]], bias: list[Value] | None, outputs: list[list[Value]]) -> None:
        self.name, self.weights, self.bias, self.outputs, self.rows = name, weights, bias, outputs, len(outputs)

    @property
    def shape(self) -> tuple[int, int]:
        """(neurons, inputs): the shape of W.

        Example:
          >>> from autograd import Value
          >>> LiftedMatrix("W1", [[Value(1.0), Value(2.0)]], None, [[Value(0.0)]]).shape
          (1, 2)
        """
        return len(self.weights), len(self.weights[0])

    def __str__(self) -> str:
        """W laid out as the notes' w_ij (each weight's label, or its value if it has none), large ones cut.

        Example:
          >>> from nn import MLP, compile_step, mse_loss
          >>> step = compile_step(MLP(2, [3, 1], seed=0), mse_loss, [[1.0, 2.0], [0.0, 1.0]], [1.0, 0.0], vectorize=True)
          >>> print(step.lifted.matrices[0])
          W1: 3 × 2 (row i = neuron i, column j = input j)
            w[1]_11  w[1]_12
            w[1]_21  w[1]_22
            w[1]_31  w[1]_32
        """
        n, k = self.shape
        cells = [["…" if i is None or j is None else _name(self.weights[i][j]) for j in _shown(k)] for i in _shown(n)]
        cells = [["⋮" if i is None else cell for cell in row] for i, row in zip(_shown(n), cells)]
        widths = [max(len(row[c]) for row in cells) for c in range(len(cells[0]))]
        lines = ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in cells]
        return "\n".join([f"{self.name}: {n} × {k} (row i = neuron i, column j = input j)", *lines])

    def __repr__(self) -> str:
        return f"<LiftedMatrix {self.name}: {self.shape[0]} × {self.shape[1]} over {self.rows} rows>"


class Lifted:
    """What the vectorizer found in a graph: ``print(f.lifted)`` reads it; made by ``vectorize=True``.

    Attributes:
      matrices: the recovered matrices (`LiftedMatrix`), in the order the program computes them.
      groups: each elementwise group as (op, shape).
      sums: each group of sums as (shape of the group, terms each).
      dots: each dot product of parameters alone (a penalty Σ p·p, say), as its number of terms.
      scalar: how many ops of each kind stayed scalar code.

    Example:
      >>> from autograd import Value, compile_graph
      >>> w = [[Value(0.1 * (i + j)) for j in range(3)] for i in range(2)]
      >>> X = [[Value(float(r + j)) for j in range(3)] for r in range(4)]
      >>> z = [[sum((wij * xj for wij, xj in zip(wi, x)), Value(0.0)).tanh() for wi in w] for x in X]
      >>> loss = sum(zi * zi for row in z for zi in row)
      >>> f = compile_graph(loss, [p for row in w for p in row], data=X, vectorize=True)
      >>> f.lifted.matrices[0].shape, f.lifted.groups[0]
      ((2, 3), ('tanh', (4, 2)))
    """

    def __init__(self, matrices: list[LiftedMatrix], groups: list[tuple[str, tuple[int, ...]]],
                 sums: list[tuple[tuple[int, ...], int]], dots: list[int], scalar: dict[str, int]) -> None:
        self.matrices, self.groups, self.sums, self.dots, self.scalar = matrices, groups, sums, dots, scalar

    def __str__(self) -> str:
        n_scalar = sum(self.scalar.values())
        lines = [f"{_plural(len(self.matrices), 'matrix', 'matrices')}, "
                 f"{_plural(len(self.groups), 'elementwise group')}, {_plural(len(self.sums), 'sum')}; "
                 f"{_plural(n_scalar, 'op')} {'stays' if n_scalar == 1 else 'stay'} scalar"]
        for m in self.matrices:
            n, k = m.shape
            bias = f" + b{m.name[1:]}" if m.bias is not None else ""
            lines.append(f"  {m.name}: {n} × {k} (row i = neuron i, column j = input j: {_name(m.weights[0][0])} … "
                         f"{_name(m.weights[-1][-1])}); Z = A @ {m.name}.T{bias} over {m.rows} rows")
        lines += [f"  {op}: {_shape(s)}" for op, s in self.groups]
        lines += [f"  sum: {_shape(s)}, of {k} terms each" for s, k in self.sums]
        lines += [f"  dot product: {k} terms" for k in self.dots]
        if self.scalar:
            lines.append("  scalar: " + ", ".join(f"{op} × {n}" for op, n in sorted(self.scalar.items())))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Lifted: {len(self.matrices)} matrices, {len(self.groups)} groups, {len(self.sums)} sums>"


def _name(x: Value) -> str:
    return x.label or f"{x.data:g}"


def _shown(n: int) -> list[int | None]:
    """The rows (or columns) of n that a printed matrix shows: all up to 6, else 3, a gap (None), the last."""
    return list(range(n)) if n <= 6 else [0, 1, 2, None, n - 1]


def _shape(shape: tuple[int, ...]) -> str:
    return " × ".join(map(str, shape))


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


# --- finding the groups ----------------------------------------------------------------------------

class _Pack:
    """A group of nodes computed as one array: its nodes as a grid, and its operands as grids of nodes.

    kind: "map" (one op, elementwise over `grids`), "layer" (grids a, w, bias: ``a @ w.T + bias``),
    "sum" (grids terms, start: ``terms.sum(axis=1) + start``), "inputs" or "data" (the leaves read in).
    """

    __slots__ = ("id", "kind", "op", "nodes", "grids", "absorbed", "operands")

    def __init__(self, id: int, kind: str, nodes: Any, grids: list[Any], op: str = "", absorbed: list[int] | None = None) -> None:
        self.id, self.kind, self.nodes, self.grids, self.op = id, kind, nodes, grids, op
        self.absorbed = absorbed or []
        self.operands: list[Any] = []


# A sum of fewer terms than this is no seed for a group of its terms (``data_loss + reg_loss`` is no vector).
_SEED = 4


class _Finder:
    """Finds the packs of a graph (`_Emitter` `e`'s): matrices first, then groups down and up from them, then
    sums; then the order of the program (`order`), which drops a pack that would wait on itself."""

    def __init__(self, e: _Emitter, np: Any) -> None:
        self.e, self.np = e, np
        # Each node's consumers, each once: the one in `single` (-1: none, -2: several, in `several`).
        # Speed: a list per node would be 65,000 containers for the garbage collector to scan in W3.
        single, several = [-1] * len(e.order), dict[int, list[int]]()
        for i in e.ops:
            for j in set(e.parents[i]) if len(e.parents[i]) > 1 else e.parents[i]:
                if single[j] == -1:
                    single[j] = i
                elif single[j] == -2:
                    several[j].append(i)
                else:
                    several[j], single[j] = [single[j], i], -2
        self.single, self.several = single, several
        self.kept = {e.index[x] for x in (e.output, *e.extras)}  # read by the caller: never absorbed
        # A partial sum inside a chain of +: read once, as the left operand of the next + (and not also as its right).
        self.link = [False] * len(e.order)
        plus = [i for i in e.ops if e.kind[i] == "+" and len(e.parents[i]) == 2]
        self.plus = plus
        for i in plus:
            left, right = e.parents[i]
            if left != right and e.kind[left] == "+" and single[left] >= 0 and left not in self.kept and len(e.parents[left]) == 2:
                self.link[left] = True
        self.packs: list[_Pack] = []
        self.owner: dict[int, tuple[int, int]] = {}  # node -> (pack id, flat position)
        self.absorbed: dict[int, int] = {}
        self.data_leaves = {e.index[x] for row in e.data for x in row if x in e.index}
        # The first data row each node reads (len(e.data) for none): the example a layer's row belongs to.
        self.example = example = [len(e.data)] * len(e.order)
        for r, row in enumerate(e.data):
            for x in row:
                if x in e.index:
                    example[e.index[x]] = min(example[e.index[x]], r)
        for i in e.ops:
            for j in e.parents[i]:
                if example[j] < example[i]:
                    example[i] = example[j]
        self._pseudo("inputs", [e.index.get(x, -1) for x in e.inputs])
        widths = {len(row) for row in e.data}
        if len(widths) == 1 and widths != {0}:
            self._pseudo("data", [[e.index.get(x, -1) for x in row] for row in e.data])

    def _pseudo(self, kind: str, nodes: Any) -> None:
        pack = self._new(kind, self.np.array(nodes, dtype=int), [])
        for k, j in enumerate(pack.nodes.ravel().tolist()):
            if j >= 0:
                self.owner[j] = (pack.id, k)

    def _new(self, kind: str, nodes: Any, grids: list[Any], op: str = "", absorbed: list[int] | None = None) -> _Pack:
        pack = _Pack(len(self.packs), kind, nodes, grids, op, absorbed)
        self.packs.append(pack)
        if kind not in ("inputs", "data"):
            for k, j in enumerate(nodes.ravel().tolist()):
                self.owner[j] = (pack.id, k)
            for j in pack.absorbed:
                self.absorbed[j] = pack.id
        return pack

    def find(self) -> list[_Pack]:
        chains = self._chains()
        work = deque(self._layers(chains))
        while True:
            while work:
                self._extend(work.popleft(), work)
            work.extend(self._sums(chains))
            if not work:
                return self.packs

    def _consumers(self, j: int) -> list[int]:
        one = self.single[j]
        return [one] if one >= 0 else self.several[j] if one == -2 else []

    def _free(self, j: int) -> bool:
        return j not in self.owner and j not in self.absorbed

    def _chains(self) -> list[tuple[int, list[int], list[int]]]:
        """Every chain of ``+``: (its last node, its terms from the first, its partial sums inside)."""
        parents, link, chains = self.e.parents, self.link, []
        for z in self.plus:
            if link[z]:
                continue
            inside, terms, node = [], [], z
            while True:
                left, right = parents[node]
                terms.append(right)
                if not link[left]:
                    terms.append(left)
                    break
                inside.append(left)
                node = left
            terms.reverse()
            chains.append((z, terms, inside))
        return chains

    def _product(self, t: int) -> bool:
        e = self.e
        return e.kind[t] == "*" and len(e.parents[t]) == 2 and self.single[t] >= 0 and t not in self.kept

    def _dot(self, terms: list[int]) -> tuple[tuple[int, ...], tuple[int, ...], int | None, list[int]] | None:
        """A chain as a neuron's sum: (weights, activations, bias or None, products), or None."""
        e = self.e
        if not e.live[terms[0]] and e.order[terms[0]].data == 0.0 and len(terms) > 1:
            terms = terms[1:]  # sum()'s start, 0
        bias = None
        if not self._product(terms[0]):
            bias, terms = terms[0], terms[1:]
        elif not self._product(terms[-1]):
            bias, terms = terms[-1], terms[:-1]
        if not terms or not all(map(self._product, terms)):
            return None
        left, right = zip(*(e.parents[t] for t in terms))
        for w, a in ((left, right), (right, left)):  # the weights: parameters or constants, never data
            if all(not e.kind[j] and j not in self.data_leaves for j in w):
                return w, a, bias, terms
        return None

    def _layers(self, chains: list[tuple[int, list[int], list[int]]]) -> list[_Pack]:
        """The matrices: chains grouped by their weights (neurons), neurons by the activations they read (rows)."""
        neurons: dict[tuple[int, ...], list[tuple[tuple[int, ...], int, int | None, list[int]]]] = {}
        first: dict[int, bool] = {}
        for z, terms, inside in chains:
            dot = self._dot(terms)
            if dot is not None:
                w, a, bias, products = dot
                neurons.setdefault(w, []).append((a, z, bias, inside + products))
                first[z] = bias is not None and terms[0] == bias
        layers: dict[Any, list[tuple[int, ...]]] = {}
        for w, found in neurons.items():
            rows = tuple(a for a, *_ in found)
            shape = {(bias, first[z]) for _, z, bias, _ in found}
            if len(set(rows)) == len(rows) and len(shape) == 1:
                bias, bias_first = shape.pop()
                layers.setdefault((frozenset(rows), bias_first, bias is None, len(w)), []).append(w)
        packs = []
        place = {j: k for k, j in enumerate(self.packs[0].nodes.tolist())}  # each input's place in `inputs`
        example = self.example
        for ws in layers.values():
            # Neurons in the order of their weights among the inputs (a model's parameters() go neuron by
            # neuron): row i of W is neuron i, whatever order the loss visited them in.
            ws.sort(key=lambda w: min(place.get(j, len(place)) for j in w))
            # Rows in the order of the examples they read (row r of Z is example r), whatever order the loss
            # visited them in; rows of no example (a function's own inputs) by their first node.
            rows = sorted((a for a, _, _, _ in neurons[ws[0]]), key=lambda a: (min(example[j] for j in a), min(a)))
            at = [{a: (z, b, inside) for a, z, b, inside in neurons[w]} for w in ws]
            if len(rows) * len(ws) * len(ws[0]) < 2:
                continue  # one product: nothing to group
            nodes = self.np.array([[at[i][a][0] for i in range(len(ws))] for a in rows], dtype=int)
            bias = None if at[0][rows[0]][1] is None else self.np.array([at[i][rows[0]][1] for i in range(len(ws))], dtype=int)
            absorbed = [j for table in at for _, _, inside in table.values() for j in inside]
            np = self.np
            grids = [np.array(rows, dtype=int), np.array(ws, dtype=int), bias]
            packs.append(self._new("layer", nodes, grids, absorbed=absorbed))
            for grid in grids[:2]:  # activations (or weights) made for this product alone: a group going up
                if self._feeds_only(grid.ravel().tolist(), set(absorbed)):
                    self._map(grid)
        return packs

    def _extend(self, pack: _Pack, work: deque[_Pack]) -> None:
        """The groups down from `pack`: for each (op, operand) that every node of it feeds once, a group."""
        e, flat = self.e, pack.nodes.ravel().tolist()
        classes: dict[tuple[str, int, int], dict[int, list[int]]] = {}
        for k, j in enumerate(flat):
            for i in self._consumers(j):
                if self._free(i):
                    classes.setdefault((e.kind[i], len(e.parents[i]), e.parents[i].index(j)), {}).setdefault(k, []).append(i)
        for by_node in classes.values():
            if len(flat) < 2 or len(by_node) != len(flat) or any(len(found) != 1 for found in by_node.values()):
                continue
            nodes = [by_node[k][0] for k in range(len(flat))]
            if len(set(nodes)) == len(nodes) and all(map(self._free, nodes)) and self._independent(nodes):
                work.append(self._map(self.np.array(nodes, dtype=int).reshape(pack.nodes.shape)))

    def _map(self, nodes: Any) -> _Pack:
        """An elementwise group of `nodes` (one op), and the groups up from it that feed it alone."""
        e = self.e
        i = int(nodes.flat[0])
        grids = [self.np.array([e.parents[j][k] for j in nodes.ravel().tolist()], dtype=int).reshape(nodes.shape)
                 for k in range(len(e.parents[i]))]
        pack = self._new("map", nodes, grids, op=e.kind[i])
        members = set(nodes.ravel().tolist())
        for grid in grids:
            if self._feeds_only(grid.ravel().tolist(), members):
                self._map(grid)
        return pack

    def _feeds_only(self, nodes: list[int], consumers: set[int]) -> bool:
        """True if `nodes` are distinct free ops of one kind that only `consumers` read: a group going up."""
        e = self.e
        kind = (e.kind[nodes[0]], len(e.parents[nodes[0]]))
        return (len(nodes) > 1 and len(set(nodes)) == len(nodes) and all(e.kind[j] and e.live[j] and self._free(j) and j not in self.kept
                                                      and (e.kind[j], len(e.parents[j])) == kind
                                                      and set(self._consumers(j)) <= consumers for j in nodes)
                and self._independent(nodes))

    def _independent(self, nodes: list[int]) -> bool:
        """True if no node of a would-be group reads another (a running sum's nodes do): one op can make them all."""
        members, parents = set(nodes), self.e.parents
        return not any(j in members for i in nodes for j in parents[i])

    def _sums(self, chains: list[tuple[int, list[int], list[int]]]) -> list[_Pack]:
        """Chains whose terms are nodes of one group: sums, grouped by that group and their length."""
        e, np = self.e, self.np
        found: dict[tuple[int, int, bool], list[tuple[int, list[int], int | None, list[int]]]] = {}
        for z, terms, inside in chains:
            if not self._free(z):
                continue
            # A partial sum a group has taken (each example's loss, itself a +, summed over the batch)
            # is a term: the chain starts there. inside[k] sums all but the last k + 1 terms.
            k = next((k for k, j in enumerate(inside) if not self._free(j)), None)
            if k is not None:
                terms, inside = [inside[k], *terms[len(terms) - k - 1:]], inside[:k]
            if not e.live[terms[0]] and e.order[terms[0]].data == 0.0:
                terms = terms[1:]
            start = None
            if len(terms) > 2 and terms[0] not in self.owner and terms[1] in self.owner:
                start, terms = terms[0], terms[1:]
            if len(terms) < 2:
                continue
            if len(terms) >= _SEED and self._feeds_only(terms, {z, *inside}):
                self._map(np.array(terms, dtype=int))
            packs = {self.owner[j][0] if j in self.owner else -1 for j in terms}
            if len(packs) == 1 and -1 not in packs and self.packs[min(packs)].kind not in ("inputs", "data"):
                found.setdefault((packs.pop(), len(terms), start is None), []).append((z, terms, start, inside))
        new = []
        for sums in found.values():
            grids = [np.array([t for _, t, _, _ in sums], dtype=int),
                     None if sums[0][2] is None else np.array([s for _, _, s, _ in sums], dtype=int)]
            new.append(self._new("sum", np.array([z for z, *_ in sums], dtype=int), grids,
                                 absorbed=[j for *_, inside in sums for j in inside]))
        return new


    # --- the order of the program ---

    def order(self) -> list[tuple[str, int]]:
        """The units, ("p", pack id) or ("s", node) for an op left scalar, in an order that reads every
        value after it is made; a pack that waits on itself (through other nodes) is dropped first."""
        while True:
            order, stuck = self._topological()
            if not stuck:
                return order
            pack = self.packs[min(stuck)]
            pack.kind = "dropped"
            for j in [*pack.nodes.ravel().tolist(), *pack.absorbed]:
                self.owner.pop(j, None)
                self.absorbed.pop(j, None)

    def _unit(self, j: int) -> tuple[str, int] | None:
        if j in self.owner:
            pack = self.packs[self.owner[j][0]]
            return ("p", pack.id) if _real(pack) else None
        if j in self.absorbed:
            return "p", self.absorbed[j]
        return ("s", j) if self.e.kind[j] and self.e.live[j] else None

    def _reads(self, unit: tuple[str, int]) -> set[tuple[str, int]]:
        if unit[0] == "s":
            js = list(self.e.parents[unit[1]])
        else:
            js = [j for g in self.packs[unit[1]].grids if g is not None for j in g.ravel().tolist()]
        return {u for u in map(self._unit, js) if u is not None}

    def _topological(self) -> tuple[list[tuple[str, int]], list[int]]:
        """(the units in order, each after what it reads, earliest node first; the packs left waiting)."""
        owner, absorbed = self.owner, self.absorbed
        units: list[tuple[str, int]] = [("s", i) for i in self.e.ops if i not in owner and i not in absorbed]
        units += [("p", p.id) for p in self.packs if _real(p)]
        key = {u: (u[1] if u[0] == "s" else int(self.packs[u[1]].nodes.min())) for u in units}
        waiting = {u: self._reads(u) for u in units}
        readers: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for u, reads in waiting.items():
            for r in reads:
                readers.setdefault(r, []).append(u)
        ready = [(key[u], u) for u, reads in waiting.items() if not reads]
        heapq.heapify(ready)
        order = []
        while ready:
            _, u = heapq.heappop(ready)
            order.append(u)
            for r in readers.get(u, ()):
                waiting[r].discard(u)
                if not waiting[r]:
                    heapq.heappush(ready, (key[r], r))
        return order, [u[1] for u in units if u[0] == "p" and waiting[u]]


def _real(pack: _Pack) -> bool:
    """True for a pack the program computes (not the inputs or the data read in, not a dropped one)."""
    return pack.kind in ("map", "layer", "sum")


# --- the program --------------------------------------------------------------------------------------

class _ArrayExpression(_ArrayForm):
    """A rule of the table rewritten for arrays (conditionals as ``where``), without `_ArrayForm`'s row checks:
    here any floating-point exception replays the call on the scalar program."""

    def _check(self, node: ast.expr) -> ast.expr:
        return node

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        """A question about constants alone (``2.0 >= 1``, the exponent of ``x ** 2``) is answered now: the
        other branch is never computed (``where`` computes both, and one may divide by zero)."""
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _COMPARE:
            try:
                left, right = ast.literal_eval(test.left), ast.literal_eval(test.comparators[0])
            except ValueError:  # not a constant: asked at run time
                return super().visit_IfExp(node)
            return self.visit(node.body if _COMPARE[type(test.ops[0])](left, right) else node.orelse)
        return super().visit_IfExp(node)


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
                                                   ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne}


class _VectorEmitter(_Emitter):
    """Writes the vectorized program: packs as NumPy statements, every other op by the scalar emitter's own lines.

    The units (packs and scalar ops) run in the order `_Finder.order` gives, forward, then backward
    in reverse. A pack reads its operands as arrays (`_operand`: a constant, a slice or gather of a
    pack, or scalars made an array); its backward sends each operand's gradient array back the same
    way (`_route`). Gradient contributions to a pack's nodes are collected in `terms` and summed when
    its backward runs; those to a scalar node go through the scalar emitter's own bookkeeping.
    """

    def __init__(self, output: Value, inputs: list[Value], extras: list[Value] | tuple[()], who: str, data: Any, np: Any) -> None:
        super().__init__(output, inputs, extras, who, data, scalar=False)
        self.np = np
        self.split, self.functions = False, [[]]  # one function (`vectorized` refuses a program too long for one)
        self.finder = _Finder(self, np)
        self.packs = self.finder.find()
        self.units = self.finder.order()
        # The rules, checked at the nodes the program writes: a matrix product's or a sum's own ops are gone.
        absorbed = self.finder.absorbed
        self.rules = self._rules(i for i in self.ops if i not in absorbed)
        self.terms: dict[int, list[tuple[str, Any, str]]] = {}
        self.form = _ArrayExpression()
        self.counter = 0
        self.operand_names: dict[int, list[Any]] = {}

    # --- the whole program ---

    def lifted(self) -> Lifted:
        matrices: list[LiftedMatrix] = []
        groups: list[tuple[str, tuple[int, ...]]] = []
        sums: list[tuple[tuple[int, ...], int]] = []
        dots: list[int] = []
        for kind, k in self.units:
            pack = self.packs[k] if kind == "p" else None
            if pack is None:
                continue
            if pack.kind == "layer" and pack.id not in self.layer_names:
                dots.append(pack.grids[1].shape[1])
            elif pack.kind == "layer":
                _, w, bias = pack.grids
                matrices.append(LiftedMatrix(self.layer_names[k], self._values(w),
                                             None if bias is None else self._values(bias[None])[0], self._values(pack.nodes)))
            elif pack.kind == "map":
                groups.append((pack.op, tuple(pack.nodes.shape)))
            else:
                sums.append((tuple(pack.nodes.shape), pack.grids[0].shape[1]))
        scalar = Counter(self.kind[i] for kind, i in self.units if kind == "s")
        return Lifted(matrices, groups, sums, dots, dict(scalar))

    def _dot(self, pack: _Pack) -> bool:
        """True for a product of parameters alone, one number (an L2 penalty Σ p·p): no layer of the notes."""
        return pack.nodes.size == 1 and not any(self.kind[j] or j in self.finder.data_leaves for j in pack.grids[0].ravel().tolist())

    def _values(self, grid: Any) -> list[list[Value]]:
        return [[self.order[j] for j in row] for row in grid.tolist()]

    def vectorized(self) -> bool:
        """True if something groups, and what stays scalar fits in one function (`_PART` ops)."""
        return any(kind == "p" for kind, _ in self.units) and sum(kind == "s" for kind, _ in self.units) <= _PART

    def program(self) -> tuple[list[str], dict[str, Callable[..., Any]], int]:
        for pack in self.packs:
            if _real(pack):
                # A map's operands broadcast (a constant or one node for all); a product's and a sum's are arrays.
                pack.operands = [None if g is None else self._operand(g, pack.kind == "map" or k == 2)
                                 for k, g in enumerate(pack.grids)]
        self.readers = self._scalar_readers()
        layers = [k for kind, k in self.units if kind == "p" and self.packs[k].kind == "layer" and not self._dot(self.packs[k])]
        self.layer_names = {k: f"W{n + 1}" for n, k in enumerate(layers)}
        self.spread_to = self._spread_inputs()
        used = {o[1] for p in self.packs if _real(p) for o in p.operands if o is not None and o[0] == "gather"}
        lines = self.functions[0]
        if layers:
            lines.append("deltas.clear()")  # the last call's δ^l alone (a call replayed by the scalar program has none)
        for pack in self.packs:
            if pack.kind in ("inputs", "data") and pack.id in used:
                lines.append("inp = array(inputs)" if pack.kind == "inputs" else "D = array(data)")
        for kind, k in self.units:
            if kind == "s":
                self._forward_op(k)
            else:
                self._forward_pack(self.packs[k])
        out = self.index[self.output]
        if out in self.finder.owner:
            self._contribute(out, "1.0")
        else:
            self.grad[out] = "1.0"
        if self.spread_to:
            lines.append(f"GI = zeros({len(self.inputs)})")
        for kind, k in reversed(self.units):
            if kind == "p":
                self._backward_pack(self.packs[k])
            elif self.upstream[k] and self.needs[k] and self._gradient(k) is not None:
                self._backward_op(k)
        if self.spread_to:
            lines.append("GL = GI.tolist()")
        grads = []
        for k, x in enumerate(self.inputs):
            parts = [self._gradient(self.index[x]) if x in self.index else None, f"GL[{k}]" if k in self.spread_to else None]
            grads.append(" + ".join(p for p in parts if p) or "0.0")
        results = [self._value(out), "[" + ", ".join(grads) + "]"]
        if self.extras:
            wanted = [self.index[x] for x in self.extras]
            whole = next((p.id for p in self.packs if _real(p) and p.id in self.readers and p.nodes.ravel().tolist() == wanted), None)
            # A pack's list of floats is made afresh by each call: returned as it is when it is exactly the extras.
            results.append(f"L{whole}" if whole is not None else "[" + ", ".join(map(self._value, wanted)) + "]")
        lines.append(f"return {', '.join(results)}")
        head = f"def replay({'inputs, data' if self.data else 'inputs'}):"
        return [head + "\n    " + "\n    ".join(lines) + "\n"], self.bindings, len(self.ops)

    def _scalar_readers(self) -> set[int]:
        """The packs whose nodes a scalar line reads (so the pack is also made a list of floats)."""
        f, packs = self.finder, set()
        reads = [j for kind, i in self.units if kind == "s" for j in self.parents[i]]
        reads += [self.index[x] for x in (self.output, *self.extras)]
        reads += [j for p in self.packs if _real(p) for o in p.operands if o is not None and o[0] in ("scalars", "scalar")
                  for j in (o[1] if o[0] == "scalars" else [o[1]])]
        for j in reads:
            if j in f.owner and _real(self.packs[f.owner[j][0]]):
                packs.add(f.owner[j][0])
        return packs

    def _spread_inputs(self) -> set[int]:
        """The inputs whose gradient a pack adds to (in ``GI``)."""
        out: set[int] = set()
        for p in self.packs:
            if _real(p):
                for o, g in zip(p.operands, p.grids):
                    if o is not None and o[0] == "gather" and self.packs[o[1]].kind == "inputs" and self._needs(g):
                        out.update(o[2].ravel().tolist())
        return out

    def _needs(self, grid: Any) -> bool:
        return grid is not None and any(self.needs[j] for j in grid.ravel().tolist())

    # --- operands ---

    def _operand(self, grid: Any, broadcast: bool) -> Any:
        """How a pack reads a grid of nodes: ("const", literal), ("array", name), ("scalar", node),
        ("gather", pack id, positions), or ("scalars", nodes) (made from scalar variables)."""
        np, f = self.np, self.finder
        flat = grid.ravel().tolist()
        if not any(self.live[j] for j in flat):
            values = [self.order[j].data for j in flat]
            if broadcast and len(set(values)) == 1 and values[0] == values[0]:
                return "const", _literal(values[0])
            return "array", self._constant(np.array(values).reshape(grid.shape))
        if broadcast and len(set(flat)) == 1:
            return "scalar", flat[0]
        owners = {f.owner[j][0] if j in f.owner else -1 for j in flat}
        if len(owners) == 1 and -1 not in owners:
            k = owners.pop()
            return "gather", k, np.array([f.owner[j][1] for j in flat], dtype=int).reshape(grid.shape)
        return "scalars", flat

    def _constant(self, array: Any) -> str:
        self.counter += 1
        name = f"c{self.counter}"
        self.bindings[name] = array
        return name

    def _read(self, operand: Any, shape: tuple[int, ...]) -> str:
        """An operand's value as an expression of the program."""
        kind, np = operand[0], self.np
        if kind in ("const", "array"):
            return str(operand[1])
        if kind == "scalar":
            return self._value(operand[1])
        if kind == "scalars":
            values = f"array([{', '.join(map(self._value, operand[1]))}])"
            return values if len(shape) == 1 else f"{values}.reshape({tuple(shape)})"
        pack, positions = self.packs[operand[1]], operand[2]
        source = {"inputs": "inp", "data": "D"}.get(pack.kind, f"P{pack.id}")
        in_order = positions.size == pack.nodes.size and (positions.ravel() == np.arange(positions.size)).all()
        if in_order:
            return source if positions.shape == pack.nodes.shape else f"{source}.reshape({tuple(shape)})"
        if pack.nodes.ndim == 2 and positions.ndim == 2 and len(positions) == len(pack.nodes):
            width, c0, k = pack.nodes.shape[1], int(positions[0, 0]), positions.shape[1]
            if c0 + k <= width and (positions == np.arange(len(positions))[:, None] * width + c0 + np.arange(k)).all():
                return f"{source}[:, {c0}:{c0 + k}]"  # columns of the data, say: a view
        return f"take({source}, {self._constant(positions)})"

    # --- forward ---

    def _forward_pack(self, pack: _Pack) -> None:
        if pack.kind == "layer":  # (generated names and shapes only: the source holds no user string)
            (rows, n), k = pack.nodes.shape, pack.grids[1].shape[1]
            name = self.layer_names.get(pack.id)
            self._write(f"# {name}: Z = A @ W.T + b, A {rows} × {k}, W {n} × {k}" if name else f"# a dot product of {k} terms")
        names = [None if o is None else self._named(o, g.shape, f"a{pack.id}_{k}")
                 for k, (o, g) in enumerate(zip(pack.operands, pack.grids))]
        self.operand_names[pack.id] = names
        name = f"P{pack.id}"
        if pack.kind == "layer":
            a, w, bias = names
            self._write(f"{name} = {a} @ {w}.T" + (f" + {bias}" if bias else ""))
        elif pack.kind == "sum":
            terms, start = names
            self._write(f"{name} = {terms}.sum(axis=1)" + (f" + {start}" if start else ""))
        else:
            template = self.rules[pack.op, len(names)][0]
            if template is None:
                fn = self._bind(pack.op, "fn_array", _array_function(OPS[pack.op].forward, self.np, False))
                self._write(f"{name} = {fn}({', '.join(map(str, names))})")
            else:
                self._array_statement(f"{name} = {template.format(*names)}")
            if all(o[0] in ("const", "scalar") for o in pack.operands):  # every node the same op of the same values
                self._write(f"{name} = {name} + zeros({tuple(pack.nodes.shape)})")
        if pack.id in self.readers:
            self._write(f"L{pack.id} = {name}.ravel().tolist()")
            for k, j in enumerate(pack.nodes.ravel().tolist()):
                self.source[j] = f"L{pack.id}[{k}]"

    def _named(self, operand: Any, shape: tuple[int, ...], name: str) -> str:
        expression = self._read(operand, shape)
        if expression.isidentifier() or operand[0] == "const":
            return expression
        self._write(f"{name} = {expression}")
        return name

    def _array_statement(self, source: str) -> None:
        for statement in self.form.statements(ast.parse(source).body):
            self._write(ast.unparse(ast.fix_missing_locations(statement)))

    # --- backward ---

    def _contribute(self, j: int, expression: str) -> None:
        """Add a scalar expression to node j's gradient: into its pack's terms, or as the scalar emitter does."""
        if j in self.finder.owner and _real(self.packs[self.finder.owner[j][0]]):
            pack, k = self.finder.owner[j]
            self.terms.setdefault(pack, []).append(("element", k, expression))
        elif self.needs[j]:
            super()._add_to_gradient(j, "1.0", expression)

    def _add_to_gradient(self, j: int, d: str, g: str) -> None:
        if j in self.finder.owner and _real(self.packs[self.finder.owner[j][0]]):
            self._contribute(j, _term(d, g))
        else:
            super()._add_to_gradient(j, d, g)

    def _route(self, operand: Any, grid: Any, expression: str) -> None:
        """Send a gradient array (shaped as `grid`) to the nodes the operand read."""
        if operand is None or not self._needs(grid):
            return
        kind = operand[0]
        if kind == "scalar":
            self._contribute(operand[1], f"total({expression})")
        elif kind == "scalars":
            self.counter += 1
            name = f"e{self.counter}"
            self._write(f"{name} = ({expression}).ravel().tolist()")
            for k, j in enumerate(operand[1]):
                if self.live[j]:
                    self._contribute(j, f"{name}[{k}]")
        elif kind == "gather":
            pack, positions = self.packs[operand[1]], operand[2]
            if pack.kind == "inputs":
                self._spread("GI", positions, expression)
            elif pack.kind != "data":
                self.terms.setdefault(pack.id, []).append(("gather", positions, expression))

    def _spread(self, into: str, positions: Any, expression: str) -> None:
        """``into[positions] += expression``: a fancy-index add when the positions are distinct, else ``add.at``."""
        flat = positions.ravel()
        if len(set(flat.tolist())) == len(flat):
            self._write(f"{into}[{self._constant(flat)}] += ({expression}).ravel()")
        else:
            self._write(f"spread({into}, {self._constant(positions)}, {expression})")

    def _gradient_array(self, pack: _Pack) -> str | None:
        """``G<id>``: the sum of the pack's gradient terms, or None if it has none."""
        terms = self.terms.pop(pack.id, [])
        if not terms:
            return None
        np, size, shape = self.np, pack.nodes.size, tuple(pack.nodes.shape)
        name = f"G{pack.id}"
        whole = [t for t in terms if t[0] == "gather" and t[1].size == size and (t[1].ravel() == np.arange(size)).all()]
        scattered = [t for t in terms if t[0] == "gather" and not any(t is w for w in whole)]
        elements = [t for t in terms if t[0] == "element"]
        parts = [expression if positions.shape == shape else f"({expression}).reshape({shape})" for _, positions, expression in whole]
        every = [k for _, k, _ in elements] == list(range(size))  # one scalar term per node, in order (the loss's 1.0)
        if every and not scattered:
            parts.append(f"array([{', '.join(e for *_, e in elements)}]).reshape({shape})")
        elif scattered or elements:
            self._write(f"{name} = zeros({size})")
            for _, positions, expression in scattered:
                self._spread(name, positions, expression)
            if elements:
                positions = np.array([k for _, k, _ in elements], dtype=int)
                self._spread(name, positions, f"array([{', '.join(e for *_, e in elements)}])")
            parts.insert(0, f"{name}.reshape({shape})" if len(shape) > 1 else name)
        if parts != [name]:
            self._write(f"{name} = {' + '.join(parts)}")
        return name

    def _backward_pack(self, pack: _Pack) -> None:
        g = self._gradient_array(pack)
        if g is None:
            return
        names = self.operand_names[pack.id]
        if pack.kind == "layer" and pack.id in self.layer_names:
            self._write(f"# {self.layer_names[pack.id]}'s backward: δ = dZ; dA = δ W, dW = δᵀ A, db = Σ_rows δ")
            self._write(f"deltas[{self.layer_names[pack.id]!r}] = {g}")
        if pack.kind == "layer":
            a, w, bias = names
            (oa, ow, ob), (ga, gw, gb) = pack.operands, pack.grids
            self._route(oa, ga, f"{g} @ {w}")
            self._route(ow, gw, f"{g}.T @ {a}")
            self._route(ob, gb, f"{g}.sum(axis=0)")
        elif pack.kind == "sum":
            (ot, os), (gt, gs) = pack.operands, pack.grids
            self._route(ot, gt, f"broadcast_to({g}[:, None], {tuple(gt.shape)})")
            self._route(os, gs, g)
        else:
            self._backward_map(pack, [str(n) for n in names], g)

    def _backward_map(self, pack: _Pack, names: list[str], g: str) -> None:
        templates = self.rules[pack.op, len(names)][1]
        args = [*names, f"P{pack.id}"]
        if templates is None:
            fn = self._bind(pack.op, "partials_array", _array_function(OPS[pack.op].partials, self.np, True))
            partials = [f"d{pack.id}_{k}" for k in range(len(names))]
            self._write(f"{', '.join(partials)}, = {fn}({', '.join(args)})")
        else:
            partials = [t.format(*args) for t in templates]
        for operand, grid, d in zip(pack.operands, pack.grids, partials):
            if operand is None or not self._needs(grid):
                continue
            if d in ("1.0", "(-1.0)"):
                expression = g if d == "1.0" else f"-{g}"
            else:
                self.counter += 1
                expression = f"q{self.counter}"
                self._array_statement(f"{expression} = {d} * {g}")
            self._route(operand, grid, expression)


def vectorized(output: Value, inputs: list[Value], extras: list[Value], who: str, data: Any) -> Any:
    """((sources, bindings, n_ops), `Lifted`, signature) of the vectorized program; (None, `Lifted`, None)
    when nothing groups (or too much would stay scalar): the scalar program then runs every op, and
    the `Lifted` says so.

    The signature is the source and the constant arrays it is bound to: two graphs with the same one
    compile to the same program (`CompiledFunction.check_graph` compares them).
    """
    np = numpy_or_error(who)
    emitter = _VectorEmitter(output, inputs, extras, who, data, np)
    if not emitter.vectorized():
        return None, Lifted([], [], [], [], dict(Counter(emitter.kind[i] for i in emitter.ops))), None
    program = emitter.program()
    constants = [f"# {name} = {value.tolist()!r}" for name, value in program[1].items() if isinstance(value, np.ndarray)]
    return program, emitter.lifted(), "\n".join([*program[0], *constants])


def namespace() -> dict[str, Any]:
    """The NumPy functions a vectorized program calls (and nothing else: builtins are withheld)."""
    import numpy as np

    def spread(into: Any, positions: Any, values: Any) -> None:  # into[positions] += values, repeated positions too
        np.add.at(into, positions.ravel(), np.broadcast_to(values, positions.shape).ravel())
    # NumPy imports some of its modules on first use, and C code imports with the calling frame's
    # builtins: the program's holds __import__ alone (its source has no import statement).
    return {"__builtins__": {"__import__": __import__}, "array": np.array, "zeros": np.zeros, "take": np.take,
            "broadcast_to": np.broadcast_to, **_array_names(np),
            "total": lambda a: float(np.sum(a)), "spread": spread}


def guarded(vector: Callable[..., Any], scalar: Callable[[], Callable[..., Any]]) -> Callable[..., Any]:
    """`vector`, replayed by the scalar program (`scalar()`) when NumPy meets a floating-point exception
    or a scalar line a domain error: the scalar replay then raises its error, or gives its exact numbers."""
    import numpy as np

    from autograd._checks import DOMAIN_ERRORS

    errors = (FloatingPointError, *DOMAIN_ERRORS)

    def replay(*args: Any) -> Any:
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                return vector(*args)
        except errors:
            return scalar()(*args)
    return replay
