"""The training timeline's costs: what recording adds to the demo's training, the page's size, and the page in headless Chromium.

The demo's loop (``MLP(2, [16, 16, 1])`` on 100 two-moons points, full-batch SGD, as ``make
demo`` trains it) with a `nn.Recorder` recording every step: the time `record` takes against the
steps' own. Then the saved page: its size, the time from
navigation to drawn (first paint), and one step of the slider (the median over jumps to random
steps, every panel redrawn and laid out). The browser rows need Playwright and the system
Chromium, as the explorer's do.
"""

import os
import shutil
import tempfile
import time

from autograd import Value
from benchmarks.explorer import in_browser
from nn import MLP, SGD, hinge_loss
from nn.datasets import make_moons
from nn.demo import N_SAMPLES, NOISE, SEED, backprop_step
from nn.recorder import Recorder

__all__ = ["recorded_demo", "training_rows"]

TARGETS = {"overhead_pct": 20.0, "page_mb": 3.0, "paint_ms": 1000.0, "step_ms": 50.0}


def recorded_demo(steps):
    """Train the demo's network `steps` steps, recording each: (the `Recorder`, seconds training, seconds recording).

    The time `record` takes is measured inside the run, against the steps' own time: two whole
    runs, with and without recording, differ by more than that on a busy machine.

    Example:
      >>> rec, training, recording = recorded_demo(2)
      >>> rec.steps, 0 < recording < training
      ([0, 1], True)
    """
    X, labels = make_moons(N_SAMPLES, noise=NOISE, seed=SEED)
    y = [2 * t - 1 for t in labels]
    inputs = [[Value(c) for c in x] for x in X]
    model = MLP(2, [16, 16, 1], seed=SEED)
    opt = SGD(model.parameters(), lr=1.0)
    rec = Recorder(model, X, y, optimizer=opt, loss_fn=hinge_loss)
    training = recording = 0.0
    for k in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss, _ = backprop_step(model, inputs, y)
        t1 = time.perf_counter()
        rec.record(loss)
        t2 = time.perf_counter()
        opt.lr = 1.0 - 0.9 * k / steps
        opt.step()
        training += t1 - t0 + time.perf_counter() - t2
        recording += t2 - t1
    return rec, training, recording


def training_rows(row, steps=100, repeat=5):
    """The timeline's rows, made with `row(workload, engine, value, unit, target, met)`.

    Args:
      row: makes one row of the table.
      steps: the training steps recorded (the demo's 100).
      repeat: the page loads (and slider steps, 15 per load) to take the median of.

    Example:
      >>> rows = training_rows(lambda *cells: cells, steps=2, repeat=1)
      >>> rows[0][3]
      '%'
    """
    rec, training, recording = recorded_demo(steps)
    folder = tempfile.mkdtemp()
    path = rec.save(os.path.join(folder, "training.html"))
    name = f"training timeline, the demo ({steps} steps)"
    measured = [("recording's cost", 100 * recording / training, "%", "overhead_pct"),
                ("page size", os.path.getsize(path) / 1e6, "MB", "page_mb")]
    paint, steps = in_browser(path, repeat, "dagradTraining", count="ex.n")
    if paint is not None:
        measured += [("first paint, headless Chromium", paint, "ms", "paint_ms"),
                     ("one slider step, headless Chromium", steps[None], "ms", "step_ms")]
    shutil.rmtree(folder)
    return [row(f"{name}: {what}", "dagrad", value, unit, f"≤ {TARGETS[key]:g} {unit}", value <= TARGETS[key])
            for what, value, unit, key in measured]

