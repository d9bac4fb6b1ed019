"""The peer engine: micrograd 0.1.0, with the two ops W1 needs added in micrograd's own style.

micrograd's `Value` has ``+ * **`` and ``relu`` and the ops derived from them, but no ``tanh`` or
``exp``. For a fair W1 this module adds both the way micrograd writes every op (and Karpathy's
lecture writes these two): a closure per node that adds the local derivative times ``out.grad``
into the operand's ``.grad``. This is the peer's code, written for the benchmark, not dagrad's.

`micrograd` is None when the package is not installed (``pip install 'dagrad[bench]'``).
"""

import contextlib
import math
import sys

try:
    import micrograd
    from micrograd.engine import Value
    from micrograd.nn import MLP
except ImportError:  # the benchmark then measures dagrad alone and says so
    micrograd = Value = MLP = None

__all__ = ["micrograd", "Value", "MLP", "recursion_limit"]


# --- the peer's extension: tanh and exp, a closure per node as in micrograd -------------------

def _tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t ** 2) * out.grad
    out._backward = _backward
    return out


def _exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad
    out._backward = _backward
    return out


if Value is not None:
    Value.tanh, Value.exp = _tanh, _exp


@contextlib.contextmanager
def recursion_limit(depth):
    """Let micrograd's backward sort a graph `depth` nodes deep, then restore the limit.

    micrograd's ``backward`` sorts the graph with a recursive function, one Python call per node
    of the longest path: a 200,000-op chain needs a recursion limit above 200,000 (Python's
    default is 1,000). dagrad's walks are iterative and run at the default.

    Example:
      >>> with recursion_limit(10_000):
      ...     sys.getrecursionlimit() >= 10_000
      True
    """
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, depth + 1_000))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)
