"""The engine: a scalar `Value`, the table of primitive ops, and reverse-mode differentiation.

Every primitive op is one row of `OPS`: its forward on floats and its partial derivatives,
side by side. A node stores its parents and the partials evaluated at the forward values, so
`backward()` is a loop of multiply-adds over data, not a chain of closures. The partials are
written with operators that work on floats *and* on Values, so `grad(..., create_graph=True)`
re-evaluates the same rows on Values to get derivatives that can be differentiated again.
"""

import math
import numbers
from contextvars import ContextVar
from typing import Callable, NamedTuple

__all__ = ["Value", "Op", "OPS", "grad", "no_grad", "is_grad_enabled", "topological_order"]


class Op(NamedTuple):
    """One primitive: forward on floats, partials on floats or Values, and where it is smooth.

    Attributes:
      forward: ``(*inputs: float) -> float``; raises a clear error outside the op's domain.
      partials: ``(*inputs, out) -> tuple``, one partial derivative of ``out`` per input,
        written with operators and `Value` methods so the same rule works on floats and Values.
      domain: ``(*inputs: float) -> bool``, True where the forward and its partials are finite and
        smooth (used by the tests and `autograd.strategies`; the forward does its own checking).
      kinks: points of an input where the derivative jumps (tests keep finite differences away).
    """

    forward: Callable
    partials: Callable
    domain: Callable = lambda *inputs: True
    kinks: tuple = ()


# --- forwards that need care: each raises an error naming the op and the value ---------------

def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp: result overflows a float, got input {x!r} (exp overflows above ~709.78)") from None


def _log(x):
    if x <= 0:
        raise ValueError(f"log: input must be > 0, got {x!r}")
    return math.log(x)


def _sqrt(x):
    if x < 0:
        raise ValueError(f"sqrt: input must be >= 0, got {x!r}")
    return math.sqrt(x)


def _div(x, y):
    if y == 0:
        raise ZeroDivisionError(f"/: division by zero ({x!r} / {y!r})")
    return x / y


def _pow(x, n, op="**"):
    if x == 0 and n < 0:
        raise ZeroDivisionError(f"{op}: 0.0 cannot be raised to a negative power, got exponent {n!r}")
    if x < 0 and n != int(n):
        raise ValueError(f"{op}: a negative base needs an integer exponent (no complex results), got {x!r} ** {n!r}")
    try:
        return x ** n
    except OverflowError:
        raise OverflowError(f"{op}: result overflows a float, got {x!r} ** {n!r}") from None


def _pow_value(x, y):
    if x <= 0:
        raise ValueError(f"pow: the base must be > 0 when the exponent is a Value, got base {x!r}")
    return _pow(x, y, "pow")


def _sigmoid(x):
    # Two branches so that exp never overflows: for x = -1000, exp(x) underflows to 0.0 instead.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# Elementary functions the partials need, on floats or Values (a float `sin` is math.sin).
def _sin(x): return x.sin() if isinstance(x, Value) else math.sin(x)
def _cos(x): return x.cos() if isinstance(x, Value) else math.cos(x)
def _ln(x): return x.log() if isinstance(x, Value) else _log(x)
# The derivative of a step is 0 almost everywhere: a constant, also when building a graph.
def _step(x): return 1.0 if getattr(x, "data", x) > 0 else 0.0
def _sign(x): x = getattr(x, "data", x); return (x > 0) - (x < 0) + 0.0


# --- the op table: forward and partial derivatives side by side -------------------------------
# An infinite derivative (sqrt and x ** 0.5 at 0) is inf, as in PyTorch; `v != 0` is always
# True for a Value, so the graph-building path keeps the formula.
OPS = {
    #        forward            partials(inputs..., out)
    "+":     Op(float.__add__,  lambda x, y, out: (1.0, 1.0)),
    "-":     Op(float.__sub__,  lambda x, y, out: (1.0, -1.0)),
    "*":     Op(float.__mul__,  lambda x, y, out: (y, x)),
    "/":     Op(_div,           lambda x, y, out: (1.0 / y, -out / y),
                domain=lambda x, y: y != 0),
    "neg":   Op(float.__neg__,  lambda x, out: (-1.0,)),
    "**":    Op(_pow,           lambda x, n, out: (n * x ** (n - 1) if x != 0 or n >= 1 else math.inf, 0.0),
                domain=lambda x, n: x > 0 or (x != 0 and n == int(n))),
    "pow":   Op(_pow_value,     lambda x, y, out: (y * x ** (y - 1), out * _ln(x)),
                domain=lambda x, y: x > 0),
    "exp":   Op(_exp,           lambda x, out: (out,),
                domain=lambda x: x < 700),
    "log":   Op(_log,           lambda x, out: (1.0 / x,),
                domain=lambda x: x > 0),
    "tanh":  Op(math.tanh,      lambda x, out: (1.0 - out * out,)),
    "sigmoid": Op(_sigmoid,     lambda x, out: (out * (1.0 - out),)),
    "relu":  Op(lambda x: x if x > 0 else 0.0, lambda x, out: (_step(x),), kinks=(0.0,)),
    "sin":   Op(math.sin,       lambda x, out: (_cos(x),)),
    "cos":   Op(math.cos,       lambda x, out: (-_sin(x),)),
    "sqrt":  Op(_sqrt,          lambda x, out: (0.5 / out if out != 0 else math.inf,),
                domain=lambda x: x > 0),
    "abs":   Op(abs,            lambda x, out: (_sign(x),), kinks=(0.0,)),
}

# The exponent of `x ** 2` is a constant operand: it gets no gradient (its partial above is 0.0)
# and is passed to the partials as a float, so `create_graph` never differentiates through it.
_CONST = "const"

_grad_enabled = ContextVar("dagrad_grad_enabled", default=True)


class Value:
    """A scalar in a computation graph: its value, its gradient, and how it was computed.

    Args:
      data: a real number (int or float; stored as a Python float).
      label: an optional name, shown by `repr`-adjacent tools such as `draw_dot`.

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

    # Nodes are data, not code: slots keep a node small, and the parents and their partials
    # share one flat tuple (p0, d0, p1, d1, ...) to save a tuple allocation per node.
    __slots__ = ("data", "grad", "_edges", "_op", "label")

    def __init__(self, data, label=""):
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"Value: data must be a real number (int or float), got {type(data).__name__}: {data!r}")
        self.data = float(data)
        self.grad = 0.0
        self._edges = ()
        self._op = ""
        self.label = label

    parents = property(lambda self: self._edges[::2], doc="The operands, in operand order.")
    local_grads = property(lambda self: self._edges[1::2], doc="d(self)/d(parent) for each parent.")
    op = property(lambda self: self._op, doc="The op that produced this node; '' for a leaf.")

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    # --- building nodes ---------------------------------------------------------------------

    def _apply(self, name, *others):
        """Apply the primitive `name` to self and `others` (Values or numbers)."""
        args = (self,) + tuple(_as_value(o) for o in others)
        fwd, partials = OPS[name][:2]
        xs = [a.data for a in args]
        out = fwd(*xs)
        if not _grad_enabled.get():
            return _leaf(out)
        node = Value.__new__(Value)  # skip __init__: `out` is a float we made
        node.data = out
        node.grad = 0.0
        # zip(parents, partials) flattened into (p0, d0, p1, d1, ...)
        node._edges = tuple(e for pair in zip(args, partials(*xs, out)) for e in pair)
        node._op = name
        node.label = ""
        return node

    def __add__(self, other): return self._apply("+", other) if _is_operand(other) else NotImplemented
    def __radd__(self, other): return _as_value(other)._apply("+", self) if _is_operand(other) else NotImplemented
    def __sub__(self, other): return self._apply("-", other) if _is_operand(other) else NotImplemented
    def __rsub__(self, other): return _as_value(other)._apply("-", self) if _is_operand(other) else NotImplemented
    def __mul__(self, other): return self._apply("*", other) if _is_operand(other) else NotImplemented
    def __rmul__(self, other): return _as_value(other)._apply("*", self) if _is_operand(other) else NotImplemented
    def __truediv__(self, other): return self._apply("/", other) if _is_operand(other) else NotImplemented
    def __rtruediv__(self, other): return _as_value(other)._apply("/", self) if _is_operand(other) else NotImplemented
    def __neg__(self): return self._apply("neg")
    def __abs__(self): return self._apply("abs")

    def __pow__(self, other):
        if isinstance(other, Value):
            return self._apply("pow", other)
        return self._apply("**", _const(other)) if _is_operand(other) else NotImplemented

    def __rpow__(self, other): return _as_value(other)._apply("pow", self) if _is_operand(other) else NotImplemented

    def exp(self): """e ** self. Example: ``Value(0.0).exp().data == 1.0``."""; return self._apply("exp")
    def log(self): """Natural log; self must be > 0. Example: ``Value(1.0).log().data == 0.0``."""; return self._apply("log")
    def tanh(self): """Hyperbolic tangent. Example: ``Value(0.0).tanh().data == 0.0``."""; return self._apply("tanh")
    def sigmoid(self): """1 / (1 + e ** -self), overflow-free. Example: ``Value(0.0).sigmoid().data == 0.5``."""; return self._apply("sigmoid")
    def relu(self): """max(self, 0); derivative 0 at 0. Example: ``Value(-2.0).relu().data == 0.0``."""; return self._apply("relu")
    def sin(self): """Sine. Example: ``Value(0.0).sin().data == 0.0``."""; return self._apply("sin")
    def cos(self): """Cosine. Example: ``Value(0.0).cos().data == 1.0``."""; return self._apply("cos")
    def sqrt(self): """Square root; self must be >= 0. Example: ``Value(4.0).sqrt().data == 2.0``."""; return self._apply("sqrt")
    def abs(self): """|self|; derivative 0 at 0. Example: ``Value(-2.0).abs().data == 2.0``."""; return self._apply("abs")

    # --- differentiating ---------------------------------------------------------------------

    def backward(self, grad=1.0):
        """Fill in ``.grad`` of every node this one depends on: d(self)/d(node) times `grad`.

        Interior nodes are reset first, so they show the gradient of the latest call; leaves
        accumulate across calls until zeroed (as in PyTorch), so calling ``y.backward()`` twice
        doubles every leaf's ``.grad`` exactly.

        Args:
          grad: the gradient of the final objective with respect to this node (default 1.0).

        Example:
          >>> a = Value(2.0)
          >>> b = a * a + a          # a is used three times: contributions add up
          >>> b.backward()
          >>> a.grad
          5.0
        """
        order = topological_order(self)
        for node in order:
            if node._edges:
                node.grad = 0.0
        self.grad += float(grad)
        for node in reversed(order):
            edges = node._edges
            if edges:
                g = node.grad
                it = iter(edges)
                for parent, local in zip(it, it):  # pairs (p0, d0), (p1, d1), ...
                    parent.grad += local * g


def _is_operand(x):
    return isinstance(x, Value) or (isinstance(x, numbers.Real) and not isinstance(x, bool))


def _leaf(data):
    node = Value.__new__(Value)  # skip __init__'s type check: `data` is a float we made
    node.data, node.grad, node._edges, node._op, node.label = data, 0.0, (), "", ""
    return node


def _const(x):
    node = _leaf(float(x))
    node._op = _CONST
    return node


def _as_value(x):
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"Value: cannot combine a Value with {type(x).__name__}: {x!r}")
    return _const(x)


def topological_order(*roots):
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
    # Kahn's algorithm from the roots down: a node is emitted once all of its consumers have
    # been, which needs no recursion and no per-visit tuples. Pass 1 counts consumers.
    consumers = {}
    stack = list(roots)
    for r in roots:
        consumers.setdefault(r, 0)
    while stack:
        edges = stack.pop()._edges
        for i in range(0, len(edges), 2):
            p = edges[i]
            n = consumers.get(p)
            if n is None:
                consumers[p] = 1
                stack.append(p)
            else:
                consumers[p] = n + 1
    order = []
    ready = [r for r in dict.fromkeys(roots) if consumers[r] == 0]
    while ready:
        node = ready.pop()
        order.append(node)
        edges = node._edges
        # Parents pushed first-to-last come off the stack last-to-first, so once the list is
        # reversed the order reads left to right: x's subgraph before y's in x * y.
        for i in range(0, len(edges), 2):
            p = edges[i]
            n = consumers[p] - 1
            consumers[p] = n
            if n == 0:
                ready.append(p)
    order.reverse()
    return order


def grad(outputs, inputs, grad_outputs=None, create_graph=False):
    """Gradients of `outputs` with respect to `inputs`: the vector–Jacobian product.

    Computes ``sum_k grad_outputs[k] * d outputs[k] / d inputs[i]`` for each input, without
    touching any ``.grad``. As ``torch.autograd.grad``.

    Args:
      outputs: a Value or a sequence of Values.
      inputs: a Value or a sequence of Values (leaves or interior nodes).
      grad_outputs: the weights of the outputs (the "vector" of the VJP): a number or Value per
        output; default 1.0 each.
      create_graph: if True, the gradients are Values whose own graph can be differentiated
        again (second and higher derivatives, Hessian–vector products).

    Returns:
      A tuple with one gradient per input: floats, or Values under ``create_graph=True``. An
      input the outputs do not depend on gets 0.0 (a constant Value under ``create_graph``).

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
    if grad_outputs is None:
        grad_outputs = [1.0] * len(outputs)
    else:
        grad_outputs = [grad_outputs] if _is_operand(grad_outputs) else list(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs; give one per output")
    grads = {}
    for out, g in zip(outputs, grad_outputs):
        g = g if create_graph and isinstance(g, Value) else float(getattr(g, "data", g))
        grads[out] = grads[out] + g if out in grads else g
    for node in reversed(topological_order(*outputs)):
        g = grads.get(node)
        edges = node._edges
        if g is None or not edges:
            continue
        parents = edges[::2]
        if create_graph:
            # Re-evaluate the op's partials on Values (constants as floats) to record them.
            args = [p.data if p._op == _CONST else p for p in parents]
            locals_ = OPS[node._op].partials(*args, node)
        else:
            locals_ = edges[1::2]
        for p, local in zip(parents, locals_):
            if p._op != _CONST:
                contribution = local * g
                grads[p] = grads[p] + contribution if p in grads else contribution
    zero = _const(0.0) if create_graph else 0.0
    return tuple(_as_result(grads.get(x, zero), create_graph) for x in inputs)


def _as_values(what, xs):
    xs = [xs] if isinstance(xs, Value) else list(xs)
    for x in xs:
        if not isinstance(x, Value):
            raise TypeError(f"grad: {what} must be Values, got {type(x).__name__}: {x!r}")
    return xs


def _as_result(g, create_graph):
    # A float times a Value is a Value, but a gradient that only met constant partials
    # (d(x + 1)/dx = 1.0) is still a float: make the type depend on `create_graph` alone.
    if create_graph:
        return g if isinstance(g, Value) else _const(g)
    return g


class no_grad:
    """Context manager in which ops record no graph: results are leaves with no parents.

    Nestable and thread-safe (the switch is a `contextvars.ContextVar`). Use it for evaluation,
    optimizer updates, and anything else that should not be differentiated.

    Example:
      >>> x = Value(2.0)
      >>> with no_grad():
      ...     y = x * 3
      >>> y.data, y.parents
      (6.0, ())
    """

    __slots__ = ("_tokens",)

    def __init__(self):
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_grad_enabled.set(False))
        return self

    def __exit__(self, *exc):
        _grad_enabled.reset(self._tokens.pop())
        return False


def is_grad_enabled():
    """True unless inside `no_grad`. Example: ``is_grad_enabled()`` is True at top level."""
    return _grad_enabled.get()
