"""The shared input checks (autograd/_checks.py): what each accepts and refuses, and that both
packages use them rather than their own copies or each other's private names."""

import ast
import doctest
import math
import pathlib
import re
from fractions import Fraction

import pytest

from autograd import _checks
from autograd._checks import (
    DOMAIN_ERRORS,
    TooLargeError,
    as_float,
    finite,
    is_int,
    is_number,
    nonnegative,
    number_in,
    positive,
    positive_int,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent


class Real(Fraction):
    """A numbers.Real that is neither int nor float: the slow path of is_number."""


@pytest.mark.parametrize("x, expected", [
    (1, True), (1.5, True), (-0.0, True), (math.inf, True), (Fraction(1, 3), True), (Real(2), True),
    (True, False), (False, False), ("1", False), (None, False), (1j, False), ([1.0], False),
])
def test_is_number_is_a_real_number_not_a_bool(x, expected):
    assert is_number(x) is expected


@pytest.mark.parametrize("x, expected", [(3, True), (0, True), (-2, True), (3.0, False), (True, False), ("3", False)])
def test_is_int_is_an_integer_not_a_bool(x, expected):
    assert is_int(x) is expected


def test_finite_accepts_real_numbers_and_names_who_and_what():
    assert finite(2, "compile", "input 0") == 2.0 and type(finite(2, "compile", "input 0")) is float
    assert finite(Fraction(1, 4), "Expr", "input") == 0.25
    with pytest.raises(TypeError, match=r"^gradcheck: input 1 must be a real number, got bool: True$"):
        finite(True, "gradcheck", "input 1")
    with pytest.raises(ValueError, match=r"^compile: input 0 must be finite, got nan$"):
        finite(math.nan, "compile", "input 0")
    with pytest.raises(ValueError, match=r"^compile: example input 2 must be finite, got -inf$"):
        finite(-math.inf, "compile: example input 2")  # who alone is the whole prefix


def test_a_number_too_large_for_a_float_is_an_overflow_and_a_value_error():
    # The engine promises OverflowError for Value(10 ** 400); Module.load promises ValueError.
    for error in (OverflowError, ValueError, TooLargeError):
        with pytest.raises(error, match=r"^Value: int of about 10\*\*400 is too large for a float \(the largest is ~1\.8e308\)$"):
            as_float(10 ** 400, "Value")
    with pytest.raises(TooLargeError, match=r"^mse_loss: the target at index 0: Fraction of about 10\*\*400 is too large"):
        finite(Fraction(10 ** 400, 3), "mse_loss", "the target at index 0")
    with pytest.raises(TooLargeError, match=r"^SGD: lr: int of about 10\*\*400 is too large"):
        nonnegative(10 ** 400, "SGD", "lr")


@pytest.mark.parametrize("check, good, bads, rule", [
    (nonnegative, (0, 0.0, 2, 1e300), (-1e-300, math.inf, math.nan, True, "1", None), "a finite number >= 0"),
    (positive, (1e-300, 3), (0, -0.0, -1.0, math.inf, math.nan, False), "a positive finite number"),
])
def test_nonnegative_and_positive(check, good, bads, rule):
    for x in good:
        assert check(x, "who", "what") == float(x)
    for x in bads:
        with pytest.raises(ValueError, match=rf"^who: what must be {rule}, got {repr(x).replace('.', '[.]')}$"):
            check(x, "who", "what")


def test_number_in_and_positive_int_raise_the_error_class_asked_for():
    class Refused(Exception):
        pass

    assert number_in(0.5, "make_circles", "factor", "a number in (0, 1)", lambda v: 0 < v < 1) == 0.5
    with pytest.raises(Refused, match=r"^make_circles: factor must be a number in \(0, 1\), got 1$"):
        number_in(1, "make_circles", "factor", "a number in (0, 1)", lambda v: 0 < v < 1, Refused)
    assert positive_int(3, "MLP", "nin") == 3 and positive_int(2, "f", "n", least=2) == 2
    for bad in (0, -1, 1.0, True, "2", None):
        with pytest.raises(Refused, match=rf"^exprs: max_steps must be an integer >= 1, got {bad!r}$"):
            positive_int(bad, "exprs", "max_steps", error=Refused)
    with pytest.raises(ValueError, match=r"^f: n must be an integer >= 2, got 1$"):
        positive_int(1, "f", "n", least=2)


def test_domain_errors_are_what_ops_raise_outside_their_domain():
    from autograd import Value
    for make in (lambda: Value(0.0).log(), lambda: Value(0.0) ** -1, lambda: Value(1000.0).exp(),
                 lambda: Value(-2.0) ** 0.5, lambda: Value(1.0) / 0):
        with pytest.raises(DOMAIN_ERRORS):
            make()


def test_docstring_examples_run():
    results = doctest.testmod(_checks)
    assert results.attempted > 0 and results.failed == 0


def imported_names(path):
    """(module, name) for every `from module import name` in the file."""
    tree = ast.parse(path.read_text())
    return [(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for alias in node.names]


def test_nn_imports_no_private_name_of_autograd():
    # The checks nn needs are public names of autograd._checks, not engine privates (_is_number).
    private = [(path.name, module, name) for path in sorted((ROOT / "nn").glob("*.py"))
               for module, name in imported_names(path)
               if module and module.startswith("autograd") and name.startswith("_")]
    assert private == []


def test_the_domain_errors_tuple_and_the_bool_check_are_written_once():
    # Regression: _DOMAIN_ERRORS was defined in three modules, `isinstance(x, bool) or not
    # isinstance(...)` rolled by hand in seven.
    sources = {path.name: path.read_text() for folder in ("autograd", "nn") for path in sorted((ROOT / folder).glob("*.py"))}
    tuples = [name for name, text in sources.items() if re.search(r"^_?DOMAIN_ERRORS = ", text, re.M)]
    bools = [name for name, text in sources.items() if re.search(r"isinstance\(\w+, bool\)", text)]
    assert tuples == ["_checks.py"] and bools == ["_checks.py"], (tuples, bools)
