"""Optimizers: update parameters in place from their ``.grad``, as ``torch.optim`` does.

An optimizer changes ``p.data`` directly (the update is not part of any graph) and keeps its
state (momentum, Adam's moments) in lists aligned with its parameter list. That state, like the
parameters' ``.grad``, belongs to one training loop: call `step` from one thread at a time.

Example:
  >>> from autograd import Value
  >>> w = Value(2.0)
  >>> opt = SGD([w], lr=0.1)
  >>> loss = w * w
  >>> opt.zero_grad(); loss.backward(); opt.step()   # w <- w - 0.1 * 2w
  >>> round(w.data, 12)
  1.6
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd._checks import nonnegative, number_in, shown
from autograd.engine import Value
from nn.module import Module

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """What every optimizer has: its parameters, a settable learning rate, `zero_grad` and `step`.

    Args:
      params: the Values to optimize (e.g. ``model.parameters()``); each at most once.
      lr: the learning rate η, a finite number >= 0; settable later (``opt.lr = 0.01``) for schedules.
      weight_decay: L2 penalty λ added to each gradient (g + λw), a finite number >= 0.

    Example:
      >>> from autograd import Value
      >>> opt = SGD([Value(1.0)], lr=0.5)
      >>> opt.lr = 0.05
      >>> opt.lr
      0.05
    """

    params: list[Value]
    weight_decay: float

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float = 0.0) -> None:
        name = type(self).__name__
        given: object = params  # what a caller without a type checker may pass
        if not isinstance(given, Iterable):  # a model, or one Value: list() would say "'MLP' object is not iterable"
            hint = "model.parameters()" if isinstance(params, Module) else "a list of Values, such as model.parameters()"
            raise TypeError(f"{name}: params must be {hint}, got {type(params).__name__}: {shown(params)}")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list; pass model.parameters()")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: parameters must be Values, got {type(p).__name__}: {p!r} at index {i}")
        if len(set(map(id, self.params))) != len(self.params):
            raise ValueError(f"{name}: a parameter appears more than once; it would be updated twice per step")
        self.lr = lr
        self.weight_decay = nonnegative(weight_decay, name, "weight_decay")

    @property
    def lr(self) -> float:
        """The learning rate η used by the next `step`; set it between steps for a schedule.

        Example:
          >>> from autograd import Value
          >>> opt, steps = SGD([Value(1.0)], lr=1.0), 10
          >>> for k in range(steps):
          ...     opt.lr = 1.0 - 0.9 * k / steps  # linear decay from 1.0
          >>> round(opt.lr, 2)
          0.19
        """
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = nonnegative(value, type(self).__name__, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 (leaves accumulate gradients until zeroed).

        Example:
          >>> from autograd import Value
          >>> w = Value(3.0); (w * w).backward()
          >>> opt = SGD([w], lr=0.1); opt.zero_grad(); w.grad
          0.0
        """
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``; each subclass implements its rule.

        Example:
          >>> from autograd import Value
          >>> w = Value(3.0); (w * w).backward()  # w.grad = 6.0
          >>> SGD([w], lr=0.1).step(); w.data     # 3.0 - 0.1 * 6.0
          2.4
        """
        raise NotImplementedError(f"{type(self).__name__}.step: subclasses of Optimizer implement the update")


class SGD(Optimizer):
    """Stochastic gradient descent, the notes' w ← w − η ∂L/∂w, with optional momentum and L2.

    Per step, for each parameter w with gradient g (same semantics as ``torch.optim.SGD``)::

        g ← g + weight_decay · w
        v ← momentum · v + g          (v starts at 0; skipped when momentum is 0)
        w ← w − lr · v

    Args:
      params: the Values to optimize (e.g. ``model.parameters()``).
      lr: the learning rate η (>= 0); settable between steps.
      momentum: the momentum factor μ (>= 0); 0 is plain gradient descent.
      weight_decay: L2 penalty λ (>= 0), added to each gradient.

    Example:
      >>> from autograd import Value
      >>> w = Value(1.0); w.grad = 0.5
      >>> opt = SGD([w], lr=0.1, momentum=0.9)
      >>> opt.step(); opt.step()       # velocity 0.5, then 0.9 * 0.5 + 0.5 = 0.95
      >>> round(w.data, 12)            # 1 - 0.1 * 0.5 - 0.1 * 0.95
      0.855
    """

    momentum: float

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = nonnegative(momentum, "SGD", "momentum")
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        """Apply one update to every parameter from its current ``.grad``.

        Example:
          >>> from autograd import Value
          >>> w = Value(1.0); w.grad = 2.0
          >>> SGD([w], lr=0.25).step(); w.data
          0.5
        """
        lr, momentum, decay, velocity = self.lr, self.momentum, self.weight_decay, self._velocity
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data
            if momentum:
                g = velocity[i] = momentum * velocity[i] + g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam: per-parameter steps scaled by running moments of the gradient, as ``torch.optim.Adam``.

    Per step t = 1, 2, ..., for each parameter w with gradient g::

        g ← g + weight_decay · w
        m ← β1 · m + (1 − β1) · g            v ← β2 · v + (1 − β2) · g²
        m̂ = m / (1 − β1^t)                   v̂ = v / (1 − β2^t)       (bias correction)
        w ← w − lr · m̂ / (√v̂ + eps)

    Args:
      params: the Values to optimize (e.g. ``model.parameters()``).
      lr: the learning rate (>= 0); settable between steps.
      betas: (β1, β2), the decay rates of the two moments, each in [0, 1).
      eps: added to the denominator for numerical stability (>= 0).
      weight_decay: L2 penalty λ (>= 0), added to each gradient (not decoupled, unlike AdamW).

    Example:
      >>> from autograd import Value
      >>> w = Value(1.0); w.grad = 4.0
      >>> Adam([w], lr=0.1).step()    # the first step moves each parameter by about lr
      >>> round(w.data, 6)
      0.9
    """

    betas: tuple[float, ...]
    eps: float

    def __init__(self, params: Iterable[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = tuple(number_in(b, "Adam", f"betas[{i}]", "a number in [0, 1)", lambda v: 0 <= v < 1) for i, b in enumerate(betas))
        self.eps = nonnegative(eps, "Adam", "eps")
        if self.eps == 0:
            # A parameter whose gradient has always been 0 would divide 0 by 0.
            raise ValueError("Adam: eps must be > 0, got 0 (the default is 1e-8)")
        self._t = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        """Apply one update to every parameter from its current ``.grad``.

        Example:
          >>> from autograd import Value
          >>> w = Value(0.0); w.grad = -1.0
          >>> Adam([w], lr=0.5).step(); round(w.data, 6)
          0.5
        """
        self._t += 1
        beta1, beta2 = self.betas
        lr, eps, decay, m, v = self.lr, self.eps, self.weight_decay, self._m, self._v
        correction1, correction2 = 1 - beta1 ** self._t, 1 - beta2 ** self._t
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            p.data -= lr * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + eps)

