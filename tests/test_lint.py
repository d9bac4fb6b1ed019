"""The code passes ruff with the project's settings (pyproject.toml's [tool.ruff]), as it passes mypy."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    pytest.importorskip("ruff", reason="ruff is in the dev extra: pip install -e '.[dev]' (make test does)")
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "autograd", "nn", "tests", "benchmarks"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
