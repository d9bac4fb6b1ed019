"""`compile_step`: train a model with a compiled forward and backward pass (see `autograd.replay`).

The step is traced once, with the model's parameters as its inputs and the batch baked in. Each
call reads the parameters' current ``.data`` and adds the gradients to their ``.grad`` exactly as
building the graph and calling ``loss.backward()`` would, bit for bit, also when ``.grad`` is not
zero; so optimizers, eager steps, `save` and `load_state_dict` all work alongside it.

Example:
  >>> from nn import MLP, SGD, hinge_loss
  >>> model = MLP(2, [8, 1], seed=0)
  >>> X, y = [[1.0, 0.5], [-1.0, 0.2], [0.3, -0.8]], [1, -1, 1]
  >>> step = compile_step(model, hinge_loss, X, y)
  >>> opt = SGD(model.parameters(), lr=0.1)
  >>> for _ in range(20):
  ...     opt.zero_grad(); loss = step(); opt.step()
  >>> [s > 0 for s in step.predictions]   # the scores of the last step, before its update
  [True, False, True]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from autograd.engine import Value, is_grad_enabled
from autograd.replay import compile_graph

if TYPE_CHECKING:
    from autograd.replay import CompiledFunction
    from nn.module import Module

__all__ = ["compile_step", "CompiledStep"]


def compile_step(model: Module, loss_fn: Callable[[Any, Any], Value], X: Sequence[Any], y: Any) -> CompiledStep:
    """Trace one training step's loss once; return a step that replays it, compiled, on the current parameters.

    A compiled step is valid while the graph's structure does not depend on the parameter values:
    true of `MLP` with any activation and of `mse_loss`, `l1_loss`, `hinge_loss` and
    `binary_cross_entropy`; not of a loss that picks its formula by a value (``if s.data > 0:``),
    which `CompiledStep.check` detects. `cross_entropy` subtracts each row's largest logit, read
    from ``.data``, to avoid overflow: the step keeps the traced ones, which changes the result by
    rounding only while the logits stay within ~700 of them (`check` reports the change).

    Args:
      model: a `Module`; its ``parameters()`` become the step's inputs.
      loss_fn: ``loss_fn(predictions, targets) -> Value`` with ``predictions = [model(x) for x in X]``,
        e.g. `hinge_loss`. Close over the model for a penalty on the weights:
        ``lambda s, t: hinge_loss(s, t) + 1e-4 * sum(p * p for p in model.parameters())``.
      X: the batch's inputs, one per example; baked into the step.
      y: the targets, passed to `loss_fn` as given; baked into the step.

    Returns:
      A `CompiledStep`: ``loss = step()``.

    Example:
      >>> from nn import MLP, mse_loss
      >>> model = MLP(1, [4, 1], seed=0)
      >>> step = compile_step(model, mse_loss, [[0.0], [1.0]], [1.0, -1.0])
      >>> loss = mse_loss([model([0.0]), model([1.0])], [1.0, -1.0])
      >>> step() == loss.data
      True
    """
    return CompiledStep(model, loss_fn, X, y)


class CompiledStep:
    """A training step compiled once: ``loss = step()`` adds d(loss)/d(p) to each parameter's ``.grad``.

    Made by `compile_step`. A call returns the loss as a float and keeps the model's outputs for
    the batch in `predictions` (for an accuracy, say).

    Attributes:
      function: the `autograd.CompiledFunction`; ``print(step.function.source)`` shows the
        whole step written out.
      predictions: the model's outputs for each example at the last call (floats, or lists of
        floats for a model with several outputs), computed before any update.

    Example:
      >>> from nn import MLP, mse_loss
      >>> model = MLP(1, [2, 1], seed=0)
      >>> step = compile_step(model, mse_loss, [[1.0]], [0.0])
      >>> model.zero_grad(); loss = step()
      >>> loss == step.predictions[0] ** 2, any(p.grad != 0 for p in model.parameters())
      (True, True)
    """

    function: CompiledFunction[tuple[float, list[float], list[float]]]
    predictions: list[float | list[float]] | None

    def __init__(self, model: Module, loss_fn: Callable[[Any, Any], Value], X: Sequence[Any], y: Any) -> None:
        if not is_grad_enabled():
            raise RuntimeError("compile_step: cannot trace inside no_grad(), which records no graph; "
                               "compile outside it")
        self._model, self._loss_fn, self._X, self._y = model, loss_fn, X, y
        self._params = model.parameters()
        loss, outputs, self._shape = self._trace()
        self.function = compile_graph(loss, self._params, outputs)
        self.predictions = None

    def __call__(self) -> float:
        """Replay the step at the parameters' current values; returns the loss (a float)."""
        params = self._params
        values = [p.data for p in params]
        if not all(map(math.isfinite, values)):
            name, x = next((n, p.data) for n, p in self._model.named_parameters() if not math.isfinite(p.data))
            raise ValueError(f"compile_step: parameter {name!r} is {x!r}; the training has diverged "
                             f"(try a smaller learning rate)")
        loss, grads, outputs = self.function(values)
        for p, g in zip(params, grads):
            # Accumulate as loss.backward() does: it sums a pass's contributions from 0.0 and adds
            # the sum once. `g` is that sum, except that it starts from the first contribution and
            # so may be -0.0 where backward's is 0.0: `+ 0.0` turns -0.0 into 0.0 (and changes
            # nothing else), so p.grad gets the same bits as after loss.backward().
            p.grad += g + 0.0
        self.predictions = [outputs[k] if n is None else outputs[k:k + n] for k, n in self._shape]
        return loss

    def check(self) -> None:
        """Re-trace at the current parameters; raise `TraceMismatchError` if the graph has changed.

        Costs one eager forward pass; use it in tests, or now and then while training.

        Example:
          >>> from nn import MLP, mse_loss
          >>> model = MLP(1, [2, 1], seed=0)
          >>> step = compile_step(model, mse_loss, [[1.0]], [0.0])
          >>> step.check()   # same graph: no error
        """
        loss, outputs, _ = self._trace()
        self.function.check_graph(loss, self._params, outputs)

    def _trace(self) -> tuple[Value, list[Value], list[tuple[int, int | None]]]:
        """(loss, the outputs as one flat list, where each example's outputs start and how many)."""
        predictions = [self._model(x) for x in self._X]
        loss = self._loss_fn(predictions, self._y)
        if not isinstance(loss, Value):
            raise TypeError(f"compile_step: loss_fn must return one Value (the loss), "
                            f"got {type(loss).__name__}: {loss!r}")
        outputs: list[Value]
        shape: list[tuple[int, int | None]]
        outputs, shape = [], []
        for p in predictions:
            several = not isinstance(p, Value)
            shape.append((len(outputs), len(p) if several else None))
            outputs.extend(p if several else [p])
        return loss, outputs, shape

    def __repr__(self) -> str:
        model = type(self._model).__name__
        return f"<CompiledStep of {model}: {len(self._params)} parameters, {self.function.n_ops} ops>"
