"""The engine: a scalar `Value`, the table of primitive ops, and reverse-mode differentiation.

Every primitive op is one row of `OPS`: its forward on floats and its partial derivatives,
side by side. A node stores its parents and the partials evaluated at the forward values, so
`backward()` is a loop of multiply-adds over data, not a chain of closures. The partials are
written with operators that work on floats *and* on Values, so `grad(..., create_graph=True)`
re-evaluates the same rows on Values to get derivatives that can be differentiated again.

Threads and asyncio tasks: whether ops record (`no_grad`) is per thread and per task, and `grad`
only reads a graph, so it may run on one graph from several threads. Everything else is plain
data: ``backward()`` writes ``.grad`` on every node it reaches, so two concurrent passes over
graphs that share nodes (a model's parameters) race; give each thread its own graph and
parameters, or hold a lock around backward and the optimizer step (as with PyTorch).

Example:
  >>> OPS["*"].partials(2.0, 3.0, 6.0)  # d(x * y)/dx = y, d(x * y)/dy = x, at x = 2, y = 3
  (3.0, 2.0)
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, ParamSpec, TypeVar, cast, overload

from autograd._checks import as_float, cannot_take, is_number, ordered

if TYPE_CHECKING:
    from autograd._types import Gradients, Partials, Scalar, Values, Weights

_P = ParamSpec("_P")
_R = TypeVar("_R")

__all__ = ["Value", "Op", "OPS", "grad", "jvp", "no_grad", "is_grad_enabled", "register_op", "topological_order"]


class Op(NamedTuple):
    """One primitive: forward on floats, partials on floats or Values, and where it is smooth.

    Attributes:
      forward: ``(*inputs: float) -> float``; raises a clear error outside the op's domain.
      partials: ``(*inputs, out) -> tuple``, one partial derivative of ``out`` per input,
        written with operators and `Value` methods so the same rule works on floats and Values.
      domain: ``(*inputs: float) -> bool``, True where the forward and its partials are finite and
        smooth (used by the tests and `autograd.strategies`; the forward does its own checking).
      kinks: points of an input where the derivative jumps (tests keep finite differences away).

    Example:
      >>> square = Op(lambda x: x * x, lambda x, out: (2 * x,))
      >>> square.forward(3.0), square.partials(3.0, 9.0), square.arity
      (9.0, (6.0,), 1)
    """

    forward: Callable[..., float]
    partials: Partials
    domain: Callable[..., bool] = lambda *inputs: True
    kinks: tuple[float, ...] = ()

    @property
    def arity(self) -> int:
        """How many inputs the op takes: the partials rule's parameters, less ``out``.

        The rule must name each input and ``out`` as plain parameters (a function or a callable
        object); ``*args``, ``**kwargs``, keyword-only parameters and defaults are refused with a
        TypeError, since they hide how many inputs the op takes.

        Example:
          >>> OPS["tanh"].arity, OPS["*"].arity
          (1, 2)
        """
        return _arity(self.partials, "Op")


_KINDS = {inspect.Parameter.VAR_POSITIONAL: "a *args parameter", inspect.Parameter.VAR_KEYWORD: "a **kwargs parameter",
          inspect.Parameter.KEYWORD_ONLY: "a keyword-only parameter"}


def _arity(partials: object, who: str) -> int:
    """The number of inputs of a partials rule ``(inputs..., out)``, or a TypeError saying what is wrong."""
    if not callable(partials):
        raise TypeError(f"{who}: partials must be a function (inputs..., out) -> tuple, "
                        f"got {type(partials).__name__}: {partials!r}")
    try:
        parameters = list(inspect.signature(partials).parameters.values())
    except (TypeError, ValueError):  # some builtins have no signature to read
        raise TypeError(f"{who}: cannot read the parameters of the partials rule {partials!r}; "
                        f"write it as a lambda or def (inputs..., out)") from None
    for p in parameters:
        if p.kind in _KINDS:
            raise TypeError(f"{who}: the partials rule must name each input and out as a plain parameter, "
                            f"but it has {_KINDS[p.kind]} ({p}), which hides how many inputs the op takes")
        if p.default is not p.empty:
            raise TypeError(f"{who}: the partials rule's parameter {p.name!r} has a default ({p}), which would "
                            f"make it count as an input; remove the default")
    if len(parameters) < 2:
        raise TypeError(f"{who}: the partials rule must take the op's inputs and then out, "
                        f"got {len(parameters)} parameter(s)")
    return len(parameters) - 1


# --- forwards that need care: each raises an error naming the op and the value ---------------

def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp: result overflows a float, got input {x!r} (exp overflows above ~709.78)") from None


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError(f"log: input must be > 0, got {x!r}")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise ValueError(f"sqrt: input must be >= 0, got {x!r}")
    return math.sqrt(x)


def _div(x: float, y: float) -> float:
    if y == 0:
        raise ZeroDivisionError(f"/: division by zero ({x!r} / {y!r})")
    return x / y


def _pow(x: float, n: float, op: str = "**") -> float:
    if x == 0 and n < 0:
        raise ZeroDivisionError(f"{op}: 0.0 cannot be raised to a negative power, got exponent {n!r}")
    if x < 0 and not n.is_integer():  # float.is_integer: False for inf and nan, which int() rejects
        raise ValueError(f"{op}: a negative base needs an integer exponent (no complex results), got {x!r} ** {n!r}")
    try:
        return x ** n  # type: ignore[no-any-return]  # float ** float is Any to a checker (complex); not here
    except OverflowError:
        raise OverflowError(f"{op}: result overflows a float, got {x!r} ** {n!r}") from None


def _periodic(fn: Callable[[float], float], name: str) -> Callable[[float], float]:
    # math.sin(±inf) raises a bare "math domain error": name the op and the value instead.
    def forward(x: float) -> float:
        try:
            return fn(x)
        except ValueError:
            raise ValueError(f"{name}: input must be finite, got {x!r}") from None

    forward.__name__ = forward.__qualname__ = name
    return forward


def _reciprocal(x: float) -> float:
    # 1 / x, and 1 / ±0 = ±inf as IEEE and torch.reciprocal: the derivatives of sqrt and of
    # x ** 0.5 are 1 / 0 at 0, and must stay differentiable there (see `_recip`).
    return 1.0 / x if x != 0 else math.copysign(math.inf, x)


def _pow_value(x: float, y: float) -> float:
    if x <= 0:
        raise ValueError(f"pow: the base must be > 0 when the exponent is a Value, got base {x!r}")
    return _pow(x, y, "pow")


def _sigmoid(x: float) -> float:
    # Two branches so that exp never overflows: for x = -1000, exp(x) underflows to 0.0 instead.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    # log(1 + e^x) as max(x, 0) + log(1 + e^-|x|): the exponent is never positive, so no overflow.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


# Elementary functions the partials need, on floats or Values (a float `sin` is math.sin).
def _sig(x: Scalar) -> Any: return x.sigmoid() if isinstance(x, Value) else _sigmoid(x)
def _sin(x: Scalar) -> Any: return x.sin() if isinstance(x, Value) else math.sin(x)
def _cos(x: Scalar) -> Any: return x.cos() if isinstance(x, Value) else math.cos(x)
def _ln(x: Scalar) -> Any: return x.log() if isinstance(x, Value) else _log(x)
def _recip(x: Scalar) -> Any: return x.reciprocal() if isinstance(x, Value) else _reciprocal(x)
# The derivative of a step is 0 almost everywhere: a constant, also when building a graph.
# Written "<= 0", so that relu passes a NaN through with slope 1, as PyTorch (and every other op).
def _step(x: Any) -> float: return 0.0 if getattr(x, "data", x) <= 0 else 1.0
def _sign(x: Any) -> float: x = getattr(x, "data", x); return (x > 0) - (x < 0) + 0.0  # type: ignore[no-any-return]


def _power(x: Any, m: Any) -> Any:
    # x ** m inside a partial. When both are Values (the base partial of x ** y under
    # create_graph), as exp(m ln x): its own derivative then reaches the upstream gradient one
    # factor at a time (x^m, then m, then 1 / x), where a "pow" node stores m x^(m-1) whole,
    # which overflows at x ** x's x = 1e-300 (m = x - 1: -1e600) although the terms it meets
    # cancel to a finite number: there d2(x ** x)/dx2 = 1e300, not -inf. The constant makes
    # its value x ** m to the last bit, as on floats (the difference is exact: Sterbenz). Where
    # x or m is infinite (inf - inf) the plain power, as on floats.
    if isinstance(x, Value) and isinstance(m, Value) and math.isfinite(x.data) and math.isfinite(m.data):
        split = (m * x.log()).exp()
        return split + (x.data ** m.data - split.data)
    return x ** m


def _dpow(x: Any, n: Any, out: Any, n_at_least_1: bool) -> Any:
    # d(x ** n)/dx = n x^(n-1), for n >= 1 as written: x ** (n - 1) cannot overflow unless out
    # did, and it stays right where out underflows (x ** 2 at 1e-200: 2e-200, not 0).
    # For n < 1, x^(n-1) can overflow, where x ** (n - 1) would raise: then n * out / x, which
    # overflows to inf, PyTorch's answer. Otherwise still n * x ** (n - 1), as PyTorch: under
    # create_graph its second derivative is then one product, n (n-1) x^(n-2), which overflows to
    # -inf where the quotient rule on n * out / x gives inf - inf = nan (x ** 0.5 at 1e-300).
    # The constant x ** 0 has slope 0 (exactly, also on Values: 0 * out / x would make nan at
    # x = 5e-324). At x = ±0 and 0 < n < 1 the slope is n / x^(1-n) = n / +0 = inf (n < 0 raised
    # in the forward); on Values that quotient is a reciprocal node, so a second derivative sees
    # its slope, n (n-1) x^(n-2) = -inf, as PyTorch (a constant inf would give 0). Float branches
    # use operators and literals only, which `compile` can record. x is a Value under
    # create_graph, and so is the exponent of "pow": the caller compares n with 1 (speed: a float
    # compare for "**", no getattr), and `n == 0` is False for a Value (no slope is dropped).
    if n_at_least_1:  # Speed: a float base (every node built eagerly) skips `_power`'s call
        return n * (x ** (n - 1) if x.__class__ is float else _power(x, n - 1))
    if n == 0:
        return 0.0
    x_ = getattr(x, "data", x)
    if n is x and isinstance(x, Value) and 0 < x_ < 2.2250738585072014e-308:
        # x ** x on Values (create_graph) at a subnormal x: its base partial x·x^(x-1) is out
        # itself. Written n * out / x (or n * x ** (n - 1)), its own slope is x^(x-1) ≈ 1/x from
        # the exponent and -1/x from the base: they cancel on paper, but 1/x overflows here and
        # the sum is inf - inf = nan, where d2(x ** x)/dx2 ≈ 1/x is +inf (finite at 1e-308).
        # Above, x ** (x - 1) is exact to the last bit, as on floats (the float path keeps it).
        return out
    if x_ != 0:
        # x^(n-1) by a division, which never raises; |x^(n-1)| >= 1e308 asked as one comparison,
        # without abs(), so that `compile` can record the rule (it follows up to 4 decisions).
        # At x = ±inf the division is inf / inf = nan, and x ** (n - 1) is the slope, 0 (PyTorch's;
        # n * out / x would be nan): hence ">=", False for nan.
        small = getattr(out, "data", out) / x_ * 1e-308
        return n * out / x if small * small >= 1.0 else n * (x ** (n - 1) if x.__class__ is float else _power(x, n - 1))
    return n * (x ** (1 - n)).reciprocal() if isinstance(x, Value) else n * math.inf  # (n = nan: nan, as PyTorch)


# --- the op table: forward and partial derivatives side by side -------------------------------
# An infinite derivative (sqrt and x ** 0.5 at 0) is inf, as in PyTorch, and under create_graph
# it is a Value that can be differentiated again: its rule divides by zero with "reciprocal"
# (1 / ±0 = ±inf), never with "/", which raises on a user's division by zero. A rule that
# branches on a value reads it with getattr(v, "data", v) (`v != 0` is always True for a Value,
# which compares by identity). "**" and "pow" share `_dpow`.
OPS = {
    #        forward            partials(inputs..., out)
    "+":     Op(float.__add__,  lambda x, y, out: (1.0, 1.0)),
    "-":     Op(float.__sub__,  lambda x, y, out: (1.0, -1.0)),
    "*":     Op(float.__mul__,  lambda x, y, out: (y, x)),
    "/":     Op(_div,           lambda x, y, out: (1.0 / y, -out / y),
                domain=lambda x, y: y != 0),
    "neg":   Op(float.__neg__,  lambda x, out: (-1.0,)),
    "**":    Op(_pow,           lambda x, n, out: (_dpow(x, n, out, n >= 1), 0.0),
                domain=lambda x, n: x > 0 or (x != 0 and n.is_integer())),
    "pow":   Op(_pow_value,     lambda x, y, out: (_dpow(x, y, out, getattr(y, "data", y) >= 1), out * _ln(x)),  # type: ignore[operator]
                domain=lambda x, y: x > 0),
    "exp":   Op(_exp,           lambda x, out: (out,),
                domain=lambda x: x < 700),
    "log":   Op(_log,           lambda x, out: (1.0 / x,),
                domain=lambda x: x > 0),
    "tanh":  Op(math.tanh,      lambda x, out: (1.0 - out * out,)),
    "sigmoid": Op(_sigmoid,     lambda x, out: (out * (1.0 - out),)),
    "softplus": Op(_softplus,   lambda x, out: (_sig(x),)),
    "relu":  Op(lambda x: 0.0 if x <= 0 else x, lambda x, out: (_step(x),), kinks=(0.0,)),  # relu(nan) is nan
    "sin":   Op(_periodic(math.sin, "sin"), lambda x, out: (_cos(x),)),
    "cos":   Op(_periodic(math.cos, "cos"), lambda x, out: (-_sin(x),)),
    "sqrt":  Op(_sqrt,          lambda x, out: (0.5 * _recip(out),),
                domain=lambda x: x > 0),
    "abs":   Op(abs,            lambda x, out: (_sign(x),), kinks=(0.0,)),
    "reciprocal": Op(_reciprocal, lambda x, out: (-(out * out),),
                domain=lambda x: x != 0),
}

# The exponent of `x ** 2` is a constant operand: it gets no gradient (its partial above is 0.0)
# and is passed to the partials as a float, so `create_graph` never differentiates through it.
_CONST = "const"

_grad_enabled: ContextVar[bool] = ContextVar("dagrad_grad_enabled", default=True)
_new: Callable[[type[Value]], Value] = object.__new__


# --- node construction: one function per op, made from its row of the table ------------------
# Speed: these closures (one per op, not per node) bind the row's forward and partials once and
# fill the node's slots directly, skipping a generic *args path and `__init__`'s type check.

def _unary(name: str, doc: str) -> Callable[[Value], Value]:
    forward, partials = OPS[name][:2]
    grad_enabled = _grad_enabled.get

    def method(self: Value) -> Value:
        x = self.data
        out = forward(x)
        if not grad_enabled():
            return _leaf(out)
        (d,) = partials(x, out)
        node = _new(Value)
        node.data = out  # one store per slot: a 4-tuple unpacking would allocate a tuple
        node.grad = 0.0
        node._p0 = self
        node._d0 = d
        node._p1 = None
        node._d1 = 0.0
        node._op = name
        node.label = ""
        return node

    method.__name__, method.__doc__ = name, doc
    return method


def _doc(summary: str, node: str, result: str) -> str:
    """A one-input op's docstring: what it computes, and a doctest of its value and partial."""
    return f"{summary}\n\nExample:\n  >>> y = {node}\n  >>> y.data, y.local_grads\n  {result}\n"


def _binary(name: str, doc: str | None = None) -> Callable[[Value, Scalar], Value]:
    forward, partials = OPS[name][:2]
    grad_enabled = _grad_enabled.get

    def method(self: Value, other: Scalar) -> Value:
        if other.__class__ is not Value:
            # Speed: a float operand (x * 0.5) goes straight to `_leaf`, one call where `_const`
            # took three (is_number, _const, _leaf): ~15% of `x * 0.5`; other numbers take two.
            data: Any = other if other.__class__ is float else _constant_data(other, name)
            if data is NotImplemented:
                return NotImplemented  # type: ignore[no-any-return]  # (a checker exempts only methods named __op__)
            other = _leaf(data, _CONST)
        x = self.data
        y = other.data
        out = forward(x, y)
        if not grad_enabled():
            return _leaf(out)
        d0, d1 = partials(x, y, out)
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        node._p0 = self
        node._d0 = d0
        node._p1 = other
        node._d1 = d1
        node._op = name
        node.label = ""
        return node

    method.__name__, method.__doc__ = name, doc
    return method


def _reflected(method: Callable[[Value, Scalar], Value]) -> Callable[[Value, float], Value]:
    # `2 - x` arrives as x.__rsub__(2): make the number a constant node and apply the op to it.
    def reflected(self: Value, other: float) -> Value:
        data = _constant_data(other, method.__name__)  # one number check, not two (via _const)
        if data is NotImplemented:
            return NotImplemented  # type: ignore[no-any-return]  # (a checker exempts only methods named __op__)
        return method(_leaf(data, _CONST), self)

    return reflected


class Value:
    """A scalar in a computation graph: its value, its gradient, and how it was computed.

    Args:
      data: a real number (int or float; stored as a Python float).
      label: an optional name, shown by `draw_dot` and `backward_steps`.

    Attributes:
      data: the value (float).
      grad: d(root)/d(this node) after `root.backward()`; starts at 0.0.
      parents: the operands, in order (a tuple; empty for a leaf).
      local_grads: d(this node)/d(parent) for each parent, evaluated at the forward values.
      op: the op that produced this node (a key of `OPS`); ``""`` for a leaf, ``"const"`` for a
        number the engine wrapped (as the ``2`` in ``x * 2``).

    Example:
      >>> x = Value(3.0, label="x")
      >>> y = x * x + 1
      >>> y.backward()
      >>> y.data, x.grad
      (10.0, 6.0)
    """

    # Nodes are data, not code. Every primitive takes one or two inputs, so the parents and
    # their partials live in four slots (p0, d0, p1, d1) instead of tuples: no per-node tuple
    # allocations (fewer objects for the garbage collector to scan) and 96 bytes a node.
    __slots__ = ("data", "grad", "_p0", "_d0", "_p1", "_d1", "_op", "label")
    data: float
    grad: float
    label: str
    _op: str
    _p0: Value | None
    _p1: Value | None
    _d0: float  # the partial at the forward values (a rule re-evaluated on Values never lands here)
    _d1: float

    def __init__(self, data: float, label: str = "") -> None:
        if not is_number(data):
            raise TypeError(f"Value: data must be a real number (int or float), got {type(data).__name__}: {data!r}")
        if not isinstance(label, str):
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}: {label!r}")
        self.data, self.grad, self._op, self.label = as_float(data, "Value"), 0.0, "", label
        self._p0, self._d0, self._p1, self._d1 = None, 0.0, None, 0.0

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands, in operand order (a tuple; empty for a leaf).

        Example:
          >>> x = Value(2.0); y = x * 3
          >>> y.parents[0] is x, y.parents[1].data
          (True, 3.0)
        """
        return tuple(p for p in (self._p0, self._p1) if p is not None)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, as floats evaluated at the forward values.

        Example:
          >>> (Value(2.0) * Value(3.0)).local_grads
          (3.0, 2.0)
        """
        return (self._d0, self._d1)[:len(self.parents)]

    @property
    def op(self) -> str:
        """The op that produced this node; ``""`` for a leaf, ``"const"`` for a wrapped number.

        Example:
          >>> y = Value(2.0) * 3
          >>> y.op, y.parents[0].op, y.parents[1].op
          ('*', '', 'const')
        """
        return self._op

    def __repr__(self) -> str:
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    __add__ = _binary("+")
    __sub__ = _binary("-")
    __mul__ = _binary("*")
    __truediv__ = _binary("/")
    __radd__, __rsub__ = _reflected(__add__), _reflected(__sub__)
    __rmul__, __rtruediv__ = _reflected(__mul__), _reflected(__truediv__)
    __neg__ = _unary("neg", _doc("-x.", "-Value(2.0)", "(-2.0, (-1.0,))"))
    _pow, _pow_value = _binary("**"), _binary("pow")

    def __pow__(self, other: Scalar) -> Value:
        # A number exponent is a constant ("**"); a Value exponent gets a gradient too ("pow").
        return self._pow_value(other) if other.__class__ is Value else self._pow(other)

    __rpow__ = _reflected(_pow_value)

    exp = _unary("exp", _doc("e ** x; raises OverflowError above ~709.78.", "Value(0.0).exp()", "(1.0, (1.0,))"))
    log = _unary("log", _doc("Natural log; x must be > 0.", "Value(2.0).log()", "(0.6931471805599453, (0.5,))"))
    tanh = _unary("tanh", _doc("Hyperbolic tangent, overflow-free.", "Value(0.0).tanh()", "(0.0, (1.0,))"))
    sigmoid = _unary("sigmoid", _doc("1 / (1 + e ** -x), overflow-free.", "Value(0.0).sigmoid()", "(0.5, (0.25,))"))
    softplus = _unary("softplus", _doc("log(1 + e ** x), overflow-free; a smooth relu.", "Value(0.0).softplus()",
                                       "(0.6931471805599453, (0.5,))"))
    relu = _unary("relu", _doc("max(x, 0); derivative 0 at 0.", "Value(-2.0).relu()", "(0.0, (0.0,))"))
    sin = _unary("sin", _doc("Sine.", "Value(0.0).sin()", "(0.0, (1.0,))"))
    cos = _unary("cos", _doc("Cosine.", "Value(0.0).cos()", "(1.0, (-0.0,))"))
    sqrt = _unary("sqrt", _doc("Square root; x must be >= 0; derivative inf at 0.", "Value(4.0).sqrt()", "(2.0, (0.25,))"))
    reciprocal = _unary("reciprocal", _doc("1 / x, as torch.reciprocal: 1 / ±0 is ±inf (derivatives at 0 use it).",
                                           "Value(4.0).reciprocal()", "(0.25, (-0.0625,))"))
    abs = __abs__ = _unary("abs", _doc("|x| (also ``abs(x)``); derivative 0 at 0.", "Value(-2.0).abs()", "(2.0, (-1.0,))"))

    def backward(self, grad: float = 1.0) -> None:
        """Fill in ``.grad`` of every node this one depends on: d(self)/d(node) times `grad`.

        Interior nodes are reset first, so they show the gradient of the latest call. Leaves
        accumulate across calls until zeroed, as in PyTorch: each call sums its contributions to a
        leaf first and adds that sum to the leaf's ``.grad`` once, so calling ``y.backward()``
        twice doubles every leaf's ``.grad`` exactly.

        Args:
          grad: the gradient of the final objective with respect to this node (default 1.0).

        Example:
          >>> a = Value(2.0)
          >>> b = a * a + a          # a is used three times: contributions add up
          >>> b.backward()
          >>> a.grad
          5.0
          >>> w = Value(1.0); y = w * 0.1 + w * 0.2
          >>> y.backward(); y.backward()
          >>> w.grad    # 2 × (0.1 + 0.2): each pass's sum 0.30000000000000004, added once
          0.6000000000000001
        """
        order, leaves, earlier = _start_backward(self, _seed("backward", "grad", grad))
        for node in reversed(order):
            p = node._p0
            if p is not None:  # the chain rule: each parent gets local derivative × this grad
                g = node.grad
                p.grad += node._d0 * g
                p = node._p1
                if p is not None:
                    p.grad += node._d1 * g
        for leaf, g in zip(leaves, earlier):  # this pass's sum, added to what the leaf had, once
            leaf.grad += g


def _start_backward(root: Value, grad: float) -> tuple[list[Value], list[Value], list[float]]:
    """What every backward pass does first; shared with `backward_steps`.

    Every node's ``.grad`` is set to 0.0 (interior nodes show the latest pass; a leaf collects
    this pass's sum), then the root's gradient is seeded. Returns ``(order, leaves, earlier)``:
    the topological order, the leaves in it, and each leaf's ``.grad`` from before the pass, for
    the caller to add to the pass's sum once it is complete.
    """
    # The walk of `topological_order` (same order), with one difference. Speed: no set at all
    # (0.6-0.7x the time of that walk plus a reset pass): backward resets every .grad anyway, so
    # a node counts as reached once its .grad *is* this pass's own 0.0 object (identity, not
    # value: a 0.0 left by an earlier pass is another object), and the mark is the reset itself.
    # Only backward writes .grad, and two passes over shared nodes race already (module docstring).
    # CPython's floats are objects with an identity; an implementation where `is` compares floats
    # by value (PyPy) would see every 0.0 as reached here: dagrad is for CPython (pyproject.toml).
    zero = float("0")  # a new object each call (float() of a str is never shared)
    order: list[Value] = []
    leaves: list[Value] = []
    earlier: list[float] = []
    p: Any  # a parent: never None where it is read (see below)
    emit, keep, remember = order.append, leaves.append, earlier.append
    if root._p0 is None:  # a leaf root: the walk is that leaf
        emit(root)
        keep(root)
        remember(root.grad)
        root.grad = zero
    else:
        root.grad = zero
        path = [root]
        enter, leave = path.append, path.pop
        while path:
            node = path[-1]
            p = node._p0
            if p.grad is zero:  # p0 is never None here: a node on the path has a first parent
                p = node._p1
                if p is None or p.grad is zero:  # both parents emitted: the node's turn
                    leave()
                    emit(node)
                    continue
            if p._p0 is not None:
                p.grad = zero
                enter(p)
            else:  # a leaf: its earlier .grad kept, then emitted at once, never pushed
                remember(p.grad)
                p.grad = zero
                emit(p)
                keep(p)
    root.grad += grad
    return order, leaves, earlier


def register_op(name: str, op: Op) -> Callable[..., Value]:
    """Add a primitive op to the table and a `Value` method for it (``x.name()`` or ``x.name(y)``).

    The property tests, `gradcheck`'s suite, the strategies and the drawings all read `OPS`, so a
    registered op is tested and drawn like a built-in one.

    Args:
      name: the op's name (a method name for a one-input op).
      op: an `Op` (forward and partials side by side; optional domain and kinks).

    Returns:
      The function that applies the op to Values (also set as ``Value.<name>``).

    Example:
      >>> import math
      >>> atan = register_op("atan", Op(math.atan, lambda x, out: (1 / (1 + x * x),)))
      >>> y = Value(1.0).atan()
      >>> round(y.data, 4), y.local_grads
      (0.7854, (0.5,))
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_op: name must be a non-empty str, got {type(name).__name__}: {name!r}")
    if name in OPS or name == _CONST:
        raise ValueError(f"register_op: an op named {name!r} exists already")
    if hasattr(Value, name):  # setattr would replace it: "data" or "backward" would break every Value
        raise ValueError(f"register_op: {name!r} is already a Value attribute; choose another name for the op")
    if not isinstance(op, Op):
        raise TypeError(f"register_op: expected an Op(forward, partials, ...), got {type(op).__name__}")
    who = f"register_op({name!r})"
    arity = _arity(op.partials, who)
    if arity not in (1, 2):
        raise ValueError(f"register_op: primitive ops take one or two inputs, {name!r} takes {arity}")
    for role in ("forward", "domain"):
        function = getattr(op, role)
        if not callable(function):
            raise TypeError(f"{who}: {role} must be a function of the op's inputs, "
                            f"got {type(function).__name__}: {function!r}")
        if cannot_take(function, [1.0] * arity):
            raise TypeError(f"{who}: {role} cannot take {arity} input(s), which the partials rule takes "
                            f"(its parameters less out)")
    OPS[name] = op
    method = (_unary if arity == 1 else _binary)(name, f"The registered op {name!r}.")
    setattr(Value, name, method)
    return method


def _seed(who: str, what: str, g: object) -> float:
    """A gradient given by the user, as a float; a clear TypeError for anything else."""
    if not is_number(g):
        hint = "; pass its .data" if isinstance(g, Value) else ""
        raise TypeError(f"{who}: {what} must be a real number, got {type(g).__name__}: {g!r}{hint}")
    return as_float(g, who)


def _leaf(data: float, op: str = "") -> Value:
    node = _new(Value)  # skip __init__'s type check: `data` is a float we made
    node.data = data
    node.grad = 0.0
    node._p0 = node._p1 = None
    node._d0 = node._d1 = 0.0
    node._op = op
    node.label = ""
    return node


def _constant_data(x: object, op: str) -> Any:
    # A number operand of `op` as the float its constant leaf holds; NotImplemented if not a number.
    return as_float(x, op) if is_number(x) else NotImplemented


def topological_order(*roots: Value) -> list[Value]:
    """Every node the roots depend on, each after all of its parents; deterministic, iterative.

    Args:
      *roots: one or more Values.

    Returns:
      A list of Values: parents before the nodes computed from them; the roots come last.

    Example:
      >>> x = Value(1.0); y = x * 2; z = y + x
      >>> [v.op for v in topological_order(z)]
      ['', 'const', '*', '+']
    """
    for root in roots:
        if not isinstance(root, Value):
            raise TypeError(f"topological_order: roots must be Values, got {type(root).__name__}: {root!r}")
    # Depth-first post-order (first parent's subgraph, then the second's, then the node), without
    # recursion: `path` holds the nodes whose parents are being visited, and each time the walk
    # comes back to a node it takes the next parent not yet seen, or emits the node when none is
    # left. A node joins `seen` when first reached, so a shared node is never entered twice.
    # Speed (0.55-0.65x the time of the two-set walk it replaced, which pushed every node, some
    # twice, and paid ~4 set lookups and 2 adds a node): one set; a leaf (no parents: _p0 is None)
    # is emitted when first reached, never pushed; methods bound to locals; no tuple per node.
    seen: set[Value] = set()
    order: list[Value] = []
    p: Any  # a parent: never None where it is read (see below)
    see, emit = seen.add, order.append
    for root in roots:
        if root in seen:
            continue
        see(root)
        if root._p0 is None:
            emit(root)
            continue
        path = [root]
        enter, leave = path.append, path.pop
        while path:
            node = path[-1]
            p = node._p0
            if p in seen:  # never None here: a node on the path has a first parent
                p = node._p1
                if p is None or p in seen:  # both parents emitted: the node's turn
                    leave()
                    emit(node)
                    continue
            see(p)
            if p._p0 is not None:
                enter(p)
            else:
                emit(p)
    return order


# The gradients' type follows create_graph: floats, or Values that can be differentiated again.
@overload
def grad(outputs: Values, inputs: Values, grad_outputs: Weights | None = None,
         create_graph: Literal[False] = False) -> tuple[float, ...]: ...
@overload
def grad(outputs: Values, inputs: Values, grad_outputs: Weights | None, create_graph: Literal[True]) -> tuple[Value, ...]: ...
@overload
def grad(outputs: Values, inputs: Values, grad_outputs: Weights | None = None, *,
         create_graph: Literal[True]) -> tuple[Value, ...]: ...
@overload
def grad(outputs: Values, inputs: Values, grad_outputs: Weights | None = None, create_graph: bool = False) -> Gradients: ...
def grad(outputs: Values, inputs: Values, grad_outputs: Weights | None = None, create_graph: bool = False) -> Gradients:
    """Gradients of `outputs` with respect to `inputs`: the vector–Jacobian product.

    Computes ``sum_k grad_outputs[k] * d outputs[k] / d inputs[i]`` for each input, without
    touching any ``.grad``. As ``torch.autograd.grad``.

    Args:
      outputs: a Value or a sequence of Values.
      inputs: a Value or a sequence of Values (leaves or interior nodes).
      grad_outputs: the weights of the outputs (the "vector" of the VJP): a number or Value per
        output (a sequence; a dict, a set or a 0-d array is refused); default 1.0 each. A weight
        of exactly 0 passes nothing back, as a zero tangent in `jvp` (no 0 × inf = nan).
      create_graph: if True, the gradients are Values whose own graph can be differentiated
        again (second and higher derivatives, Hessian–vector products); not inside `no_grad`.

    Returns:
      A tuple with one gradient per input: floats, or Values under ``create_graph=True``. An
      input the outputs do not depend on gets 0.0 (a constant Value under ``create_graph``); a
      number the engine wrapped (the 3 of ``x * 3``) gets what ``backward()`` gives it.

    Example:
      >>> x = Value(3.0)
      >>> y = x ** 3
      >>> (dy,) = grad(y, [x], create_graph=True)
      >>> (d2y,) = grad(dy, [x])
      >>> dy.data, d2y
      (27.0, 18.0)
    """
    outputs = _as_values("outputs", outputs)
    inputs = _as_values("inputs", inputs)
    weights = _weights("grad", "grad_outputs", [1.0] * len(outputs) if grad_outputs is None else grad_outputs,
                       len(outputs), "output", create_graph)
    grads: dict[Value, Any] = {}
    for out, g in zip(outputs, weights):
        if g.__class__ is float and g == 0:  # a zero weight contributes nothing, structurally (no 0 * inf)
            continue
        grads[out] = grads[out] + g if out in grads else g
    get = grads.get
    # Speed: a number the engine wrapped (the 3 of x * 3) gets no gradient, unless one is asked
    # for: then it gets backward()'s, d(output)/d(constant) (skip is None: no op is skipped).
    skip = _CONST if all(x._op != _CONST for x in inputs) else None
    for node in reversed(topological_order(*outputs)):
        g = get(node)
        if g is None or node._p0 is None:
            continue
        if create_graph:
            # Re-evaluate the op's partials on Values (constants as floats) to record them.
            parents = node.parents
            args = [p.data if p._op == _CONST else p for p in parents]
            for p, local in zip(parents, OPS[node._op].partials(*args, node)):
                if p._op != skip:
                    contribution = local * g
                    grads[p] = grads[p] + contribution if p in grads else contribution
            continue
        # Speed: the two slots unrolled, as in backward (no tuples, no zip), one dict read a parent
        p = node._p0
        if p._op != skip:
            contribution = node._d0 * g
            old = get(p)
            grads[p] = contribution if old is None else old + contribution
        p = node._p1
        if p is not None and p._op != skip:
            contribution = node._d1 * g
            old = get(p)
            grads[p] = contribution if old is None else old + contribution
    return tuple(_as_result(grads.get(x, 0.0), create_graph) for x in inputs)


@overload
def jvp(outputs: Values, inputs: Values, tangents: Weights, create_graph: Literal[False] = False) -> tuple[float, ...]: ...
@overload
def jvp(outputs: Values, inputs: Values, tangents: Weights, create_graph: Literal[True]) -> tuple[Value, ...]: ...
@overload
def jvp(outputs: Values, inputs: Values, tangents: Weights, create_graph: bool = False) -> Gradients: ...
def jvp(outputs: Values, inputs: Values, tangents: Weights, create_graph: bool = False) -> Gradients:
    """Forward mode: the Jacobian–vector product of `outputs` with `tangents` at `inputs`.

    Computes ``sum_i d outputs[k] / d inputs[i] * tangents[i]`` for each output in one sweep in
    topological order: a node's tangent is the sum of (local partial × parent's tangent), read
    from the partials the node stored when it was built; nodes no input reaches have tangent 0.
    An input may be an interior node: its tangent adds to what flows into it from earlier
    inputs, so ``jvp`` is the exact transpose of `grad`: ``<v, jvp(u)> == <grad(v), u>`` for
    the same outputs and inputs. Nothing touches ``.grad``. As ``torch.func.jvp`` on a graph.

    Args:
      outputs: a Value or a sequence of Values.
      inputs: a Value or a sequence of Values (leaves or interior nodes).
      tangents: the direction (the "vector" of the JVP): a number or Value per input (a lone
        number for a lone input; a dict, a set or a 0-d array is refused). A tangent of exactly 0
        contributes nothing, structurally, as in PyTorch: an infinite partial reached from it
        alone (sqrt at 0) makes no 0 × inf = nan.
      create_graph: if True, the tangents are Values whose own graph can be differentiated
        again (the op table's partials re-evaluated on Values, as in `grad`); not inside `no_grad`.

    Returns:
      A tuple with one tangent per output: floats, or Values under ``create_graph=True``. An
      output no input reaches gets 0.0 (a constant Value under ``create_graph``).

    Example:
      >>> x, y = Value(3.0), Value(2.0)
      >>> z = x * y + x.exp()
      >>> jvp(z, [x, y], [1.0, 0.0])[0] == grad(z, [x])[0]   # a tangent e_x gives dz/dx
      True
      >>> jvp([z, x * x], [x, y], [0.5, 2.0])                # 0.5 * dz/dx + 2 * dz/dy, ...
      (17.042768461593834, 3.0)
    """
    outputs = _as_values("outputs", outputs, "jvp")
    inputs = _as_values("inputs", inputs, "jvp")
    tangents = _weights("jvp", "tangents", tangents, len(inputs), "input", create_graph)
    seeds: dict[Value, Any] = {}
    for x, t in zip(inputs, tangents):
        # A zero tangent contributes nothing, structurally, as in PyTorch's forward mode: an input
        # seeded with 0.0 is not seeded at all, so an infinite partial downstream of it (sqrt at
        # 0) meets no 0 * inf = nan; jacobian(mode="forward") seeds every input, most with 0.
        if not (t.__class__ is float and t == 0):
            seeds[x] = seeds[x] + t if x in seeds else t
    if create_graph:
        tangent = _jvp_graph(topological_order(*outputs), seeds)
        return tuple(_as_result(tangent.get(out, 0.0), True) for out in outputs)
    tangent = _jvp_floats(outputs, seeds)
    return tuple(0.0 if tangent[out] is None else tangent[out] for out in outputs)


_MISSING = object()  # not yet reached by `_jvp_floats`'s walk (None is reached, no tangent)


def _jvp_floats(outputs: list[Value], seeds: dict[Value, float]) -> dict[Value, Any]:
    # Forward mode in one pass: the depth-first post-order of `topological_order`, each node's
    # tangent computed from the partials it stored as soon as it is emitted (its parents' are
    # final by then). Returns every reached node's tangent, or None where no input reaches it
    # (nothing is multiplied there, so an inf partial such as sqrt's at 0 makes no NaN).
    # Speed (0.75-0.8x the time of that sort followed by a sweep over a dict, which this was): one
    # dict is both the walk's marks and the tangents, and `get` with a default is the membership
    # test and the read in one; a node is marked only when emitted (in a DAG, a node whose
    # parents are being walked cannot be reached again before it is emitted); the walk steps
    # into an operand directly, the node kept in a local, not read back from the path; a leaf is
    # emitted when first reached, never pushed; and an interior input's seed (rare) is looked up
    # only when there is one. Marks in a slot per node made jvp 1.4x faster still, but a ninth
    # slot makes every Value 16 bytes bigger and every build and backward slower (README).
    missing = _MISSING
    tangent: dict[Value, Any] = {x: t for x, t in seeds.items() if x._p0 is None}
    interior = {x: t for x, t in seeds.items() if x._p0 is not None}
    get = tangent.get
    path: list[Value] = []
    push, pop = path.append, path.pop
    p: Any  # a parent: never None where it is read (see below)
    for node in outputs:
        if get(node, missing) is not missing:
            continue
        if node._p0 is None:
            tangent[node] = None
            continue
        while True:  # `node` has parents, and is not emitted yet
            p = node._p0
            t0 = get(p, missing)
            if t0 is missing:
                if p._p0 is not None:  # walk p's parents first, then come back to node
                    push(node)
                    node = p
                    continue
                tangent[p] = t0 = None  # a leaf that is no input
            p = node._p1
            if p is None:  # one operand (tanh, exp, relu ...)
                flow = None if t0 is None else node._d0 * t0
            else:
                t1 = get(p, missing)
                if t1 is missing:
                    if p._p0 is not None:
                        push(node)
                        node = p
                        continue
                    tangent[p] = t1 = None
                if t0 is None:
                    flow = None if t1 is None else node._d1 * t1
                elif t1 is None:
                    flow = node._d0 * t0
                else:
                    flow = node._d0 * t0 + node._d1 * t1
            if interior and node in interior:  # an interior input: its tangent adds to what flows in
                flow = interior[node] if flow is None else flow + interior[node]
            tangent[node] = flow
            if not path:
                break
            node = pop()
    return tangent


def _jvp_graph(order: list[Value], tangent: dict[Value, Any]) -> dict[Value, Any]:
    # create_graph: the op's partials re-evaluated on Values (constants as floats), as in grad.
    for node in order:
        parents = node.parents
        if not parents or not any(p in tangent for p in parents):
            continue
        args = [p.data if p._op == _CONST else p for p in parents]
        flow = None
        for p, local in zip(parents, OPS[node._op].partials(*args, node)):
            t = tangent.get(p)
            if t is not None:
                flow = local * t if flow is None else flow + local * t
        if flow is not None:
            tangent[node] = tangent[node] + flow if node in tangent else flow
    return tangent


def _weights(fn: str, what: str, ws: object, n: int, per: str, create_graph: bool) -> list[Any]:
    # grad's grad_outputs and jvp's tangents: a number or Value per output (input), or one alone;
    # floats, but a Value stays one under create_graph (it is differentiated through).
    if create_graph and not _grad_enabled.get():  # else the result's graph is silently missing
        raise RuntimeError(f"{fn}: create_graph=True inside no_grad(), which records no graph, so the result "
                           f"could not be differentiated again; call {fn}(..., create_graph=True) outside no_grad")
    ws = [ws] if is_number(ws) or isinstance(ws, Value) else \
        ordered(ws, fn, what, f"a number or a sequence of numbers, one per {per}")
    if len(ws) != n:
        raise ValueError(f"{fn}: got {len(ws)} {what} for {n} {per}s; give one per {per}")
    return [w if create_graph and isinstance(w, Value) else w.data if isinstance(w, Value)
            else _seed(fn, f"{what}[{k}]", w) for k, w in enumerate(ws)]


def _as_values(what: str, xs: object, fn: str = "grad") -> list[Value]:
    if isinstance(xs, Value):
        return [xs]
    xs = ordered(xs, fn, what, "a Value or a sequence of Values")
    for x in xs:
        if not isinstance(x, Value):
            raise TypeError(f"{fn}: {what} must be Values, got {type(x).__name__}: {x!r}")
    return xs


def _as_result(g: Any, create_graph: bool) -> Any:
    # A float times a Value is a Value, but a gradient that only met constant partials
    # (d(x + 1)/dx = 1.0), or none (an unrelated input), is still a float: make the type depend
    # on `create_graph` alone.
    return _leaf(g, _CONST) if create_graph and not isinstance(g, Value) else g


class no_grad:
    """Context manager in which ops record no graph: results are leaves with no parents.

    Nestable, and one instance may be shared: by threads, by asyncio tasks, by nested ``with``
    blocks. The switch is a `contextvars.ContextVar`, and so is the stack of states each ``with``
    restores on exit, so every thread and every task has its own (the instance holds nothing).
    Use it for evaluation, optimizer updates, and anything else that should not be
    differentiated. As in PyTorch, ``@no_grad()`` also decorates a function, and so does a bare
    ``@no_grad``.

    Example:
      >>> x = Value(2.0)
      >>> with no_grad():
      ...     y = x * 3
      >>> y.data, y.parents
      (6.0, ())
      >>> @no_grad()
      ... def evaluate(v):
      ...     return v.tanh()
      >>> evaluate(x).parents
      ()
    """

    __slots__ = ()  # no per-use state here: an instance shared by threads or tasks must not mix their states

    # `no_grad()` is the context manager; `no_grad(fn)` (a bare `@no_grad`, as PyTorch allows) is
    # `no_grad()(fn)`, the decorated function: not a no_grad, so Python does not call __init__.
    @overload
    def __new__(cls) -> no_grad: ...
    @overload
    def __new__(cls, fn: Callable[_P, _R]) -> Callable[_P, _R]: ...  # type: ignore[misc]  # a function, not an instance
    def __new__(cls, fn: Callable[_P, _R] | None = None) -> no_grad | Callable[_P, _R]:  # type: ignore[misc]  # as above
        self = super().__new__(cls)
        return self if fn is None else self(fn)

    def __enter__(self) -> no_grad:
        # The state to restore goes on this context's stack (a tuple: a task that copied the
        # context at its creation never sees another task's later pushes).
        _saved_states.set((*_saved_states.get(), _grad_enabled.get()))
        _grad_enabled.set(False)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        saved = _saved_states.get()
        if not saved:
            raise RuntimeError("no_grad: __exit__ without a matching __enter__ in this thread or task; "
                               "use `with no_grad():`, which pairs them")
        _saved_states.set(saved[:-1])
        _grad_enabled.set(saved[-1])
        return False

    def __call__(self, fn: Callable[_P, _R]) -> Callable[_P, _R]:
        """Decorate `fn` so that each call runs inside `no_grad` (safe across threads and tasks).

        An ``async def`` function runs inside `no_grad` until it returns (an asyncio task has its
        own switch, so other tasks keep recording). A generator function is refused: its body runs
        a piece at a time in its caller's context, so a switch held across ``yield`` would leak.

        Args:
          fn: a function or an ``async def`` function.

        Returns:
          The decorated function.

        Example:
          >>> @no_grad()
          ... def recording():
          ...     return is_grad_enabled()
          >>> recording()
          False
        """
        if not callable(fn):
            raise TypeError(f"no_grad: can decorate a function, got {type(fn).__name__}: {fn!r}; "
                            f"as a context manager, write `with no_grad():`")
        if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):  # both see through functools.partial
            inner = fn
            while isinstance(inner, functools.partial):
                inner = inner.func
            name = getattr(inner, "__qualname__", repr(inner))
            raise TypeError(f"no_grad: cannot decorate the generator function {name}: its body runs "
                            f"between yields in the caller's context; use `with no_grad():` inside it")
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def without_grad_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await fn(*args, **kwargs)

            return cast("Callable[_P, _R]", without_grad_async)  # a coroutine function stays one

        @functools.wraps(fn)
        def without_grad(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with self:
                return fn(*args, **kwargs)

        return without_grad


# The states that the open `with no_grad()` blocks of this thread or task restore, innermost last.
_saved_states: ContextVar[tuple[bool, ...]] = ContextVar("dagrad_no_grad_saved_states", default=())


def is_grad_enabled() -> bool:
    """Whether ops record the graph: True, unless inside `no_grad`.

    Returns:
      A bool.

    Example:
      >>> is_grad_enabled()
      True
      >>> with no_grad():
      ...     is_grad_enabled()
      False
    """
    return _grad_enabled.get()
