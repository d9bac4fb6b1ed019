"""The notebooks are committed stripped: valid nbformat, no outputs, no execution counts.

Outputs in git make noisy diffs, stale results next to newer code, and large files (inline SVGs).
`make test` runs the notebooks themselves (nbmake); this checks what is committed.
"""

import glob
import os

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
