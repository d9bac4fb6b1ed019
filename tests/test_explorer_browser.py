"""The explorer in a real browser (headless system Chromium, see tests/browser.py): the saved page and the widget.

Each test opens a page saved by `Explorer.save` and checks what a learner sees against the engine:
the step line reads as Python's `str(step)` and every number shown equals the engine's at that
step. The `page` fixture fails a test on any console error, page error or network request, and
saves a screenshot of it to tests/screenshots/.
"""

import math
import random
import re

import pytest

from autograd import Value, explore, explorer, topological_order
from nn import MLP
from nn.losses import hinge_loss


def small():
    """o = tanh(x * w + b) with every node named, and a used-twice node (x)."""
    x, w, b = Value(0.8, label="x"), Value(-1.5, label="w"), Value(0.3, label="b")
    xw = x * w; xw.label = "xw"
    z = xw + b + x * x; z.label = "z"
    o = z.tanh(); o.label = "o"
    return o


def network():
    model = MLP(2, [4, 4, 1], seed=2)
    x = [Value(0.7, label="x_1"), Value(-0.4, label="x_2")]
    loss = hinge_loss(model(x), 1, reduction="sum"); loss.label = "loss"
    return model, loss


def by_op(ex):
    """`ex` stepping one op at a time (a network's page starts by layer)."""
    ex.by = "op"
    return ex


def open_explorer(page, tmp_path, ex, name="backprop.html"):
    path = ex.save(tmp_path / name)
    page.open_file(path)
    page.wait_for_function("() => globalThis.dagradExplorer !== undefined")
    return ex


def status(page):
    return page.text_content(".dx-status")


def shown(page, where="g.units [data-node]"):
    """{node index: (data, grad)} as the page shows them (full-precision values behind the text) in the
    nodes (or any other part of the drawing `where` selects)."""
    return page.evaluate("""(where) => {
        const out = {};
        for (const e of document.querySelectorAll(where + ' tspan[data-n]')) {
            const i = e.dataset.n, v = e.dataset.value;
            out[i] = out[i] || [null, null];
            out[i][e.dataset.f === 'data' ? 0 : 1] = v === '' ? null : Number(v);
        }
        return out;
    }""", where)


def expected(ex, k):
    step = ex.steps[k]
    return {str(i): [step.data_of(v), step.grad_of(v)] for i, v in enumerate(topological_order(ex.steps[0]._t.order[-1]))}


def classes(page):
    """The class of every node box, neuron box and edge outside the neurons' views, as the page has
    them; an edge's with its width (stroke-width in px), or None where it has none."""
    return page.evaluate("""() => [...document.querySelectorAll('g.units [data-node], g.units [data-group], g.edges path')]
        .map(e => e.tagName !== 'path' ? e.getAttribute('class')
             : [e.getAttribute('class'), e.hasAttribute('style') ? parseFloat(/:([^p]*)px/.exec(e.style.cssText)[1]) : null])""")


def python_classes(ex, k, covers=None):
    """The same, from the drawing Python makes of step k (what a page without script shows), or of
    the coarse step covering op steps `covers`."""
    units = (ex.svg(k) if covers is None else explorer._draw(ex, covers[-1], covers[0])).split('<g class="units">', 1)
    boxes = re.findall(r'<g class="([^"]*)" data-(?:node|group)=', units[1].split('<g class="inset"', 1)[0])
    edges = [[cls, float(width) if width else None]
             for width, cls in re.findall(r'<path (?:style="stroke-width:([^p]*)px" )?class="([^"]*)" data-e=', units[0])]
    return edges + boxes  # in document order: the edges are drawn first


def test_every_step_shows_the_engines_numbers_and_sentence(page, tmp_path):
    ex = open_explorer(page, tmp_path, explore(small()))
    for k in range(len(ex.steps)):
        page.evaluate(f"dagradExplorer.go({k})")
        assert status(page) == str(ex.steps[k]), k
        assert shown(page) == expected(ex, k), k
        assert page.text_content(".dx-counter").startswith(f"step {k + 1} / {len(ex.steps)}")
        assert classes(page) == python_classes(ex, k), k  # the script's states are Python's


def test_a_networks_states_match_pythons_at_every_step(page, tmp_path):
    model, loss = network()
    ex = open_explorer(page, tmp_path, by_op(explore(loss, params=model.parameters())))
    for k in range(0, len(ex.steps), 3):
        page.evaluate(f"dagradExplorer.go({k})")
        assert classes(page) == python_classes(ex, k), k


def test_buttons_slider_and_keys_step_forward_and_back(page, tmp_path):
    ex = open_explorer(page, tmp_path, explore(small()))
    steps = ex.steps
    assert status(page) == str(steps[0])
    page.keyboard.press("ArrowRight")  # no click first: the saved page answers keys at once
    assert status(page) == str(steps[1])
    page.click(".dx-next")
    page.click(".dx-next")
    assert status(page) == str(steps[3])
    page.click(".dx-prev")
    assert status(page) == str(steps[2])
    page.keyboard.press("End")
    assert status(page) == str(steps[-1])
    page.keyboard.press("ArrowLeft")
    assert status(page) == str(steps[-2])
    page.keyboard.press("Home")
    assert status(page) == str(steps[0])
    page.fill(".dx-slider", str(len(steps) - 3))  # dragging the slider
    assert status(page) == str(steps[-3])
    assert shown(page) == expected(ex, len(steps) - 3)
    page.click(".dx-jump")
    assert status(page) == str(steps[ex._t.first_backward])
    assert page.text_content(".dx-phase") == "backward pass"


def test_play_runs_to_the_end(page, tmp_path):
    ex = open_explorer(page, tmp_path, explore(small()))
    page.select_option(".dx-speed", "fast")
    page.click(".dx-play")
    page.wait_for_function(f"() => dagradExplorer.step === {len(ex.steps) - 1} && dagradExplorer.timer === null")
    assert status(page) == str(ex.steps[-1])


def test_clicking_a_node_jumps_to_its_step_and_shows_its_chain_rule(page, tmp_path):
    ex = open_explorer(page, tmp_path, explore(small()))
    t = ex._t
    x = t.names.index("x")
    page.keyboard.press("End")  # in the backward pass: a leaf jumps to where its gradient is final
    page.keyboard.press("Home")
    page.click(f'g.units [data-node="{t.names.index("xw")}"]')
    assert status(page) == str(ex.steps[t.appears[t.names.index("xw")]])  # forward: where xw is computed
    page.click(".dx-jump")
    page.click(f'g.units [data-node="{x}"]')
    k = t.final[x]
    assert status(page) == str(ex.steps[k])
    side = page.text_content(".dx-side")
    assert "gradient received" in side and f"sum = {ex.steps[k].grad_of(t.order[x]):.4g}" in side
    assert side.count("from ") == 3  # x feeds xw, and x * x twice


def test_a_network_is_grouped_and_a_neuron_opens_on_click(page, tmp_path):
    model, loss = network()
    ex = open_explorer(page, tmp_path, by_op(explore(loss, params=model.parameters())))
    assert ex.grouped
    assert page.locator("g.units > g.group").count() == len(ex._groups)
    inset = page.locator('[data-inset="4"]')
    assert not inset.is_visible()
    page.click('[data-group="4"]')
    assert inset.is_visible()
    assert "neuron 1 · layer 2" in page.text_content(".dx-side")
    inner = ex._groups[4]["z"]
    page.keyboard.press("End")
    page.click(f'[data-inset="4"] [data-node="{inner}"]')  # a node inside jumps to its backward step
    assert status(page) == str(ex.steps[ex._t.passes[inner]])
    page.keyboard.press("Escape")
    assert not inset.is_visible()
    # The numbers in the boxes are the engine's, at every step of the backward pass.
    for k in range(ex._t.first_backward, len(ex.steps), 7):
        page.evaluate(f"dagradExplorer.go({k})")
        values = page.evaluate("""() => [...document.querySelectorAll('g.units g.group tspan[data-f=grad]')]
                                   .map(e => [Number(e.dataset.n), e.dataset.value === '' ? null : Number(e.dataset.value)])""")
        assert len(values) == 2 * (4 + 4) + 1 + 1  # z and a of each hidden neuron, z of the output, the cost
        for i, g in values:
            assert g == ex.steps[k].grad_of(ex._t.order[i]), (k, i)


def test_hostile_labels_are_shown_as_text_and_run_nothing(page, tmp_path):
    bad = ["<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>", "x&amp;y"]
    xs = [Value(float(k), label=label) for k, label in enumerate(bad, 1)]
    root = (xs[0] * xs[1] + xs[2]).tanh()
    root.label = "<b>bold</b>"
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ex = open_explorer(page, tmp_path, explore(root))
    page.keyboard.press("End")
    page.click('g.units [data-node="0"]')
    assert page.text_content(".dx-side h2") == bad[0]
    # A box shows the name's first 17 characters; its tooltip (title) the whole name.
    names = page.evaluate("() => [...document.querySelectorAll('g.units [data-node] > title')].map(e => e.textContent)")
    assert bad[0] in names and bad[1] in names and bad[2] in names and "<b>bold</b>" in names
    assert page.locator("img").count() == 0 and page.locator("b").count() == 0
    assert page.evaluate("() => document.querySelectorAll('script').length") == 2
    assert dialogs == []
    assert ex.steps[0].data_of(xs[0]) == 1.0


def test_number_format_matches_python(page, tmp_path):
    # The page formats numbers itself; every kind of number must read as Python's svg.number writes it.
    numbers = [0.0, -0.0, 1.0, -3.0, 0.5, 2.458e-05, -7.373e-05, 1e20, 123456.0, 9999.5, 0.00012345, 1e-300,
               3.14159, -1234.5, 99999.0, float("inf"), float("-inf"), 2.0 ** 60, 12.0, 1e-5, 9999.0, 99995.0, 1000.5,
               1001.5, 0.000099995, 5e-324, 1.7976931348623157e308, 0.0001]
    rng = random.Random(0)  # and many more: every magnitude, and exact ties (x.5) that round to even
    numbers += [rng.uniform(-1, 1) * 10 ** rng.randint(-8, 8) for _ in range(300)] + [rng.randint(-20000, 20000) + 0.5 for _ in range(200)]
    x = Value(1.0)
    open_explorer(page, tmp_path, explore(x * 2.0))
    js = page.evaluate("xs => xs.map(x => dagradExplorer.format(x))", numbers)
    python = [explorer.svg.number(n) for n in numbers]
    assert js == python


@pytest.fixture
def widget_page(page, tmp_path):
    """The widget's module run as anywidget runs it: render({model, el}) with a stand-in model."""
    ex = explore(small())
    ex.step = 2
    widget = ex.widget()
    page.open_widget(widget, {"svg": widget.svg, "data": widget.data, "step": widget.step, "by": widget.by}, tmp_path)
    page.wait_for_selector(".dx-widget .dx-status")
    return ex


def test_the_widget_steps_only_while_focused_and_syncs_the_step(page, widget_page):
    ex = widget_page
    assert page.text_content(".dx-status") == str(ex.steps[2])  # starts at the Python side's step
    page.focus("#other")
    page.keyboard.press("ArrowRight")  # a key meant for the notebook: the widget ignores it
    assert page.text_content(".dx-status") == str(ex.steps[2])
    page.focus(".dx-widget")
    page.keyboard.press("ArrowRight")
    assert page.text_content(".dx-status") == str(ex.steps[3])
    assert page.evaluate("globalThis.saved") == [3]  # the step goes back to Python
    page.evaluate("pythonSets(5)")  # and comes from Python
    assert page.text_content(".dx-status") == str(ex.steps[5])


def test_keys_open_neurons_leave_browser_shortcuts_alone_and_escape_follows_the_step_again(page, tmp_path):
    model, loss = network()
    ex = open_explorer(page, tmp_path, by_op(explore(loss, params=model.parameters())))
    page.focus('[data-group="1"]')
    page.keyboard.press("Enter")  # a neuron box is a button: Enter opens it
    assert page.locator('[data-inset="1"]').is_visible()
    page.keyboard.press("Escape")
    assert not page.locator('[data-inset="1"]').is_visible()
    page.keyboard.press("Alt+ArrowRight")  # the browser's, not the explorer's
    assert status(page) == str(ex.steps[0])
    page.keyboard.press("ArrowRight")
    assert status(page) == "inside neuron 1 · layer 1: " + str(ex.steps[1])  # w₁₁⁽¹⁾·x₁ is in a closed box
    page.wait_for_function("() => location.hash === '#step=2'")  # the address names the step, once stepping pauses
    # Clicking a node pins the details to it; Escape goes back to following the step.
    x1 = ex._t.names.index("x_1")
    page.click(f'g.units [data-node="{x1}"]')
    page.keyboard.press("ArrowRight")
    assert page.text_content(".dx-side h2") == "x_1"
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowRight")
    current = ex.steps[int(page.evaluate("dagradExplorer.step"))].node
    assert page.text_content(".dx-side h2") == ex._t.names[ex._t.index[current]]


def test_a_link_opens_the_page_at_a_step(page, tmp_path):
    ex = explore(small())
    path = ex.save(tmp_path / "b.html")
    page.open_file(path)
    page.goto(page.url.split("#")[0] + "#step=5")
    page.reload()
    page.wait_for_function("() => globalThis.dagradExplorer !== undefined")
    assert status(page) == str(ex.steps[4])
    page.evaluate("location.hash = '#step=9'")   # a link followed in the open page: no reload
    page.wait_for_function("() => globalThis.dagradExplorer.step === 8")
    assert status(page) == str(ex.steps[8])


def test_registered_ops_are_written_as_python_writes_them(page, tmp_path, monkeypatch):
    # notation.formula writes an op between its operands when its name is no Python identifier.
    # Names where a JavaScript guess at "identifier" would differ: "x²" is none ("²" is a digit
    # only to JavaScript), "a·b" is one (Python lets "·" continue a name).
    from autograd import OPS, Op, register_op
    for name in ("x²", "a·b"):
        monkeypatch.setitem(OPS, name, None)      # remembered as free, removed again after the test
        monkeypatch.delitem(OPS, name)
        monkeypatch.setattr(Value, name, None, raising=False)
        monkeypatch.delattr(Value, name)
        register_op(name, Op(lambda x, y: x * y, lambda x, y, out: (y, x)))
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    u = getattr(x, "x²")(y); u.label = "u"
    o = u.a·b(x); o.label = "o"
    ex = open_explorer(page, tmp_path, explore(o))
    sentences = []
    for k in range(len(ex.steps)):
        page.evaluate(f"dagradExplorer.go({k})")
        sentences.append(status(page))
    assert sentences == [str(s) for s in ex.steps]
    assert "u = x x² y = 2.0 x² 3.0" in sentences[1] and sentences[2].startswith("o = a·b(u, x) = a·b(6.0, 2.0)")


# --- issue 21: boxes by call, names the picture shows, bidi, -0, the static picture ------------------

def test_a_model_applied_to_its_own_output_and_to_two_examples_shows_each_calls_own_numbers(page, tmp_path):
    # Defects 1 and 2: m(m(x)) could not be saved; two examples' boxes mixed a z of one with an a of the other.
    m = MLP(1, [2, 1], seed=0)
    twice = explore(m([m([Value(0.3, label="x")])]))
    open_explorer(page, tmp_path, twice, "twice.html")
    assert page.locator("g.units > g.group").count() == len(twice._groups) == 6
    m = MLP(2, [3, 1], seed=0, activation="relu")
    xs = [[Value(1.0, label="x_1"), Value(-2.0, label="x_2")], [Value(0.5, label="x_1"), Value(1.5, label="x_2")]]
    ex = open_explorer(page, tmp_path, explore(hinge_loss([m(x) for x in xs], [1, -1])), "two.html")
    page.keyboard.press("End")
    faces = page.evaluate("""() => [...document.querySelectorAll('g.units g.group')].map(g =>
        [...g.querySelectorAll('tspan[data-f=data]')].map(e => [Number(e.dataset.n), Number(e.dataset.value)]))""")
    assert len(faces) == 9
    for face in faces[:-1]:
        (z, zv), *rest = face
        assert zv == ex._t.data[z]
        for a, av in rest:  # a = relu(z) of this very box's z
            assert ex._t.parents[a] == (z,) and av == max(0.0, zv)


def test_a_users_feature_is_drawn_outside_the_neuron(page, tmp_path):
    # Defect 3: feature_1 and x1 + x2 were drawn inside "neuron 1 · layer 1".
    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    f = (x1 * x2).tanh(); f.label = "feature_1"
    ex = open_explorer(page, tmp_path, explore(MLP(2, [1, 1], seed=0)([f, x1 + x2])))
    outside = page.evaluate("() => [...document.querySelectorAll('g.units > [data-node] > title')].map(e => e.textContent)")
    assert "feature_1" in outside and ex._t.names[ex._t.index[f.parents[0]]] in outside


def test_the_status_line_and_panel_name_the_closed_box_a_node_is_in(page, tmp_path):
    model, loss = network()
    ex = open_explorer(page, tmp_path, explore(loss, params=model.parameters()))
    page.click(".dx-by-op")  # one op a step: a step that ends a layer would read as the layer's equation
    t = ex._t
    g = 4  # neuron 1 · layer 2
    inner = next(i for i in t.forward if t.order[i].label.startswith("w[2]_11*"))
    page.evaluate(f"dagradExplorer.go({t.appears[inner]})")
    assert status(page) == "inside neuron 1 · layer 2: " + str(ex.steps[t.appears[inner]])
    assert page.text_content(".dx-side .dx-where") == panel_where(ex, inner, g)
    page.click(f'[data-group="{g}"]')  # opened, the node is on screen: no "inside"
    assert status(page) == str(ex.steps[t.appears[inner]])
    page.keyboard.press("Escape")
    assert status(page).startswith("inside neuron 1 · layer 2: ")
    # z is on the box's face, but the panel also names its terms: it says where they are
    page.evaluate(f"dagradExplorer.select({{node: {ex._groups[g]['z']}}}, false)")
    assert page.text_content(".dx-side .dx-where") == panel_where(ex, ex._groups[g]["z"], g)
    # a node on a box's face whose consumer is hidden in another box: the panel names the consumer, not the node
    a = ex._groups[0]["out"]
    page.evaluate(f"dagradExplorer.select({{node: {a}}}, false)")
    assert not page.text_content(".dx-side .dx-where").startswith(t.names[a] + " ")
    # a step whose nodes are all on screen says nothing of boxes: a = tanh(z) passes to z, both on the box's face
    k = t.passes[ex._groups[0]["out"]]
    page.evaluate(f"dagradExplorer.go({k})")
    assert status(page) == str(ex.steps[k])


def panel_where(ex, i, g):
    """The panel's line for node i when box g is closed: the nodes it names that g hides, then the box."""
    t, box = ex._t, ex._groups[g]
    hidden = list(dict.fromkeys(n for n in [i, *t.parents[i], *t.consumers[i]]
                                if ex._member[n] == g and n not in (box["z"], box["out"])))
    named = ", ".join(t.names[n] for n in hidden[:3]) + (f", … ({len(hidden)})" if len(hidden) > 3 else "")
    return f"{named} {'are' if len(hidden) > 1 else 'is'} inside {box['name']} (click the box to open it)"


def test_a_bidi_override_in_a_label_reverses_nothing_around_it(page, tmp_path):
    # Defect 5: "\u202ex" reversed the rest of the line ("…0.2 = darg.w …", "∂y/∂0.3- = x").
    x = Value(2.0, label="\u202ex")
    y = x * 3.0; y.label = "y"
    ex = open_explorer(page, tmp_path, explore(y))
    page.keyboard.press("End")
    assert status(page) == str(ex.steps[-1])
    # Laid out left to right: "is final" after ".grad", "passes on" after it (a leak would mirror them).
    xs = page.evaluate("""words => words.map(w => {
        const node = document.querySelector('.dx-status').firstChild, i = node.textContent.indexOf(w);
        const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + w.length);
        return r.getBoundingClientRect().left; })""", [".grad", "is final", "passes on", "× 1.0"])
    assert xs == sorted(xs), xs
    page.click('g.units [data-node="0"]')
    assert page.text_content(".dx-side li") is None or "∂y/∂" not in page.text_content(".dx-side h2")
    page.click('g.units [data-node="2"]')
    item = page.locator(".dx-side li").first
    text = item.text_content()
    assert text.startswith("∂y/∂\u2068\u202ex\u2069 = 3.0")
    xs = page.evaluate("""e => { const node = e.firstChild, r = document.createRange(), at = w => {
        const i = node.textContent.indexOf(w); r.setStart(node, i); r.setEnd(node, i + w.length); return r.getBoundingClientRect().left; };
        return [at("∂y/∂"), at("= 3.0")]; }""", item.element_handle())
    assert xs == sorted(xs), xs


def test_minus_zero_reads_as_zero_and_keeps_its_exact_value(page, tmp_path):
    x = Value(-2.0, label="x")
    y = x * 0.0; y.label = "y"   # -0.0
    z = y + 1.0; z.label = "z"
    ex = open_explorer(page, tmp_path, explore(z))
    assert math.copysign(1.0, ex.steps[-1].data_of(y)) == -1.0  # Python keeps the exact value
    page.keyboard.press("End")
    i = ex._t.index[y]
    e = page.locator(f'g.units [data-node="{i}"] tspan[data-f=data]')
    assert e.text_content() == "0.0" and e.get_attribute("data-value") == "-0"
    assert "y = x * 0.0 = -2.0 * 0.0 = 0.0" in str(ex.steps[1])


def test_the_static_picture_is_readable_at_a_thousand_pixels(page, tmp_path):
    # Issue 20/21: the picture nbconvert and GitHub show (no script) keeps node text >= 11 px at 1,000 px wide,
    # and shows a step with numbers, not step 1's dashes.
    model, loss = network()
    ex = explore(loss, params=model.parameters())
    bundle = ex._repr_mimebundle_()
    html = (bundle[0] if isinstance(bundle, tuple) else bundle)["text/html"]
    path = tmp_path / "static.html"
    path.write_text(f'<!DOCTYPE html><meta charset="utf-8"><div style="width:1000px">{html}</div>', encoding="utf-8")
    page.open_file(path)
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg .units text')].map(e => {
        const m = e.getScreenCTM(); return parseFloat(getComputedStyle(e).fontSize) * Math.hypot(m.a, m.b); })""")
    assert sizes and min(sizes) >= 11, min(sizes)
    numbers = page.evaluate("() => [...document.querySelectorAll('svg .units tspan[data-f=grad]')].map(e => e.textContent)")
    assert sum(n != "—" for n in numbers) > len(numbers) / 3
    assert page.evaluate("() => document.querySelector('svg').getBoundingClientRect().width") > 1000  # scrolls, not shrinks


# --- step by op, neuron, layer or depth; readable on a laptop --------------------------------------

def demo_network():
    """The demo's size: one example's hinge loss through MLP(2, [16, 16, 1]) (~1,000 Values)."""
    model = MLP(2, [16, 16, 1], seed=0)
    x = [Value(0.2383, label="x_1"), Value(1.085, label="x_2")]
    loss = hinge_loss(model(x), -1, reduction="sum"); loss.label = "loss"
    return explore(loss, params=model.parameters())


def smallest_text(page, selector):
    """The smallest font size on screen (px) among the texts under `selector`: CSS size × the drawing's zoom."""
    return page.evaluate("""(sel) => Math.min(...[...document.querySelectorAll(sel)]
        .map(e => parseFloat(getComputedStyle(e).fontSize) * e.getScreenCTM().a))""", selector)


@pytest.mark.parametrize("by", ["neuron", "layer", "depth"])
def test_each_coarse_step_reads_and_draws_as_pythons(page, tmp_path, by):
    model, loss = network()
    ex = open_explorer(page, tmp_path, explore(small()) if by == "depth" else explore(loss, params=model.parameters()))
    steps = ex.timeline(by)
    page.click(f".dx-by-{by}")
    assert page.get_attribute(f".dx-by-{by}", "aria-pressed") == "true"
    assert page.get_attribute(".dx-by-op", "aria-pressed") == "false"
    page.keyboard.press("Home")
    for j, s in enumerate(steps):
        if j:
            page.keyboard.press("ArrowRight")
        k = s.covers[-1]
        assert status(page) == str(s), j
        assert page.evaluate("dagradExplorer.step") == k
        numbers, now = shown(page, "g.units"), expected(ex, k)  # the nodes and the neuron boxes drawn
        assert numbers and numbers == {i: now[i] for i in numbers}, j
        assert classes(page) == python_classes(ex, k, s.covers), j  # the whole run current, the rest faded
        ops = f"op step {k + 1}" if len(s.covers) == 1 else f"op steps {s.covers[0] + 1}–{k + 1}"  # never "1–1"
        assert page.text_content(".dx-counter").startswith(f"{by} {j + 1} / {len(steps)} · {ops}")
    page.keyboard.press("ArrowLeft")
    assert status(page) == str(steps[-2])
    page.fill(".dx-slider", "2")
    assert status(page) == str(steps[2])
    page.click(".dx-by-op")  # back to one op a step, where it was
    assert status(page) == str(ex.steps[steps[2].covers[-1]])
    page.keyboard.press("ArrowRight")
    k = steps[2].covers[-1] + 1
    assert status(page) == ex._where(k) + str(ex.steps[k])  # "inside neuron …: " where the node is in a closed box


def test_a_network_starts_by_layer_and_a_click_goes_to_the_layer_step_that_covers_it(page, tmp_path):
    model, loss = network()
    ex = open_explorer(page, tmp_path, explore(loss, params=model.parameters()))
    layers = ex.timeline("layer")
    assert page.get_attribute(".dx-by-layer", "aria-pressed") == "true" and status(page) == str(layers[0])
    assert page.locator(".dx-by button").all_text_contents() == ["op", "neuron", "layer"]
    page.click(".dx-jump")
    assert status(page) == str(next(s for s in layers if s.phase == "backward"))
    x1 = ex._t.names.index("x_1")
    # x_1's gradient is final at the last op step: the last layer step (the view follows the step, so
    # x_1 may be out of view: the click is dispatched to it)
    page.dispatch_event(f'g.units [data-node="{x1}"]', "click")
    assert status(page) == str(layers[-1])


def test_a_model_applied_to_its_own_output_steps_by_neuron_and_offers_depth_not_layer(page, tmp_path):
    # Its layer steps wrote false equations (call 1's δ⁽²⁾ = ∇C(a⁽²⁾), a δ from call 2's layer 1).
    m = MLP(1, [2, 1], seed=0)
    ex = open_explorer(page, tmp_path, explore(m([m([Value(0.3, label="x")])])))
    assert page.locator(".dx-by button").all_text_contents() == ["op", "neuron", "depth"]
    assert page.get_attribute(".dx-by-neuron", "aria-pressed") == "true" and status(page) == str(ex.timeline("neuron")[0])
    page.click(".dx-by-depth")
    page.keyboard.press("ArrowRight")
    assert status(page) == str(ex.timeline("depth")[1])


def test_links_name_the_granularity_and_old_links_still_open_an_op_step(page, tmp_path):
    model, loss = network()
    ex = explore(loss, params=model.parameters())
    page.open_file(ex.save(tmp_path / "n.html"))
    base = page.url.split("#")[0]
    page.wait_for_function("() => location.hash !== ''")  # the page's own first address, written once
    page.goto(base + "#step=layer:3")
    page.reload()
    page.wait_for_function("() => globalThis.dagradExplorer !== undefined")
    assert status(page) == str(ex.timeline("layer")[2])
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.hash === '#step=layer:4'")
    page.evaluate("location.hash = '#step=neuron:2'")  # followed in the open page
    page.wait_for_function("() => dagradExplorer.by === 'neuron'")
    assert status(page) == str(ex.timeline("neuron")[1])
    page.goto(base + "#step=7")  # a link made before the granularities: op step 7
    page.reload()
    page.wait_for_function("() => globalThis.dagradExplorer !== undefined")
    assert status(page) == ex._where(6) + str(ex.steps[6]) and page.get_attribute(".dx-by-op", "aria-pressed") == "true"


def test_the_demo_graph_is_readable_at_first_paint_and_whole_a_click_away(page, tmp_path):
    ex = open_explorer(page, tmp_path, demo_network())
    page.wait_for_function("() => dagradExplorer.ready")
    assert smallest_text(page, "g.units text") >= 11
    view = "() => [dagradExplorer.view.x, dagradExplorer.view.y, dagradExplorer.view.w, dagradExplorer.view.h]"
    box = page.evaluate(view)
    assert box[0] <= 0 and box[2] < ex._drawing().layout.width  # a readable part: the inputs' side
    page.click(".dx-zoom button:has-text('fit')")
    x, y, w, h = page.evaluate(view)
    assert x <= 0 and y <= 0 and x + w >= ex._drawing().layout.width and y + h >= ex._drawing().layout.height


def test_an_opened_neuron_is_readable_and_its_card_scrolls(page, tmp_path):
    ex = open_explorer(page, tmp_path, demo_network())
    g = next(g for g, group in enumerate(ex._groups) if ex._t.order[group["z"]].label == "z[2]_1")  # 16 inputs
    page.evaluate(f"dagradExplorer.open({g})")
    inset = f'[data-inset="{g}"]'
    assert page.locator(inset).is_visible()
    assert smallest_text(page, f"{inset} text") >= 11  # not shrunk to fit: ~7 px before
    card, view = page.locator(f"{inset} rect.card"), page.locator(".dx-view")
    assert card.bounding_box()["y"] + card.bounding_box()["height"] > view.bounding_box()["y"] + view.bounding_box()["height"]
    page.mouse.move(view.bounding_box()["x"] + 300, view.bounding_box()["y"] + 300)
    for _ in range(12):
        page.mouse.wheel(0, 300)
    assert smallest_text(page, f"{inset} text") >= 11  # scrolled, not zoomed
    bottom = card.bounding_box()["y"] + card.bounding_box()["height"]
    assert view.bounding_box()["y"] < bottom <= view.bounding_box()["y"] + view.bounding_box()["height"]


def test_edges_outside_the_step_fade_and_collecting_gradients_look_unlike_final_ones(page, tmp_path):
    ex = open_explorer(page, tmp_path, explore(small()))
    t = ex._t
    x = t.names.index("x")
    k = next(k for k in range(len(ex.steps)) if t.states(k)[x] == "s-partial")  # x has a share, not all
    page.evaluate(f"dagradExplorer.go({k})")
    edges = page.evaluate("""() => [...document.querySelectorAll('g.edges path')]
        .map(e => [e.classList.contains('s-active'), Number(getComputedStyle(e).opacity)])""")
    assert any(active for active, _ in edges)
    assert all(opacity == 1 for active, opacity in edges if active) and all(opacity < 0.3 for active, opacity in edges if not active)
    look = """(i) => { const g = document.querySelector(`g.units [data-node="${i}"]`);
        return [g.getAttribute('class'), getComputedStyle(g.querySelector('rect')).fill,
                getComputedStyle(g.querySelector('.grad tspan')).fontStyle]; }"""
    cls, fill, style = page.evaluate(look, x)
    assert "s-partial" in cls and fill.startswith("url(") and style == "italic"  # stripes, and an italic number
    done = [i for i, state in enumerate(t.states(k)) if state == "s-done" and t.kinds[i] != "root"]
    assert done
    for i in done:
        cls, fill, style = page.evaluate(look, i)
        assert "s-done" in cls and not fill.startswith("url(") and style == "normal"


def test_the_widget_steps_by_depth_and_syncs_the_granularity(page, widget_page):
    ex = widget_page
    depth = ex.timeline("depth")
    page.click(".dx-by-depth")
    assert page.evaluate("globalThis.savedBy") == "depth"
    j = next(j for j, s in enumerate(depth) if s.covers[-1] >= 2)  # the widget was at op step 2
    assert page.text_content(".dx-status") == str(depth[j])
    page.evaluate("pythonSetsBy('op')")
    assert page.get_attribute(".dx-by-op", "aria-pressed") == "true"
    assert page.text_content(".dx-status") == str(ex.steps[depth[j].covers[-1]])


def test_a_link_to_a_step_of_a_large_graph_opens_with_that_step_in_view(page, tmp_path):
    ex = demo_network()
    page.open_file(ex.save(tmp_path / "demo.html"))
    cost = next(g for g, group in enumerate(ex._groups) if group["activation"] == "cost")
    forward = [s for s in ex.timeline("layer") if s.phase == "forward"]
    # The page writes its first step's address ~250 ms after it opens: wait for it, or it could
    # overwrite the address given next.
    page.wait_for_function("() => location.hash !== ''")
    page.goto(page.url.split("#")[0] + f"#step=layer:{len(forward)}")  # the cost's forward step, at the far right
    page.reload()
    page.wait_for_function("() => globalThis.dagradExplorer && dagradExplorer.ready")
    assert status(page) == str(forward[-1])
    box, view = page.locator(f'[data-group="{cost}"]').bounding_box(), page.locator(".dx-view").bounding_box()
    assert view["x"] <= box["x"] and box["x"] + box["width"] <= view["x"] + view["width"]
    assert view["y"] <= box["y"] and box["y"] + box["height"] <= view["y"] + view["height"]
