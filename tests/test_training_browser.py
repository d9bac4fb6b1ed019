"""The training timeline in a real browser (headless system Chromium, see tests/browser.py): the saved page and the widget.

The `page` fixture fails a test on any console error, page error or network request, and saves a
screenshot of it to tests/screenshots/.
"""

import json

import pytest
from hostile import HOSTILE

from autograd import svg
from nn import MLP, SGD, hinge_loss, mse_loss
from nn.recorder import Recorder

X = [[1.0, 0.5], [-1.0, 0.2], [0.3, -0.8], [-0.5, -0.5], [0.8, 0.9], [-0.9, -0.1]]
Y = [1, -1, 1, -1, 1, -1]
PANELS = ".tr-chart, .tr-boundary, .tr-layer, .tr-rule, .tr-changed"


def recorded(steps=6, every=1, **options):
    model = MLP(2, [3, 1], seed=3)
    opt = SGD(model.parameters(), lr=0.2)
    rec = Recorder(model, X, Y, every=every, optimizer=opt, loss_fn=hinge_loss, **options)
    for k in range(steps):
        opt.zero_grad()
        loss = hinge_loss([model(x) for x in X], Y)
        loss.backward()
        rec.record(loss)
        opt.lr = 0.2 - 0.01 * k  # a schedule: each step's own η is shown
        opt.step()
    return rec


def open_page(page, tmp_path, rec, **save):
    page.open_file(rec.save(tmp_path / "training.html", **save))
    page.wait_for_function("() => globalThis.dagradTraining && dagradTraining.ready")


def panel_steps(page):
    return page.evaluate(f"() => [...document.querySelectorAll('{PANELS}')].map(e => e.dataset.step)")


def field(page, name):
    return page.text_content(f'[data-field="{name}"]')


def test_the_slider_moves_every_panel_to_the_same_step(page, tmp_path):
    rec = recorded()
    open_page(page, tmp_path, rec)
    n = len(rec.steps)
    steps = panel_steps(page)
    assert len(steps) >= 6 and set(steps) == {"0"}  # curves, norms, boundary, two layers, the rule, the change
    page.fill(".tr-slider", "3")  # the slider
    assert set(panel_steps(page)) == {"3"}
    page.keyboard.press("ArrowRight")
    assert set(panel_steps(page)) == {"4"}
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert set(panel_steps(page)) == {"2"}
    page.keyboard.press("End")
    assert set(panel_steps(page)) == {str(n - 1)}
    assert page.text_content(".tr-counter") == f"step {rec.steps[-1]} (recorded {n} of {n})"
    page.click(".tr-play")  # play from the end starts over and runs to the end
    page.wait_for_function(f"() => dagradTraining.step === {n - 1} && !dagradTraining.timer", timeout=5000)


def test_the_numbers_shown_are_the_recorders(page, tmp_path):
    rec = recorded()
    open_page(page, tmp_path, rec)
    for k in range(len(rec.steps)):
        page.evaluate(f"dagradTraining.go({k})")
        assert field(page, "loss") == f"loss {svg.number(rec.losses[k])}"
        assert field(page, "accuracy") == f"accuracy {svg.number(rec.accuracies[k])}"
        p = page.evaluate("dagradTraining.shown")
        new = rec.after(k)
        # the weight shown follows the largest |Δw| of the step
        deltas = [abs(a - b) for a, b in zip(new, rec.params[k])]
        assert p == deltas.index(max(deltas))
        assert field(page, "w") == svg.number(rec.params[k][p])
        assert field(page, "grad") == svg.number(rec.grads[k][p])
        assert field(page, "eta") == svg.number(rec.lrs[k])
        assert field(page, "new") == svg.number(new[p])
        assert new[p] == rec.params[k][p] - rec.lrs[k] * rec.grads[k][p]  # plain SGD: the rule's numbers hold
    page.evaluate("dagradTraining.go(1)")
    page.click(".tr-heat >> nth=0", position={"x": 22 + 3, "y": 14 + 3})  # layer 1's W[1], cell (1, 1): w[1]_11
    assert page.text_content(".tr-rule td") == "w[1]_11"
    assert field(page, "w") == svg.number(rec.params[1][rec.names.index("w[1]_11")])


def test_an_explorer_opens_from_a_step(page, tmp_path):
    rec = recorded()
    open_page(page, tmp_path, rec, explorers=[(2, 3)])
    assert page.is_disabled(".tr-open")  # step 0, example 1: not saved, and the page says how to save it
    assert page.text_content(".tr-open-note") == "not saved with this page: rec.save(path, explorers=[(0, 0)]) would save it"
    page.fill(".tr-slider", "2")
    page.fill(".tr-example-input", "4")
    page.dispatch_event(".tr-example-input", "change")
    page.click(".tr-open")  # chosen by step and example: the saved one opens
    frame = page.frame_locator(".tr-frame-explorer")
    title = frame.locator(".dx-head h1").text_content()
    assert title == rec.explore(2, 3).title == f"backprop on example 4 (y = -1) at step {rec.steps[2]}"
    assert page.evaluate("dagradTraining.step") == 2
    frame.locator(".dx-side").wait_for()
    page.keyboard.press("Escape")
    assert page.is_hidden(".tr-overlay")
    page.evaluate("dagradTraining.go(0)")
    page.click(".tr-open-saved")  # the list of saved ones: goes to its step and opens it
    assert page.evaluate("dagradTraining.step") == 2 and page.evaluate("dagradTraining.example") == 3
    assert frame.locator(".dx-head h1").text_content() == title


def test_inputs_that_are_not_2d_have_no_boundary_and_the_rest_works(page, tmp_path):
    model = MLP(3, [2, 1], seed=0)
    rec = Recorder(model, [[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]], [1, -1])
    rec.record(0.5)
    rec.record(0.25)
    open_page(page, tmp_path, rec)
    assert page.locator(".tr-boundary").count() == 0
    page.keyboard.press("ArrowRight")
    assert set(panel_steps(page)) == {"1"} and field(page, "loss") == "loss 0.25"


@pytest.mark.parametrize("name,text", [h for h in HOSTILE if h[0] in ("script end", "img onerror", "bold tag", "newline")])
def test_hostile_names_are_shown_as_text(page, tmp_path, name, text):
    model = MLP(2, [2, 1], seed=0)
    for p in model.parameters():
        p.label = text
    rec = Recorder(model, X, Y, title=text)
    rec.record(1.0)
    open_page(page, tmp_path, rec, explorers=[])
    assert page.text_content(".tr-head h1") == text
    assert page.text_content(".tr-saved").strip() == "" and page.is_disabled(".tr-open")
    assert page.locator(".dagrad-training img, .dagrad-training b").count() == 0


def test_the_widget_asks_python_for_an_explorer_and_syncs_the_step(page, tmp_path):
    rec = recorded()
    widget = rec.widget()
    explorer = json.dumps(rec.explore(1, 2).html())  # what Python answers
    page.open_widget(widget, {"data": widget.data, "step": 1}, tmp_path,
                     answer=f"(msg) => ({{k: msg.explore[0], example: msg.explore[1], html: {explorer}}})")
    page.wait_for_selector(".tr-widget .tr-rule")
    assert set(panel_steps(page)) == {"1"}  # starts at the Python side's step
    page.focus(".tr-widget")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("globalThis.saved") == [2]
    page.keyboard.press("ArrowLeft")
    page.fill(".tr-example-input", "3")
    page.dispatch_event(".tr-example-input", "change")
    page.click(".tr-open")
    assert page.evaluate("globalThis.sent") == [{"explore": [1, 2]}]
    title = page.frame_locator(".tr-frame-explorer").locator(".dx-head h1").text_content()
    assert title == f"backprop on example 3 (y = 1) at step {rec.steps[1]}"


def test_a_diverged_run_shows_its_nan_steps_marked(page, tmp_path):
    # Regression: a run that diverged to nan could not be saved (CompiledFunction.batch refused nan).
    model = MLP(2, [4, 1], seed=0)
    opt = SGD(model.parameters(), lr=1e300)
    rec = Recorder(model, X, Y, optimizer=opt)
    for _ in range(6):
        opt.zero_grad()
        loss = mse_loss([model(x) for x in X], [float(t) for t in Y])
        loss.backward()
        rec.record(loss)
        opt.step()
    k = len(rec.steps) - 1
    assert rec.losses[k] != rec.losses[k] and rec.accuracies[k] is None and rec.accuracies[0] is not None
    open_page(page, tmp_path, rec)
    notes = lambda: page.evaluate("() => [...document.querySelectorAll('.tr-diverged, .tr-nonfinite')].map(e => !e.hidden)")
    assert not any(notes())  # step 0: every number finite
    page.evaluate(f"dagradTraining.go({k})")
    assert field(page, "loss") == "loss nan (not finite at this step)"
    assert field(page, "accuracy") == "accuracy — (the outputs are not finite at this step)"
    assert page.text_content(".tr-diverged") == "not finite at this step: the model's outputs are inf or nan, so there is no boundary"
    assert all(notes()) and len(notes()) == 1 + 2 * 2  # the boundary's note, and W and ∂C/∂W of both layers
    assert page.text_content(".tr-changed") != "the update after this step is not recorded yet"
