"""`compile_step`: train a model with a compiled forward and backward pass (see `autograd.replay`).

The step is traced once per batch size, with the model's parameters as its inputs and the batch's
examples and targets as data inputs: ``step()`` replays the traced batch and ``step(Xb, yb)``
any other batch of that size with no new compile, which is what minibatch SGD needs. Each call
reads the parameters' current ``.data`` and adds the gradients to their ``.grad`` exactly as
building the graph and calling ``loss.backward()`` would, bit for bit, also when ``.grad`` is not
zero; so optimizers, eager steps, `save` and `load_state_dict` all work alongside it.
With ``vectorize=True`` (NumPy) the step runs as NumPy operations instead, each layer one matrix
product over the batch, found in the traced graph (`autograd.lift`), equal to ~1e-12 relative.

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
  >>> loss = step([[0.3, -0.8], [1.0, 0.5], [-1.0, 0.2]], [1, 1, -1])   # another batch, same program
  >>> step.n_programs
  1
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from autograd._checks import finite, flag, is_number, ordered, shown
from autograd.engine import Value, is_grad_enabled
from autograd.replay import compile_graph

if TYPE_CHECKING:
    from autograd.replay import CompiledFunction
    from nn.module import Module

    # A compiled batch: the step's program (loss, gradients, outputs), where each example's outputs are,
    # and each example's width and its target's (None when targets are baked in).
    _Program = tuple[CompiledFunction[tuple[float, list[float], list[float]]], list[tuple[int, int | None]],
                     list[tuple[int, int | None]]]

__all__ = ["compile_step", "CompiledStep"]


def compile_step(model: Module, loss_fn: Callable[[Any, Any], Value], X: Sequence[Any], y: Any, *,
                 vectorize: bool = False) -> CompiledStep:
    """Trace one training step's loss; return a step that replays it, compiled, on the current parameters and any batch.

    A compiled step is valid while the graph's structure does not depend on the parameter values
    or the data: true of `MLP` with any activation and of `mse_loss`, `l1_loss`, `hinge_loss` and
    `binary_cross_entropy`; not of a loss that picks its formula by a value (``if s.data > 0:``),
    which `CompiledStep.check` detects.

    Targets. Number targets are data inputs, like the examples: the loss is traced with each
    target as a leaf Value (nn's losses take those), so ``step(Xb, yb)`` replays any targets. The
    loss checks its targets when it traces; a replay checks only that they are finite numbers, so
    one the loss would refuse (a hinge target of 5) is not caught then: validate labels once. A
    loss that refuses Value targets has targets that decide the graph's shape, such as
    `cross_entropy`'s class indices: they are then baked in, and the step keeps one program per
    (batch size, targets), traced on first use. So are the targets of a loss that compares them,
    takes their truth or looks them up (``2.0 if t == 1 else 1.0``): a target Value refuses all
    three, since the answer would decide the graph. (A loss that reads a target's ``.data`` to
    choose its formula is not detected: compare the target itself, ``t == 1``, and it is baked
    in.) `cross_entropy` also subtracts each row's largest logit, read from ``.data``, to avoid
    overflow: a program keeps the shifts of the batch it traced, which changes the result by
    rounding only while the logits stay within ~700 of them, and `CompiledStep.check` accepts that.

    Args:
      model: a `Module`; its ``parameters()`` become the step's inputs.
      loss_fn: ``loss_fn(predictions, targets) -> Value`` with ``predictions = [model(x) for x in X]``,
        e.g. `hinge_loss`. Close over the model for a penalty on the weights:
        ``lambda s, t: hinge_loss(s, t) + 1e-4 * sum(p * p for p in model.parameters())``.
      X: the example batch's inputs, one list of numbers per example; traced, and replayed by ``step()``.
      y: its targets, passed to `loss_fn` (as leaf Values holding them, if it takes those).
      vectorize: run the step as NumPy operations over the batch (needs NumPy; see `autograd.lift`):
        each layer becomes one matrix product forward and backward, found in the traced graph;
        equal to the scalar step to ~1e-12 relative. ``step.lifted`` says what was found.

    Returns:
      A `CompiledStep`: ``loss = step()`` on the traced batch, ``loss = step(Xb, yb)`` on another.

    Example:
      >>> from nn import MLP, mse_loss
      >>> model = MLP(1, [4, 1], seed=0)
      >>> step = compile_step(model, mse_loss, [[0.0], [1.0]], [1.0, -1.0])
      >>> loss = mse_loss([model([0.0]), model([1.0])], [1.0, -1.0])
      >>> step() == loss.data
      True
    """
    return CompiledStep(model, loss_fn, X, y, vectorize=vectorize)


class CompiledStep:
    """A training step compiled per batch size: ``loss = step(Xb, yb)`` adds d(loss)/d(p) to each parameter's ``.grad``.

    Made by `compile_step`. A call returns the loss as a float and keeps the model's outputs for
    the batch in `predictions` (for an accuracy, say). The programs are cached by batch size (and
    by the targets, when they are structure; see `compile_step`): the last, smaller batch of an
    epoch costs one trace, once. The cache keeps the `max_programs` used last (16): a step that
    meets more batch shapes, or more label patterns with baked-in targets (`cross_entropy`), drops
    the oldest and compiles again, and warns once, since it is then slower than an eager step.

    Attributes:
      function: the `autograd.CompiledFunction` of the traced batch; ``print(step.function.source)``
        shows the whole step written out.
      predictions: the model's outputs for each example at the last call (floats, or lists of
        floats for a model with several outputs), computed before any update.
      targets_are_data: True if the targets are data inputs, False if they are baked in.
      n_programs: how many programs the step has traced and compiled so far.
      max_programs: how many programs the cache keeps (16; set it on the step or the class).

    Example:
      >>> from nn import MLP, mse_loss
      >>> model = MLP(1, [2, 1], seed=0)
      >>> step = compile_step(model, mse_loss, [[1.0]], [0.0])
      >>> model.zero_grad(); loss = step()
      >>> loss == step.predictions[0] ** 2, any(p.grad != 0 for p in model.parameters())
      (True, True)
      >>> _ = step([[2.0], [3.0]], [1.0, 0.0]); step.n_programs   # a batch of 2: traced once
      2
    """

    function: CompiledFunction[tuple[float, list[float], list[float]]]
    predictions: list[float | list[float]] | None
    targets_are_data: bool | None
    max_programs: int = 16

    def __init__(self, model: Module, loss_fn: Callable[[Any, Any], Value], X: Sequence[Any], y: Any, *,
                 vectorize: bool = False) -> None:
        self._vectorize = flag(vectorize, "compile_step", "vectorize")
        if not is_grad_enabled():
            raise RuntimeError("compile_step: cannot trace inside no_grad(), which records no graph; "
                               "compile outside it")
        X, y = _batch(X, y)
        self._model, self._loss_fn, self._X, self._y = model, loss_fn, X, y
        self._params = model.parameters()
        self._programs: dict[Any, _Program] = {}  # the most recently used last
        self._compiled = 0
        self.targets_are_data = None  # decided by the first trace
        self.function = self._last = self._program(X, y)[0]
        self.predictions = None

    @property
    def n_programs(self) -> int:
        """How many programs the step has traced and compiled: one per batch size (and targets, if structure).

        Example:
          >>> from nn import MLP, mse_loss
          >>> step = compile_step(MLP(1, [2, 1], seed=0), mse_loss, [[1.0], [2.0]], [0.0, 1.0])
          >>> _ = step([[3.0], [4.0]], [1.0, 0.0]); step.n_programs
          1
        """
        return self._compiled

    @property
    def lifted(self) -> Any:
        """What ``vectorize=True`` found in the traced batch's graph (an `autograd.lift.Lifted`: the
        recovered matrices W^l, the elementwise groups, what stayed scalar), or None without it.

        Example:
          >>> from nn import MLP, mse_loss
          >>> step = compile_step(MLP(2, [3, 1], seed=0), mse_loss, [[1.0, 2.0], [3.0, 4.0]], [0.0, 1.0], vectorize=True)
          >>> [m.shape for m in step.lifted.matrices]
          [(3, 2), (1, 3)]
        """
        return self.function.lifted

    @property
    def deltas(self) -> dict[str, Any]:
        """With ``vectorize=True``, the last call's δ^l: the gradient of each recovered matrix's sums z^l,
        an array of rows (examples) × neurons per matrix name (``W1``, ...; see `lifted`); else empty.

        Example:
          >>> from nn import MLP, mse_loss
          >>> step = compile_step(MLP(2, [3, 1], seed=0), mse_loss, [[1.0, 2.0], [3.0, 4.0]], [0.0, 1.0], vectorize=True)
          >>> _ = step(); step.deltas["W1"].shape   # two examples, three neurons
          (2, 3)
        """
        return self._last.deltas

    def __call__(self, X: Sequence[Any] | None = None, y: Any = None) -> float:
        """Replay the step at the parameters' current values on a batch; returns the loss (a float).

        Args:
          X, y: a batch (examples and targets); by default the traced one.

        Returns:
          The loss at the parameters' values before the call; their ``.grad`` gain its gradients.

        Example:
          >>> from nn import Neuron, mse_loss
          >>> n = Neuron(1, activation="linear", seed=0)
          >>> step = compile_step(n, mse_loss, [[1.0]], [0.0])
          >>> step() == mse_loss([n([1.0])], [0.0]).data, step([[2.0]], [1.0]) == mse_loss([n([2.0])], [1.0]).data
          (True, True)
        """
        if (X is None) != (y is None):
            raise TypeError("compile_step: give a batch as step(X, y), both the examples and the targets, "
                            "or neither for the traced batch")
        X, y = (self._X, self._y) if X is None else _batch(X, y)
        function, shape, widths = self._program(X, y)
        self._last = function
        X = self._check_widths(X, y, widths)
        params = self._params
        values = [p.data for p in params]
        if not all(map(math.isfinite, values)):
            name, x = next((n, p.data) for n, p in self._model.named_parameters() if not math.isfinite(p.data))
            raise ValueError(f"compile_step: parameter {name!r} is {x!r}; the training has diverged "
                             f"(try a smaller learning rate)")
        loss, grads, outputs = function(values, self._rows(X, y))
        for p, g in zip(params, grads):
            # Accumulate as loss.backward() does: it sums a pass's contributions from 0.0 and adds
            # the sum once. `g` is that sum, except that it starts from the first contribution and
            # so may be -0.0 where backward's is 0.0: `+ 0.0` turns -0.0 into 0.0 (and changes
            # nothing else), so p.grad gets the same bits as after loss.backward().
            p.grad += g + 0.0
        self.predictions = [outputs[k] if n is None else outputs[k:k + n] for k, n in shape]
        return loss

    def check(self) -> None:
        """Re-trace the traced batch at the current parameters; raise `TraceMismatchError` if the graph has changed.

        Costs one eager forward and backward pass; use it in tests, or now and then while training.
        A graph that differs in number constants alone passes if the program still gives its loss,
        gradients and outputs to 1e-9 relative (`cross_entropy`'s shifts, read from ``.data``, change
        them by rounding only); see `autograd.CompiledFunction.check_graph`'s ``rounding``.

        Example:
          >>> from nn import MLP, mse_loss
          >>> model = MLP(1, [2, 1], seed=0)
          >>> step = compile_step(model, mse_loss, [[1.0]], [0.0])
          >>> step.check()   # same graph: no error
        """
        loss, outputs, _, rows = self._trace(self._X, self._y)
        self.function.check_graph(loss, self._params, outputs, rows, rounding=True)

    def _key(self, X: Sequence[Any], y: Any) -> Any:
        """The cache key of a batch (checked by `_batch`): its size, and its targets when they are structure."""
        return len(X) if self.targets_are_data is not False else (len(X), _hashable(y))

    def _program(self, X: Sequence[Any], y: Any) -> _Program:
        """(compiled function, predictions' shape, widths) for this batch: from the cache, or traced and compiled."""
        key = self._key(X, y) if self._programs else None
        program = self._programs.pop(key, None)
        if program is None:
            X = [_example(x, k) for k, x in enumerate(X)]
            loss, outputs, shape, rows = self._trace(X, y)
            key = self._key(X, y)
            widths = [(len(x), len(_flat(t)) if self.targets_are_data else None) for x, t in zip(X, y)]
            function = compile_graph(loss, self._params, outputs, rows, vectorize=self._vectorize, who="compile_step",
                                     data_names=_data_names(widths))
            program = function, shape, widths
            self._compiled += 1
            if len(self._programs) >= self.max_programs:
                del self._programs[next(iter(self._programs))]  # the least recently used
                if self._compiled == self.max_programs + 1:
                    warnings.warn(f"compile_step: {self._compiled} programs compiled, more than the {self.max_programs} "
                                  f"the step keeps: {_WHY[bool(self.targets_are_data)]}, and each one compiled "
                                  f"costs more than an eager step", RuntimeWarning, stacklevel=3)
        self._programs[key] = program  # (last: the most recently used)
        return program

    def _check_widths(self, X: Sequence[Any], y: Any, widths: list[tuple[int, int | None]]) -> Sequence[Any]:
        """Each example and target as wide as traced, checked before they are joined into one data row each: `X`,
        each example a list or tuple."""
        # Speed: the usual batch (lists as wide as traced, number targets) passes C-speed checks; anything
        # else is checked one by one, which names the first bad example (a per-example loop was ~a third of
        # a vectorized step).
        if (set(map(type, X)) <= _ROWS and list(map(len, X)) == [n for n, _ in widths]
                and (self.targets_are_data is False or (set(map(type, y)) <= _NUMBERS and all(m == 1 for _, m in widths)))):
            return X
        X = [_example(x, k) for k, x in enumerate(X)]
        for k, (x, t, (n, m)) in enumerate(zip(X, y, widths)):
            if len(x) != n:
                raise ValueError(f"compile_step: example {k}, {shown(x)}: expected {n} numbers (one per model input, "
                                 f"as traced), got {len(x)}")
            if m is not None and len(_flat(t)) != m:
                raise ValueError(f"compile_step: target {k}, {shown(t)}: expected {m} numbers (as traced), "
                                 f"got {len(_flat(t))}")
        return X

    def _rows(self, X: Sequence[Any], y: Any) -> Any:
        """The data rows of a batch: each example's numbers, then its targets' if they are data."""
        if not self.targets_are_data:
            return X
        if set(map(type, y)) <= _NUMBERS:  # speed: no _flat per example, and rows of floats pass the replay's fast check
            try:
                return [[*x, float(t)] for x, t in zip(X, y)]
            except OverflowError:  # an int target beyond float's range: the replay names it
                pass
        return [[*x, *_flat(t)] for x, t in zip(X, y)]

    def _trace(self, X: Sequence[Any], y: Any) -> tuple[Value, list[Value], list[tuple[int, int | None]], Any]:
        """(loss, the outputs as one flat list, where each example's outputs start and how many, data rows)."""
        # Checked here, so that an error names the example (Value's would name Value, not called by the user).
        inputs = [[Value(finite(c, "compile_step", f"example {k}, input {j}")) for j, c in enumerate(x)] for k, x in enumerate(X)]
        predictions = [self._model(x) for x in inputs]
        loss = targets = None
        if self.targets_are_data is not False:
            try:
                targets = [_as_values(t) for t in y]
                loss = self._loss_fn(predictions, targets)
                for leaf in _flat(targets):
                    leaf.tracing = False
            except (TypeError, ValueError):  # the loss wants numbers, or compares them: targets are structure
                if self.targets_are_data:
                    raise
                targets = None
            self.targets_are_data = targets is not None
        if targets is None:
            loss = self._loss_fn(predictions, y)
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
        return loss, outputs, shape, self._rows(inputs, targets)

    def __repr__(self) -> str:
        model = type(self._model).__name__
        return f"<CompiledStep of {model}: {len(self._params)} parameters, {self.function.n_ops} ops>"


class _Target(Value):
    """A target as a data leaf: a Value that refuses to be compared, to be a truth value, or (while
    the loss traces) to be a key.

    A Value's ``==`` and hash are its identity and its truth always True, so a loss that weighs an
    example by ``2.0 if t == 1 else 1.0`` (or ``weights.get(t, 1.0)``) would trace the same branch
    for every target, silently. A target refuses instead, and the step bakes the targets in as
    numbers (`CompiledStep._trace`). Hashing is refused only while the loss runs (`tracing`): the
    compile after it keeps Values in sets and dicts by identity.
    """

    __slots__ = ("tracing",)
    tracing: bool
    # The engine knows a Value operand by its __class__ (a speed check in its binary ops): a target is one.
    __class__ = property(lambda self: Value)

    def _decides(self, *other: object) -> Any:
        raise TypeError("compile_step: the loss compares a target (t == 1, if t:, a dict lookup), so the "
                        "target's value decides the graph, which a program with the targets as data cannot replay; "
                        "the targets are baked in when the first batch traced compares them too")

    __eq__ = __ne__ = __bool__ = _decides

    def __hash__(self) -> int:
        return self._decides() if self.tracing else object.__hash__(self)


_ROWS, _NUMBERS = frozenset((list, tuple)), frozenset((int, float))


def _batch(X: object, y: object) -> tuple[Sequence[Any], Sequence[Any]]:
    """A batch from outside as (examples, targets), one target per example; refused as `ordered` refuses
    (a dict, read by key, would give its keys; a set has no order; a str; a number)."""
    # Speed: a list or tuple (the usual batch) is not copied.
    X = X if X.__class__ in _ROWS else ordered(X, "compile_step", "X", "a list of examples (a list of numbers each)")
    y = y if y.__class__ in _ROWS else ordered(y, "compile_step", "y", "a list of targets, one per example")
    if len(X) != len(y):
        raise ValueError(f"compile_step: got {len(X)} examples but {len(y)} targets; give one target per example")
    return X, y


def _example(x: object, k: int) -> Sequence[Any]:
    """Example k of a batch as a list or tuple of numbers; refused as `ordered` refuses (a dict, a set, a number)."""
    return x if x.__class__ in _ROWS else ordered(x, "compile_step", f"example {k}", "a list of numbers")


def _data_names(widths: list[tuple[int, int | None]]) -> Callable[[int, int], str]:
    """How a step's errors name number k of data row r: the row is example r's inputs, then its target's numbers."""
    def name(r: int, k: int) -> str:
        n, m = widths[r]
        if k < n:
            return f"example {r}, input {k}"
        return f"target {r}" if m == 1 else f"target {r}, number {k - n}"
    return name


def _as_values(t: Any) -> Value | list[Any]:
    """A target as leaf Values (`_Target`s): a number as one, a list of numbers as a list of them."""
    if is_number(t):
        target = _Target(t)
        target.tracing = True  # until the loss has run (`CompiledStep._trace`)
        return target
    if isinstance(t, (list, tuple)):
        return [_as_values(u) for u in t]
    raise TypeError(f"compile_step: a target must be a number or a list of numbers to be data, got {t!r}")


def _flat(t: Any) -> list[Any]:
    """A target's numbers (or leaf Values) in order, however it nests lists and tuples (as `_as_values` reads it)."""
    return [x for u in t for x in _flat(u)] if isinstance(t, (list, tuple)) else [t]


# Why a step compiles many programs: by whether its targets are data (True) or baked in (False).
_WHY = {True: "each batch size compiles a program of its own (use one or two batch sizes)",
        False: "the targets are baked in, so each new batch of targets compiles a program of its own "
               "(cross_entropy's class indices: train with eager steps, or a loss that takes Value targets)"}


def _hashable(y: Any) -> tuple[Any, ...]:
    """Baked-in targets as a cache key: each number by its type and repr, not by ``==``, under which
    1 == 1.0 == True and 0.0 == -0.0 (a loss may take one and refuse the other, or keep the sign)."""
    return tuple(_hashable(t) if isinstance(t, (list, tuple)) else (type(t), repr(t)) for t in y)
