"""autograd.strategies: random expression DAGs that share nodes, stay in the ops' domains, never
raise, shrink to small readable examples, and follow the op table."""

import math
import re
from collections import Counter

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from autograd import OPS, Op, Value, register_op
from autograd.gradcheck import gradcheck, gradgradcheck
from autograd.strategies import Expr, apply_float, apply_value, exprs, op_exprs, op_inputs

NUMBER_OPERAND = {"**": 1}  # the exponent of x ** 2 is a number, every other operand a node
# Statistics of a sample and the result of a shrink are asserted on: the same every run.
SAMPLE = settings(max_examples=200, database=None, derandomize=True)


def operands(expr):
    """Per step: (op name, operand values as floats, which operands are nodes)."""
    values = list(expr.inputs)
    for name, args in expr.steps:
        is_node = [p != NUMBER_OPERAND.get(name) for p in range(len(args))]
        xs = [values[a] if node else a for a, node in zip(args, is_node)]
        yield name, xs, is_node
        values.append(OPS[name].forward(*xs))


def consumers(expr):
    """How many distinct steps use each node."""
    count = Counter()
    for name, args in expr.steps:
        count.update({a for p, a in enumerate(args) if p != NUMBER_OPERAND.get(name)})
    return count


def shares_a_node(expr):
    return any(n >= 2 for n in consumers(expr).values())


def test_repr_is_the_program():
    e = Expr([0.5, 1.25], [("tanh", (0,)), ("*", (2, 1)), ("+", (3, 2))])
    assert repr(e) == "x0 = 0.5; x1 = 1.25; v2 = tanh(x0); v3 = v2 * x1; v4 = v3 + v2 -> v4"
    e = Expr([2.0, 0.1], [("neg", (0,)), ("**", (2, -1)), ("pow", (0, 1)), ("/", (3, 4)), ("-", (5, 1))])
    assert repr(e) == "x0 = 2.0; x1 = 0.1; v2 = -x0; v3 = v2 ** -1.0; v4 = x0 ** x1; v5 = v3 / v4; v6 = v5 - x1 -> v6"


def test_call_builds_the_engine_graph_with_shared_nodes():
    e = Expr([0.5, 1.25], [("tanh", (0,)), ("*", (2, 1)), ("+", (3, 2))])
    x0, x1 = e.leaves()
    out = e(x0, x1)
    out.backward()
    t = math.tanh(0.5)
    assert out.op == "+" and out.parents[1] is out.parents[0].parents[0]  # v2 is one node, used twice
    assert out.data == t * 1.25 + t
    assert x0.grad == pytest.approx((1 - t * t) * (1.25 + 1), rel=1e-15) and x1.grad == t
    assert (x0.label, x1.label) == ("x0", "x1")


def test_evaluate_takes_any_arithmetic():
    e = Expr([3.0, 4.0], [("*", (0, 0)), ("**", (1, 2)), ("+", (2, 3)), ("sqrt", (4,))])
    assert e.evaluate() == e.evaluate(apply_float) == 5.0
    assert e(3.0, 4.0).data == 5.0
    as_text = e.evaluate(lambda name, *args: f"{name}({', '.join(map(str, args))})", ["a", "b"])
    assert as_text == "sqrt(+(*(a, a), **(b, 2.0)))"


@given(exprs())
def test_never_raises_and_values_equal_floats(expr):
    xs = expr.leaves()
    out = expr(*xs)
    out.backward()
    assert out.data == expr.evaluate(apply_float)
    assert all(math.isfinite(x.grad) for x in xs)


@given(exprs())
def test_every_step_is_inside_its_domain_away_from_kinks_and_bounded(expr):
    for name, xs, is_node in operands(expr):
        op = OPS[name]
        assert op.domain(*xs), (name, xs)
        assert all(abs(x - k) > 1e-3 for x, node in zip(xs, is_node) if node for k in op.kinks), (name, xs)
        out = op.forward(*xs)
        assert abs(out) <= 1e3 and all(abs(p) <= 1e3 for p in op.partials(*xs, out)), (name, xs)


def test_dags_share_nodes():
    sample = []

    @SAMPLE
    @given(exprs())
    def collect(expr):
        sample.append(expr)

    collect()
    assert sum(map(shares_a_node, sample)) >= 0.3 * len(sample)
    assert any(max(consumers(e).values(), default=0) >= 3 for e in sample)  # one node, three consumers
    assert any(len(set(args)) < len(args) for e in sample for _, args in e.steps)  # one step, a node twice


def test_every_op_is_drawn():
    drawn = set()

    @SAMPLE
    @given(exprs())
    def collect(expr):
        drawn.update(name for name, _ in expr.steps)

    collect()
    assert drawn == set(OPS)


@pytest.mark.parametrize("name", list(OPS))
def test_shrinks_to_a_small_readable_example(name):
    # Such as "x0 = 1.0; v1 = log(x0) -> v1", or "x0 = 0.0; v1 = exp(x0); v2 = sqrt(v1) -> v2".
    e = find(exprs(), lambda e: any(n == name for n, _ in e.steps), settings=SAMPLE)
    assert len(e.inputs) == 1 and len(e.steps) <= 2, e
    assert all(x == round(x, 1) for x in e.inputs), e
    assert re.fullmatch(r"x0 = -?\d\.\d(; v\d = [^;]{3,16})+ -> v\d", repr(e)), e


def test_shrinks_shared_nodes_to_a_small_example():
    e = find(exprs(), shares_a_node, settings=SAMPLE)
    assert len(e.inputs) == 1 and len(e.steps) <= 3, e


@given(exprs(ops=["tanh", "*"], max_inputs=2, max_steps=3))
def test_ops_restricts_the_table(expr):
    assert {name for name, _ in expr.steps} <= {"tanh", "*"}
    assert len(expr.inputs) <= 2 and len(expr.steps) <= 3


def test_a_registered_op_is_drawn_and_checked(monkeypatch):
    # OPS is read when drawing: a user's new op needs no change to the strategies.
    # Placeholders set and then deleted, so that undoing the patches unregisters the op afterwards
    # (register_op refuses a name that is already taken).
    monkeypatch.setitem(OPS, "square", None)
    monkeypatch.setattr(Value, "square", None, raising=False)
    monkeypatch.delitem(OPS, "square")
    monkeypatch.delattr(Value, "square")
    register_op("square", Op(lambda x: x * x, lambda x, out: (2 * x,)))
    e = find(exprs(), lambda e: any(name == "square" for name, _ in e.steps), settings=SAMPLE)
    assert e(*e.inputs).data == e.evaluate(apply_float)
    assert gradcheck(e, e.inputs) and gradgradcheck(e, e.inputs)


def test_an_op_without_a_value_method_says_so(monkeypatch):
    monkeypatch.setitem(OPS, "square", Op(lambda x: x * x, lambda x, out: (2 * x,)))
    with pytest.raises(TypeError, match=r"^apply_value: op 'square' is in OPS, but Value has no operator or method"):
        apply_value("square", Value(2.0))


@pytest.mark.parametrize("name", list(OPS))
@given(data=st.data())
def test_op_inputs_are_inside_the_domain_away_from_kinks(name, data):
    xs = data.draw(op_inputs(name), label="xs")
    op = OPS[name]
    assert op.domain(*xs) and all(abs(x - k) > 1e-3 for x in xs for k in op.kinks)
    assert math.isfinite(op.forward(*xs))
    e = data.draw(op_exprs(name), label="expr")
    assert [n for n, _ in e.steps] == [name] and math.isfinite(e(*e.inputs).data)


def test_apply_value_writes_ops_as_users_do():
    x, y = Value(2.0), Value(3.0)
    assert [apply_value(n, x, y).op for n in ("+", "-", "*", "/", "pow")] == ["+", "-", "*", "/", "pow"]
    assert apply_value("**", x, 3.0).op == "**" and apply_value("neg", x).op == "neg"
    assert apply_value("tanh", x).data == math.tanh(2.0)


@pytest.mark.parametrize("make, message", [
    (lambda: exprs(ops=["tanh", "nope"]), r"exprs: unknown op\(s\) \['nope'\]; the ops in OPS are"),
    (lambda: exprs(ops=[]), r"exprs: ops must name at least one op of OPS"),
    (lambda: exprs(max_steps=0), r"exprs: max_steps must be an integer >= 1, got 0"),
    (lambda: exprs(max_inputs=1.5), r"exprs: max_inputs must be an integer >= 1, got 1\.5"),
    (lambda: exprs(bound=-1), r"exprs: bound must be a positive finite number, got -1"),
    (lambda: exprs(margin=math.nan), r"exprs: margin must be a finite number >= 0, got nan"),
    (lambda: exprs(inputs=[1.0]), r"exprs: inputs must be a hypothesis strategy of numbers, got list"),
    (lambda: op_inputs("nope"), r"op_inputs: unknown op\(s\) \['nope'\]"),
])
def test_bad_arguments(make, message):
    with pytest.raises(InvalidArgument, match=rf"^{message}"):
        make()


@pytest.mark.parametrize("inputs, steps, message", [
    ([], [], r"Expr: needs at least one input"),
    ([math.inf], [], r"Expr: input must be finite, got inf"),
    ([1.0], [("nope", (0,))], r"Expr: step 1 uses unknown op 'nope'"),
    ([1.0], [("tanh", (0, 0))], r"Expr: step 1: op 'tanh' takes 1 operand\(s\), got 2"),
    ([1.0], [("tanh", (1,))],
     r"Expr: step 1: operand 0 of 'tanh' must be the number of an earlier node \(0 to 0\), got 1"),
    ([1.0], [("+", (0, 0.0))], r"operand 1 of '\+' must be the number of an earlier node"),
    ([1.0], [("**", (0, math.nan))], r"Expr: step 1: the exponent of '\*\*' must be finite, got nan"),
    ([1.0], ["tanh"], r"Expr: step 1 must be \(op name, args\), got 'tanh'"),
])
def test_bad_expr(inputs, steps, message):
    with pytest.raises(ValueError, match=message):
        Expr(inputs, steps)


def test_an_input_too_large_for_a_float_is_named():
    with pytest.raises(OverflowError, match=r"Expr: input: int of about 10\*\*400 is too large for a float"):
        Expr([10 ** 400], [])


def test_wrong_number_of_inputs():
    e = Expr([1.0, 2.0], [("+", (0, 1))])
    with pytest.raises(TypeError, match=r"Expr: takes one Value per input \(2\), got 1"):
        e(Value(1.0))
    with pytest.raises(ValueError, match=r"Expr.evaluate: needs one input per input of the expression \(2\), got 3"):
        e.evaluate(apply_float, [1.0, 2.0, 3.0])
