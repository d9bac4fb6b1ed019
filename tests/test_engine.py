"""Unit and regression tests for the engine: one parametrized test per op row, then the bug
classes micrograd users hit (a node used twice, a diamond, a deep chain, backward called twice)."""

import asyncio
import functools
import math
import sys
import threading
from enum import IntEnum
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS, Op, Value, grad, is_grad_enabled, no_grad, register_op, topological_order
from autograd.engine import _start_backward
from autograd.strategies import exprs

BUILTIN_OPS = tuple(OPS)

CANDIDATES = (-1.7, -0.6, 0.3, 0.9, 2.2)
EXPONENTS = (2.0, 3.0, -1.0, 0.5, 1.5)


def sample_args(name):
    """Points inside each op's domain, away from its kinks: every op gets at least one."""
    op = OPS[name]
    if op.arity == 1:
        points = [(x,) for x in CANDIDATES]
    elif name == "**":
        points = [(x, n) for x in CANDIDATES for n in EXPONENTS]
    else:
        points = [(x, y) for x in CANDIDATES for y in CANDIDATES]
    points = [p for p in points if op.domain(*p) and not any(abs(a - k) < 1e-3 for a in p[:1] for k in op.kinks)]
    assert points, f"no sample point for {name}: widen CANDIDATES"
    return points


def apply(name, *args):
    """Apply an op to Values the way users do: a method, an operator, or ** with a number."""
    if name == "**":
        return args[0] ** args[1].data
    if name == "pow":
        return args[0] ** args[1]
    if name == "neg":
        return -args[0]
    binary = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}
    return binary[name](*args) if name in binary else getattr(args[0], name)()


def central_difference(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (up[i] - down[i])


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_value_and_partials_match_table_and_finite_differences(name):
    op = OPS[name]
    for args in sample_args(name):
        xs = [Value(a) for a in args]
        out = apply(name, *xs)
        assert out.op == name
        assert out.data == op.forward(*args)
        assert out.parents[0] is xs[0]
        diff = 1 if name == "**" else op.arity  # the exponent of ** is a constant
        for i in range(diff):
            numeric = central_difference(op.forward, args, i)
            assert out.local_grads[i] == pytest.approx(numeric, rel=1e-6, abs=1e-8), (name, args, i)


@pytest.mark.parametrize("name", sorted(n for n in OPS if OPS[n].kinks))
def test_kinks_have_derivative_zero_like_pytorch(name):
    for k in OPS[name].kinks:
        y = apply(name, Value(k))
        assert y.local_grads == (0.0,)


def test_reflected_operators_with_numbers_on_the_left():
    x = Value(2.0)
    cases = {"2 * x": (2 * x, 4.0, 2.0), "1 - x": (1 - x, -1.0, -1.0), "1 / x": (1 / x, 0.5, -0.25),
             "2 ** x": (2 ** x, 4.0, 4.0 * math.log(2)), "3 + x": (3 + x, 5.0, 1.0)}
    for text, (y, value, derivative) in cases.items():
        assert y.data == value, text
        (g,) = grad(y, [x])
        assert g == pytest.approx(derivative), text


def test_numbers_become_constant_leaves_and_builtin_abs_works():
    x = Value(-3.0)
    y = x * 2
    assert [p.op for p in y.parents] == ["", "const"]
    assert y.parents[1].data == 2.0
    assert abs(x).data == 3.0 and abs(x).op == "abs"
    assert (x ** 2).op == "**" and ((-x) ** Value(2.0)).op == "pow"


def test_value_exponent_gets_a_gradient():
    x, y = Value(2.0), Value(3.0)
    z = x ** y
    z.backward()
    assert z.data == 8.0
    assert x.grad == pytest.approx(12.0)
    assert y.grad == pytest.approx(8.0 * math.log(2.0))


def test_value_stores_floats_and_validates_type():
    assert Value(3).data == 3.0 and isinstance(Value(3).data, float)
    for number in (Fraction(1, 4), IntEnum("Size", "ONE")(1)):  # any real number but bool
        assert Value(number).data == float(number) and (Value(1.0) * number).parents[1].data == float(number)
    assert Value(1.5).grad == 0.0
    for bad in (True, "1.0", [1.0], None, 1j, object()):
        with pytest.raises(TypeError, match=type(bad).__name__):
            Value(bad)


def test_unsupported_operand_types_raise_type_error():
    for bad in ("a", None, [1], True):
        with pytest.raises(TypeError):
            Value(1.0) + bad
        with pytest.raises(TypeError):
            bad * Value(1.0)


def test_attributes_repr_and_labels():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    o = x * w
    assert x.op == "" and x.parents == () and x.local_grads == ()
    assert o.parents == (x, w) and o.local_grads == (-3.0, 2.0) and o.op == "*"
    o.label = "o"
    assert o.label == "o"
    with pytest.raises(AttributeError):
        o.parents = ()
    assert repr(Value(0.70710678)) == "Value(data=0.7071, grad=0)"
    assert not hasattr(x, "__dict__") and not hasattr(o, "__dict__")  # __slots__: no per-node dict
    with pytest.raises(AttributeError):
        o.typo = 1.0
    assert hash(x) != hash(Value(2.0)) and x != Value(2.0)  # identity, not value, equality


def test_issue_example():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    o = (x * w + b).tanh()
    o.backward()
    d = 1 - o.data ** 2
    assert (x.grad, w.grad, b.grad) == pytest.approx((d * -3.0, d * 2.0, d))
    (dx,) = grad(o, [x])
    assert dx == pytest.approx(x.grad)
    (dx,) = grad(o, [x], create_graph=True)
    (d2x,) = grad(dx, [x])
    # d/dx [(1 - tanh(u)^2) w] = -2 tanh(u) (1 - tanh(u)^2) w^2
    assert d2x == pytest.approx(-2 * o.data * d * 9.0)


# --- regressions: the bug classes of micrograd-like engines ---------------------------------

def test_node_used_twice_accumulates():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0
    a.grad = 0.0
    (a * a).backward()
    assert a.grad == 6.0


def test_diamond():
    x = Value(2.0)
    left, right = x * 3, x.exp()
    y = left * right  # x reaches y along two paths
    y.backward()
    assert x.grad == pytest.approx(3 * math.exp(2) + 6 * math.exp(2))


def test_node_reused_across_layers():
    w = Value(0.5)
    h = Value(1.0)
    for _ in range(4):  # the same weight in every "layer"
        h = (h * w).tanh()
    h.backward()
    numeric = central_difference(lambda v: _layers(v), [0.5], 0)
    assert w.grad == pytest.approx(numeric, rel=1e-6)


def _layers(w):
    h = 1.0
    for _ in range(4):
        h = math.tanh(h * w)
    return h


def test_million_node_chain_at_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert len(topological_order(y)) == 2_000_001  # the chain plus its constants


def test_backward_twice_doubles_leaves_exactly_and_never_compounds():
    x, w = Value(0.3), Value(-1.2)
    h = (x * w).tanh()
    y = h * h + h  # h is interior and used twice: stale interior grads would compound
    y.backward()
    first = (x.grad, w.grad, h.grad)
    y.backward()
    assert (x.grad, w.grad) == (2 * first[0], 2 * first[1])
    assert h.grad == first[2]  # interior: the latest backward's gradient


def test_second_backward_doubles_a_leaf_used_twice_exactly_like_pytorch():
    # Regression: backward() added each contribution to the leaf's .grad as it came, so the second
    # pass computed (0.30000000000000004 + 0.1) + 0.2 = 0.6; PyTorch sums a pass's contributions
    # first and adds the sum once: 0.30000000000000004 + 0.30000000000000004.
    w = Value(1.0)
    y = w * 0.1 + w * 0.2
    y.backward()
    assert w.grad == 0.30000000000000004
    y.backward()
    assert w.grad == 0.6000000000000001 == 2 * (0.1 + 0.2)
    torch = pytest.importorskip("torch")
    t = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    ty = t * 0.1 + t * 0.2
    ty.backward(retain_graph=True)
    ty.backward()
    assert t.grad.item() == w.grad


def test_backward_adds_its_sum_to_a_nonzero_grad_once():
    # With .grad already 1.0, the pass's sum 1e-16 + 1e-16 = 2e-16 is added once: 1.0 + 2e-16
    # rounds up, where adding each 1e-16 on its own would leave 1.0 twice.
    w = Value(1.0)
    w.grad = 1.0
    (w * 1e-16 + w * 1e-16).backward()
    assert w.grad == 1.0 + (1e-16 + 1e-16) == 1.0000000000000002


@given(exprs(), st.lists(st.floats(-10, 10), min_size=3, max_size=3))
def test_backward_adds_the_pass_sum_of_grad_to_each_leafs_earlier_grad(expr, earlier):
    # backward() on leaves holding earlier gradients leaves exactly earlier + grad()'s sum; the
    # `+ 0.0` is the 0.0 backward starts each sum from (it turns a sum of -0.0 into 0.0).
    xs = expr.leaves()
    out = expr(*xs)
    for x, g in zip(xs, earlier):
        x.grad = g
    want = [(g + 0.0) + x.grad for g, x in zip(grad(out, xs), xs)]
    out.backward()
    assert [x.grad for x in xs] == want
    out.backward()  # and a second pass adds the same sum again
    assert [x.grad for x in xs] == [w + (g + 0.0) for w, g in zip(want, grad(out, xs))]


@given(exprs(), st.floats(-10, 10))
def test_backward_steps_leaves_the_gradients_of_backward_bit_for_bit(expr, earlier):
    # backward_steps' docstring: exhausting it leaves exactly the gradients backward() would,
    # also on leaves that hold gradients from an earlier pass.
    from autograd import backward_steps

    grads = []
    for walk in (lambda out: out.backward(), lambda out: list(backward_steps(out))):
        xs = expr.leaves()
        out = expr(*xs)
        for x in xs:
            x.grad = earlier
        walk(out)
        walk(out)
        grads.append([v.grad for v in topological_order(out)])
    assert grads[0] == grads[1]


def test_backward_seed_gradient():
    x = Value(2.0)
    (x * x).backward(0.5)
    assert x.grad == 2.0


def test_topological_order_is_deterministic_and_left_to_right():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    z = (x * y) + x.tanh()
    order = topological_order(z)
    assert order[-1] is z
    assert [v.label or v.op for v in order] == ["x", "y", "*", "tanh", "+"]
    assert topological_order(z) == order
    seen = set()
    for v in order:
        assert all(p in seen for p in v.parents)
        seen.add(v)


def recursive_post_order(roots):
    """The order `topological_order` promises, written the obvious way (recursion: small graphs only)."""
    order, seen = [], set()

    def visit(v):
        seen.add(v)
        for p in v.parents:
            if p not in seen:
                visit(p)
        order.append(v)

    for root in roots:
        if root not in seen:
            visit(root)
    return order


BUILD = {"tanh": lambda x, y: x.tanh(), "*": lambda x, y: x * y, "+": lambda x, y: x + y, "* 2": lambda x, y: x * 2,
         "0.5 -": lambda x, y: 0.5 - x, "- x": lambda x, y: -x}
STEPS = st.lists(st.tuples(st.sampled_from(sorted(BUILD)), st.integers(0, 99), st.integers(0, 99)),
                 max_size=30)


@given(STEPS, st.lists(st.integers(0, 99), min_size=1, max_size=4))
def test_the_one_set_walk_keeps_depth_first_post_order_so_drawings_keep_their_ids(steps, roots):
    # Regression guard for the one-set walk that replaced two sets and a stack of every node: on
    # graphs with shared nodes, x * x, constants, leaf roots and repeated roots, the order is still
    # recursive depth-first post-order, first operand first (draw_dot names nodes by position).
    nodes = [Value(0.5, label="a"), Value(-0.25, label="b")]
    for op, i, j in steps:
        nodes.append(BUILD[op](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    roots = [nodes[r % len(nodes)] for r in roots]
    order = topological_order(*roots)
    assert order == recursive_post_order(roots)
    assert len(set(order)) == len(order)
    # backward's own walk (marks in .grad, no set) gives the same order, which backward_steps
    # names nodes by, and finds every leaf with its earlier .grad.
    for k, v in enumerate(nodes):
        v.grad = float(k)
    single = topological_order(roots[0])
    walk, leaves, earlier = _start_backward(roots[0], 1.0)
    assert walk == single
    assert leaves == [v for v in single if not v.parents]
    assert earlier == [float(nodes.index(v)) if v in nodes else 0.0 for v in leaves]  # constants held 0.0


def test_backward_resets_every_interior_grad_even_a_stale_one_set_by_hand():
    # Regression guard for backward's reset, now done by the graph walk as it emits each node:
    # every node with parents starts the pass at 0.0, the shared node h and the root included.
    x, w = Value(0.3), Value(-1.2)
    h = (x * w).tanh()
    y = h * h + h * 2.0
    nodes = topological_order(y)
    for v in nodes:
        v.grad = 123.0 if v.parents else 0.0
    y.backward()
    computed = [v for v in nodes if v.op != "const"]  # grad() gives a wrapped constant none
    assert [v.grad for v in computed] == list(grad(y, computed))
    (two,) = [v for v in nodes if v.op == "const"]
    assert two.grad == h.data


def test_backward_after_an_abandoned_backward_steps_walk_reaches_every_node():
    # Regression guard for backward's walk, which marks a node as reached by the identity of its
    # .grad: a walk left halfway (a backward_steps generator dropped after one step) leaves nodes
    # holding its mark, and the next pass must not take them for reached (each pass has its own).
    from autograd import backward_steps

    def graph():
        x = Value(0.7)
        h = (x * 2.0).tanh()
        return x, h * h + h.exp()

    x, y = graph()
    steps = backward_steps(y)
    next(steps)
    steps.close()
    y.backward()
    x_fresh, y_fresh = graph()
    y_fresh.backward()
    assert [v.grad for v in topological_order(y)] == [v.grad for v in topological_order(y_fresh)]


def test_a_number_operand_is_a_fresh_constant_leaf_whatever_its_type():
    # Regression guard for the fast path that makes a float operand's leaf without is_number and
    # _const: every number still becomes its own "const" leaf holding a plain float, drawn and
    # given a gradient like any node; a float subclass is stored as a float, not as itself.
    class Half(float):
        pass

    x = Value(3.0)
    for number in (0.5, 2, Fraction(1, 2), Half(0.5), IntEnum("Two", "ONE TWO")(2)):
        for y in (x * number, number * x, x + number, x / number):
            (const,) = [p for p in y.parents if p is not x]
            assert (const.op, const.label, const.parents, const.local_grads) == ("const", "", (), ())
            assert const.data == float(number) and const.data.__class__ is float, number
            assert const.grad == 0.0
    a, b = x * 0.5, x * 0.5
    assert a.parents[1] is not b.parents[1]  # one leaf per use, as drawings show them
    a.backward()
    assert a.parents[1].grad == 3.0 and x.grad == 0.5  # the constant's gradient is reported too
    with no_grad():
        assert (x * 0.5).data == 1.5 and (x * 0.5).parents == ()


# --- grad(): the vector–Jacobian product ------------------------------------------------------

def test_grad_returns_floats_and_leaves_dot_grad_alone():
    x, y = Value(2.0), Value(5.0)
    z = x * y
    gx, gy = grad(z, [x, y])
    assert (gx, gy) == (5.0, 2.0) and type(gx) is float
    assert x.grad == 0.0 and y.grad == 0.0 and z.grad == 0.0


def test_grad_of_unrelated_input_is_zero():
    x, u = Value(2.0), Value(1.0)
    assert grad(x * 3, [u]) == (0.0,)
    (g,) = grad(x * 3, [u], create_graph=True)
    assert isinstance(g, Value) and g.data == 0.0
    (g,) = grad(x + 1, [x], create_graph=True)  # only constant partials met: still a Value
    assert isinstance(g, Value) and g.data == 1.0


def test_grad_vector_jacobian_product_with_grad_outputs():
    x = Value(3.0)
    outs = [x * x, x.sin(), x]
    v = [2.0, -1.0, 0.5]
    (g,) = grad(outs, [x], grad_outputs=v)
    assert g == pytest.approx(2.0 * 6.0 - math.cos(3.0) + 0.5)
    with pytest.raises(ValueError, match="grad_outputs"):
        grad(outs, [x], grad_outputs=[1.0])
    with pytest.raises(TypeError, match="inputs"):
        grad(outs, [3.0])


def test_grad_with_respect_to_interior_node():
    x = Value(2.0)
    h = x * 3
    y = h * h
    assert grad(y, [h, x]) == (12.0, 36.0)


def test_higher_order_derivatives_of_x_cubed():
    x = Value(3.0)
    (d1,) = grad(x ** 3, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x], create_graph=True)
    (d4,) = grad(d3, [x])
    assert (d1.data, d2.data, d3.data, d4) == (27.0, 18.0, 6.0, 0.0)


def test_hessian_entries_and_hessian_vector_product():
    x, y = Value(0.7), Value(-0.4)
    f = (x * y).sin() + x ** 2 * y
    gx, gy = grad(f, [x, y], create_graph=True)
    hxx, hxy = grad(gx, [x, y])
    hyx, hyy = grad(gy, [x, y])
    s, c = math.sin(x.data * y.data), math.cos(x.data * y.data)
    assert hxx == pytest.approx(-s * y.data ** 2 + 2 * y.data)
    assert hxy == pytest.approx(c - s * x.data * y.data + 2 * x.data)
    assert hyx == pytest.approx(hxy)
    assert hyy == pytest.approx(-s * x.data ** 2)
    v = (0.3, -2.0)  # H v as the gradient of (grad f) · v
    hv = grad([gx, gy], [x, y], grad_outputs=v)
    assert hv == pytest.approx((hxx * v[0] + hxy * v[1], hyx * v[0] + hyy * v[1]))


def test_grad_outputs_given_as_values():
    x, v = Value(3.0), Value(2.0)
    y = x * x
    assert grad(y, [x], grad_outputs=[v]) == (12.0,)  # a float: v's value weighs the output
    (g,) = grad(y, [x], grad_outputs=[v], create_graph=True)  # a Value: differentiable in v too
    assert g.data == 12.0 and grad(g, [x, v]) == (4.0, 6.0)


def test_outputs_listed_twice_add_up_and_inputs_listed_twice_repeat():
    x = Value(1.5)
    y = x * x
    assert grad([y, y], [x], grad_outputs=[1.0, 0.5]) == (4.5,)
    assert grad(y, [x, x]) == (3.0, 3.0)
    gx, gx_again = grad(y, [x, x], create_graph=True)
    assert gx is gx_again and gx.data == 3.0


def test_grad_of_an_output_with_respect_to_itself_and_interior_nodes_with_create_graph():
    x = Value(2.0)
    h = x.exp()
    y = h * h
    assert grad(y, [y]) == (1.0,)
    gh, gx = grad(y, [h, x], create_graph=True)
    assert (gh.data, gx.data) == (2 * h.data, 2 * h.data * h.data)
    assert grad(gh, [x]) == pytest.approx((2 * h.data,), rel=1e-15)  # d(2 e^x)/dx


@pytest.mark.parametrize("name", sorted(OPS))
def test_create_graph_gives_the_same_first_derivatives_for_every_op(name):
    for args in sample_args(name):
        xs = [Value(a) for a in args]
        out = apply(name, *xs)
        first = grad(out, xs)
        again = grad(out, xs, create_graph=True)
        assert all(isinstance(g, Value) for g in again)
        assert [g.data for g in again] == pytest.approx(first, rel=1e-15, abs=0), (name, args)


@pytest.mark.parametrize("name", sorted(n for n in OPS if OPS[n].kinks))
def test_create_graph_at_a_kink_is_zero_like_pytorch(name):
    for k in OPS[name].kinks:
        x = Value(k)
        (d,) = grad(apply(name, x), [x], create_graph=True)
        assert d.data == 0.0 and grad(d, [x]) == (0.0,)


# --- no_grad ----------------------------------------------------------------------------------

def test_no_grad_records_nothing_and_nests():
    x = Value(2.0)
    with no_grad():
        y = x * 3
        with no_grad():
            z = y.tanh()
        w = z + x
        assert not is_grad_enabled()
    assert is_grad_enabled()
    for v in (y, z, w):
        assert v.parents == () and v.op == ""
    assert (x * 3).parents[0] is x


def test_no_grad_decorates_a_function_like_pytorch():
    @no_grad()
    def evaluate(v, fail=False):
        """Evaluate without recording."""
        if fail:
            raise KeyError("inside")
        return v * 2, is_grad_enabled()

    x = Value(1.0)
    y, enabled = evaluate(x)
    assert y.parents == () and not enabled and is_grad_enabled()
    assert (evaluate.__name__, evaluate.__doc__) == ("evaluate", "Evaluate without recording.")
    with pytest.raises(KeyError):
        evaluate(x, fail=True)
    assert is_grad_enabled()  # restored after an exception too
    seen = []  # one decorated function called from many threads at once: each call has its own switch
    threads = [threading.Thread(target=lambda: seen.append(evaluate(x)[1])) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [False] * 8 and is_grad_enabled()


def test_grad_with_create_graph_inside_no_grad_is_an_error_not_a_silent_zero():
    x = Value(2.0)
    y = x ** 3
    with no_grad():
        assert grad(y, [x]) == (12.0,)  # plain gradients need no graph
        with pytest.raises(RuntimeError, match=r"grad: create_graph=True inside no_grad\(\)"):
            grad(y, [x], create_graph=True)


def test_no_grad_is_per_thread():
    seen = {}
    inside, release = threading.Event(), threading.Event()

    def worker():
        with no_grad():
            inside.set()
            release.wait(5)
            seen["worker"] = is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main"] = is_grad_enabled()
    release.set()
    t.join()
    assert seen == {"main": True, "worker": False}


def test_a_shared_no_grad_entered_by_two_threads_restores_each_thread():
    # Regression: the instance kept a stack of ContextVar tokens; thread B's token was popped by
    # thread A's exit ("Token was created in a different Context"), and both threads stayed off.
    ng, errors, seen = no_grad(), [], {}
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def run(name, before, after):  # enter once `before` is set, exit once `after` is set
        try:
            before.wait(5)
            with ng:
                (a_in if name == "A" else b_in).set()
                after.wait(5)
                seen[name, "inside"] = is_grad_enabled()
            seen[name, "after"] = is_grad_enabled()
        except Exception as e:  # noqa: BLE001 -- reported by the assertion below
            errors.append(e)
        finally:
            if name == "A":
                a_out.set()

    go = threading.Event()
    go.set()
    # The interleaving is forced: A enters; B enters; A exits; B exits.
    a = threading.Thread(target=run, args=("A", go, b_in))
    b = threading.Thread(target=run, args=("B", a_in, a_out))
    a.start(), b.start()
    a.join(10), b.join(10)
    assert errors == []
    assert seen == {("A", "inside"): False, ("B", "inside"): False, ("A", "after"): True, ("B", "after"): True}
    assert is_grad_enabled()


def run_async(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop running in
    the main thread for the whole session, and asyncio.run refuses to start inside a running loop."""
    result = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(coroutine)))
    thread.start()
    thread.join()
    assert result, "the coroutine raised (see the thread's traceback above)"
    return result[0]


def test_a_shared_no_grad_entered_by_two_asyncio_tasks_restores_each_task():
    ng, seen = no_grad(), {}

    async def main():
        a_in, b_in, a_out = asyncio.Event(), asyncio.Event(), asyncio.Event()

        async def run(name, before, after, entered):
            await before.wait()
            with ng:
                entered.set()
                await after.wait()
                seen[name, "inside"] = is_grad_enabled()
            seen[name, "after"] = is_grad_enabled()
            if name == "A":
                a_out.set()

        go = asyncio.Event()
        go.set()
        # A enters; B enters (A is waiting inside); A exits; B exits.
        await asyncio.gather(run("A", go, b_in, a_in), run("B", a_in, a_out, b_in))
        seen["main"] = is_grad_enabled()

    run_async(main())
    assert seen == {("A", "inside"): False, ("B", "inside"): False, ("A", "after"): True,
                    ("B", "after"): True, "main": True}


def test_a_shared_no_grad_nests_within_one_thread():
    ng = no_grad()
    with ng:
        with ng:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_exit_without_enter_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"no_grad: __exit__ without a matching __enter__"):
        no_grad().__exit__(None, None, None)
    assert is_grad_enabled()


def test_no_grad_decorates_a_coroutine_function_and_refuses_a_generator_function():
    @no_grad()
    async def evaluate(v):
        await asyncio.sleep(0)
        return v * 2, is_grad_enabled()

    async def main():
        # Another task keeps recording while `evaluate` waits inside no_grad.
        (y, enabled), other = await asyncio.gather(evaluate(Value(1.0)), recording())
        return y, enabled, other

    async def recording():
        await asyncio.sleep(0)
        return is_grad_enabled()

    y, enabled, other = run_async(main())
    assert y.parents == () and not enabled and other and is_grad_enabled()

    def numbers():
        yield Value(1.0) * 2

    with pytest.raises(TypeError, match=r"no_grad: cannot decorate the generator function .*numbers"):
        no_grad()(numbers)


def test_a_partial_of_a_generator_function_gets_the_generator_sentence():
    # Regression: AttributeError: __qualname__ (inspect sees through functools.partial; the message did not).
    def numbers(n):
        yield Value(1.0) * n

    for fn in (functools.partial(numbers, 2), functools.partial(functools.partial(numbers), 2)):
        with pytest.raises(TypeError) as e:
            no_grad()(fn)
        assert str(e.value) == ("no_grad: cannot decorate the generator function test_a_partial_of_a_generator_function_gets_"
                                "the_generator_sentence.<locals>.numbers: its body runs between yields in the caller's "
                                "context; use `with no_grad():` inside it")
    half = no_grad()(functools.partial(lambda v, k: (v * k, is_grad_enabled()), k=3.0))  # not a generator: decorated
    assert half(Value(1.0))[0].parents == () and half(Value(1.0))[1] is False and is_grad_enabled()


def test_bare_no_grad_decorates_as_in_pytorch():
    # Regression: `@no_grad` without parentheses said "no_grad() takes no arguments".
    @no_grad
    def evaluate(v):
        """Doc."""
        return v.tanh(), is_grad_enabled()

    y, enabled = evaluate(Value(0.5))
    assert y.parents == () and enabled is False and is_grad_enabled()
    assert evaluate.__name__ == "evaluate" and evaluate.__doc__ == "Doc."
    assert isinstance(no_grad(), no_grad) and isinstance(no_grad(None), no_grad)
    with pytest.raises(TypeError, match=r"^no_grad: can decorate a function, got int: 5; as a context manager, write "
                                        r"`with no_grad\(\):`$"):
        no_grad(5)
    with pytest.raises(TypeError, match=r"^no_grad: cannot decorate the generator function"):
        no_grad(functools.partial(lambda: (yield)))


# --- errors: clear, specific, never a bare assert, never silent NaN ---------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: Value(-1.0).log(), ValueError, r"log: input must be > 0, got -1\.0"),
    (lambda: Value(0.0).log(), ValueError, r"log: input must be > 0, got 0\.0"),
    (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt: input must be >= 0, got -4\.0"),
    (lambda: Value(1.0) / 0, ZeroDivisionError, r"/: division by zero"),
    (lambda: 1 / Value(0.0), ZeroDivisionError, r"/: division by zero"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, r"\*\*: 0\.0 cannot be raised to a negative power"),
    (lambda: Value(-2.0) ** 0.5, ValueError, r"\*\*: a negative base needs an integer exponent"),
    (lambda: Value(-2.0) ** Value(2.0), ValueError, r"pow: the base must be > 0"),
    (lambda: Value(1000.0).exp(), OverflowError, r"exp: result overflows .* 1000\.0"),
    (lambda: Value(10.0) ** 400, OverflowError, r"\*\*: result overflows"),
    (lambda: Value(10 ** 400), OverflowError, r"Value: int of about 10\*\*400 is too large for a float"),
    (lambda: Value(Fraction(10 ** 400, 3)), OverflowError, r"Value: Fraction of about 10\*\*400 is too large"),
    (lambda: Value(1.0) * 10 ** 400, OverflowError, r"\*: int of about 10\*\*400 is too large for a float"),
    (lambda: 10 ** 400 - Value(1.0), OverflowError, r"-: int of about 10\*\*400 is too large for a float"),
    (lambda: Value(2.0) ** 10 ** 400, OverflowError, r"\*\*: int of about 10\*\*400 is too large"),
    # Regression (issue 19, item 21): a bare "math domain error" before
    (lambda: Value(math.inf).sin(), ValueError, r"sin: input must be finite, got inf"),
    (lambda: Value(-math.inf).cos(), ValueError, r"cos: input must be finite, got -inf"),
    (lambda: Value(1.0, label=3), TypeError, r"Value: label must be a str, got int: 3"),
    (lambda: Value(1.0).backward("1"), TypeError, r"backward: grad must be a real number, got str: '1'"),
    (lambda: Value(1.0).backward(Value(1.0)), TypeError, r"backward: grad must be a real number, got Value: .*; pass its \.data"),
    (lambda: Value(1.0).backward(True), TypeError, r"backward: grad must be a real number, got bool"),
    (lambda: grad(Value(1.0), [Value(1.0)], grad_outputs=[None]), TypeError,
     r"grad: grad_outputs\[0\] must be a real number, got NoneType: None"),
    (lambda: grad(Value(1.0), 2.0), TypeError, r"grad: inputs must be a Value or a sequence of Values, got float: 2\.0"),
    (lambda: grad("x", [Value(1.0)]), TypeError, r"grad: outputs must be a Value or a sequence of Values, got str"),
    (lambda: topological_order(Value(1.0), 2.0), TypeError, r"topological_order: roots must be Values, got float: 2\.0"),
])
def test_bad_input_errors_name_the_op_and_value(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_negative_base_integer_exponent_is_real():
    y = Value(-2.0) ** 3
    y.backward()
    assert y.data == -8.0 and y.parents[0].grad == 12.0


def test_tanh_and_sigmoid_do_not_overflow():
    for x, t, s in ((1000.0, 1.0, 1.0), (-1000.0, -1.0, 0.0)):
        a, b = Value(x), Value(x)
        ta, sb = a.tanh(), b.sigmoid()
        ta.backward()
        sb.backward()
        assert (ta.data, sb.data) == (t, s)
        assert math.isfinite(a.grad) and math.isfinite(b.grad)


def test_infinite_derivatives_are_inf_like_pytorch_not_errors():
    assert Value(0.0).sqrt().local_grads == (math.inf,)
    assert (Value(0.0) ** 0.5).local_grads == (math.inf, 0.0)
    assert (Value(0.0) ** 0).local_grads == (0.0, 0.0)
    assert (Value(0.0) ** 2).local_grads == (0.0, 0.0)
    assert (Value(1e-194) ** -1).local_grads == (-math.inf, 0.0)  # x ** -2 overflows
    assert (Value(-1e-120) ** -2).local_grads == (math.inf, 0.0)  # -2 x ** -3 overflows


@pytest.mark.parametrize("n", [0.5, 0.3, 1e-8, -0.5, Value(0.5)])
def test_fractional_and_negative_powers_at_infinity_have_slope_zero_like_pytorch(n):
    # Regression (issue 19, item 19): n * out / x was inf / inf = nan at x = inf.
    x = Value(math.inf)
    assert grad(x ** n, [x]) == (0.0,)
    (d,) = grad(x ** n, [x], create_graph=True)
    assert d.data == 0.0


def test_second_derivative_of_x_to_the_1_5_at_infinity_is_zero_like_pytorch():
    x = Value(math.inf)   # 0.75 / sqrt(x): 0 (it was nan, from the slope of x ** 0.5 at inf)
    (d,) = grad(x ** 1.5, [x], create_graph=True)
    assert d.data == math.inf and grad(d, [x]) == (0.0,)


def test_relu_passes_nan_through_like_every_op_and_pytorch():
    # Regression (issue 19, item 20): relu(nan) was 0.0. PyTorch: nan, with slope 1.
    x = Value(math.nan)
    y = x.relu()
    assert math.isnan(y.data) and y.local_grads == (1.0,)
    assert [Value(v).relu().data for v in (-0.0, 0.0, -2.0, 3.0)] == [0.0, 0.0, 0.0, 3.0]
    assert [Value(v).relu().local_grads for v in (0.0, -2.0, 3.0)] == [(0.0,), (0.0,), (1.0,)]


@pytest.mark.parametrize("x", [1e-300, 1e-200, 1e-20, 0.3, 2.0])
def test_second_derivative_of_x_to_the_x_is_finite_where_it_is(x):
    # Regression (issue 19, item 22): at 1e-300 the base partial's own slope, (x-1) x^(x-2), is a
    # stored -1e600 = -inf, though the terms it meets cancel: x^x ((1 + ln x)^2 + 1/x) = 1e300.
    v = Value(x)
    (d,) = grad(v ** v, [v], create_graph=True)
    assert d.data == grad(v ** v, [v])[0]                       # the value of the partial to the last bit
    exact = x ** x * ((1 + math.log(x)) ** 2 + 1 / x)
    assert grad(d, [v])[0] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("x", [2.2250738585072014e-308, 2.225073858507201e-308, 1e-308, 1e-310, 5e-324])
def test_second_derivative_of_x_to_the_x_at_a_subnormal_is_its_analytic_value_or_inf(x):
    # Regression: below the smallest normal float the base partial's two slopes, ≈ 1/x from the
    # exponent and -1/x from the base, overflow: nan at 1e-310 and 5e-324, inf at 1e-308 (1e308).
    v = Value(x)
    (d,) = grad(v ** v, [v], create_graph=True)
    assert d.data == pytest.approx(grad(v ** v, [v])[0], rel=1e-12)
    exact = x ** x * ((1 + math.log(x)) ** 2 + 1 / x)   # ≈ 1/x, inf below 5.6e-309
    assert grad(d, [v])[0] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("x, y", [(2.0, math.inf), (math.inf, 2.0), (math.inf, 0.5), (1.0, -math.inf), (1e300, 1.0)])
def test_create_graph_powers_at_infinity_match_the_float_path(x, y):
    # x ** y's base partial on Values is exp(m ln x) plus a constant (see the test above): where x
    # or m is infinite that constant is inf - inf, so the plain power is kept there.
    a, b = Value(x), Value(y)
    built = [g.data for g in grad(a ** b, [a, b], create_graph=True)]
    assert built == list(grad(a ** b, [a, b]))


def test_zero_to_a_nan_power_has_a_nan_slope_like_pytorch_on_both_paths():
    # The slope at x = 0 for 0 < n < 1 is inf; for n = nan it was inf on floats, nan on Values.
    x = Value(0.0)
    assert math.isnan(grad(x ** math.nan, [x])[0]) and math.isnan(grad(x ** math.nan, [x], create_graph=True)[0].data)


def test_second_derivative_of_square_at_zero():
    x = Value(0.0)
    (d,) = grad(x ** 2, [x], create_graph=True)
    assert grad(d, [x]) == (2.0,)


def test_power_derivative_where_the_power_underflows():
    # x ** n underflows to 0 (or a subnormal) long before n x^(n-1) does: the slope must not vanish.
    for x, n in ((1e-200, 2.0), (1e-110, 3.0), (-1e-160, 2.0), (1e-170, 1.5)):
        assert (Value(x) ** n).local_grads[0] == pytest.approx(n * x ** (n - 1), rel=1e-15), (x, n)
        if x > 0:  # a Value exponent needs a positive base
            assert (Value(x) ** Value(n)).local_grads[0] == pytest.approx(n * x ** (n - 1), rel=1e-15), (x, n)


@pytest.mark.parametrize("n, slope, curvature", [(0, 0.0, 0.0), (1, 1.0, 0.0), (2, 0.0, 2.0), (3, 0.0, 0.0)])
def test_create_graph_powers_at_zero(n, slope, curvature):
    x = Value(0.0)
    (d,) = grad(x ** n, [x], create_graph=True)
    assert isinstance(d, Value) and d.data == slope
    assert grad(d, [x]) == (curvature,)


def test_create_graph_square_root_power_at_zero_is_inf_like_the_float_path():
    x = Value(0.0)
    (d,) = grad(x ** 0.5, [x], create_graph=True)
    assert d.data == math.inf == grad(x ** 0.5, [x])[0]


@pytest.mark.parametrize("n", [math.inf, -math.inf, math.nan])
def test_negative_base_with_a_non_finite_exponent_is_a_clear_error(n):
    with pytest.raises(ValueError, match=r"\*\*: a negative base needs an integer exponent .* got -2\.0 \*\* -?(inf|nan)"):
        Value(-2.0) ** n


# --- adding an op ----------------------------------------------------------------------------

@pytest.fixture
def atan():
    yield register_op("atan_test", Op(math.atan, lambda x, out: (1 / (1 + x * x),)))
    del OPS["atan_test"]
    delattr(Value, "atan_test")


def test_register_op_adds_a_row_and_a_method(atan):
    x = Value(0.5)
    y = x.atan_test()
    assert y.op == "atan_test" and "atan_test" in OPS and y.data == math.atan(0.5)
    y.backward()
    assert x.grad == 1 / 1.25
    (d,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d, [x])
    assert d2 == pytest.approx(-2 * 0.5 / 1.25 ** 2)
    assert atan(Value(2.0)).data == math.atan(2.0)
    with pytest.raises(ValueError, match="exists already"):
        register_op("atan_test", OPS["atan_test"])
    with pytest.raises(ValueError, match="one or two inputs"):
        register_op("fma", Op(lambda a, b, c: a * b + c, lambda a, b, c, out: (b, a, 1.0)))
    square = Op(lambda x: x * x, lambda x, out: (2 * x,))
    for taken in ("data", "backward", "parents", "__add__"):
        with pytest.raises(ValueError, match=rf"register_op: '{taken}' is already a Value attribute"):
            register_op(taken, square)
    for bad in ("", None):
        with pytest.raises(TypeError, match=r"register_op: name must be a non-empty str"):
            register_op(bad, square)
    assert set(OPS) == {*BUILTIN_OPS, "atan_test"} and callable(Value.backward)  # nothing half-registered


def test_register_op_with_two_inputs_becomes_a_method_taking_the_other():
    hypot = register_op("hypot_test", Op(math.hypot, lambda x, y, out: (x / out, y / out)))
    try:
        x, y = Value(3.0), Value(4.0)
        z = x.hypot_test(y)
        z.backward()
        assert (z.data, x.grad, y.grad) == (5.0, 0.6, 0.8)
        assert hypot(x, 4).data == 5.0
    finally:
        del OPS["hypot_test"]
        delattr(Value, "hypot_test")


class _Slope:
    """A partials rule written as a callable object."""

    def __call__(self, x, out):
        return (2.0,)


def test_op_arity_reads_a_callable_object_rule(user_op):
    # Regression: arity read partials.__code__, which a callable object has not (a bare AttributeError).
    op = Op(lambda x: 2.0 * x, _Slope())
    assert op.arity == 1
    double = user_op("double_rule_object", op)
    x = Value(3.0)
    y = double(x)
    y.backward()
    assert (y.data, x.grad) == (6.0, 2.0)


@pytest.mark.parametrize("rule, message", [
    # Regression: a *args rule gave "takes -1"; a default silently made a unary op binary.
    (lambda *args: (1.0,), r"has a \*args parameter \(\*args\)"),
    (lambda x, **kw: (1.0,), r"has a \*\*kwargs parameter"),
    (lambda x, *, out: (1.0,), r"has a keyword-only parameter \(out\)"),
    (lambda x, out, scale=2.0: (scale,), r"parameter 'scale' has a default \(scale=2\.0\), which would make it count as an input"),
    (lambda out: (1.0,), r"must take the op's inputs and then out, got 1 parameter"),
    (3.0, r"partials must be a function \(inputs\.\.\., out\) -> tuple, got float: 3\.0"),
])
def test_register_op_refuses_a_rule_whose_arity_cannot_be_read(rule, message):
    with pytest.raises(TypeError, match=r"^register_op\('bad_rule'\): .*" + message):
        register_op("bad_rule", Op(math.sin, rule))
    with pytest.raises(TypeError, match=r"^Op: .*" + message):
        _ = Op(math.sin, rule).arity
    assert "bad_rule" not in OPS and not hasattr(Value, "bad_rule")


def test_register_op_refuses_a_forward_or_domain_that_cannot_take_the_inputs():
    with pytest.raises(TypeError, match=r"register_op\('bad_forward'\): forward cannot take 1 input\(s\)"):
        register_op("bad_forward", Op(lambda x, y: x, lambda x, out: (1.0,)))
    with pytest.raises(TypeError, match=r"register_op\('bad_domain'\): domain cannot take 2 input\(s\)"):
        register_op("bad_domain", Op(math.hypot, lambda x, y, out: (1.0, 1.0), domain=lambda x: True))
    with pytest.raises(TypeError, match=r"register_op\('bad_forward'\): forward must be a function"):
        register_op("bad_forward", Op(None, lambda x, out: (1.0,)))
    assert set(OPS) == set(BUILTIN_OPS)
