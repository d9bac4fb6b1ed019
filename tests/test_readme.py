"""The README's examples run as written, each in a fresh interpreter (so they cannot lean on each other).

What an example prints is checked where the README shows it. The convention: a comment

    # prints: <text>

(on a line of its own, or after the code) says that <text> is one whole line of what the block
prints, exactly, spaces included; a block's claims are checked in order. Write it wherever a
comment shows output, so that the README cannot drift from the code.
"""

import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
    BLOCKS = re.findall(r"```python\n(.*?)```", f.read(), re.S)
EXCERPT = "# two rows of OPS"  # the one block that quotes the engine rather than using it
PRINTS = re.compile(r"# prints: (.*)$", re.M)


def claimed_lines(code):
    """The lines a block says it prints (its ``# prints:`` comments), in order."""
    return [line.rstrip() for line in PRINTS.findall(code)]


def claims_hold(claimed, printed):
    """Whether each claimed line is printed, in the claims' order (other printed lines may come between)."""
    rest = iter(line.rstrip() for line in printed.splitlines())
    return all(any(line == claim for line in rest) for claim in claimed)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 8 and sum(b.startswith(EXCERPT) for b in BLOCKS) == 1


@pytest.mark.parametrize("code", [b for b in BLOCKS if not b.startswith(EXCERPT)], ids=lambda b: b.splitlines()[0][:40])
def test_readme_example_runs(code, tmp_path):
    if "def test_" in code:  # a property test: define it, then run it
        code += "\n" + "\n".join(f"{name}()" for name in re.findall(r"^def (test_\w+)", code, re.M))
    env = {**os.environ, "PYTHONPATH": REPO}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert claims_hold(claimed_lines(code), result.stdout), (
        f"the README says this block prints {claimed_lines(code)}, but it printed:\n{result.stdout}")


def test_printed_output_claims_are_found_and_checked():
    assert sum(len(claimed_lines(b)) for b in BLOCKS) >= 1  # the backward_steps example shows its output
    code = 'for i in range(3):\n    print(f"i = {i}")  # prints: i = 1\n# prints: i = 2\n'
    assert claimed_lines(code) == ["i = 1", "i = 2"]
    assert claims_hold(["i = 1", "i = 2"], "i = 0\ni = 1\ni = 2\n")
    assert not claims_hold(["i = 2", "i = 1"], "i = 0\ni = 1\ni = 2\n")  # out of order
    assert not claims_hold(["i = 1"], "i = 10\n")                       # whole lines only
    assert not claims_hold(["x.grad = 0.0099"], "x.grad = 2.458e-05\n")
