"""autograd.testing.check_engine: micrograd passes; engines with one planted classic mistake are each
caught with the right kind, the right op, a program of at most three ops and a hint that names it."""

import math
import os
import re
import subprocess
import sys

import micrograd.engine
import pytest

import autograd.testing
from autograd import OPS, Value
from autograd.testing import EngineError, Failure, Report, check_engine


def planted(mistake=None):
    """A micrograd-style Value written for these tests, with at most one planted mistake (by name).

    Each op makes a node that stores its parents and their local derivatives; `_backward` adds
    each derivative times out.grad to the parent's grad; backward() sorts topologically first.
    """

    class V:
        def __init__(self, data, parents=(), partials=(), op=""):
            self.data = data
            self.grad = 1.0 if mistake == "fresh grad is 1" else 0.0
            self.parents, self.partials, self.op = parents, partials, op

        def _backward(self):
            for p, d in zip(self.parents, self.partials):
                if mistake == "= not += in *" and self.op == "*":
                    p.grad = d * self.grad
                elif mistake == "tanh forgets out.grad" and self.op == "tanh":
                    p.grad += d
                else:
                    p.grad += d * self.grad

        @staticmethod
        def wrap(x):
            return x if isinstance(x, V) else V(x)

        def __add__(self, other):
            other = V.wrap(other)
            return V(self.data + other.data, (self, other), (1.0, 1.0), "+")

        def __mul__(self, other):
            other = V.wrap(other)
            partials = (self.data, other.data) if mistake == "* swaps its partials" else (other.data, self.data)
            return V(self.data * other.data, (self, other), partials, "*")

        def __sub__(self, other):
            other = V.wrap(other)
            return V(self.data - other.data, (self, other), (1.0, 1.0 if mistake == "- keeps the sign" else -1.0), "-")

        def __truediv__(self, other):
            other = V.wrap(other)
            x, y = self.data, other.data
            return V(x / y, (self, other), (1 / y, x / y**2 if mistake == "/ sign" else -x / y**2), "/")

        def __pow__(self, n):
            rule = n * self.data**n if mistake == "power rule n x^n" else n * self.data ** (n - 1)
            return V(self.data**n, (self,), (rule,), "**")

        def __neg__(self):
            return V(-self.data, (self,), (-1.0,), "neg")

        def __radd__(self, other):
            return self + other

        def __rmul__(self, other):
            if mistake == "no __rmul__":
                return NotImplemented
            return self * other

        def __rsub__(self, other):
            return self - other if mistake == "__rsub__ swapped" else V.wrap(other) - self

        def __rtruediv__(self, other):
            return V.wrap(other) / self

        def tanh(self):
            t = math.tanh(self.data)
            return V(t, (self,), (1 - t if mistake == "tanh 1 - t" else 1 - t * t,), "tanh")

        def exp(self):
            e = math.exp(self.data)
            return V(e, (self,), (self.data if mistake == "exp x" else e,), "exp")

        def log(self):
            if mistake == "log crashes":
                return V(math.log(self.data), (self,), (1 / self.dat,), "log")
            return V(math.log(self.data), (self,), (1 / self.data,), "log")

        def relu(self):
            out = max(self.data, 0.0)
            return V(out, (self,), (float(out >= 0 if mistake == "relu >= 0" else out > 0),), "relu")

        def sigmoid(self):
            s = 1 / (1 + math.exp(-self.data))
            return V(s, (self,), () if mistake == "sigmoid passes nothing back" else (s * (1 - s),), "sigmoid")

        def backward(self):
            if mistake != "no seed":
                self.grad = 1.0
            if mistake in ("depth-first, no sort", "depth-first over a set"):  # each node once, when first reached
                seen, stack = set(), [self]
                while stack:
                    v = stack.pop()
                    if v not in seen:
                        seen.add(v)
                        v._backward()
                        # a set, as micrograd's _prev: its order depends on the nodes' ids
                        stack.extend(set(v.parents) if mistake == "depth-first over a set" else v.parents)
                return
            if mistake == "recursive per child":  # each path separately: a shared node passes on twice
                def down(v):
                    v._backward()
                    for p in v.parents:
                        down(p)
                down(self)
                return
            order, seen, stack = [], set(), [(self, False)]
            while stack:
                v, done = stack.pop()
                if done:
                    if mistake != "pre-order sort":
                        order.append(v)
                elif v not in seen:
                    seen.add(v)
                    if mistake == "pre-order sort":  # listed before its parents: reversed(), it runs after them
                        order.append(v)
                    stack.append((v, True))
                    stack.extend((p, False) for p in v.parents)
            for v in reversed(order):
                v._backward()

    if mistake == "equal by data":  # a set of nodes then keeps one of two nodes with equal values
        V.__eq__ = lambda self, other: isinstance(other, V) and self.data == other.data
        V.__hash__ = lambda self: hash(self.data)
    V.__name__ = V.__qualname__ = "V"
    return V


def ops_in(program):
    return len(re.findall(r"\bv\d+ = ", program))


PLANTED = [
    # (mistake, kind, op, a phrase of the hint)
    ("= not += in *", "accumulation", "*", "in *'s _backward, add to the operands' grads (self.grad += ...)"),
    ("depth-first, no sort", "order", None, "sort the nodes topologically before calling each _backward"),
    ("depth-first over a set", "order", None, "topological"),
    ("equal by data", "order", None, "by identity"),
    ("recursive per child", "order", None, "topological"),
    ("pre-order sort", "order", None, "reverse topological order, the output first"),
    ("tanh 1 - t", "gradient", "tanh", "1 − tanh², not 1 − tanh"),
    ("no __rmul__", "crash", "*", "__rmul__"),
    ("fresh grad is 1", "seed", None, "start at 0"),
    ("no seed", "seed", None, "to 1"),
    ("power rule n x^n", "gradient", "**", "n·xⁿ⁻¹, not n·xⁿ"),
    ("/ sign", "gradient", "/", "sign"),
    ("exp x", "gradient", "exp", "not x"),
    ("relu >= 0", "gradient", "relu", "not >= 0"),
    ("* swaps its partials", "gradient", "*", "other operand"),
    ("- keeps the sign", "gradient", "-", "sign"),
    ("__rsub__ swapped", "value", "-", "__rsub__"),
    ("tanh forgets out.grad", "gradient", "tanh", "out.grad"),
    ("log crashes", "crash", "log", "AttributeError"),
    ("sigmoid passes nothing back", "gradient", "sigmoid", "no gradient reached the operand of sigmoid"),
]


@pytest.fixture
def patient(monkeypatch):
    """The deepest-chain probe is bounded by time; on a busy machine a test would see it stop early."""
    monkeypatch.setattr(autograd.testing, "_DEPTH_SECONDS", math.inf)
    monkeypatch.setattr(autograd.testing, "_BISECT_SECONDS", math.inf)


def test_the_planted_engine_without_a_mistake_passes(patient):
    report = check_engine(planted())
    assert report.ok and report.missing == ["softplus", "sin", "cos", "sqrt", "abs", "reciprocal"]
    assert report.depth == 100_000 and report.depth_note == ""


@pytest.mark.parametrize(("mistake", "kind", "op", "hint"), PLANTED, ids=[p[0] for p in PLANTED])
def test_a_planted_mistake_is_caught_with_its_kind_op_program_and_hint(mistake, kind, op, hint):
    report = check_engine(planted(mistake), raise_on_failure=False)
    assert len(report.failures) == 1, str(report)  # one mistake, one failure: no echo of it elsewhere
    first = report.failures[0]
    assert (first.kind, first.op) == (kind, op), str(report)
    assert ops_in(first.program) <= 3 and hint in first.hint, str(report)
    if kind in ("gradient", "value"):  # one-op programs show a rule's mistake
        assert ops_in(first.program) <= (2 if mistake == "tanh forgets out.grad" else 1), str(report)


@pytest.mark.parametrize(("mistake", "failures"), [
    ("tanh 1 - t", [("gradient", "tanh", "x0 = 1.23; v1 = tanh(x0) -> v1")]),
    ("pre-order sort", [("order", None, "x0 = 1.83; x1 = -2.4; x2 = 1.5; v3 = x0 + x1; v4 = v3 * x2 -> v4")]),
    ("depth-first, no sort", [("order", None, "x0 = 1.83; x1 = -2.4; v2 = x0 + x1; v3 = v2 + x1; v4 = v3 + v2 -> v4")]),
    ("= not += in *", [("accumulation", "*", "x0 = 0.28; v1 = x0 * x0 -> v1")]),
    ("no __rmul__", [("crash", "*", "x0 = 0.28; v1 = 2.0 * x0 -> v1")]),
    ("fresh grad is 1", [("seed", None, "x0 = 0.5 -> x0")]),
])
def test_one_mistake_is_one_failure(mistake, failures):
    report = check_engine(planted(mistake), raise_on_failure=False)
    assert [(f.kind, f.op, f.program) for f in report.failures] == failures, str(report)


@pytest.fixture
def shipped(monkeypatch):
    """micrograd's Value as shipped: benchmarks/peer.py adds tanh and exp to it when imported (W1's peer)."""
    for added in ("tanh", "exp"):
        monkeypatch.delattr(micrograd.engine.Value, added, raising=False)
    return micrograd.engine.Value


def test_micrograd_passes_on_what_it_has(patient, shipped):
    report = check_engine(shipped)  # its time is measured by `make bench`, not asserted here
    assert report.ok and report.checked == ["+", "-", "*", "/", "neg", "**", "relu"]
    assert report.missing == ["exp", "log", "tanh", "sigmoid", "softplus", "sin", "cos", "sqrt", "abs", "reciprocal"]
    # micrograd sorts recursively: backward() stops near Python's recursion limit (information only)
    assert 100 < report.depth < 1000
    assert report.depth_note.startswith(f"at {report.depth + 1} ops, RecursionError: maximum recursion depth exceeded")


def test_the_deepest_chain_probe_skips_a_chain_it_expects_to_be_too_slow(monkeypatch):
    monkeypatch.setattr(autograd.testing, "_DEPTH_SECONDS", 0.0)  # every chain after the first is "too slow"
    report = check_engine(planted(), ops=["+"])
    assert report.depth == 10 and re.fullmatch(r"not tried \(a chain of 100 ops would take ~.* s\)", report.depth_note)
    assert str(report).endswith(f"backward() works on a chain of 10 ops; longer: {report.depth_note}")


def test_a_depth_not_measured_says_so():
    # Regression: with ops=["tanh"] no chain was built, and the report said depth 0 with no note.
    report = check_engine(Value, ops=["tanh", "exp"])
    note = "not measured (the chain is made of +, * or -: none passed its checks)"
    assert report.ok and report.depth == 0 and report.depth_note == note
    assert str(report).endswith(f"the longest chain backward() works on: {note}")
    report = check_engine(planted("* swaps its partials"), ops=["*", "tanh"], raise_on_failure=False)
    assert report.depth == 0 and report.depth_note == note  # * failed: its chain would show it again


def test_dagrad_passes_every_op_of_the_table(patient):
    report = check_engine(Value, ops=list(OPS))
    assert report.ok and report.checked == list(OPS) and report.missing == [] and report.depth == 100_000


def test_a_failure_raises_engine_error_an_assertion_error_with_the_table():
    with pytest.raises(EngineError) as caught:
        check_engine(planted("tanh 1 - t"))
    assert isinstance(caught.value, AssertionError)
    report = caught.value.report
    assert str(caught.value) == str(report)
    lines = str(report).splitlines()
    assert lines[0].startswith("check_engine(V): 1 failure; checked + - * / neg ** exp log tanh sigmoid relu (")
    assert lines[1] == "missing (not checked): softplus sin cos sqrt abs reciprocal"
    assert lines[2].split() == ["kind", "op", "program", "expected", "got"]
    assert lines[3].split()[:2] == ["gradient", "tanh"] and "x0.grad = 0.29006  0.157421" in lines[3]
    assert lines[4].strip() == "hint: tanh's derivative is 1 − tanh², not 1 − tanh"


def test_a_failure_has_its_numbers():
    (f,) = check_engine(planted("tanh 1 - t"), raise_on_failure=False).failures
    t = math.tanh(1.23)
    assert isinstance(f, Failure)
    assert f.what == "x0.grad" and f.expected == pytest.approx(1 - t * t) and f.got == pytest.approx(1 - t)


def test_a_crash_shows_the_exception_s_last_line():
    report = check_engine(planted("no __rmul__"), ops=["*"], raise_on_failure=False)
    (f,) = report.failures
    assert f.got == "TypeError: unsupported operand type(s) for *: 'float' and 'V'"
    assert f.hint.startswith("define __rmul__ so that `2 * x` works")


@pytest.mark.parametrize(("methods", "op", "hint"), [
    # Regression: `2.0 / x0` crashed inside a defined __rtruediv__ (float * V: no __rmul__), and the
    # hint said to define __rtruediv__.
    ({"__rtruediv__": lambda self, other: other * self**-1, "__rmul__": None}, "/",
     "define __rmul__ so that `2 * x` works (Python calls x.__rmul__(2)); __rtruediv__ uses it"),
    ({"__rtruediv__": None}, "/", "define __rtruediv__ so that `2 / x` works (Python calls x.__rtruediv__(2))"),
    ({"__sub__": lambda self, other: self + (-other), "__neg__": None}, "-", "define __neg__ so that `-x` works; __sub__ uses it"),
    ({"__truediv__": lambda self, other: self * other**-1, "__pow__": None}, "/",
     "define __pow__ so that `x ** 2` works; __truediv__ uses it"),
])
def test_a_crash_inside_a_defined_method_names_the_method_python_missed(methods, op, hint):
    cls = planted()
    for name, method in methods.items():
        if method is None:
            delattr(cls, name)
        else:
            setattr(cls, name, method)
    (f,) = check_engine(cls, ops=[op], raise_on_failure=False).failures
    assert f.kind == "crash" and f.hint == hint, str(f)


def test_ops_restricts_the_check_and_a_named_op_the_engine_lacks_fails(shipped):
    report = check_engine(planted("tanh 1 - t"), ops=["+", "*"])
    assert report.ok and report.checked == ["+", "*"] and report.missing == []
    report = check_engine(shipped, ops=["+", "tanh"], raise_on_failure=False)
    (f,) = report.failures
    assert (f.kind, f.op, f.got) == ("crash", "tanh", "AttributeError: 'Value' object has no attribute 'tanh'")
    assert f.hint.startswith("define the method tanh")


def test_the_same_seed_gives_the_same_report_and_another_seed_other_points():
    def rows(seed):
        return [f[:6] for f in check_engine(planted("exp x"), seed=seed, raise_on_failure=False).failures]

    assert rows(0) == rows(0) and rows(1) == rows(1)
    assert rows(0) != rows(1)
    # an op's points are its own: checking it alone gives the same program
    alone = check_engine(planted("exp x"), ops=["exp"], raise_on_failure=False).failures
    assert [f[:6] for f in alone] == rows(0)


def test_check_engine_needs_no_hypothesis():
    code = ("import sys; sys.modules['hypothesis'] = None\n"  # `import hypothesis` now raises ImportError
            "import micrograd.engine\n"
            "from autograd.testing import check_engine\n"
            "assert check_engine(micrograd.engine.Value).ok")
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_writes_nothing_into_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    check_engine(planted("/ sign"), raise_on_failure=False)
    check_engine(micrograd.engine.Value)
    assert os.listdir(tmp_path) == []


class Tape:
    """An adapter for an engine of another shape: nodes are numbers on a tape, backward sweeps it."""

    RULES = {"+": lambda x, y, out: (1.0, 1.0), "*": lambda x, y, out: (y, x),
             "tanh": lambda x, out: (1 - out * out,), "**": lambda x, n, out: (n * x ** (n - 1), 0.0)}
    FORWARD = {"+": lambda x, y: x + y, "*": lambda x, y: x * y, "tanh": math.tanh, "**": lambda x, n: x**n}

    def __init__(self, wrong_tanh=False):
        self.values, self.grads, self.records, self.wrong_tanh = [], [], [], wrong_tanh

    def leaf(self, x):
        self.values.append(x)
        self.grads.append(0.0)
        self.records.append(())
        return len(self.values) - 1

    def apply(self, op, *args):
        if op not in self.RULES:
            raise NotImplementedError(op)
        xs = [self.values[a] if p == 0 or op != "**" else a for p, a in enumerate(args)]
        out = self.FORWARD[op](*xs)
        partials = self.RULES[op](*xs, out)
        if op == "tanh" and self.wrong_tanh:
            partials = (1 - out,)
        node = self.leaf(out)
        self.records[node] = [(a, d) for p, (a, d) in enumerate(zip(args, partials)) if p == 0 or op != "**"]
        return node

    def data(self, v):
        return self.values[v]

    def grad(self, v):
        return self.grads[v]

    def backward(self, v):
        self.grads[v] = 1.0
        for node in range(v, -1, -1):  # the tape is in topological order already
            for parent, d in self.records[node]:
                self.grads[parent] += d * self.grads[node]


def test_an_adapter_checks_an_engine_of_another_shape(patient):
    report = check_engine(adapter=Tape())
    assert report.ok and report.checked == ["+", "*", "**", "tanh"]
    assert report.missing == [n for n in OPS if n not in ("+", "*", "**", "tanh", "pow")]
    assert report.depth == 100_000
    (f,) = check_engine(adapter=Tape(wrong_tanh=True), raise_on_failure=False).failures
    assert (f.kind, f.op) == ("gradient", "tanh") and f.hint == "tanh's derivative is 1 − tanh², not 1 − tanh"


def test_report_ok_and_repr():
    report = check_engine(planted("exp x"), ops=["exp"], raise_on_failure=False)
    assert isinstance(report, Report) and not report.ok
    assert repr(report) == "<Report of V: ok=False, failures=1, missing=[]>"


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: check_engine(), TypeError, "pass the Value class to check, or adapter=..., not both or neither"),
    (lambda: check_engine(Value, adapter=Tape()), TypeError, "not both or neither"),
    (lambda: check_engine(Value(1.0)), TypeError, "the engine must be a class (MyValue, not MyValue(1.0)), got Value"),
    (lambda: check_engine(Value, ops=["tan"]), ValueError, "check_engine: ops must name ops of the table, got ['tan']"),
    (lambda: check_engine(Value, ops=[]), ValueError, "got []"),
    (lambda: check_engine(adapter=object()), TypeError, "adapter must have the methods leaf, apply, data, grad, backward; "
                                                        "object lacks leaf, apply, data, grad, backward"),
    (lambda: check_engine(Value, seed=1.5), TypeError, "check_engine: seed must be an int, got float: 1.5"),
])
def test_bad_arguments_get_a_sentence(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def with_methods(mistake=None, **methods):
    cls = planted(mistake)
    for name, method in methods.items():
        setattr(cls, name, method)
    return cls


def not_written(*args):
    raise NotImplementedError


def test_a_backward_not_written_yet_is_one_crash_and_the_forwards_are_still_checked():
    report = check_engine(with_methods("exp x", backward=not_written, tanh=lambda self: None), raise_on_failure=False)
    assert [(f.kind, f.op, f.what, f.got) for f in report.failures] == [
        ("crash", None, "backward()", "NotImplementedError"),
        ("crash", "tanh", "v1.data", "TypeError: tanh returned None, not the new node")]
    assert [f.hint for f in report.failures] == ["backward() is not written yet (it raises NotImplementedError)",
                                                 "tanh must return the new node it made (return out)"]
    assert report.depth == 0 and "chain" not in str(report)  # backward() does not run: nothing to measure
    report = check_engine(with_methods("tanh 1 - t", backward=not_written, __mul__=lambda self, other: type(self)(7.0)),
                          raise_on_failure=False)
    assert [(f.kind, f.op) for f in report.failures] == [("crash", None), ("value", "*")]  # tanh's rule is not seen


def test_a_stub_method_raising_not_implemented_error_is_a_crash_not_missing():
    (f,) = check_engine(with_methods(tanh=not_written), raise_on_failure=False).failures
    assert (f.kind, f.op, f.hint) == ("crash", "tanh", "tanh is not written yet (it raises NotImplementedError)")


def test_backward_that_raises_on_every_program_is_one_crash():
    def broken(self):
        raise KeyError("parents")

    report = check_engine(with_methods(backward=broken), raise_on_failure=False)
    assert [(f.kind, f.op, f.got) for f in report.failures] == [("crash", None, "KeyError: 'parents'")]
    assert report.failures[0].hint == "backward() raised KeyError on this program: read the traceback of backward()"


def test_an_op_whose_backward_raises_is_a_crash_of_that_op():
    cls = planted()

    def exp(self):
        out = cls(math.exp(self.data), (self,), (math.exp(self.data),), "exp")
        out._backward = lambda: undefined_name  # noqa: F821  # the mistake: a NameError in exp's backward
        return out

    (f,) = check_engine(with_methods(exp=exp), ops=["+", "exp"], raise_on_failure=False).failures
    assert (f.kind, f.op, f.what, f.got) == ("crash", "exp", "backward()", "NameError: name 'undefined_name' is not defined")
    assert f.hint == "backward() raised NameError on this program: read the traceback of exp's _backward"


def test_data_that_is_not_a_number_is_a_wrong_value():
    cls = planted()
    report = check_engine(with_methods(__neg__=lambda self: cls(cls(-self.data))), ops=["neg"], raise_on_failure=False)
    (f,) = report.failures
    assert (f.kind, f.op, type(f.got)) == ("value", "neg", cls)
    assert f.hint == "neg's out.data must be a number, got V (a V inside a V?)"


def test_a_class_without_backward_yet_gets_its_forwards_checked():
    class Forward:  # a notebook's first step: forward ops only, one of them wrong
        def __init__(self, data):
            self.data = data

        def __add__(self, other):
            return Forward(self.data + other.data)

        def __mul__(self, other):
            return Forward(self.data + other.data)  # the mistake: + for *

    def found(report):
        return {(f.kind, f.op): f for f in report.failures}

    failures = found(check_engine(Forward, ops=["+", "*"], raise_on_failure=False))
    assert set(failures) == {("crash", None), ("value", "*"), ("crash", "+")}  # ("crash", "+"): x0 + 2.0
    assert failures["crash", None].hint == "give every Value a .grad: 0 when it is made, filled in by backward()"
    assert failures["value", "*"].hint == "*'s forward gives the wrong number: out.data must be x·y"
    Forward.grad = 0.0
    failures = found(check_engine(Forward, ops=["+", "*"], raise_on_failure=False))
    assert set(failures) == {("crash", None), ("value", "*"), ("crash", "+")}
    assert failures["crash", None].what == "backward()"
    assert failures["crash", None].hint == "define backward() on your Value class: it fills .grad of every node the output depends on"


def test_a_registered_op_is_checked_like_the_table_s_own(user_op):
    from autograd import Op

    user_op("atan", Op(math.atan, lambda x, out: (1 / (1 + x * x),)))
    cls = planted()
    report = check_engine(cls)
    assert "atan" in report.missing  # the class has no atan: not checked
    cls.atan = lambda self: cls(math.atan(self.data), (self,), (1 / (1 + self.data**2),), "atan")
    assert check_engine(cls, ops=["atan", "+"]).ok
    cls.atan = lambda self: cls(math.atan(self.data), (self,), (1 / (1 - self.data**2),), "atan")
    (f,) = check_engine(cls, ops=["atan", "+"], raise_on_failure=False).failures
    assert (f.kind, f.op) == ("gradient", "atan")
    assert f.hint == "atan's derivative with respect to the operand is wrong: dagrad's rule is OPS['atan'].partials"
