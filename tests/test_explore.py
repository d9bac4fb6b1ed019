"""The backprop explorer in Python: its timeline, the numbers of every step, grouping, layout, the page."""

import json
import math
import re
import time
from xml.etree import ElementTree

import pytest
from hostile import HOSTILE

from autograd import Op, Value, explore, explorer, grad, notation, svg, topological_order
from autograd.explorer import Explorer, Step
from autograd.layout import chain, layered
from autograd.page import STATIC
from nn import MLP, Module, Neuron
from nn.losses import hinge_loss


def diamond():
    """a feeds b and c, which meet in d: the shape where gradients add up."""
    a = Value(0.5, label="a")
    b = a * 3.0; b.label = "b"
    c = a.tanh(); c.label = "c"
    d = b * c; d.label = "d"
    return a, b, c, d


def mlp_loss(seed=0):
    model = MLP(2, [3, 3, 1], seed=seed)
    x = [Value(0.4, label="x_1"), Value(-1.2, label="x_2")]
    loss = hinge_loss(model(x), 1, reduction="sum"); loss.label = "loss"
    return model, x, loss


# --- the timeline ------------------------------------------------------------------------------

def test_explore_changes_no_grad_before_or_after_backward():
    a, b, c, d = diamond()
    explore(d)
    assert [v.grad for v in (a, b, c, d)] == [0.0] * 4
    d.backward()
    before = [v.grad for v in (a, b, c, d)]
    explore(d)
    assert [v.grad for v in (a, b, c, d)] == before


def test_forward_steps_come_first_then_one_backward_step_per_op():
    a, b, c, d = diamond()
    ex = explore(d)
    order = topological_order(d)
    ops = [v for v in order if v.parents]
    assert [s.phase for s in ex.steps] == ["forward"] * (1 + len(ops)) + ["backward"] * len(ops)
    assert ex.steps[0].node is None
    assert [s.node for s in ex.steps[1:1 + len(ops)]] == ops
    assert [s.node for s in ex.steps[1 + len(ops):]] == list(reversed(ops))
    assert [s.index for s in ex.steps] == list(range(len(ex.steps)))


def test_each_step_shows_the_numbers_as_they_were_then():
    a, b, c, d = diamond()
    ex = explore(d)
    steps = ex.steps
    # Forward: a value is known from its step on.
    assert [steps[k].data_of(d) for k in range(4)] == [None, None, None, d.data]
    assert steps[0].data_of(a) == 0.5 and steps[1].data_of(b) == b.data and steps[1].data_of(c) is None
    assert all(s.grad_of(v) is None for s in steps[:4] for v in (a, b, c, d))
    # Backward: d passes first; a gets its first share from b, the second from c.
    first_back = steps[4]
    assert first_back.node is d and first_back.grad_of(d) == 1.0 and first_back.grad_of(a) is None
    by_node = {s.node: s for s in steps[4:]}
    share_b = by_node[b].terms[0].added
    assert by_node[c].grad_of(a) == by_node[c].terms[0].added  # c comes before b: reverse topological order
    assert by_node[b].grad_of(a) == by_node[c].terms[0].added + share_b
    # Scrolling back after the last step still shows the old numbers.
    assert steps[4].grad_of(a) is None and steps[5].grad_of(a) == by_node[c].terms[0].added


def test_the_last_step_has_exactly_backwards_gradients():
    model, x, loss = mlp_loss()
    ex = explore(loss, params=model.parameters())
    last = ex.steps[-1]
    loss.backward()
    for v in topological_order(loss):  # every Value, wrapped constants included
        assert last.grad_of(v) == v.grad, v  # bit for bit: the same sums in the same order
    assert [last.grad_of(p) for p in model.parameters()] == list(grad(loss, model.parameters()))


def test_steps_read_as_the_forward_formula_and_the_chain_rule():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    xw = x * w; xw.label = "xw"
    o = xw.tanh(); o.label = "o"
    steps = explore(o).steps
    assert str(steps[0]) == "the leaves are given (2 inputs); the forward pass computes the rest"
    assert str(steps[1]) == "xw = x * w = 2.0 * -3.0 = -6.0"
    assert str(steps[2]) == "o = tanh(xw) = tanh(-6.0) = -1.0"
    assert str(steps[3]) == ("o.grad = 1.0 is final; it passes on: xw.grad += (∂o/∂xw = 2.458e-05) × 1.0 = 2.458e-05"
                             " → xw.grad = 2.458e-05")
    assert str(steps[4]) == ("xw.grad = 2.458e-05 is final; it passes on: x.grad += (∂xw/∂x = -3.0) × 2.458e-05 = "
                             "-7.373e-05 → x.grad = -7.373e-05; w.grad += (∂xw/∂w = 2.0) × 2.458e-05 = 4.915e-05 → "
                             "w.grad = 4.915e-05")
    assert repr(steps[1]).startswith("<Step 2/5 (forward): xw = x * w")


def test_a_node_used_twice_shows_the_running_total_and_counts_read_well():
    a = Value(3.0, label="a")
    b = a * a; b.label = "b"
    f = b + a; f.label = "f"
    steps = explore(f).steps
    assert str(steps[0]) == "the leaves are given (1 input); the forward pass computes the rest"
    assert str(steps[-1]) == ("b.grad = 1.0 is final; it passes on: a.grad += (∂b/∂a = 3.0) × 1.0 = 3.0 → a.grad = 4.0; "
                              "a.grad += (∂b/∂a = 3.0) × 1.0 = 3.0 → a.grad = 7.0")
    c = a * 2.0
    assert str(explore(c).steps[0]) == "the leaves are given (1 input, 1 constant); the forward pass computes the rest"


def test_a_leaf_root_has_one_backward_step():
    x = Value(2.0, label="x")
    steps = explore(x).steps
    assert [s.phase for s in steps] == ["forward", "backward"]
    assert steps[1].grad_of(x) == 1.0 and str(steps[1]) == "x.grad = 1.0: the root is a leaf, nothing to pass on"


def test_a_node_used_twice_gets_both_shares_in_one_step():
    a = Value(3.0, label="a")
    b = a * a; b.label = "b"
    step = explore(b).steps[-1]
    assert [t.grad_after for t in step.terms] == [3.0, 6.0] and step.grad_of(a) == 6.0


# --- coarse steps: by neuron, by layer, by depth -------------------------------------------------

def layer_nodes(root, symbol, layer):
    """The nodes labelled symbol[layer]_i (not a neuron's terms or partial sums, which extend those labels)."""
    return [v for v in topological_order(root) if (n := notation.parse(v.label)) and (n.name, n.layer) == (symbol, layer)]


@pytest.mark.parametrize("by", ["neuron", "layer", "depth"])
def test_coarse_steps_partition_the_op_steps_and_show_the_state_at_their_end(by):
    model, x, loss = mlp_loss()
    ex = explore(loss, params=model.parameters())
    steps, order, first_backward = ex.timeline(by), topological_order(loss), ex._t.first_backward
    assert [s.index for s in steps] == list(range(len(steps))) and {s.by for s in steps} == {by}
    assert [k for s in steps for k in s.covers] == list(range(len(ex.steps)))  # every op step once, in order
    assert all(s.covers[0] >= first_backward or s.covers[-1] < first_backward for s in steps)  # one pass each
    assert steps[0].covers == range(0, 1) and str(steps[0]) == str(ex.steps[0])
    for s in steps:
        end = ex.steps[s.covers[-1]]
        assert s.phase == end.phase and s.node is end.node
        assert [s.data_of(v) for v in order] == [end.data_of(v) for v in order]
        assert [s.grad_of(v) for v in order] == [end.grad_of(v) for v in order]
        assert s.terms == tuple(term for k in s.covers for term in ex.steps[k].terms)


def test_by_layer_reads_as_the_notes_equations_with_their_numbers():
    model, x, loss = mlp_loss()  # MLP(2, [3, 3, 1]), a linear output, hinge loss
    ex = explore(loss, params=model.parameters())
    steps = ex.timeline(by="layer")
    loss.backward()
    num = explorer.svg.number
    listed = lambda vs, f: "[" + ", ".join(num(getattr(v, f)) for v in vs) + "]"
    a1, a2, z2, z1 = layer_nodes(loss, "a", 1), layer_nodes(loss, "a", 2), layer_nodes(loss, "z", 2), layer_nodes(loss, "z", 1)
    (z3,) = layer_nodes(loss, "z", 3)
    assert [str(s) for s in steps] == [
        str(ex.steps[0]),
        f"layer 1: a⁽¹⁾ = σ(W⁽¹⁾ x + b⁽¹⁾) = {listed(a1, 'data')} (σ = relu)",
        f"layer 2: a⁽²⁾ = σ(W⁽²⁾ a⁽¹⁾ + b⁽²⁾) = {listed(a2, 'data')} (σ = relu)",
        f"layer 3: a⁽³⁾ = W⁽³⁾ a⁽²⁾ + b⁽³⁾ = {num(z3.data)}",
        f"the cost: C = loss = {num(loss.data)}",
        # the cost's step is also layer 3's: a linear output's δ is the cost's gradient
        f"the cost: ∇C(a⁽³⁾) = ∂C/∂a⁽³⁾ = {num(z3.grad)}; layer 3: δ⁽³⁾ = ∂C/∂z⁽³⁾ = ∇C(a⁽³⁾) = {num(z3.grad)}",
        f"layer 2: δ⁽²⁾ = ∂C/∂z⁽²⁾ = σ′(z⁽²⁾) ⊙ (W⁽³⁾)ᵀ δ⁽³⁾ = {listed(z2, 'grad')} (σ = relu)",
        f"layer 1: δ⁽¹⁾ = ∂C/∂z⁽¹⁾ = σ′(z⁽¹⁾) ⊙ (W⁽²⁾)ᵀ δ⁽²⁾ = {listed(z1, 'grad')} (σ = relu)",
        "the parameters' gradients are final: ∂C/∂wᵢⱼ⁽ˡ⁾ = δᵢ⁽ˡ⁾ aⱼ⁽ˡ⁻¹⁾, ∂C/∂bᵢ⁽ˡ⁾ = δᵢ⁽ˡ⁾; ∂C/∂W⁽¹⁾ = "
        + listed([n.w[j] for n in model.layers[0].neurons for j in range(2)], "grad"),
    ]
    # After layer l's step every δ of the layer is final, and not before; the last step finishes the parameters.
    for k, zs in ((6, z2), (7, z1)):
        assert [steps[k].grad_of(z) for z in zs] == [z.grad for z in zs]
        assert [steps[k - 1].grad_of(z) for z in zs] != [z.grad for z in zs]
    assert [steps[-1].grad_of(p) for p in model.parameters()] == [p.grad for p in model.parameters()]
    assert [steps[-2].grad_of(p) for p in model.parameters()] != [p.grad for p in model.parameters()]


def test_by_layer_on_several_examples_steps_per_call_and_layer_with_true_equations():
    # The layer steps merged every example: "layer 1: a⁽¹⁾ = … = [1.721, 0.0, 0.0, 0.0, 0.0, 0.0]"
    # listed both calls' six numbers as one layer's three, and "δ⁽²⁾ = ∇C(a⁽²⁾)" both outputs.
    m = MLP(2, [3, 1], seed=0)
    xs = [[Value(1.0, label="x_1"), Value(2.0, label="x_2")], [-1.0, 0.5], [-1.0, 0.5]]  # two equal examples
    calls = []
    for x in xs:  # m(x), layer by layer, to hold each call's nodes
        h = m.layers[0](x)
        calls.append((h, m.layers[1](h)[0]))
    loss = hinge_loss([o for _, o in calls], [1, -1, 1]); loss.label = "loss"
    ex = explore(loss)
    assert ex.by == "layer" and [g["name"] for g in ex._groups[:2]] == ["neuron 1 · layer 1 · call 1", "neuron 1 · layer 1 · call 2"]
    loss.backward()
    num = explorer.svg.number
    listed = lambda vs, f: "[" + ", ".join(num(getattr(v, f)) for v in vs) + "]"
    lines = [str(s) for s in ex.timeline(by="layer")]
    for c, (h, o) in enumerate(calls, 1):
        z1 = [a.parents[0] for a in h]
        assert f"call {c} · layer 1: a⁽¹⁾ = σ(W⁽¹⁾ x + b⁽¹⁾) = {listed(h, 'data')} (σ = relu)" in lines
        assert f"call {c} · layer 2: a⁽²⁾ = W⁽²⁾ a⁽¹⁾ + b⁽²⁾ = {num(o.data)}" in lines
        assert f"the cost: ∇C(a⁽²⁾) of call {c} = ∂C/∂a⁽²⁾ = {num(o.grad)}; call {c} · layer 2: δ⁽²⁾ = ∂C/∂z⁽²⁾ = " \
               f"∇C(a⁽²⁾) = {num(o.grad)}" in lines
        assert f"call {c} · layer 1: δ⁽¹⁾ = ∂C/∂z⁽¹⁾ = σ′(z⁽¹⁾) ⊙ (W⁽²⁾)ᵀ δ⁽²⁾ = {listed(z1, 'grad')} (σ = relu)" in lines
        # and the equation is true within the call: δᵢ⁽¹⁾ = relu′(zᵢ) wᵢ⁽²⁾ δ⁽²⁾
        w2 = m.layers[1].neurons[0].w
        assert [z.grad for z in z1] == [(z.data > 0) * w2[i].data * o.grad for i, z in enumerate(z1)]
    assert not any(line.startswith("layer ") for line in lines)


def reads_own_output():
    m = MLP(1, [2, 1], seed=0)
    return m([m([Value(0.3, label="x")])])


def recurrence():
    m, h = MLP(1, [2, 1], seed=0), Value(0.3, label="h0")
    for _ in range(3):
        h = m([h])
    return h


def hidden_read_elsewhere():
    m = MLP(2, [3, 1], seed=0)
    h = m.layers[0]([0.5, -1.0])
    return m.layers[1](h)[0] + 0.1 * h[0] * h[0]  # an activation penalty: δ⁽¹⁾ gets a term from outside layer 2


@pytest.mark.parametrize("build", [reads_own_output, recurrence, hidden_read_elsewhere])
def test_by_layer_is_not_offered_where_no_layer_equation_would_be_true(build):
    # m(m(x)) stepped "layer 1" over ops 1–18 (call 1's layer 2 among them) and wrote call 1's
    # δ⁽²⁾ = ∇C(a⁽²⁾), a δ that came from call 2's layer 1: false. Such graphs step by depth.
    ex = explore(build())
    assert ex.grouped and ex.by == "neuron" and ex._offered == ("op", "neuron", "depth")
    with pytest.raises(ValueError, match=r"Explorer.timeline: by='layer' is not offered for this graph \(the model's "
                                         r"calls feed one another.*step it by 'neuron' or 'depth'$"):
        ex.timeline(by="layer")
    with pytest.raises(ValueError, match=r"by must be one of 'op', 'neuron', 'depth' for this graph, got 'layer' \(the"):
        ex.by = "layer"
    data = json.loads(re.search(r'id="dagrad-explorer-data">(.*?)</script>', ex.html(), re.S)[1])
    assert data["by"] == "neuron" and list(data["stops"]) == ["neuron", "depth"]
    assert ex.timeline(by="depth")[-1].covers[-1] == len(ex.steps) - 1


def test_by_neuron_is_a_step_per_neuron_and_pass():
    model, x, loss = mlp_loss()
    ex = explore(loss, params=model.parameters())
    steps = ex.timeline(by="neuron")
    assert len(steps) == 1 + 2 * (3 + 3 + 1 + 1)  # step 0, then each neuron and the cost, forward and backward
    loss.backward()
    line = str(steps[1])
    (z, a) = layer_nodes(loss, "z", 1)[0], layer_nodes(loss, "a", 1)[0]
    assert line == f"neuron 1 · layer 1: z₁⁽¹⁾ = Σⱼ w₁ⱼ⁽¹⁾ xⱼ + b₁⁽¹⁾ = {z.data:.4g}, a₁⁽¹⁾ = relu(z₁⁽¹⁾) = {explorer.svg.number(a.data)}"
    last = steps[-1]  # neuron 1 of layer 1 finishes the backward pass: its δ and its parameters' gradients
    neuron = model.layers[0].neurons[0]
    assert str(last).startswith(f"neuron 1 · layer 1: ∂C/∂a₁⁽¹⁾ = {explorer.svg.number(a.grad)}, δ = ∂C/∂z₁⁽¹⁾ = "
                                f"relu′(z₁⁽¹⁾) × ∂C/∂a₁⁽¹⁾ = {explorer.svg.number(z.grad)}; its parameters' gradients")
    assert [last.grad_of(p) for p in neuron.parameters()] == [p.grad for p in neuron.parameters()]


def test_by_depth_steps_any_graph_a_distance_from_the_root_at_a_time():
    a, b, c, d = diamond()
    ex = explore(d)
    steps = ex.timeline(by="depth")
    assert [s.covers for s in steps] == [range(0, 1), range(1, 3), range(3, 4), range(4, 5), range(5, 7)]
    assert [str(s) for s in steps[1:]] == [
        f"depth 1: b, c = [{b.data}, {c.data:.4g}]", f"depth 0: d = {d.data:.4g}",
        "depth 0: ∂d/∂(d) = 1.0", f"depth 1: ∂d/∂(b, c) = [{c.data:.4g}, {b.data}]"]
    assert repr(steps[2]) == f"<Step 3 by depth (op steps 3–3, forward): depth 0: d = {d.data:.4g}>"


def test_the_granularities_a_graph_offers_and_clear_errors_for_the_others():
    a, b, c, d = diamond()
    model, x, loss = mlp_loss()
    plain, network = explore(d), explore(loss)
    assert plain.by == "op" and network.by == "layer"  # the page's first granularity
    assert plain.timeline() == plain.steps and plain.timeline() is not plain.steps
    with pytest.raises(ValueError, match=r"Explorer.timeline: by='layer' is not offered for this graph \(a graph not "
                                         r"built by nn .* step it by 'op' or 'depth'"):
        plain.timeline(by="layer")
    with pytest.raises(ValueError, match=r"Explorer.timeline: by must be 'op', 'neuron', 'layer' or 'depth', got 'ops'"):
        network.timeline(by="ops")
    with pytest.raises(ValueError, match=r"by must be one of 'op', 'depth' for this graph, got 'neuron' \(a graph not built"):
        plain.by = "neuron"
    with pytest.raises(ValueError, match=r"by must be one of 'op', 'neuron', 'layer' for this graph, got 'depth'$"):
        network.by = "depth"
    plain.by, network.by = "depth", "neuron"
    page = lambda ex: json.loads(re.search(r'id="dagrad-explorer-data">(.*?)</script>', ex.html(), re.S)[1])
    assert page(plain)["by"] == "depth" and list(page(plain)["stops"]) == ["depth"]
    assert page(network)["by"] == "neuron" and list(page(network)["stops"]) == ["neuron", "layer"]
    assert [end for end, _ in page(network)["stops"]["layer"]] == [s.covers[-1] for s in network.timeline("layer")]
    assert network.widget().by == "neuron"


def test_a_coarse_step_is_drawn_with_all_its_ops_current_and_the_other_edges_faded():
    model, x, loss = mlp_loss()
    ex = explore(loss, params=model.parameters())
    t, step = ex._t, ex.timeline(by="layer")[6]  # layer 2's δ
    states = t.states(step.covers[-1], step.covers[0])
    assert [i for i, s in enumerate(states) if s == "s-current"] == sorted(t.covered(step.covers[-1], step.covers[0]))
    edges = [t.edge_state(c, step.covers[-1], step.covers[0])[0] for c in range(len(t.order)) if t.parents[c]]
    assert {"back s-active", "back s-idle", "s-idle"} == set(edges)
    assert edges.count("back s-active") == len(step.covers)
    drawn = explorer._draw(ex, step.covers[-1], step.covers[0])
    assert "s-idle" in drawn and 'id="dg-collecting"' in drawn


# --- what the drawing shows ---------------------------------------------------------------------

def test_kinds_parameters_constants_and_the_root():
    model, x, loss = mlp_loss()
    kinds = explore(loss, params=model.parameters())._t.kinds
    order = topological_order(loss)
    by = {v: k for v, k in zip(order, kinds)}
    assert {by[p] for p in model.parameters()} == {"param"}
    assert {by[v] for v in x} == {"leaf"} and by[loss] == "root"
    assert {by[v] for v in order if v.op == "const"} == {"const"}
    # Without params=, nn's labels say which leaves are weights and biases.
    assert explore(loss)._t.kinds == kinds
    # A leaf given as a parameter is drawn as one even without nn's labels.
    w = Value(1.0)
    assert explore(w * 2.0, params=[w])._t.kinds[0] == "param"


def test_an_nn_graph_is_grouped_by_neuron_every_value_in_exactly_one_group():
    model, x, loss = mlp_loss()
    ex = explore(loss, params=model.parameters())
    assert ex.grouped
    order = topological_order(loss)
    groups = ex.groups
    members = [v for g in groups for v in g]
    assert len(members) == len(order) and set(members) == set(order)
    neurons = [g for g in groups if any(v.label.startswith("z[") for v in g)]
    assert len(neurons) == 7  # 3 + 3 + 1
    for layer in model.layers:
        for neuron in layer.neurons:
            (group,) = [g for g in neurons if neuron.b in g]
            assert all(w in group for w in neuron.w)
            labels = {v.label for v in group if v.label}
            l, i = neuron.b.label[2], neuron.b.label.split("_")[1]
            assert f"z[{l}]_{i}" in labels
            assert f"a[{l}]_{i}" in labels or layer is model.layers[-1]  # the output layer is linear: z only
    cost = [g for g in groups if loss in g]
    assert len(cost) == 1 and len(cost[0]) > 1  # the hinge's ops are one box, "cost"
    assert all([v] in groups for v in x)  # an input read by several neurons stands alone


def test_grouping_needs_nn_labels_and_can_be_turned_off():
    a, b, c, d = diamond()
    assert not explore(d).grouped
    with pytest.raises(ValueError, match=r"grouped=True, but the graph has no neurons"):
        explore(d, grouped=True)
    model, x, loss = mlp_loss()
    flat = explore(loss, grouped=False)
    assert not flat.grouped and all(len(g) == 1 for g in flat.groups)


def test_a_hand_written_module_with_a_skip_connection_groups_its_neurons():
    class Skip(Module):
        def __init__(self):
            self.first, self.second = Neuron(2, seed=0, layer_index=1), Neuron(1, seed=1, layer_index=2)
            self.s = Value(0.5, label="s")

        def forward(self, x):
            h = self.first(x)
            return self.second([h]) + self.s * x[0]

    m = Skip()
    x = [Value(1.0, label="x_1"), Value(2.0, label="x_2")]
    ex = explore(m(x), params=m.parameters())
    assert ex.grouped and sum(len(g) for g in ex.groups) == len(topological_order(m(x)))
    assert ex.html()  # lays out and draws


def test_layout_is_deterministic():
    pages = []
    for _ in range(2):
        model, x, loss = mlp_loss(seed=3)
        pages.append(explore(loss, params=model.parameters()).html())
    assert pages[0] == pages[1]


def test_layered_puts_parents_before_children_without_overlaps():
    model, x, loss = mlp_loss()
    order = topological_order(loss)
    index = {v: i for i, v in enumerate(order)}
    nodes = list(range(len(order)))
    parents = {index[v]: [index[p] for p in v.parents] for v in order}
    for direction, axis in (("LR", 0), ("TB", 1)):
        lay = layered(nodes, parents, {n: (100.0, 40.0) for n in nodes}, direction=direction)
        for c, ps in parents.items():
            assert all(lay.position[p][axis] < lay.position[c][axis] for p in ps)
        by_rank = {}
        for n in nodes:
            by_rank.setdefault(lay.rank[n], []).append(lay.position[n][1 - axis])
        size = 40.0 if direction == "LR" else 100.0
        for ys in by_rank.values():
            ys.sort()
            assert all(b - a >= size - 1e-9 for a, b in zip(ys, ys[1:]))
        for n in nodes:
            x, y = lay.position[n]
            assert 0 <= x <= lay.width and 0 <= y <= lay.height


def recurrent(steps):
    """h = tanh(w h + b), `steps` times: one w and one b used at every depth."""
    w, b, h = Value(0.5, label="w"), Value(0.1, label="b"), Value(0.0, label="h0")
    for _ in range(steps):
        h = (w * h + b).tanh()
    return h


def test_a_value_used_at_every_depth_is_routed_in_a_lane_not_cut_into_points():
    # Issue 21, defect 4: a waypoint per rank an edge crossed made this quadratic (903 Values: ~16 s).
    order = topological_order(recurrent(300))
    index = {v: i for i, v in enumerate(order)}
    nodes = list(range(len(order)))
    parents = {index[v]: [index[p] for p in v.parents] for v in order}
    lay = layered(nodes, parents, {n: (100.0, 40.0) for n in nodes})
    assert sum(len(r) for r in lay.routes.values()) <= 4 * len(lay.routes)  # a lane: 4 points, not ~900
    w = next(i for i, v in enumerate(order) if v.label == "w")
    far = [route for (p, c), route in lay.routes.items() if p == w and lay.rank[c] - lay.rank[p] > 6]
    assert len(far) > 200
    lane = {route[1][1] for route in far}
    assert len(lane) == 1  # one lane for all of w's long edges, outside every node
    (y,) = lane
    tops = [lay.position[n][1] - 20 for n in nodes]
    bottoms = [lay.position[n][1] + 20 for n in nodes]
    assert y < min(tops) or y > max(bottoms)
    assert 0 <= y <= lay.height
    for route in far:  # the drop into a child runs in the gap between ranks, never across a node's box
        (x0, _), (x1, _), (x2, _), (x3, _) = route
        assert x0 <= x1 <= x2 <= x3


def recurrent_mlp(calls):
    """h = m(h), `calls` times, with one MLP(1, [4, 4, 1]): every weight shared by every call."""
    m, h = MLP(1, [4, 4, 1], seed=0), Value(0.3, label="h0")
    for _ in range(calls):
        h = m([h])
    return h


@pytest.mark.parametrize("build", [lambda: recurrent(300), lambda: recurrent(1665), lambda: recurrent_mlp(88)],
                         ids=["300 steps", "4,998 Values", "an MLP's 4,962 Values, boxed"])
def test_a_recurrent_graph_up_to_max_nodes_lays_out_and_saves_in_seconds(build, tmp_path):
    h = build()
    start = time.perf_counter()
    explore(h).save(tmp_path / "page.html")
    assert time.perf_counter() - start < 4.0  # 0.2 s, 1 s, 1.4 s here (issue 21 asks <= 2 s; slack for a loaded CI)


def test_chain_layout_puts_a_neuron_row_by_row():
    n = Neuron(3, seed=0)
    a = n([Value(1.0, label="x_1"), Value(2.0, label="x_2"), Value(3.0, label="x_3")])
    order = topological_order(a)
    index = {v: i for i, v in enumerate(order)}
    nodes = list(range(len(order)))
    lay = chain(nodes, {index[v]: [index[p] for p in v.parents] for v in order}, {k: (100.0, 40.0) for k in nodes})
    rows = {v.label or v.op: lay.rank[index[v]] for v in order}
    # Each weight sits in the row of its own partial sum; z and a end the chain.
    assert rows["w[1]_11"] == 0 and rows["w[1]_12"] == 1 and rows["w[1]_13"] == 2
    assert rows["z[1]_1"] == 2 and rows["a[1]_1"] == 3


# --- the page ----------------------------------------------------------------------------------

def test_the_saved_page_is_one_file_with_everything_inline(tmp_path):
    model, x, loss = mlp_loss()
    ex = explore(loss, params=model.parameters())
    path = ex.save(tmp_path / "deep" / "backprop.html")
    page = (tmp_path / "deep" / "backprop.html").read_text(encoding="utf-8")
    assert path == str(tmp_path / "deep" / "backprop.html")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page  # the browser refuses any fetch
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert page.count("<script") == 2 and page.count("<svg") == 1
    data = json.loads(re.search(r'<script type="application/json" id="dagrad-explorer-data">(.*?)</script>', page, re.S)[1])
    assert len(data["names"]) == len(topological_order(loss)) and data["step"] == 0
    assert (STATIC / "explorer.js").read_text(encoding="utf-8") in page
    assert (STATIC / "explorer.css").read_text(encoding="utf-8") in page


def test_hostile_labels_are_text_everywhere(tmp_path):
    bad = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", "&amp;", "a\x00b", '"quoted"', "<!--"]
    xs = [Value(float(k), label=label) for k, label in enumerate(bad, 1)]
    root = sum(xs[1:], xs[0])
    root.label = "</svg><svg onload=alert(1)>"
    page = explore(root).html()
    body = page.split("<body", 1)[1]
    for forbidden in ("<img", "<script>alert", "<svg onload", "<!--"):
        assert forbidden not in body, forbidden
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "␀" in page
    data = re.search(r'id="dagrad-explorer-data">(.*?)</script>', page, re.S)[1]
    assert "</" not in data and json.loads(data)["names"][0] == bad[0]


def test_bad_input_gets_clear_errors():
    with pytest.raises(TypeError, match=r"explore: root must be a Value, got float: 1.0"):
        explore(1.0)
    x = Value(1.0)
    y = x
    for _ in range(10):
        y = y * 1.5
    with pytest.raises(ValueError, match=r"the graph has 21 Values, more than max_nodes=5.*max_nodes=21"):
        explore(y, max_nodes=5)
    with pytest.raises(ValueError, match="max_nodes must be an integer >= 1"):
        explore(y, max_nodes=True)
    with pytest.raises(TypeError, match="every item of params must be a Value"):
        explore(y, params=[1.0])
    with pytest.raises(TypeError, match=r"params must be a Value or a collection of Values, got str: 'ab'"):
        explore(y, params="ab")
    with pytest.raises(TypeError, match=r"title must be a str or None, got int: 5"):
        explore(y, title=5)
    ex = explore(y)
    with pytest.raises(ValueError, match=r"step must be an int from 0 to 20"):
        ex.step = 21
    ex.step = -1
    assert ex.step == 20
    assert ex.svg(-1) == ex.svg(20)
    for bad in (21, "1", True):
        with pytest.raises(ValueError, match=r"Explorer.svg: step must be an int from 0 to 20"):
            ex.svg(bad)
    with pytest.raises(ValueError, match="is not a Value of this graph"):
        ex.steps[0].grad_of(Value(2.0))


def test_the_drawing_follows_the_step():
    a, b, c, d = diamond()
    ex = explore(d)
    first, last = ex.svg(0), ex.svg(len(ex.steps) - 1)
    assert first != last
    assert 'data-f="grad">—<' in first and 'data-f="grad">—<' not in last
    assert isinstance(ex, Explorer) and all(isinstance(s, Step) for s in ex.steps)


def test_jupyter_shows_the_widget_and_a_drawing_for_front_ends_without_script():
    model, x, loss = mlp_loss()
    ex = explore(loss, params=model.parameters())
    ex.step = 40
    bundle, _ = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].count("<svg") == 1 and "step 41 of" in bundle["text/html"]
    widget = ex.widget()
    assert widget.step == 40 and json.loads(widget.data)["names"] == ex._t.names
    # One script for the widget and the page: the widget's module is the text the page inlines,
    # the shared helpers (common.js) and then the explorer's own file.
    assert widget._esm == (STATIC / "common.js").read_text(encoding="utf-8") + (STATIC / "explorer.js").read_text(encoding="utf-8")
    assert widget._esm in ex.html() and widget._css in ex.html()


def test_numbers_that_json_cannot_hold_survive():
    x = Value(0.0, label="x")
    y = x.sqrt()  # d/dx = inf at 0
    ex = explore(y)
    data = json.loads(re.search(r'id="dagrad-explorer-data">(.*?)</script>', ex.html(), re.S)[1])
    assert data["partials"][1] == ["inf"]
    assert math.isinf(ex.steps[-1].terms[0].local_grad)


@pytest.mark.parametrize("name, text", HOSTILE, ids=[name for name, _ in HOSTILE])
def test_every_hostile_string_is_drawn_as_text_as_a_label_and_as_an_op_name(name, text, user_op):
    op = "op_" + str(abs(hash(name)))  # a method name: the hostile text goes in the label instead
    x = Value(2.0, label=text)
    user_op(op, Op(lambda v: v * 3.0, lambda v, out: (3.0,)))
    y = getattr(x, op)()
    y.label = text + "!"
    ex = explore(y)
    picture = ex.svg()
    root = ElementTree.fromstring(picture)  # well-formed XML: the widget parses it as such
    titles = [e.text for e in root.iter("{http://www.w3.org/2000/svg}title")]
    shown = text.translate({i: 0x2400 + i for i in range(32)} | {0x7F: 0x2421})
    shown = shown.encode("utf-8", "backslashreplace").decode("utf-8")
    assert svg.isolate(shown) in titles and svg.isolate(shown + "!") in titles  # isolated if it holds bidi text
    page = ex.html()
    page.encode("utf-8")  # writable as UTF-8 (a lone surrogate would not be)
    body = page.split("<body", 1)[1]
    assert "<img" not in body and "<b>" not in body and "<!-- x" not in body
    assert body.count("<script") == 2 and body.count("</script>") == 2


# --- issue 21: boxes by call, names a learner can find ------------------------------------------

def boxes(ex):
    """{box name: [member labels]} of an explorer's neuron boxes."""
    return {g["name"]: [ex._t.order[i].label for i in g["members"]] for g in ex._groups}


@pytest.mark.parametrize("build", ["twice", "recurrent"])
def test_a_model_applied_to_its_own_output_is_drawn_one_box_per_call(build, tmp_path):
    # Defect 1: m(m(x)) and h = m(h) raised "the neuron boxes would form a cycle" on save.
    m = MLP(1, [2, 1], seed=0)
    if build == "twice":
        root, calls = m([m([Value(0.3)])]), 2
    else:
        h = Value(0.3, label="h0")
        for _ in range(5):
            h = m([h])
        root, calls = h, 5
    ex = explore(root)
    ex.save(tmp_path / "page.html")
    names = [g["name"] for g in ex._groups]
    assert len(names) == 3 * calls and len(set(names)) == len(names)
    assert f"neuron 2 · layer 1 · call {calls}" in names
    for g in ex._groups:  # each box's z and a come from one call: a = σ(z) of that very z
        assert g["out"] == g["z"] or ex._t.parents[g["out"]] == (g["z"],)


def test_a_model_called_on_two_examples_never_mixes_a_z_and_an_a_of_different_calls():
    # Defect 2: a box read "z₁⁽¹⁾ = 2.065, a₁⁽¹⁾ = 0.0" under relu, and four of the eight z were hidden.
    m = MLP(2, [3, 1], seed=0, activation="relu")
    xs = [[Value(1.0, label="x_1"), Value(-2.0, label="x_2")], [Value(0.5, label="x_1"), Value(1.5, label="x_2")]]
    ex = explore(hinge_loss([m(x) for x in xs], [1, -1]))
    t = ex._t
    neurons = [g for g in ex._groups if g["activation"] != "cost"]
    assert len(neurons) == 8  # (3 + 1) neurons × 2 examples
    assert sorted(g["z"] for g in neurons) == [i for i, v in enumerate(t.order) if re.fullmatch(r"z\[\d\]_\d", v.label)]
    for g in neurons:
        if g["out"] != g["z"]:
            assert t.data[g["out"]] == max(0.0, t.data[g["z"]])
    # each parameter is in exactly one box (the first call's); the second call reads it from there
    w = m.layers[0].neurons[0].w[0]
    (owner,) = [g for g in ex._groups if t.index[w] in g["members"]]
    assert owner["name"] == "neuron 1 · layer 1 · call 1"


def test_a_neurons_box_holds_only_what_the_neuron_made():
    # Defect 3: a user's features read only by a one-wide layer were drawn inside "neuron 1 · layer 1".
    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    f = (x1 * x2).tanh(); f.label = "feature_1"
    total = x1 + x2
    ex = explore(MLP(2, [1, 1], seed=0)([f, total]))
    inside = [ex._t.order[i] for g in ex._groups for i in g["members"]]
    assert f not in inside and total not in inside and f.parents[0] not in inside
    assert boxes(ex)["neuron 1 · layer 1"] == ["b[1]_1", "w[1]_11", "w[1]_11*x_1", "z[1]_1(j<=1)", "w[1]_12",
                                                "w[1]_12*x_2", "z[1]_1", "a[1]_1"]


def test_nn_and_the_losses_leave_no_invented_names_and_made_up_names_never_equal_a_label():
    model, x, loss = mlp_loss()
    ex = explore(loss, params=model.parameters())
    assert [name for name in ex._t.names if re.fullmatch(r"v\d+", name)] == []
    text = "\n".join(map(str, ex.steps))
    assert re.search(r"\bv\d+\b", text) is None
    # An unlabelled node is never called by another node's label.
    a = Value(1.0, label="v2")
    b = a * 3.0
    c = b + a; c.label = "c"
    names = explore(c)._t.names
    assert len(set(names)) == len(names) and names.count("v2") == 1
    assert str(explore(c).steps[1]).startswith("v2′ = v2 * 3.0")


def test_a_bidi_override_in_a_label_reverses_nothing_outside_it():
    # Defect 5: x labelled "\u202ex" reversed the rest of the chain-rule line.
    x = Value(2.0, label="\u202ex")
    y = x * 3.0; y.label = "y"
    line = str(explore(y).steps[-1])
    assert "\u2068\u202ex\u2069.grad" in line and line.count("\u2068") == line.count("\u2069") == 3
    assert svg.isolate("a\u2069\u202eb") == "\u2068\u2068a\u2069\u202eb\u2069"  # its own PDI cannot close ours


def test_the_static_picture_defaults_to_a_step_that_teaches():
    model, x, loss = mlp_loss()
    ex = explore(loss, params=model.parameters())
    middle = ex._t.first_backward + len(ex._t.backward) // 2
    assert ex.svg() == ex.svg(middle) != ex.svg(0)
    assert ex.svg().count(">—<") < ex.svg(0).count(">—<") / 3  # numbers, not dashes
    caption = ex._repr_mimebundle_()
    html = (caption[0] if isinstance(caption, tuple) else caption)["text/html"]
    assert f"step {middle + 1} of {len(ex.steps)}" in html
    hidden = explore(loss, params=model.parameters())
    hidden.step = next(k for k in range(1, len(ex.steps)) if ex.steps[k].node.label.startswith("w[1]_11*"))
    html = hidden._repr_mimebundle_()
    html = (html[0] if isinstance(html, tuple) else html)["text/html"]
    assert ": inside neuron 1 · layer 1: " in html  # the caption never names a hidden node without its box
    ex.step = 3  # a step chosen is the one shown
    assert ex.svg() == ex.svg(3)
