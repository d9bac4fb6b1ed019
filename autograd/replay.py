"""Compiled replay: trace a graph once, then run its forward and backward over plain floats.

The module is `autograd.replay`; its public names are also `autograd`'s own: `autograd.compile`,
`autograd.compile_graph`, `autograd.CompiledFunction`, `autograd.TraceMismatchError`.

A scalar engine spends its time on bookkeeping, not arithmetic: every op of every training step
allocates a node, and backward walks them all again. When the graph's *structure* is the same on
every call (an MLP on a fixed batch, any function without value-dependent control flow), `compile`
traces it once with Values and writes it out as one straight-line Python function over floats:
a line per op forward, then the chain rule line by line in reverse, every value and gradient a
local variable. Read it: ``print(compile(f, [1.0, 2.0]).source)``.

Why generated Python. Measured on the benchmarks' W3 step (an MLP, 65,077 ops) in CPython 3.11:

- generated straight-line code: ~3 ms a step (forward and backward). A line is a few bytecodes
  on local variables, ~20 ns, with no dispatch. The price is a one-off compile, ~10 µs a line
  (~1 s for this step, most of it CPython's own compile()); a program longer than 100,000 ops is
  cut into functions of that size, which bounds the compiler's memory (see `_PART`).
- with the data as inputs (`compile_graph`'s ``data``), every example of a batch usually runs the
  same ops on its own row: the program is then one example's ops written once, as the bodies of
  a forward loop and a backward loop over the rows (`_ExampleLoop`), equally fast to run and
  ~100 times shorter, so the W3 step compiles in ~0.25 s. It is used only where mechanical
  checks prove that it adds every gradient in the eager engine's order and that every line reads
  the value it means (an example's datum or op read after the loop, by an op joining examples,
  included); otherwise the program is written op by op.
- a flat tape of ops and indices, interpreted by a loop: ~45 ms, no faster than the eager engine,
  since every op still pays a loop iteration, a dispatch and list indexing.
- level-batched NumPy: the graph has 340 levels (its sums are chains: 16 products per neuron,
  100 losses, 337 squares) and 347 (level, op) groups; at ~1.5 µs per gather-op-scatter call
  that is no faster than the generated code, and it would need NumPy at run time (the engine
  has no dependencies) and a second, array-valued copy of the rules that branch (relu, abs, **).
- grouped by structure, not by level (``vectorize=True``, `autograd.lift`): the chains of sums
  are recognised as what they are, each layer one matrix product over the batch, its relus one
  array op, the losses' sum one ``sum``: ~25 NumPy calls, ~0.1 ms a step, about PyTorch's time.
  Optional, since it needs NumPy and adds sums in another order (equal to ~1e-12, not bit for bit).

One op table. The program is derived from `autograd.OPS`, never a second copy of it:

- Forward: an op whose forward *is* a Python float operator (``float.__add__`` and friends) is
  written inline as that operator, which is the same function by definition.
- Rules as source: every other forward, and every partials rule, is run on stand-ins for
  floats (`_Symbol`) that record arithmetic as source text, so ``lambda x, y, out: (y, x)``
  becomes the expressions ``v2`` and ``v1``. A branch on a value (relu's step, the case ``x == 0``
  of ``**``) is recorded too: the rule runs once per path, and the paths become conditional
  expressions that ask the rule's questions at replay time, so kinks are judged at the replayed
  inputs. A rule that needs a value itself (``math.cos(x)``) is called from the table instead.
  A recorded rule is used only if it agrees with the table, bit for bit, at every traced node.
- Gradients are summed in the eager engine's order (consumers in reverse topological order), so
  a replay equals ``grad()`` to the last bit.

Valid only for a fixed graph, like ``torch.jit.trace``: the replay does not run your function, so
a branch on a value (``if x.data > 0:``) or a number computed from ``.data`` stays as traced. Ops
with kinks, and branches inside ops, are fine. `CompiledFunction.check` re-traces at new inputs
and raises `TraceMismatchError` if the program would differ.

Safety: the generated source holds generated names (``v12``, ``g12``), number literals, and the
names of the table's ops that are ASCII identifiers (others by their place in the table); never a
label or any other user string, and it runs without builtins (but `range`, for the loop over examples).
"""

from __future__ import annotations

import ast
import builtins
import functools
import itertools
import keyword
import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar, overload

from autograd._checks import DOMAIN_ERRORS, cannot_take, finite, finite_matrix, flag, sequence, shown
from autograd.engine import OPS, Value, grad, is_grad_enabled, topological_order

__all__ = ["compile", "compile_graph", "CompiledFunction", "TraceMismatchError"]

# What a replay returns: (out, grads), or (out, grads, extra values) when compiled with extras.
_Result = TypeVar("_Result", bound=tuple[Any, ...])

# Python's float operators, written as the operators they are: an op whose forward *is* one of
# these functions is inlined. Identity, not equality of results, decides, so a table row that
# changes its forward is simply called instead.
_INLINE = {
    float.__add__: "{0} + {1}",
    float.__sub__: "{0} - {1}",
    float.__mul__: "{0} * {1}",
    float.__truediv__: "{0} / {1}",
    float.__neg__: "-{0}",
}


class TraceMismatchError(RuntimeError):
    """The function's graph at new inputs is not the graph that was compiled.

    Example:
      >>> f = compile(lambda x: x * 2 if x.data > 0 else x * 3, [1.0])
      >>> f.check([-1.0])  # doctest: +ELLIPSIS
      Traceback (most recent call last):
      ...
      autograd.replay.TraceMismatchError: ... compiled `v2 = v0 * 2.0`, traced now `v2 = v0 * 3.0`...
    """


def compile(fn: Callable[..., Value], example_inputs: Sequence[float], *,
            vectorize: bool = False) -> CompiledFunction[tuple[float, list[float]]]:
    """Trace `fn` once with Values; return a function of floats that replays forward and backward.

    Like ``torch.jit.trace``: the result is valid while `fn`'s graph structure does not depend on
    the input values (see the module docstring; `CompiledFunction.check` tests it).

    Args:
      fn: a function of Values (one positional argument per input) returning one Value.
      example_inputs: finite numbers, one per argument of `fn`, to trace at.
      vectorize: run groups of isomorphic ops as NumPy operations (see `autograd.lift`; needs NumPy):
        equal to the scalar replay to ~1e-12 relative; ``f.lifted`` says what was grouped.

    Returns:
      A `CompiledFunction`: ``out, grads = f(inputs)`` with ``out`` a float and ``grads`` a list
      of d(out)/d(input), one float per input.

    Example:
      >>> f = compile(lambda x, y: (x * y + x).tanh(), [0.5, -1.0])
      >>> out, grads = f([0.2, 0.3])
      >>> round(out, 6), [round(g, 6) for g in grads]
      (0.254296, [1.215934, 0.187067])
    """
    output, leaves = _trace(fn, example_inputs, f"compile({_name(fn)})")
    return CompiledFunction(output, leaves, f"compiled {_name(fn)}", fn=fn, vectorize=flag(vectorize, "compile", "vectorize"))


@overload
def compile_graph(output: Value, inputs: Iterable[Value], *, data: Iterable[Iterable[Value]] = (),
                  vectorize: bool = False, who: str = "compiled graph",
                  data_names: Callable[[int, int], str] | None = None) -> CompiledFunction[tuple[float, list[float]]]: ...
@overload
def compile_graph(output: Value, inputs: Iterable[Value], extras: Iterable[Value], data: Iterable[Iterable[Value]] = (), *,
                  vectorize: bool = False, who: str = "compiled graph", data_names: Callable[[int, int], str] | None = None
                  ) -> CompiledFunction[tuple[float, list[float], list[float]]]: ...
def compile_graph(output: Value, inputs: Iterable[Value], extras: Iterable[Value] = (),
                  data: Iterable[Iterable[Value]] = (), *, vectorize: bool = False, who: str = "compiled graph",
                  data_names: Callable[[int, int], str] | None = None) -> CompiledFunction[Any]:
    """Compile a graph you have already built, as a function of some of its leaves.

    `inputs` are differentiated; `data` leaves are read at each call but not differentiated (a
    batch's examples and targets), so one program serves every batch of the same shape. Every
    other leaf (a Value made along the way) is baked in as a constant. `nn.compile_step` uses it
    with a model's parameters as the inputs and one data row per example.

    Args:
      output: the Value to replay and differentiate (a scalar loss).
      inputs: leaf Values of the graph (``op == ""``) that become the inputs, in order.
      extras: more Values whose values each call also returns, not differentiated (a model's
        predictions, say); with any, a call returns ``(out, grads, extra_values)``.
      data: rows of leaf Values (a list of lists, one row per example, say) whose values a call
        takes as its second argument, ``f(inputs, data)``, rows of numbers of the same shape.
      vectorize: find the graph's matrices and groups of isomorphic ops and run each as one NumPy
        operation (`autograd.lift`; needs NumPy): a layer over the data rows becomes one matrix
        product. Equal to the scalar replay to ~1e-12 relative; ``f.lifted`` says what was found.
      who: what the function's errors call it (a caller that compiles for its user names itself,
        as `nn.compile_step` does).
      data_names: ``data_names(r, k)`` is what the errors call number k of data row r (by default
        ``"data row r, number k"``; `nn.compile_step` says ``"example r, input k"`` or ``"target r"``).

    Returns:
      A `CompiledFunction` of ``len(inputs)`` floats (and, with `data`, rows of floats).

    Example:
      >>> w, b = Value(2.0), Value(1.0)
      >>> z = w * 3.0 + b
      >>> f = compile_graph((z - 4.0) ** 2, [w, b], extras=[z])
      >>> f([2.0, 1.0])
      (9.0, [18.0, 6.0], [7.0])
      >>> x, t = Value(3.0), Value(4.0)               # an example and its target: data
      >>> g = compile_graph((w * x + b - t) ** 2, [w, b], data=[[x, t]])
      >>> g([2.0, 1.0], [[3.0, 4.0]]), g([2.0, 1.0], [[1.0, 0.0]])
      ((9.0, [18.0, 6.0]), (9.0, [6.0, 6.0]))
      >>> g([2.0, 1.0], [[3.0, math.nan]])
      Traceback (most recent call last):
      ...
      ValueError: compiled graph: data row 0, number 1 must be finite, got nan
    """
    inputs, extras, rows = _graph_leaves(inputs, extras, data, "compile_graph")
    if not isinstance(who, str) or (data_names is not None and not callable(data_names)):
        raise TypeError(f"compile_graph: who must be a str and data_names None or a function (row, k) -> str, "
                        f"got {shown(who)} and {shown(data_names)}")
    return CompiledFunction(output, inputs, who, extras=extras, data=rows, data_names=data_names,
                            vectorize=flag(vectorize, "compile_graph", "vectorize"))


def _graph_leaves(inputs: object, extras: object, data: object, who: str) -> tuple[list[Value], list[Value], list[list[Value]]]:
    """`compile_graph`'s inputs, extras and data rows as lists; a Value, a dict or a set where a sequence belongs is refused."""
    rows = [list(sequence(row, who, f"data row {r}", "Values")) for r, row in enumerate(sequence(data, who, "data", "rows of Values"))]
    return list(sequence(inputs, who, "inputs", "Values")), list(sequence(extras, who, "extras", "Values")), rows


class CompiledFunction(Generic[_Result]):
    """A traced graph as a function of floats: ``out, grads = f(inputs)``; made by `compile` or `compile_graph`.

    Attributes:
      source: the generated Python source: the forward pass, then the chain rule line by line.
      n_inputs: how many floats a call takes.
      data_shape: with data leaves (`compile_graph`), the length of each data row; else ``()``.
      n_ops: how many ops a call replays (ops on constants alone are folded at trace time).
      lifted: with ``vectorize=True``, what was grouped (an `autograd.lift.Lifted`; ``print`` it);
        else None.
      deltas: with ``vectorize=True``, the last call's gradient of each recovered matrix's sums,
        the notes' δ^l (z^l's gradient) as an array per matrix name, rows × neurons: ``deltas["W1"]``.

    Example:
      >>> f = compile(lambda x: x * x + 1.0, [3.0])
      >>> f([3.0]), f([-1.0])
      ((10.0, [6.0]), (2.0, [-2.0]))
      >>> print(f.source)
      def replay(inputs):
          v0 = inputs[0]
          v1 = v0 * v0
          v3 = v1 + 1.0
          g0 = v0
          g0 += v0
          return v3, [g0]
      <BLANKLINE>
    """

    source: str
    n_inputs: int
    n_ops: int
    _replay: Callable[..., _Result]
    _scalar: CompiledFunction[Any] | None  # a vectorized function's scalar program, once made
    _graph: tuple[Value, list[Value], Any, Any] | None  # a vectorized function's graph, for that program

    def __init__(self, output: Value, inputs: list[Value], who: str, *, fn: Callable[..., Value] | None = None,
                 extras: list[Value] | tuple[()] = (), data: Any = (), vectorize: bool = False,
                 data_names: Callable[[int, int], str] | None = None) -> None:
        self._who, self._fn = who, fn
        self._data_names = data_names or _data_number
        self.data_shape = tuple(len(row) for row in data)
        self.n_inputs, self._scalar, self._graph = len(inputs), None, None
        self.lifted: Any = None  # what vectorize found (an autograd.lift.Lifted), else None
        sources, bindings, self.n_ops, self._signature, vector = self._programs(output, inputs, extras, data, vectorize)
        self.source, self._bindings = "\n".join(sources), bindings
        # Builtins are withheld: the generated code calls only the table's functions. Each
        # function is compiled on its own, so only one syntax tree is in memory at a time.
        namespace: dict[str, Any] = {"__builtins__": {}, "range": range, **_CONSTANTS, **bindings}  # range: the loop over examples
        self.deltas: dict[str, Any] = {}  # a vectorized call's δ^l, by matrix: see `autograd.lift.LiftedMatrix`
        if vector is not None:
            namespace.update(vector.namespace(), deltas=self.deltas)
        for source in sources:
            exec(builtins.compile(source, f"<{who}>", "exec"), namespace)
        self._replay = namespace["replay"]
        if vector is not None:
            # Kept for the scalar program, made on first need: a call NumPy cannot finish exactly, and batch().
            self._graph = (output, inputs, extras, data)
            self._replay = vector.guarded(self._replay, lambda: self._scalar_twin()._replay)

    def _programs(self, output: Value, inputs: list[Value], extras: Any, data: Any, vectorize: bool) -> Any:
        """(sources, bindings, n_ops, signature, the vectorizer module or None): vectorized if asked and something groups."""
        if vectorize:
            from autograd import lift

            program, self.lifted, signature = lift.vectorized(output, inputs, list(extras), self._who, data)
            if program is not None:
                sources, bindings, n_ops = program
                return sources, bindings, n_ops, signature, lift
        sources, bindings, n_ops = _Emitter(output, inputs, extras, self._who, data).program()
        return sources, bindings, n_ops, "\n".join(sources), None

    def _scalar_twin(self) -> CompiledFunction[Any]:
        """The scalar program of a vectorized function's graph, compiled once on first need."""
        if self._scalar is None:
            assert self._graph is not None  # called only on a vectorized function: for the checker, not the user
            output, inputs, extras, data = self._graph
            self._scalar = CompiledFunction(output, inputs, self._who, extras=extras, data=data)
        return self._scalar

    def __call__(self, inputs: Sequence[float], data: Any = None) -> _Result:
        """Replay at `inputs` (and, if compiled with data leaves, `data`): ``(out, grads)``.

        ``out`` is a float and ``grads`` a list with one float per input; with `extras` (see
        `compile_graph`), ``(out, grads, extra_values)``.

        Example:
          >>> f = compile(lambda x: x * x, [3.0])
          >>> f([2.0])
          (4.0, [4.0])
          >>> x, t = Value(1.0), Value(0.0)   # a data leaf: read from `data` at each call
          >>> g = compile_graph((x - t) ** 2, [x], data=[[t]])
          >>> g([3.0], [[1.0]])
          (4.0, [4.0])
        """
        inputs = _floats(inputs, self.n_inputs, self._who)
        if not self.data_shape:
            if data is not None:
                raise TypeError(f"{self._who}: got data, but this function was compiled without data leaves; "
                                f"call it with the inputs alone")
            return self._replay(inputs)
        return self._replay(inputs, _rows(data, self.data_shape, self._who, self._data_names))

    def batch(self, X: Any, grads: bool = True) -> Any:
        """Replay at many points at once: the same program run on NumPy arrays, one column per input.

        Each row equals the scalar replay at that point to ~1e-12 relative (NumPy's tanh, exp, log
        may differ from the math module's in the last bit); kinks and branches (relu, abs) are
        judged per element. A row is judged by every value it computes, not only its results: a
        row the scalar replay rejects is rejected (log of -1 is an error also under relu, which
        would make NumPy's nan a 0.0), and a row with any value that is not finite is replayed on
        floats. Needs NumPy (``pip install 'dagrad[fast]'``); nothing else imports it.

        Args:
          X: the points, shape (n_points, n_inputs): a 2-D array or a list of lists of numbers,
            each a number the scalar call takes (not a bool, a str, inf or nan); ``[]`` is no points.
          grads: also return the gradients (the backward half); False runs the forward alone (and
            judges a row by the forward's values).

        Returns:
          ``(out, grads)``: arrays of shapes (n_points,) and (n_points, n_inputs); or ``out``
          alone with ``grads=False``.

        Raises:
          TypeError, ValueError: `X` is not rows of finite numbers (the error names the row).
          ValueError: a point is outside an op's domain at some value it computes (the error
            names the first such row).

        Example:
          >>> f = compile(lambda x, y: (x * y).relu() + x, [1.0, 2.0])
          >>> out, grads = f.batch([[1.0, 2.0], [2.0, -1.0]])   # relu's kink judged per row
          >>> out.tolist(), grads.tolist()
          ([3.0, 2.0], [[3.0, 1.0], [1.0, 0.0]])
        """
        grads = flag(grads, f"{self._who}.batch", "grads")
        return _batch(self if self._graph is None else self._scalar_twin(), X, grads)

    def check(self, inputs: Sequence[float]) -> _Result:
        """Re-trace the function at `inputs`; raise if its graph differs, else return the replay.

        Costs one eager trace: use it in tests, or now and then during training.

        Args:
          inputs: the numbers to trace and replay at.

        Returns:
          ``(out, grads)``, as a call would.

        Raises:
          TraceMismatchError: the graph traced at `inputs` differs from the compiled one.

        Example:
          >>> f = compile(lambda x: (x * x - 1.0).relu(), [2.0])
          >>> f.check([0.5])   # relu's kink is evaluated at replay: same graph, fine
          (0.0, [0.0])
        """
        if self._fn is None:
            raise TypeError(f"{self._who}: check() needs the function to re-trace, and this one was made by "
                            f"compile_graph: build the graph again and call check_graph(output, inputs)")
        output, leaves = _trace(self._fn, inputs, f"{self._who}.check")
        self.check_graph(output, leaves)
        return self([leaf.data for leaf in leaves])

    def check_graph(self, output: Value, inputs: Iterable[Value], extras: Iterable[Value] = (), data: Any = (), *,
                    rounding: bool = False) -> None:
        """Raise `TraceMismatchError` unless the graph given compiles to this same program.

        Args:
          output, inputs, extras, data: a freshly built graph, as for `compile_graph`.
          rounding: also accept a graph whose program differs from this one in number constants
            alone if, at the graph's own values, this program's results (output, gradients, extras)
            equal the graph's own to 1e-9 relative (each list to its largest entry): constants read
            from ``.data`` that change the results by rounding only, such as `nn.cross_entropy`'s
            shift by the largest logit. The program is then right at this point, not proven elsewhere.

        Example:
          >>> x = Value(1.0); f = compile_graph(x * 2.0, [x])
          >>> y = Value(5.0); f.check_graph(y * 2.0, [y])   # the same program: no error
          >>> x = Value(1.0); g = compile_graph((x - x.data) * 2.0 + x.data * 2.0, [x])   # shifted by x.data
          >>> y = Value(5.0); g.check_graph((y - y.data) * 2.0 + y.data * 2.0, [y], rounding=True)   # same numbers
        """
        inputs, extras, rows = _graph_leaves(inputs, extras, data, f"{self._who}.check_graph")
        source = self._programs(output, inputs, extras, rows, self.lifted is not None)[3]
        if source == self._signature:
            return
        old, new = self._signature.splitlines(), source.splitlines()
        line = next((k for k, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
        shown: Callable[[list[str]], str] = lambda lines: f"`{lines[line].strip()}`" if line < len(lines) else "nothing"
        numbers = ""
        if rounding and _FLOAT.sub("#", source) == _FLOAT.sub("#", self._signature):
            numbers = self._numbers_differ(output, inputs, extras, rows)
            if not numbers:
                return
        raise TraceMismatchError(
            f"{self._who}: the graph traced now differs from the compiled one (line {line + 1}: compiled "
            f"{shown(old)}, traced now {shown(new)}{numbers}). A compiled function replays one fixed graph, so it is "
            f"valid only while the graph's structure does not depend on the input values (no `if x.data > 0:`, "
            f"no numbers computed from .data); compile again, or use the eager engine")

    def _numbers_differ(self, output: Value, inputs: list[Value], extras: list[Value], data: list[list[Value]]) -> str:
        """For `check_graph`'s `rounding`: "" if this program replays the graph's own numbers to 1e-9, else how they differ."""
        values = [x.data for x in inputs]
        want = [[output.data], list(grad(output, inputs)), [e.data for e in extras]]
        try:
            got = self._replay(values, [[x.data for x in row] for row in data]) if self.data_shape else self._replay(values)
        except DOMAIN_ERRORS as e:
            return f"; its constants make this program fail here ({e})"
        for what, a, b in zip(("output", "gradient", "extra"), [[got[0]], *got[1:]], want):
            scale = 1e-9 * (1.0 + max(map(abs, b), default=0.0))
            k = next((k for k, (x, y) in enumerate(zip(a, b)) if not abs(x - y) <= scale), None)  # (NaN differs)
            if k is not None:
                return f"; with its constants, this program gives {what} {k} = {a[k]!r} where the graph gives {b[k]!r}"
        return ""

    def __repr__(self) -> str:
        vectorized = ", vectorized" if self._graph is not None else ""
        return f"<CompiledFunction {self._who}: {self.n_inputs} inputs, {self.n_ops} ops{vectorized}>"


# --- tracing ----------------------------------------------------------------------------------

def _trace(fn: object, inputs: object, who: str) -> tuple[Value, list[Value]]:
    """(output, input leaves) of `fn` called on fresh leaves holding `inputs`."""
    if not callable(fn):
        raise TypeError(f"{who}: expected a function of Values, got {type(fn).__name__}: {fn!r}")
    if not is_grad_enabled():
        raise RuntimeError(f"{who}: cannot trace inside no_grad(), which records no graph; compile outside it")
    xs = _floats(inputs, None, who, "example input")
    why = cannot_take(fn, xs)
    if why:
        raise TypeError(f"{who}: got {len(xs)} example inputs, which {_name(fn)} cannot take ({why}); "
                        f"give one number per positional argument")
    leaves = [Value(x) for x in xs]
    output = fn(*leaves)
    if not isinstance(output, Value):
        raise TypeError(f"{who}: the function must return one Value (a scalar such as a loss), "
                        f"got {type(output).__name__}: {output!r}")
    return output, leaves


_FLOAT_OR_INT = frozenset((float, int))
_FLOATS = frozenset((float,))
_ROWS = frozenset((list, tuple))


def _floats(values: Any, n: int | None, who: str, what: str = "input",
            name: Callable[[int], str] | None = None) -> Sequence[float]:
    """`values` as a list of finite floats (`n` of them unless None); errors name `who` and value k as
    ``name(k)`` (by default ``"<what> k"``)."""
    values = sequence(values, who, f"{what}s")
    if n is not None and len(values) != n:
        raise ValueError(f"{who}: expected {n} {what}s (one per input traced), got {len(values)}")
    # Speed: passes in C settle the usual cases, finite floats and ints (labels such as ±1: each
    # checked one by one cost ~4% of a compiled training step); anything else is checked one by
    # one, which names the first bad value.
    kinds = set(map(type, values))
    if kinds <= _FLOAT_OR_INT:
        try:
            floats = list(map(float, values)) if int in kinds else values
        except OverflowError:  # an int beyond float's range: named below
            floats = ()
        if floats and _all_finite(floats):
            return floats
    return [finite(x, who, f"{what} {k}" if name is None else name(k)) for k, x in enumerate(values)]


def _all_finite(floats: Iterable[float]) -> bool:
    """True if all `floats` are finite, in one C pass: any inf or nan makes their sum inf or nan, and
    so does an overflow of finite ones (a false alarm, which only sends the caller down its slow path)."""
    total = sum(floats, 0.0)
    return total - total == 0.0


def _data_number(r: int, k: int) -> str:
    """What a data error calls number k of row r, unless the compiler was told otherwise (`compile_graph`'s data_names)."""
    return f"data row {r}, number {k}"


def _rows(data: Any, shape: Sequence[int], who: str, names: Callable[[int, int], str]) -> list[Sequence[float]]:
    """`data` as a list of rows of finite floats, shaped as `shape` (each row's length); errors name the
    row's numbers as ``names(r, k)``."""
    if data is None:
        raise TypeError(f"{who}: this function was compiled with data leaves: call it as f(inputs, data) "
                        f"with {len(shape)} rows of numbers")
    data = sequence(data, who, "data", "rows of numbers")
    # Speed: rows of finite floats as wide as traced (the usual batch) are checked in a few C passes
    # over all their numbers; anything else row by row below, which names the first bad number.
    if set(map(type, data)) <= _ROWS and tuple(map(len, data)) == tuple(shape):
        numbers = itertools.chain.from_iterable(data)
        if set(map(type, numbers)) == _FLOATS and _all_finite(itertools.chain.from_iterable(data)):
            return list(data)
    if len(data) != len(shape):
        raise ValueError(f"{who}: expected {len(shape)} data rows (as traced), got {len(data)}; a batch of "
                         f"another size needs a program of its own (nn.compile_step keeps one per size)")
    # (a row that is a list or tuple skips `sequence`: a step replays up to hundreds of rows)
    rows = [_floats(row if row.__class__ in _ROWS else sequence(row, who, f"data row {r}"), None, who,
                    name=functools.partial(names, r)) for r, row in enumerate(data)]
    for r, (row, n) in enumerate(zip(rows, shape)):
        if len(row) != n:
            raise ValueError(f"{who}: data row {r} has {len(row)} numbers, traced with {n}")
    return rows


def _name(fn: object) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


# --- code generation --------------------------------------------------------------------------

# Ops per generated function. One function replays fastest: handing values over to the next
# function through a list costs ~30% more per op. But CPython holds a function's whole syntax
# tree while compiling it, ~6 KB an op: ~0.6 GB at this size, 6 GB for a million ops in one.
_PART = 100_000

# Write a batch's examples as one loop when `_ExampleLoop` finds that keeps eager's bits (False: always
# op by op, as the benchmarks do to show what the loop saves).
_LOOP = True


class _Emitter:
    """Writes the replay program of one graph: `program` returns its sources, bindings and op count.

    The forward pass is a line per op (`_forward_op`), the backward pass the chain rule node by
    node in reverse (`_backward_op`), each contribution added in the eager engine's order. Up to
    `_PART` ops, the program is one function ``replay``. Beyond, `_functions` cuts each pass into
    functions of `_PART` ops that hand values over in a list ``V`` (one slot per op) and
    gradients in a list ``G`` (one slot per node), and `_replay_calling_parts` writes the
    ``replay`` that calls them in turn: all the splitting lives in those two methods and
    `_new_function`.

    Attributes (state while writing):
      functions: the body lines of each generated function, the one being written last.
      defined: the nodes whose value is a variable of the function being written.
      grad: each node's gradient so far in the function being written: a variable or a literal.
      stored: the nodes whose gradient so far is in ``G``, not in a variable of this function.
    """

    functions: list[list[str]]
    defined: set[int]
    grad: dict[int, str]
    stored: set[int]
    seen: list[int]
    names: dict[str, str]
    bindings: dict[str, Callable[..., Any]]

    def __init__(self, output: Value, inputs: list[Value], extras: list[Value] | tuple[()], who: str, data: Any = (),
                 scalar: bool = True) -> None:
        self.order, self.index, self.parents, self.live, self.needs, self.upstream = _analyse(output, inputs, extras,
                                                                                               who, data)
        self.output, self.inputs, self.extras, self.who, self.data = output, inputs, extras, who, data
        self.kind = [node.op for node in self.order]
        # Where each leaf's value comes from: inputs[k], or data[r][c] (a row per example).
        self.source = {self.index[x]: f"inputs[{k}]" for k, x in enumerate(inputs) if x in self.index}
        self.source.update((self.index[x], f"data[{r}][{c}]") for r, row in enumerate(data)
                           for c, x in enumerate(row) if x in self.index)
        self.ops = [i for i, node in enumerate(self.order) if self.live[i] and self.kind[i]]
        self.slot = {i: n for n, i in enumerate(self.ops)}  # each op's place in V
        # The ops whose backward runs, in the eager engine's order (consumers before their parents).
        self.backward_ops = [i for i in reversed(self.ops) if self.upstream[i] and self.needs[i]]
        # scalar=False: the vectorized replay's emitter (`autograd.lift`), which checks its own ops' rules
        # and writes no loop over the examples.
        self.rules = self._rules() if scalar else {}
        # How many gradient contributions each node receives (a parent used twice counts twice),
        # and how many it has received so far, while writing.
        self.consumers = [0] * len(self.order)
        for i in self.ops:
            for j in self.parents[i] if self.upstream[i] else ():
                self.consumers[j] += self.needs[j]
        self.loop = _ExampleLoop.plan(self) if scalar else None
        self._start()

    def _start(self) -> None:
        """Clear the state of writing: to write the program, or to write it again op by op."""
        self.split = self.loop is None and len(self.ops) > _PART
        self.functions = [] if self.split else [[]]
        self.defined, self.grad, self.stored = set(), {}, set()
        self.seen = [0] * len(self.order)
        self.indent = ""  # the loop over examples writes its body indented
        self.names, self.bindings = {}, {}  # the table's functions the program calls, by name

    def program(self) -> tuple[list[str], dict[str, Callable[..., Any]], int]:
        """(sources of the generated functions, their bindings, the number of ops replayed)."""
        if self.loop is not None:
            written = self._written()
            if self.loop.reads_hold(self, self.functions[0]):
                return written
            self.loop = None  # not proven: written op by op, which reads every node where it was made
            self._start()
        return self._written()

    def _written(self) -> tuple[list[str], dict[str, Callable[..., Any]], int]:
        """`program`, written once: with the loop over the examples if there is a plan, else op by op."""
        out = self.index[self.output]
        if self.loop is not None:
            self._looped_passes(out)
        else:
            for run in self._functions(self.ops, save_values=True):
                for i in run:
                    self._forward_op(i)
            self.grad[out] = "1.0"
            for run in self._functions(self.backward_ops, load_values=True):
                for i in run:
                    self._backward_op(i)
        if self.split:
            self._replay_calling_parts()
        results = [self._value(out), "[" + ", ".join(
            (self._gradient(self.index[x]) or "0.0") if x in self.index else "0.0" for x in self.inputs) + "]"]
        if self.extras:
            results.append("[" + ", ".join(self._value(self.index[e]) for e in self.extras) + "]")
        self._write(f"return {', '.join(results)}")
        args = "inputs, data" if self.data else "inputs"
        heads = [f"def part{k}({args}, V, G):" for k in range(len(self.functions) - 1)] + [f"def replay({args}):"]
        sources = [head + "\n    " + "\n    ".join(body) + "\n" for head, body in zip(heads, self.functions)]
        return sources, self.bindings, len(self.ops)

    def _rules(self, ops: Iterable[int] | None = None) -> dict[tuple[str, int], tuple[Any, Any]]:
        """Each (op, arity)'s (forward template, partials templates), checked at all its nodes (`_rules`),
        or at the nodes of `ops` alone (the vectorized replay's: the ops it writes)."""
        data: list[float]
        by_rule: dict[tuple[str, int], list[int]]
        data, by_rule = [node.data for node in self.order], {}
        for i in self.ops if ops is None else ops:
            by_rule.setdefault((self.kind[i], len(self.parents[i])), []).append(i)
        return {key: _rules(key[0], [(*[data[j] for j in self.parents[i]], data[i]) for i in nodes], self.who)
                for key, nodes in by_rule.items()}

    def _write(self, line: str) -> None:
        self.functions[-1].append(self.indent + line)

    # --- the two passes ---------------------------------------------------------------------------

    def _forward_op(self, i: int) -> None:
        """``v<i> = ...``: the op's forward, inline or as a call to the table's function."""
        ps = self.parents[i]
        template, args = self.rules[self.kind[i], len(ps)][0], [self._value(j) for j in ps]
        if template is None:
            fn = self._bind(self.kind[i], "fn", OPS[self.kind[i]].forward)
            self._write(f"v{i} = {fn}({', '.join(args)})")
        else:
            self._write(f"v{i} = {template.format(*args)}")
        self.defined.add(i)

    def _backward_op(self, i: int) -> None:
        """Node i's gradient times its partials, added to each live parent's gradient."""
        ps = self.parents[i]
        template = self.rules[self.kind[i], len(ps)][1]
        g, args = self._gradient(i), [self._value(j) for j in ps] + [self._value(i)]
        if template is None:  # call the table's rule; unpack the partials the live parents need
            partials = [f"d{i}_{k}" if self.needs[j] else "_" for k, j in enumerate(ps)]
            fn = self._bind(self.kind[i], "partials", OPS[self.kind[i]].partials)
            self._write(f"{', '.join(partials)}, = {fn}({', '.join(args)})")
            if g == "1.0":  # local * 1.0, as the engine computes it: a float also if the rule returned an int
                partials = [f"{d} * 1.0" for d in partials]
        else:
            partials = [d.format(*args) for d in template]
        for j, d in zip(ps, partials):
            if self.needs[j]:
                self._add_to_gradient(j, d, g)  # type: ignore[arg-type]  # g is a str: a node on the backward pass has a gradient
        del self.grad[i]  # used up: nothing to hand over

    def _add_to_gradient(self, j: int, d: str, g: str) -> None:
        term = _term(d, g)
        self.seen[j] += 1
        if self.seen[j] > 1:
            self._gradient(j)
            self._write(f"g{j} += {term}")
        elif self.consumers[j] == 1 and term == g:
            self.grad[j] = g  # the only contribution is g itself: share the name, write nothing
        else:
            self._write(f"g{j} = {term}")
            self.grad[j] = f"g{j}"

    def _value(self, j: int) -> str:
        """Node j's value as source: a literal for a constant, else its variable (read in first if need be)."""
        if not self.live[j]:
            return _literal(self.order[j].data)
        if j not in self.defined:
            self._write(f"v{j} = " + self.source.get(j, f"V[{self.slot.get(j)}]"))
            self.defined.add(j)
        return f"v{j}"

    def _gradient(self, j: int) -> str | None:
        """Node j's gradient so far as source (read in from ``G`` if need be), or None if it has none."""
        if j in self.stored:
            self._write(f"g{j} = G[{j}]")
            self.stored.discard(j)
            self.grad[j] = f"g{j}"
        return self.grad.get(j)

    def _bind(self, op_name: str, role: str, function: Callable[..., Any]) -> str:
        """A name for an op's forward or partials in the generated code: the op's name when it is an ASCII identifier.

        Python reads identifiers in NFKC form, so two other names could be one in the source
        ("ｓｑ" is "sq", "ℌ" is "H"): those ops are named by their place in the table instead.
        """
        if op_name not in self.names:
            readable = op_name.isascii() and op_name.isidentifier() and not keyword.iskeyword(op_name)
            base = op_name if readable else f"op{list(OPS).index(op_name)}"
            while base in self.names.values():
                base += "_"  # an op named like another's fallback name (op3): keep both distinct
            self.names[op_name] = base
        name = f"{self.names[op_name]}_{role}"
        self.bindings[name] = function
        return name

    # --- one loop over the examples ----------------------------------------------------------------

    def _looped_passes(self, out: int) -> None:
        """Both passes with the examples' ops written once, as the body of a loop over the data rows.

        Forward: the ops of no example (they read the inputs alone), a loop that runs the first
        example's ops on each row and saves their values in ``S``, then the ops that join examples
        (reading ``S``). Backward: the joining ops (their gradients for each example's exported
        nodes go in lists ``E<k>``), a loop over the examples from the last, then the ops of no
        example that the examples read. `_ExampleLoop.plan` checked that this adds every gradient
        contribution in the eager engine's order.
        """
        plan = self.loop
        assert plan is not None  # called only when there is a loop: for the checker, not the user
        first = plan.groups[0]
        for i in self.ops:
            if plan.row[i] == -1:
                self._forward_op(i)
        for j in plan.outside:  # read before the loop, not once per example
            self._value(j)
        lead = len(plan.members) - len(first)  # the data leaves the loop reads come first in S[r]
        saved = {j: self.source[j] for j in plan.members[:lead]}  # data[0][c]: example 0's, for reads after the loop
        self.source.update((j, f"row[{plan.column[j]}]") for j in saved)
        self._write("S = []")
        self._write("for row in data:")
        self.indent = "    "
        for i in first:
            self._forward_op(i)
        self._write(f"S.append(({', '.join(f'v{j}' for j in plan.members)},))")
        self.indent = ""
        self.defined.difference_update(plan.members)
        self.source.update(saved)
        self.source.update((i, f"S[{r}][{lead + k}]") for r, g in enumerate(plan.groups)
                           for k, i in enumerate(g) if plan.exported[i])
        for i in self.ops:
            if plan.row[i] == -2:
                self._forward_op(i)
        self.grad[out] = "1.0"
        for i in plan.before:
            self._backward_op(i)
        exports = [k for k, i in enumerate(first) if i in self.grad]
        for k in exports:
            self._write(f"E{k} = [{', '.join(self.grad.pop(g[k]) for g in plan.groups)}]")
        for j in plan.outside:
            if self.needs[j] and j not in self.grad:
                # -0.0 is the identity of float addition (x + -0.0 is x, also for x = 0.0 and -0.0), so
                # the loop can add every example's contributions with +=, the first included.
                self._write(f"g{j} = -0.0")
                self.grad[j], self.seen[j] = f"g{j}", self.seen[j] + 1
        self._write(f"for r in range({len(plan.groups) - 1}, -1, -1):")
        self.indent = "    "
        self._write(f"{', '.join(f'v{j}' for j in plan.members)}, = S[r]")
        self.defined.update(plan.members)
        for k in exports:
            self._write(f"g{first[k]} = E{k}[r]")
            self.grad[first[k]] = f"g{first[k]}"
        for i in reversed(first):
            if self.upstream[i] and self.needs[i]:
                self._backward_op(i)
        self.indent = ""
        self.defined.difference_update(plan.members)
        for i in plan.after:
            self._backward_op(i)

    # --- splitting a long program into functions ----------------------------------------------------

    def _functions(self, nodes: list[int], *, save_values: bool = False, load_values: bool = False) -> Iterable[list[int]]:
        """`nodes` in runs, each to be written into a function of its own: one run, unless split.

        A forward run ends by saving its values to ``V`` (`save_values`); a backward run starts by
        loading the values of the ops it differentiates (`load_values`), in one slice.
        """
        if not self.split:
            yield nodes
            return
        for n in range(0, len(nodes), _PART):
            run = nodes[n:n + _PART]
            self._new_function()
            if load_values:
                first, last = min(self.slot[i] for i in run), max(self.slot[i] for i in run) + 1
                self._write(", ".join(f"v{self.ops[k]}" for k in range(first, last)) + f", = V[{first}:{last}]")
                self.defined.update(self.ops[first:last])
            yield run
            if save_values:
                self._write(f"V[{self.slot[run[0]]}:{self.slot[run[-1]] + 1}] = " + ", ".join(f"v{i}" for i in run) + ",")

    def _new_function(self) -> None:
        """Start writing the next function; the gradients held in variables are handed over in ``G``."""
        self.functions.append([])
        self.defined.clear()
        for j, g in self.grad.items():
            if not g[0].isdigit() and j not in self.stored:  # (a literal such as 1.0 needs no handing)
                self.functions[-2].append(f"G[{j}] = {g}")
                self.stored.add(j)

    def _replay_calling_parts(self) -> None:
        """Start ``replay``: make ``V`` and ``G``, then call the parts written so far in turn."""
        self._new_function()
        self.functions[-1][:0] = [f"V = [0.0] * {len(self.ops)}", f"G = [0.0] * {len(self.order)}",
                                  *(f"part{k}({'inputs, data' if self.data else 'inputs'}, V, G)" for k in range(len(self.functions) - 1))]


class _ExampleLoop:
    """How to write a program with data rows as one loop over the examples, if that keeps eager's bits.

    With the data as inputs, every example of a batch usually runs the same ops on its own row:
    written once as a loop body, the program is a few hundred lines instead of one per op, and
    CPython's compile(), most of a compile's time, shrinks with it. `plan` groups the live ops by
    the data row they depend on, checks that every group has the first one's structure (ops,
    edges, constants, gradient flags), and checks mechanically that the looped program adds each
    node's gradient contributions in the eager engine's order (consumers in reverse topological
    order): then the replay equals ``backward()`` bit for bit. Once the loop is written,
    `reads_hold` proves that every variable a line reads holds the value it names. Otherwise the
    program is written straight, op by op.

    Attributes:
      row: each node's example: its data row, -1 for none (inputs, constants, ops of those), -2
        for several (ops that join examples, such as the loss's sum).
      groups: each example's ops in topological order, one group per data row.
      column: each data leaf's column in its row.
      members: the first example's data leaves that its ops read, then its ops: the loop body's variables.
      exported: the nodes of an example read after the loop (by a joining op, or as an extra).
      outside: the live nodes of no example that an example's ops read (the parameters, say).
      before, after: the ops of no single example whose backward runs before or after the loop.
    """

    __slots__ = ("row", "column", "groups", "members", "exported", "outside", "before", "after")
    row: list[int]
    column: dict[int, int]
    groups: list[list[int]]
    members: list[int]
    exported: Any
    outside: Any
    before: list[int]
    after: list[int]

    @classmethod
    def plan(cls, e: _Emitter) -> _ExampleLoop | None:
        """The plan for the `_Emitter` `e`'s graph, or None when it is not a loop of equal examples in eager's order."""
        if len(e.data) < 2 or not _LOOP:
            return None
        self = cls()
        row, column = [-1] * len(e.order), {}
        for r, leaves in enumerate(e.data):
            for c, x in enumerate(leaves):
                if x in e.index:
                    row[e.index[x]], column[e.index[x]] = r, c
        self.row, self.groups = row, [[] for _ in e.data]
        for i in e.ops:
            r = -1
            for j in e.parents[i]:
                if row[j] != -1 and row[j] != r:
                    r = row[j] if r == -1 else -2
            row[i] = r
        self._claim(e)
        for i in e.ops:
            if row[i] >= 0:
                self.groups[row[i]].append(i)
        size = min(map(len, self.groups))
        for g in self.groups:
            # An example's last op, which no op of the example reads (it comes last), may join examples
            # in all but name: ``sum(losses)`` starts with ``0 + losses[0]``, an op of example 0 alone.
            while len(g) > size:
                row[g.pop()] = -2
        if not size or row[e.index[e.output]] != -2:
            return None
        if any(row[e.index[x]] >= 0 and not x.op for x in e.extras):  # a data leaf as an extra: rare, written straight
            return None
        self.exported = [False] * len(e.order)
        for i in e.ops:
            for j in e.parents[i] if row[i] < 0 else ():
                self.exported[j] = row[j] >= 0
        for x in e.extras:
            self.exported[e.index[x]] = True
        if not self._same_structure(e, column):
            return None
        self.column = column
        read = {j for i in self.groups[0] for j in e.parents[i] if row[j] == 0 and not e.kind[j]}
        self.members = [j for j in (e.index.get(x) for x in e.data[0]) if j in read] + self.groups[0]
        return self if self._in_eager_order(e) else None

    def reads_hold(self, e: _Emitter, lines: list[str]) -> bool:
        """True if, in the looped program's `lines`, every read of a variable ``v<j>`` finds node j's value.

        The proof behind the loop's values, over every read and write of the program as written (not
        as meant): it follows what each variable and each ``S[r]`` entry holds, line by line. Inside a
        loop, a variable of the loop body holds its node's copy in the current example ("now"); a
        loop that ends leaves its last example's values. A read of a variable holding anything else
        (another example's value, or nothing yet) makes the emitter write the program op by op.
        Gradient variables ``g<j>`` are followed alike, as far as where they were written: one of
        an example's nodes is read in the loop only once written in the same pass, never left from
        the example before (what they sum is `_in_eager_order`'s proof).
        """
        try:
            return self._walk(e, lines)
        except (IndexError, KeyError):  # a location with no node behind it (data[9][0], S[0][9]): no proof
            return False

    def _walk(self, e: _Emitter, lines: list[str]) -> bool:
        """`reads_hold`'s walk over the lines."""
        members = set(self.members)
        copy = {j: k for k, j in enumerate(self.groups[0])}  # an op's position in its example

        def in_example(key: tuple[bool, int], r: int) -> tuple[bool, int]:  # a "now" value as it is in example r
            now, j = key
            if not now:
                return key
            return False, (e.index[e.data[r][self.column[j]]] if j not in copy else self.groups[r][copy[j]])

        n = len(self.groups)
        holds: dict[str, tuple[bool, int]] = {}
        layout: list[tuple[bool, int]] = []  # what S.append stores, in the current example's terms
        loop = ""
        for line in lines:
            if loop and not line.startswith("    "):  # the loop ended after its last example (forward) or example 0
                last = n - 1 if loop == "forward" else 0
                holds = {name: in_example(key, last) for name, key in holds.items()}
                loop = ""
            line = line.strip()
            if line.startswith("for "):  # every example, in order (data has n rows: `_rows` checks it), or back
                loop = {"for row in data:": "forward", f"for r in range({n - 1}, -1, -1):": "backward"}.get(line, "")
                if not loop:
                    return False
                continue
            target, _, expression = line.partition(" = ")
            if loop == "backward" and expression == "S[r]":
                names = target.rstrip(",").split(", ")
                if len(names) != len(layout):
                    return False
                holds.update(zip(names, layout))
                continue
            for name in _VARIABLE.findall(expression if expression else line):  # every variable read
                j = int(name[1:])
                if holds.get(name) != (bool(loop) and j in members, j):
                    return False
            if line.startswith("S.append("):
                layout = [holds[name] for name in _VARIABLE.findall(line)]
            elif _VARIABLE.fullmatch(target):
                where = _LOCATION.fullmatch(expression)
                if where is None:  # an op's forward: its own node, in the current example in a loop
                    holds[target] = (bool(loop) and int(target[1:]) in members, int(target[1:]))
                elif where["inputs"]:
                    holds[target] = (False, e.index[e.inputs[int(where["inputs"])]])
                elif where["data"]:
                    holds[target] = (False, e.index.get(e.data[int(where["data"])][int(where["column"])], -1))
                elif where["row"] and loop == "forward":
                    holds[target] = (True, e.index.get(e.data[0][int(where["row"])], -1))
                elif where["example"] and not loop:
                    holds[target] = in_example(layout[int(where["entry"])], int(where["example"]))
                else:
                    return False
        return True

    def _claim(self, e: _Emitter) -> Any:
        """Ops of no example that one example alone reads join it (``w / s`` written inside the loop over
        the examples, so made again for each): the loop makes them once per example, as eager did."""
        row, owner = self.row, {e.index[x]: -2 for x in (e.output, *e.extras)}
        for i in reversed(e.ops):  # every consumer of a node comes before it in this order
            r = row[i] if row[i] != -1 else owner.get(i, -2)
            for j in e.parents[i]:
                if row[j] == -1 and e.kind[j] and e.live[j]:
                    owner[j] = r if owner.get(j, r) == r else -2
            if r >= 0:
                row[i] = r

    def _same_structure(self, e: _Emitter, column: Any) -> bool:
        """True if every example's ops match the first's: op, parents (as positions in the example,
        data columns, the same outside node, or the same constant), and gradient bookkeeping."""
        row, first = self.row, None
        # A parent as a signature names it: its position in its example (an int), its data column,
        # the node itself if it is of no example, or its value if it is a constant.
        name: dict[int, Any] = {j: ("data", c) for j, c in column.items()}
        for group in self.groups:
            name.update(zip(group, range(len(group))))
            # Speed: itemgetter reads a group's entries of each per-node list in one C call.
            get = operator.itemgetter(*group) if len(group) > 1 else lambda seq, i=group[0]: (seq[i],)
            parents = get(e.parents)
            try:
                names = [name[j] for ps in parents for j in ps]
            except KeyError:  # a parent of no example, met for the first time
                name.update((j, ("outside", j) if e.live[j] else ("constant", _literal(e.order[j].data)))
                            for ps in parents for j in ps if row[j] < 0)
                names = [name[j] for ps in parents for j in ps]
            signature = (get(e.kind), [*map(len, parents)], names, get(e.needs), get(e.upstream), get(e.consumers),
                         get(self.exported))
            if first is None:
                first = signature
            elif signature != first:
                return False
        # Every example reads the same nodes of no example (the signatures say so): the first's.
        outside = dict.fromkeys(j for i in self.groups[0] for j in e.parents[i] if row[j] == -1 and e.live[j])
        feeds = [False] * len(e.order)
        for j in outside:
            feeds[j] = True
        for i in reversed(e.ops):  # the ops of no example that feed one run their backward after the loop
            for j in e.parents[i] if feeds[i] else ():
                feeds[j] = e.live[j]
        self.outside = list(outside)
        eager = e.backward_ops
        self.before = [i for i in eager if row[i] == -2 or (row[i] == -1 and not feeds[i])]
        self.after = [i for i in eager if row[i] == -1 and feeds[i]]
        return True

    def _in_eager_order(self, e: _Emitter) -> bool:
        """True if the looped backward adds each node's contributions in eager's order, all before
        the node's own backward: then every gradient is the same sum, term by term, as eager's."""
        eager = e.backward_ops
        position = [0] * len(e.order)
        for k, i in enumerate(eager):
            position[i] = k
        loop = [i for g in reversed(self.groups) for i in reversed(g) if e.upstream[i] and e.needs[i]]
        last, done, needs, parents = [-1] * len(e.order), [False] * len(e.order), e.needs, e.parents
        for i in self.before + loop + self.after:
            p = position[i]
            done[i] = True
            for j in parents[i]:
                if needs[j]:
                    if done[j] or last[j] > p:
                        return False
                    last[j] = p
        return len(self.before) + len(loop) + len(self.after) == len(eager)


# A float literal of a program (repr's forms: 1.0, 1e-05, inf, nan), for `check_graph`'s `rounding`.
_FLOAT = re.compile(r"(?<![\w.])(?:[0-9]+(?:\.[0-9]*)?e[+-]?[0-9]+|[0-9]+\.[0-9]*|inf|nan)(?![\w.])")

# For `_ExampleLoop.reads_hold`: a variable of the generated program (a node's value or gradient),
# and where a line reads a value in.
_VARIABLE = re.compile(r"\b[vg][0-9]+\b")
_LOCATION = re.compile(r"inputs\[(?P<inputs>[0-9]+)\]|data\[(?P<data>[0-9]+)\]\[(?P<column>[0-9]+)\]|row\[(?P<row>[0-9]+)\]"
                       r"|S\[(?P<example>[0-9]+)\]\[(?P<entry>[0-9]+)\]|V\[.*")


def _analyse(output: Value, inputs: list[Value], extras: list[Value] | tuple[()], who: str,
             data: Any = ()) -> tuple[list[Value], dict[Value, int], list[tuple[int, ...]], list[bool], list[bool],
                                      list[bool]]:
    """(nodes in topological order, each one's position, each one's parents by position, live, needs, upstream), checked.

    A node is live if it depends on an input or a data leaf; the others are constants, folded to
    their traced values (the forwards are pure, so replay would compute exactly those values). A
    node needs a gradient if it depends on an input (data are not differentiated), and it is
    upstream if the output depends on it: only nodes that are both get gradients.
    """
    for what, x in (("output", output), *((f"extra {k}", e) for k, e in enumerate(extras))):
        if not isinstance(x, Value):
            raise TypeError(f"{who}: {what} must be a Value, got {type(x).__name__}: {x!r}")
    slot: dict[Value, str] = {}
    leaves = [("inputs", f"input {k}", f"index {k}", x) for k, x in enumerate(inputs)]
    leaves += [("data", f"data[{r}][{c}]", f"row {r}, column {c}", x) for r, row in enumerate(data) for c, x in enumerate(row)]
    for kind, what, where, x in leaves:
        if not isinstance(x, Value):
            raise TypeError(f"{who}: {kind} must be Values, got {type(x).__name__}: {x!r} at {where}")
        if x.op:
            raise ValueError(f"{who}: {what} must be a leaf Value (op ''), got one with op {x.op!r}; "
                             f"inputs and data are leaves such as parameters and examples")
        if x in slot:
            raise ValueError(f"{who}: {what} is the same Value as {slot[x]}; give each input and data leaf once")
        slot[x] = what
    order = topological_order(output, *extras)
    index = dict(zip(order, range(len(order))))
    position = index.__getitem__
    # Tuples of ints, not lists: the garbage collector stops tracking them, so its collections during
    # the compile do not scan 65,000 more containers (a third of a large compile's time).
    parents = [tuple(map(position, node.parents)) for node in order]
    needs = [False] * len(order)
    for x in inputs:
        if x in index:
            needs[index[x]] = True
    live = [node in slot for node in order]
    # Speed: a plain loop over one or two parents, not any() over a generator per node.
    for i, ps in enumerate(parents):
        for j in ps:
            if live[j]:
                live[i] = True
            if needs[j]:
                needs[i] = True
    if not needs[index[output]]:
        raise ValueError(f"{who}: the output does not depend on any input, so there is nothing to replay "
                         f"(a function that reads .data cuts the graph: use Value operations)")
    upstream = [False] * len(order)
    upstream[index[output]] = True
    for i in reversed(range(len(order))):
        for j in parents[i] if upstream[i] else ():
            upstream[j] = True
    return order, index, parents, live, needs, upstream


def _rules(name: str, points: Sequence[Sequence[float]], who: str) -> tuple[Any, Any]:
    """(forward template, partials templates) of the op `name`, or None for the table's function.

    `points` are the traced (inputs..., out) of every node made by the op: a recorded rule is
    used only if it agrees with the table's function at all of them, bit for bit.
    """
    op = OPS.get(name)
    if op is None:
        raise ValueError(f"{who}: the graph has a node made by {name!r}, which is not in autograd.OPS")
    n = len(points[0]) - 1
    forward = _INLINE.get(op.forward)
    if forward is None:
        recorded = _verified(lambda *xs: (op.forward(*xs),), [p[:n] for p in points])
        forward = recorded and recorded[0]
    return forward, _verified(op.partials, points)


def _term(d: str, g: str) -> str:
    """A gradient contribution as source: local `d` times gradient `g`, as the engine computes it; a product
    with 1.0 or -1.0 is exact, so it is written as g, -g, or the partial alone when g is the output's 1.0."""
    return g if d == "1.0" else f"-{g}" if d == "(-1.0)" else d if g == "1.0" else f"{d} * {g}"


def _literal(x: float) -> str:
    """A number as source: repr round-trips a float exactly; negatives in parentheses (``(-2.0) ** v1``)."""
    text = repr(x)  # 'inf' and 'nan' are names bound to those floats (_CONSTANTS)
    return f"({text})" if text[0] == "-" else text


_CONSTANTS = {"inf": math.inf, "nan": math.nan}


# --- the same program on NumPy arrays ----------------------------------------------------------

_CHUNK = 8192  # points per array pass: ~64 KB an array, so a pass's arrays stay in cache


def _batch(f: CompiledFunction[Any], X: Any, grads: bool) -> Any:
    """`CompiledFunction.batch`: the scalar program, rewritten for arrays (once, cached), run in chunks."""
    who = f"{f._who}.batch"
    try:
        import numpy as np
    except ImportError:
        raise ImportError(f"{who} needs NumPy, an optional extra: pip install 'dagrad[fast]' "
                          f"(or pip install numpy); the scalar replay f(inputs) needs nothing") from None
    if f.data_shape:
        raise TypeError(f"{who}: this function was compiled with data leaves; batch runs functions of their inputs alone")
    X = finite_matrix(X, f.n_inputs, who)
    programs = f.__dict__.setdefault("_array_programs", {})
    if grads not in programs:
        programs[grads] = _array_program(f, np, grads)
    replay, n = programs[grads], len(X)
    dx: Any  # an array, or None without grads (and then never indexed)
    out, dx = np.empty(n), np.empty((n, f.n_inputs)) if grads else None
    ok = np.ones(n, bool)  # cleared by the program on a row with a value that is not finite
    with np.errstate(all="ignore"):  # a domain error shows as inf or nan, judged below row by row
        for a in range(0, n, _CHUNK):
            b = min(a + _CHUNK, n)
            try:
                value, gradient = replay([X[a:b, k] for k in range(f.n_inputs)], ok[a:b])
            except DOMAIN_ERRORS:  # from a rule run element by element
                ok[a:b] = False
                continue
            out[a:b] = value
            for k, g in enumerate(gradient if grads else ()):
                dx[a:b, k] = g
    # Every row with a value that is not finite (or in a chunk that raised) is replayed on floats:
    # the scalar replay names a domain error, or gives the row its exact value (sqrt's inf at 0).
    for r in np.flatnonzero(~ok):
        try:
            value, gradient = f._replay(X[r].tolist())[:2]  # (a program with extras returns them third)
        except DOMAIN_ERRORS as e:
            raise ValueError(f"{who}: row {r}, {X[r].tolist()}, is outside an op's domain: {e}") from None
        out[r] = value
        if grads:
            dx[r] = gradient
    return (out, dx) if grads else out


def _array_program(f: CompiledFunction[Any], np: Any, grads: bool) -> Any:
    """The replay rewritten for arrays by `_ArrayForm`: ``replay(columns, ok) -> (out, grads or None)``.

    ``ok``, one bool per row, is cleared in place on every row where a value the scalar replay
    computes (with `grads`, its backward pass too) is not finite.
    """
    if "def part" in f.source:
        raise ValueError(f"{f._who}.batch: a program of more than {_PART:,} ops is not run on arrays")
    tree = ast.parse(f.source)
    function: ast.FunctionDef = tree.body[-1]  # type: ignore[assignment]  # the source ends with `def replay`
    *body, end = function.body
    out, gradients, *extras = end.value.elts  # type: ignore[attr-defined]  # `return out, [grads...]` (, [extras...])
    if not grads:  # the forward half: drop the gradient lines
        backward: Callable[[ast.stmt], bool] = lambda s: any(
            isinstance(t, ast.Name) and t.id[0] in "gd" or isinstance(t, ast.Tuple)
            for t in getattr(s, "targets", [getattr(s, "target", None)]))
        body = [s for s in body if not backward(s)]
    form = _ArrayForm()
    returned = [out, *(gradients.elts if grads else ()), *(e for extra in extras for e in extra.elts)]
    function.body = [*form.statements(body), *form.checks(returned),
                     ast.Return(ast.Tuple([out, gradients if grads else ast.Constant(None)], ast.Load()))]
    function.args.args.append(ast.arg("ok"))
    ast.fix_missing_locations(tree)

    def check(ok: Any, value: Any, rows: Any = None) -> None:
        finite = np.isfinite(value)
        np.logical_and(ok, finite if rows is None else finite | np.logical_not(rows), out=ok)
    namespace = {"__builtins__": {}, **_CONSTANTS, **_array_names(np), "check": check,
                 **{name: _array_function(fn, np, name.endswith("_partials")) for name, fn in f._bindings.items()}}
    exec(builtins.compile(tree, f"<{f._who} on arrays>", "exec"), namespace)
    return namespace["replay"]


def _array_names(np: Any) -> dict[str, Any]:
    """The NumPy functions `_ArrayForm`'s rewrite calls (the batch replay's and the vectorized replay's)."""
    return {"where": np.where, "number": lambda a: np.asarray(a, dtype=float), "both": np.logical_and,
            "negation": np.logical_not}


class _ArrayForm(ast.NodeTransformer):
    """Rewrites the scalar program for arrays, and makes it judge each row by every value it computes.

    For arrays, ``(a if c else b)`` becomes ``where(c, a, b)``; ``g += t`` becomes ``g = g + t``
    (on arrays ``+=`` adds in place, into an array another name shares); a comparison used as a
    number is made a float array first (``True - False`` is 1 on Python's bools, an error on NumPy's).

    Checks. Where the scalar replay raises (log of -1, exp of 1000, 1 / 0), NumPy gives inf or
    nan instead, and an op can make that finite again: relu(nan) is 0.0, tanh(inf) 1.0, a
    comparison a bool. So every value read by such an op (a comparison, ``/``, ``**``, any call of
    the table's functions) is checked, ``check(ok, value)``, as are the values returned; the other
    ops (``+ - *``, negation, a branch taken) give a non-finite result from a non-finite operand, which
    is checked where it is read or returned. A value read in one branch of a conditional is checked
    on the rows that take that branch alone (``where`` computes both): a rule's answer at x == 0,
    1 / 0, is no error on the other rows. Compound operands are first given names (``t3 = ...``).

    Attributes (state while rewriting):
      pre: the statements to run before the one being rewritten: named operands and checks.
      branch: the conditions of the branches being rewritten, as (name, taken when true).
      masks: each branch's rows as a name, made when a check first needs it.
      checked: the names checked since they were last assigned, with the rows (a mask's name,
        None for every row).
    """

    def __init__(self) -> None:
        self.pre: list[ast.stmt] = []
        self.branch: list[tuple[str, bool]] = []
        self.masks: dict[tuple[tuple[str, bool], ...], str] = {}
        self.checked: set[tuple[str, str | None]] = set()
        self.names = 0

    def statements(self, body: list[ast.stmt]) -> Iterable[ast.stmt]:
        """`body` rewritten, each statement after its checks."""
        for statement in body:
            self.pre = []
            statement = self.visit(statement)
            yield from self.pre
            yield statement
            assigned = {t.id for t in ast.walk(statement) if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
            self.checked = {key for key in self.checked if key[0] not in assigned}
            value = getattr(statement, "value", None)
            if isinstance(value, ast.Subscript) and getattr(value.value, "id", "") == "inputs":
                self.checked |= {(name, None) for name in assigned}  # an input: finite, checked with X

    def checks(self, values: list[ast.expr]) -> list[ast.stmt]:
        """The checks of the values returned."""
        self.pre = []
        for value in values:
            self._check(value)
        return self.pre

    def visit_IfExp(self, node: ast.IfExp) -> ast.Call:
        test = self._named(self.visit(node.test))
        self.branch.append((test.id, True))
        body = self.visit(node.body)
        self.branch[-1] = (test.id, False)
        orelse = self.visit(node.orelse)
        self.branch.pop()
        return ast.Call(ast.Name("where", ast.Load()), [test, body, orelse], [])

    def visit_Compare(self, node: ast.Compare) -> ast.Compare:
        self.generic_visit(node)
        node.left, *node.comparators = map(self._check, [node.left, *node.comparators])
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.BinOp:
        self.generic_visit(node)
        if not isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):  # / and ** can make inf finite (1 / inf)
            node.left, node.right = self._check(node.left), self._check(node.right)
        node.left, node.right = map(self._number, (node.left, node.right))
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.UnaryOp:
        self.generic_visit(node)
        node.operand = self._number(node.operand)
        return node

    def visit_Call(self, node: ast.Call) -> ast.Call:  # the table's functions: tanh(inf) is 1.0
        self.generic_visit(node)
        node.args = list(map(self._check, node.args))
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.Assign:
        self.generic_visit(node)
        name = node.target.id  # type: ignore[union-attr]  # the program adds only to names (g3 += ...)
        return ast.Assign([ast.Name(name, ast.Store())], ast.BinOp(ast.Name(name, ast.Load()), node.op, node.value))

    def _number(self, node: ast.expr) -> ast.expr:
        return ast.Call(ast.Name("number", ast.Load()), [node], []) if isinstance(node, ast.Compare) else node

    def _check(self, node: ast.expr) -> ast.expr:
        """`node`, checked on the rows that read it (a comparison's bools need none); what to read instead."""
        if isinstance(node, ast.Compare) or not any(isinstance(n, ast.Name) and n.id not in _CONSTANTS
                                                     for n in ast.walk(node)):
            return node  # a constant is the same on every row: the trace computed it
        name = self._named(node)
        if (name.id, None) in self.checked:
            return name
        rows = self._mask(tuple(self.branch)) if self.branch else None
        if (name.id, rows) in self.checked:
            return name
        self.checked.add((name.id, rows))
        check: list[ast.expr] = [ast.Name(n, ast.Load()) for n in ("ok", name.id, rows) if n is not None]
        self.pre.append(ast.Expr(ast.Call(ast.Name("check", ast.Load()), check, [])))
        return name

    def _named(self, node: ast.expr) -> ast.Name:
        """`node` if it is a name; else a new name assigned it, in `pre`."""
        if isinstance(node, ast.Name):
            return node
        self.names += 1
        self.pre.append(ast.Assign([ast.Name(f"t{self.names}", ast.Store())], node))
        return ast.Name(f"t{self.names}", ast.Load())

    def _mask(self, branch: tuple[tuple[str, bool], ...]) -> str:
        """The rows that take `branch` (conditions, outermost first), as a name: made once, from its parent's."""
        if branch not in self.masks:
            name, taken = branch[-1]
            term: ast.expr = ast.Name(name, ast.Load())
            if not taken:
                term = ast.Call(ast.Name("negation", ast.Load()), [term], [])
            if len(branch) > 1:
                term = ast.Call(ast.Name("both", ast.Load()), [ast.Name(self._mask(branch[:-1]), ast.Load()), term], [])
            self.masks[branch] = self._named(term).id
        return self.masks[branch]


def _array_function(fn: Callable[..., Any], np: Any, partials: bool) -> Callable[..., Any]:
    """A table function for arrays: NumPy's own where it is the same function, else applied point by point."""
    from autograd import engine

    def sigmoid(x: Any) -> Any:  # the table's two branches, as one formula: exp never overflows
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def softplus(x: Any) -> Any:  # the table's max(x, 0) + log1p(exp(-|x|))
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))

    same: dict[Any, Callable[..., Any]] = {math.tanh: np.tanh, math.sin: np.sin, math.cos: np.cos, abs: np.abs, engine._exp: np.exp,
            engine._log: np.log, engine._sqrt: np.sqrt, engine._div: np.divide, engine._pow: np.power,
            engine._sigmoid: sigmoid, engine._softplus: softplus}
    if not partials and fn in same:
        return same[fn]

    def pointwise(*args: Any) -> Any:
        columns = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args))
        shape = columns[0].shape  # (rows,) here; any shape for the vectorized replay's groups
        results = [fn(*point) for point in zip(*(c.ravel().tolist() for c in columns))]
        if partials:
            return tuple(np.array(r, dtype=float).reshape(shape) for r in zip(*results))
        return np.array(results, dtype=float).reshape(shape)
    return pointwise


# --- recording rules as source ---------------------------------------------------------------

class _Unrecordable(Exception):
    """A rule did something a `_Symbol` cannot write down (a math call, a conversion, an error)."""


class _Symbol:
    """A float-valued expression as source text, to run a rule of the table and record it.

    Arithmetic and comparisons with Symbols and numbers build larger expressions. ``bool()`` of
    a Symbol (an ``if``, ``and``, ``or``) is a decision: `_recorded` runs the rule once per path
    and joins the paths into conditional expressions. Anything that needs the value itself
    (``float()``, ``math.cos``, ``abs``) raises, and the rule is then called at replay time.
    """

    __slots__ = ("src", "path", "real")

    def __init__(self, src: str, path: _Path, real: bool = True) -> None:
        # real: the expression is surely a float (not a comparison's bool, or an int made from bools)
        self.src, self.path, self.real = src, path, real

    # A Symbol stands for a float, so a rule that tests ``x.__class__ is float`` or
    # ``isinstance(x, float)`` takes its float branch (unittest.mock's `spec` uses the same hook).
    __class__ = property(lambda self: float)

    def _op(self, symbol: str, other: Any, reflected: bool = False) -> _Symbol:
        if isinstance(other, _Symbol):
            real, other = other.real, other.src
        elif type(other) in (bool, int, float):
            real, other = type(other) is float, _literal(other)
        else:
            return NotImplemented  # type: ignore[no-any-return]  # (a checker exempts only methods named __op__)
        # Python's arithmetic gives a float if an operand is one (and / always); comparisons give bools.
        real = symbol == "/" or symbol in "+-*" and (real or self.real)
        return _Symbol(f"({other} {symbol} {self.src})" if reflected else f"({self.src} {symbol} {other})", self.path, real)

    def __add__(self, o: Any) -> _Symbol: return self._op("+", o)
    def __radd__(self, o: Any) -> _Symbol: return self._op("+", o, True)
    def __sub__(self, o: Any) -> _Symbol: return self._op("-", o)
    def __rsub__(self, o: Any) -> _Symbol: return self._op("-", o, True)
    def __mul__(self, o: Any) -> _Symbol: return self._op("*", o)
    def __rmul__(self, o: Any) -> _Symbol: return self._op("*", o, True)
    def __truediv__(self, o: Any) -> _Symbol: return self._op("/", o)
    def __rtruediv__(self, o: Any) -> _Symbol: return self._op("/", o, True)
    def __pow__(self, o: Any) -> _Symbol: return self._op("**", o)
    def __rpow__(self, o: Any) -> _Symbol: return self._op("**", o, True)
    def __neg__(self) -> _Symbol: return _Symbol(f"(-{self.src})", self.path, self.real)
    def __eq__(self, o: Any) -> _Symbol: return self._op("==", o)  # type: ignore[override]
    def __ne__(self, o: Any) -> _Symbol: return self._op("!=", o)  # type: ignore[override]
    def __lt__(self, o: Any) -> _Symbol: return self._op("<", o)
    def __le__(self, o: Any) -> _Symbol: return self._op("<=", o)
    def __gt__(self, o: Any) -> _Symbol: return self._op(">", o)
    def __ge__(self, o: Any) -> _Symbol: return self._op(">=", o)
    __hash__ = None  # type: ignore[assignment]  # a Symbol in a set or dict is not recordable

    def __bool__(self) -> bool:
        return self.path.decide(self.src)

    def _refuse(self, *args: object) -> Any:
        raise _Unrecordable(self.src)

    __float__ = __int__ = __index__ = __complex__ = __round__ = __abs__ = _refuse


class _Path:
    """The decisions of one run of a rule: given ones first (`prefix`), then True for new ones."""

    __slots__ = ("prefix", "taken")
    prefix: tuple[bool, ...]
    taken: list[tuple[str, bool]]

    def __init__(self, prefix: tuple[bool, ...]) -> None:
        self.prefix, self.taken = prefix, []

    def decide(self, condition: str) -> bool:
        k = len(self.taken)
        if k == _MAX_DECISIONS:
            raise _Unrecordable("too many branches")
        value = self.prefix[k] if k < len(self.prefix) else True
        self.taken.append((condition, value))
        return value


# A rule with more branches than this (or a loop on a value) is called rather than recorded.
_MAX_DECISIONS = 4


def _recorded(rule: Callable[..., Any], n: int) -> list[str] | None:
    """`rule` of `n` arguments as source templates over ``{0}, {1}, ...``, one per result, or None.

    The rule runs on Symbols once per path through its branches (every decision sequence); the
    paths become nested ``(a if condition else b)`` expressions that ask the rule's questions in
    the rule's order, so the replay computes exactly what the rule computes on floats.
    """
    paths: list[tuple[list[tuple[str, bool]], list[str]]]
    todo: list[tuple[bool, ...]]
    paths, todo = [], [()]
    while todo:
        path = _Path(todo.pop())
        try:
            results = tuple(rule(*(_Symbol(f"{{{k}}}", path) for k in range(n))))
        except Exception:  # noqa: BLE001 -- any failure to record means: call the rule, always correct
            return None
        if not all(type(r) is _Symbol or type(r) in (bool, int, float) for r in results):
            return None
        paths.append((path.taken, [_float_source(r) for r in results]))
        # Explore each new decision's other branch later (a depth-first walk of the decision tree).
        todo.extend(tuple(v for _, v in path.taken[:k]) + (False,) for k in range(len(path.prefix), len(path.taken)))
    return _join(paths, 0)


def _verified(rule: Callable[..., Any], points: Sequence[Sequence[float]]) -> list[str] | None:
    """`rule` recorded (see `_recorded`) if the record equals the rule at every point, else None.

    A rule could treat a Symbol unlike a float (``type(x) is float``); comparing at every traced
    node catches that wherever it shows, and the rule is then called instead.
    """
    templates = _recorded(rule, len(points[0]))
    if templates is None:
        return None
    names = [f"a{k}" for k in range(len(points[0]))]
    # One generated function evaluates the record at all points: a loop in one frame, not an
    # eval per node, keeps this check cheap on a large graph.
    results = ", ".join(t.format(*names) for t in templates)
    check = eval(f"lambda points: [({results},) for {', '.join(names)}, in points]", {"__builtins__": {}, **_CONSTANTS})
    same = lambda a, b: a == b or (a != a and b != b)
    try:
        got, want = check(points), [tuple(rule(*point)) for point in points]
        # Speed: the lists compared in C first; only if they differ (a NaN differs from itself), point by point.
        if got != want and not all(len(a) == len(b) and all(map(same, a, b)) for a, b in zip(got, want)):
            return None
    except DOMAIN_ERRORS:  # the record (or the rule) fails at a point: call the rule
        return None
    return templates


def _float_source(result: _Symbol | float) -> str:
    """A rule's result as the source of a float: a partial or value that is an int or a bool (``(1,)``,
    ``(x > 0,)``) becomes the float the eager engine makes of it (``local * 1.0``, exactly)."""
    if type(result) is _Symbol:
        return result.src if result.real else f"({result.src} * 1.0)"
    return _literal(float(result))


def _join(paths: list[tuple[list[tuple[str, bool]], list[str]]], depth: int) -> list[str]:
    """One template per result from the paths sharing their first `depth` decisions."""
    if len(paths) == 1 and len(paths[0][0]) == depth:
        return paths[0][1]
    condition = paths[0][0][depth][0]  # the same question on every path with the same history
    yes = _join([p for p in paths if p[0][depth][1]], depth + 1)
    no = _join([p for p in paths if not p[0][depth][1]], depth + 1)
    return [a if a == b else f"({a} if {condition} else {b})" for a, b in zip(yes, no)]
