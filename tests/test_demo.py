import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

import nn.demo
from autograd import Value, grad, no_grad
from nn import demo_digits
from nn.datasets import make_moons
from nn.demo import accuracy, backprop_step, compiled_step, main, objective, run, train
from nn.losses import cross_entropy
from nn.module import MLP

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PNG = b"\x89PNG\r\n\x1a\n"


def moons(n, seed):
    X, y = make_moons(n, noise=0.1, seed=seed)
    return X, [2 * t - 1 for t in y]


def test_objective_is_mean_hinge_plus_l2():
    model = MLP(2, [3, 1], seed=0)
    X, y = [[0.5, -1.0], [2.0, 0.25]], [1, -1]
    scores = [model(x) for x in X]
    loss = objective(model, scores, y, alpha=0.01)
    hinge = sum(max(0.0, 1 - t * s.data) for s, t in zip(scores, y)) / 2
    l2 = sum(p.data ** 2 for p in model.parameters())
    assert loss.data == pytest.approx(hinge + 0.01 * l2, rel=1e-12)


def test_backprop_step_leaves_the_objectives_gradient_in_the_parameters():
    model = MLP(2, [4, 4, 1], seed=1)
    X, y = moons(10, seed=1)
    scores = [model(x) for x in X]
    loss = objective(model, scores, y)
    expected = grad(loss, model.parameters())
    reported_loss, reported_accuracy = backprop_step(model, X, y)
    assert [p.grad for p in model.parameters()] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert reported_loss == loss.data and reported_accuracy == accuracy(scores, y)


def test_accuracy_counts_signs_and_treats_zero_as_negative():
    assert accuracy([Value(0.5), -2.0, 0.0, 0.0], [1, -1, -1, 1]) == 0.75


def test_train_zeroes_calls_step_fn_and_follows_micrograds_schedule():
    # A step function that adds 1 to every gradient: if train zeroes first, each step moves every
    # parameter by exactly lr_k, and lr_k = 1 - 0.9 k / steps.
    model = MLP(2, [2, 1], seed=0)
    before = [p.data for p in model.parameters()]
    calls = []

    def unit_step(m, X, y):
        for p in m.parameters():
            p.grad += 1.0
        calls.append(X)
        return 0.5, 0.25

    history = train(model, [[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]], [1, -1, 1], steps=4, step_fn=unit_step, quiet=True)
    assert history == [(0.5, 0.25)] * 4 and len(calls) == 4
    # the inputs reach step_fn as leaf Values, the same ones every step
    assert [[v.data for v in x] for x in calls[0]] == [[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]]
    assert all(c is calls[0] for c in calls) and all(v.op == "" for x in calls[0] for v in x)
    moved = 1.0 + 0.775 + 0.55 + 0.325
    assert [b - p.data for b, p in zip(before, model.parameters())] == pytest.approx([moved] * len(before))


def test_training_on_moons_reaches_high_accuracy_small_config():
    X, y = moons(50, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    history = train(model, X, y, steps=100, quiet=True)
    with no_grad():
        final = accuracy([model(x) for x in X], y)
    assert final >= 0.95
    assert history[-1][0] < history[0][0] / 5


def test_training_is_deterministic_for_a_seed():
    def once():
        X, y = moons(20, seed=3)
        return train(MLP(2, [4, 1], seed=3), X, y, steps=5, quiet=True)
    assert once() == once()


def test_compiled_training_gives_the_same_weights_as_eager_training():
    X, y = moons(30, seed=2)
    eager, compiled = MLP(2, [6, 6, 1], seed=2), MLP(2, [6, 6, 1], seed=2)
    eager_history = train(eager, X, y, steps=8, quiet=True)
    compiled_history = train(compiled, X, y, steps=8, step_fn=compiled_step(compiled, X, y), quiet=True)
    assert compiled_history == eager_history
    assert compiled.state_dict() == eager.state_dict()


def test_demo_compiled_flag(tmp_path, capsys):
    assert main(["--steps", "20", "--out", str(tmp_path), "--quiet", "--compiled"]) == 0
    eager = run(steps=20, out=str(tmp_path / "eager"), quiet=True)
    compiled = json.loads((tmp_path / "model.json").read_text())["parameters"]
    assert compiled == json.loads((tmp_path / "eager" / "model.json").read_text())["parameters"]
    assert f"{eager['accuracy']:.1%} training accuracy after 20 steps" in capsys.readouterr().out


@pytest.mark.parametrize("steps", [0, -1, 2.0, True])
def test_train_rejects_bad_step_counts(steps):
    with pytest.raises(ValueError, match=rf"^train: steps must be an integer >= 1, got {steps!r}"):
        train(MLP(2, [1], seed=0), [[0.0, 0.0]], [1], steps=steps)


@pytest.mark.parametrize("seed", [True, 1.5, "0"])
def test_train_refuses_a_seed_that_is_not_an_int(seed):
    with pytest.raises(TypeError, match=rf"^train: seed must be None or an int, got {type(seed).__name__}: "):
        train(MLP(2, [1], seed=0), [[0.0, 0.0], [1.0, 1.0]], [1, -1], steps=1, quiet=True, batch_size=1, seed=seed)


# Issue 19 (class C): the scores and labels were zipped as given, so a dict's keys or a set's hash order
# met the labels: accuracy([0.5, -2.0], {1: 0, -1: 1}) read the keys 1, -1 as the labels.
@pytest.mark.parametrize("call, message", [
    (lambda: accuracy([0.5, -2.0], {1: 0, -1: 1}), r"^accuracy: y must be a sequence of labels, got dict: .*a dict is not read by key"),
    (lambda: accuracy({0.5, -2.0}, [1, -1]), r"^accuracy: scores must be a sequence of Values or numbers, got set: .*has no order"),
    (lambda: train(MLP(2, [1], seed=0), [[0.0, 1.0]], {1}, steps=1, quiet=True), r"^train: y must be a sequence of labels, got set"),
    (lambda: train(MLP(2, [1], seed=0), {0: [0.0, 1.0]}, [1], steps=1, quiet=True),
     r"^train: points must be a sequence of points \(lists of numbers\), got dict"),
    (lambda: demo_digits.class_accuracy([[1.0, 0.0], [0.0, 1.0]], {0: 1, 1: 0}),
     r"^class_accuracy: y must be a sequence of labels, got dict"),
])
def test_scores_points_or_labels_in_a_dict_or_set_are_refused(call, message):
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize("call, error, message", [
    (lambda: demo_digits.class_accuracy([], []), ValueError, "class_accuracy: got no rows"),  # was ZeroDivisionError
    (lambda: accuracy([], []), ValueError, "accuracy: got no scores"),  # was ZeroDivisionError
    (lambda: accuracy([1.0], [1, 1]), ValueError, "accuracy: got 1 scores but 2 labels; give one label per score"),  # was 0.5
    (lambda: train(MLP(2, [1], seed=0), [], [], quiet=True), ValueError, "train: got no points"),  # was hinge_loss's
    (lambda: train(MLP(2, [1], seed=0), [[1.0, 2.0]], [1, 1], quiet=True), ValueError,
     "train: got 1 points but 2 labels; give one label per point"),
    (lambda: nn.demo.plot_decision_boundary(MLP(2, [3, 2], seed=0), [[0.0, 0.0], [1.0, 1.0]], [1, -1]), TypeError,
     "plot_decision_boundary: the model must give one score per point (its sign is the class), got 2 outputs"),  # was compile's
    (lambda: run(steps=0), ValueError, "run: steps must be an integer >= 1, got 0"),
    (lambda: run(batch_size=0), ValueError, "run: batch_size must be an integer >= 1, got 0"),  # was train's
    (lambda: run(seed=1.5), TypeError, "run: seed must be None or an int, got float: 1.5"),  # was make_moons's
])
def test_the_demos_functions_name_themselves_in_their_errors(call, error, message, monkeypatch):
    if message.startswith("run: "):  # refused before training
        monkeypatch.setattr(nn.demo, "train", refuse_to_train)
    with pytest.raises(error) as e:
        call()
    assert str(e.value) == message


def test_train_needs_plus_minus_one_labels():
    with pytest.raises(ValueError, match=r"^hinge_loss: targets must be -1 or \+1, got 0.0"):
        train(MLP(2, [1], seed=0), [[0.0, 0.0]], [0], steps=1, quiet=True)


def test_demo_runs_end_to_end_quietly_and_writes_its_files(tmp_path, capsys):
    out = tmp_path / "results"  # does not exist yet: the demo creates it
    assert main(["--steps", "3", "--seed", "5", "--out", str(out), "--quiet"]) == 0
    stdout, stderr = capsys.readouterr()
    assert stderr == ""  # quiet: no progress bar
    assert stdout.startswith("dagrad demo: ") and "after 3 steps" in stdout and stdout.count("\n") == 1
    for name in ["training_curves.png", "decision_boundary.png"]:
        assert (out / name).read_bytes().startswith(PNG) and str(out / name) in stdout
    page = (out / "backprop.html").read_text(encoding="utf-8")
    assert str(out / "backprop.html") in stdout and "before training" in page
    assert "w₁₁⁽¹⁾" in page and "x_1" in page and 'class="group k-neuron' in page  # w[1]_11 as in the notes
    state = json.loads((out / "model.json").read_text())["parameters"]
    restored = MLP(2, [16, 16, 1]).load(out / "model.json")
    assert list(restored.state_dict().values()) == list(state.values())


def test_demo_shows_a_progress_bar_with_loss_and_accuracy(tmp_path, capsys):
    main(["--steps", "2", "--out", str(tmp_path)])
    stderr = capsys.readouterr().err
    assert "training" in stderr and "loss=" in stderr and "accuracy=" in stderr and "2/2" in stderr


def test_demo_explorer_needs_no_graphviz_and_shows_nonzero_gradients(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` to be found: the explorer never needs it
    result = run(steps=1, out=str(tmp_path), quiet=True)
    assert str(tmp_path / "backprop.html") in result["files"]
    X, labels = make_moons(100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1], seed=1337)
    explorer = nn.demo._explore_example(model, X, [2 * t - 1 for t in labels])
    last = explorer.steps[-1]
    grads = [last.grad_of(p) for p in model.parameters() if last.grad_of(p) is not None]
    assert explorer.grouped and len(grads) == 337 and sum(g != 0 for g in grads) > 100


@pytest.mark.parametrize("argv, message", [
    (["--steps", "0"], "--steps: must be an integer >= 1, got '0'"),
    (["--steps", "ten"], "--steps: must be an integer >= 1, got 'ten'"),
    (["--seed", "x"], "--seed: invalid int value: 'x'"),
    (["--batch-size", "0"], "--batch-size: must be an integer >= 1, got '0'"),
])
def test_bad_command_lines_exit_with_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def refuse_to_train(*args, **kwargs):
    raise AssertionError("trained before finding the problem")


@pytest.mark.parametrize("out, message", [
    ("a_file", "argument --out: must be a folder (it is created if missing), but 'a_file' is not a folder"),
    (os.path.join("a_file", "sub"), "argument --out: must be a folder (it is created if missing), but "
                                    f"{os.path.join('a_file', 'sub')!r} is under "),
    ("", "argument --out: must name a folder, got ''"),
    ("dangling", "argument --out: must be a folder (it is created if missing), but 'dangling' is not a folder"),
])
def test_an_unusable_out_is_a_usage_error_before_training(tmp_path, monkeypatch, capsys, out, message):
    # Regression: the demo trained, then died with a traceback writing into a file.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("mine")
    (tmp_path / "dangling").symlink_to("nowhere")
    monkeypatch.setattr(nn.demo, "train", refuse_to_train)
    with pytest.raises(SystemExit) as exit_:
        main(["--steps", "1", "--quiet", "--out", out])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    with pytest.raises(ValueError, match="^run: out " + re.escape(message.removeprefix("argument --out: "))):
        run(steps=1, out=out, quiet=True)
    assert sorted(os.listdir(tmp_path)) == ["a_file", "dangling"] and (tmp_path / "a_file").read_text() == "mine"


@pytest.mark.parametrize("missing", ["tqdm", "matplotlib", "numpy"])
def test_a_missing_demo_extra_is_named_with_its_install_line_before_training(monkeypatch, capsys, tmp_path, missing):
    # Regression: a bare ModuleNotFoundError: tqdm (matplotlib: after training).
    for name in nn.demo.EXTRAS:  # loaded first, so that only `missing` is missing (matplotlib imports numpy)
        __import__(name)
    monkeypatch.setitem(sys.modules, missing, None)  # `import missing` raises ImportError, as when not installed
    monkeypatch.setattr(nn.demo, "train", refuse_to_train)
    # Regression (issue 19, class E): run as the console script, the message began "python -m nn.demo:".
    monkeypatch.setattr(sys, "argv", [os.path.join("venv", "bin", "dagrad-demo")])
    with pytest.raises(SystemExit) as exit_:
        main(["--steps", "1", "--quiet", "--out", str(tmp_path / "out")])
    assert exit_.value.code == 1
    assert capsys.readouterr().err == (f"dagrad-demo: the demo needs {missing}, from the optional extra 'demo': "
                                       f"pip install 'dagrad[demo]' (or pip install {missing})\n")
    with pytest.raises(ImportError, match=rf"^run: the demo needs {missing}, .* pip install 'dagrad\[demo\]'"):
        run(steps=1, out=str(tmp_path / "out"), quiet=True)
    assert not (tmp_path / "out").exists()


def test_train_without_tqdm_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match=r"^train: the demo needs tqdm, from the optional extra 'demo': pip install 'dagrad\[demo\]'"):
        train(MLP(2, [1], seed=0), [[0.0, 0.0]], [1], steps=1, quiet=True)


def test_python_dash_m_runs_the_demo(tmp_path):
    done = subprocess.run([sys.executable, "-m", "nn.demo", "--steps", "1", "--out", str(tmp_path), "--quiet"],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dagrad demo: ") and (tmp_path / "model.json").exists()
    # Its messages begin with the command typed (argv[0] is the module's file, which argparse calls demo.py).
    refused = subprocess.run([sys.executable, "-m", "nn.demo", "--steps", "0"], cwd=REPO, capture_output=True, text=True,
                             timeout=120, check=False)
    assert refused.returncode == 2 and "python -m nn.demo: error: argument --steps" in refused.stderr, refused.stderr


def test_the_default_demo_reaches_97_percent_training_accuracy(tmp_path):
    # The full `make demo` configuration: 100 steps on 100 points, seed 1337 (~6-10 s).
    result = run(out=str(tmp_path), quiet=True)
    assert result["accuracy"] >= 0.97
    assert result["loss"] < 0.05


# --- the compiled parts, honest about their arguments -------------------------------------------

def demo_options(capsys):
    """The demo's command-line options, as its --help prints them."""
    with pytest.raises(SystemExit):
        main(["--help"])
    return set(re.findall(r"(--[a-z][a-z-]*)", capsys.readouterr().out)) - {"--help"}


def test_the_module_docstring_lists_every_command_line_option(capsys):
    # Regression: the docstring's options left out --compiled.
    options = demo_options(capsys)
    assert options == {"--data", "--steps", "--seed", "--out", "--quiet", "--compiled", "--vectorize", "--batch-size"}
    for option in options:
        assert f"``{option}" in nn.demo.__doc__, option


def test_compiled_step_refuses_another_model_rather_than_ignoring_it():
    # Regression: the step_fn ignored its model argument and trained the one it was compiled for.
    X, y = moons(6, seed=0)
    model = MLP(2, [3, 1], seed=0)
    step_fn = compiled_step(model, X, y)
    with pytest.raises(ValueError, match=r"^compiled_step: this step was compiled for another MLP; make one per model"):
        step_fn(MLP(2, [3, 1], seed=0), X, y)


@pytest.mark.parametrize("edit", [
    lambda X, y: ([[x[0] + 1.0, x[1]] for x in X], y),   # other points
    lambda X, y: (X, [-t for t in y]),                    # other labels
    lambda X, y: (X[:-2], y[:-2]),                        # a smaller batch: traced once
])
def test_compiled_step_trains_on_the_batch_it_is_given(edit):
    # Regression: the step_fn ignored its inputs and labels and trained on the ones it was compiled
    # with; then it refused any other batch. Now the data are inputs of the compiled program.
    X, y = moons(6, seed=0)
    model, twin = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=0)
    step_fn = compiled_step(model, X, y)
    inputs, labels = edit([[Value(c) for c in x] for x in X], y)
    assert step_fn(model, inputs, labels) == backprop_step(twin, [[v.data for v in x] for x in inputs], labels)
    assert [p.grad for p in model.parameters()] == [p.grad for p in twin.parameters()]


def test_compiled_minibatch_training_gives_the_same_weights_as_eager_minibatch_training():
    X, y = moons(30, seed=2)
    eager, compiled = MLP(2, [6, 6, 1], seed=2), MLP(2, [6, 6, 1], seed=2)
    eager_history = train(eager, X, y, steps=8, quiet=True, batch_size=7, seed=3)
    compiled_history = train(compiled, X, y, steps=8, step_fn=compiled_step(compiled, X, y), quiet=True,
                             batch_size=7, seed=3)
    assert compiled_history == eager_history
    assert compiled.state_dict() == eager.state_dict()


def test_the_compiled_minibatch_demo_reaches_97_percent_training_accuracy(tmp_path, capsys):
    # `--compiled --batch-size 10`: every step samples 10 of the 100 points (the notes' SGD rule).
    assert main(["--out", str(tmp_path), "--quiet", "--compiled", "--batch-size", "10"]) == 0
    accuracy = float(re.search(r"dagrad demo: ([0-9.]+)% training accuracy", capsys.readouterr().out).group(1))
    assert accuracy >= 97.0


def test_run_refuses_compiled_together_with_a_step_fn(tmp_path):
    # Regression: run(compiled=True, step_fn=f) silently trained with the compiled step, not f.
    with pytest.raises(ValueError, match=r"^run: got compiled=True and step_fn='backprop_step', two ways"):
        run(steps=1, out=str(tmp_path), quiet=True, compiled=True, step_fn=backprop_step)
    assert not any(tmp_path.iterdir())  # refused before any work


def test_the_readme_lists_every_command_line_option_of_the_demo(capsys):
    options = demo_options(capsys)
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        demo_section = f.read().split("## The demo", 1)[1].split("\n## ", 1)[0]
    assert {option for option in options if f"`{option}" not in demo_section} == set()


# --- the digits (--data digits) -----------------------------------------------------------------

needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                   reason="the digits need scikit-learn: pip install 'dagrad[digits]'")


@needs_sklearn
@pytest.mark.parametrize("how", [["--compiled"], ["--vectorize"], []], ids=["compiled", "vectorized", "eager"])
def test_the_digits_demo_writes_its_files(tmp_path, capsys, how):
    out = tmp_path / "digits"
    assert main(["--data", "digits", "--steps", "3", *how, "--quiet", "--out", str(out)]) == 0
    stdout, stderr = capsys.readouterr()
    assert stderr == "" and stdout.startswith("dagrad demo: ") and "% test accuracy after 3 steps" in stdout
    for name in ["training_curves.png", "confusion_matrix.png", "misclassified.png"]:
        assert (out / name).read_bytes().startswith(PNG) and str(out / name) in stdout
    page = (out / "backprop.html").read_text(encoding="utf-8")
    assert "the output layer" in page and "w₁,₃₂⁽²⁾" in page and 'class="group k-neuron' in page
    restored = MLP(64, [32, 10]).load(out / "model.json")
    assert len(restored.parameters()) == 64 * 32 + 32 + 32 * 10 + 10


@needs_sklearn
def test_the_digits_demo_reaches_95_percent_test_accuracy(tmp_path):
    # The full `python -m nn.demo --data digits --compiled` (3,000 steps; ~10 s of CPU time).
    result = demo_digits.run(out=str(tmp_path), quiet=True, compiled=True)
    assert result["accuracy"] >= 0.95


@needs_sklearn
def test_compiled_digits_training_matches_eager_training_to_rounding():
    # The compiled step keeps the traced batch's cross_entropy shifts: the same numbers, to rounding.
    from nn.datasets import load_digits

    (X, y), _ = load_digits()
    eager, compiled = MLP(64, [8, 10], seed=0), MLP(64, [8, 10], seed=0)
    first = [y.index(c) for c in range(10)]
    step_fn = compiled_step(compiled, [X[i] for i in first], [y[i] for i in first],
                            loss_fn=cross_entropy, score=demo_digits.class_accuracy)
    options = {"steps": 4, "quiet": True, "batch_size": 10, "seed": 3, "lr": 0.1, "stratified": True}
    eager_history = train(eager, X, y, step_fn=demo_digits.backprop_step, **options)
    compiled_history = train(compiled, X, y, step_fn=step_fn, **options)
    assert [a for _, a in compiled_history] == [a for _, a in eager_history]
    assert [l for l, _ in compiled_history] == pytest.approx([l for l, _ in eager_history], rel=1e-12)
    assert list(compiled.state_dict().values()) == pytest.approx(list(eager.state_dict().values()), rel=1e-9, abs=1e-12)


def test_stratified_minibatches_hold_one_of_each_class_in_class_order():
    X = [[float(k)] for k in range(12)]
    y = [2, 0, 1, 1, 0, 2, 2, 0, 1, 0, 1, 2]
    batches = []

    def record(model, inputs, labels):
        batches.append(([int(x[0].data) for x in inputs], list(labels)))
        return 0.0, 0.0

    train(MLP(1, [3], seed=0), X, y, steps=5, step_fn=record, quiet=True, batch_size=6, stratified=True)
    assert all(labels == [0, 0, 1, 1, 2, 2] for _, labels in batches)
    assert all([y[i] for i in drawn] == labels and len(set(drawn)) == 6 for drawn, labels in batches)
    assert len({tuple(drawn) for drawn, _ in batches}) > 1  # drawn at random, not the same batch each step


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), "0.1"])
def test_train_refuses_a_learning_rate_that_is_not_positive(lr):
    with pytest.raises(ValueError, match=r"^train: lr must be a positive finite number, got "):
        train(MLP(1, [1], seed=0), [[0.0]], [1], steps=1, step_fn=refuse_to_train, quiet=True, lr=lr)


@pytest.mark.parametrize("y, batch_size, message", [
    ([0, 1, 1, 0], 3, "train: stratified minibatches hold the same number of examples of each of the 2 classes; "
                      "give a batch_size that is a multiple of 2, got 3"),
    ([0, 1, 1, 0], None, "give a batch_size that is a multiple of 2, got None"),
    ([0, 1, 1, 1], 4, "train: class 0 has 1 examples, fewer than the 2 each stratified minibatch of 4 takes"),
    ([0, 1, -1, 1], 2, "train: stratified minibatches need class indices 0, 1, ... as labels, got -1"),
    ([0, 1, 0.5, 1], 2, "train: stratified minibatches need class indices 0, 1, ... as labels, got 0.5"),
])
def test_stratified_training_refuses_what_it_cannot_stratify(y, batch_size, message):
    with pytest.raises(ValueError) as e:
        train(MLP(1, [2], seed=0), [[0.0]] * 4, y, steps=1, step_fn=refuse_to_train, quiet=True,
              batch_size=batch_size, stratified=True)
    assert message in str(e.value)


def test_the_digits_batch_size_must_be_a_multiple_of_ten(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(nn.demo, "train", refuse_to_train)
    with pytest.raises(SystemExit) as exit_:
        main(["--data", "digits", "--batch-size", "15", "--out", str(tmp_path), "--quiet"])
    assert exit_.value.code == 2
    assert "argument --batch-size: with --data digits, must be a multiple of 10 (as many of each digit), got 15" \
        in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"^run: batch_size must be a multiple of 10 \(the same number of each digit\), got 15"):
        demo_digits.run(batch_size=15, out=str(tmp_path))


def test_the_digits_demo_without_scikit_learn_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setattr(nn.demo, "train", refuse_to_train)
    with pytest.raises(SystemExit) as exit_:
        main(["--data", "digits", "--out", str(tmp_path / "out"), "--quiet"])
    assert exit_.value.code == 1
    assert capsys.readouterr().err == ("load_digits: the digits come with scikit-learn, from the optional extra "
                                       "'digits': pip install 'dagrad[digits]' (or pip install scikit-learn)\n")
    assert not (tmp_path / "out").exists()


def test_class_accuracy_and_predict_take_the_largest_logit():
    assert demo_digits.class_accuracy([[Value(0.1), 2.0], [3.0, 3.0], [0.0, 1.0]], [1, 0, 0]) == 2 / 3
    model = MLP(2, [3], activation="linear", seed=0)
    X = [[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0]]
    with no_grad():
        outputs = [[v.data for v in model(x)] for x in X]
    expected = [max(range(3), key=lambda c, out=out: (out[c], -c)) for out in outputs]
    assert demo_digits.predict(model, X) == expected


def test_plot_history_smooths_with_a_running_mean():
    fig = nn.demo.plot_history([(1.0, 0.0), (3.0, 1.0), (5.0, 0.5)], smooth=2)
    loss_ax, acc_ax = fig.axes
    assert list(loss_ax.lines[0].get_ydata()) == [1.0, 3.0, 5.0]      # each step, faint
    assert list(loss_ax.lines[1].get_ydata()) == [1.0, 2.0, 4.0]      # the mean of the last 2
    assert list(acc_ax.lines[1].get_ydata()) == [0.0, 50.0, 75.0]
    assert [len(ax.lines) for ax in nn.demo.plot_history([(1.0, 0.0)]).axes] == [1, 1]  # smooth=1: as before
    with pytest.raises(ValueError, match=r"^plot_history: smooth must be an integer >= 1, got 0"):
        nn.demo.plot_history([(1.0, 0.0)], smooth=0)
