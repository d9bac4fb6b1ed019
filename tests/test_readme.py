"""The README's examples run as written, each in a fresh interpreter (so they cannot lean on each other)."""

import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
    BLOCKS = re.findall(r"```python\n(.*?)```", f.read(), re.S)
EXCERPT = "# two rows of OPS"  # the one block that quotes the engine rather than using it


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 8 and sum(b.startswith(EXCERPT) for b in BLOCKS) == 1


@pytest.mark.parametrize("code", [b for b in BLOCKS if not b.startswith(EXCERPT)], ids=lambda b: b.splitlines()[0][:40])
def test_readme_example_runs(code, tmp_path):
    if "def test_" in code:  # a property test: define it, then run it
        code += "\n" + "\n".join(f"{name}()" for name in re.findall(r"^def (test_\w+)", code, re.M))
    env = {**os.environ, "PYTHONPATH": REPO}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
