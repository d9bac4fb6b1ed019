"""The notebooks are committed stripped (valid nbformat, no outputs, no execution counts), and they
run without Graphviz's `dot` program.

Outputs in git make noisy diffs, stale results next to newer code, and large files (inline SVGs).
`make test` runs the notebooks themselves (nbmake), where `dot` is installed; this checks what is
committed, and runs the notebooks that draw graphs once more with `dot` hidden.
"""

import glob
import os
import pathlib
import re

import nbformat
import pytest

NOTEBOOKS = sorted(glob.glob(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                          "notebooks", "*.ipynb")))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_is_valid_and_stripped(path):
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)  # raises ValidationError naming the bad field
    assert nb.nbformat == 4
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "the kernel must be the project's python3"
    dirty = [(i, cell.get("id")) for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, (f"{os.path.basename(path)}: code cells {dirty} (index, id) have outputs or an execution count; "
                       f"clear them before committing (Jupyter: Edit > Clear Outputs of All Cells)")


DRAWING = [path for path in NOTEBOOKS if re.search(r"\bdraw_dot\b|\bbackward_steps\b", pathlib.Path(path).read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", DRAWING, ids=os.path.basename)
def test_notebook_runs_without_dot_and_shows_the_text_fallback(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot`; the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(path)}}).execute()  # raises on any error
    shown = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not any(kind.startswith("image/svg") for out in shown for kind in out.get("data", {}))
    assert any("install Graphviz" in out.get("data", {}).get("text/plain", "") for out in shown)
