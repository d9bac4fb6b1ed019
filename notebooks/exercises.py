"""`check(exercise, answer)`: the judge of the notebooks' predict-then-check exercises.

An exercise cell asks a question in comments, leaves the answer as ``...`` for the learner to fill in,
and ends with its checker::

    # Exercise 1.1. Before running the next cell: what will a.grad be after f.backward()?
    my_grad = ...
    check("1.1", my_grad)

`check` prints one line, ✓ and a confirmation when the answer is right, ✗ and a hint toward the mistake
when it is not (never the answer itself). It never raises, so a notebook with its exercises still blank
runs from top to bottom. The worked solutions are in ``solutions/``, one file per notebook, and
``tests/test_exercises.py`` runs every notebook with them filled in (every check passes) and blank
(every check shows its hint).

Example:
  >>> check("1.2", 14.0)
  ✓ Exercise 1.2: right. A leaf keeps its .grad between backward() calls, and each call adds to it.
  >>> check("1.2", 7.0)
  ✗ Exercise 1.2: not yet. Nothing reset a.grad between the two calls: does backward() set it or add to it?
"""

import math
from numbers import Real

__all__ = ["check", "EXERCISES"]

# name -> (judge, general hint, confirmation). A judge returns True (right), False (wrong: show the
# general hint) or a sentence (wrong: a hint for the mistake it recognised).
EXERCISES = {}


def exercise(name, hint, right):
    """Register `judge(answer, **given)` as exercise `name`'s checker."""
    def register(judge):
        EXERCISES[name] = (judge, hint, right)
        return judge
    return register


def check(name, answer, **given):
    """Print whether `answer` to exercise `name` is right (✓) or, with a hint, not yet (✗).

    `given` carries numbers from the notebook the judge compares with (the engine's own result, say).
    Returns nothing: the printed line is the verdict.

    Example:
      >>> check("1.2", ...)
      ✗ Exercise 1.2: not answered yet; replace the ... with your answer. A hint: nothing reset a.grad between the two calls.
    """
    if name not in EXERCISES:
        raise ValueError(f"check: no exercise named {name!r}; the exercises are {sorted(EXERCISES)}")
    judge, hint, right = EXERCISES[name]
    try:
        if answer is ... or (isinstance(answer, (tuple, list)) and any(a is ... for a in answer)):
            raise _Unanswered
        verdict = judge(answer, **given)
    except _Unanswered:
        print(f"✗ Exercise {name}: not answered yet; replace the ... with your answer. A hint: {hint}")
        return
    except _Unexpected as err:
        verdict = str(err)
    except Exception as err:                       # the learner's code raised: say what, keep going
        verdict = f"your answer raised {type(err).__name__}: {err}"
    if verdict is True:
        print(f"✓ Exercise {name}: right. {right}")
    else:
        print(f"✗ Exercise {name}: not yet. {verdict or hint}")


class _Unanswered(Exception):
    """The answer is still the blank `...` (or a function that returns it)."""


class _Unexpected(Exception):
    """An answer of the wrong kind (a string where a number belongs): its message is the hint."""


def _number(answer, what="a number"):
    if isinstance(answer, bool) or not isinstance(answer, Real):
        raise _Unexpected(f"the answer should be {what}, got {type(answer).__name__} {answer!r}.")
    return float(answer)


def _numbers(answer, n):
    if not isinstance(answer, (tuple, list)) or len(answer) != n:
        raise _Unexpected(f"the answer should be {n} numbers in parentheses, like (a, b), got {answer!r}.")
    return [_number(a) for a in answer]


def _close(a, b, tol=1e-9):
    if isinstance(a, list):
        return all(_close(p, q, tol) for p, q in zip(a, b))
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _judged(answer, right, mistakes=(), n=None, what="a number", otherwise=None):
    """True when `answer` (a number, or `n` of them) is `right`; else the hint of the mistake in
    `mistakes` ((wrong answer, hint) pairs) it is, or `otherwise`'s hint (a (test, hint) pair) when its
    test holds, or False."""
    answer = _number(answer, what) if n is None else _numbers(answer, n)
    if _close(answer, right):
        return True
    hint = next((hint for wrong, hint in mistakes if _close(answer, wrong)), False)
    return otherwise[1] if not hint and otherwise and otherwise[0](answer) else hint


def _function(answer):
    if not callable(answer):
        raise _Unexpected(f"the answer should be a function of x, got {type(answer).__name__} {answer!r}.")
    return answer


# ---- 01 · A Value and backward() ------------------------------------------------------------------

@exercise("1.1", "count the paths from a to f: every use of a is one, and backward() adds them all up.",
          "a reaches f three times (twice through a·a, once through +): a + a + 1.")
def _diamond(answer):
    one_path = "that is one path's contribution; a is used more than once, and each use adds its own."
    return _judged(answer, 7.0, [(6.0, "that is a·a's two paths; a also feeds the + directly."),
                                 (3.0, one_path), (4.0, one_path),
                                 (9.0, "d(a·a)/da is a + a (one term per operand), not a².")])


@exercise("1.2", "nothing reset a.grad between the two calls.",
          "A leaf keeps its .grad between backward() calls, and each call adds to it.")
def _accumulate(answer):
    return _judged(answer, 14.0, [(7.0, "Nothing reset a.grad between the two calls: does backward() set it "
                                        "or add to it?")])


# ---- 02 · Computation graphs ----------------------------------------------------------------------

@exercise("2.1", "each neuron has one weight per input it reads, and one bias.",
          "Layer 1: 2 neurons × (2 weights + 1 bias); layer 2: 1 neuron × (2 weights + 1 bias).")
def _n_parameters(answer):
    return _judged(answer, 9, [(6, "that counts the weights only: every neuron has a bias too."),
                               (5, "the output neuron reads the 2 hidden neurons' outputs, so it has 2 weights.")],
                   what="a whole number")


@exercise("2.2", "the chain rule: ∂C/∂w = ∂C/∂z × ∂z/∂w; δ is ∂C/∂z, and w enters z through one term only.",
          "∂C/∂w[2]_11 = δ of z[2]_1 times the value of a[1]_1, the input w[2]_11 multiplies.")
def _weight_gradient(answer, delta, a, truth):
    return _judged(answer, truth, [
        (delta, "that is δ alone, ∂C/∂z; ∂z/∂w is the input the weight multiplies."),
        (a, "that is ∂z/∂w alone; the chain rule multiplies it by ∂C/∂z, the δ.")])


# ---- 03 · Training an MLP -------------------------------------------------------------------------

@exercise("3.1", "where 1 − y ȳ > 0 the loss is a straight line in ȳ; elsewhere it is flat.",
          "At ȳ = 0.4 the point is inside the margin (1 − ȳ > 0): slope −1; at ȳ = 1.6 it is past it: 0.")
def _hinge_slopes(answer):
    past = "at ȳ = 1.6 the point is past the margin: does the loss change when ȳ moves a little?"
    return _judged(answer, [-1.0, 0.0], [([1.0, 0.0], "check the sign: raising ȳ towards the label +1 lowers "
                                                      "the loss.")], n=2, otherwise=(lambda a: a[1] != 0, past))


@exercise("3.2", "an epoch walks through all 100 examples, B of them a step.",
          "100 / 10 = 10 steps an epoch, for 5 epochs.")
def _n_steps(answer):
    return _judged(answer, 50, [(10, "that is one epoch; the runs below make 5."),
                                (500, "that would be B = 1, one example a step."),
                                (5, "that is the full batch (B = 100), one step an epoch.")], what="a whole number")


# ---- 04 · The backpropagation equations ----------------------------------------------------------

@exercise("4.1", "start from the notes' δ^L = σ'(z^L) ⊙ ∇C(y), its first entry, with ∇C of the L1 cost.",
          "δ^L_1 = σ'(z^L_1) · sign(y_1 − ŷ_1), the engine's ∂C/∂z[3]_1.")
def _delta_L(answer, truth):
    dC_dy = "that is ∂C/∂y; δ is ∂C/∂z, one more factor through the sigmoid: σ'(z)."
    return _judged(answer, truth, [(-truth, "check the sign: d|y − ŷ|/dy is sign(y − ŷ), + when the output is "
                                            "above its target."), (1.0, dC_dy), (-1.0, dC_dy)])


@exercise("4.2", "a Jacobian has one row per output and one column per input (here: per parameter).",
          "J is 2 × 29: one row per output of y0, one column per parameter.")
def _jacobian_shape(answer):
    rows = "how many outputs does the network have? Each is one row."
    return _judged(answer, [2, 29], [([29, 2], "rows and columns swapped: which one does each grad(y_k, params) "
                                               "call give?")], n=2, otherwise=(lambda a: a[0] != 2, rows))


# ---- 05 · Testing derivatives ---------------------------------------------------------------------

@exercise("5.1", "the central difference's error is O(h²) while truncation dominates.",
          "O(h²): 10× smaller h, 100× smaller error (until rounding takes over).")
def _central_rate(answer):
    return _judged(answer, 100.0, [(10.0, "that is the forward difference's O(h); the central one cancels one "
                                          "more Taylor term.")])


def _softplus(x):
    return math.log1p(math.exp(x))


@exercise("5.2", "differentiate log(1 + eˣ) with the chain rule: the outer log, then the inner 1 + eˣ.",
          "softplus'(x) = eˣ / (1 + eˣ), which is σ(x): it matches central differences everywhere.")
def _softplus_rule(answer):
    rule = _function(answer)
    for x in (-2.0, -0.3, 0.0, 0.8, 3.0):
        h = 1e-5
        numeric = (_softplus(x + h) - _softplus(x - h)) / (2 * h)
        got = rule(x)
        if got is ...:
            raise _Unanswered
        got = _number(got, f"a number from your rule at x = {x}")
        if not math.isclose(got, numeric, rel_tol=1e-6, abs_tol=1e-8):
            if math.isclose(got, 1 - numeric, rel_tol=1e-6):
                return f"at x = {x} your rule gives σ(−x); check the sign of the exponent."
            return (f"at x = {x} your rule gives {got:.6f}, central differences {numeric:.6f}; "
                    f"did the inner derivative (of 1 + eˣ) make it in?")
    return True


# ---- 06 · Forward and reverse mode ---------------------------------------------------------------

@exercise("6.1", "forward mode makes one sweep per input, reverse mode one sweep per output.",
          "3 inputs: 3 forward sweeps; 1,000 outputs: 1,000 reverse sweeps. Forward wins here.")
def _sweeps(answer):
    return _judged(answer, [3, 1000], [([1000, 3], "swapped: a forward sweep starts from one input's tangent, "
                                                   "a reverse sweep from one output.")], n=2)


@exercise("6.2", "x reaches o along two paths, through a and through b; multiply along each, then add.",
          "(1 − tanh²x)·eˣ through a, plus tanh x · eˣ through b.")
def _diamond_paths(answer):
    t, e = math.tanh(0.5), math.exp(0.5)
    one_path = "that is one path; x also reaches o through the other branch."
    return _judged(answer, (1 - t * t) * e + t * e,
                   [((1 - t * t) * e, one_path), (t * e, one_path),
                    ((1 - t * t) * t * e * e, "paths add up; the partials multiply only along one path.")])


# ---- 08 · Build your own Value --------------------------------------------------------------------
# Each step's judge runs `autograd.testing.check_engine` on the learner's class, with the parts the
# step does not ask for supplied by the checker (its own backward(), its own topological order), so
# a failure points at the part just written.

_OPS = ("+", "*", "neg", "-", "tanh", "exp")       # what the notebook's Value has ("neg", "-": given)
_LOCAL_GRADS = {                                   # the checker's own rules, for the steps before 8.2
    "+": lambda x, y, out: (1.0, 1.0),
    "*": lambda x, y, out: (y, x),
    "tanh": lambda x, out: (1 - out * out,),
    "exp": lambda x, out: (out,),
}


def _order(root):
    """The checker's topological order: every node after its parents (a walk with a stack)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        v, finished = stack.pop()
        if finished:
            order.append(v)
        elif id(v) not in seen:
            seen.add(id(v))
            stack.append((v, True))
            stack.extend((p, False) for p in reversed(v.parents))
    return order


class _Node:
    """A node with parents and nothing else: what a topological order reads."""

    def __init__(self, *parents):
        self.parents = parents


def _backward_from(order, local_grads):
    def backward(self):
        self.grad = 1.0
        for v in reversed(order(self)):
            if v.parents:
                partials = local_grads[v.op](*(p.data for p in v.parents), v.data)
                for p, d in zip(v.parents, partials):
                    p.grad += d * v.grad
    return backward


def _engine_verdict(value_class, backward=None):
    """check_engine's first failure on `value_class` as a hint (True when there is none); `backward`,
    if given, stands in for the class's own while the check runs."""
    from autograd.testing import check_engine

    saved = value_class.__dict__.get("backward")
    if backward is not None:
        value_class.backward = backward
    try:
        report = check_engine(value_class, ops=_OPS, raise_on_failure=False)
    finally:
        if backward is not None:
            if saved is None:
                del value_class.backward
            else:
                value_class.backward = saved
    if report.ok:
        return True
    f = report.failures[0]
    shown = [f"{n:.6g}" if isinstance(n, float) else str(n) for n in (f.expected, f.got)]
    return (f"check_engine finds a mistake of kind {f.kind!r}{f' in {f.op}' if f.op else ''} on the program "
            f"`{f.program}`: {f.what} should be {shown[0]}, got {shown[1]}. Its hint: {f.hint}.")


def _blank(results, names):
    """Raise _Unanswered when every result is still `...`; a sentence when some are."""
    blank = [name for name, result in zip(names, results) if result is ...]
    if blank and len(blank) == len(names):
        raise _Unanswered
    return f"{', '.join(blank)} still return ...: finish {'it' if len(blank) == 1 else 'them'}." if blank else None


@exercise("8.1", "each op makes a new Value from the numbers .data of its operands, and remembers "
                 "them as its parents, with its op's name.",
          "Every forward value agrees with dagrad's, and each result remembers its parents and op.")
def _forward(value_class):
    x, y = value_class(0.5), value_class(-1.5)
    made = {"x + y": x + y, "x * y": x * y, "x.tanh()": x.tanh(), "x.exp()": x.exp()}
    unfinished = _blank(made.values(), made)
    if unfinished:
        return unfinished
    expected = {"x + y": ("+", (x, y)), "x * y": ("*", (x, y)), "x.tanh()": ("tanh", (x,)),
                "x.exp()": ("exp", (x,))}
    for code, out in made.items():
        if not isinstance(out, value_class):
            return f"{code} should return a Value, got {type(out).__name__} {out!r}."
        op, parents = expected[code]
        if tuple(out.parents) != parents:
            return f"{code}: the result's parents should be the operands, in order; got {out.parents!r}."
        if out.op != op:
            return f"{code}: the result's op should be named {op!r}, got {out.op!r}."
    return _engine_verdict(value_class, _backward_from(_order, _LOCAL_GRADS))


@exercise("8.2", "each rule gets the parents' values and the output's value out, and returns one "
                 "derivative per parent; out can save recomputing tanh or exp.",
          "Every local derivative agrees with dagrad's.")
def _local_grads(table, value_class):
    if not isinstance(table, dict) or set(table) != set(_LOCAL_GRADS):
        return f"the table should have one rule for each of {sorted(_LOCAL_GRADS)}."
    probes = [table["*"](0.5, -1.5, -0.75), table["tanh"](0.5, 0.46), table["exp"](0.5, 1.65)]
    unfinished = _blank([... if isinstance(p, tuple) and ... in p else p for p in probes], ["*", "tanh", "exp"])
    if unfinished:
        return unfinished
    return _engine_verdict(value_class, _backward_from(_order, table))


@exercise("8.3", "a node goes into the list only once all of its parents are in it; a stack of "
                 "(node, parents done?) pairs does what recursion would.",
          "Every node once, each after its parents, and no recursion limit.")
def _topological_order(order, value_class):
    a = _Node()                                    # a diamond and more, of the checker's own nodes
    b, c = _Node(a), _Node(a)
    d = _Node(_Node(b, c), b)
    got = order(d)
    if got is ...:
        raise _Unanswered
    if not isinstance(got, list):
        return f"topological_order should return a list, got {type(got).__name__}."
    nodes = {id(v) for v in _order(d)}
    if len(got) != len({id(v) for v in got}):
        return "a node is in the list twice: remember which nodes you have visited."
    if {id(v) for v in got} != nodes:
        return "the list should hold every node the root was computed from, and the root."
    place = {id(v): k for k, v in enumerate(got)}
    if any(place[id(p)] > place[id(v)] for v in got for p in v.parents):
        return "a node comes before one of its parents: add a node after all of its parents."
    deep = _Node()
    for _ in range(3000):
        deep = _Node(deep, _Node())
    try:
        order(deep)
    except RecursionError:
        return "a chain of 3,000 ops raised RecursionError: walk with a stack of your own."
    return _engine_verdict(value_class, _backward_from(order, _LOCAL_GRADS))


@exercise("8.4", "seed the root's grad with 1, then take the nodes from the root down and add "
                 "local derivative × the node's grad to each parent's grad.",
          "check_engine finds no mistake: values, local derivatives, accumulation, order, seed.")
def _backward(backward, value_class):
    if backward(value_class(1.0)) is ...:
        raise _Unanswered
    return _engine_verdict(value_class, backward)


@exercise("8.5", "a neuron is tanh of the sum of each weight times its input, plus the bias.",
          "The neuron's value and every gradient agree with dagrad's.")
def _neuron(neuron, value_class):
    from autograd import Value

    numbers = ([0.5, -1.2], 0.3, [1.5, 0.4])
    mine = ([value_class(w) for w in numbers[0]], value_class(numbers[1]), [value_class(x) for x in numbers[2]])
    ours = ([Value(w) for w in numbers[0]], Value(numbers[1]), [Value(x) for x in numbers[2]])
    out = neuron(*mine)
    if out is ...:
        raise _Unanswered
    expected = sum((w * x for w, x in zip(ours[0], ours[2])), ours[1]).tanh()
    if not _close(out.data, expected.data):
        return f"with weights {numbers[0]}, bias {numbers[1]} and inputs {numbers[2]} the neuron gives {out.data!r}."
    out.backward()
    expected.backward()
    leaves = [*zip(mine[0], ours[0]), (mine[1], ours[1]), *zip(mine[2], ours[2])]
    if not all(_close(m.grad, o.grad) for m, o in leaves):
        return "the value is right but a gradient is not: is every weight, input and the bias a Value in the graph?"
    return True
