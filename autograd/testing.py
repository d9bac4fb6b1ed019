"""`check_engine`: dagrad as the oracle for a learner's own micrograd-style `Value`.

`check_engine(MyValue)` runs small programs on the learner's class and on dagrad's engine and
compares every number: each op's forward value and local derivatives alone (one-op programs at
seeded points inside the op's domain, away from its kinks), the chain rule, a node used twice,
and a node with two consumers whose gradient must wait for both. Each program is the smallest
of its kind (at most three ops), so a failure's program shows one mistake, printed the way
`autograd.expr.Expr` prints it: ``x0 = 0.5; v1 = x0 * x0 -> v1``. The search is a fixed list of
programs at points drawn from ``random.Random(seed)``: reproducible, no hypothesis, nothing
written to disk.

Example:
  >>> from autograd import Value
  >>> report = check_engine(Value, ops=["+", "*", "tanh"])
  >>> report.ok, report.failures, report.missing
  (True, [], [])
"""

from __future__ import annotations

import functools
import gc
import math
import random
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

from autograd._checks import DOMAIN_ERRORS, is_int, is_number
from autograd.engine import OPS, Value
from autograd.expr import _NUMBER_OPERAND, _OPERATORS, Expr, _one_step, apply_float

__all__ = ["EngineError", "Failure", "Report", "check_engine"]

# The protocol's operators: an op is present when the class defines its method (a lacking op is
# reported as missing, not as a failure). Any other op is the method named like the op.
_DUNDERS = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "**": "__pow__", "pow": "__pow__",
            "neg": "__neg__"}
# `2 * x` calls the right operand's reflected method.
_REFLECTED = {"+": "__radd__", "-": "__rsub__", "*": "__rmul__", "/": "__rtruediv__"}
# "pow" (a Value exponent) is not in micrograd's protocol (`**` takes a number): checked only when asked.
_NOT_BY_DEFAULT = ("pow",)
_EXPONENTS = (2.0, 3.0, -1.0, 0.5)  # the exponents of the points of "**", in this order
_NUMBER = 2.0  # the number operand of `x * 2.0` and `2.0 * x`
_POINTS = 3    # points per op (one per exponent for "**")
_REPEATS = 10  # each order program runs this often: parents kept in a set are walked in an order set by id()
_DEPTHS = (10, 100, 1000, 10_000, 100_000)
_DEPTH_SECONDS = 4.0  # the deepest-chain probe skips a chain it expects to take longer than this (the whole check: <= 10 s)
_BISECT_SECONDS = 2.0  # ... and stops narrowing down the longest chain after this

# Per op: its forward and its derivative rule, as a hint states them.
_RULES = {
    "+": ("x + y", "d(x + y)/dx = d(x + y)/dy = 1"),
    "-": ("x − y", "d(x − y)/dx = 1 and d(x − y)/dy = −1"),
    "*": ("x·y", "d(x·y)/dx = y and d(x·y)/dy = x"),
    "/": ("x / y", "d(x/y)/dx = 1/y and d(x/y)/dy = −x/y²"),
    "neg": ("−x", "d(−x)/dx = −1"),
    "**": ("xⁿ", "d(xⁿ)/dx = n·xⁿ⁻¹"),
    "pow": ("xʸ", "d(xʸ)/dx = y·xʸ⁻¹ and d(xʸ)/dy = xʸ·ln x"),
    "exp": ("eˣ", "d(eˣ)/dx = eˣ"),
    "log": ("ln x", "d(ln x)/dx = 1/x"),
    "tanh": ("tanh x", "d(tanh x)/dx = 1 − tanh²x"),
    "sigmoid": ("σ(x) = 1/(1 + e⁻ˣ)", "dσ/dx = σ(1 − σ)"),
    "softplus": ("ln(1 + eˣ)", "d softplus(x)/dx = σ(x)"),
    "relu": ("max(x, 0)", "d relu(x)/dx = 1 for x > 0 and 0 for x < 0"),
    "sin": ("sin x", "d(sin x)/dx = cos x"),
    "cos": ("cos x", "d(cos x)/dx = −sin x"),
    "sqrt": ("√x", "d√x/dx = 1/(2√x)"),
    "abs": ("|x|", "d|x|/dx = sign(x)"),
    "reciprocal": ("1/x", "d(1/x)/dx = −1/x²"),
}

# The hints' words for where a node passes its gradient on: micrograd's per-node `_backward`
# closures when the engine's nodes have a `_backward`, else one backward() reading a table of local
# derivatives (notebook 08's Value, dagrad's own, a tape behind an adapter).
_WORDS = {
    True: {"seed": "then call each node's _backward",
           "too early": "ran a node's _backward before the node had its gradient: call each node's _backward",
           "chain": "{name}'s _backward must multiply its local derivative by out.grad (the chain rule), and add the "
                    "product to each operand's grad",
           "nothing": "{name} must give its output a _backward that adds to each operand's grad",
           "raised in": "{name}'s _backward",
           "add": "in {name}'s _backward, add to the operands' grads (self.grad += ...), do not assign them (self.grad = ...)",
           "sort": "sort the nodes topologically before calling each _backward"},
    False: {"seed": "then pass gradients down from it, node by node",
            "too early": "passed a node's gradient to its parents before the node had all of it: visit the nodes",
            "chain": "backward() must multiply each local derivative (here {name}'s) by the node's grad (the chain "
                     "rule), and add the product to the parent's grad",
            "nothing": "does {name}'s node record its parents and op, and does backward() add local derivative × grad "
                       "to each parent's grad?",
            "raised in": "backward(), at a {name} node",
            "add": "in backward(), add to each parent's grad (parent.grad += ...), do not assign it (parent.grad = ...)",
            "sort": "sort the nodes topologically and pass gradients on in reverse order"},
}

# Classic wrong derivatives: (operand, the wrong partial from (operands, out), the hint). A
# gradient that equals one of them at the failing point gets its hint.
_Wrong = Callable[[tuple[float, ...], float], float]
_CLASSICS: dict[str, list[tuple[int, _Wrong, str]]] = {
    "*": [(0, lambda xs, out: xs[0], "d(x·y)/dx is the other operand: self.grad gets other.data × out.grad, not self.data"),
          (1, lambda xs, out: xs[1], "d(x·y)/dy is the other operand: other.grad gets self.data × out.grad, not other.data")],
    "/": [(1, lambda xs, out: -1 / xs[1] ** 2, "d(x/y)/dy = −x/y²: the factor x is missing")],
    "**": [(0, lambda xs, out: xs[1] * xs[0] ** xs[1], "the power rule is n·xⁿ⁻¹, not n·xⁿ"),
           (0, lambda xs, out: xs[0] ** (xs[1] - 1), "the power rule n·xⁿ⁻¹ has the factor n in front"),
           (0, lambda xs, out: (xs[1] - 1) * xs[0] ** (xs[1] - 1), "the power rule is n·xⁿ⁻¹: the factor is n, not n − 1")],
    "exp": [(0, lambda xs, out: xs[0], "exp's derivative is exp(x) itself (out.data), not x")],
    "log": [(0, lambda xs, out: xs[0], "log's derivative is 1/x, not x"),
            (0, lambda xs, out: 1 / out, "log's derivative is 1/x (x the input), not 1/log(x)")],
    "tanh": [(0, lambda xs, out: 1 - out, "tanh's derivative is 1 − tanh², not 1 − tanh"),
             (0, lambda xs, out: 1 - xs[0] ** 2, "tanh's derivative is 1 − t² with t = tanh(x) the output, not the input x")],
    "sigmoid": [(0, lambda xs, out: xs[0] * (1 - xs[0]), "sigmoid's derivative is s(1 − s) with s the output, not the input x"),
                (0, lambda xs, out: 1 - out * out, "sigmoid's derivative is s(1 − s), not tanh's 1 − s²")],
    "relu": [(0, lambda xs, out: 1.0, "relu's derivative is 0 where x < 0: test out.data > 0, not >= 0"),
             (0, lambda xs, out: out, "relu's derivative is 1 where x > 0 (a number, not the output)")],
    "sqrt": [(0, lambda xs, out: 1 / out, "sqrt's derivative is 1/(2√x): the factor ½ is missing")],
    "sin": [(0, lambda xs, out: out, "sin's derivative is cos(x), not sin(x)")],
}


class Failure(NamedTuple):
    """One mistake `check_engine` found: a row of the report's table.

    Attributes:
      kind: ``"value"`` (an op's forward), ``"gradient"`` (an op's local derivative, or the chain
        rule), ``"accumulation"`` (a node used twice), ``"order"`` (the graph walk), ``"seed"``
        (a fresh leaf's grad, the output's seed) or ``"crash"`` (the engine raised).
      op: the op whose rule is wrong (a key of `autograd.OPS`), or None (seed, order: backward's walk).
      program: the smallest failing program, as Python: ``x0 = 0.5; v1 = x0 * x0 -> v1``.
      what: the number compared: ``"v1.data"``, ``"x0.grad"``.
      expected: dagrad's number (None where there is none).
      got: the engine's number, or for a crash the exception's last line (``"TypeError: ..."``).
      hint: one sentence naming the likely mistake.

    Example:
      >>> f = Failure("gradient", "tanh", "x0 = 0.5; v1 = tanh(x0) -> v1", "x0.grad", 0.786, 0.538, "...")
      >>> f.kind, f.op
      ('gradient', 'tanh')
    """

    kind: str
    op: str | None
    program: str
    what: str
    expected: float | None
    got: Any
    hint: str


class Report:
    """What `check_engine` found: the failures, the ops the engine lacks, and the deepest chain.

    ``print(report)`` shows a table, one row per failure with its hint beneath.

    Attributes:
      name: the engine's name: its class's, or ``adapter=`` and the adapter's class's.
      failures: a list of `Failure`, at most one per (kind, op), in the order found.
      missing: the ops the engine does not have (not failures): they were not checked.
      checked: the ops checked.
      programs: how many programs ran on the engine.
      seconds: how long the check took.
      depth: the longest chain of ops (of those tried: 10, 100, ... 100,000, then bisected) on which
        ``backward()`` gave the right gradient: information, never a failure (0 if none did).
      depth_note: why a longer chain was not confirmed (an exception's last line, a wrong gradient,
        or the time it would take), ``""`` if every chain tried passed; ``"not measured (...)"``
        when no op the chain is made of (``+``, ``*``, ``-``) passed its checks.

    Example:
      >>> from autograd import Value
      >>> print(check_engine(Value, ops=["*"]))  # doctest: +ELLIPSIS
      check_engine(Value): ok; checked * (... programs, ... s)
      backward() works on a chain of ... ops...
    """

    def __init__(self, name: str, failures: list[Failure], missing: list[str], checked: list[str], programs: int,
                 seconds: float, depth: int, depth_note: str) -> None:
        self.name, self.failures, self.missing, self.checked = name, failures, missing, checked
        self.programs, self.seconds, self.depth, self.depth_note = programs, seconds, depth, depth_note

    @property
    def ok(self) -> bool:
        """True when no check failed (missing ops are not failures).

        Example:
          >>> from autograd import Value
          >>> check_engine(Value, ops=["+"]).ok
          True
        """
        return not self.failures

    def __repr__(self) -> str:
        return f"<Report of {self.name}: ok={self.ok}, failures={len(self.failures)}, missing={self.missing}>"

    def __str__(self) -> str:
        n = len(self.failures)
        verdict = "ok" if self.ok else f"{n} failure{'s' * (n != 1)}"
        lines = [f"check_engine({self.name}): {verdict}; checked {' '.join(self.checked) or 'no op'} "
                 f"({self.programs} programs, {self.seconds:.2f} s)"]
        if self.missing:
            lines.append(f"missing (not checked): {' '.join(self.missing)}")
        if self.failures:
            rows = [("kind", "op", "program", "expected", "got")]
            rows += [(f.kind, f.op or "", f.program, f.what if f.expected is None else f"{f.what} = {_shown(f.expected)}",
                      _shown(f.got)) for f in self.failures]
            widths = [max(len(row[c]) for row in rows) for c in range(4)]
            for k, row in enumerate(rows):
                lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4])
                if k:
                    lines.append("  " + " " * (widths[0] + 2) + "hint: " + self.failures[k - 1].hint)
        if self.depth_note.startswith("not measured"):
            lines.append(f"the longest chain backward() works on: {self.depth_note}")
        elif self.depth_note:
            lines.append(f"backward() works on a chain of {self.depth} ops; longer: {self.depth_note}")
        elif self.depth:
            lines.append(f"backward() works on a chain of {self.depth} ops (the longest tried)")
        return "\n".join(lines)


class EngineError(AssertionError):
    """Raised by `check_engine` when a check fails; the message is the report's table.

    An `AssertionError`, so a failing check inside a test (or a course's autograder) reads as a
    test failure.

    Attributes:
      report: the `Report`.

    Example:
      >>> from autograd import Value
      >>> from autograd.expr import apply_value
      >>> class Adder:                     # dagrad's Value, except that x * y computes x + y
      ...     leaf = Value
      ...     def apply(self, op, *args): return apply_value("+" if op == "*" else op, *args)
      ...     def data(self, v): return v.data
      ...     def grad(self, v): return v.grad
      ...     def backward(self, v): v.backward()
      >>> try:
      ...     check_engine(adapter=Adder(), ops=["*"])
      ... except EngineError as e:
      ...     print(e.report.failures[0].kind, e.report.failures[0].op)
      value *
    """

    def __init__(self, report: Report) -> None:
        super().__init__(str(report))
        self.report = report


def check_engine(value_class: type | None = None, *, ops: str | Iterable[str] | None = None, adapter: Any = None,
                 seed: int = 0, raise_on_failure: bool = True) -> Report:
    """Check a micrograd-style engine against dagrad's: values, local derivatives, the graph walk.

    The engine is a class with micrograd's protocol: ``MyValue(x)`` makes a leaf from a float;
    ``.data`` and ``.grad`` are numbers; ``.backward()`` on the output; the operators
    ``+ - * /`` (a number on either side), ``**`` with a number exponent and unary ``-``; and
    methods named like dagrad's ops (``tanh``, ``exp``, ``log``, ``relu``, ``sigmoid``, ...).
    An op the class does not define is listed in ``report.missing`` and not checked. Any other
    engine (a course's, a library's) is checked through an `adapter`, an object with
    ``leaf(x)``, ``apply(op, *args)`` (op a key of `autograd.OPS`; the exponent of ``"**"`` is a
    number, every other argument a node), ``data(v)``, ``grad(v)`` and ``backward(v)``; an op
    whose ``apply`` raises NotImplementedError is missing.

    The checks, in order, each failure with its `Failure.kind`:

    - ``"seed"``: a fresh leaf's grad is 0, and ``backward()`` seeds the output's grad with 1;
    - ``"value"``, ``"gradient"``: each op alone, at a few points inside its domain and away from
      its kinks (relu's negative side included), also with a number on either side (``2.0 * x0``:
      ``"crash"`` if the class has no ``__rmul__``), then the chain rule (the op's output used
      by another op);
    - ``"accumulation"``: a node used twice (``x0 * x0``, or by two ops) gets both contributions;
    - ``"order"``: a node used by two ops passes its gradient on only after both have added to it
      (a walk that is not a topological order gets a wrong number);
    - ``"crash"``: wherever the engine raises, with the exception's last line.

    A hint speaks of micrograd's ``_backward`` when the engine's nodes have one, and otherwise of
    ``backward()`` and the local derivatives (an engine with a table of rules, as notebook 08's).

    Finally, the longest chain whose ``backward()`` works is measured (a recursive walk stops
    near Python's recursion limit, ~1,000): `Report.depth`, information and not a failure.

    Args:
      value_class: the learner's Value class (or pass `adapter`).
      ops: the ops to check (keys of `autograd.OPS`; a named op the engine lacks is a failure);
        default every op of the table but ``"pow"`` (a Value exponent), those the engine lacks
        going to ``report.missing``.
      adapter: an object with ``leaf``, ``apply``, ``data``, ``grad``, ``backward`` (instead of a class).
      seed: the seed of the points (each op's from ``random.Random(f"{seed} {op}")``): the same seed,
        the same report.
      raise_on_failure: raise `EngineError` when a check fails (default); False returns the report.

    Returns:
      The `Report`: ``.ok``, ``.failures``, ``.missing``; ``print(report)`` shows the table.

    Raises:
      EngineError: a check failed (and `raise_on_failure`).
      TypeError, ValueError: the arguments are wrong (not a class, an unknown op, ...).

    Example:
      >>> from autograd import Value
      >>> check_engine(Value).ok
      True
      >>> class Scalar:                      # a learner's engine: + and *, and two mistakes
      ...     def __init__(self, data, parents=(), partials=()):
      ...         self.data, self.grad, self.parents, self.partials = data, 0.0, parents, partials
      ...     def __add__(self, other):       # x + 2 fails: other.data of a number
      ...         return Scalar(self.data + other.data, (self, other), (1.0, 1.0))
      ...     def __mul__(self, other):
      ...         return Scalar(self.data * other.data, (self, other), (other.data, self.data))
      ...     def backward(self):             # no topological sort: a node passes on when first reached
      ...         self.grad, stack, seen = 1.0, [self], set()
      ...         while stack:
      ...             v = stack.pop()
      ...             if v not in seen:
      ...                 seen.add(v)
      ...                 for p, d in zip(v.parents, v.partials):
      ...                     p.grad += d * v.grad
      ...                 stack.extend(v.parents)
      >>> report = check_engine(Scalar, raise_on_failure=False)
      >>> report.checked, report.missing[:3]
      (['+', '*'], ['-', '/', 'neg'])
      >>> [(f.kind, f.op, f.program) for f in report.failures][-1]
      ('order', None, 'x0 = 1.83; x1 = -2.4; v2 = x0 + x1; v3 = v2 + x1; v4 = v3 + v2 -> v4')
      >>> print(report.failures[0].hint)
      __add__ must accept a number: wrap it, other = other if isinstance(other, Value) else Value(other), so that `x + 2` works
    """
    start = time.perf_counter()
    engine, name = _engine(value_class, adapter)
    names, requested = _op_names(ops)
    if not is_int(seed):
        raise TypeError(f"check_engine: seed must be an int, got {type(seed).__name__}: {seed!r}")
    checker = _Checker(engine, requested, seed)
    checker.run(names)
    # Only where backward() works at all: otherwise the chain would show the same failure again.
    depth, note = _depth(engine, [n for n in checker.present if n not in checker.failed]) if checker.seeded else (0, "")
    report = Report(name, checker.failures, checker.missing, checker.present, checker.programs,
                    time.perf_counter() - start, depth, note)
    if raise_on_failure and not report.ok:
        raise EngineError(report)
    return report


# --- the engine under test ---------------------------------------------------------------------

class _Adapter(Protocol):
    def leaf(self, x: float) -> Any: ...
    def apply(self, op: str, *args: Any) -> Any: ...
    def data(self, v: Any) -> Any: ...
    def grad(self, v: Any) -> Any: ...
    def backward(self, v: Any) -> Any: ...


class _ClassAdapter:
    """micrograd's protocol as an adapter: ``cls(x)``, operators and methods, ``.data``, ``.grad``, ``.backward()``."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def lacks(self, op: str) -> bool:
        return not callable(getattr(self.cls, _DUNDERS.get(op, op), None))

    def leaf(self, x: float) -> Any: return self.cls(x)
    def apply(self, op: str, *args: Any) -> Any:
        # As `apply_value`, but a lacking method raises Python's own AttributeError, the line a learner knows.
        return _OPERATORS[op](*args) if op in _OPERATORS else getattr(args[0], op)(*args[1:])

    def data(self, v: Any) -> Any: return v.data
    def grad(self, v: Any) -> Any: return v.grad
    def backward(self, v: Any) -> Any: return v.backward()


_ORACLE = _ClassAdapter(Value)
_ADAPTER_METHODS = ("leaf", "apply", "data", "grad", "backward")


def _engine(value_class: object, adapter: object) -> tuple[_Adapter, str]:
    if (value_class is None) == (adapter is None):
        raise TypeError("check_engine: pass the Value class to check, or adapter=..., not both or neither")
    if value_class is not None:
        if not isinstance(value_class, type):
            raise TypeError(f"check_engine: the engine must be a class (MyValue, not MyValue(1.0)), "
                            f"got {type(value_class).__name__}: {value_class!r}")
        return _ClassAdapter(value_class), value_class.__name__
    lacking = [m for m in _ADAPTER_METHODS if not callable(getattr(adapter, m, None))]
    if lacking:
        raise TypeError(f"check_engine: adapter must have the methods {', '.join(_ADAPTER_METHODS)}; "
                        f"{type(adapter).__name__} lacks {', '.join(lacking)}")
    return adapter, f"adapter={type(adapter).__name__}"  # type: ignore[return-value]  # checked just above


def _op_names(ops: str | Iterable[str] | None) -> tuple[list[str], frozenset[str]]:
    """(the ops to check, those the caller named): every op of the table but "pow" by default."""
    if ops is None:
        return [n for n in OPS if n not in _NOT_BY_DEFAULT], frozenset()
    names = [ops] if isinstance(ops, str) else list(ops)
    unknown = [n for n in names if n not in OPS]
    if unknown or not names:
        raise ValueError(f"check_engine: ops must name ops of the table, got {unknown or names}; they are {list(OPS)}")
    return list(dict.fromkeys(names)), frozenset(names)


# --- programs and their numbers ----------------------------------------------------------------

class _Program(NamedTuple):
    """An Expr to run; which of its inputs are plain numbers, not leaves (`2.0 * x0`); its text."""

    expr: Expr
    numbers: frozenset[int] = frozenset()
    text: str = ""

    def __str__(self) -> str:
        return self.text or repr(self.expr)

    def out(self) -> str:
        return "v1" if self.text else f"v{len(self.expr.inputs) + len(self.expr.steps) - 1}"

    def leaves(self) -> list[int]:
        return [i for i in range(len(self.expr.inputs)) if i not in self.numbers]


class _Run(NamedTuple):
    data: Any
    out_grad: Any
    grads: list[Any]


class _Crash(Exception):
    """The engine raised while running a program: where (``"forward"`` or ``"backward"``) and what."""

    def __init__(self, stage: str, error: Exception) -> None:
        super().__init__(stage, error)
        self.stage, self.error = stage, error


def _run(engine: _Adapter, program: _Program, backward: bool = True) -> _Run:
    """Build the program on `engine`, backpropagate from its output (unless not `backward`), read the
    numbers; `_Crash` if the engine raises."""
    stage = "forward"
    try:
        nodes = [x if i in program.numbers else engine.leaf(x) for i, x in enumerate(program.expr.inputs)]
        out = program.expr.evaluate(functools.partial(_apply, engine), nodes)
        data = engine.data(out)
        if not backward:
            return _Run(data, None, [])
        stage = "backward"
        engine.backward(out)
        return _Run(data, engine.grad(out), [engine.grad(nodes[i]) for i in program.leaves()])
    except Exception as e:  # noqa: BLE001  # the engine's code raised: a "crash" failure
        raise _Crash(stage, e) from e


def _apply(engine: _Adapter, op: str, *args: Any) -> Any:
    out = engine.apply(op, *args)
    if out is None:  # a method without its return: say so here, not as 'NoneType' has no attribute later
        raise TypeError(f"{_method(engine, op)} returned None, not the new node")
    return out


def _method(engine: _Adapter, op: str) -> str:
    """What the engine calls to apply `op`: the class's method, or the adapter's apply."""
    return _DUNDERS.get(op, op) if isinstance(engine, _ClassAdapter) else f"apply({op!r}, ...)"


class _Mismatch(NamedTuple):
    """The first number of a run that differs from dagrad's: (what, leaf, expected, got, error)."""

    what: str
    leaf: int | None  # the input whose grad differs, None for the output's data
    expected: float | None
    got: Any
    error: _Crash | None = None


def _number(x: Any) -> float | None:
    return float(x) if is_number(x) else None


def _close(got: Any, expected: float) -> bool:
    x = _number(got)
    return x is not None and math.isclose(x, expected, rel_tol=1e-6, abs_tol=1e-9)


def _shown(x: Any) -> str:
    if isinstance(x, str):
        return x
    n = _number(x)
    return repr(x) if n is None else f"{n:.6g}"


def _last_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[-1]}" if text else type(e).__name__


def _one_op(name: str, xs: tuple[float, ...]) -> _Program:
    """`name` applied to fresh leaves holding the operands xs (the exponent of "**" stays a number)."""
    inputs, args = _one_step(name, xs)
    return _Program(Expr(inputs, [(name, args)]))


def _with_number(name: str, x: float, left: bool) -> _Program:
    """``2.0 <op> x0`` (left) or ``x0 <op> 2.0``: a binary operator with a number on one side."""
    args = (1, 0) if left else (0, 1)
    a, b = (repr(_NUMBER), "x0") if left else ("x0", repr(_NUMBER))
    return _Program(Expr([x, _NUMBER], [(name, args)]), frozenset({1}), f"x0 = {x!r}; v1 = {a} {name} {b} -> v1")


def _points(name: str, seed: int) -> list[tuple[float, ...]]:
    """Operands of `name` inside its domain, away from its kinks, 0 and ±1, the first node operand
    positive then negative then positive (where the domain allows), rounded to read well."""
    number, arity = _NUMBER_OPERAND.get(name), OPS[name].arity
    rng = random.Random(f"{seed} {name}")  # an op's own stream: its points do not depend on the other ops checked
    points = []
    for k in range(len(_EXPONENTS) if number is not None else _POINTS):
        for attempt in range(1100):
            sign = (1 if k % 2 == 0 else -1) if attempt < 100 else rng.choice((1, -1))  # log, sqrt: x > 0 only
            xs = tuple(_EXPONENTS[k] if p == number else round(sign * rng.uniform(0.15, 2.5), 2) if p == 0
                       else round(rng.uniform(-2.5, 2.5), 2) for p in range(arity))
            if _smooth(name, xs):
                points.append(xs)
                break
    return points


def _smooth(name: str, xs: tuple[float, ...]) -> bool:
    """Whether the operands xs of `name` make a point where a wrong rule shows: smooth, moderate,
    operands apart (x * y with x == y hides swapped partials), none near 0 or ±1."""
    op, number = OPS[name], _NUMBER_OPERAND.get(name)
    nodes = [x for p, x in enumerate(xs) if p != number]
    if any(abs(x) < 0.1 or abs(abs(x) - 1) < 0.05 or any(abs(x - k) < 0.1 for k in op.kinks) for x in nodes):
        return False
    if any(abs(abs(x) - abs(y)) < 0.1 for i, x in enumerate(nodes) for y in nodes[i + 1:]):
        return False
    try:
        if not all(op.domain(*(x + d if p != number else x for p, x in enumerate(xs))) for d in (-0.05, 0.0, 0.05)):
            return False
        out = op.forward(*xs)
        partials = op.partials(*xs, out)
    except DOMAIN_ERRORS:
        return False
    return all(math.isfinite(v) and abs(v) <= 100 for v in (out, *partials))


# --- the checks --------------------------------------------------------------------------------

class _Checker:
    """Runs the programs in order and keeps the failures: at most one per (kind, op)."""

    def __init__(self, engine: _Adapter, requested: frozenset[str], seed: int) -> None:
        self.engine, self.requested, self.seed = engine, requested, seed
        self.expected: dict[_Program, _Run] = {}
        self.failures: list[Failure] = []
        self.failed: set[str | None] = set()
        self.missing: list[str] = []
        self.present: list[str] = []
        self.points: dict[str, list[tuple[float, ...]]] = {}
        self.programs = 0
        self.seeded = False
        self.words = _WORDS[False]

    def run(self, names: list[str]) -> None:
        for name in names:
            points = _points(name, self.seed)
            if points and self._lacks(name, points[0]):
                self.missing.append(name)
            elif points:
                self.points[name] = points
                self.present.append(name)
        if not self.present:
            return
        name = self.present[0]
        self.words = _WORDS[_has_backward(self.engine, _one_op(name, self.points[name][0]))]
        self.seeded = seeded = self._seed()
        for name in self.present:
            self._alone(name, grads=seeded)
        if not seeded:
            return  # every gradient is off by the seed, or backward() raises: the checks below would repeat it
        ok = [n for n in self.present if n not in self.failed]
        for name in ok:
            self._chain(name, ok)
        if None in self.failed:
            return  # backward() runs nodes out of order: the programs below would each show it again
        for name in ok:
            self._twice(name)
        ok = [n for n in ok if n not in self.failed]
        for name in ok:
            self._two_consumers(name, ok)
        self._order([n for n in ok if n not in self.failed])

    def _lacks(self, name: str, xs: tuple[float, ...]) -> bool:
        if name in self.requested:
            return False  # tried, so that a named op the engine lacks fails with what it raises
        if isinstance(self.engine, _ClassAdapter):
            return self.engine.lacks(name)
        try:
            _run(self.engine, _one_op(name, xs))
        except _Crash as e:
            return isinstance(e.error, NotImplementedError) and e.stage == "forward"
        return False

    def mismatch(self, program: _Program, grads: bool = True) -> _Mismatch | None:
        """The first number of the engine's run of `program` that differs from dagrad's, or None."""
        if program not in self.expected:
            self.expected[program] = _run(_ORACLE, program)
        expected = self.expected[program]
        self.programs += 1
        out = program.out()
        try:
            got = _run(self.engine, program, backward=grads)
        except _Crash as e:
            return _Mismatch("backward()" if e.stage == "backward" else f"{out}.data", None,
                             None if e.stage == "backward" else expected.data, _last_line(e.error), e)
        if not _close(got.data, expected.data):
            return _Mismatch(f"{out}.data", None, expected.data, got.data)
        for i, g, e in zip(program.leaves(), got.grads, expected.grads):
            if not _close(g, e):
                return _Mismatch(f"x{i}.grad", i, e, g)
        return None

    def fail(self, kind: str, op: str | None, program: _Program, m: _Mismatch, hint: str) -> None:
        kind = "crash" if m.error is not None else "value" if m.leaf is None and kind != "seed" else kind
        if m.error is not None:
            hint = _crash_hint(self.engine, op, program, m.error, self.words)
        elif kind == "value" and op is not None:
            hint = _value_hint(op, program, m.got)
        if not program.numbers:  # an op that fails only with a number operand (no __rmul__) still serves below
            self.failed.add(op)
        if all((f.kind, f.op) != (kind, op) for f in self.failures):
            self.failures.append(Failure(kind, op, str(program), m.what, m.expected, m.got, hint))

    def check(self, kind: str, op: str | None, program: _Program, hint: str | Callable[[_Mismatch], str],
              grads: bool = True) -> bool:
        m = self.mismatch(program, grads)
        if m is not None:
            self.fail(kind, op, program, m, hint if isinstance(hint, str) else hint(m))
        return m is None

    # Each check below is one kind of program; a failure's hint names the likely mistake.

    def _seed(self) -> bool:
        """A fresh leaf's grad is 0; backward() seeds the output's grad with 1."""
        self.programs += 1
        fresh = _Program(Expr([0.5], []))
        try:
            grad = self.engine.grad(self.engine.leaf(0.5))
        except Exception as e:  # noqa: BLE001  # the engine's code raised: a "crash" failure
            self.fail("seed", None, fresh, _Mismatch("x0.grad", 0, 0.0, _last_line(e), _Crash("forward", e)), "")
            return False
        if not _close(grad, 0.0):
            self.fail("seed", None, fresh, _Mismatch("x0.grad", 0, 0.0, grad),
                      "a new Value's grad must start at 0 (self.grad = 0 in __init__); backward() seeds only the output with 1")
            return False
        crashed = None  # a crash in backward() on every op: backward() itself (not yet written?)
        for name in self.present:
            program = _one_op(name, self.points[name][0])
            self.programs += 1
            try:
                seed = _run(self.engine, program).out_grad
            except _Crash as e:  # in the op's forward, its own check reports it: try the next op
                crashed = (program, e) if e.stage == "backward" and crashed is None else crashed
                continue
            if not _close(seed, 1.0):
                self.fail("seed", None, program, _Mismatch(f"{program.out()}.grad", None, 1.0, seed),
                          f"backward() must first set the output's grad to 1 (d out/d out = 1), {self.words['seed']}")
                return False
            return True
        if crashed is not None:  # then the ops' forwards are checked without it
            program, e = crashed
            self.fail("crash", None, program, _Mismatch("backward()", None, None, _last_line(e.error), e), "")
            return False
        return True

    def _alone(self, name: str, grads: bool) -> None:
        """The op at each of its points, then with a number on either side (an operator's r-method)."""
        for xs in self.points[name]:
            if not self.check("gradient", name, _one_op(name, xs), functools.partial(_gradient_hint, name, xs, self.words), grads):
                return
        if name in _REFLECTED and isinstance(self.engine, _ClassAdapter):
            firsts = [xs[0] for xs in self.points[name] if OPS[name].domain(_NUMBER, xs[0]) and OPS[name].domain(xs[0], _NUMBER)]
            for left in (False, True) if firsts else ():
                hint = (f"{_REFLECTED[name] if left else _DUNDERS[name]} with a number operand gives the wrong gradient: "
                        f"wrap the number in a Value and apply the same rule ({_RULES[name][1]})")
                if not self.check("gradient", name, _with_number(name, firsts[0], left), hint, grads):
                    return

    def _chain(self, name: str, ok: list[str]) -> None:
        """The op's output used by another op: its backward must multiply by out.grad."""
        xs = self.points[name][0]
        program = _one_op(name, xs)
        step = _outer(program, ok)
        if step is None:
            return
        chained = _Program(Expr(program.expr.inputs + step[1], program.expr.steps + (step[0],)))
        m = self.mismatch(chained)
        if m is not None and m.leaf is not None and _close(m.got, 0.0):  # right alone, nothing when chained
            self.fail("order", None, chained, m, f"backward() {self.words['too early']} in reverse topological order, "
                      "the output first")
        elif m is not None:
            self.fail("gradient", name, chained, m, self.words["chain"].format(name=name))

    def _twice(self, name: str) -> None:
        """A binary operator with one node on both sides: x0 * x0. (Not a registered op: x == y may
        be its kink, as for a max; its accumulation is checked with two consumers.)"""
        if OPS[name].arity != 2 or name in _NUMBER_OPERAND or name not in _DUNDERS:
            return
        for xs in self.points[name]:
            if OPS[name].domain(xs[0], xs[0]):
                self.check("accumulation", name, _Program(Expr([xs[0]], [(name, (0, 0))])), _accumulation_hint(name, self.words))
                return

    def _two_consumers(self, name: str, ok: list[str]) -> None:
        """Each operand of the op also used by a second op: v2 = x0 * x1; v3 = v2 + x0."""
        combiner = _combiner(ok)
        if combiner is None:
            return
        # At a point where the op's value differs from its operands (relu(x) is x for x > 0): an
        # engine that merges equal numbers into one node fails the order check, not this one.
        programs = [_one_op(name, xs) for xs in self.points[name]]
        program = next((p for p in programs if _distinct(p.expr)), programs[0])
        inputs, (step,) = program.expr.inputs, program.expr.steps
        for leaf in program.leaves():
            two = _Program(Expr(inputs, [step, (combiner, (len(inputs), leaf))]))
            if not self.check("accumulation", name, two, _accumulation_hint(name, self.words)):
                return

    def _order(self, ok: list[str]) -> None:
        """A node used by two ops (v2 by v3 and v4): its gradient is complete only after both ran."""
        combiner = _combiner(ok)
        if combiner is None:
            return
        hint = (f"{self.words['sort']}, so that a node passes its gradient on only after every node that uses it "
                "has added to it")
        a, b = (x for x in self.points[combiner][0])
        for last in ((3, 2), (2, 3)):
            program = _Program(Expr([a, b], [(combiner, (0, 1)), (combiner, (2, 1)), (combiner, last)]))
            for _ in range(_REPEATS):
                if not self.check("order", None, program, hint):
                    return
        if combiner in ("+", "*"):  # v2 and v3 are equal numbers, and two nodes: a walk must visit both
            twins = _Program(Expr([a, b], [(combiner, (0, 1)), (combiner, (1, 0)), (combiner, (2, 3))]))
            self.check("order", None, twins, "two nodes with equal values are still two nodes: compare and hash Values "
                       "by identity (define no __eq__ or __hash__ from .data)")


def _distinct(expr: Expr) -> bool:
    """Whether the nodes of `expr` hold different numbers."""
    values = list(expr.inputs)

    def record(name: str, *args: float) -> float:
        values.append(apply_float(name, *args))
        return values[-1]

    expr.evaluate(record)
    return len(set(values)) == len(values)


def _outer(program: _Program, ok: list[str]) -> tuple[tuple[str, tuple[Any, ...]], tuple[float, ...]] | None:
    """A step using the program's output whose derivative is not 0 or ±1 (so forgetting out.grad
    shows), and the new input it needs: (step, inputs to add)."""
    v = program.expr.evaluate()
    new = len(program.expr.inputs)  # a new input goes last: the steps (of one-op programs) use inputs only
    for name in ok:
        number, arity = _NUMBER_OPERAND.get(name), OPS[name].arity
        if arity > 2:
            continue
        xs: tuple[float, ...] = (v,) if arity == 1 else (v, 3.0) if number is not None else (v, 1.5)
        try:
            if not OPS[name].domain(*xs):
                continue
            d = OPS[name].partials(*xs, OPS[name].forward(*xs))[0]
        except DOMAIN_ERRORS:
            continue
        if 0.05 < abs(d) < 20 and abs(abs(d) - 1) > 0.05:
            node = len(program.expr.inputs) + len(program.expr.steps) - 1
            if arity == 1:
                return (name, (node,)), ()
            return ((name, (node, 3.0)), ()) if number is not None else ((name, (node + 1, new)), (1.5,))
    return None


# --- hints: one sentence naming the likely mistake ----------------------------------------------

def _operand(name: str, leaf: int | None) -> str:
    if OPS[name].arity == 1 or name in _NUMBER_OPERAND:
        return "the operand"
    return "the first operand" if leaf == 0 else "the second operand"


def _gradient_hint(name: str, xs: tuple[float, ...], words: dict[str, str], m: _Mismatch) -> str:
    """A classic wrong derivative if the gradient is one, else the rule (or the sign, or nothing arrived)."""
    out = OPS[name].forward(*xs)
    position = 0 if m.leaf is None or name in _NUMBER_OPERAND else m.leaf
    for p, wrong, hint in _CLASSICS.get(name, ()):
        try:
            if p == position and _close(m.got, wrong(xs, out)):
                return hint
        except DOMAIN_ERRORS:
            continue
    rule = _RULES[name][1] if name in _RULES else f"dagrad's rule is OPS[{name!r}].partials"
    if _close(m.got, 0.0):
        return f"no gradient reached {_operand(name, m.leaf)} of {name}: " + words["nothing"].format(name=name)
    if m.expected is not None and _close(m.got, -m.expected):
        return f"the sign of {name}'s derivative with respect to {_operand(name, m.leaf)} is flipped: {rule}"
    return f"{name}'s derivative with respect to {_operand(name, m.leaf)} is wrong: {rule}"


def _value_hint(name: str, program: _Program, got: Any) -> str:
    if not is_number(got):
        kind = type(got).__name__
        return f"{name}'s out.data must be a number, got {kind}" + (f" (a {kind} inside a {kind}?)" if hasattr(got, "data") else "")
    if program.numbers:
        left = program.expr.steps[0][1] == (1, 0)
        method = _REFLECTED[name] if left else _DUNDERS[name]
        shown = f"{_NUMBER!r} {name} x" if left else f"x {name} {_NUMBER!r}"
        return f"`{shown}` calls {method}, which gives the wrong number: it must compute {shown}" + (
            ", with the number on the left (other is the number, self is x)" if left else "")
    formula = _RULES[name][0] if name in _RULES else f"OPS[{name!r}].forward"
    return f"{name}'s forward gives the wrong number: out.data must be {formula}"


def _crash_hint(engine: _Adapter, name: str | None, program: _Program, crash: _Crash, words: dict[str, str]) -> str:
    e, method = crash.error, "the engine" if name is None else _method(engine, name)
    if program.numbers and name is not None and program.expr.steps[0][1] == (1, 0):
        method = _REFLECTED[name]  # `2 / x` calls x.__rtruediv__(2)
    operator = _operator_hint(e)
    if operator:  # Python found no method for an operator, wherever it was: in `2 / x`, or inside __rtruediv__
        needed = operator.split()[1]
        return operator if needed == method else f"{operator}; {method} uses it"
    if program.numbers and name is not None:
        return (f"{method} must accept a number: wrap it, other = other if isinstance(other, Value) else Value(other), "
                f"so that `{'2 ' + name + ' x' if method == _REFLECTED[name] else 'x ' + name + ' 2'}` works")
    missing = next((a for a in ("backward", "grad", "data") if isinstance(e, AttributeError) and f"'{a}'" in str(e)), None)
    if missing is not None:
        return {"backward": "define backward() on your Value class: it fills .grad of every node the output depends on",
                "grad": "give every Value a .grad: 0 when it is made, filled in by backward()",
                "data": "give every Value a .data: the number it holds"}[missing]
    if isinstance(e, NotImplementedError):
        return f"{'backward()' if crash.stage == 'backward' else method} is not written yet (it raises NotImplementedError)"
    if "returned None" in str(e):
        return f"{method} must return the new node it made (return out)"
    if isinstance(e, AttributeError) and name is not None and f"'{name}'" in str(e) and crash.stage == "forward":
        return f"define the method {method} on your Value class (or leave {name!r} out of ops=)"
    if crash.stage == "backward":
        where = "backward()" if name is None else words["raised in"].format(name=name)
        return f"backward() raised {type(e).__name__} on this program: read the traceback of {where}"
    return f"{method} raised {type(e).__name__}: run the program above and read the traceback"


# Python's TypeError when no operand's method handles an operator: (symbol, left type, right type).
_UNSUPPORTED = re.compile(r"unsupported operand type\(s\) for (\*\*|[-+*/])[^:]*: '(\w+)' and '(\w+)'")
_SYMBOLS = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "**": "pow"}


def _operator_hint(e: BaseException) -> str:
    """"define __rmul__ so that `2 * x` works ..." when `e` is Python's TypeError for an operator
    it found no method for (or for unary minus); "" for any other exception."""
    found = _UNSUPPORTED.search(str(e)) if isinstance(e, TypeError) else None
    if found is None:
        unary = isinstance(e, TypeError) and str(e).startswith("bad operand type for unary -")
        return "define __neg__ so that `-x` works" if unary else ""
    symbol, left, right = found.groups()
    if left in ("int", "float"):
        method = f"__r{_SYMBOLS[symbol]}__"
        return f"define {method} so that `2 {symbol} x` works (Python calls x.{method}(2))"
    return f"define __{_SYMBOLS[symbol]}__ so that `x {symbol} {2 if right in ('int', 'float') else 'y'}` works"


def _accumulation_hint(name: str, words: dict[str, str]) -> str:
    return "a node used twice must get the sum of both contributions: " + words["add"].format(name=name)


def _has_backward(engine: _Adapter, program: _Program) -> bool:
    """Whether the engine's nodes have a `_backward` (micrograd's closures): a leaf, or the program's output."""
    try:
        nodes = [engine.leaf(x) for x in program.expr.inputs]
        return any(hasattr(v, "_backward") for v in nodes) or hasattr(
            program.expr.evaluate(functools.partial(_apply, engine), nodes), "_backward")
    except Exception:  # noqa: BLE001  # the engine's code raised: its checks report it
        return False


# --- the deepest chain -------------------------------------------------------------------------

class _Depth:
    """The longest chain ``x, x + y, (x + y) + y, ...`` whose backward() gives x.grad = 1."""

    def __init__(self, engine: _Adapter, op: str) -> None:
        self.engine, self.op = engine, op
        self.times: dict[int, float] = {}  # the seconds of each chain that worked, by its length
        self.deadline = time.perf_counter() + _BISECT_SECONDS

    def works(self, n: int) -> str:
        """"" if backward() on a chain of n ops gives the right gradient, else what went wrong."""
        engine = self.engine  # no Expr here: checking 100,000 steps would take longer than running them
        # Speed: the garbage collector pauses while the chain is built: every node is alive until the
        # end, so its passes free nothing, and they take 40-80% of the time (more with closures).
        collecting = gc.isenabled()
        gc.disable()
        try:
            x = v = engine.leaf(0.5)
            y = engine.leaf(1.0)
            for _ in range(n):
                v = engine.apply(self.op, v, y)
            engine.backward(v)
            got = engine.grad(x)
        except Exception as e:  # noqa: BLE001  # RecursionError, typically: information, not a failure
            return _last_line(e)
        finally:
            if collecting:
                gc.enable()
        return "" if _close(got, 1.0) else f"x.grad is {_shown(got)}, not 1"

    def longest(self) -> tuple[int, str]:
        """(the longest chain that worked, why a longer one did not or was not tried)."""
        good = 0
        for n in _DEPTHS:
            guess = self.guess(n)
            if guess > _DEPTH_SECONDS:
                return good, f"not tried (a chain of {n} ops would take ~{guess:.2g} s)"
            start = time.perf_counter()
            note = self.works(n)
            seconds = time.perf_counter() - start
            if note:
                return self._bisect(good, n, note)
            self.times[n] = seconds
            good = n
        return good, ""

    def guess(self, n: int) -> float:
        """How long a chain of n ops, 10x the last, will take: 20x the last's time (a linear walk
        takes 10x, and the garbage collector up to twice that; a quadratic walk 100x)."""
        return 20 * self.times.get(n // 10, 0.0)

    def _bisect(self, good: int, bad: int, note: str) -> tuple[int, str]:
        """Narrow (good, bad) to neighbours while time is left; `note` says how `bad` failed."""
        while bad - good > 1 and time.perf_counter() < self.deadline:
            mid = (good + bad) // 2
            found = self.works(mid)
            if found:
                bad, note = mid, found
            else:
                good = mid
        return good, f"at {bad} ops, {note}"


_CHAIN_OPS = ("+", "*", "-")  # x.grad is 1 on a chain x + y + y ... (y = 1: also * and -)


def _combiner(ok: list[str]) -> str | None:
    """The first of + * - that passed its checks: it joins two nodes (the order and two-consumer
    programs) and makes the depth chain; None if none did."""
    return next((n for n in _CHAIN_OPS if n in ok), None)


def _depth(engine: _Adapter, ok: list[str]) -> tuple[int, str]:
    op = _combiner(ok)
    if op is None:
        return 0, f"not measured (the chain is made of {', '.join(_CHAIN_OPS[:-1])} or {_CHAIN_OPS[-1]}: none passed its checks)"
    return _Depth(engine, op).longest()
