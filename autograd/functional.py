"""Derivatives of functions rather than of graphs, with ``torch.autograd.functional``'s names.

Each function takes `f`, a Python function of Values (one per input) returning a Value or a list
or tuple of Values, and `inputs`, the point (a list of numbers). It makes a leaf Value per input,
calls `f` once to record the graph, and differentiates that graph: in reverse mode with
`autograd.grad` (one sweep per output), in forward mode with `autograd.jvp` (one sweep per
input), or both (`hvp`: forward over reverse).

Example:
  >>> from autograd.functional import jacobian
  >>> f = lambda x, y: [x * y, x + y.exp()]
  >>> jacobian(f, [2.0, 0.0])                        # rows: outputs; columns: inputs
  [[0.0, 2.0], [1.0, 1.0]]
  >>> jacobian(f, [2.0, 0.0], mode="forward")        # column by column: the same numbers
  [[0.0, 2.0], [1.0, 1.0]]
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from autograd import engine
from autograd._checks import cannot_take, finite, is_number, ordered
from autograd.engine import Value, grad, is_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp"]

if TYPE_CHECKING:
    from autograd._types import Function, Numbers


def vjp(f: Function, inputs: Numbers, v: Numbers | None = None) -> tuple[float | list[float], list[float]]:
    """The vector–Jacobian product of `f` at `inputs` with `v` (reverse mode, one sweep).

    Args:
      f: a function of one Value per input, returning a Value or a list/tuple of Values.
      inputs: the point: a number or a sequence of numbers.
      v: the weights of the outputs, one number per output; may be left out (1.0) when `f`
        returns one Value, as in PyTorch.

    Returns:
      ``(outputs, vjp)``: outputs is a float for an `f` returning a Value, else a list of floats;
      vjp is a list with one float per input, ``sum_k v[k] * d f_k / d inputs[j]``.

    Example:
      >>> from autograd.functional import vjp
      >>> vjp(lambda x, y: [x * y, x + y], [2.0, 3.0], [1.0, 10.0])
      ([6.0, 5.0], [13.0, 12.0])
      >>> vjp(lambda x: x * x, [3.0])
      (9.0, [6.0])
    """
    call = _call("vjp", f, inputs)
    if v is None and call.scalar:
        v = 1.0
    weights = _vector("vjp", "v", v, len(call.outputs), "output")
    return call.values(), list(grad(call.outputs, call.leaves, weights))


def jvp(f: Function, inputs: Numbers, v: Numbers | None = None) -> tuple[float | list[float], float | list[float]]:
    """The Jacobian–vector product of `f` at `inputs` with `v` (forward mode, one sweep).

    Args:
      f: a function of one Value per input, returning a Value or a list/tuple of Values.
      inputs: the point: a number or a sequence of numbers.
      v: the direction, one number per input; may be left out (1.0) when there is one input.

    Returns:
      ``(outputs, jvp)``: for an `f` returning a Value, two floats; else two lists of floats,
      jvp holding ``sum_j d f_k / d inputs[j] * v[j]`` for each output k.

    Example:
      >>> from autograd.functional import jvp
      >>> jvp(lambda x, y: [x * y, x + y], [2.0, 3.0], [1.0, 10.0])
      ([6.0, 5.0], [23.0, 11.0])
      >>> jvp(lambda x: x * x, [3.0])
      (9.0, 6.0)
    """
    call = _call("jvp", f, inputs)
    if v is None and len(call.leaves) == 1:
        v = 1.0
    tangents = _vector("jvp", "v", v, len(call.leaves), "input")
    products = engine.jvp(call.outputs, call.leaves, tangents)
    return call.values(), products[0] if call.scalar else list(products)


def jacobian(f: Function, inputs: Numbers, mode: str = "reverse") -> list[list[float]]:
    """The Jacobian of `f` at `inputs`: m rows (outputs) of n columns (inputs).

    ``mode="reverse"`` builds it row by row, one `grad` sweep per output (m sweeps: the cheap
    way for few outputs, as a loss); ``mode="forward"`` column by column, one `jvp` sweep per
    input (n sweeps: the cheap way for few inputs). Both add up the same products of partials
    along the same paths, in different orders, so they agree to rounding.

    Args:
      f: a function of one Value per input, returning a Value or a list/tuple of Values.
      inputs: the point: a number or a sequence of numbers.
      mode: ``"reverse"`` (default) or ``"forward"``.

    Returns:
      A list of m lists of n floats (an `f` returning one Value gives one row).

    Example:
      >>> from autograd.functional import jacobian
      >>> jacobian(lambda x, y: x * y, [2.0, 3.0])
      [[3.0, 2.0]]
      >>> jacobian(lambda x: [x, x * x, x * x * x], [2.0], mode="forward")
      [[1.0], [4.0], [12.0]]
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    call = _call("jacobian", f, inputs)
    n = len(call.leaves)
    if mode == "reverse":
        return [list(grad(out, call.leaves)) for out in call.outputs]
    columns = [engine.jvp(call.outputs, call.leaves, [float(i == j) for i in range(n)]) for j in range(n)]
    return [list(row) for row in zip(*columns)]


def hessian(f: Callable[..., Value], inputs: Numbers) -> list[list[float]]:
    """The Hessian of a scalar `f` at `inputs`: n × n second derivatives, symmetric to rounding.

    Reverse over reverse: the gradient as a graph (``grad(..., create_graph=True)``), then one
    reverse sweep of each gradient entry.

    Args:
      f: a function of one Value per input, returning one Value.
      inputs: the point: a number or a sequence of numbers.

    Returns:
      A list of n lists of n floats: ``H[i][j] = d2 f / d inputs[i] d inputs[j]``.

    Example:
      >>> from autograd.functional import hessian
      >>> hessian(lambda x, y: x * x * y, [2.0, 3.0])
      [[6.0, 4.0], [4.0, 0.0]]
    """
    call = _call("hessian", f, inputs, scalar=True)
    first = grad(call.outputs, call.leaves, create_graph=True)
    return [list(grad(g, call.leaves)) for g in first]


def hvp(f: Callable[..., Value], inputs: Numbers, v: Numbers) -> list[float]:
    """The Hessian of a scalar `f` at `inputs` times `v`, without forming the Hessian.

    Forward over reverse: the gradient as a graph (``grad(..., create_graph=True)``), then one
    forward sweep (`autograd.jvp`) through it in direction `v`, so it costs a few gradients
    whatever the number of inputs. (Unlike ``torch.autograd.functional.hvp``, which also returns
    ``f``'s value, it returns the product alone.)

    Args:
      f: a function of one Value per input, returning one Value.
      inputs: the point: a number or a sequence of numbers.
      v: the vector, one number per input.

    Returns:
      A list of n floats: ``sum_j H[i][j] * v[j]`` for each input i.

    Example:
      >>> from autograd.functional import hvp
      >>> hvp(lambda x, y: x * x * y, [2.0, 3.0], [1.0, 0.0])   # the first column of the Hessian
      [6.0, 4.0]
    """
    call = _call("hvp", f, inputs, scalar=True)
    tangents = _vector("hvp", "v", v, len(call.leaves), "input")
    first = grad(call.outputs, call.leaves, create_graph=True)
    return list(engine.jvp(first, call.leaves, tangents))


# --- checking arguments, and calling f once ---------------------------------------------------

class _Call(NamedTuple):
    """`f` evaluated at the point: its leaves, its outputs (a list) and whether it returned one Value."""

    leaves: list[Value]
    outputs: list[Value]
    scalar: bool

    def values(self) -> float | list[float]:
        """The outputs' values as the functional API returns them: a float, or a list of floats."""
        return self.outputs[0].data if self.scalar else [out.data for out in self.outputs]


def _call(what: str, f: Callable[..., object], inputs: object, scalar: bool = False) -> _Call:
    """Check `f` and `inputs`, make a leaf per input, call f, and check what it returned.

    `scalar`: the function needs one output (a Hessian): a list of several is refused.
    """
    if not callable(f):
        raise TypeError(f"{what}: f must be a function of Values (one per input), got {type(f).__name__}: {f!r}")
    leaves = [Value(x, label=f"x{j}") for j, x in enumerate(_point(what, inputs))]
    if not is_grad_enabled():  # f would record no graph, and every derivative would come out 0
        raise RuntimeError(f"{what}: called inside no_grad(), where f records no graph; call it outside no_grad")
    why = cannot_take(f, leaves)
    if why:
        raise TypeError(f"{what}: f cannot take {len(leaves)} Value(s), one per input ({why}); "
                        f"give one number in inputs per parameter of f")
    result = f(*leaves)
    if isinstance(result, Value):
        outputs = [result]
    elif isinstance(result, (list, tuple)) and result and all(isinstance(o, Value) for o in result):
        outputs = list(result)
    else:
        raise TypeError(f"{what}: f must return a Value or a non-empty list or tuple of Values (built from the "
                        f"Values it is given), got {type(result).__name__}: {result!r}")
    if scalar and len(outputs) != 1:
        raise ValueError(f"{what}: f must return one Value (a scalar function), got {len(outputs)} Values; "
                         f"use jacobian for a function with several outputs")
    return _Call(leaves, outputs, isinstance(result, Value))


def _point(what: str, inputs: Any) -> list[float]:
    """The inputs as a non-empty list of finite floats; a clear error naming `what` otherwise."""
    inputs = [inputs] if isinstance(inputs, (numbers.Real, Value)) else \
        ordered(inputs, what, "inputs", "a number or a sequence of numbers")
    xs = []
    for j, x in enumerate(inputs):
        if isinstance(x, Value):
            raise TypeError(f"{what}: inputs must be numbers ({what} makes a leaf Value for each), "
                            f"got a Value at inputs[{j}]: {x!r}; pass its .data")
        xs.append(finite(x, f"{what}: inputs[{j}]"))
    if not xs:
        raise ValueError(f"{what}: inputs is empty; give at least one number")
    return xs


def _vector(what: str, name: str, v: Any, count: int, per: str) -> list[float]:
    """`v` as `count` finite floats, one per `per` ("input", "output of f")."""
    if v is None:
        raise TypeError(f"{what}: {name} is needed: give one number per {per} ({count})")
    rule = f"a sequence of numbers, one per {per}"
    if isinstance(v, Value):
        raise TypeError(f"{what}: {name} must be {rule}, got a Value: {v!r}; pass its .data")
    xs = [finite(x, f"{what}: {name}[{k}]") for k, x in enumerate([v] if is_number(v) else ordered(v, what, name, rule))]
    if len(xs) != count:
        raise ValueError(f"{what}: {name} has {len(xs)} entries for {count} {per}s; give one per {per}")
    return xs
