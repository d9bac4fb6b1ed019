"""The public types users rely on, pinned: tests/test_typing.py runs mypy (strict) on this file.

Each ``assert_type(expr, T)`` states the type a checker must infer; a line ending in
``# type: ignore[code]`` must be rejected with that error code (mypy's ``warn_unused_ignores``
turns an accepted line into an error, so a type that grows too loose fails the check). The
``accepted_*`` functions also run (the test calls them): what they pin is real code.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Any, Literal

if sys.version_info >= (3, 11):
    from typing import assert_type
else:  # Python 3.10: the same function from typing_extensions (mypy's own dependency)
    from typing_extensions import assert_type

import autograd
from autograd import (
    BackwardStep,
    CompiledFunction,
    Explorer,
    Op,
    Value,
    backward_steps,
    check_modes,
    compile_graph,
    explain,
    explore,
    grad,
    gradcheck,
    is_grad_enabled,
    jvp,
    no_grad,
    register_op,
    taylor_test,
    topological_order,
)
from autograd.explain import Explanation
from autograd.explorer import Step
from autograd.functional import hessian, hvp, jacobian, vjp
from nn import (
    MLP,
    SGD,
    Adam,
    Layer,
    Neuron,
    binary_cross_entropy,
    compile_step,
    cross_entropy,
    from_torch,
    hinge_loss,
    l1_loss,
    mse_loss,
    to_torch,
)
from nn.compile import CompiledStep
from nn.datasets import make_moons
from nn.losses import Reduction

if TYPE_CHECKING:  # a type for checkers only (never made), so quoted where code runs
    from nn.module import Output  # noqa: F401  # used in a quoted assert_type, which ruff does not read


def accepted_values_and_operators() -> None:
    x, y = Value(2.0, label="x"), Value(3.0)
    assert_type(Value(1.0) * 2, Value)
    assert_type(x + y, Value)
    assert_type(x - 1, Value)
    assert_type(x / y, Value)
    assert_type(2 * x, Value)
    assert_type(1 - x, Value)
    assert_type(1 / x, Value)
    assert_type(x ** 2, Value)
    assert_type(x ** y, Value)
    assert_type(2 ** x, Value)
    assert_type(-x, Value)
    assert_type(abs(x), Value)
    assert_type(x.tanh().exp().log(), Value)
    assert_type(x.data, float)
    assert_type(x.grad, float)
    assert_type(x.label, str)
    assert_type(x.op, str)
    assert_type(x.parents, tuple[Value, ...])
    assert_type(x.local_grads, tuple[float, ...])
    assert_type(x.backward(), None)
    # sum starts from the int 0 (and sum([]) is 0); a start Value gives a Value.
    assert_type(sum([x, y]), Value | Literal[0])
    assert_type(sum([x, y], Value(0.0)), Value)
    assert_type(topological_order(x * y), list[Value])


def accepted_gradients() -> None:
    x = Value(3.0)
    y = x ** 3
    assert_type(grad(y, [x]), tuple[float, ...])
    assert_type(grad(y, x, create_graph=True), tuple[Value, ...])
    assert_type(grad(y, [x], None, True), tuple[Value, ...])
    assert_type(grad([y, y * 2], [x], [1.0, 0.5]), tuple[float, ...])
    (dy,) = grad(y, [x], create_graph=True)
    assert_type(grad(dy, [x])[0], float)
    flag: bool = is_grad_enabled()
    assert_type(grad(y, [x], create_graph=flag), tuple[float, ...] | tuple[Value, ...])
    assert_type(jvp(y, [x], [1.0]), tuple[float, ...])
    assert_type(jvp(y, [x], 1.0, create_graph=True), tuple[Value, ...])
    with no_grad():
        assert_type(x * 2, Value)

    @no_grad()
    def evaluate(v: Value, scale: float) -> Value:
        return v * scale

    assert_type(evaluate(x, 2.0), Value)

    @no_grad  # bare, as PyTorch allows
    def scaled(v: Value, scale: float) -> Value:
        return v * scale

    assert_type(scaled(x, 2.0), Value)
    assert_type(no_grad(), no_grad)


def accepted_registered_op() -> None:
    # register_op adds a method at run time, which no checker sees: call the returned function.
    atan = register_op("atan_typed", Op(math.atan, lambda x, out: (1 / (1 + x * x),)))
    assert_type(atan(Value(1.0)), Value)


def accepted_functional_and_checks() -> None:
    f = lambda a, b: [a * b, a + b.exp()]
    assert_type(jacobian(f, [2.0, 0.0]), list[list[float]])
    assert_type(hessian(lambda a, b: a * a * b, [2.0, 3.0]), list[list[float]])
    assert_type(hvp(lambda a, b: a * a * b, [2.0, 3.0], [1.0, 0.0]), list[float])
    assert_type(vjp(f, [2.0, 0.0], [1.0, 1.0]), tuple[float | list[float], list[float]])
    assert_type(gradcheck(lambda a: a.tanh(), [0.5]), bool)
    assert_type(check_modes(lambda a: a.tanh(), [0.5]), bool)
    assert_type(taylor_test(lambda a: a.tanh(), [0.5]), list[float])
    x = Value(0.5)
    e = explain(x.tanh() * x.exp(), x)
    assert_type(e, Explanation)
    assert_type(e.total, float)
    assert_type(e.count, int)


def accepted_compile() -> None:
    step = autograd.compile(lambda a, b: (a * b + a).tanh(), [0.5, -1.0])
    assert_type(step, CompiledFunction[tuple[float, list[float]]])
    out, grads = step([0.2, 0.3])
    assert_type(out, float)
    assert_type(grads, list[float])
    w = Value(1.0)
    z = w * 3.0
    assert_type(compile_graph((z - 4.0) ** 2, [w], [z])([2.0]), tuple[float, list[float], list[float]])
    assert_type(step.batch([[0.2, 0.3], [0.4, 0.5]]), Any)  # NumPy arrays: numpy is an optional extra


def accepted_models_losses_optimizers(reduction: Reduction = "mean") -> None:
    X, labels = make_moons(20, noise=0.1, seed=0)
    assert_type(X, list[list[float]])
    assert_type(labels, list[int])
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [4, 1], seed=0)
    score = model(X[0])
    assert_type(score, "Output")  # the width is a run-time number: a Value and a sequence of Values
    assert_type(score.data, float)
    assert_type(Neuron(2, seed=0)(X[0]), Value)
    assert_type(Layer(2, 3, seed=0)(X[0]), list[Value])
    assert_type(model.parameters(), list[Value])
    assert_type(model.named_parameters(), list[tuple[str, Value]])
    assert_type(model.state_dict(), dict[str, float])
    scores = [model(x) for x in X]
    assert_type(mse_loss(scores, [float(t) for t in y]), Value)
    assert_type(l1_loss(scores, y, reduction="sum"), Value)
    assert_type(hinge_loss(scores, y, reduction="none"), list[Value])
    assert_type(binary_cross_entropy(scores[0], 1), Value)
    assert_type(cross_entropy([[Value(0.0), Value(1.0)]], [1]), Value)
    assert_type(mse_loss(scores, y, reduction=reduction), Value | list[Value])  # any of the three words
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert_type(opt.lr, float)
    assert_type(opt.step(), None)
    assert_type(Adam(model.parameters()).betas, tuple[float, ...])
    step = compile_step(model, hinge_loss, X, y)
    assert_type(step, CompiledStep)
    assert_type(step(), float)
    assert_type(step(X[:5], y[:5]), float)  # another batch size: a program of its own
    assert_type(step.targets_are_data, bool | None)
    import torch  # an optional extra, as in nn.export

    assert_type(to_torch(model), torch.nn.Sequential)
    assert_type(from_torch(to_torch(model), model), MLP)


def accepted_user_code_as_written() -> None:
    # What users write, unannotated, passes --strict (no Any leaks from an MLP's output).
    x = [0.5, -1.0]
    assert_type(cross_entropy(MLP(2, [8, 3], seed=0)(x), 2).data, float)
    assert_type(len(MLP(2, [8, 3], seed=0)(x)), int)
    assert_type(MLP(2, [8, 3], seed=0)(x)[0], Value)
    X, labels = make_moons(10, seed=0)
    y = [2 * t - 1 for t in labels]
    model, n = MLP(2, [4, 1], seed=0), len(y)

    def accuracy() -> float:  # micrograd's demo line; Any here would be "no-any-return" under --strict
        return sum((model(x).data > 0) == (t > 0) for x, t in zip(X, y)) / n

    assert_type(accuracy(), float)
    assert 0 <= accuracy() <= 1


def accepted_drawing_and_exploring() -> None:
    x = Value(2.0, label="x")
    o = (x * 3).tanh()
    steps = list(backward_steps(o))
    assert_type(steps[0], BackwardStep)
    assert_type(steps[-1].grad_of(x), float | None)
    explorer = explore(o)
    assert_type(explorer, Explorer)
    assert_type(explorer.steps[1].data_of(x), float | None)
    assert_type(explorer.svg(), str)
    assert_type(explorer.steps, list[Step])
    assert_type(explorer.steps[-1].grad_of(x), float | None)
    assert_type(explore(o, params=[x], max_nodes=50), Explorer)


def accepted_check_engine() -> None:
    from autograd.testing import EngineError, Failure, Report, check_engine

    report = check_engine(Value, ops=["+", "tanh"], raise_on_failure=False)
    assert_type(report, Report)
    assert_type(report.ok, bool)
    assert_type(report.failures, list[Failure])
    assert_type(report.missing, list[str])
    assert_type(report.depth, int)
    assert issubclass(EngineError, AssertionError) and report.ok


def rejected() -> None:
    """Lines a checker must refuse (never run: most of them raise)."""
    x = Value(1.0)
    Value("a")  # type: ignore[arg-type]
    Value(1.0, label=2)  # type: ignore[arg-type]
    x + "s"  # type: ignore[arg-type]
    "s" * x  # type: ignore[operator]
    x.tanh(2.0)  # type: ignore[call-arg]
    x.atan_typed()  # type: ignore[attr-defined]  # a registered op is no attribute to a checker
    (g,) = grad(x * x, [x])
    g.backward()  # type: ignore[attr-defined]  # a float: create_graph=False gives numbers
    grad(x * x, "x")  # type: ignore[arg-type]
    mse_loss([x], [1.0]).append(x)  # type: ignore[attr-defined]
    mse_loss([x], [1.0], reduction="none").backward()  # type: ignore[attr-defined]
    mse_loss(["a"], [1.0])  # type: ignore[list-item]
    Neuron(2)([1.0, 2.0])[0]  # type: ignore[index]
    _ = Layer(2, 3)([1.0, 2.0]).data  # type: ignore[attr-defined]
    _ = MLP(2, [4, 1])([1.0, 2.0]).dta  # type: ignore[attr-defined]  # a typo is still caught
    mse_loss([x], [1.0], reduction="avg")  # type: ignore[call-overload]  # one of "mean", "sum", "none"
    cross_entropy([x], 0, reduction="avg")  # type: ignore[call-overload]
    cross_entropy("ab", 0.5)  # type: ignore[call-overload]
    SGD([1.0], lr=0.1)  # type: ignore[list-item]
    to_torch(Neuron(2))  # type: ignore[arg-type]  # an MLP only
    compile_step(MLP(1, [1]), mse_loss, [[1.0]], [0.0])([[1.0]])[0]  # type: ignore[index]  # a float
    autograd.compile(lambda a: a * a, [1.0])([1.0])[2]  # type: ignore[misc]
