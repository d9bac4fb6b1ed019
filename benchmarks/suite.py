"""The workloads, the timing discipline, and the table.

Every workload runs the same Python code on each engine (duck typing over their `Value`s), so
both build the same graph. Repetitions are interleaved (micrograd, dagrad, compiled, micrograd,
...) and the median of each is reported; before every timed run the garbage collector runs
(``gc.collect()``, untimed), and during it the collector keeps its default settings, for every
engine alike. A graph is freed after its timing ends. PyTorch, the ceiling, runs in a child
process (`benchmarks.ceiling`) so that its objects do not slow the collector here.
"""

import gc
import json
import math
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass

from autograd import Value, jvp
from autograd.replay import compile
from benchmarks import peer
from benchmarks.explorer import explorer_rows
from benchmarks.training import training_rows
from nn.compile import compile_step
from nn.datasets import load_digits, make_moons
from nn.losses import cross_entropy
from nn.module import MLP

__all__ = ["Row", "FULL", "QUICK", "chain", "digits_batch", "mixed_chain", "wide", "wide_ops", "hinge_l2", "peer_mlp", "run",
           "table", "as_dicts"]

# Sizes: the issue's, and tiny ones that only check that the code runs (`--quick`).
# explorer: the networks whose one-example loss the explorer draws (the demo's, and one near its limit).
# training: the steps the training timeline records (the demo's).
# wide: the leaves of W4 (448 leaves: 200,255 ops, about W1's size).
# digits: the images in one minibatch of the digits network (a multiple of 10); training: the demo's recorded steps.
FULL = {"chain": 200_000, "wide": 448, "points": 100, "grid": 160_000, "deep": 1_000_000, "repeat": 5, "digits": 10,
        "explorer": ([16, 16, 1], [27, 27, 27, 1]), "training": 100}
QUICK = {"chain": 400, "wide": 20, "points": 8, "grid": 1_000, "deep": 4_000, "repeat": 1, "explorer": ([4, 1],),
         "digits": 10, "training": 3}
# jvp: a ratio to backward(); vectorized: a ratio to PyTorch's step (float64, one thread, vectorized over the batch)
TARGETS = {"eager": 0.125, "mixed": 0.10, "compiled": 0.01, "bytes": 200, "jvp": 1.5, "vectorized": 2.0}
LR, ALPHA = 0.05, 1e-4  # small steps: the weights (and so the timed graphs) change little between runs


@dataclass
class Row:
    """One line of the table: a measurement, its ratio to micrograd's, and its target if any.

    Example:
      >>> Row("W3 step", "dagrad", 4.0, "ms/step", ratio=0.01).ratio
      0.01
    """

    workload: str
    engine: str
    value: float
    unit: str
    ratio: float = None  # value / micrograd's value on the same workload
    target: str = ""
    met: bool = None


# --- W1: a chain of mul, add, tanh, exp ------------------------------------------------------

def chain(x, a, b, ops):
    """W1's graph: ``x = exp(tanh(x * a + b))`` repeated, 4 ops a time, for either engine's Values.

    Args:
      x, a, b: Values (dagrad's or micrograd's); a and b are leaves, so both engines build the
        same graph (no constants wrapped by one engine and not the other).
      ops: how many ops deep (a multiple of 4).

    Returns:
      The last Value of the chain.

    Example:
      >>> chain(Value(0.3), Value(0.5), Value(0.1), 8).op
      'exp'
    """
    for _ in range(ops // 4):
        x = (x * a + b).tanh().exp()
    return x


def _graph_run(value_type, inputs, build, forward_mode=False):
    """One timed run: leaves of `value_type` holding `inputs`, then ``build(*leaves)`` and its backward."""
    def run():
        leaves = [value_type(v) for v in inputs]
        t0 = time.perf_counter()
        y = build(*leaves)
        t1 = time.perf_counter()
        y.backward()
        times = {"build": t1 - t0, "backward": time.perf_counter() - t1}
        if forward_mode:  # dagrad's jvp on the same graph: one forward sweep, every leaf's tangent 1
            times.update(_timed("jvp", jvp, y, leaves, [1.0] * len(leaves)))
        return times
    return run


def _chain_run(value_type, ops):
    return _graph_run(value_type, [0.3, 0.5, 0.1], lambda x, a, b: chain(x, a, b, ops))


def _eager_runs(inputs, build, depth, forward_mode=False):
    """dagrad's run and, when installed, micrograd's, whose recursive sort needs `depth` of stack."""
    runs = {"dagrad": _graph_run(Value, inputs, build, forward_mode)}
    if peer.Value is not None:
        run_micrograd = _graph_run(peer.Value, inputs, build)

        def micrograd_run():
            with peer.recursion_limit(depth):
                return run_micrograd()
        runs["micrograd"] = micrograd_run
    return runs


def _eager_rows(name, t, ops, target):
    """Build, backward, and end to end (build + backward) rows, in ns per op, each against micrograd."""
    ns = lambda seconds: seconds / ops * 1e9
    engines = [e for e in ("micrograd", "dagrad") if e in t]
    rows = []
    for phase in ("build", "backward"):
        rows += _compare(f"{name}: {phase}", {e: ns(t[e][phase]) for e in engines}, "ns/op")
    total = {e: ns(t[e]["build"] + t[e]["backward"]) for e in engines}
    if "dagrad compiled" in t:
        total["dagrad compiled"] = ns(t["dagrad compiled"]["replay"])
    return rows + _compare(f"{name}: end to end", total, "ns/op", targets={"dagrad": target})


def _w1(ops, repeat):
    runs = _eager_runs([0.3, 0.5, 0.1], lambda x, a, b: chain(x, a, b, ops), ops, forward_mode=True)
    t0 = time.perf_counter()
    step = compile(lambda x, a, b: chain(x, a, b, ops), [0.3, 0.5, 0.1])
    compile_time = time.perf_counter() - t0
    runs["dagrad compiled"] = lambda: _timed("replay", step, [0.3, 0.5, 0.1])
    t = _interleaved(runs, repeat)
    name = f"W1 {ops:,}-op chain"
    rows = _eager_rows(name, t, ops, TARGETS["eager"])
    rows.append(Row(f"{name}: trace + compile, once", "dagrad compiled", compile_time, "s"))
    rows.append(_jvp_row(name, t["dagrad"], lambda seconds: seconds / ops * 1e9))
    return rows


def _jvp_row(name, t, ns):
    """Forward mode against reverse mode on the same chain: jvp's time over backward()'s."""
    ratio, goal = t["jvp"] / t["backward"], TARGETS["jvp"]
    return Row(f"{name}: jvp (forward mode), {ns(t['jvp']):,.0f} ns/op", "dagrad", ratio, "× backward",
               target=f"≤ {goal}× backward", met=ratio <= goal)


# --- W2: a chain as user code writes it, with constant operands ---------------------------------

def mixed_chain(x, w, b, ops):
    """W2's graph: ``x * 1.0001``, ``+ 0.5``, tanh, exp, ``* w``, ``+ b``, ``/ 1.5``, relu, repeated.

    Three of every eight ops take a number, which each engine wraps in a fresh constant leaf (as
    real code does: ``x * 2``, ``1 - y``); `chain` (W1) has none. The values settle near 0.9, so
    relu stays on its slope and the chain neither overflows nor dies.

    Args:
      x, w, b: Values (dagrad's or micrograd's); w and b are leaves.
      ops: how many ops deep (a multiple of 8).

    Returns:
      The last Value of the chain.

    Example:
      >>> from autograd import topological_order
      >>> y = mixed_chain(Value(0.3), Value(0.5), Value(0.1), 8)
      >>> y.op, len(topological_order(y))   # 8 ops, 3 constants, 3 leaves
      ('relu', 14)
    """
    for _ in range(ops // 8):
        x = (((x * 1.0001 + 0.5).tanh().exp() * w + b) / 1.5).relu()
    return x


def _w2(ops, repeat):
    build = lambda x, w, b: mixed_chain(x, w, b, ops)  # the same graph for every engine
    t = _interleaved(_eager_runs([0.3, 0.5, 0.1], build, ops), repeat)
    name = f"W2 {ops:,}-op mixed chain"
    memory = _memory(build, ops)
    return _eager_rows(name, t, ops, TARGETS["mixed"]) + _compare(
        f"{name}: memory, constants included", memory, "bytes/op", targets={"dagrad": TARGETS["bytes"]}, absolute=True)


# --- W4: a wide graph: every leaf feeds many products ---------------------------------------------

def wide(leaves):
    """W4's graph: the product of every pair of leaves, summed as a balanced tree.

    Each of the n leaves feeds n - 1 products, so the graph walks meet each leaf n - 1 times
    (the fan-out of a layer's inputs, of a shared weight, of a loss's parameters); the tree
    keeps the graph about log2(n * n / 2) deep.

    Args:
      leaves: n Values (dagrad's or micrograd's).

    Returns:
      The sum, a Value; the graph has n (n - 1) / 2 products and one fewer additions.

    Example:
      >>> from autograd import topological_order
      >>> y = wide([Value(1.0), Value(2.0), Value(3.0)])   # 1*2 + 1*3 + 2*3
      >>> y.data, len(topological_order(y))                 # 3 leaves, 3 products, 2 sums
      (11.0, 8)
    """
    terms = [x * y for i, x in enumerate(leaves) for y in leaves[i + 1:]]
    while len(terms) > 1:
        paired = [terms[k] + terms[k + 1] for k in range(0, len(terms) - 1, 2)]
        terms = paired + terms[-1:] if len(terms) % 2 else paired
    return terms[0]


def wide_ops(n):
    """The number of ops in `wide` of n leaves: n (n - 1) / 2 products and one fewer additions.

    Example:
      >>> wide_ops(3)
      5
    """
    return n * (n - 1) - 1


def _w4(n, repeat):
    inputs = [0.5 + k / (2 * n) for k in range(n)]  # in [0.5, 1): the sum stays moderate
    build = lambda *leaves: wide(leaves)
    t = _interleaved(_eager_runs(inputs, build, 2 * n.bit_length() + 8), repeat)
    ops = wide_ops(n)
    return _eager_rows(f"W4 wide graph, {n} leaves each in {n - 1} products ({ops:,} ops)", t, ops, TARGETS["eager"])


# --- W3: one training step of micrograd's demo MLP -------------------------------------------

def hinge_l2(scores, y, params):
    """W3's loss, as micrograd's demo writes it: mean hinge loss plus ALPHA times the sum of squares.

    The same arithmetic as `nn.demo.objective`, written once for both engines: nn's losses take
    only dagrad's Values, and the timed work must be identical.

    Args:
      scores: the model's score for each point (either engine's Values).
      y: the labels, -1 or +1.
      params: the parameters the L2 penalty covers.

    Returns:
      The loss, a Value of the scores' engine.

    Example:
      >>> hinge_l2([Value(2.0), Value(-0.5)], [1, 1], [Value(1.0)]).data   # (0 + 1.5) / 2 + 1e-4
      0.7501
    """
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params)
    return data_loss + reg_loss


def peer_mlp(model):
    """micrograd's ``MLP`` with the weights of dagrad's `model`: both engines train the same network.

    Same weights give the same ReLU pattern and the same updates, so every timed step does the same
    work on both (unseeded, micrograd's weights would differ from run to run).

    Args:
      model: a dagrad ``MLP(2, [16, 16, 1])`` (any `MLP` whose shape micrograd's can take).

    Returns:
      A micrograd ``MLP`` whose parameters hold `model`'s values, in the same order.

    Example:
      >>> model = MLP(2, [3, 1], seed=0)
      >>> [p.data for p in peer_mlp(model).parameters()] == [p.data for p in model.parameters()]
      True
    """
    twin = peer.MLP(len(model.layers[0].neurons[0].w), [len(layer.neurons) for layer in model.layers])
    for theirs, ours in zip(twin.parameters(), model.parameters(), strict=True):
        theirs.data = ours.data
    return twin


def _eager_step(model, X, y, loss_fn=None):
    """A timed eager step: build the loss (W3's `hinge_l2` by default), backpropagate, update."""
    params = model.parameters()  # once: a training loop holds its optimizer's list
    if loss_fn is None:
        loss_fn = lambda scores, y: hinge_l2(scores, y, params)

    def run():
        t0 = time.perf_counter()
        loss = loss_fn([model(x) for x in X], y)
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return {"step": time.perf_counter() - t0}
    return run


def _compiled_step(model, step, number):
    params = model.parameters()

    def run():
        t0 = time.perf_counter()
        for _ in range(number):
            for p in params:
                p.grad = 0.0
            step()
            for p in params:
                p.data -= LR * p.grad
        return {"step": (time.perf_counter() - t0) / number}
    return run


def _torch_ceiling(points, repeat, *options):
    """ms per step of the W3 step vectorized in PyTorch, from a child process; None without torch.

    `options` are more of `benchmarks.ceiling`'s arguments: ``"--batch", "10"`` for minibatch
    steps, ``"--workload", "replay"`` for the batch replay (then ms per replay of all the points).
    """
    command = [sys.executable, "-m", "benchmarks.ceiling", "--points", str(points), "--repeat", str(repeat), *options]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    seconds = json.loads(done.stdout)
    return None if seconds is None else seconds * 1e3


def _w3(points, repeat):
    X, labels = make_moons(points, noise=0.1, seed=0)
    y = [2 * t - 1 for t in labels]
    runs = {"dagrad": _eager_step(MLP(2, [16, 16, 1], seed=1337), X, y)}
    if peer.MLP is not None:
        runs["micrograd"] = _eager_step(peer_mlp(MLP(2, [16, 16, 1], seed=1337)), X, y)
    model = MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    t0 = time.perf_counter()
    step = compile_step(model, lambda scores, y: hinge_l2(scores, y, params), X, y)
    compile_time = time.perf_counter() - t0
    runs["dagrad compiled"] = _compiled_step(model, step, number=10)
    op_by_op = _op_by_op_compile(lambda: compile_step(model, lambda scores, y: hinge_l2(scores, y, params), X, y))
    vectorized = _vectorized_step(X, y)
    if vectorized is not None:
        runs["dagrad vectorized"], vector_compile = vectorized
    t = _interleaved(runs, repeat)
    ms = {e: t[e]["step"] * 1e3 for e in t}
    ceiling = _torch_ceiling(points, repeat)
    if ceiling is not None:
        ms["torch (vectorized, own process)"] = ceiling
    name = f"W3 MLP 2-16-16-1 step, {points} points"
    rows = _compare(name, ms, "ms/step", targets={"dagrad": TARGETS["eager"], "dagrad compiled": TARGETS["compiled"]})
    rows.append(Row(f"{name}: trace + compile, once", "dagrad compiled", compile_time * 1e3, "ms",
                    target="≤ 300 ms" if points >= 100 else "", met=compile_time <= 0.3))
    rows.append(Row(f"{name}: trace + compile op by op (no loop over the examples), once", "dagrad compiled",
                    op_by_op * 1e3, "ms"))
    if vectorized is not None:
        rows.append(Row(f"{name}: trace + compile, once", "dagrad vectorized", vector_compile * 1e3, "ms",
                        target="≤ 1000 ms" if points >= 100 else "", met=vector_compile <= 1.0))
        if ceiling is not None:
            ratio = ms["dagrad vectorized"] / ceiling
            rows.append(Row(f"{name}: vectorized against torch", "dagrad vectorized", ratio, "× torch",
                            target=f"≤ {TARGETS['vectorized']}× torch", met=ratio <= TARGETS["vectorized"]))
    return rows


def _vectorized_step(X, y):
    """(run, seconds to trace and compile) of the W3 step with ``vectorize=True``; None without NumPy."""
    if not _has_numpy():
        return None
    model = MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    gc.collect()
    t0 = time.perf_counter()
    step = compile_step(model, lambda scores, y: hinge_l2(scores, y, params), X, y, vectorize=True)
    return _compiled_step(model, step, number=10), time.perf_counter() - t0


def _op_by_op_compile(make):
    """Seconds `make()` takes with the program written op by op, as before the loop over examples."""
    from autograd import replay

    replay._LOOP = False
    try:
        gc.collect()
        t0 = time.perf_counter()
        make()
        return time.perf_counter() - t0
    finally:
        replay._LOOP = True


# --- the digits: MLP 64-32-10, cross-entropy, one minibatch (issue 22) ---------------------------

def digits_batch(batch):
    """The digits demo's first minibatch: `batch` / 10 training images of each digit, in digit order.

    Returns ``(X, y)``, or None without scikit-learn.

    Example:
      >>> X, y = digits_batch(10)
      >>> len(X), len(X[0]), y
      (10, 64, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    try:
        (X, y), _ = load_digits()
    except ImportError:
        return None
    picked = [i for c in range(10) for i in [k for k, t in enumerate(y) if t == c][:batch // 10]]
    return [X[i] for i in picked], [y[i] for i in picked]


def _digits_rows(batch, repeat):
    """One SGD step of the digits demo's network on one minibatch: eager, compiled, vectorized, and PyTorch."""
    data = digits_batch(batch)
    if data is None:
        return []
    X, y = data
    model = MLP(64, [32, 10], seed=1337)
    runs = {"dagrad": _eager_step(MLP(64, [32, 10], seed=1337), X, y, loss_fn=cross_entropy)}
    t0 = time.perf_counter()
    step = compile_step(model, cross_entropy, X, y)
    compile_time = time.perf_counter() - t0
    runs["dagrad compiled"] = _compiled_step(model, step, number=10)
    t0 = time.perf_counter()
    vectorized = compile_step(model, cross_entropy, X, y, vectorize=True)
    vector_compile = time.perf_counter() - t0
    runs["dagrad vectorized"] = _compiled_step(model, vectorized, number=10)
    t = _interleaved(runs, repeat)
    ms = {e: t[e]["step"] * 1e3 for e in t}
    ceiling = _torch_ceiling(batch, repeat, "--workload", "digits")
    if ceiling is not None:
        ms["torch (vectorized, own process)"] = ceiling
    name = f"digits MLP 64-32-10 step, cross-entropy, minibatch of {batch}"
    rows = _compare(name, ms, "ms/minibatch")
    rows.append(Row(f"{name}: trace + compile, once", "dagrad compiled", compile_time, "s"))
    rows.append(Row(f"{name}: trace + compile, once", "dagrad vectorized", vector_compile, "s"))
    return rows


# --- compiled replay, round two: minibatch steps, arrays, compile time (issue 13) -------------------

def _minibatch_rows(points, batch, repeat):
    """A compiled step on minibatches (data as inputs) against the same step with its batch baked in."""
    from autograd.replay import compile_graph

    X, labels = make_moons(points, noise=0.1, seed=0)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    step = compile_step(model, lambda scores, y: hinge_l2(scores, y, params), X[:batch], y[:batch])
    baked = compile_graph(hinge_l2([model(x) for x in X[:batch]], y[:batch], params), params)
    batches = [(X[k:k + batch], y[k:k + batch]) for k in range(0, points - batch + 1, batch)]

    def baked_in():
        t0 = time.perf_counter()
        for _ in batches:  # what CompiledStep does around its program, minus the data
            values = [p.data for p in params]
            all(map(math.isfinite, values))
            for p, g in zip(params, baked(values)[1]):
                p.grad += g + 0.0
        return {"step": (time.perf_counter() - t0) / len(batches)}
    runs = {"data": _batches_run(step, batches), "baked": baked_in}
    if _has_numpy():
        vectorized = compile_step(model, lambda scores, y: hinge_l2(scores, y, params), X[:batch], y[:batch], vectorize=True)
        runs["vectorized"] = _batches_run(vectorized, batches)
    t = _interleaved(runs, repeat)
    per_example = {e: t[e]["step"] / batch * 1e6 for e in t}
    ratio, goal = per_example["data"] / per_example["baked"], 1.25
    name = f"minibatch step, MLP 2-16-16-1, batches of {batch}"
    rows = [Row(f"{name}: data as inputs, {per_example['data']:.1f} µs/example (baked in: {per_example['baked']:.1f})",
                "dagrad compiled", ratio, "× baked in", target=f"≤ {goal}× baked in", met=ratio <= goal),
            Row(f"{name}: programs compiled for {len(batches)} batches", "dagrad compiled", step.n_programs, "programs"),
            Row(f"{name}: one step", "dagrad compiled", t["data"]["step"] * 1e3, "ms/minibatch")]
    if "vectorized" in t:
        rows.append(Row(f"{name}: one step", "dagrad vectorized", t["vectorized"]["step"] * 1e3, "ms/minibatch"))
    ceiling = _torch_ceiling(points, repeat, "--batch", str(batch))
    if ceiling is not None:
        rows.append(Row(f"{name}: one step", "torch (vectorized, own process)", ceiling, "ms/minibatch"))
    return rows


def _batches_run(step, batches):
    """A run of a compiled step over `batches`, one call each: seconds per step."""
    def run():
        t0 = time.perf_counter()
        for Xb, yb in batches:
            step(Xb, yb)
        return {"step": (time.perf_counter() - t0) / len(batches)}
    return run


def _has_numpy():
    """Whether NumPy is installed (the vectorized rows need it; the suite runs without)."""
    try:
        import numpy  # noqa: F401 -- only whether it is installed
    except ImportError:
        return False
    return True


def _batch_rows(points, repeat):
    """CompiledFunction.batch: value and input gradients of MLP(2, [16, 16, 1]) at `points` points."""
    try:
        import numpy as np
    except ImportError:
        return []
    model = MLP(2, [16, 16, 1], seed=1337)
    f = compile(lambda a, b: model([a, b]), [0.1, 0.2])
    X = np.random.default_rng(0).uniform(-2, 2, (points, 2))
    t = _interleaved({"batch": lambda: _timed("batch", f.batch, X)}, repeat)
    seconds, goal = t["batch"]["batch"], 0.5
    name = f"batch replay: MLP 2-16-16-1 at {points:,} points, value + input gradients"
    rows = [Row(name, "dagrad compiled", seconds, "s", target=f"≤ {goal} s" if points >= 160_000 else "", met=seconds <= goal)]
    ceiling = _torch_ceiling(points, repeat, "--workload", "replay")
    if ceiling is not None:
        rows.append(Row(name, "torch (vectorized, own process)", ceiling / 1e3, "s"))
    return rows


def _compile_rows(rows):
    """The break-even: how many steps the compiled W3 step needs to pay for its compile."""
    by = {(r.workload, r.engine): r.value for r in rows}
    name = next((r.workload for r in rows if r.workload.startswith("W3") and r.engine == "dagrad compiled"
                 and r.unit == "ms/step"), None)
    if name is None:
        return []
    compile_ms = by[(f"{name}: trace + compile, once", "dagrad compiled")]
    saved = by[(name, "dagrad")] - by[(name, "dagrad compiled")]
    return [Row(f"{name}: compile pays for itself after", "dagrad compiled", compile_ms / saved, "steps")]


# --- W5: memory per node; and a million-op chain ----------------------------------------------

def _bytes_per_op(value_type, build, ops):
    """Bytes allocated per op while ``build(x, a, b)`` builds its graph (tracemalloc), graph alive."""
    x, a, b = value_type(0.3), value_type(0.5), value_type(0.1)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        y = build(x, a, b)
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del y
    return used / ops


def _memory(build, ops):
    """Bytes per op of ``build`` (three leaves in), dagrad's and, when installed, micrograd's."""
    memory = {"dagrad": _bytes_per_op(Value, build, ops)}
    if peer.Value is not None:
        memory["micrograd"] = _bytes_per_op(peer.Value, build, ops)
    return memory


def _w5(ops):
    build = lambda x, a, b: chain(x, a, b, ops)
    return _compare(f"W5 {ops:,}-op chain: memory", _memory(build, ops), "bytes/node",
                    targets={"dagrad": TARGETS["bytes"]}, absolute=True)


def _deep(ops):
    """Build and backpropagate a chain `ops` deep at Python's default recursion limit."""
    gc.collect()
    t = _chain_run(Value, ops)()
    return [Row(f"{ops:,}-op chain: build + backward, default recursion limit", "dagrad",
                t["build"] + t["backward"], "s", target="runs", met=True)]


# --- check_engine on micrograd: the learner's checker, with its defaults ----------------------

def _check_engine_rows(repeat):
    """`autograd.testing.check_engine` with its defaults on micrograd's Value (with the peer's tanh and exp): ≤ 10 s."""
    if peer.Value is None:
        return []
    from autograd.testing import check_engine

    seconds = _interleaved({"check": lambda: _timed("check", check_engine, peer.Value)}, repeat)["check"]["check"]
    return [Row("check_engine(micrograd's Value), the defaults", "dagrad", seconds, "s", target="≤ 10 s", met=seconds <= 10)]


# --- running and reporting --------------------------------------------------------------------

def run(sizes, progress=lambda name: None):
    """Run every workload; micrograd's rows and ratios are left out when it is not installed.

    Args:
      sizes: `FULL` or `QUICK`, or a dict with the same keys: ``chain`` (W1, W2 and W5 ops),
        ``wide`` (W4's leaves), ``points`` (W3), ``deep`` (ops of the deep chain), ``digits`` (the
        digits network's minibatch) and ``repeat``.
      progress: called with each workload's name as it starts.

    Returns:
      A list of `Row`.

    Example:
      >>> rows = run(QUICK)
      >>> sorted({row.engine for row in rows}) >= ["dagrad", "dagrad compiled"]
      True
    """
    rows = []
    for name, workload in (("W1", lambda: _w1(sizes["chain"], sizes["repeat"])),
                           ("W2", lambda: _w2(sizes["chain"], sizes["repeat"])),
                           ("W4", lambda: _w4(sizes["wide"], sizes["repeat"])),
                           ("W3", lambda: _w3(sizes["points"], sizes["repeat"])),
                           ("minibatch", lambda: _minibatch_rows(sizes["points"], min(10, sizes["points"] // 2), sizes["repeat"])),
                           ("batch replay", lambda: _batch_rows(sizes["grid"], sizes["repeat"])),
                           ("digits", lambda: _digits_rows(sizes["digits"], sizes["repeat"])),
                           ("W5", lambda: _w5(sizes["chain"])),
                           ("deep chain", lambda: _deep(sizes["deep"])),
                           ("check_engine", lambda: _check_engine_rows(sizes["repeat"])),
                           ("explorer", lambda: explorer_rows(_absolute_row, sizes["explorer"], sizes["repeat"])),
                           ("training", lambda: training_rows(_absolute_row, sizes["training"], sizes["repeat"]))):
        progress(name)
        rows += workload()
    return rows + _compile_rows(rows)


def table(rows):
    """The rows as a text table: value, ratio to micrograd, and the target with ✓ or ✗.

    Args:
      rows: a list of `Row`, as `run` returns it.

    Returns:
      A string, one line per row under a header.

    Example:
      >>> print(table([Row("W3 step", "dagrad", 4.0, "ms/step", 0.01, "≤ 0.01×", True)]))
      workload  engine  value         × micrograd  target
      W3 step   dagrad  4.00 ms/step  0.0100       ≤ 0.01× ✓
    """
    cells = [("workload", "engine", "value", "× micrograd", "target")]
    for r in rows:
        digits = 0 if r.value >= 100 else 2
        target = f"{r.target} {'✓' if r.met else '✗'}" if r.target else ""
        cells.append((r.workload, r.engine, f"{r.value:,.{digits}f} {r.unit}",
                      "" if r.ratio is None else f"{r.ratio:.4f}", target))
    widths = [max(len(c[k]) for c in cells) for k in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells)


def as_dicts(rows):
    """The rows as JSON-ready dicts, for ``--json``.

    Example:
      >>> as_dicts([Row("W5", "dagrad", 126.0, "bytes/node")])[0]["value"]
      126.0
    """
    return [asdict(r) for r in rows]


def _absolute_row(workload, engine, value, unit, target, met):
    return Row(workload, engine, value, unit, target=target, met=met)


def _timed(phase, fn, *args):
    t0 = time.perf_counter()
    fn(*args)
    return {phase: time.perf_counter() - t0}


def _interleaved(runs, repeat):
    """{engine: {phase: median seconds}}: each run `repeat` times, in turn, after gc.collect()."""
    samples = {engine: {} for engine in runs}
    for _ in range(repeat):
        for engine, run_once in runs.items():
            gc.collect()
            for phase, seconds in run_once().items():
                samples[engine].setdefault(phase, []).append(seconds)
    return {engine: {phase: statistics.median(s) for phase, s in phases.items()} for engine, phases in samples.items()}


def _compare(workload, values, unit, targets=None, absolute=False):
    """Rows for one workload, micrograd first, each with its ratio to micrograd's value.

    `targets` maps an engine to its target: a ratio to micrograd or, with `absolute`, a value.
    """
    targets = targets or {}
    base = values.get("micrograd")
    rows = []
    for engine in sorted(values, key=lambda e: (e != "micrograd", e)):
        value = values[engine]
        ratio = None if base is None or engine == "micrograd" else value / base
        row = Row(workload, engine, value, unit, ratio)
        goal = targets.get(engine)
        if goal is not None and absolute:
            row.target, row.met = f"≤ {goal} {unit}", value <= goal
        elif goal is not None and ratio is not None:
            row.target, row.met = f"≤ {goal}×", ratio <= goal
        rows.append(row)
    return rows
