"""The benchmarks run (at tiny sizes, so they never rot) and report every row; no timing is asserted."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIDE = "W4 wide graph, 20 leaves each in 19 products (379 ops)"  # --quick's W4


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The output and JSON of ``python -m benchmarks --quick``, run as `make bench` runs it."""
    path = tmp_path_factory.mktemp("bench") / "rows.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(path.read_text())


def test_quick_run_reports_every_workload_and_engine(quick):
    stdout, report = quick
    rows = report["rows"]
    workloads = {row["workload"].split(":")[0] for row in rows}
    assert {"W1 400-op chain", "W2 400-op mixed chain", WIDE, "W3 MLP 2-16-16-1 step, 8 points", "W5 400-op chain"} <= workloads
    assert any(w.startswith("4,000-op chain") for w in workloads)
    engines = {(row["workload"], row["engine"]) for row in rows}
    for workload in ("W1 400-op chain: end to end", "W3 MLP 2-16-16-1 step, 8 points"):
        assert {(workload, e) for e in ("micrograd", "dagrad", "dagrad compiled")} <= engines
    for workload in ("W2 400-op mixed chain", WIDE):  # eager only, each phase against micrograd
        for phase in ("build", "backward", "end to end"):
            assert {(f"{workload}: {phase}", e) for e in ("micrograd", "dagrad")} <= engines
    assert ("W2 400-op mixed chain: memory, constants included", "micrograd") in engines
    assert ("W3 MLP 2-16-16-1 step, 8 points", "torch (vectorized, own process)") in engines
    assert {("W3 MLP 2-16-16-1 step, 8 points", "dagrad vectorized"),
            ("W3 MLP 2-16-16-1 step, 8 points: vectorized against torch", "dagrad vectorized")} <= engines
    assert ("W5 400-op chain: memory", "micrograd") in engines
    for row in rows:
        assert row["value"] > 0, row
        if row["engine"] != "micrograd" and row["unit"] in ("ns/op", "ms/step", "bytes/node", "bytes/op"):
            assert row["ratio"] is not None and row["ratio"] > 0, row
    assert report["environment"]["micrograd"] == "0.1.0"
    for row in rows:  # every row is printed
        assert row["workload"] in stdout


def test_targets_are_marked(quick):
    rows = quick[1]["rows"]
    marked = {(row["engine"], row["target"]) for row in rows if row["target"]}
    assert ("dagrad", "≤ 0.125×") in marked
    assert ("dagrad compiled", "≤ 0.01×") in marked
    assert ("dagrad", "≤ 200 bytes/node") in marked
    assert ("dagrad", "≤ 200 bytes/op") in marked  # W2: the constants' leaves counted in
    (mixed,) = [row for row in rows if row["workload"] == "W2 400-op mixed chain: end to end" and row["engine"] == "dagrad"]
    assert mixed["target"] == "≤ 0.1×" and mixed["met"] in (True, False)


def test_the_explorer_is_measured_in_python_and_in_the_browser(quick):
    rows = [row for row in quick[1]["rows"] if row["workload"].startswith("explorer, MLP(2, [4, 1])")]
    measured = [row["workload"].split(": ", 1)[1] for row in rows]
    assert measured == ["explore + save", "page size", "first paint, headless Chromium", "one step, headless Chromium",
                        "one step by neuron, headless Chromium", "one step by layer, headless Chromium"]
    assert all(row["value"] > 0 and row["target"].startswith("≤ ") and row["met"] in (True, False) for row in rows)


def test_the_training_timeline_is_measured_in_python_and_in_the_browser(quick):
    rows = [row for row in quick[1]["rows"] if row["workload"].startswith("training timeline, the demo (3 steps)")]
    measured = [row["workload"].split(": ", 1)[1] for row in rows]
    assert measured == ["recording's cost", "page size", "first paint, headless Chromium", "one slider step, headless Chromium"]
    assert [row["target"] for row in rows] == ["≤ 20 %", "≤ 3 MB", "≤ 1000 ms", "≤ 50 ms"]
    assert all(row["value"] > 0 and row["met"] in (True, False) for row in rows)


def test_jvp_is_reported_against_backward(quick):
    (row,) = [row for row in quick[1]["rows"] if "jvp (forward mode)" in row["workload"]]
    assert row["engine"] == "dagrad" and row["unit"] == "× backward" and row["value"] > 0
    assert row["target"] == "≤ 1.5× backward" and row["met"] in (True, False)


def test_the_peer_extension_differentiates_like_dagrad():
    # The tanh and exp added to micrograd's Value must be right, or W1 would compare unlike work.
    from autograd import Value
    from benchmarks import peer
    from benchmarks.suite import chain

    def grads(value_type):
        x, a, b = value_type(0.3), value_type(0.5), value_type(0.1)
        y = chain(x, a, b, 40)
        y.backward()
        return [y.data, x.grad, a.grad, b.grad]

    for ours, theirs in zip(grads(Value), grads(peer.Value)):
        assert abs(ours - theirs) <= 1e-12 * (1 + abs(ours))


def micrograd_nodes(root):
    """Every node of a micrograd graph (its `_prev` sets), counted without recursion."""
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


@pytest.mark.parametrize("workload", ["mixed chain", "wide graph"])
def test_w2_and_w4_build_the_same_graph_and_gradients_on_both_engines(workload):
    # The mixed chain's constants are wrapped by each engine its own way (micrograd's x / 1.5 is
    # x * 1.5 ** -1): both must still build as many nodes and reach the same values and gradients,
    # or W2 and W4 would time unlike work.
    from autograd import Value, topological_order
    from benchmarks import peer
    from benchmarks.suite import mixed_chain, wide

    def run(value_type):
        if workload == "mixed chain":
            leaves = [value_type(0.3), value_type(0.5), value_type(0.1)]
            y = mixed_chain(*leaves, 80)
        else:
            leaves = [value_type(0.5 + k / 24) for k in range(12)]
            y = wide(leaves)
        y.backward()
        return y, [y.data] + [leaf.grad for leaf in leaves]

    (ours, our_numbers), (theirs, their_numbers) = run(Value), run(peer.Value)
    assert len(topological_order(ours)) == micrograd_nodes(theirs)
    assert our_numbers == pytest.approx(their_numbers, rel=1e-12)
    if workload == "mixed chain":  # relu stays on its slope: every op of the chain carries gradient
        assert all(v.data > 0 for v in topological_order(ours) if v.op == "relu")


def test_w3_trains_the_same_network_on_both_engines():
    # Same weights, same loss, same update: the two W3 timings measure the same work.
    from benchmarks import peer
    from benchmarks.suite import hinge_l2, peer_mlp
    from nn import MLP
    from nn.datasets import make_moons

    X, labels = make_moons(10, noise=0.1, seed=0)
    y = [2 * t - 1 for t in labels]
    ours = MLP(2, [16, 16, 1], seed=1337)
    theirs = peer_mlp(ours)
    assert isinstance(theirs, peer.MLP)
    losses = []
    for model in (ours, theirs):
        loss = hinge_l2([model(x) for x in X], y, model.parameters())
        loss.backward()
        losses.append(loss.data)
    assert losses[0] == pytest.approx(losses[1], rel=1e-12)
    assert [p.grad for p in ours.parameters()] == pytest.approx([p.grad for p in theirs.parameters()], rel=1e-9, abs=1e-15)


def test_pytorch_is_the_ceiling_for_the_minibatch_step_and_the_batch_replay(quick):
    rows = quick[1]["rows"]
    torch_rows = {row["workload"]: row for row in rows if row["engine"] == "torch (vectorized, own process)"}
    ours = {row["workload"]: row for row in rows if row["engine"] == "dagrad compiled"}
    for prefix, unit in (("minibatch step", "ms/minibatch"), ("batch replay", "s")):
        names = [w for w in torch_rows if w.startswith(prefix)]
        assert len(names) == 1, (prefix, sorted(torch_rows))
        assert names[0] in ours, names[0]                    # reported beside dagrad's row, same workload
        assert torch_rows[names[0]]["unit"] == ours[names[0]]["unit"] == unit
        assert torch_rows[names[0]]["value"] > 0
    vectorized = {row["workload"]: row for row in rows if row["engine"] == "dagrad vectorized"}
    (minibatch,) = [w for w in torch_rows if w.startswith("minibatch step")]
    assert vectorized[minibatch]["unit"] == "ms/minibatch" and vectorized[minibatch]["value"] > 0


def test_the_digits_step_is_timed_eager_compiled_and_in_pytorch(quick):
    # What each level costs on the digits network (the README's table): one minibatch of 10.
    name = "digits MLP 64-32-10 step, cross-entropy, minibatch of 10"
    rows = [row for row in quick[1]["rows"] if row["workload"].startswith(name)]
    assert {row["engine"] for row in rows if row["workload"] == name} == {
        "dagrad", "dagrad compiled", "dagrad vectorized", "torch (vectorized, own process)"}
    assert all(row["value"] > 0 and row["unit"] == "ms/minibatch" for row in rows if row["workload"] == name)
    assert [row["unit"] for row in rows if row["workload"] == f"{name}: trace + compile, once"] == ["s", "s"]
