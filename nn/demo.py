"""``python -m nn.demo``: train micrograd's demo network on two moons, then draw what it learned.

Trains ``MLP(2, [16, 16, 1])`` (ReLU hidden layers, linear output) on 100 noisy two-moons points
with micrograd's recipe: full-batch SGD on the mean hinge loss plus an L2 penalty, with a learning
rate decaying linearly from 1.0 to 0.1. Then writes, to ``out/`` by default:

- ``training_curves.png``: loss and training accuracy per step;
- ``decision_boundary.png``: the learned score's sign over the plane, with the data;
- ``backprop.html``: the backprop explorer (`autograd.explore`) on one example's loss, drawn
  before training, where its gradient is not zero: one box per neuron, forward and backward pass
  step by step; open it in any browser;
- ``training.html``: the training timeline (`nn.Recorder`) of every step: loss and accuracy, the
  decision boundary, each layer's weights and gradients, what each update changed, and the
  explorer of the first example at the first, middle and last step;
- ``model.json``: the trained weights (``MLP(2, [16, 16, 1]).load("out/model.json")``).

Options: ``--data digits`` (the 8 × 8 handwritten digits instead, `nn.demo_digits`: an MLP
64-32-10 trained with `cross_entropy`; 96% test accuracy in ~9 s with ``--compiled``, ~5 s with ``--vectorize``),
``--steps N`` (default 100; 3,000 for the digits), ``--seed S`` (for the data and the weights, default
1337; for the digits, the weights and the minibatches),
``--out DIR`` (default ``out/``), ``--quiet`` (no progress bar), ``--compiled`` (train with a
compiled step, `nn.compile_step`: the same weights, bit for bit, in less time), ``--vectorize`` (a
compiled step with ``vectorize=True``: each layer one NumPy matrix product), ``--batch-size N``
(each step draws N points at random, minibatch SGD; default: all of them; for the digits 10, one
of each digit).

Needs the demo extras: ``pip install 'dagrad[demo]'`` (matplotlib, tqdm, graphviz, numpy).

Example (a shell)::

  python -m nn.demo                          # or: make demo, or: dagrad-demo
  python -m nn.demo --steps 50 --seed 0 --out /tmp/moons --quiet
  python -m nn.demo --compiled
  python -m nn.demo --compiled --batch-size 10
  python -m nn.demo --data digits --compiled
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from autograd import replay
from autograd._checks import is_int, positive, positive_int, random_seed, sequence
from autograd.engine import Value, no_grad
from nn import demo_digits
from nn.compile import compile_step
from nn.datasets import make_moons
from nn.losses import hinge_loss
from nn.module import MLP
from nn.optim import SGD
from nn.recorder import Recorder

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from autograd.explorer import Explorer
    from nn.module import Module

    # A train step: (model, inputs, labels) -> (loss, accuracy), the gradients left in .grad.
    StepFn = Callable[[Module, list[list[Value]], Sequence[Any]], tuple[float, float]]

__all__ = ["accuracy", "backprop_step", "compiled_step", "main", "objective", "plot_decision_boundary", "plot_history", "run", "train"]

T = TypeVar("T")
U = TypeVar("U")
STEPS, SEED, OUT = 100, 1337, "out"
# The demo extra's libraries that the demo imports (graphviz: never, the explorer lays out in Python).
EXTRAS = ("tqdm", "matplotlib", "numpy")
N_SAMPLES, NOISE, ALPHA = 100, 0.1, 1e-4
GRID = 400  # decision-boundary resolution: GRID x GRID points, one compiled replay on arrays (~0.1 s)


def objective(model: Module, scores: Sequence[Value | float], y: Sequence[float], alpha: float = ALPHA) -> Value:
    """The demo's loss: mean hinge loss of the scores plus ``alpha`` times the sum of squared parameters.

    Args:
      model: the model whose parameters the L2 penalty covers.
      scores: the model's score for each point (Values).
      y: the points' labels, -1 or +1.
      alpha: the L2 penalty's weight.

    Returns:
      The loss, a Value.

    Example:
      >>> model = MLP(2, [4, 1], seed=0)
      >>> scores = [model(x) for x in [[0.0, 1.0], [1.0, 0.0]]]
      >>> objective(model, scores, [1, -1]).data > 0
      True
    """
    return hinge_loss(scores, y) + alpha * sum(p * p for p in model.parameters())


def accuracy(scores: Sequence[Value | float], y: Sequence[float]) -> float:
    """The fraction of points whose score has the sign of their ±1 label (a score of 0 counts as −1).

    Args:
      scores: Values or floats, one per point.
      y: the labels, -1 or +1.

    Returns:
      A float in [0, 1].

    Raises:
      ValueError: no scores, or not one label per score.
      TypeError: scores or labels that are not a sequence (a dict, a set: no order to pair them by).

    Example:
      >>> accuracy([0.5, -2.0, 0.1], [1, -1, -1])
      0.6666666666666666
    """
    scores, y = _check_pairs("accuracy", "scores", scores, y, "Values or numbers")
    return sum((getattr(s, "data", s) > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)  # type: ignore[operator]  # s.data or s: a float


def backprop_step(model: Module, X: Sequence[Sequence[Value | float]], y: Sequence[float]) -> tuple[float, float]:
    """The default `train` step: build the `objective`'s graph and backpropagate through it.

    Leaves d(loss)/d(parameter) in every parameter's ``.grad``, added to what is there (`train`
    zeroes the gradients first).

    Args:
      model: the model being trained.
      X: the points, lists of floats or Values.
      y: their labels, -1 or +1.

    Returns:
      ``(loss, accuracy)``, two floats, both measured before the update.

    Example:
      >>> model = MLP(2, [4, 1], seed=0)
      >>> loss, acc = backprop_step(model, [[0.0, 1.0], [1.0, 0.0]], [1, -1])
      >>> any(p.grad != 0 for p in model.parameters())
      True
    """
    scores = [model(x) for x in X]
    loss = objective(model, scores, y)
    loss.backward()
    return loss.data, accuracy(scores, y)


def compiled_step(model: Module, X: Sequence[Sequence[float]], y: Sequence[Any], *,
                  loss_fn: Callable[[Any, Any], Value] | None = None,
                  score: Callable[[Any, Any], float] = accuracy, vectorize: bool = False) -> StepFn:
    """A `train` step_fn that replays the `objective` compiled (`nn.compile_step`): same gradients, faster.

    The graph of the batch's loss is traced once, here, with the points and labels as data inputs;
    each step then runs it as straight-line float code at the parameters' current values on the
    batch it is given. A batch of another size (a minibatch) is traced once, on first use. The
    step function checks that it is given the model it was compiled for.

    Args:
      model: the model being trained.
      X: the points to trace with (a batch of the size most steps use).
      y: their labels, -1 or +1.
      loss_fn: ``loss_fn(outputs, y) -> Value`` instead of the `objective` (the digits demo's
        `cross_entropy`).
      score: ``score(outputs, y) -> float``, the accuracy the step reports (floats as outputs).
      vectorize: compile with ``vectorize=True``: each layer over the batch as one NumPy matrix
        product (the gradients equal the scalar replay's to 1e-12; NumPy is the ``fast`` extra).

    Returns:
      A function ``(model, inputs, y) -> (loss, accuracy)`` for `train`'s ``step_fn``, where
      `model` must be the one compiled and `inputs` (lists of numbers or Values) and `y` are any batch.

    Example:
      >>> X, labels = make_moons(20, noise=0.1, seed=0); y = [2 * t - 1 for t in labels]
      >>> model = MLP(2, [8, 1], seed=0)
      >>> len(train(model, X, y, steps=3, step_fn=compiled_step(model, X, y), quiet=True, batch_size=5))
      3
    """
    if loss_fn is None:
        loss_fn = lambda scores, targets: objective(model, scores, targets)
    step = compile_step(model, loss_fn, X, y, vectorize=vectorize)

    def step_fn(given_model: Module, inputs: list[list[Value]], given_y: Sequence[float]) -> tuple[float, float]:
        if given_model is not model:
            raise ValueError(f"compiled_step: this step was compiled for another {type(model).__name__}; "
                             f"make one per model: compiled_step(model, X, y)")
        # Speed: one pass over the batch's numbers, microseconds against a step of milliseconds.
        loss = step([[getattr(c, "data", c) for c in x] for x in inputs], given_y)
        return loss, score(step.predictions, given_y)

    return step_fn


def train(model: Module, X: Sequence[Sequence[float]], y: Sequence[Any], steps: int = STEPS, *, step_fn: StepFn = backprop_step,
          quiet: bool = False, batch_size: int | None = None, seed: int = SEED, lr: float = 1.0,
          stratified: bool = False, record: Callable[[float], None] | None = None) -> list[tuple[float, float]]:
    """Train `model` with micrograd's demo schedule: SGD, lr = 1.0 − 0.9·k/steps at step k.

    Each step zeroes the gradients, calls ``step_fn(model, inputs, y)`` (which fills in the
    gradients and returns the loss and accuracy), and takes an SGD step. With a `batch_size`
    smaller than the data, each step draws a minibatch of that many points at random (without
    replacement, from ``random.Random(seed)``), the notes' stochastic gradient descent; by default
    every step uses all of them. With `stratified`, `y` holds class indices 0 .. k−1 and each
    minibatch holds ``batch_size / k`` examples of every class, in class order: every batch then
    has the same targets, so a compiled step whose loss bakes them in (`cross_entropy`) keeps one
    program. A tqdm progress bar shows the loss and accuracy (in Jupyter, one widget that updates
    in place).

    Args:
      model: a model returning one score per point, e.g. ``MLP(2, [16, 16, 1])`` (or what
        `step_fn` takes: one logit per class for the digits).
      X: the points, a list of lists of floats.
      y: their labels, -1 or +1 (or what `step_fn` takes: class indices for `stratified`).
      steps: the number of steps (>= 1).
      step_fn: computes the gradients: ``step_fn(model, inputs, y) -> (loss, accuracy)``, where
        `inputs` is `X` as lists of leaf Values, the same ones every step; by default
        `backprop_step`, which rebuilds the graph every step.
      quiet: hide the progress bar.
      batch_size: points per step (an integer >= 1); by default all of them.
      seed: seeds the minibatches' draw.
      lr: the first step's learning rate; it decays linearly to a tenth of it, as micrograd's.
      stratified: draw each minibatch class by class (see above); needs a `batch_size` that is a
        multiple of the number of classes.
      record: called with each step's loss after its gradients and before its update, e.g. a
        `Recorder`'s ``record``.

    Returns:
      The history: one ``(loss, accuracy)`` pair per step, measured before that step's update.

    Example:
      >>> X, y = make_moons(20, noise=0.1, seed=0)
      >>> history = train(MLP(2, [8, 1], seed=0), X, [2 * t - 1 for t in y], steps=5, quiet=True)
      >>> len(history), history[-1][0] < history[0][0]
      (5, True)
    """
    positive_int(steps, "train", "steps")
    if batch_size is not None:
        positive_int(batch_size, "train", "batch_size")
    X, y = _check_pairs("train", "points", X, y, "points (lists of numbers)")
    positive(lr, "train", "lr")
    pools = _strata(y, batch_size) if stratified else None
    _check_extras("train", ("tqdm",))
    from tqdm.auto import tqdm  # in Jupyter one live widget line, not a block of stderr lines; text in a terminal

    # Wrapped once, not per step: a float input becomes a new constant node in each product w * x
    # of the first layer, every step (measured: ~5-10% of the demo's step time).
    inputs = [[Value(c) for c in x] for x in X]
    optimizer = SGD(model.parameters(), lr=lr)
    history: list[tuple[float, float]] = []
    rng, everything = random.Random(random_seed(seed, "train")), batch_size is None or batch_size >= len(X)
    with tqdm(range(steps), desc="training", unit="step", disable=quiet) as bar:
        for k in bar:
            optimizer.zero_grad()
            if pools is not None:
                batch = [i for pool in pools for i in rng.sample(pool, batch_size // len(pools))]  # type: ignore[operator]  # checked: an int
                loss, acc = step_fn(model, [inputs[i] for i in batch], [y[i] for i in batch])
            elif everything:
                loss, acc = step_fn(model, inputs, y)
            else:
                batch = rng.sample(range(len(X)), batch_size)  # type: ignore[arg-type]  # not everything: an int
                loss, acc = step_fn(model, [inputs[i] for i in batch], [y[i] for i in batch])
            if record is not None:
                record(loss)
            optimizer.lr = lr * (1.0 - 0.9 * k / steps)
            optimizer.step()
            history.append((loss, acc))
            bar.set_postfix(loss=f"{loss:.4f}", accuracy=f"{acc:.0%}", refresh=False)  # drawn at the bar's own pace
    return history


def run(steps: int = STEPS, seed: int = SEED, out: str = OUT, quiet: bool = False, *, compiled: bool = False,
        step_fn: StepFn | None = None, batch_size: int | None = None, vectorize: bool = False) -> dict[str, Any]:
    """The whole demo: make the data, train, evaluate, and write the drawings and the weights.

    Args:
      steps: training steps.
      seed: seeds both the data and the initial weights.
      out: the folder to write to (created if missing).
      quiet: hide the progress bar.
      compiled: train with `compiled_step` (the same weights, bit for bit, faster); not
        together with `step_fn`.
      step_fn: how `train` computes the gradients (see `train`); by default `backprop_step`.
      batch_size: points per step (minibatch SGD, see `train`); by default all of them.
      vectorize: train with `compiled_step(..., vectorize=True)` (implies `compiled`): each layer
        as one matrix product; the weights equal the scalar replay's to rounding.

    Raises:
      ValueError: both `compiled` (or `vectorize`) and `step_fn` are given (each says how to
        compute the gradients), or `out` cannot be a folder (it is a file, or under one); checked before training.
      ImportError: a library of the demo extra is missing (checked before training).

    Returns:
      A dict: ``accuracy`` and ``loss`` of the trained model on the training data, ``seconds``
      (the training time) and ``files`` (the paths written).

    Example:
      >>> import tempfile
      >>> result = run(steps=2, out=tempfile.mkdtemp(), quiet=True)
      >>> len(result["files"]), 0 <= result["accuracy"] <= 1
      (5, True)
    """
    compiled = compiled or vectorize
    if compiled and step_fn is not None:
        raise ValueError(f"run: got compiled=True and step_fn={getattr(step_fn, '__name__', step_fn)!r}, two ways to "
                         f"compute the gradients; give one (compiled=True trains with compiled_step)")
    X, labels = _prepare("run", steps, seed, out, batch_size, lambda: make_moons(N_SAMPLES, noise=NOISE, seed=seed))
    y = [2 * t - 1 for t in labels]  # hinge loss wants -1/+1; make_moons gives 0/1
    model = MLP(2, [16, 16, 1], seed=seed)
    explorer = _explore_example(model, X, y)  # before training, while the example's gradient is not zero
    start = time.perf_counter()
    if compiled:  # the one-off trace and compile count as training time
        step_fn = compiled_step(model, X, y, vectorize=vectorize)
    elif step_fn is None:
        step_fn = backprop_step
    recorder = Recorder(model, X, y, loss_fn=hinge_loss, title="training the demo's MLP(2, [16, 16, 1]) on two moons")
    history = train(model, X, y, steps, step_fn=step_fn, quiet=quiet, batch_size=batch_size, seed=seed,
                    record=recorder.record)
    seconds = time.perf_counter() - start
    with no_grad():  # the history is measured before each update; this is after the last one
        scores = [model(x) for x in X]
        loss = objective(model, scores, y)

    curves, boundary = os.path.join(out, "training_curves.png"), os.path.join(out, "decision_boundary.png")
    plot_history(history, curves)
    plot_decision_boundary(model, X, y, boundary)
    files = [curves, boundary, explorer.save(os.path.join(out, "backprop.html")),
             recorder.save(os.path.join(out, "training.html"))]
    model.save(os.path.join(out, "model.json"))
    files.append(os.path.join(out, "model.json"))
    return {"accuracy": accuracy(scores, y), "loss": loss.data, "seconds": seconds, "files": files}


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """The command line: ``python -m nn.demo`` (or ``dagrad-demo``) ``[--data D] [--steps N] [--seed S] [--out DIR]
    [--quiet] [--compiled] [--vectorize] [--batch-size N]``.

    Args:
      argv: the arguments (a list of strings); by default ``sys.argv[1:]``.
      prog: the program's name, which its messages begin with; by default the one it was run
        by (``dagrad-demo``, argparse's name from ``sys.argv[0]``). ``python -m nn.demo`` gives its own.

    Returns:
      The exit status, 0.

    Example:
      >>> import tempfile
      >>> main(["--steps", "2", "--out", tempfile.mkdtemp(), "--quiet"])  # doctest: +ELLIPSIS
      dagrad demo: ...% training accuracy after 2 steps ...
      0
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Train MLP(2, [16, 16, 1]) on two moons as micrograd's demo does (or MLP(64, [32, 10]) on "
                    "handwritten digits); plot it and draw its graph.")
    parser.add_argument("--data", choices=("moons", "digits"), default="moons",
                        help="the data set: two moons (default), or the 8x8 handwritten digits (needs scikit-learn)")
    parser.add_argument("--steps", type=_positive_int, default=None,
                        help=f"training steps (default {STEPS}; {demo_digits.STEPS} for the digits)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"seed for the data and the weights (default {SEED}; the digits' split is fixed)")
    parser.add_argument("--out", type=_out_option, default=OUT, help=f"folder for the plots, graph and weights (default {OUT}/)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar; print only the summary line")
    parser.add_argument("--compiled", action="store_true",
                        help="train with a compiled step (nn.compile_step): the same weights (on moons bit for bit), faster")
    parser.add_argument("--vectorize", action="store_true",
                        help="compile with vectorize=True (implies --compiled): each layer over the batch as one NumPy "
                             "matrix product, recovered from the scalar graph")
    parser.add_argument("--batch-size", type=_positive_int, default=None, metavar="N",
                        help=f"points per step, drawn at random each step (minibatch SGD; default: all of them; "
                             f"for the digits {demo_digits.BATCH}, a multiple of 10: as many of each digit)")
    args = parser.parse_args(argv)
    digits = args.data == "digits"
    if digits and args.batch_size and args.batch_size % demo_digits.CLASSES:
        parser.error(f"argument --batch-size: with --data digits, must be a multiple of 10 (as many of each digit), "
                     f"got {args.batch_size}")
    try:
        _check_extras(parser.prog, EXTRAS)
        if digits:
            steps = args.steps or demo_digits.STEPS
            result = demo_digits.run(steps, args.seed, args.out, args.quiet, compiled=args.compiled,
                                     batch_size=args.batch_size or demo_digits.BATCH, vectorize=args.vectorize)
        else:
            steps = args.steps or STEPS
            result = run(steps, args.seed, args.out, args.quiet, compiled=args.compiled, batch_size=args.batch_size,
                         vectorize=args.vectorize)
    except ImportError as e:  # a missing extra (or scikit-learn, for the digits): found before training
        parser.exit(1, f"{e}\n")
    print(f"dagrad demo: {result['accuracy']:.1%} {'test' if digits else 'training'} accuracy after {steps} steps "
          f"(loss {result['loss']:.4f}, {result['seconds']:.1f} s); wrote {', '.join(result['files'])}")
    return 0


# --- drawing --------------------------------------------------------------------------------------
# matplotlib's object-oriented Figure renders with Agg and never touches pyplot's global state,
# so the demo runs headless and leaves a Jupyter session's backend alone.

def plot_history(history: Sequence[tuple[float, float]], path: str | None = None, *,
                 loss_name: str = "hinge loss + L2", smooth: int = 1) -> Figure:
    """Plot the loss (log scale) and the training accuracy of each step, side by side.

    Args:
      history: ``(loss, accuracy)`` pairs, one per step, as `train` returns them.
      path: if given, also write the figure there (PNG, PDF or SVG by the suffix).
      loss_name: the loss plot's title.
      smooth: with a number > 1, each step's numbers are drawn faintly, and over them their mean
        over the last `smooth` steps (minibatches' numbers jump from step to step).

    Returns:
      The matplotlib Figure (Jupyter shows it inline).

    Example:
      >>> fig = plot_history([(1.0, 0.5), (0.5, 0.8), (0.2, 0.9)])
      >>> [ax.get_title() for ax in fig.axes]
      ['hinge loss + L2', 'training accuracy']
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    steps = range(1, len(history) + 1)
    positive_int(smooth, "plot_history", "smooth")
    faint = {"alpha": 0.25, "linewidth": 0.8} if smooth > 1 else {}
    for ax, numbers, color in ((loss_ax, [loss for loss, _ in history], "tab:red"),
                               (acc_ax, [100 * acc for _, acc in history], "tab:blue")):
        ax.plot(steps, numbers, color=color, **faint)
        if smooth > 1:
            total, means = 0.0, []
            for k, x in enumerate(numbers):  # the mean of the last `smooth` steps, a running sum
                total += x - (numbers[k - smooth] if k >= smooth else 0.0)
                means.append(total / min(k + 1, smooth))
            ax.plot(steps, means, color=color, label=f"mean of the last {smooth} steps")
            ax.legend(loc="best")
    loss_ax.set(xlabel="step", ylabel="loss", yscale="log", title=loss_name)
    acc_ax.set(xlabel="step", ylabel="accuracy (%)", ylim=(0, 101), title="training accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def plot_decision_boundary(model: Module, X: Sequence[Sequence[float]], y: Sequence[float], path: str | None = None) -> Figure:
    """Colour the plane by the sign of the model's score, with the data points and the line score = 0.

    Args:
      model: a model with one output (a score; its sign is the predicted class).
      X: the points, ``[x1, x2]`` each.
      y: their labels, -1 or +1.
      path: if given, also write the figure there.

    Returns:
      The matplotlib Figure.

    Example:
      >>> fig = plot_decision_boundary(MLP(2, [4, 1], seed=0), [[0.0, 0.0], [1.0, 1.0]], [-1, 1])
      >>> fig.axes[0].get_title()
      'decision boundary: score = 0'
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    X, y = _check_pairs("plot_decision_boundary", "points", X, y, "points (lists of numbers)")
    first = model(X[0])
    if not isinstance(first, Value):  # compile, below, would say "the function must return one Value"
        raise TypeError(f"plot_decision_boundary: the model must give one score per point (its sign is the class), "
                        f"got {len(first)} outputs")
    (x_lo, y_lo), (x_hi, y_hi) = [min(c) - 0.5 for c in zip(*X)], [max(c) + 0.5 for c in zip(*X)]
    xs = [x_lo + (x_hi - x_lo) * i / (GRID - 1) for i in range(GRID)]
    ys = [y_lo + (y_hi - y_lo) * j / (GRID - 1) for j in range(GRID)]
    # 160,000 points: the model compiled once and run on arrays (CompiledFunction.batch), not one
    # eager graph per point (a minute); fine enough that the boundary shows no staircase.
    import numpy as np

    score = replay.compile(lambda a, b: model([a, b]), X[0])
    grid_x, grid_y = np.meshgrid(xs, ys)
    scores = score.batch(np.column_stack([grid_x.ravel(), grid_y.ravel()]), grads=False).reshape(grid_x.shape)
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.subplots()
    ax.contourf(xs, ys, scores, levels=[-1e300, 0, 1e300], cmap=ListedColormap(["#f4c7c3", "#c6dbef"]))
    if scores.min() < 0 < scores.max():  # else no boundary to draw (and a warning)
        ax.contour(xs, ys, scores, levels=[0], colors="black", linewidths=1)
    for label, color in ((-1, "tab:red"), (1, "tab:blue")):
        ax.scatter(*zip(*[x for x, t in zip(X, y) if t == label]), color=color, s=25, edgecolors="black",  # type: ignore[misc]
                   linewidths=0.5, label=f"y = {label:+d}")
    ax.legend(loc="upper right")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title="decision boundary: score = 0")
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def _explore_example(model: Module, X: Sequence[Sequence[float]], y: Sequence[float]) -> Explorer:
    """The explorer of one example's loss: the first whose hinge loss is not zero (so neither is its gradient)."""
    from autograd.explorer import explore

    for k in range(len(X)):
        x, label = X[k], y[k]
        inputs = [Value(c, label=f"x_{j}") for j, c in enumerate(x, 1)]  # the notes' x_j
        loss = hinge_loss(model(inputs), label, reduction="sum")
        if loss.data > 0:
            break
    loss.label = "loss"
    return explore(loss, params=model.parameters(),
                   title=f"backprop on example {k + 1} of the demo (y = {label:+d}), before training")


def _prepare(who: str, steps: int, seed: int, out: str, batch_size: int | None, load: Callable[[], T]) -> T:
    """Check a demo's arguments and extras, make its `out` folder, and return its data, ``load()``."""
    # Before training, not after it: a minute of training lost to a typo in --out or a missing library.
    positive_int(steps, who, "steps")
    if batch_size is not None:
        positive_int(batch_size, who, "batch_size")
    random_seed(seed, who)
    _check_extras(who, EXTRAS)
    problem = _out_problem(out)
    if problem:
        raise ValueError(f"{who}: out {problem}")
    data = load()  # the digits need scikit-learn: its ImportError comes before the folder is made
    os.makedirs(out, exist_ok=True)
    return data


def _check_pairs(who: str, what: str, items: Sequence[T], y: Sequence[U], kind: str) -> tuple[Sequence[T], Sequence[U]]:
    """(`items`, `y`) as sequences, if there are some `items` (scores or points, each a `kind`) and one label each;
    else an error naming `who` (a dict or a set is refused: its keys, or its hash order, would meet the labels)."""
    items = sequence(items, who, what, kind)
    y = sequence(y, who, "y", "labels")
    if not len(items):
        raise ValueError(f"{who}: got no {what}")
    if len(items) != len(y):
        raise ValueError(f"{who}: got {len(items)} {what} but {len(y)} labels; give one label per {what[:-1]}")
    return items, y


def _strata(y: Sequence[Any], batch_size: int | None) -> list[list[int]]:
    """The indices of each class's examples, class 0 first, for stratified minibatches (see `train`)."""
    if not all(is_int(t) and t >= 0 for t in y):
        bad = next(t for t in y if not (is_int(t) and t >= 0))
        raise ValueError(f"train: stratified minibatches need class indices 0, 1, ... as labels, got {bad!r}")
    pools: list[list[int]] = [[] for _ in range(max(y) + 1)]
    for i, t in enumerate(y):
        pools[t].append(i)
    if batch_size is None or batch_size % len(pools):
        raise ValueError(f"train: stratified minibatches hold the same number of examples of each of the "
                         f"{len(pools)} classes; give a batch_size that is a multiple of {len(pools)}, got {batch_size!r}")
    per, (fewest, c) = batch_size // len(pools), min((len(pool), c) for c, pool in enumerate(pools))
    if fewest < per:
        raise ValueError(f"train: class {c} has {fewest} examples, fewer than the {per} each stratified minibatch "
                         f"of {batch_size} takes; give a smaller batch_size")
    return pools


def _check_extras(who: str, names: Sequence[str]) -> None:
    """Import the optional libraries `names` (the demo extra's), or raise an ImportError saying how to install them."""
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ImportError(f"{who}: the demo needs {' and '.join(missing)}, from the optional extra 'demo': "
                          f"pip install 'dagrad[demo]' (or pip install {' '.join(missing)})")


def _out_problem(out: object) -> str | None:
    """What is wrong with `out` as the demo's folder (empty, a file, under a file), or None if it is or can become one."""
    if not isinstance(out, (str, os.PathLike)) or not os.fspath(out):
        return f"must name a folder, got {out!r}"
    existing = os.path.abspath(out)
    while not os.path.lexists(existing):  # the nearest part of the path that exists (the root does)
        existing = os.path.dirname(existing)
    if os.path.isdir(existing):
        return None
    where = "is not a folder" if existing == os.path.abspath(out) else f"is under {existing!r}, which is not a folder"
    return f"must be a folder (it is created if missing), but {os.fspath(out)!r} {where}"


def _out_option(text: str) -> str:
    """argparse's type for --out: a folder, existing or not (argparse names the option)."""
    problem = _out_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _positive_int(text: str) -> int:
    """argparse's type for --steps and --batch-size: the text as an integer >= 1 (argparse names the option)."""
    try:
        return positive_int(int(text), "argparse", "the number")
    except ValueError:  # not an integer, or < 1
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None


if __name__ == "__main__":
    sys.exit(main(prog="python -m nn.demo"))  # sys.argv[0] is this file's path, which argparse would call demo.py
