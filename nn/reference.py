"""The lecture notes' backpropagation in matrix form, on plain Python lists: a check on the engine.

    forward:    z^l = W^l a^(l-1) + b^l,    a^l = σ(z^l),    a^0 = x
    backward:   δ^L = σ'(z^L) ⊙ ∇C(y),      δ^l = σ'(z^l) ⊙ (W^(l+1))^T δ^(l+1)
    gradients:  ∂C/∂w_ij^l = δ_i^l a_j^(l-1),    ∂C/∂b_i^l = δ_i^l

Layers are keyed by l = 1 .. L as in the notes (dicts: ``W[l]``, ``z[l]``, ``delta[l]``, and
``a[0]`` is the input x); within a layer the lists count from 0, so ``W[l][i - 1][j - 1]`` is
w_ij^l. Nothing here uses the engine: σ' and ∇C are written out by hand, so agreeing with the
engine's gradients is evidence that both are right.

Example:
  >>> from nn import MLP
  >>> model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
  >>> W, b = weights_and_biases(model)
  >>> g = backward(W, b, [[0.5, -1.0]], [[1.0]], cost="l1", activation="sigmoid")
  >>> loss = abs(model([0.5, -1.0]) - 1.0)
  >>> loss.backward()
  >>> abs(g.dW[1][2][0] - model.layers[0].neurons[2].w[0].grad) < 1e-12   # ∂C/∂w_31^1
  True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    # W[l]: layer l's weights, a row per neuron; b[l]: its biases; layers counted from 1.
    Weights = dict[int, list[list[float]]]
    Biases = dict[int, list[float]]

__all__ = ["Backprop", "backward", "forward", "weights_and_biases"]


def _sigmoid(z: float) -> float:
    # Two branches so that exp never overflows.
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# σ and σ' written out by hand, independently of the engine's op table: that is the point.
_SIGMA: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    #           σ(z)                      σ'(z)
    "sigmoid": (_sigmoid,                 lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "tanh":    (math.tanh,                lambda z: 1.0 - math.tanh(z) ** 2),
    "relu":    (lambda z: max(z, 0.0),    lambda z: 1.0 if z > 0 else 0.0),
    "linear":  (lambda z: z,              lambda z: 1.0),
}


class Backprop(NamedTuple):
    """What `backward` returns: the cost, its gradients, and every example's δ.

    Attributes:
      cost: C, summed (``"l1"``) or averaged (``"mse"``) over the examples.
      dW: ``dW[l][i - 1][j - 1]`` = ∂C/∂w_ij^l, for l = 1 .. L.
      db: ``db[l][i - 1]`` = ∂C/∂b_i^l.
      delta: ``delta[k][l][i - 1]`` = δ_i^l = ∂C/∂z_i^l for example k (counted from 0).

    Example:
      >>> g = backward({1: [[2.0]]}, {1: [0.0]}, [[1.0]], [[0.0]], cost="mse", activation="linear")
      >>> g.cost, g.dW[1][0][0], g.delta[0][1]     # C = (2x)², δ = 2·2x, ∂C/∂w = δ·x
      (4.0, 4.0, [4.0])
    """

    cost: float
    dW: dict[int, list[list[float]]]
    db: dict[int, list[float]]
    delta: list[dict[int, list[float]]]


def weights_and_biases(model: Any) -> tuple[Weights, Biases]:
    """W^l and b^l of an `nn.MLP` as plain lists of floats, keyed by layer l = 1 .. L.

    Args:
      model: an `nn.MLP` (anything with ``layers`` of ``neurons`` with ``w`` and ``b``).

    Returns:
      ``(W, b)``: ``W[l][i - 1][j - 1]`` = w_ij^l and ``b[l][i - 1]`` = b_i^l.

    Example:
      >>> from nn import MLP
      >>> W, b = weights_and_biases(MLP(2, [3, 1], seed=0))
      >>> [len(W[1]), len(W[1][0])], b[2]
      ([3, 2], [0.0])
    """
    W = {l: [[w.data for w in n.w] for n in layer.neurons] for l, layer in enumerate(model.layers, 1)}
    b = {l: [n.b.data for n in layer.neurons] for l, layer in enumerate(model.layers, 1)}
    return W, b


def forward(W: Weights, b: Biases, x: Sequence[float], activation: str = "sigmoid",
            output_activation: str | None = None) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    """The forward pass z^l = W^l a^(l-1) + b^l, a^l = σ(z^l), from a^0 = x.

    Args:
      W, b: weights and biases keyed by layer, as `weights_and_biases` returns them.
      x: the input, a list of numbers.
      activation: σ of the hidden layers: ``"sigmoid"``, ``"tanh"``, ``"relu"`` or ``"linear"``.
      output_activation: σ of the last layer; ``None`` means the same as `activation`.

    Returns:
      ``(z, a)``: dicts of lists, ``z[l]`` for l = 1 .. L and ``a[l]`` for l = 0 .. L.

    Raises:
      ValueError: the shapes of `W`, `b` and `x` do not fit together, or an unknown activation.

    Example:
      >>> z, a = forward({1: [[1.0, 1.0]]}, {1: [0.0]}, [0.5, -0.5], activation="sigmoid")
      >>> z[1], a[1]
      ([0.0], [0.5])
    """
    return _forward(W, b, x, activation, output_activation, "forward")


def _forward(W: Weights, b: Biases, x: Sequence[float], activation: str, output_activation: str | None,
             who: str) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    """`forward`, its errors naming `who` (the function the user called: `forward` or `backward`)."""
    L = len(W)
    if list(W) != list(range(1, L + 1)) or sorted(b) != list(W):
        raise ValueError(f"{who}: W and b must be keyed by the layers 1 .. L, in order, got W: {list(W)}, b: {list(b)}")
    z: dict[int, list[float]]
    a: dict[int, list[float]]
    z, a = {}, {0: list(x)}
    for l in range(1, L + 1):
        # zip would silently drop the extra entries of a mismatched vector: a wrong answer, not an error.
        if len(b[l]) != len(W[l]):
            raise ValueError(f"{who}: W^{l} has {len(W[l])} rows but b^{l} has {len(b[l])} entries; give one bias per row")
        if any(len(row) != len(a[l - 1]) for row in W[l]):
            raise ValueError(f"{who}: every row of W^{l} needs {len(a[l - 1])} entries, one per entry of a^{l - 1}, "
                             f"got rows of {sorted({len(row) for row in W[l]})}")
        sigma = _sigma(activation, output_activation, l, L, who)[0]
        z[l] = _add(_matvec(W[l], a[l - 1]), b[l])
        a[l] = [sigma(z_i) for z_i in z[l]]
    return z, a


def backward(W: Weights, b: Biases, xs: Sequence[Sequence[float]], targets: Sequence[Sequence[float]], cost: str = "l1",
             activation: str = "sigmoid", output_activation: str | None = None) -> Backprop:
    """Backpropagation as in the notes: δ from layer L down to 1, then ∂C/∂w and ∂C/∂b from δ.

    The costs, with y = f(x_k) the output and ŷ_k the target of example k:

    - ``"l1"``: C = Σ_k Σ_i |ŷ_ki − y_i|, the notes' C(θ); ∇C(y) = sign(y − ŷ_k) (keep y ≠ ŷ).
    - ``"mse"``: C = (1/N) Σ_k Σ_i (y_i − ŷ_ki)², N the number of outputs in all; ∇C(y) = 2(y − ŷ_k)/N.

    Args:
      W, b: weights and biases keyed by layer, as `weights_and_biases` returns them.
      xs: the inputs x_k, a list of lists of numbers.
      targets: the targets ŷ_k, one list (as long as the output) per input.
      cost: ``"l1"`` or ``"mse"``.
      activation, output_activation: as for `forward`.

    Returns:
      A `Backprop`: the cost, ``dW`` and ``db`` summed over the examples, and each example's δ.

    Raises:
      ValueError: an unknown cost or activation, shapes that do not fit, or not one target per input.

    Example:
      >>> g = backward({1: [[1.0]]}, {1: [0.0]}, [[2.0]], [[0.0]], cost="l1", activation="linear")
      >>> g.cost, g.dW[1], g.db[1]      # C = |0 − w·2|: ∂C/∂w = sign(2)·2
      (2.0, [[2.0]], [1.0])
    """
    if cost not in ("l1", "mse"):
        raise ValueError(f"backward: cost must be 'l1' or 'mse', got {cost!r}")
    if len(xs) != len(targets) or not xs:
        raise ValueError(f"backward: need one target per input and at least one of each, got {len(xs)} inputs "
                         f"and {len(targets)} targets")
    L = len(W)
    N = sum(len(t) for t in targets)
    C: float
    deltas: list[dict[int, list[float]]]
    C, deltas = 0.0, []
    dW = {l: [[0.0] * len(row) for row in W[l]] for l in W}
    db = {l: [0.0] * len(b[l]) for l in b}
    for x, y_hat in zip(xs, targets):
        z, a = _forward(W, b, x, activation, output_activation, "backward")
        y = a[L]
        if len(y_hat) != len(y):
            raise ValueError(f"backward: a target has {len(y_hat)} entries, but the network has {len(y)} outputs")
        if cost == "l1":
            C += sum(abs(t - y_i) for y_i, t in zip(y, y_hat))
            grad_C = [math.copysign(1.0, y_i - t) if y_i != t else 0.0 for y_i, t in zip(y, y_hat)]
        else:
            C += sum((y_i - t) ** 2 for y_i, t in zip(y, y_hat)) / N
            grad_C = [2.0 * (y_i - t) / N for y_i, t in zip(y, y_hat)]
        delta = {L: _hadamard(_sigma_prime(activation, output_activation, L, L, z[L]), grad_C)}
        for l in range(L - 1, 0, -1):
            delta[l] = _hadamard(_sigma_prime(activation, output_activation, l, L, z[l]),
                                 _matvec(_transpose(W[l + 1]), delta[l + 1]))
        for l in range(1, L + 1):
            for i, delta_i in enumerate(delta[l]):
                db[l][i] += delta_i                       # ∂C/∂b_i^l = δ_i^l
                for j, a_j in enumerate(a[l - 1]):
                    dW[l][i][j] += delta_i * a_j          # ∂C/∂w_ij^l = δ_i^l a_j^(l-1)
        deltas.append(delta)
    return Backprop(C, dW, db, deltas)


# --- the linear algebra, on lists ------------------------------------------------------------

def _matvec(M: list[list[float]], v: list[float]) -> list[float]: return [sum(m_j * v_j for m_j, v_j in zip(row, v)) for row in M]
def _transpose(M: list[list[float]]) -> list[list[float]]: return [list(col) for col in zip(*M)]
def _add(u: list[float], v: list[float]) -> list[float]: return [u_i + v_i for u_i, v_i in zip(u, v)]
def _hadamard(u: list[float], v: list[float]) -> list[float]: return [u_i * v_i for u_i, v_i in zip(u, v)]


def _sigma(activation: str, output_activation: str | None, l: int, L: int,
           who: str) -> tuple[Callable[[float], float], Callable[[float], float]]:
    name = (output_activation or activation) if l == L else activation
    if name not in _SIGMA:
        what = "output_activation" if l == L and output_activation else "activation"
        raise ValueError(f"{who}: {what} must be one of {', '.join(map(repr, _SIGMA))}, got {name!r}")
    return _SIGMA[name]


def _sigma_prime(activation: str, output_activation: str | None, l: int, L: int, z: list[float]) -> list[float]:
    """σ'(z^l), the elementwise derivative of layer l's activation."""
    derivative = _sigma(activation, output_activation, l, L, "backward")[1]  # only backward asks
    return [derivative(z_i) for z_i in z]
