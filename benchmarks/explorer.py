"""The backprop explorer's costs: Python (explore + save), the page's size, and the page in headless Chromium.

Two graphs: the demo's (one example's hinge loss through ``MLP(2, [16, 16, 1])``, as ``make demo``
draws it), which the targets are for, and one near the explorer's 5,000-Value limit
(``MLP(2, [27, 27, 27, 1])``), which must still step in under 50 ms. In the browser:
the time from navigation to the explorer drawn and ready (first paint), and one step at each
granularity the page offers (by op, by neuron, by layer: the median over jumps to random steps,
after as many to warm up, the drawing's classes and numbers updated and laid out).
The browser rows need Playwright and the system Chromium (``make bench`` installs both); without
them they are left out with a note.
"""

import concurrent.futures
import os
import shutil
import statistics
import tempfile
import time

from autograd import Value, explore, topological_order
from nn import MLP
from nn.losses import hinge_loss

__all__ = ["CHROMIUM_ARGS", "chromium_path", "explorer_rows", "in_browser", "network_loss"]

TARGETS = {"python_s": 1.0, "page_mb": 2.0, "paint_ms": 1000.0, "step_ms": 50.0}
# The flags keep Chromium from reaching out on a closed network (sync, component updates, QUIC
# probes, first-run pings): their refused connections would otherwise show up as noise or delays.
# Playwright gives each launch a fresh temporary profile (user-data-dir) of its own. The browser
# tests (tests/browser.py) launch it the same way.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path():
    """The system Chromium's executable: `chromium` on PATH, else /usr/bin/chromium; None when absent.

    Example:
      >>> path = chromium_path()
      >>> path is None or os.access(path, os.X_OK)
      True
    """
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def network_loss(widths, seed=1337):
    """One example's hinge loss through ``MLP(2, widths)``, labelled as the demo labels it.

    Example:
      >>> model, loss = network_loss([4, 1])
      >>> loss.label, len(model.parameters())
      ('loss', 17)
    """
    model = MLP(2, widths, seed=seed)
    x = [Value(0.4, label="x_1"), Value(-0.9, label="x_2")]
    loss = hinge_loss(model(x), 1, reduction="sum")
    loss.label = "loss"
    return model, loss


def explorer_rows(row, networks, repeat=5):
    """The explorer's rows for each network, made with `row(workload, engine, value, unit, target, met)`.

    Args:
      row: makes one row of the table.
      networks: the layer widths of each network to explore (``[[16, 16, 1], ...]``).
      repeat: the measurements to take the median of.

    Example:
      >>> rows = explorer_rows(lambda *cells: cells, [[4, 1]], repeat=1)
      >>> rows[0][3]
      's'
    """
    rows = []
    for k, widths in enumerate(networks):
        model, loss = network_loss(widths)
        n = len(topological_order(loss))
        name = f"explorer, MLP(2, {list(widths)}) ({n:,} Values)"
        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "backprop.html")
        seconds = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            explore(loss, params=model.parameters()).save(path)
            seconds.append(time.perf_counter() - t0)
        paint, steps = in_browser(path, repeat, "dagradExplorer", count="ex.count()", move="move",
                                  modes='["op", ...Object.keys(ex.t.stops)]')
        measured = [("explore + save", statistics.median(seconds), "s", "python_s"),
                    ("page size", os.path.getsize(path) / 1e6, "MB", "page_mb")]
        if paint is not None:
            measured += [("first paint, headless Chromium", paint, "ms", "paint_ms")]
            measured += [(f"one step{'' if by == 'op' else ' by ' + by}, headless Chromium", ms, "ms", "step_ms")
                         for by, ms in steps.items()]
        for what, value, unit, key in measured:
            # The targets are the demo graph's (the first network); a larger one must still step fast.
            goal = TARGETS[key] if k == 0 or key == "step_ms" else None
            target = f"≤ {goal:g} {unit}" if goal is not None else ""
            rows.append(row(f"{name}: {what}", "dagrad", value, unit, target, None if goal is None else value <= goal))
        shutil.rmtree(folder)
    return rows


def in_browser(path, repeat, view, count, move="go", modes="[null]"):
    """(ms to the page drawn and ready, {mode: median ms of one step}), or (None, None) without a browser.

    Args:
      path: a saved page whose script sets ``globalThis[view]`` (``ex`` below), with ``ready`` (the
        time it was drawn) and a method `move` that goes to step k.
      repeat: loads to take the median of (and steps: 15 per load, per mode).
      count: JavaScript: the number of steps, e.g. ``"ex.n"``.
      modes: JavaScript: the list of granularities timed one by one, each set with ``ex.setBy``
        (the explorer's op, neuron, layer, depth); ``[null]``: the page has one.
    """
    # In a thread of its own: Playwright's sync API refuses to start where an event loop runs
    # (a notebook, or a test session whose browser tests hold one).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_measure, path, repeat, view, count, move, modes).result()


def _measure(path, repeat, view, count, move, modes):
    chromium = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("note: no Playwright or Chromium, so the explorer's browser rows are left out "
              "(make bench installs them: apt-get install chromium; pip install playwright)")
        return None, None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        paints = []
        for _ in range(repeat):
            page.goto("file://" + os.path.abspath(path))
            page.wait_for_function(f"() => globalThis.{view} && {view}.ready")
            # The page's own mark: constructed, stepped to its first step (the explorer: and fitted), after a frame.
            paints.append(page.evaluate(f"() => {view}.ready"))
        steps = page.evaluate(f"""(n) => {{
            const ex = {view}, medians = [];
            for (const by of {modes}) {{
                if (by !== null) ex.setBy(by);
                const total = {count}, times = [];
                let seed = 1;
                for (let k = 0; k < 2 * n; k++) {{  // the first n warm the script's compiler up: not timed
                    seed = (seed * 16807) % 2147483647;
                    const target = seed % total;
                    const t0 = performance.now();
                    ex.{move}(target);
                    document.body.offsetHeight;  // style and layout included
                    if (k >= n) times.push(performance.now() - t0);
                }}
                times.sort((a, b) => a - b);
                medians.push([by, times[Math.floor(times.length / 2)]]);
            }}
            return medians;
        }}""", 15 * repeat)
        browser.close()
    return statistics.median(paints), dict(steps)  # {granularity or None: ms}

