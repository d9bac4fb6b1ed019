"""The public API's types, checked by mypy (pinned in the dev extra; why mypy: README, "Types").

One strict run over what pyproject's ``[tool.mypy]`` lists (autograd/, nn/ and the typing tests in
tests/typing/) plus a file written here from the op table: an ``assert_type`` for every method the
engine makes from `OPS`, so no op can be added with an untyped method or without one. A second,
ordinary run checks the README's examples as a user's checker would (untyped code allowed, its
bodies checked). Both runs use mypy's cache, so a run after the first takes a few seconds.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHECKED = ["autograd", "nn", "tests/typing"]  # as in pyproject's [tool.mypy] files
README_EXCERPT = "# two rows of OPS"  # the README block that quotes the engine rather than using it

# The engine's methods made from OPS, read in a fresh interpreter (this one may hold ops other
# tests registered): attribute -> (factory, op). The factories are engine.py's _unary, _binary
# and _reflected; their closures are what the op methods are, and their return types type them.
INTROSPECT = """
import json
from autograd.engine import OPS, Value
made = {}
for attr, method in vars(Value).items():
    factory = getattr(method, "__qualname__", "").split(".<locals>.")[0]
    if factory in ("_unary", "_binary", "_reflected"):
        made[attr] = [factory, getattr(method, "__name__", "")]
print(json.dumps({"made": made, "ops": sorted(OPS)}))
"""


def mypy(*args, env=None):
    """(exit status, output) of mypy run from the repo root."""
    done = subprocess.run([sys.executable, "-m", "mypy", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)
    return done.returncode, done.stdout + done.stderr


def untyped_ops(ops, made):
    """The ops of the table that no factory-made method of Value applies (empty when they agree)."""
    return sorted(set(ops) - {name for factory, name in made.values() if factory != "_reflected"})


def op_method_checks(made):
    """A module for mypy: what each factory-made method of Value must take and give."""
    lines = ["from typing_extensions import assert_type  # (Python 3.10 has no typing.assert_type)", "from autograd import Value", "", "",
             "def check(x: Value, y: Value) -> None:"]
    for attr, (factory, _) in sorted(made.items()):
        if factory == "_unary":
            lines += [f"    assert_type(x.{attr}(), Value)", f"    x.{attr}(y)  # type: ignore[call-arg]"]
        elif factory == "_binary":
            lines += [f"    assert_type(x.{attr}(y), Value)", f"    assert_type(x.{attr}(2.0), Value)",
                      f'    x.{attr}("s")  # type: ignore[arg-type]']
        else:  # reflected: `2 - x` arrives as x.__rsub__(2.0); a Value never does
            lines += [f"    assert_type(x.{attr}(2.0), Value)", f"    x.{attr}(y)  # type: ignore[arg-type]"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def engine_methods():
    out = subprocess.run([sys.executable, "-c", INTROSPECT], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=True).stdout
    return json.loads(out)


@pytest.fixture(scope="module")
def strict_run(engine_methods, tmp_path_factory):
    """mypy's verdict on the packages, the typing tests and the op methods, in one strict run."""
    ops_file = tmp_path_factory.mktemp("ops") / "check_op_methods.py"
    ops_file.write_text(op_method_checks(engine_methods["made"]), encoding="utf-8")
    status, output = mypy(*CHECKED, str(ops_file), env={"MYPYPATH": str(REPO)})
    return status, output, ops_file


def test_packages_and_typing_tests_pass_mypy_strict(strict_run):
    status, output, _ = strict_run
    assert status == 0 and "Success" in output, f"mypy --strict found errors:\n{output}"
    assert "[tool.mypy]" in (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^strict = true$', (REPO / "pyproject.toml").read_text(encoding="utf-8"), re.M)


def test_every_op_has_a_typed_method(engine_methods, strict_run):
    # The table and the class agree: each op of OPS has a method made by the engine's factories
    # (typed through their return types), and mypy infers Value for every one of them.
    assert untyped_ops(engine_methods["ops"], engine_methods["made"]) == []
    made = engine_methods["made"]
    assert {"__add__", "__rsub__", "__neg__", "__abs__", "tanh", "reciprocal"} <= set(made)
    _, output, ops_file = strict_run
    assert ops_file.name not in output, f"an op method is not typed as the table says:\n{output}"
    assert len(ops_file.read_text(encoding="utf-8").splitlines()) > 2 * len(engine_methods["ops"])


def test_the_op_check_sees_an_op_without_a_method_and_an_untyped_one():
    made = {"__add__": ["_binary", "+"], "tanh": ["_unary", "tanh"], "__radd__": ["_reflected", "reflected"]}
    assert untyped_ops(["+", "tanh"], made) == []
    assert untyped_ops(["+", "tanh", "erf"], made) == ["erf"]  # in OPS, but no factory-made method
    assert untyped_ops(["+"], {"__add__": ["_reflected", "+"]}) == ["+"]


def test_mypy_refuses_a_wrong_type_here(tmp_path):
    # The harness can fail: a wrong expectation and an accepted "must be rejected" line both fail.
    bad = tmp_path / "check_wrong.py"
    bad.write_text("from typing_extensions import assert_type\nfrom autograd import Value, grad\n"
                   "x = Value(1.0)\nassert_type(grad(x * x, [x]), tuple[Value, ...])\n"
                   "x + 2.0  # type: ignore[arg-type]\n", encoding="utf-8")
    status, output = mypy(str(bad), env={"MYPYPATH": str(REPO)})
    assert status != 0
    assert "[assert-type]" in output and "[unused-ignore]" in output, output


def test_the_typing_tests_run(restore_the_op_table):
    # What check_api.py pins is working code: its accepted_* functions run without error.
    sys.path.insert(0, str(REPO / "tests" / "typing"))
    try:
        import check_api
    finally:
        sys.path.remove(str(REPO / "tests" / "typing"))
    accepted = [f for name, f in vars(check_api).items() if name.startswith("accepted_")]
    assert len(accepted) >= 6
    for f in accepted:
        f()


README_CONFIG = """[mypy]
python_version = 3.10
check_untyped_defs = True
warn_unused_ignores = True
cache_dir = {cache}
"""


def test_the_readme_examples_type_check(tmp_path):
    # A user's checker on the README's code, as written: untyped defs allowed, their bodies checked.
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if not b.startswith(README_EXCERPT)]
    assert len(blocks) >= 8
    files = []
    for k, block in enumerate(blocks):
        files.append(tmp_path / f"readme_example_{k}.py")
        files[-1].write_text(block, encoding="utf-8")
    config = tmp_path / "mypy.ini"
    config.write_text(README_CONFIG.format(cache=REPO / ".mypy_cache" / "readme"), encoding="utf-8")
    status, output = mypy("--config-file", str(config), *map(str, files), env={"MYPYPATH": str(REPO)})
    assert status == 0, f"a README example does not type-check:\n{output}"
