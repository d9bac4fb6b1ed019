import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from hostile import HOSTILE
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import OPS, Op, Value, register_op, svg, topological_order, viz
from autograd.strategies import exprs
from autograd.svg import isolate
from autograd.viz import _NO_DOT, BackwardStep, StepTerm, backward_steps, draw_dot, render_graph

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's `dot` program is not installed (apt-get install graphviz / brew install graphviz)")
STATEMENT = re.compile(r"\t(v\w+(?: -> v\w+)?)(?: \[(.*)\])?$")  # a node or edge line: v0 [...], v0 -> v1_op [...]
ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')


def lines(graph):
    return graph.source.splitlines()


def statements(graph):
    """(id, attributes) of each node and edge line, in order: id 'v0', 'v2_op' or 'v0 -> v2_op'."""
    matches = (STATEMENT.match(line) for line in lines(graph))
    return [(m[1], parse_attributes(m[2] or "")) for m in matches if m]


def parse_attributes(text):
    return {k: v.strip('"') for k, v in ATTRIBUTE.findall(text)}


def attributes(graph, node_id):
    (found,) = [a for i, a in statements(graph) if i == node_id]
    return found


def label(graph, node_id):
    return attributes(graph, node_id)["label"]


def style(graph, node_id):
    """How a node looks: its attributes other than the label."""
    return {k: v for k, v in attributes(graph, node_id).items() if k != "label"}


def marked(plain, lit):
    """The nodes and edges drawn differently in `lit` than in `plain`, the same graph without highlight."""
    assert [i for i, _ in statements(plain)] == [i for i, _ in statements(lit)]
    return [i for (i, a), (_, b) in zip(statements(plain), statements(lit)) if a != b]


def legend(graph):
    """The legend's swatches, (kind, its attributes), in order."""
    (line,) = [s for s in lines(graph) if "label=<<table" in s]
    return [(kind, parse_attributes(cell)) for cell, kind in re.findall(r"<td ([^>]*)>(\w+)</td>", line)]


def node_line(graph, node_id):
    (line,) = [s for s in lines(graph) if s.startswith(f"\t{node_id} [")]
    return line


def edges(graph):
    return [s.strip() for s in lines(graph) if "->" in s]


def neuron():
    """o = x * w + b with every node labelled, after backward, by label: the graph most tests draw."""
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    xw = x * w; xw.label = "xw"
    o = xw + b; o.label = "o"
    o.backward()
    return {v.label: v for v in (x, w, b, xw, o)}


def without_dot(monkeypatch, tmp_path):
    # An empty PATH is what a machine without Graphviz looks like to the graphviz package.
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None


def test_public_names_are_exported_from_autograd():
    for name in ("draw_dot", "backward_steps", "render_graph", "BackwardStep"):
        assert getattr(autograd, name) is getattr(viz, name), name


# --- draw_dot: what the DOT source says ---------------------------------------------------------

def test_records_show_label_data_and_grad_to_four_places():
    o = neuron()["o"]
    g = draw_dot(o)
    assert [label(g, f"v{i}") for i in range(5)] == [
        "{ x | data 2.0000 | grad -3.0000 }", "{ w | data -3.0000 | grad 2.0000 }", "{ xw | data -6.0000 | grad 1.0000 }",
        "{ b | data 1.0000 | grad 1.0000 }", "{ o | data -5.0000 | grad 1.0000 }"]


def test_one_op_node_per_result_between_it_and_its_parents():
    o = neuron()["o"]
    g = draw_dot(o)
    assert node_line(g, "v2_op").startswith('\tv2_op [label="*" ')
    assert node_line(g, "v4_op").startswith('\tv4_op [label="+" ')
    assert [s for s in lines(g) if s.startswith("\tv") and "_op [" in s] == [node_line(g, "v2_op"), node_line(g, "v4_op")]
    assert edges(g) == ["v0 -> v2_op", "v1 -> v2_op", "v2_op -> v2", "v2 -> v4_op", "v3 -> v4_op", "v4_op -> v4"]


def test_a_node_used_twice_has_two_edges_and_operand_order_is_numbered_where_it_matters():
    x = Value(3.0, label="x")
    sq = x * x; sq.label = "sq"
    d = sq - x; d.label = "d"
    g = draw_dot(d)
    assert edges(g) == ["v0 -> v1_op", "v0 -> v1_op", "v1_op -> v1",
                        "v1 -> v2_op [label=1]", "v0 -> v2_op [label=2]", "v2_op -> v2"]


def test_unlabelled_values_are_named_by_their_position_constants_by_their_number_and_styled_apart():
    x = Value(1.5, label="x")
    y = x ** 2
    g = draw_dot(y, show_grad=False)
    assert [v.op for v in topological_order(y)] == ["", "const", "**"]
    assert [label(g, "v1"), label(g, "v2"), label(g, "v2_op")] == ["{ 2.0 | data 2.0000 }", "{ v2 | data 2.2500 }", "**"]
    assert "dashed" in style(g, "v1")["style"] and "dashed" not in style(g, "v0").get("style", "")


def test_leaves_parameters_constants_root_and_highlight_are_distinct():
    v = neuron()
    c = v["o"] * 2; c.label = "c"
    g = draw_dot(c, params=[v["w"], v["b"], Value(9.0)])  # a parameter outside the graph is fine
    styles = {u.label or "const": style(g, f"v{i}") for i, u in enumerate(topological_order(c))}
    assert styles["w"] == styles["b"] and styles["xw"] == styles["o"]  # one look per kind
    kinds = {"leaf": styles["x"], "parameter": styles["w"], "constant": styles["const"], "root": styles["c"],
             "computed": styles["xw"]}
    assert len({tuple(sorted(look.items())) for look in kinds.values()}) == 5  # and five different looks
    assert float(kinds["root"]["penwidth"]) > float(kinds["leaf"].get("penwidth", 1))  # a thick border
    # The legend names the kinds drawn (not "computed", the plain white) in the colours they are drawn in.
    assert [(kind, cell["bgcolor"]) for kind, cell in legend(g)] == [
        (kind, kinds[kind]["fillcolor"]) for kind in ("leaf", "parameter", "constant", "root")]


def test_highlight_marks_nodes_only_and_current_lights_its_op_and_edges():
    v = neuron()
    o = v["o"]
    plain, g = draw_dot(o), draw_dot(o, highlight=[v["xw"], v["x"]])
    # Exactly the marked nodes look different: a marked result and a marked parent do not light the op
    # between them (that is the step's job, below).
    assert marked(plain, g) == ["v0", "v2"]
    assert [label(g, i) for i in ("v0", "v2")] == [label(plain, i) for i in ("v0", "v2")]
    # ... both in the same way: one highlight colour, which the legend shows
    changes = [{k: x for k, x in attributes(g, i).items() if attributes(plain, i).get(k) != x} for i in ("v0", "v2")]
    assert changes[0] == changes[1] and "color" in changes[0]
    assert changes[0]["color"] == dict(legend(g))["highlighted"]["color"]
    assert "highlighted" not in dict(legend(plain))
    # `current` is the step: its op node and the edges into and out of it light up, in that colour.
    step = draw_dot(o, highlight=[v["xw"], v["x"], v["w"]], current=v["xw"])
    assert marked(plain, step) == ["v0", "v1", "v2", "v2_op", "v0 -> v2_op", "v1 -> v2_op", "v2_op -> v2"]
    (path_colours,) = {e["color"] for i, e in statements(step) if i in ("v0 -> v2_op", "v1 -> v2_op", "v2_op -> v2")}
    assert path_colours == changes[0]["color"]
    with pytest.raises(ValueError, match="current must be a Value of root's graph"):
        draw_dot(o, current=Value(1.0))
    # One Value is enough, and a highlighted root keeps its thick border, in the highlight colour.
    single = draw_dot(o, highlight=o)
    assert marked(plain, single) == ["v4"]
    assert style(single, "v4")["color"] == changes[0]["color"]
    assert float(style(single, "v4")["penwidth"]) >= float(style(plain, "v4")["penwidth"]) > 1


def test_a_step_lights_only_the_op_it_passes_through():
    # Regression: in f = a*a + a, the first step (the +) lit the * node too, since its result and a
    # parent were both highlighted.
    a = Value(3.0, label="a")
    sq = a * a; sq.label = "sq"
    f = sq + a; f.label = "f"
    first = next(backward_steps(f)).draw()
    plain = draw_dot(f)
    assert [m for m in marked(plain, first) if m.endswith("_op") and "->" not in m] == ["v2_op"]  # the + (f is v2), never the * (v1)


def test_show_grad_false_leaves_grads_out():
    o = neuron()["o"]
    assert "grad" not in draw_dot(o, show_grad=False).source
    assert draw_dot(o, rankdir="TB").graph_attr["rankdir"] == "TB"


def test_bad_arguments_get_clear_errors():
    o = neuron()["o"]
    with pytest.raises(TypeError, match=r"draw_dot: root must be a Value, got float: 1.0"):
        draw_dot(1.0)
    with pytest.raises(TypeError, match=r"draw_dot: every item of highlight must be a Value, got str: 'x'"):
        draw_dot(o, highlight=["x"])
    with pytest.raises(TypeError, match=r"draw_dot: every item of params must be a Value, got int: 3"):
        draw_dot(o, params=[3])
    with pytest.raises(TypeError, match=r"draw_dot: params must be a Value or a collection of Values, got int: 5"):
        draw_dot(o, params=5)      # was Python's bare "'int' object is not iterable"
    with pytest.raises(ValueError, match=r"draw_dot: highlight has 1 Value\(s\) that are not in root's graph"):
        draw_dot(o, highlight=[Value(7.0)])
    with pytest.raises(ValueError, match=r"draw_dot: rankdir must be 'LR', 'TB', 'RL' or 'BT', got 'up'"):
        draw_dot(o, rankdir="up")
    for bad in ("500", 0, 2.5, True):
        with pytest.raises(ValueError, match=rf"draw_dot: max_nodes must be an integer >= 1, got {re.escape(repr(bad))}$"):
            draw_dot(o, max_nodes=bad)


def test_a_label_set_to_a_non_string_is_shown_as_text():
    x = Value(2.0)
    y = x * 3
    x.label, y.label = 7, None  # the slot takes anything; Value() itself only takes a str
    assert node_line(draw_dot(y), "v0").startswith('\tv0 [label="{ 7 | data 2.0000 ')
    assert str(next(backward_steps(y))).startswith("7.grad += (∂v2/∂7 = 3.0)")


# --- determinism and escaping -------------------------------------------------------------------

def test_the_same_graph_gives_byte_identical_source():
    o = neuron()["o"]
    assert draw_dot(o, highlight=o).source == draw_dot(o, highlight=o).source
    assert draw_dot(neuron()["o"]).source == draw_dot(neuron()["o"]).source


def test_identical_graphs_built_separately_give_identical_source():
    def build():
        xs = [Value(i / 3, label=f"x{i}") for i in range(6)]
        h = [(xs[i] * xs[(i + 1) % 6]).tanh() + xs[i] for i in range(6)]
        y = sum(h[1:], h[0]) * h[2]
        y.backward()
        return y
    # Different object addresses, same picture: ids come from the walk, not from id().
    assert draw_dot(build()).source == draw_dot(build()).source


def drawn_lines(svg, node_id):
    """The lines of text dot drew for the node `node_id`, from the SVG parsed as XML (so it must be valid)."""
    ns = "{http://www.w3.org/2000/svg}"
    (node,) = [g for g in ET.fromstring(svg).iter(f"{ns}g")
               if g.get("class") == "node" and g.findtext(f"{ns}title") == node_id]
    return [(t.text or "").replace("\xa0", " ") for t in node.iter(f"{ns}text")]  # dot keeps runs of spaces as nbsp


def as_drawn(text):
    """What a drawing can show of `text`: control characters as their pictures (NUL as ␀), a lone surrogate as its escape."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(chr(0x2400 + ord(c)) if ord(c) < 32 and c != "\n" else "␡" if c == "\x7f" else c for c in text)


def no_markup_from_labels(svg):
    """No tag that a hostile label could have brought into the SVG, were it not escaped."""
    return not any(tag in svg for tag in ("<img", "<script", "</script", "<b>", "]]>"))  # dot writes <!-- -->


@pytest.fixture
def registered_op():
    """register_op(name) for a test, with an identity op; the op table is restored afterwards."""
    added = []

    def register(name):
        added.append(name)
        return register_op(name, Op(lambda x: x, lambda x, out: (1.0,)))

    yield register
    for name in added:
        del OPS[name]
        delattr(Value, name)


def test_the_hostile_strings_are_all_different_and_drawn_unchanged_where_dot_can_show_them():
    assert len({text for _, text in HOSTILE}) == len(HOSTILE)
    assert as_drawn("a\x00b\tc\nd") == "a␀b␉c\nd"


@needs_dot
@pytest.mark.parametrize("text", [text for _, text in HOSTILE], ids=[name for name, _ in HOSTILE])
def test_hostile_label_is_drawn_as_written(text):
    x = Value(1.0, label=text)
    y = x * 2
    svg = draw_dot(y, show_grad=False).pipe(format="svg", encoding="utf-8")
    assert drawn_lines(svg, "v0") == [*as_drawn(isolate(text)).split("\n"), "data 1.0000"]  # bidi text isolated
    assert no_markup_from_labels(svg)


@needs_dot
@pytest.mark.parametrize("text", [text for _, text in HOSTILE], ids=[name for name, _ in HOSTILE])
def test_hostile_op_name_is_drawn_as_written(text, registered_op):
    # register_op("\\", ...) wrote label="\" (a syntax error for dot); "<=>" was read as HTML and drawn as "=".
    y = registered_op(text)(Value(1.0))
    graph = draw_dot(y)
    svg = graph.pipe(format="svg", encoding="utf-8")
    assert drawn_lines(svg, "v1_op") == as_drawn(text).split("\n")
    assert no_markup_from_labels(svg)
    # and through what Jupyter shows, a step's display and render_graph
    assert drawn_lines(graph._repr_mimebundle_()["image/svg+xml"], "v1_op") == as_drawn(text).split("\n")
    assert "<svg" in next(backward_steps(y))._repr_mimebundle_()["text/html"]


# --- size guard ---------------------------------------------------------------------------------

def training_sized_graph(n):
    s = Value(0.0)
    for i in range(n):
        s = s + Value(float(i))
    return s


def test_a_large_graph_is_refused_before_anything_is_built(monkeypatch):
    big = training_sized_graph(10_000)
    n = len(topological_order(big))
    assert n == 20_001
    # If draw_dot built even the empty Digraph, this would fail the test instead of the guard.
    monkeypatch.setattr(viz, "_digraph_class", lambda: pytest.fail("built a drawing of a graph over max_nodes"))
    with pytest.raises(ValueError, match=rf"the graph has {n} Values, more than max_nodes=500; .* max_nodes={n}"):
        draw_dot(big)
    with pytest.raises(ValueError, match=r"more than max_nodes=20000"):
        draw_dot(big, max_nodes=20_000)
    # A step of that graph shows its chain-rule text and says how to draw it, without drawing.
    step = next(backward_steps(big))
    bundle = step._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"].endswith(f"step.draw(max_nodes={n}) draws it)")


def test_raising_max_nodes_draws_a_deep_graph_without_recursion():
    deep = training_sized_graph(1_500)  # 3,001 Values in a chain 1,500 ops deep
    g = draw_dot(deep, max_nodes=3_001)
    assert node_line(g, "v3000").startswith('\tv3000 [label="{ v3000 | data 1124250.0000 |')
    assert len(edges(g)) == 3 * 1_500


# --- without and with Graphviz's dot --------------------------------------------------------------

def test_building_needs_no_dot_and_jupyter_shows_a_picture_laid_out_in_python(monkeypatch, tmp_path):
    o = neuron()["o"]
    without_dot(monkeypatch, tmp_path)
    g = draw_dot(o)
    bundle = g._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    picture = bundle["image/svg+xml"]
    assert picture.startswith("<svg") and picture.count('class="node') == 5 and picture.count('class="edge ') == 4
    for text in (">xw<", ">-6.0<", ">1.0<", "k-root", "k-leaf"):
        assert text in picture, text
    assert bundle["text/plain"].startswith(f"// {_NO_DOT}")
    assert "apt-get install graphviz" in _NO_DOT and "brew install graphviz" in _NO_DOT and "\n" not in _NO_DOT


def test_ipython_display_without_dot_has_no_traceback(monkeypatch, tmp_path, capsys):
    from IPython.core import formatters  # in the dev extras: missing IPython is a failure, not a skip
    o = neuron()["o"]
    without_dot(monkeypatch, tmp_path)
    data, _ = formatters.DisplayFormatter().format(draw_dot(o))
    assert sorted(data) == ["image/svg+xml", "text/plain"]
    assert data["image/svg+xml"].startswith("<svg")
    data, _ = formatters.DisplayFormatter().format(next(backward_steps(o)))
    assert data["text/plain"] == (
        "step 1/5: o = xw + b\n"
        "xw.grad += (∂o/∂xw = 1.0) × (o.grad = 1.0) = 1.0  → xw.grad = 1.0\n"
        "b.grad += (∂o/∂b = 1.0) × (o.grad = 1.0) = 1.0  → b.grad = 2.0")
    assert "<svg" in data["text/html"] and "s-current" in data["text/html"]  # the step, drawn without dot
    assert capsys.readouterr().err == ""


def test_render_graph_without_dot_says_how_to_install(monkeypatch, tmp_path):
    without_dot(monkeypatch, tmp_path)
    with pytest.raises(RuntimeError, match=r"render_graph: cannot write .* apt-get install graphviz"):
        render_graph(Value(1.0), tmp_path / "g.svg")
    assert os.listdir(tmp_path) == []


def test_importing_needs_no_graphviz_package():
    code = ("import sys; sys.modules['graphviz'] = None\n"
            "import autograd, autograd.viz\n"
            "from autograd import Value\n"
            "from autograd.viz import backward_steps, draw_dot\n"
            "steps = list(backward_steps(Value(2.0, label='x') * 3))\n"
            "print(len(steps)); print(steps[-1]._repr_mimebundle_()['text/plain'])\n"
            "try:\n    draw_dot(Value(1.0))\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    install = "drawing needs the graphviz Python package: pip install graphviz (or pip install 'dagrad[viz]')"
    assert out == f"3\nstep 3/3: x\nx.grad = 3.0 is final (x is a leaf: nothing to pass on)\n({install})\ndraw_dot: {install}\n"


@needs_dot
def test_jupyter_shows_svg_and_files_render(tmp_path):
    o = neuron()["o"]
    g = draw_dot(o)
    svg = g._repr_mimebundle_()["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "data &#45;5.0000" in svg
    assert render_graph(g, tmp_path / "o.svg") == str(tmp_path / "o.svg")
    assert (tmp_path / "o.svg").read_text().count("</svg>") == 1
    render_graph(o, tmp_path / "out" / "o.png")  # a Value, into a folder that did not exist
    assert (tmp_path / "out" / "o.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert sorted(os.listdir(tmp_path)) == ["o.svg", "out"]  # no temporary files left behind
    assert g.render(tmp_path / "graph") == str(tmp_path / "graph.svg")


@needs_dot
def test_render_graph_to_a_name_at_the_file_system_limit_works(tmp_path):
    # The temporary file was named <target>.<8 hex>.tmp, 13 bytes longer than a valid 255-byte name.
    path = tmp_path / ("m" * 251 + ".svg")
    assert len(os.fsencode(path.name)) == 255
    assert render_graph(Value(1.0), path) == str(path)
    assert path.read_text().count("</svg>") == 1
    assert os.listdir(tmp_path) == [path.name]


@needs_dot
def test_render_graph_of_a_label_too_long_for_dot_is_a_sentence(tmp_path):
    # Regression: graphviz's bare CalledProcessError (dot reads at most 16,384 characters in a string).
    render_graph(Value(1.0, label="x" * 16000), tmp_path / "fits.svg")
    with pytest.raises(ValueError) as e:
        render_graph(Value(1.0, label="x" * 16400) * 2, tmp_path / "long.svg")
    assert str(e.value) == (f"render_graph: cannot write {str(tmp_path / 'long.svg')!r}: a label is longer than the "
                            f"16,384 characters Graphviz's dot reads in one string; shorten it")
    assert e.value.__cause__ is None and os.listdir(tmp_path) == ["fits.svg"]


def test_render_graph_says_what_dot_said_when_it_fails(tmp_path, monkeypatch):
    graphviz = pytest.importorskip("graphviz")
    g = draw_dot(Value(1.0))

    def fail(**kwargs):
        raise graphviz.CalledProcessError(1, ["dot", "-Tsvg"], b"", b"Error: something dot dislikes\nmore detail\n")

    monkeypatch.setattr(g, "pipe", fail)
    with pytest.raises(RuntimeError, match=r"^render_graph: cannot write '.*g.svg': Graphviz's dot failed: "
                                           r"Error: something dot dislikes$"):
        render_graph(g, tmp_path / "g.svg")


def test_render_graph_into_a_folder_it_cannot_write_names_the_users_path(tmp_path, monkeypatch):
    # Regression: PermissionError on the temporary file's name (the tests may run as root: simulated).
    g = draw_dot(Value(1.0))
    monkeypatch.setattr(g, "pipe", lambda **kwargs: b"<svg/>")
    monkeypatch.setattr(os, "open", lambda path, *args: (_ for _ in ()).throw(PermissionError(13, "Permission denied", path)))
    with pytest.raises(PermissionError, match=r"^\[Errno 13\] render_graph: cannot write '.*g.svg': no permission to write "
                                              r"in the folder") as e:
        render_graph(g, tmp_path / "g.svg")
    assert ".tmp" not in str(e.value)


def test_render_graph_to_a_path_that_is_no_file_name_is_a_sentence():
    pytest.importorskip("graphviz")
    with pytest.raises(TypeError, match=r"^render_graph: the path must be a file name \(a str or a path-like such as "
                                        r"pathlib.Path\), got int: 5$"):
        render_graph(Value(1.0), 5)


def test_render_graph_rejects_what_it_cannot_write(tmp_path):
    with pytest.raises(ValueError, match=r"render_graph: unknown output format 'txt'"):
        render_graph(Value(1.0), tmp_path / "g.txt")
    with pytest.raises(ValueError, match=r"unknown output format ''"):
        render_graph(Value(1.0), tmp_path / "g")
    with pytest.raises(TypeError, match=r"render_graph: graph must be a Value or a drawing from draw_dot, got str"):
        render_graph("digraph {}", tmp_path / "g.svg")
    assert os.listdir(tmp_path) == []


# --- backward_steps -----------------------------------------------------------------------------

def test_chain_rule_text_for_a_known_graph():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    o = x * w; o.label = "o"
    steps = list(backward_steps(o, grad=0.5))
    assert [str(s) for s in steps] == [
        ("x.grad += (∂o/∂x = -3.0) × (o.grad = 0.5) = -1.5  → x.grad = -1.5\n"
         "w.grad += (∂o/∂w = 2.0) × (o.grad = 0.5) = 1.0  → w.grad = 1.0"),
        "w.grad = 1.0 is final (w is a leaf: nothing to pass on)",
        "x.grad = -1.5 is final (x is a leaf: nothing to pass on)",
    ]
    assert [repr(s) for s in steps] == ["<BackwardStep 1/3: o = x * w>", "<BackwardStep 2/3: w>",
                                        "<BackwardStep 3/3: x>"]


def test_steps_expose_node_terms_and_accumulation():
    a = Value(2.0, label="a")
    b = a * a; b.label = "b"
    c = b.tanh() + a; c.label = "c"
    steps = list(backward_steps(c))
    assert all(isinstance(s, BackwardStep) for s in steps)
    assert [s.node for s in steps] == list(reversed(topological_order(c)))
    assert [(s.index, s.total, s.root) for s in steps] == [(i, 4, c) for i in range(4)]
    first = steps[0]
    assert first.grad == 1.0
    assert first.terms[1] == StepTerm(a, 1.0, 1.0, 1.0)
    t = 1 - math.tanh(4.0) ** 2
    square = steps[2]
    assert square.node is b and square.grad == t
    # a appears twice in a * a: two terms, the second adding to what the first left.
    assert square.terms == (StepTerm(a, 2.0, 2.0 * t, 1.0 + 2.0 * t), StepTerm(a, 2.0, 2.0 * t, 1.0 + 4.0 * t))
    assert str(steps[1]).startswith("b.grad += (∂v2/∂b = ")  # the unlabelled tanh is named by position
    assert str(square) == ("a.grad += (∂b/∂a = 2.0) × (b.grad = 0.001341) = 0.002682  → a.grad = 1.003\n"
                           "a.grad += (∂b/∂a = 2.0) × (b.grad = 0.001341) = 0.002682  → a.grad = 1.005")
    assert str(steps[3]) == f"a.grad = {svg.number(1.0 + 4.0 * t)} is final (a is a leaf: nothing to pass on)"


def test_constants_are_named_and_said_to_be_constants():
    x = Value(3.0, label="x")
    y = x * 2; y.label = "y"
    assert [str(s) for s in backward_steps(y)][1:] == [
        "2.0.grad = 3.0 is final (2.0 is a constant: nothing to pass on)",  # a constant by its number (issue 21)
        "x.grad = 2.0 is final (x is a leaf: nothing to pass on)"]


def test_nothing_changes_until_the_steps_are_iterated():
    v = neuron()
    before = {k: u.grad for k, u in v.items()}
    steps = backward_steps(v["o"])
    assert {k: u.grad for k, u in v.items()} == before
    next(steps)
    # Interiors were reset (xw had 1.0; the step added 1.0); x is not reached yet.
    assert (v["o"].grad, v["xw"].grad, v["x"].grad) == (1.0, 1.0, -3.0)


def test_a_leaf_root_accumulates_like_backward():
    x, y = Value(2.0, label="x"), Value(2.0, label="y")
    x.grad = y.grad = 1.5
    (step,) = backward_steps(x, grad=2.0)
    y.backward(2.0)
    assert x.grad == y.grad == 3.5
    assert str(step) == "x.grad = 3.5 is final (x is a leaf: nothing to pass on)"


def test_backward_steps_rejects_bad_arguments():
    with pytest.raises(TypeError, match=r"backward_steps: root must be a Value, got float: 2.0"):
        backward_steps(2.0)
    with pytest.raises(TypeError, match=r"backward_steps: grad must be a real number, got str: '1'"):
        backward_steps(Value(1.0), grad="1")
    with pytest.raises(TypeError, match=r"backward_steps: grad must be a real number, got Value: .*; pass its \.data"):
        backward_steps(Value(1.0), grad=Value(1.0))
    with pytest.raises(OverflowError, match=r"backward_steps: int of about 10\*\*400 is too large for a float"):
        backward_steps(Value(1.0), grad=10 ** 400)


def test_a_step_number_format_keeps_a_point():
    assert [svg.number(x) for x in (-3.0, 0.5, 2, 1e20, -0.0, math.inf, math.nan, 0.000123456)] == [  # -0.0 reads as 0.0 (issue 21)
        "-3.0", "0.5", "2.0", "1e+20", "0.0", "inf", "nan", "0.0001235"]


@needs_dot
def test_a_step_displays_the_highlighted_graph_and_its_chain_rule_text():
    v = neuron()
    steps = backward_steps(v["o"])
    next(steps), next(steps)  # o, then b
    step = next(steps)  # xw = x * w passes its gradient to x and w
    g = step.draw()
    assert marked(draw_dot(v["o"]), g) == ["v0", "v1", "v2", "v2_op", "v0 -> v2_op", "v1 -> v2_op", "v2_op -> v2"]
    bundle = step._repr_mimebundle_()
    assert bundle["text/plain"] == ("step 3/5: xw = x * w\n"
                                    "x.grad += (∂xw/∂x = -3.0) × (xw.grad = 1.0) = -3.0  → x.grad = -6.0\n"
                                    "w.grad += (∂xw/∂w = 2.0) × (xw.grad = 1.0) = 2.0  → w.grad = 4.0")
    page = bundle["text/html"]
    assert page.startswith("<pre>step 3/5: xw = x * w\nx.grad += (∂xw/∂x = -3.0)")
    svg = g.pipe(format="svg", encoding="utf-8")
    assert page.count("<svg") == 1 and "<?xml" not in page and page.endswith(svg[svg.index("<svg"):])
    assert step.draw(params=[v["w"]]).source != g.source


# --- backward_steps agrees with backward on random graphs -------------------------------------

gradients = st.integers(-300, 300).map(lambda k: k / 100)  # stale and upstream gradients


def grads(order):
    return [repr(v.grad) for v in order]  # exact: -0.0 differs from 0.0


@given(exprs(max_inputs=4, max_steps=12), st.lists(gradients, min_size=1, max_size=40), gradients)
def test_exhausted_steps_leave_exactly_the_grads_of_backward(expr, stale, upstream):
    root = expr(*expr.inputs)  # a random DAG over the op table, with shared nodes
    order = topological_order(root)

    def from_stale_grads():  # leaves accumulate and interiors reset: start both runs from junk
        for v, g in zip(order, stale * len(order)):
            v.grad = g

    from_stale_grads()
    root.backward(upstream)
    root.backward(upstream)
    expected = grads(order)
    from_stale_grads()
    for _ in range(2):
        steps = list(backward_steps(root, grad=upstream))
    assert grads(order) == expected
    assert len(steps) == len(order)
    # Each node's gradient was already final when its step came.
    assert [repr(s.grad) for s in steps] == [repr(v.grad) for v in reversed(order)]


def test_notes_labels_are_drawn_in_the_notes_notation():
    from autograd.viz import pretty_label

    assert pretty_label("w[2]_13") == "w₁₃⁽²⁾"
    assert pretty_label("w[2]_16,3") == "w₁₆,₃⁽²⁾"
    assert pretty_label("a[1]_2") == "a₂⁽¹⁾"
    assert pretty_label("x[1]") == "x[1]" and pretty_label("w[1]_1x") == "w[1]_1x"
    w, x = Value(0.5, label="w[1]_12"), Value(2.0, label="x")
    z = w * x
    z.label = "z[1]_1"
    assert '"{ w₁₂⁽¹⁾ | data 0.5000' in draw_dot(z).source
    assert str(next(backward_steps(z))).startswith("w₁₂⁽¹⁾.grad += (∂z₁⁽¹⁾/∂w₁₂⁽¹⁾ = 2.0)")


def test_backward_steps_draw_the_params_they_are_given():
    # Regression: a step's drawing (and its Jupyter display) ignored params=, drawing weights as plain leaves.
    x, w = Value(2.0, label="x"), Value(-1.0, label="w")
    y = x * w
    with_params, without = next(backward_steps(y, params=[w])), next(backward_steps(y))
    assert "parameter</td>" in with_params.draw().source and "parameter</td>" not in without.draw().source
    assert "parameter</td>" not in with_params.draw(params=None).source  # an explicit params= wins
    shown = with_params._repr_mimebundle_()["text/html"]
    assert ">parameter<" in shown
    with pytest.raises(TypeError, match="every item of params must be a Value"):
        backward_steps(y, params=[1.0])
