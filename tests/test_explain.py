"""`explain`: a gradient as a sum over paths, counted and summed by dynamic programming, with the
largest paths found without listing all of them."""

import heapq
import importlib
import itertools
import math

import pytest
from hypothesis import given, settings

from autograd import Value, explain, grad
from autograd.strategies import exprs


def all_paths(root, x):
    """Every path from x to root, by brute force (exponential; for small graphs only)."""
    paths = []
    stack = [(root, [root], [])]
    while stack:
        node, nodes, partials = stack.pop()
        if node is x:
            paths.append((tuple(reversed(nodes)), tuple(reversed(partials))))
            continue
        for p, d in zip(node.parents, node.local_grads):
            if p.op != "const":
                stack.append((p, nodes + [p], partials + [d]))
    return paths


def test_a_diamond_has_two_paths_summing_to_the_gradient():
    x = Value(0.5, label="x")
    a, b = x.tanh(), x.exp()
    o = a * b
    o.label = "o"
    e = explain(o, x)
    assert e.count == 2 and len(e.paths) == 2
    assert e.total == grad(o, [x])[0]
    assert sum(p.product for p in e.paths) == pytest.approx(e.total, rel=1e-15)
    assert [abs(p.product) for p in e.paths] == sorted((abs(p.product) for p in e.paths), reverse=True)
    for path in e.paths:
        assert path.nodes[0] is x and path.nodes[-1] is o
        assert path.product == math.prod(path.partials)


def test_str_has_one_line_per_path_then_how_many_more_then_the_total():
    x = Value(1.0, label="x")
    o = (x * 2 + x * 3 + x.exp()); o.label = "o"
    text = str(explain(o, x, top=2))
    lines = text.splitlines()
    assert lines[0] == "∂o/∂x as a sum over 3 paths (the 2 with the largest |product| shown):"
    assert lines[1].startswith("  x → ") and lines[1].endswith(" = 3.0")
    assert lines[3] == "  … 1 more path"
    assert lines[4] == "total: 7.72"


def test_str_writes_factors_as_the_issue_does_three_digits_and_a_real_minus():
    x = Value(0.5, label="x")
    o = x.tanh() * -0.5; o.label = "o"
    (line,) = [ln for ln in str(explain(o, x)).splitlines() if "→" in ln]
    assert line == "  x → v1 → o: (0.786) × (−0.5) = −0.393"


def test_x_outside_the_graph_is_named_by_its_own_label():
    z = Value(2.0, label="z")
    assert str(explain(Value(1.0).exp(), z)).startswith("∂v1/∂z: no path leads from it")
    assert str(explain(Value(1.0).exp(), Value(2.0))).startswith("∂v1/∂x: no path")


@pytest.mark.parametrize("level", [lambda v: v + v, lambda v: v * 0.3 + v * 0.3, lambda v: v * v])
def test_paths_of_equal_products_are_followed_to_the_root_not_expanded_level_by_level(level, monkeypatch):
    # 2**60 paths, all with the same product: ranks tie (or differ by rounding alone). Each path
    # found is one descent of 60 steps pushing one sibling a step; a search expanding the ties a
    # level at a time pushes exponentially many, and is stopped here after a few thousand.
    x = Value(1.0, label="x")
    v = x
    for _ in range(60):
        v = level(v)
    pushes, heappush = [], heapq.heappush

    def push(heap, item):
        pushes.append(item)
        if len(pushes) > 5 * 60 * 2:
            raise AssertionError("explain expands tied paths level by level")
        heappush(heap, item)

    monkeypatch.setattr(importlib.import_module("autograd.explain").heapq, "heappush", push)
    e = explain(v, x, top=5)
    assert e.count == 2 ** 60 and len(e.paths) == 5
    first = e.paths[0]
    assert all(len(p.nodes) == len(first.nodes) > 60 and p.product == first.product for p in e.paths)


def test_shared_weight_and_skip_connection_paths_add_up():
    w, x = Value(0.3, label="w"), Value(1.5, label="x")
    h = (w * x).tanh()
    o = (w * h).tanh() + x           # w used twice; x reaches o directly (a skip connection)
    for leaf in (w, x):
        e = explain(o, leaf)
        brute = all_paths(o, leaf)
        assert e.count == len(brute)
        assert e.total == grad(o, [leaf])[0]
        assert sorted(abs(p.product) for p in e.paths) == sorted(abs(math.prod(d)) for _, d in brute)


def test_exponentially_many_paths_are_counted_not_listed():
    # 200 diamonds in a row: 2**200 paths. Counting, summing and the top 5 take linear time.
    x = Value(0.1, label="x")
    y = x
    for _ in range(200):
        y = y * 0.5 + y.sin() * 0.5
    e = explain(y, x, top=5)
    assert e.count == 2 ** 200
    assert len(e.paths) == 5
    assert e.total == grad(y, [x])[0]
    assert "… 1606938044258990275541962092341162602522202993782792835301371 more paths" in str(e)


def test_top_paths_are_the_largest_by_brute_force():
    x = Value(0.7, label="x")
    a, b, c = x.sin(), x * 3, x.exp()
    d = a * b + c
    o = d * a + (b * c).tanh() + d.exp()
    brute = sorted(abs(math.prod(p)) for _, p in all_paths(o, x))
    for top in range(len(brute) + 2):
        e = explain(o, x, top=top)
        assert [abs(p.product) for p in e.paths] == pytest.approx(brute[::-1][:top], rel=1e-15)


def size(product):
    return -1.0 if math.isnan(product) else abs(product)   # NaN ranks below every number


@pytest.mark.parametrize("build", [
    lambda x: x.sqrt() * 0.0 + x * 2.0,                    # the issue's: nan first, or 2.0 first,
    lambda x: x * 2.0 + x.sqrt() * 0.0,                    # by the operand order
    lambda x: (x * 2.0 + x.sqrt() * 0.0) * x.exp() + x.sqrt() * 3.0 + x * 0.5,
    lambda x: (x.sqrt() * 0.0).exp() * (x * 0.0 + x.sqrt()) + (x * 0.25 + x.sqrt() * 0.0).tanh(),
])
def test_nan_paths_rank_last_whatever_the_operand_order(build):
    # Regression (issue 19, item 14): the rank of a partial path multiplied inf by a bound of 0
    # (−inf × 0 = nan in the heap), so a NaN path came first or not by the order of the operands.
    x = Value(0.0, label="x")
    o = build(x)
    brute = sorted((size(math.prod(p)) for _, p in all_paths(o, x)), reverse=True)
    assert -1.0 in brute
    for top in range(len(brute) + 1):
        assert [size(p.product) for p in explain(o, x, top=top).paths] == brute[:top]


def test_generated_names_never_repeat_a_users_label_nor_two_labels_one_name():
    # Regression (issue 19, item 15): "v2 → v2 → v3", the user's v2 and the generated one.
    x = Value(0.5, label="v2")
    e = explain(x.tanh() * x.exp(), x)
    assert [ln.split(":")[0].strip() for ln in str(e).splitlines() if "→" in ln] == ["v2 → v1 → v3", "v2 → v2′ → v3"]
    a, b = Value(1.0, label="a"), Value(2.0, label="a")
    c = a * b
    c.label = "a′"
    e = explain(c * a, a)
    assert len(set(e.names.values())) == len(e.names) == 4    # a, a′ (the other a), a′′ (c), v3
    assert [e.names[v] for v in (a, b, c)] == ["a", "a′′", "a′"]


def test_x_not_in_the_graph_has_no_paths_and_total_zero():
    x, z = Value(1.0, label="x"), Value(2.0)
    o = z.exp()
    o.label = "o"
    e = explain(o, x)
    assert (e.count, e.total, e.paths) == (0, 0.0, [])
    assert "no path leads from it to the root" in str(e)


def test_x_is_the_root_one_empty_path():
    x = Value(1.0, label="x")
    e = explain(x, x)
    assert (e.count, e.total) == (1, 1.0) and e.paths[0].nodes == (x,) and e.paths[0].product == 1.0


def test_bad_arguments_are_sentences():
    x = Value(1.0)
    with pytest.raises(TypeError, match="explain: root must be a Value, got float"):
        explain(1.0, x)
    with pytest.raises(TypeError, match="explain: x must be a Value"):
        explain(x, "x")
    with pytest.raises(ValueError, match="explain: top must be an integer >= 0, got -1"):
        explain(x, x, top=-1)


@settings(max_examples=100)
@given(exprs())
def test_on_random_dags_total_equals_grad_and_count_equals_brute_force(expr):
    xs = expr.leaves()
    out = expr(*xs)
    gradients = grad(out, xs)
    for x, g in zip(xs, gradients):
        e = explain(out, x, top=3)
        assert abs(e.total - g) <= 1e-12 * (1 + abs(g))
        brute = all_paths(out, x)
        assert e.count == len(brute)
        largest = sorted((abs(math.prod(d)) for _, d in brute), reverse=True)[:3]
        assert [abs(p.product) for p in e.paths] == pytest.approx(largest, rel=1e-12)
        for path in e.paths:
            assert all(b in a.parents for a, b in itertools.pairwise(reversed(path.nodes)))
