"""Loss functions: predictions (Values or floats) and targets (numbers) in, one scalar Value out.

Each loss accepts one prediction and one target, or equal-length sequences of them, and a
`reduction` as in PyTorch: ``"mean"`` (the default), ``"sum"``, or ``"none"`` (a list with one
loss per example). The losses are built from engine ops, so ``loss.backward()`` reaches every
parameter that made the predictions. Every node a loss makes is labelled after what it is
(``error_1``, ``margin_2`` = y·s, ``shortfall_2`` = 1 − margin, ``loss_1``, the reduced ``loss``), so a drawing of the graph names them.

Example:
  >>> from autograd import Value
  >>> w = Value(0.5)
  >>> loss = mse_loss([w * 1.0, w * 2.0], [1.0, 2.0])
  >>> loss.backward()
  >>> loss.data, w.grad
  (0.625, -2.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args, overload

from autograd._checks import finite, is_int, is_number, ordered
from autograd.engine import Value

if TYPE_CHECKING:
    from autograd._types import Scalar

    # One example or several: a prediction (a Value or a float) or a sequence of them, and targets.
    Predictions = Scalar | Sequence[Scalar]
    Targets = float | Sequence[float]
    # cross_entropy: one row of logits (one per class) or a batch of rows, and class indices.
    Logits = Sequence[Scalar] | Sequence[Sequence[Scalar]]
    Classes = int | Sequence[int]

__all__ = ["Reduction", "binary_cross_entropy", "cross_entropy", "hinge_loss", "l1_loss", "mse_loss"]

# What a loss does with the per-example losses: a Literal, so a checker refuses "avg" (a str
# variable needs this annotation too); the run-time check reads the same three words from it.
Reduction = Literal["mean", "sum", "none"]
_REDUCTIONS: tuple[str, ...] = get_args(Reduction)


# The result's type follows `reduction`: a list for "none", else one Value.
@overload
def mse_loss(predictions: Predictions, targets: Targets, reduction: Literal["mean", "sum"] = "mean") -> Value: ...
@overload
def mse_loss(predictions: Predictions, targets: Targets, reduction: Literal["none"]) -> list[Value]: ...
def mse_loss(predictions: Predictions, targets: Targets, reduction: Reduction = "mean") -> Value | list[Value]:
    """Squared error (ŷ − y)², averaged (or summed) over examples; as ``torch.nn.functional.mse_loss``.

    Args:
      predictions: a Value or float, or a sequence of them.
      targets: a number, or a sequence of numbers as long as `predictions`.
      reduction: ``"mean"``, ``"sum"`` or ``"none"`` (a list of per-example losses).

    Returns:
      A Value (a list of Values for ``reduction="none"``).

    Example:
      >>> mse_loss([1.0, 3.0], [0.0, 1.0]).data   # (1 + 4) / 2
      2.5
    """
    pairs = _pairs("mse_loss", predictions, targets, reduction)
    return _reduce([_named(_named(p - t, "error", k) ** 2, "loss", k) for k, (p, t) in enumerate(pairs, 1)], reduction)


# The result's type follows `reduction`: a list for "none", else one Value.
@overload
def l1_loss(predictions: Predictions, targets: Targets, reduction: Literal["mean", "sum"] = "mean") -> Value: ...
@overload
def l1_loss(predictions: Predictions, targets: Targets, reduction: Literal["none"]) -> list[Value]: ...
def l1_loss(predictions: Predictions, targets: Targets, reduction: Reduction = "mean") -> Value | list[Value]:
    """Absolute error |ŷ − y|; with ``reduction="sum"`` it is the notes' C(θ) = Σ_k |ŷ_k − f(x_k; θ)|.

    The derivative at ŷ = y is 0 (the engine's ``abs`` at its kink), as in PyTorch.

    Args:
      predictions: a Value or float, or a sequence of them.
      targets: a number, or a sequence of numbers as long as `predictions`.
      reduction: ``"mean"``, ``"sum"`` or ``"none"`` (a list of per-example losses).

    Returns:
      A Value (a list of Values for ``reduction="none"``).

    Example:
      >>> l1_loss([1.0, -3.0], [0.0, 1.0], reduction="sum").data   # 1 + 4
      5.0
    """
    pairs = _pairs("l1_loss", predictions, targets, reduction)
    return _reduce([_named(_named(p - t, "error", k).abs(), "loss", k) for k, (p, t) in enumerate(pairs, 1)], reduction)


# The result's type follows `reduction`: a list for "none", else one Value.
@overload
def hinge_loss(scores: Predictions, targets: Targets, reduction: Literal["mean", "sum"] = "mean") -> Value: ...
@overload
def hinge_loss(scores: Predictions, targets: Targets, reduction: Literal["none"]) -> list[Value]: ...
def hinge_loss(scores: Predictions, targets: Targets, reduction: Reduction = "mean") -> Value | list[Value]:
    """Hinge loss max(0, 1 − y·s) of raw scores s against labels y ∈ {−1, +1} (an SVM's loss).

    Args:
      scores: a Value or float (a raw, unsquashed score), or a sequence of them.
      targets: -1 or +1, or a sequence of them as long as `scores`. Map 0/1 labels with ``2 * y - 1``.
      reduction: ``"mean"``, ``"sum"`` or ``"none"`` (a list of per-example losses).

    Returns:
      A Value (a list of Values for ``reduction="none"``).

    Example:
      >>> hinge_loss([2.0, 0.5, 0.5], [1, 1, -1], reduction="none")   # 0, 0.5, 1.5
      [Value(data=0, grad=0), Value(data=0.5, grad=0), Value(data=1.5, grad=0)]
    """
    pairs = _pairs("hinge_loss", scores, targets, reduction, "scores")
    for i, (_, t) in enumerate(pairs):
        if _number(t) not in (1, -1):
            raise ValueError(f"hinge_loss: targets must be -1 or +1, got {t!r} at index {i} "
                             f"(map 0/1 labels with 2 * y - 1)")
    return _reduce([_named(_named(1 - _named(t * s, "margin", k), "shortfall", k).relu(), "loss", k)
                    for k, (s, t) in enumerate(pairs, 1)], reduction)


# The result's type follows `reduction`: a list for "none", else one Value.
@overload
def binary_cross_entropy(logits: Predictions, targets: Targets, reduction: Literal["mean", "sum"] = "mean") -> Value: ...
@overload
def binary_cross_entropy(logits: Predictions, targets: Targets, reduction: Literal["none"]) -> list[Value]: ...
def binary_cross_entropy(logits: Predictions, targets: Targets, reduction: Reduction = "mean") -> Value | list[Value]:
    """Binary cross-entropy of logits z against targets y ∈ [0, 1]: −y·log σ(z) − (1 − y)·log(1 − σ(z)).

    Takes logits, not probabilities (as ``torch.nn.functional.binary_cross_entropy_with_logits``),
    and is computed as y·softplus(−z) + (1 − y)·softplus(z) with the engine's overflow-free
    softplus op: finite for any finite z, and a sum of two terms >= 0, so nothing cancels
    (softplus(z) − y·z, equal in exact arithmetic, gives 0 for a confident right answer, z = 40,
    y = 1, whose loss is 4.2e-18, and loses six digits of it at z = 20). The derivative is
    σ(z) − y, smooth everywhere, also at z = 0.

    Args:
      logits: a Value or float, or a sequence of them.
      targets: a number in [0, 1] (soft labels allowed), or a sequence of them as long as `logits`.
        Map ±1 labels with ``(y + 1) / 2``.
      reduction: ``"mean"``, ``"sum"`` or ``"none"`` (a list of per-example losses).

    Returns:
      A Value (a list of Values for ``reduction="none"``).

    Example:
      >>> round(binary_cross_entropy(0.0, 1).data, 6)   # log 2
      0.693147
      >>> binary_cross_entropy(-1000.0, 1).data          # no overflow
      1000.0
      >>> binary_cross_entropy(40.0, 1).data             # log(1 + e^-40), not 0
      4.248354255291589e-18
    """
    pairs = _pairs("binary_cross_entropy", logits, targets, reduction, "logits")
    for i, (_, t) in enumerate(pairs):
        if not 0 <= _number(t) <= 1:
            raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {t!r} at index {i} "
                             f"(map -1/+1 labels with (y + 1) / 2)")
    return _reduce([_bce(z, t, k) for k, (z, t) in enumerate(pairs, 1)], reduction)


def _bce(z: Value, t: Value | float, k: int) -> Value:
    """Example k's y·softplus(−z) + (1 − y)·softplus(z): two terms ≥ 0, no cancellation; each node named."""
    below = _named(_named(_named(-z, "−z", k).softplus(), "softplus(−z)", k) * t, "y·softplus(−z)", k)
    above = _named(_named(z.softplus(), "softplus(z)", k) * (1 - t), "(1−y)·softplus(z)", k)
    return _named(below + above, "loss", k)


# The result's type follows `reduction`: a list for "none", else one Value.
@overload
def cross_entropy(logits: Logits, targets: Classes, reduction: Literal["mean", "sum"] = "mean") -> Value: ...
@overload
def cross_entropy(logits: Logits, targets: Classes, reduction: Literal["none"]) -> list[Value]: ...
def cross_entropy(logits: Any, targets: Any, reduction: Reduction = "mean") -> Value | list[Value]:
    """Softmax cross-entropy: −log softmax(logits)[target], as ``torch.nn.functional.cross_entropy``.

    Computed as (m − logits[target]) + log Σ_k exp(logits[k] − m), where m is the largest logit's
    value (a constant): no logit overflows in ``exp``, and the small log term is added to the
    difference, not to m (``(log Σ + m) − logits[target]`` loses it when m is ~1e17 or more). The
    gradient with respect to the logits is softmax(logits) − one_hot(target).

    Args:
      logits: one example's logits (a sequence of Values or floats, one per class), or a sequence
        of such rows for a batch.
      targets: an integer class index in ``0 .. len(logits) - 1`` for one example, or a sequence of
        them, one per row, for a batch.
      reduction: over a batch: ``"mean"``, ``"sum"`` or ``"none"`` (a list of per-example losses).

    Returns:
      A Value (a list of Values for ``reduction="none"``).

    Example:
      >>> round(cross_entropy([0.0, 0.0, 0.0], 2).data, 6)   # log 3
      1.098612
      >>> cross_entropy([[1000.0, 0.0], [0.0, 1000.0]], [0, 1]).data   # no overflow
      0.0
      >>> round(cross_entropy([1e17, 1e17, 0.0], 0).data, 6)            # log 2, not lost to 1e17
      0.693147
    """
    _check_reduction("cross_entropy", reduction)
    if is_number(targets):
        logits, targets = [logits], [targets]
    rows = _as_list("cross_entropy", "logits", logits, "a row of logits or a sequence of rows")
    targets = _as_list("cross_entropy", "targets", targets, "a class index or a sequence of them")
    if len(rows) != len(targets):
        raise ValueError(f"cross_entropy: got {len(rows)} rows of logits but {len(targets)} targets; "
                         f"give one class index per row")
    if not rows:
        raise ValueError("cross_entropy: got no logits")
    losses = []
    for i, (row, t) in enumerate(zip(rows, targets)):
        row = [_as_prediction("cross_entropy", z)
               for z in _as_list("cross_entropy", f"the row of logits at index {i}", row, "a sequence of logits")]
        if not row:
            raise ValueError(f"cross_entropy: the row of logits at index {i} is empty; give one logit per class")
        if not is_int(t):
            raise TypeError(f"cross_entropy: targets must be integer class indices, got {t!r} at index {i}")
        if not 0 <= t < len(row):
            raise ValueError(f"cross_entropy: target {t!r} at index {i} is out of range for {len(row)} "
                             f"classes (must be 0 .. {len(row) - 1})")
        m = max(z.data for z in row)
        # Row k's logit of class c, less the row's largest (a constant), and its exp: shifted_k,c, exp_k,c.
        exps = [_named(_named(z - m, "shifted", f"{i + 1},{c}").exp(), "exp", f"{i + 1},{c}") for c, z in enumerate(row)]
        log_sum = _named(_summed(exps, "Σexp", i + 1).log(), "log Σexp", i + 1)
        # (m - z_t) first: log Σ is in [0, log(classes)] and must not be added to a huge m alone.
        losses.append(_named(_named(m - row[t], "max−target", i + 1) + log_sum, "loss", i + 1))
    return _reduce(losses, reduction)


# --- shared checks ----------------------------------------------------------------------------

def _pairs(name: str, predictions: object, targets: object, reduction: str,
           what: str = "predictions") -> list[tuple[Value, Value | float]]:
    """Checked (prediction Value, target float) pairs; errors name the loss and the bad input (`what` the first)."""
    _check_reduction(name, reduction)
    preds, targs = _as_list(name, what, predictions), _as_list(name, "targets", targets, "a number or a sequence of them")
    if len(preds) != len(targs):
        raise ValueError(f"{name}: got {len(preds)} predictions but {len(targs)} targets; "
                         f"give one target per prediction")
    if not preds:
        raise ValueError(f"{name}: got no predictions")
    # A target may be a Value (a data leaf of a compiled step, `nn.compile_step`): used as it is.
    targs = [t if isinstance(t, Value) else finite(t, name, f"the target at index {i}") for i, t in enumerate(targs)]
    return [(_as_prediction(name, p), t) for p, t in zip(preds, targs)]


def _number(t: Any) -> Any:
    """A target's number: the value of a Value target (see `_pairs`), else the target itself."""
    return t.data if isinstance(t, Value) else t


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(losses: list[Value], reduction: str) -> Value | list[Value]:
    if reduction == "none":
        return losses
    if reduction == "sum":
        return _named(_summed(losses, "Σloss"), "loss")
    return _named(_summed(losses, "Σloss") / len(losses), "loss")


def _summed(terms: list[Value], name: str, k: int | str | None = None) -> Value:
    """terms[0] + terms[1] + …, each partial sum labelled ``name (k≤K)``, the whole ``name`` (``name_k``)."""
    # Start from the first term, not from 0: no constant node at the root of every loss.
    total = terms[0]
    for j, x in enumerate(terms[1:], 2):
        total = total + x
        total.label = f"{name} (≤{j})" if k is None else f"{name}_{k} (≤{j})"
    return _named(total, name, k) if len(terms) > 1 else total


def _named(v: Value, name: str, k: int | str | None = None) -> Value:
    """`v`, labelled `name` (``name_k`` for example k): what the drawings call it."""
    v.label = name if k is None else f"{name}_{k}"
    return v


def _as_list(name: str, what: str, x: object, items: str = "a Value, a number or a sequence of them") -> list[Any]:
    """`x`, one item or a sequence of them, as a list; refused as `ordered` refuses (a dict, a set, a str, ...)."""
    if isinstance(x, Value) or is_number(x):
        return [x]
    return ordered(x, name, what, items)


def _as_prediction(name: str, p: object) -> Value:
    if isinstance(p, Value):
        return p
    if not is_number(p):
        raise TypeError(f"{name}: predictions must be Values or real numbers, got {type(p).__name__}: {p!r}")
    return Value(p)
