"""Forward mode (`autograd.jvp`) and the functional API (`autograd.functional`): unit tests, and
properties over random DAGs (forward Jacobian = reverse Jacobian, hvp = Hessian · v, Hessian
symmetric)."""

import math
import random
import re
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad, jvp, no_grad, topological_order
from autograd.functional import hessian, hvp, jacobian
from autograd.functional import jvp as fjvp
from autograd.functional import vjp as fvjp
from autograd.strategies import exprs


def close(a, b):
    # The bound of the issue: the same paths added in different orders.
    return abs(a - b) <= 1e-12 * (1 + abs(a) + abs(b))


# --- engine.jvp -------------------------------------------------------------------------------

def test_jvp_of_a_diamond_is_the_sum_over_both_paths():
    x = Value(0.5)
    a, b = x.tanh(), x.exp()
    o = a * b
    (t,) = jvp(o, [x], [1.0])
    assert close(t, (1 - math.tanh(0.5) ** 2) * math.exp(0.5) + math.tanh(0.5) * math.exp(0.5))
    assert close(t, grad(o, [x])[0])


def test_jvp_is_the_transpose_of_grad_with_interior_inputs():
    # <v, J u> == <J^T v, u> with an interior node among the inputs: its tangent adds to what
    # flows into it from x, exactly as grad's gradient of x includes the paths through it.
    x, y = Value(0.7), Value(-1.2)
    u = x * y
    outs = [u.tanh() * x + u, (u + y).exp()]
    inputs, tangents, weights = [x, u, y], [0.3, -0.7, 1.1], [0.4, -2.0]
    forward = sum(w * t for w, t in zip(weights, jvp(outs, inputs, tangents)))
    reverse = sum(g * t for g, t in zip(grad(outs, inputs, weights), tangents))
    assert close(forward, reverse)


def test_jvp_x_times_x_counts_both_edges():
    x = Value(3.0)
    assert jvp(x * x, [x], [1.0]) == (6.0,)


def test_jvp_of_an_input_that_is_an_output_is_its_tangent():
    x = Value(2.0)
    y = x * 3
    assert jvp([x, y], [x], [0.5]) == (0.5, 1.5)
    assert jvp(y, [y], [2.0]) == (2.0,)


def test_jvp_unreached_output_and_unused_input_are_zero():
    x, z = Value(1.0), Value(2.0)
    assert jvp([z.exp(), x * 2], [x, Value(5.0)], [1.0, 1.0]) == (0.0, 2.0)


def test_a_wrapped_constant_asked_for_gets_backwards_gradient_in_grad_jvp_and_explain():
    # Regression (issue 19, item 18): grad(root, [c]) gave 0.0 for the constant of x * 3.0 while
    # backward() gave c.grad == 2.0; jvp, its transpose, and explain, its sum over paths, agree.
    from autograd import explain
    x = Value(2.0)
    y = (x * 3.0).tanh() + x
    c = y.parents[0].parents[0].parents[1]
    assert c.op == "const"
    y.backward()
    assert c.grad != 0.0
    assert grad(y, [c]) == (c.grad,) == jvp(y, [c], [1.0]) == (explain(y, c).total,)
    assert grad(y, [x, c]) == (x.grad, c.grad)   # asking for a constant leaves the others' alone
    (dc,) = grad(y, [c], create_graph=True)      # as a Value too (a constant is a float inside it)
    assert dc.data == c.grad
    assert jvp(y, [c], [1.0], create_graph=True)[0].data == c.grad


def test_jvp_leaves_grad_untouched():
    x = Value(2.0)
    y = x.exp() * x
    jvp(y, [x], [1.0])
    assert x.grad == 0.0 and y.grad == 0.0


def test_jvp_through_an_infinite_partial_no_input_reaches_is_not_nan():
    # sqrt at 0 stores an infinite partial; no tangent reaches it, so nothing is multiplied by it
    # (0 × inf would be NaN), and its consumer gets x's tangent alone.
    x = Value(2.0)
    y = Value(0.0).sqrt() * 3 + x
    assert y.parents[0].parents[0].local_grads == (math.inf,)
    assert jvp(y, [x], [1.0]) == (1.0,)


def test_a_zero_tangent_or_weight_contributes_nothing_so_an_infinite_partial_makes_no_nan():
    # Regression (issue 19, item 11): every input is seeded in jacobian(mode="forward"), most
    # with 0, and 0 × sqrt's inf at 0 made [[inf, nan]] where reverse mode gives [[inf, 1.0]].
    f = lambda x, y: x.sqrt() + y
    assert jacobian(f, [0.0, 1.0], mode="forward") == jacobian(f, [0.0, 1.0]) == [[math.inf, 1.0]]
    x, y = Value(0.0), Value(1.0)
    z = x.sqrt() + y
    assert jvp(z, [x, y], [0.0, 1.0]) == (1.0,) == (jvp(z, [x, y], [-0.0, 1.0], create_graph=True)[0].data,)
    # grad, its transpose: an output weighted 0 passes nothing back through its infinite partial
    assert grad([x.sqrt(), y * 2.0], [x, y], [0.0, 1.0]) == (0.0, 2.0)


def test_jvp_after_jvp_on_the_same_graph_starts_afresh():
    # Nothing of one call may reach the next: a later call with other inputs, other outputs, or
    # a subgraph gets what a fresh graph would.
    x, y = Value(0.3), Value(-0.7)
    u = (x * y).tanh()
    out = u * x + y.exp()
    assert jvp(out, [x], [1.0]) == grad(out, [x])
    assert jvp(out, [y], [1.0]) == grad(out, [y])
    assert jvp(u, [y, x], [1.0, 0.0]) == grad(u, [y])
    assert jvp([out, u], [u], [2.0]) == (2.0 * x.data, 2.0)


def test_jvp_grad_and_topological_order_on_one_graph_from_many_threads():
    # They only read the graph (marks and sums live in each call's own set and dicts): with a
    # thread switch forced every microsecond, every thread gets the single-threaded answer. Marks
    # kept on the nodes, as backward() keeps them in .grad, would fail this without a lock.
    rng = random.Random(0)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(6)]
    nodes = list(xs)
    for _ in range(3000):  # a DAG full of shared nodes: every node feeds many later ones
        a, b = rng.choice(nodes[-50:]), rng.choice(nodes)
        nodes.append((a * b + a).tanh())
    out = nodes[-1]
    tangents = [rng.uniform(-1, 1) for _ in xs]
    want = (jvp(out, xs, tangents), grad(out, xs), topological_order(out))
    got, errors = [], []

    def work():
        try:
            for _ in range(5):
                got.append((jvp(out, xs, tangents), grad(out, xs), topological_order(out)))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors and len(got) == 20
    assert all(g == want for g in got)


def test_jvp_create_graph_gives_values_that_differentiate_again():
    x = Value(0.8)
    y = x.sin() * x ** 3
    (t,) = jvp(y, [x], [1.0], create_graph=True)
    assert isinstance(t, Value)
    (dy,) = grad(y, [x], create_graph=True)
    assert close(t.data, dy.data)
    assert close(grad(t, [x])[0], grad(dy, [x])[0])  # grad of jvp == grad of grad
    (c,) = jvp(x + 1, [x], [1.0], create_graph=True)   # a constant partial: still a Value
    assert isinstance(c, Value) and c.data == 1.0


def test_jvp_of_grad_is_a_hessian_vector_product():
    x, y = Value(0.5), Value(-1.5)
    f = x.sin() * y ** 3
    gx, gy = grad(f, [x, y], create_graph=True)
    hv = jvp([gx, gy], [x, y], [1.0, 2.0])
    hxx, hxy = grad(gx, [x, y])
    hyx, hyy = grad(gy, [x, y])
    assert close(hv[0], hxx + 2 * hxy) and close(hv[1], hyx + 2 * hyy)


def test_jvp_value_tangent_under_create_graph_is_differentiated_through():
    x, s = Value(2.0), Value(3.0)
    (t,) = jvp(x * x, [x], [s], create_graph=True)   # 2x * s
    assert t.data == 12.0 and grad(t, [s]) == (4.0,)
    assert jvp(x * x, [x], [s]) == (12.0,)          # without create_graph: its value


@pytest.mark.parametrize("call, error, message", [
    (lambda x: jvp(x, [x], [1.0, 2.0]), ValueError, "jvp: got 2 tangents for 1 inputs"),
    (lambda x: jvp(x, [x], ["1"]), TypeError, "jvp: tangents[0] must be a real number, got str"),
    (lambda x: jvp(x, [x], "1"), TypeError, "jvp: tangents must be a number or a sequence"),
    (lambda x: jvp(x, [2.0], [1.0]), TypeError, "jvp: inputs must be Values, got float"),
    (lambda x: jvp(3.0, [x], [1.0]), TypeError, "jvp: outputs must be a Value or a sequence of Values"),
    (lambda x: jvp(x, [x], [True]), TypeError, "jvp: tangents[0] must be a real number, got bool"),
    # grad checks its weights with the same code: the same sentences
    (lambda x: grad(x, [x], object()), TypeError, "grad: grad_outputs must be a number or a sequence"),
    (lambda x: grad(x, [x], [1.0, 2.0]), ValueError, "grad: got 2 grad_outputs for 1 outputs"),
])
def test_jvp_bad_arguments_are_sentences(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call(Value(1.0))


def test_dicts_sets_and_0d_arrays_are_refused_with_a_sentence_not_read_as_numbers():
    # Regression (issue 19, items 16 and 17): a dict's keys were read as the tangents or weights
    # (jvp(y, [x], {x: 1.0}) gave 8.0, grad(y, [x], {y: 1.0}) 16.0: a Value key read as a number),
    # and a 0-d array raised NumPy's bare "iteration over a 0-d array". One check in _checks says
    # what is wrong, for every argument that takes a sequence.
    import numpy as np
    x = Value(2.0)
    y = x * x
    for call, message in [
        (lambda: jvp(y, [x], {x: 1.0}), "jvp: tangents must be a number or a sequence of numbers, one per input, "
                                       "got dict: {Value(data=2, grad=0): 1.0} (a dict is not read by key"),
        (lambda: grad(y, [x], {y: 1.0}), "grad: grad_outputs must be a number or a sequence of numbers, one per "
                                        "output, got dict"),
        (lambda: grad({y: 1.0}, [x]), "grad: outputs must be a Value or a sequence of Values, got dict"),
        (lambda: grad(y, {x}), "grad: inputs must be a Value or a sequence of Values, got set: {Value(data=2, grad=0)} "
                               "(a set has no order"),
        (lambda: jvp(y, [x], np.array(1.0)), "jvp: tangents must be a number or a sequence of numbers, one per "
                                             "input, got ndarray: array(1.) (a 0-d array or tensor holds one number: "
                                             "pass x.item())"),
        (lambda: fjvp(lambda a: a * a, [2.0], {0: 1.0}), "jvp: v must be a sequence of numbers, one per input, got dict"),
        (lambda: fvjp(lambda a: a * a, {2.0: 0}), "vjp: inputs must be a number or a sequence of numbers, got dict"),
        (lambda: jacobian(lambda a: a * a, np.array(2.0)), "jacobian: inputs must be a number or a sequence of "
                                                           "numbers, got ndarray: array(2.) (a 0-d array"),
        (lambda: hvp(lambda a: a * a, [2.0], np.array(1.0)), "hvp: v must be a sequence of numbers, one per input, "
                                                             "got ndarray: array(1.) (a 0-d array"),
    ]:
        with pytest.raises(TypeError, match=re.escape(message)):
            call()
    # NumPy scalars and 1-d arrays are numbers and sequences of numbers
    assert jvp(y, [x], np.float32(1.0)) == jvp(y, [x], np.array([1.0])) == grad(y, [x], np.float64(1.0)) == (4.0,)
    assert jacobian(lambda a: a * a, np.array([3.0])) == [[6.0]]


def test_jvp_create_graph_inside_no_grad_says_why():
    x = Value(1.0)
    y = x * x
    with no_grad(), pytest.raises(RuntimeError, match="jvp: create_graph=True inside no_grad"):
        jvp(y, [x], [1.0], create_graph=True)


def test_jvp_on_a_750k_op_chain_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(250_000):
        y = (y * 0.5 + 0.25).tanh()
    assert jvp(y, [x], [1.0]) == grad(y, [x])


# --- autograd.functional ---------------------------------------------------------------------

def test_vjp_and_jvp_return_outputs_and_products_as_pytorch():
    f = lambda x, y: [x * y, x + y.exp()]
    assert fvjp(f, [2.0, 0.0], [1.0, 10.0]) == ([0.0, 3.0], [10.0, 12.0])
    assert fjvp(f, [2.0, 0.0], [1.0, 10.0]) == ([0.0, 3.0], [20.0, 11.0])
    assert fvjp(lambda x: x * x, [3.0]) == (9.0, [6.0])       # scalar f: v defaults to 1
    assert fjvp(lambda x: x * x, 3.0) == (9.0, 6.0)            # one input: v defaults to 1
    assert fvjp(lambda x, y: x * y, [2.0, 3.0], 2.0) == (6.0, [6.0, 4.0])


def test_jacobian_both_modes_agree_and_have_the_right_shape():
    f = lambda x, y, z: [x * y * z, (x - z).tanh()]
    for mode in ("reverse", "forward"):
        J = jacobian(f, [1.0, 2.0, 3.0], mode=mode)
        assert len(J) == 2 and all(len(row) == 3 for row in J)
        assert J[0] == [6.0, 3.0, 2.0]
    assert jacobian(lambda x, y: x * y, [2.0, 3.0], mode="forward") == [[3.0, 2.0]]   # scalar f: 1 x n


def test_hessian_and_hvp_of_a_quadratic_are_exact():
    f = lambda x, y: x * x * y + 3 * y * y
    assert hessian(f, [2.0, 3.0]) == [[6.0, 4.0], [4.0, 6.0]]
    assert hvp(f, [2.0, 3.0], [1.0, -1.0]) == [2.0, -2.0]


def test_hvp_never_forms_the_hessian_it_costs_a_few_gradients(monkeypatch):
    # Forward over reverse: one gradient graph and one jvp through it, whatever n is.
    import autograd.functional as functional
    calls = {"grad": 0, "jvp": 0}
    real_grad, real_jvp = functional.grad, functional.engine.jvp

    def counting_grad(*args, **kwargs):
        calls["grad"] += 1
        return real_grad(*args, **kwargs)

    def counting_jvp(*args, **kwargs):
        calls["jvp"] += 1
        return real_jvp(*args, **kwargs)

    monkeypatch.setattr(functional, "grad", counting_grad)
    monkeypatch.setattr(functional.engine, "jvp", counting_jvp)
    n = 20
    hv = hvp(lambda *xs: sum(x * x * x for x in xs), [1.0] * n, [1.0] * n)
    assert hv == [6.0] * n and calls == {"grad": 1, "jvp": 1}


@pytest.mark.parametrize("call, error, message", [
    (lambda: hessian(lambda x, y: [x, y], [1.0, 2.0]), ValueError, "hessian: f must return one Value"),
    (lambda: hvp(lambda x: [x, x], [1.0], [1.0]), ValueError, "hvp: f must return one Value"),
    (lambda: jacobian(lambda x: 2.0, [1.0]), TypeError, "jacobian: f must return a Value or a non-empty list"),
    (lambda: jacobian(lambda x: [], [1.0]), TypeError, "jacobian: f must return a Value"),
    (lambda: jacobian(lambda x: x, [1.0], mode="fwd"), ValueError, "jacobian: mode must be 'reverse' or 'forward'"),
    (lambda: jacobian("f", [1.0]), TypeError, "jacobian: f must be a function"),
    (lambda: fvjp(lambda x: [x, x], [1.0], [1.0]), ValueError, "vjp: v has 1 entries for 2 outputs"),
    (lambda: fvjp(lambda x: [x, x], [1.0]), TypeError, "vjp: v is needed"),
    (lambda: fjvp(lambda x, y: x, [1.0, 2.0], [1.0]), ValueError, "jvp: v has 1 entries for 2 inputs"),
    (lambda: hvp(lambda x: x, [1.0], [math.nan]), ValueError, r"hvp: v\[0\] must be finite, got nan"),
    (lambda: hessian(lambda x: x, [1.0, math.inf]), ValueError, r"hessian: inputs\[1\] must be finite, got inf"),
    (lambda: hessian(lambda x: x, ["a"]), TypeError, r"hessian: inputs\[0\] must be a real number, got str"),
    (lambda: hessian(lambda x: x, [Value(1.0)]), TypeError, r"hessian: inputs must be numbers.*pass its .data"),
    (lambda: hessian(lambda x: x, []), ValueError, "hessian: inputs is empty"),
    (lambda: jacobian(lambda x: x, [1.0, 2.0]), TypeError,
     r"jacobian: f cannot take 2 Value\(s\), one per input \(too many positional arguments\); give one number"),
    (lambda: hvp(lambda x, y: x * y, [1.0], [1.0]), TypeError, r"hvp: f cannot take 1 Value\(s\).*'y'"),
])
def test_functional_errors_name_the_function_and_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_functional_inside_no_grad_says_why():
    with no_grad(), pytest.raises(RuntimeError, match="jacobian: called inside no_grad"):
        jacobian(lambda x: x * x, [1.0])


# --- properties over random DAGs --------------------------------------------------------------

def several_outputs(expr):
    """The expression's output and two of its intermediate nodes, as a function of several outputs."""
    def f(*xs):
        out = expr(*xs)
        return [out, out * out, xs[0] * out]
    return f


@settings(max_examples=100)
@given(exprs())
def test_forward_jacobian_equals_reverse_jacobian(expr):
    f = several_outputs(expr)
    forward = jacobian(f, expr.inputs, mode="forward")
    reverse = jacobian(f, expr.inputs, mode="reverse")
    for row_f, row_r in zip(forward, reverse):
        for a, b in zip(row_f, row_r):
            assert close(a, b), (expr, forward, reverse)


@settings(max_examples=60)
@given(exprs(), st.randoms(use_true_random=False))
def test_hvp_is_the_hessian_times_v_and_the_hessian_is_symmetric(expr, rng):
    H = hessian(expr, expr.inputs)
    n = len(expr.inputs)
    scale = max(1.0, *(abs(h) for row in H for h in row))
    for i in range(n):
        for j in range(n):
            assert abs(H[i][j] - H[j][i]) <= 1e-10 * scale, (expr, H)
    v = [rng.uniform(-1, 1) for _ in range(n)]
    hv = hvp(expr, expr.inputs, v)
    for i in range(n):
        assert abs(hv[i] - sum(H[i][j] * v[j] for j in range(n))) <= 1e-10 * n * scale, (expr, H, v, hv)


@settings(max_examples=100)
@given(exprs(), st.randoms(use_true_random=False))
def test_jvp_with_interior_inputs_is_the_transpose_of_grad(expr, rng):
    xs = expr.leaves()
    out = expr(*xs)
    nodes = [n for n in topological_order(out) if n.op != "const"]
    inputs = rng.sample(nodes, min(3, len(nodes)))
    u = [rng.uniform(-1, 1) for _ in inputs]
    forward = jvp([out], inputs, u)[0]
    reverse = sum(g * t for g, t in zip(grad([out], inputs), u))
    size = sum(abs(g * t) for g, t in zip(grad([out], inputs), u))
    assert abs(forward - reverse) <= 1e-12 * (1 + size + abs(forward)), expr
