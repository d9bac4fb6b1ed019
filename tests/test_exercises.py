"""The notebooks' exercises, both ways (issue 20): with the worked solutions of notebooks/solutions/ filled
in, every check prints ✓; blank, every check prints ✗ and its hint (tests/test_notebooks_clean.py runs
the committed, blank notebooks and asserts that); and each hint for a known mistake is the one shown.

An exercise cell asks in comments headed "# Exercise N.M", leaves `...` on its answer lines, and ends
with `check("N.M", ...)`. A solution block (`# %% N.M` in solutions/<notebook>.py) replaces the answer
lines, the lines between the comments and the check.
"""

import doctest
import glob
import math
import os
import re
import sys

import nbformat
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOK_DIR = os.path.join(os.path.dirname(HERE), "notebooks")
# 01-06: two predict-then-check exercises each; 08: build your own Value, an exercise a step.
WITH_EXERCISES = sorted(glob.glob(os.path.join(NOTEBOOK_DIR, "0[1-68]_*.ipynb")))

sys.path.insert(0, NOTEBOOK_DIR)
import exercises  # noqa: E402  (notebooks/exercises.py, as the notebooks import it)

sys.path.remove(NOTEBOOK_DIR)


def exercise_cells(nb):
    """{exercise name: cell} for the cells that call check(...)."""
    cells = {}
    for cell in nb.cells:
        found = re.findall(r'^check\("([^"]+)"', cell.source, re.M) if cell.cell_type == "code" else []
        assert len(found) <= 1, f"cell {cell.get('id')} checks {found}: one exercise a cell"
        if found:
            cells[found[0]] = cell
    return cells


def answer_lines(source):
    """(before, answer, after): the cell's lines before its answer lines, those lines, and the check."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("# Exercise "))
    while lines[start].lstrip().startswith("#"):
        start += 1
    end = next(i for i, line in enumerate(lines) if line.startswith("check("))
    return lines[:start], lines[start:end], lines[end:]


def solutions(path):
    """{exercise name: solution block} from the notebook's solutions file."""
    name = os.path.splitext(os.path.basename(path))[0]
    with open(os.path.join(NOTEBOOK_DIR, "solutions", f"{name}.py"), encoding="utf-8") as f:
        blocks = re.split(r"^# %% (\S+)\n", f.read(), flags=re.M)
    return {key: block.strip("\n") for key, block in zip(blocks[1::2], blocks[2::2])}


def verdicts(cell):
    text = "".join(out.text for out in cell.outputs if out.output_type == "stream")
    return re.findall(r"^([✓✗]) Exercise (\S+): (.*)$", text, re.M)


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=os.path.basename)
def test_each_notebook_has_two_blank_exercises_each_with_a_solution(path):
    nb = nbformat.read(path, as_version=4)
    cells = exercise_cells(nb)
    solved = solutions(path)
    assert len(cells) >= 2, f"{os.path.basename(path)} has {len(cells)} exercises; it needs two"
    assert sorted(cells) == sorted(solved), (sorted(cells), sorted(solved))
    for name, cell in cells.items():
        _, answer, _ = answer_lines(cell.source)
        assert answer and "..." in "\n".join(answer), f"exercise {name} is committed answered, or has no answer lines"
        assert name in exercises.EXERCISES, f"exercise {name} has no checker in notebooks/exercises.py"


def test_every_checker_is_used_by_one_notebook():
    used = [name for path in WITH_EXERCISES for name in exercise_cells(nbformat.read(path, as_version=4))]
    assert sorted(used) == sorted(exercises.EXERCISES)


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=os.path.basename)
def test_with_the_solutions_filled_in_every_check_passes(path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    solved = solutions(path)
    cells = exercise_cells(nb)
    for name, cell in cells.items():
        before, _, after = answer_lines(cell.source)
        cell.source = "\n".join([*before, solved[name], *after])
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": NOTEBOOK_DIR}}).execute()   # raises on any error
    got = {name: verdicts(cell) for name, cell in cells.items()}
    assert all(v and all(mark == "✓" and n == name for mark, n, _ in v) for name, v in got.items()), got


def check_blank_exercises(nb):
    """For tests/test_notebooks_clean.py, which runs the committed notebooks: the exercise cells that did
    not print ✗ and their hint (an empty list when every blank exercise did)."""
    bad = []
    for name, cell in exercise_cells(nb).items():
        got = verdicts(cell)
        hint = exercises.EXERCISES[name][1]
        if not (len(got) == 1 and got[0][0] == "✗" and got[0][1] == name and hint in got[0][2]):
            bad.append((name, got))
    return bad


# A wrong answer a learner is likely to give, and a piece of the hint it must get.
MISTAKES = [
    ("1.1", 6, "also feeds the +"), ("1.1", 3.0, "more than once"), ("1.1", 9, "not a²"),
    ("1.1", 8, "count the paths"), ("1.1", "seven", "should be a number"),
    ("1.2", 7, "set it or add to it"),
    ("2.1", 6, "weights only"), ("2.1", 5, "2 weights"), ("2.1", True, "should be a whole number"),
    ("3.1", (1, 0), "check the sign"), ("3.1", (-1, -1), "past the margin"), ("3.1", 1, "2 numbers"),
    ("3.2", 10, "one epoch"), ("3.2", 500, "B = 1"), ("3.2", 5, "full batch"),
    ("4.2", (29, 2), "swapped"), ("4.2", (1, 29), "how many outputs"),
    ("5.1", 10, "forward difference"), ("5.1", 1000, "O(h²)"),
    ("5.2", lambda x: 1 / (1 + 2.718281828459045 ** x), "σ(−x)"),
    ("5.2", lambda x: 2.718281828459045 ** x, "inner derivative"),
    ("5.2", lambda x: 1 / 0, "raised ZeroDivisionError"), ("5.2", 0.5, "a function of x"),
    ("6.1", (1000, 3), "swapped"), ("6.1", (1, 1000), "one sweep per input"),
    ("6.2", math.tanh(0.5) * math.exp(0.5), "one path"),
]
GIVEN = {"2.2": {"delta": 0.3, "a": 0.5, "truth": 0.15}, "4.1": {"truth": -0.04}}
MISTAKES += [("2.2", 0.3, "δ alone"), ("2.2", 0.5, "∂z/∂w alone"), ("2.2", -0.15, "∂C/∂w_ij = δ_i a_j"),
             ("4.1", 0.04, "check the sign"), ("4.1", -1.0, "σ'(z)")]


@pytest.mark.parametrize("name, answer, hint", MISTAKES, ids=lambda v: v if isinstance(v, str) else None)
def test_a_wrong_answer_gets_the_hint_for_its_mistake(name, answer, hint, capsys):
    exercises.check(name, answer, **GIVEN.get(name, {}))
    line = capsys.readouterr().out
    assert line.startswith(f"✗ Exercise {name}: not yet. ") and hint in line, line


@pytest.mark.parametrize("name", sorted(GIVEN))
def test_the_right_answer_passes_with_the_notebooks_numbers(name, capsys):
    right = {"2.2": 0.15, "4.1": -0.04}[name]
    exercises.check(name, right, **GIVEN[name])
    assert capsys.readouterr().out.startswith(f"✓ Exercise {name}: right.")


def test_a_relu_hidden_unit_at_zero_is_right_not_a_mistake(capsys):
    """2.2's a[1]_1 may be 0 (a relu): then the answer 0 equals both a and the truth, and is right."""
    exercises.check("2.2", 0.0, delta=0.3, a=0.0, truth=0.0)
    assert capsys.readouterr().out.startswith("✓")


def test_check_names_an_unknown_exercise():
    with pytest.raises(ValueError, match=r"no exercise named '9.9'; the exercises are \['1.1'"):
        exercises.check("9.9", 1)


def test_the_docstring_examples_run():
    result = doctest.testmod(exercises)
    assert result.attempted >= 3 and result.failed == 0
