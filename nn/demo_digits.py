"""``python -m nn.demo --data digits``: a real data set, the 8 × 8 handwritten digits.

Trains ``MLP(64, [32, 10])`` (ReLU hidden layer, linear output: one logit per digit) on the
1,437 training images of `nn.datasets.load_digits` with `cross_entropy` and minibatch SGD: 3,000
steps of 10 images (one of each digit, so ~21 passes over the data), the learning rate decaying
linearly from 0.1 to 0.01. Then measures the accuracy on the 360 test images and writes, to
``out/`` by default:

- ``training_curves.png``: the loss and accuracy of each step's minibatch;
- ``confusion_matrix.png``: how often each digit was read as each other digit, on the test set;
- ``misclassified.png``: the test digits the network got wrong, each with what it read;
- ``backprop.html``: the backprop explorer (`autograd.explore`) on one test digit's loss (the
  first one misclassified): the output layer's 10 neurons, one box each, fed by the 32 hidden
  activations that the trained first layer computes for that image. The whole network's graph
  has ~7,300 Values, more than a page steps through readably; the output layer's has ~1,000;
- ``model.json``: the trained weights (``MLP(64, [32, 10]).load("out/model.json")``).

Every minibatch holds one image of each digit, in the order 0 to 9 (``train(stratified=True)``):
`cross_entropy`'s targets are class indices, which decide the graph, so `nn.compile_step` bakes
them in and compiles one program per pattern of targets; with the same pattern every step, one
program serves the whole training. ``--compiled`` trains with it (~20 s on a laptop core); the
eager engine builds each step's ~48,000-node graph anew (several minutes). `--seed` seeds the
weights and the minibatches; the train/test split is `load_digits`' own (seed 0), the same for
every run.

Needs the demo extras and scikit-learn: ``pip install 'dagrad[demo,digits]'``.

Example (a shell)::

  python -m nn.demo --data digits --compiled
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd._checks import positive_int
from autograd.engine import Value, no_grad
from autograd.notation import label
from nn.datasets import load_digits
from nn.losses import cross_entropy
from nn.module import MLP

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from autograd.explorer import Explorer
    from nn.module import Module

__all__ = ["backprop_step", "class_accuracy", "plot_confusion_matrix", "plot_misclassified", "predict", "run"]

STEPS, BATCH, LR, HIDDEN = 3000, 10, 0.1, 32
CLASSES = 10


def class_accuracy(logits: Sequence[Sequence[Value | float]], y: Sequence[int]) -> float:
    """The fraction of rows whose largest logit is at the row's class index (the first largest on a tie).

    Args:
      logits: one row per example, Values or floats, one per class.
      y: the class indices.

    Returns:
      A float in [0, 1].

    Example:
      >>> class_accuracy([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]], [1, 2])
      0.5
    """
    from nn import demo

    logits, y = demo._check_pairs("class_accuracy", "rows", logits, y, "rows of logits")
    return sum(_argmax(row) == t for row, t in zip(logits, y)) / len(y)


def predict(model: Module, X: Sequence[Sequence[float]]) -> list[int]:
    """The class each image is read as: the index of the model's largest logit, computed without a graph.

    Args:
      model: a model with one logit per class, e.g. ``MLP(64, [32, 10])``.
      X: the images, lists of floats.

    Returns:
      One class index per image.

    Example:
      >>> predict(MLP(2, [3], seed=0), [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
      [0, 0, 1]
    """
    with no_grad():
        return [_argmax(model(x)) for x in X]


def backprop_step(model: Module, X: Sequence[Sequence[Value | float]], y: Sequence[int]) -> tuple[float, float]:
    """The eager digits step for `nn.demo.train`: `cross_entropy` of the batch, backpropagated.

    Args:
      model: the model being trained.
      X: the images, lists of floats or Values.
      y: their digits.

    Returns:
      ``(loss, accuracy)`` on the batch, both before the update.

    Example:
      >>> model = MLP(2, [3], seed=0)
      >>> loss, acc = backprop_step(model, [[0.0, 1.0], [1.0, 0.0]], [2, 0])
      >>> any(p.grad != 0 for p in model.parameters())
      True
    """
    logits = [model(x) for x in X]
    loss = cross_entropy(logits, y)
    loss.backward()
    return loss.data, class_accuracy(logits, y)


def run(steps: int = STEPS, seed: int = 1337, out: str = "out", quiet: bool = False, *, compiled: bool = False,
        batch_size: int = BATCH, vectorize: bool = False) -> dict[str, Any]:
    """The digits demo: load the digits, train, test, and write the drawings and the weights.

    Args:
      steps: training steps.
      seed: seeds the initial weights and the minibatches (not the split: `load_digits`' own).
      out: the folder to write to (created if missing).
      quiet: hide the progress bar.
      compiled: train with one compiled step (`nn.demo.compiled_step`), not the eager engine.
      batch_size: images per step, a multiple of 10 (the same number of each digit).
      vectorize: compile with ``vectorize=True`` (implies `compiled`): each layer over the batch is
        one NumPy matrix product, recovered from the scalar graph.

    Raises:
      ValueError: a bad argument, or `out` cannot be a folder; checked before training.
      ImportError: a library of the demo extra, or scikit-learn, is missing (checked before training).

    Returns:
      A dict: ``accuracy`` on the test set, ``loss`` of the last step, ``seconds`` (the training
      time, the compile included) and ``files`` (the paths written).

    Example:
      >>> import tempfile
      >>> result = run(steps=2, out=tempfile.mkdtemp(), quiet=True, compiled=True)
      >>> len(result["files"]), 0 <= result["accuracy"] <= 1
      (5, True)
    """
    from nn import demo

    if positive_int(batch_size, "run", "batch_size") % CLASSES:  # before training, as every other argument
        raise ValueError(f"run: batch_size must be a multiple of {CLASSES} (the same number of each digit), "
                         f"got {batch_size!r}")
    (X, y), (X_test, y_test) = demo._prepare("run", steps, seed, out, batch_size, load_digits)
    model = MLP(64, [HIDDEN, CLASSES], seed=seed)
    start = time.perf_counter()
    step_fn: demo.StepFn = backprop_step
    if compiled or vectorize:  # traced on a batch of one image of each digit, the pattern every step has
        first = [y.index(c) for c in range(CLASSES) for _ in range(batch_size // CLASSES)]
        step_fn = demo.compiled_step(model, [X[i] for i in first], [y[i] for i in first],
                                     loss_fn=cross_entropy, score=class_accuracy, vectorize=vectorize)
    history = demo.train(model, X, y, steps, step_fn=step_fn, quiet=quiet, batch_size=batch_size, seed=seed,
                         lr=LR, stratified=True)
    seconds = time.perf_counter() - start
    predicted = predict(model, X_test)
    paths = [os.path.join(out, name) for name in ("training_curves.png", "confusion_matrix.png", "misclassified.png")]
    demo.plot_history(history, paths[0], loss_name="cross-entropy loss (minibatches)", smooth=100)
    plot_confusion_matrix(y_test, predicted, paths[1])
    plot_misclassified(X_test, y_test, predicted, paths[2])
    k = next((k for k, (t, p) in enumerate(zip(y_test, predicted)) if t != p), 0)
    paths.append(_explore_digit(model, X_test[k], y_test[k], k).save(os.path.join(out, "backprop.html")))
    model.save(os.path.join(out, "model.json"))
    paths.append(os.path.join(out, "model.json"))
    return {"accuracy": sum(t == p for t, p in zip(y_test, predicted)) / len(y_test),
            "loss": history[-1][0], "seconds": seconds, "files": paths}


# --- drawing --------------------------------------------------------------------------------------

def plot_confusion_matrix(y: Sequence[int], predicted: Sequence[int], path: str | None = None) -> Figure:
    """The confusion matrix: row t, column p counts the images of digit t read as p.

    Args:
      y: the true digits.
      predicted: what the model read, one per image.
      path: if given, also write the figure there.

    Returns:
      The matplotlib Figure.

    Example:
      >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0])
      >>> fig.axes[0].get_title()
      'test set: 2 of 3 right (66.7%)'
    """
    from matplotlib.figure import Figure

    counts = [[0] * CLASSES for _ in range(CLASSES)]
    for t, p in zip(y, predicted):
        counts[t][p] += 1
    right = sum(counts[c][c] for c in range(CLASSES))
    fig = Figure(figsize=(5.5, 5), layout="constrained")
    ax = fig.subplots()
    ax.imshow(counts, cmap="Blues")
    top = max(max(row) for row in counts)
    for t in range(CLASSES):
        for p in range(CLASSES):
            if counts[t][p]:
                ax.text(p, t, str(counts[t][p]), ha="center", va="center", fontsize=9,
                        color="white" if counts[t][p] > top / 2 else "black")
    ax.set(xticks=range(CLASSES), yticks=range(CLASSES), xlabel="read as", ylabel="true digit",
           title=f"test set: {right} of {len(y)} right ({right / len(y):.1%})")
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def plot_misclassified(X: Sequence[Sequence[float]], y: Sequence[int], predicted: Sequence[int],
                       path: str | None = None, limit: int = 24) -> Figure:
    """The images the model got wrong (the first `limit`), each titled "true → read as".

    Args:
      X: the images (64 pixels in [0, 1] each, row by row).
      y: the true digits.
      predicted: what the model read.
      path: if given, also write the figure there.
      limit: the most images to draw.

    Returns:
      The matplotlib Figure.

    Example:
      >>> fig = plot_misclassified([[0.0] * 64, [1.0] * 64], [3, 5], [3, 8])
      >>> [ax.get_title() for ax in fig.axes if ax.get_visible()]
      ['5 → 8']
    """
    from matplotlib.figure import Figure

    wrong = [k for k, (t, p) in enumerate(zip(y, predicted)) if t != p][:limit]
    columns = 8
    rows = max(1, -(-len(wrong) // columns))
    fig = Figure(figsize=(columns * 1.1, rows * 1.25 + 0.4), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes:
        ax.set_visible(False)
    for ax, k in zip(axes, wrong):
        ax.set_visible(True)
        ax.imshow([X[k][r * 8:r * 8 + 8] for r in range(8)], cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_title(f"{y[k]} → {predicted[k]}", fontsize=10, color="tab:red")
        ax.set(xticks=[], yticks=[])
    fig.suptitle(f"misclassified test digits: {len(wrong)} of {len(y)} shown (true → read as)" if wrong
                 else "no test digit misclassified")
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def _explore_digit(model: MLP, x: Sequence[float], digit: int, k: int) -> Explorer:
    """The explorer of one image's loss through the output layer, from the hidden activations a[1]_j as leaves."""
    from autograd.explorer import explore

    hidden, output = model.layers
    with no_grad():
        activations = hidden(x)
    inputs = [Value(a.data, label("a", 1, j)) for j, a in enumerate(activations, 1)]
    logits = output(inputs)
    loss = cross_entropy(logits, digit, reduction="sum")
    read = _argmax(logits)
    return explore(loss, params=output.parameters(),
                   title=f"backprop on test digit {k + 1} (a {digit}, read as {read}): the output layer, "
                         f"fed by its {len(inputs)} hidden activations, after training")


def _argmax(row: Sequence[Value | float]) -> int:
    numbers = [z.data if isinstance(z, Value) else z for z in row]
    return numbers.index(max(numbers))
