"""The training timeline: record a training loop's numbers step by step, then watch the network learn.

`Recorder` fits the loop you already write: call ``rec.record(loss)`` after ``loss.backward()``
and before ``opt.step()``. It copies numbers only (each parameter's value and gradient, the loss),
so it keeps no graph alive and changes no ``.grad`` or ``.data``. ``rec.save("training.html")``
writes one self-contained page (offline, no network request, like the backprop explorer's); in
Jupyter, ``rec`` shows the same view as a widget. The page has a slider over the recorded steps
(← →, play) and, at each step: the loss and accuracy curves; for 2-D inputs the decision boundary
with the data; each layer's weights W[l] and gradients ∂C/∂W[l] as heatmaps (rows are neurons,
columns inputs, then the bias); each layer's gradient norm across steps on a log scale; what the
step changed (the largest |Δw|, and the update rule's numbers for one weight: click a cell to
choose it); and, for chosen examples, the backprop explorer of that example's loss at that step.

Example:
  >>> from nn import MLP, SGD, mse_loss
  >>> model = MLP(2, [4, 1], seed=0)
  >>> X, y = [[1.0, 0.5], [-1.0, 0.2], [0.3, -0.8]], [1.0, -1.0, 1.0]
  >>> opt = SGD(model.parameters(), lr=0.1)
  >>> rec = Recorder(model, X, y, optimizer=opt)
  >>> for k in range(5):
  ...     opt.zero_grad(); loss = mse_loss([model(x) for x in X], y); loss.backward()
  ...     rec.record(loss)
  ...     opt.step()
  >>> rec.steps, rec.losses[-1] < rec.losses[0]
  ([0, 1, 2, 3, 4], True)
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import math
import os
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from autograd import notation, page, svg
from autograd._checks import finite, is_int, is_number, positive_int, sequence, shown
from autograd.engine import Value
from autograd.replay import compile_graph
from nn.module import Module
from nn.optim import SGD, Optimizer

if TYPE_CHECKING:
    from autograd.explorer import Explorer
    from autograd.replay import CompiledFunction

__all__ = ["Recorder"]

GRID = 48  # the decision boundary's cells per side (with NumPy; without it, the same program point by point on 20)
GRID_PLAIN = 20
EXPLORER_BYTES = 1_000_000  # the saved page's budget for explorers, compressed (each ~150 KB for the demo's network)
_LEVELS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"  # a boundary cell: one character


class Recorder:
    """Record a training loop's numbers at every `every`-th step; show them as a timeline page or widget.

    Args:
      model: the `Module` being trained; its ``named_parameters()`` are recorded.
      X: the data to draw, one list of numbers per example (the training data, or some of it).
      y: their targets, or None. Accuracy is shown when the targets allow: -1/+1 or 0/1 with one
        output (the sign of the score, a logit, decides), or class indices with several outputs
        (the largest decides).
      every: record each `every`-th call of `record` (1: all of them).
      optimizer: the optimizer whose ``step`` follows `record`; its ``lr`` is the η shown. It is
        read at `record`, and again at the next call, for a schedule that sets it between `record`
        and ``step``: with plain `SGD` the value that reproduces the update is kept. Without an
        optimizer, η is inferred for the chosen weight as −Δw ÷ ∂C/∂w, which is the learning rate
        for plain SGD (and labelled as inferred).
      loss_fn: ``loss_fn(output, target) -> Value`` of one example, e.g. `nn.hinge_loss`: the
        explorer opened from an example shows that loss; without it, the model's output.
      title: the page's title.

    Attributes:
      steps: the training step (the count of `record` calls before it, from 0) of each recording.
      losses: the loss at each recorded step.
      params, grads: each recorded step's parameter values and gradients, tuples in ``named_parameters()`` order.
      names: the parameters' names as the page shows them (nn's labels, such as ``w[1]_12``, or their names).
      lrs: the optimizer's learning rate at each recorded step's update (None without an optimizer).

    Example:
      >>> from nn import MLP
      >>> rec = Recorder(MLP(2, [3, 1], seed=0), [[0.0, 1.0]], [1], every=2)
      >>> rec.names[:3]
      ['w[1]_11', 'w[1]_12', 'b[1]_1']
    """

    def __init__(self, model: Module, X: Sequence[Sequence[float]], y: Sequence[Any] | None = None, *, every: int = 1,
                 optimizer: Optimizer | None = None, loss_fn: Callable[[Any, Any], Value] | None = None,
                 title: str | None = None) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"Recorder: model must be an nn Module (an MLP, say), got {type(model).__name__}: {shown(model)}")
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise TypeError(f"Recorder: optimizer must be an nn optimizer (SGD, Adam) or None, got "
                            f"{type(optimizer).__name__}: {shown(optimizer)}")
        if loss_fn is not None and not callable(loss_fn):
            raise TypeError(f"Recorder: loss_fn must be a function loss_fn(output, target) or None, got {shown(loss_fn)}")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"Recorder: title must be a str or None, got {type(title).__name__}: {shown(title)}")
        self.every = positive_int(every, "Recorder", "every")
        rows = [[finite(v, "Recorder", f"X[{r}][{c}]") for c, v in enumerate(sequence(row, "Recorder", f"X[{r}]"))]
                for r, row in enumerate(sequence(X, "Recorder", "X", "rows of numbers"))]
        if not rows or len({len(r) for r in rows}) != 1 or not rows[0]:
            raise ValueError(f"Recorder: X must be one or more rows of numbers, all of one length, got {shown(X)}")
        targets = None if y is None else list(sequence(y, "Recorder", "y", "targets"))
        if targets is not None and len(targets) != len(rows):
            raise ValueError(f"Recorder: y must have one target per row of X: got {len(targets)} targets for {len(rows)} rows")
        self._model, self._optimizer, self._loss_fn = model, optimizer, loss_fn
        self.X, self.y = rows, targets
        named = model.named_parameters()
        if not named:
            raise ValueError(f"Recorder: the model has no parameters to record: {shown(model)}")
        self._params = [p for _, p in named]
        self.names = [p.label if notation.parse(p.label) else name for name, p in named]
        self._keys = [name for name, _ in named]
        self.title = title or f"training timeline: {type(model).__name__}, {len(self._params)} parameters"
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.params: list[tuple[float, ...]] = []
        self.grads: list[tuple[float, ...]] = []
        self.lrs: list[float | None] = []
        self._after: dict[int, tuple[float, ...]] = {}  # recorded index -> parameters after its update
        self._calls = 0
        self._views: dict[str, Any] | None = None  # what the page draws (predictions, boundary), made on first use

    def record(self, loss: Value | float) -> None:
        """Copy this step's numbers: every parameter's value and gradient, and `loss`.

        Call it after ``loss.backward()`` and before ``opt.step()`` (the gradients of this step,
        the parameters they were computed at). Only every `every`-th call records; each call also
        reads the parameters as the previous recorded step's update left them.

        Args:
          loss: this step's loss (a Value or a number).

        Example:
          >>> from nn import MLP
          >>> model = MLP(1, [1], seed=0)
          >>> rec = Recorder(model, [[1.0]])
          >>> rec.record(model([1.0]))
          >>> rec.losses == [model([1.0]).data], rec.grads
          (True, [(0.0, 0.0)])
        """
        value = loss.data if isinstance(loss, Value) else loss
        if not is_number(value):
            raise TypeError(f"Recorder.record: loss must be a Value or a number, got {type(loss).__name__}: {shown(loss)}")
        ps = self._params
        if self.steps and self.steps[-1] == self._calls - 1:  # the last recorded step's update is done now
            self._done(len(self.steps) - 1, tuple([p.data for p in ps]))
        self._calls += 1
        if (self._calls - 1) % self.every:
            return
        self.steps.append(self._calls - 1)
        self.losses.append(float(value))
        self.params.append(tuple([p.data for p in ps]))
        self.grads.append(tuple([p.grad for p in ps]))
        self.lrs.append(self._optimizer.lr if self._optimizer is not None else None)
        self._views = None

    def _done(self, k: int, after: tuple[float, ...]) -> None:
        """Keep step `k`'s parameters after its update, and the learning rate the update used."""
        self._after[k] = after
        opt = self._optimizer
        if opt is not None and self.lrs[k] != opt.lr and self._plain_sgd():  # a schedule set lr after record()
            w, g = self.params[k], self.grads[k]
            i = max(range(len(g)), key=lambda i: abs(g[i]))
            if after[i] == w[i] - opt.lr * g[i]:  # SGD's own operation: the lr it used, bit for bit
                self.lrs[k] = opt.lr

    def _plain_sgd(self) -> bool:
        opt = self._optimizer
        return type(opt) is SGD and not opt.momentum and not opt.weight_decay

    def after(self, k: int) -> tuple[float, ...]:
        """The parameters after recorded step `k`'s update: read at the next `record` call, or now for the last step.

        Example:
          >>> from autograd import Value
          >>> from nn import Neuron, SGD
          >>> n = Neuron(1, seed=0); opt = SGD(n.parameters(), lr=0.5)
          >>> rec = Recorder(n, [[1.0]])
          >>> n.zero_grad(); out = n([1.0]); out.backward(); rec.record(out); opt.step()
          >>> rec.after(0) == tuple(p.data for p in n.parameters())
          True
        """
        k = self._index(k, "Recorder.after")
        if k not in self._after:  # the last step: its update is in the model now (if the loop has made it)
            return tuple(p.data for p in self._params)
        return self._after[k]

    def explore(self, k: int, example: int) -> Explorer:
        """The backprop explorer of `example`'s loss (or output, without `loss_fn`) at recorded step `k`'s parameters.

        The model is copied with that step's parameters, so the model itself is left as it is. The
        explorer opens at the start of the backward pass (its `step`), the forward pass done.

        Example:
          >>> from nn import MLP, hinge_loss
          >>> model = MLP(2, [3, 1], seed=0)
          >>> rec = Recorder(model, [[1.0, -1.0]], [1], loss_fn=hinge_loss)
          >>> rec.record(0.0)
          >>> ex = rec.explore(0, 0)
          >>> ex.steps[ex.step].phase, ex.steps[ex.step].node.label   # it opens at the root's backward step
          ('backward', 'loss')
        """
        from autograd.explorer import explore

        k = self._index(k, "Recorder.explore")
        if not (is_int(example) and 0 <= example < len(self.X)):
            raise ValueError(f"Recorder.explore: example must be an index into X, 0 to {len(self.X) - 1}, got {shown(example)}")
        model = copy.deepcopy(self._model)  # the user's model keeps its numbers
        params = _recorded_order(model)
        for p, v in zip(params, self.params[k]):
            p.data = v
        inputs = [Value(c, label=f"x_{j}") for j, c in enumerate(self.X[example], 1)]
        out = model(inputs)
        target = None if self.y is None else self.y[example]
        if self._loss_fn is not None and target is not None:
            out = self._loss_fn(out, target)
            out.label = "loss"
        if not isinstance(out, Value):
            raise ValueError("Recorder.explore: the model has several outputs; pass loss_fn to explore one example's loss")
        said = "" if target is None else f" (y = {target})"
        ex = explore(out, params=params, title=f"backprop on example {example + 1}{said} at step {self.steps[k]}")
        # It opens where the backward pass starts: every value of that step known, the gradients to come.
        ex.step = next(s.index for s in ex.steps if s.phase == "backward")
        return ex

    def _index(self, k: object, who: str) -> int:
        n = len(self.steps)
        if not (is_int(k) and -n <= k < n):
            raise ValueError(f"{who}: k must be a recorded step's index, 0 to {n - 1} (or negative, from the end), "
                             f"got {shown(k)}" if n else f"{who}: nothing is recorded yet; call record(loss) in the loop")
        return k % n

    # --- the page ------------------------------------------------------------------------------

    def html(self, explorers: Sequence[tuple[int, int]] | None = None, max_explorer_bytes: int = EXPLORER_BYTES) -> str:
        """The whole page as a string (see `save`).

        Example:
          >>> from nn import MLP
          >>> rec = Recorder(MLP(2, [2, 1], seed=0), [[0.0, 1.0]]); rec.record(1.0)
          >>> "<html" in rec.html()
          True
        """
        self._check_recorded("Recorder.html")
        return page.page(self.title, "training", '<div class="dagrad-training" id="dagrad-training"></div>',
                         "dagrad-training-data", self._json(self._saved_explorers(explorers, max_explorer_bytes), live=False),
                         frames=True)

    def save(self, path: str | os.PathLike[str], explorers: Sequence[tuple[int, int]] | None = None,
             max_explorer_bytes: int = EXPLORER_BYTES) -> str:
        """Write the timeline as one self-contained HTML file: script, style and data inline, no network request.

        The page can open the backprop explorer of some examples at some steps, chosen here
        (Jupyter's widget computes any on demand). Each explorer is stored compressed (~150 KB for
        the demo's network, 16-16-1); they are kept in the order given while their total stays
        within `max_explorer_bytes`, and a warning names those left out.

        Args:
          path: the file to write (``.html``); missing parent folders are created.
          explorers: ``(k, example)`` pairs: recorded step index and example index. By default the
            first example at the first, middle and last recorded steps.
          max_explorer_bytes: the explorers' budget in the file, in bytes (1 MB by default).

        Returns:
          `path`.

        Example:
          >>> import os, tempfile
          >>> from nn import MLP
          >>> rec = Recorder(MLP(2, [2, 1], seed=0), [[0.0, 1.0]]); rec.record(1.0)
          >>> os.path.getsize(rec.save(os.path.join(tempfile.mkdtemp(), "training.html"))) < 3_000_000
          True
        """
        return page.save(path, self.html(explorers, max_explorer_bytes), "Recorder.save")

    def _saved_explorers(self, pairs: Sequence[tuple[int, int]] | None, budget: int) -> list[dict[str, Any]]:
        positive_int(budget, "Recorder.save", "max_explorer_bytes")
        n = len(self.steps)
        if pairs is None:  # by default: when an example's loss (or its one output) can be explored
            explorable = self._loss_fn is not None and self.y is not None or self._computed()["outputs"] == 1
            pairs = list(dict.fromkeys([(0, 0), (n // 2, 0), (n - 1, 0)])) if explorable else []
        chosen = list(pairs)
        saved: list[dict[str, Any]] = []
        left: list[tuple[int, int]] = []
        for pair in chosen:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise TypeError(f"Recorder.save: explorers must be (k, example) pairs, got {shown(pair)}")
            k, example = self._index(pair[0], "Recorder.save"), pair[1]
            packed = base64.b64encode(gzip.compress(self.explore(k, example).html().encode(), mtime=0)).decode()
            if len(packed) > budget:
                left.append((k, example))
                continue
            budget -= len(packed)
            saved.append({"k": k, "example": example, "page": packed})
        if left:
            warnings.warn(f"Recorder.save: explorers {left} left out: the explorers' budget is max_explorer_bytes="
                          f"{budget + sum(len(s['page']) for s in saved)}; pass a larger one or fewer pairs", stacklevel=3)
        return saved

    def widget(self) -> Any:
        """An anywidget of this timeline (``pip install 'dagrad[notebooks]'``); Jupyter shows it.

        Choosing an example there computes its explorer on demand.

        Example:
          >>> from nn import MLP
          >>> rec = Recorder(MLP(2, [2, 1], seed=0), [[0.0, 1.0]]); rec.record(1.0)
          >>> rec.widget().step
          0
        """
        self._check_recorded("Recorder.widget")
        w = page.widget_class("Recorder", "training", "data")(data=self._json([], live=True), step=0)

        def reply(widget: Any, content: Any, buffers: Any) -> None:  # the script asks for an explorer
            if isinstance(content, dict) and content.get("explore"):
                k, example = content["explore"]
                widget.send({"k": k, "example": example, "html": self.explore(k, example).html()})

        w.on_msg(reply)
        return w

    def _check_recorded(self, who: str) -> None:
        if not self.steps:
            raise ValueError(f"{who}: nothing is recorded yet; call rec.record(loss) in the training loop first")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict[str, Any] | tuple[dict[str, Any], dict[str, Any]]:
        if not self.steps:  # nothing to show yet: say so
            return {"text/plain": repr(self)}
        caption = f"<p><b>{svg.text(self.title)}</b>: {svg.text(repr(self))}</p>"
        return page.mimebundle(caption, repr(self), self.widget,
                               "<p>(install the notebooks extra, <code>pip install 'dagrad[notebooks]'</code>, to "
                               "see the timeline here, or open <code>rec.save('training.html')</code> in a browser)</p>",
                               include, exclude, **kwargs)

    def __repr__(self) -> str:
        last = f", loss {svg.number(self.losses[-1])} at step {self.steps[-1]}" if self.steps else ""
        return f"<Recorder {len(self.steps)} steps recorded{last}>"

    @property
    def accuracies(self) -> list[float | None] | None:
        """The accuracy on X at each recorded step (before its update), or None when the targets do not allow one.

        A step whose outputs are not finite (a run that diverged to inf or nan) has accuracy None.

        Example:
          >>> from nn import MLP
          >>> rec = Recorder(MLP(1, [1], seed=0), [[1.0], [-1.0]], [1, -1]); rec.record(0.0)
          >>> rec.accuracies in ([0.0], [1.0])
          True
        """
        accuracy: list[float | None] | None = self._computed()["accuracy"]
        return accuracy

    def _computed(self) -> dict[str, Any]:
        if self._views is None:
            self._views = _Views(self).compute()
        return self._views

    def _json(self, explorers: list[dict[str, Any]], live: bool) -> str:
        """The page's data; `live`: a widget, which asks Python for any explorer, else a saved page with `explorers`."""
        v, n = self._computed(), len(self.steps)
        if self.steps[-1] == self._calls - 1:  # the last step's update, as the model holds it now (replaced by the next record)
            self._done(n - 1, self.after(n - 1))
        after = [None if k + 1 < n and self.steps[k + 1] == self.steps[k] + 1 else self.after(k) for k in range(n)]
        opt = self._optimizer
        rule = "inferred" if opt is None else "sgd" if self._plain_sgd() else type(opt).__name__
        return json.dumps({
            "title": self.title, "steps": self.steps, "loss": [page.json_number(x) for x in self.losses],
            "accuracy": v["accuracy"], "lr": self.lrs, "rule": rule, "names": self.names,
            "params": [[page.json_number(x) for x in ps] for ps in self.params],
            "grads": [[page.json_number(x) for x in gs] for gs in self.grads],
            "after": [a and [page.json_number(x) for x in a] for a in after],
            "groups": _groups(self), "boundary": v["boundary"],
            "X": self.X, "y": self.y if self.y is None or all(isinstance(t, (int, float)) for t in self.y) else None,
            "classes": v["classes"], "explorers": explorers, "examples": len(self.X),
            "live": live,
        }, separators=(",", ":"), allow_nan=False)


class _Views:
    """What the page draws from the recorded numbers: the model's outputs on X and on a grid, per step.

    The model is compiled once as a function of its inputs and its parameters (`compile_graph`),
    then replayed at every recorded step's parameters: with NumPy in one `CompiledFunction.batch`
    per step and output, else point by point on a coarser grid.
    """

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        xs = [Value(c) for c in rec.X[0]]
        model = copy.deepcopy(rec._model)
        params = _recorded_order(model)
        out = model(xs)
        outs = out if isinstance(out, list) else [out]
        self.functions: list[CompiledFunction[Any]] = [compile_graph(o, [*xs, *params]) for o in outs]
        try:
            import numpy
            self.np: Any = numpy
        except ImportError:
            self.np = None

    def compute(self) -> dict[str, Any]:
        rec = self.rec
        n_out = len(self.functions)
        classes = _classes(rec.y, n_out)
        predictions = [self.outputs(rec.X, ps) for ps in rec.params]
        accuracy = None
        if classes is not None and rec.y is not None:  # None at a step whose outputs are not finite (diverged)
            targets = [classes.index(t) if n_out == 1 else int(t) for t in rec.y]
            accuracy = [None if outs is None else sum(_decide(o) == t for o, t in zip(outs, targets)) / len(targets)
                        for outs in predictions]
        boundary = self.boundary() if len(rec.X[0]) == 2 and n_out <= 8 else None
        return {"accuracy": accuracy, "boundary": boundary, "classes": classes, "outputs": n_out}

    def outputs(self, points: list[list[float]], ps: tuple[float, ...]) -> list[list[float]] | None:
        """Each point's outputs at parameters `ps`; None when a parameter or an output is not finite (a
        run that diverged): such a step decides nothing, and the page says so."""
        if not all(map(math.isfinite, ps)):
            return None
        if self.np is not None:
            np = self.np
            rows = np.hstack([np.asarray(points, dtype=float), np.tile(np.asarray(ps, dtype=float), (len(points), 1))])
            columns = [f.batch(rows, grads=False) for f in self.functions]
            out: list[list[float]] = np.stack(columns, axis=1).tolist()
        else:
            out = [[f([*x, *ps])[0] for f in self.functions] for x in points]
        return out if all(math.isfinite(o) for row in out for o in row) else None

    def boundary(self) -> dict[str, Any]:
        """The decision at every grid cell, per step: one character per cell (class and confidence), or
        None at a step whose outputs are not finite."""
        rec = self.rec
        side = GRID if self.np is not None else GRID_PLAIN
        (x0, x1), (y0, y1) = (_extent([r[c] for r in rec.X]) for c in (0, 1))
        grid = [[x0 + (x1 - x0) * (i + 0.5) / side, y1 - (y1 - y0) * (j + 0.5) / side]
                for j in range(side) for i in range(side)]  # row by row, top row first
        cells = []
        for ps in rec.params:
            outs = self.outputs(grid, ps)
            cells.append(None if outs is None else "".join(_LEVELS[_level(o)] for o in outs))
        return {"side": side, "extent": [x0, x1, y0, y1], "cells": cells}


def _recorded_order(model: Module) -> list[Value]:
    """A copy's parameters in the order the recorder takes them (``named_parameters()``, which a
    Module may override in an order of its own): the order its recorded numbers are in."""
    return [p for _, p in model.named_parameters()]


def _decide(outputs: list[float]) -> int:
    """The class the outputs choose: the sign of one score (1 if > 0), or the largest of several."""
    if len(outputs) == 1:
        return int(outputs[0] > 0)
    return max(range(len(outputs)), key=outputs.__getitem__)


def _level(outputs: list[float]) -> int:
    """A cell's character: class × 8 + confidence (0-7), or, for one score, 0-63 by tanh of the score (32 up: positive)."""
    if len(outputs) == 1:
        return min(63, max(0, int(32 + 32 * math.tanh(outputs[0]))))
    c = _decide(outputs)
    rest = sorted(outputs)[-2]
    return c * 8 + min(7, int(8 * math.tanh(outputs[c] - rest)))


def _classes(y: list[Any] | None, n_out: int) -> list[Any] | None:
    """The targets' classes in decision order, when the targets allow an accuracy, else None."""
    if y is None or not all(is_number(t) for t in y):
        return None
    found = set(y)
    if n_out == 1:
        return [-1, 1] if found <= {-1, 1} else [0, 1] if found <= {0, 1} else None
    return list(range(n_out)) if all(is_int(t) or float(t).is_integer() for t in y) and found <= set(range(n_out)) else None


def _extent(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    pad = 0.1 * (hi - lo) or 0.5
    return lo - pad, hi + pad


def _groups(rec: Recorder) -> list[dict[str, Any]]:
    """The heatmaps: one per layer of nn's labels (rows neurons i, columns inputs j, then the bias),
    and one row per other parameter group (the parameters whose names share all but their last part)."""
    layers: dict[int, dict[tuple[int, int], int]] = {}
    others: dict[str, list[int]] = {}
    for k, p in enumerate(rec._params):
        name = notation.parse(p.label)
        if name is not None and name.name == "w" and len(name.indices) == 2:
            layers.setdefault(name.layer, {})[name.indices] = k
        elif name is not None and name.name == "b" and len(name.indices) == 1:
            layers.setdefault(name.layer, {})[(name.indices[0], 0)] = k
        else:
            others.setdefault(rec._keys[k].rpartition(".")[0] or "parameters", []).append(k)
    groups: list[dict[str, Any]] = []
    for l, cells in sorted(layers.items()):
        rows = sorted({i for i, _ in cells})
        cols = sorted({j for _, j in cells if j})
        has_bias = any(j == 0 for _, j in cells)
        order = cols + ([0] if has_bias else [])
        groups.append({"name": f"layer {l}", "w": f"W[{l}]", "rows": [str(i) for i in rows],
                       "cols": [str(j) if j else "b" for j in order],
                       "cells": [[cells.get((i, j), -1) for j in order] for i in rows]})
    for name, ks in others.items():
        groups.append({"name": name, "w": name, "rows": [""], "cols": [rec._keys[k].rpartition(".")[2] for k in ks],
                       "cells": [ks]})
    for g in groups:  # one colour scale per heatmap, shared by every step
        members = [k for row in g["cells"] for k in row if k >= 0]
        g["wmax"] = max((abs(ps[k]) for ps in rec.params for k in members if math.isfinite(ps[k])), default=0.0)
        # Gradients: the 95th percentile of |∂C/∂w|, not the largest, which the first steps' few
        # large ones would set and so wash out every later step; larger ones show at full colour.
        sizes = sorted(abs(gs[k]) for gs in rec.grads for k in members if math.isfinite(gs[k]))
        g["gmax"] = sizes[int(0.95 * (len(sizes) - 1))] if sizes else 0.0
        g["norms"] = [page.json_number(math.sqrt(sum(gs[k] * gs[k] for k in members))) for gs in rec.grads]
    return groups
