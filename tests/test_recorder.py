"""nn.Recorder in Python: what it copies, what it leaves alone, the page's data, its limits and its errors."""
import json
import math
import os
import re
import sys

import pytest
from hostile import HOSTILE

from autograd import Value, svg
from benchmarks.training import recorded_demo
from nn import MLP, SGD, Adam, Module, hinge_loss, mse_loss
from nn.recorder import Recorder


def page_data(html):
    return json.loads(re.search(r'id="dagrad-training-data">(.*?)</script>', html, re.S)[1])


def train(model, X, y, steps, rec=None, opt=None):
    opt = opt or SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        loss = hinge_loss([model(x) for x in X], y)
        loss.backward()
        if rec is not None:
            rec.record(loss)
        opt.step()
    return opt


X4, Y4 = [[1.0, 0.5], [-1.0, 0.2], [0.3, -0.8], [-0.5, -0.5]], [1, -1, 1, -1]


def test_recording_copies_numbers_and_changes_nothing():
    model = MLP(2, [4, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    rec = Recorder(model, X4, Y4, optimizer=opt, loss_fn=hinge_loss)
    opt.zero_grad()
    loss = hinge_loss([model(x) for x in X4], Y4)
    loss.backward()
    before = [(p.data, p.grad) for p in model.parameters()]
    refs = sys.getrefcount(loss)
    rec.record(loss)
    assert sys.getrefcount(loss) == refs  # no graph kept alive: the recorder holds no reference to the loss
    assert [(p.data, p.grad) for p in model.parameters()] == before  # no .data or .grad changed
    assert rec.params == [tuple(d for d, _ in before)] and rec.grads == [tuple(g for _, g in before)]
    assert rec.losses == [loss.data] and rec.lrs == [0.1]
    assert all(type(x) is float for row in rec.params + rec.grads for x in row)  # numbers, not Values


def test_every_records_each_kth_step_and_new_w_is_the_update():
    model = MLP(2, [3, 1], seed=1)
    rec = Recorder(model, X4, Y4, every=3)
    opt = train(model, X4, Y4, 7, rec)
    assert rec.steps == [0, 3, 6]
    # the parameters after step 6's update are the model's now; after step 3's, read at call 5
    assert rec.after(2) == tuple(p.data for p in model.parameters())
    for k in (0, 1):
        new = rec.after(k)
        assert all(n == pytest.approx(w - opt.lr * g, rel=1e-12, abs=1e-15)
                   for w, g, n in zip(rec.params[k], rec.grads[k], new))


def test_accuracy_where_targets_allow():
    model = MLP(2, [4, 1], seed=0)
    rec = Recorder(model, X4, Y4)
    train(model, X4, Y4, 2, rec)
    assert len(rec.accuracies) == 2 and all(0 <= a <= 1 for a in rec.accuracies)
    rec2 = Recorder(model, X4, [0.5, 1.5, 2.0, 3.0])
    rec2.record(1.0)
    assert rec2.accuracies is None  # regression targets: no accuracy
    rec3 = Recorder(model, X4, [1, 0, 1, 0])
    rec3.record(1.0)
    decided = [int(model(x).data > 0) for x in X4]
    assert rec3.accuracies == [sum(d == t for d, t in zip(decided, [1, 0, 1, 0])) / 4]


def test_multiclass_accuracy_and_boundary_classes():
    model = MLP(2, [4, 3], seed=0)
    y = [0, 1, 2, 1]
    rec = Recorder(model, X4, y)
    rec.record(1.0)
    outs = [[o.data for o in model(x)] for x in X4]
    assert rec.accuracies == [sum(max(range(3), key=o.__getitem__) == t for o, t in zip(outs, y)) / 4]
    data = page_data(rec.html(explorers=[]))
    assert data["classes"] == [0, 1, 2] and len(data["boundary"]["cells"][0]) == data["boundary"]["side"] ** 2


def test_inputs_not_2d_have_no_boundary_and_other_modules_get_a_heatmap_per_group():
    class Affine(Module):
        def __init__(self):
            self.scale = [Value(0.5, label="s0"), Value(-1.0, label="s1"), Value(2.0, label="s2")]
            self.shift = Value(0.1, label="<b>shift</b>")

        def forward(self, x):
            return sum((s * xi for s, xi in zip(self.scale, x)), self.shift)

    model = Affine()
    X = [[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]]
    rec = Recorder(model, X, [1.0, -1.0])
    rec.record(0.5)
    data = page_data(rec.html(explorers=[]))
    assert data["boundary"] is None
    assert [g["name"] for g in data["groups"]] == ["scale", "parameters"]
    assert data["groups"][0]["cells"] == [[0, 1, 2]] and data["groups"][1]["cells"] == [[3]]


def test_mlp_heatmaps_are_the_notes_matrices():
    model = MLP(2, [3, 1], seed=0)
    rec = Recorder(model, X4)
    rec.record(0.0)
    groups = page_data(rec.html(explorers=[]))["groups"]
    names = rec.names
    assert [g["name"] for g in groups] == ["layer 1", "layer 2"]
    assert groups[0]["cols"] == ["1", "2", "b"] and groups[0]["rows"] == ["1", "2", "3"]
    assert [[names[k] for k in row] for row in groups[0]["cells"]] == [
        [f"w[1]_{i}{j}" for j in (1, 2)] + [f"b[1]_{i}"] for i in (1, 2, 3)]


def test_the_boundary_without_numpy_is_the_same_program_on_a_coarser_grid(monkeypatch):
    import nn.recorder as recorder
    model = MLP(2, [4, 1], seed=0)
    rec = Recorder(model, X4, Y4)
    rec.record(1.0)
    fast = recorder._Views(rec)
    plain = recorder._Views(rec)
    plain.np = None
    a, b = fast.compute(), plain.compute()
    assert a["accuracy"] == b["accuracy"]
    assert a["boundary"]["side"] == recorder.GRID and b["boundary"]["side"] == recorder.GRID_PLAIN
    # the outputs at the data points agree with the eager model
    eager = [[model(x).data] for x in X4]
    assert plain.outputs(rec.X, rec.params[0]) == eager
    assert [o for (o,) in fast.outputs(rec.X, rec.params[0])] == pytest.approx([o for (o,) in eager], rel=1e-12)


def test_explore_uses_the_steps_parameters_and_leaves_the_model_alone():
    model = MLP(2, [3, 1], seed=0)
    rec = Recorder(model, X4, Y4, loss_fn=hinge_loss)
    train(model, X4, Y4, 3, rec)
    now = [p.data for p in model.parameters()]
    ex = rec.explore(0, 1)
    assert [p.data for p in model.parameters()] == now
    fresh = MLP(2, [3, 1], seed=0)
    expected = hinge_loss(fresh(X4[1]), Y4[1]).data
    root = next(s for s in ex.steps if s.phase == "backward").node  # the backward pass starts at the root
    assert root.label == "loss" and ex.steps[-1].data_of(root) == expected


def test_saved_explorers_are_within_their_budget(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    rec = Recorder(model, X4, Y4, loss_fn=hinge_loss)
    train(model, X4, Y4, 3, rec)
    data = page_data(rec.html())
    assert [(x["k"], x["example"]) for x in data["explorers"]] == [(0, 0), (1, 0), (2, 0)]
    with pytest.warns(UserWarning, match=r"explorers \[\(1, 2\)\] left out"):
        one = len(page_data(rec.html(explorers=[(0, 1)]))["explorers"][0]["page"])
        small = page_data(rec.html(explorers=[(0, 1), (1, 2)], max_explorer_bytes=one + 10))
    assert [(x["k"], x["example"]) for x in small["explorers"]] == [(0, 1)]


@pytest.mark.parametrize("name,text", HOSTILE)
def test_hostile_names_are_data_never_markup(name, text):
    model = MLP(2, [2, 1], seed=0)
    for p in model.parameters():
        p.label = text  # not the notes' labels: grouped by name, shown by name
    rec = Recorder(model, X4, Y4, title=text)
    rec.record(1.0)
    html = rec.html(explorers=[])
    assert html.count("</script>") == 2 and "<img" not in html.split("<script", 1)[1].split("</script>")[0]
    data = page_data(html)
    assert data["title"] == text and f"<title>{svg.text(text)}</title>" in html


def test_a_model_with_several_outputs_and_no_loss_saves_no_explorer_by_default():
    model = MLP(2, [3, 2], seed=0)
    rec = Recorder(model, X4)
    rec.record(1.0)
    assert page_data(rec.html())["explorers"] == []
    with pytest.raises(ValueError, match="several outputs; pass loss_fn"):
        rec.explore(0, 0)


def test_errors_name_the_argument_and_the_remedy():
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(TypeError, match="Recorder: model must be an nn Module"):
        Recorder([1.0], X4)
    with pytest.raises(ValueError, match="no parameters to record"):
        Recorder(Module(), X4)
    with pytest.raises(ValueError, match="one target per row"):
        Recorder(model, X4, [1, -1])
    with pytest.raises(ValueError, match="every must be"):
        Recorder(model, X4, every=0)
    with pytest.raises(ValueError, match=r"X\[0\]\[1\]"):
        Recorder(model, [[1.0, float("nan")]])
    rec = Recorder(model, X4)
    with pytest.raises(ValueError, match="nothing is recorded yet"):
        rec.save("never.html")
    with pytest.raises(ValueError, match="Recorder.widget: nothing is recorded yet"):
        rec.widget()
    assert rec._repr_mimebundle_() == {"text/plain": "<Recorder 0 steps recorded>"}
    with pytest.raises(TypeError, match="loss must be a Value or a number"):
        rec.record("0.5")
    rec.record(1.0)
    with pytest.raises(ValueError, match="example must be an index"):
        rec.explore(0, 9)


def test_the_demo_recorded_costs_little_and_its_page_is_small(tmp_path):
    rec, training, recording = recorded_demo(20)
    assert recording <= 0.2 * training  # recording adds at most 20% to the training time
    assert os.path.getsize(rec.save(tmp_path / "training.html")) <= 3_000_000


def test_adam_shows_its_own_rule():
    model = MLP(2, [2, 1], seed=0)
    opt = Adam(model.parameters(), lr=0.01)
    rec = Recorder(model, X4, Y4, optimizer=opt)
    train(model, X4, Y4, 2, rec, opt)
    data = page_data(rec.html(explorers=[]))
    assert data["rule"] == "Adam" and data["lr"] == [0.01, 0.01]


def test_mse_loss_records_a_float_loss():
    model = MLP(1, [2, 1], seed=0)
    rec = Recorder(model, [[0.0], [1.0]], [1.0, -1.0])
    loss = mse_loss([model([0.0]), model([1.0])], [1.0, -1.0])
    rec.record(loss.data)
    assert rec.losses == [loss.data]


def test_the_widget_answers_an_explorer_request_with_that_steps_explorer(monkeypatch):
    model = MLP(2, [3, 1], seed=0)
    rec = Recorder(model, X4, Y4, loss_fn=hinge_loss)
    train(model, X4, Y4, 2, rec)
    bundle, _ = rec._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" in bundle
    widget = rec.widget()
    sent = []
    monkeypatch.setattr(widget, "send", sent.append)
    widget._handle_custom_msg({"explore": [1, 2]}, [])  # what the script sends when an example is opened
    (answer,) = sent
    assert (answer["k"], answer["example"]) == (1, 2) and answer["html"] == rec.explore(1, 2).html()
    assert json.loads(widget.data)["live"] is True  # the widget asks Python; a saved page has its explorers


@pytest.mark.parametrize("numpy", [True, False])
@pytest.mark.parametrize("outputs", [1, 3])
def test_a_run_that_diverges_to_nan_is_recorded_saved_and_marked(tmp_path, monkeypatch, numpy, outputs):
    # Regression: rec.save raised "compiled graph.batch: row 0, input 2 must be finite, got nan", and so
    # did rec.accuracies: exploding gradients, what the page is for, could not be shown.
    import nn.recorder as recorder
    if not numpy:
        monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` fails: the point-by-point path
    model = MLP(2, [4, outputs], seed=0)
    X, y = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0]
    opt = SGD(model.parameters(), lr=1e300)
    rec = Recorder(model, X, y, optimizer=opt)
    for _ in range(10):
        opt.zero_grad()
        out = [model(x) for x in X]
        loss = mse_loss(out, [float(t) for t in y]) if outputs == 1 else mse_loss([o[0] for o in out], [float(t) for t in y])
        loss.backward()
        rec.record(loss)
        opt.step()
    assert not all(map(math.isfinite, rec.losses)) and math.isfinite(rec.losses[0])
    views = recorder._Views(rec)
    assert (views.np is None) == (not numpy)
    finite = [views.outputs(X, ps) is not None for ps in rec.params]
    assert finite[0] and not finite[-1]
    assert [a is not None for a in rec.accuracies] == finite  # None where the outputs are not finite, not an error
    data = page_data(open(rec.save(tmp_path / "diverged.html"), encoding="utf-8").read())
    assert [c is not None for c in data["boundary"]["cells"]] == finite
    assert "nan" in data["loss"] and data["accuracy"] == rec.accuracies


def test_a_module_naming_its_parameters_in_an_order_of_its_own_gets_its_own_numbers():
    # Regression: the recorded values (named_parameters() order) were paired with the copy's
    # parameters() order, so such a module's outputs, accuracy, boundary and explorer were wrong.
    class Reversed(MLP):
        def named_parameters(self):
            return list(reversed(super().named_parameters()))

    import nn.recorder as recorder
    model = Reversed(2, [3, 1], seed=0)
    rec = Recorder(model, X4, Y4, loss_fn=hinge_loss)
    train(model, X4, Y4, 2, rec)
    for p, v in zip([p for _, p in model.named_parameters()], rec.params[0]):
        p.data = v  # the model as it was at step 0
    eager = [model(x).data for x in X4]
    assert [o for (o,) in recorder._Views(rec).outputs(rec.X, rec.params[0])] == pytest.approx(eager, rel=1e-12)
    assert rec.accuracies[0] == sum((o > 0) == (t > 0) for o, t in zip(eager, Y4)) / 4
    ex = rec.explore(0, 1)
    assert ex.steps[-1].data_of(next(s for s in ex.steps if s.phase == "backward").node) == hinge_loss(model(X4[1]), Y4[1]).data
