"""Input checks shared by `autograd` and `nn`: one place for "a real number, not a bool", "finite",
"an integer >= 1", and the errors they raise.

Every check takes ``who`` (who is asking: the function or class the user called, as
``"draw_dot"`` or ``"SGD"``) and usually ``what`` (the argument, as ``"max_nodes"``), and its
error reads ``"<who>: <what> must be ..., got ..."``. Internal: the packages import these names,
users do not.

Example:
  >>> finite(2, "compile", "input 0")
  2.0
  >>> positive_int(0, "draw_dot", "max_nodes")
  Traceback (most recent call last):
  ...
  ValueError: draw_dot: max_nodes must be an integer >= 1, got 0
"""

from __future__ import annotations

import inspect
import math
import numbers
import reprlib
from collections.abc import Callable, Iterable, Mapping, Sequence, Set, Sized
from itertools import chain
from typing import TYPE_CHECKING, Any, SupportsFloat, cast

if TYPE_CHECKING:  # TypeIs is in typing from Python 3.13; only type checkers read it here
    from typing_extensions import TypeIs

__all__ = ["DOMAIN_ERRORS", "TooLargeError", "as_float", "cannot_take", "finite", "finite_matrix", "flag", "is_int", "is_number",
           "nonnegative", "number_in", "ordered", "positive", "positive_int", "random_seed", "sequence", "shown", "too_large"]

# What an op raises outside its domain (log of 0, 0 ** -1, exp overflow, a negative base's
# fractional power): the errors a caller that probes points catches.
DOMAIN_ERRORS = (ArithmeticError, ValueError)

_FAST_NUMBERS = frozenset((float, int))

_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 80


def shown(x: object) -> str:
    """`x` as an error message shows it: its repr, a long one cut in the middle (a file may hold 100,000 x's).

    Example:
      >>> shown("x" * 1000)[:12], len(shown("x" * 1000)) < 100
      ("'xxxxxxxxxxx", True)
    """
    return _SHOWN.repr(x)


def is_number(x: object) -> TypeIs[float]:
    """True for a real number that is not a bool (int, float, Fraction, a NumPy float, ...).

    Example:
      >>> is_number(2), is_number(0.5), is_number(True), is_number("1")
      (True, True, False, False)
    """
    # Speed: the exact-type test settles float and int (not bool) without the ABC's slower check.
    return x.__class__ in _FAST_NUMBERS or (isinstance(x, numbers.Real) and not isinstance(x, bool))


def is_int(x: object) -> TypeIs[int]:
    """True for an integer that is not a bool (int, a NumPy integer, ...).

    Example:
      >>> is_int(3), is_int(3.0), is_int(True)
      (True, False, False)
    """
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


class TooLargeError(OverflowError, ValueError):
    """A number too large for a float (an int or Fraction beyond ~1.8e308).

    Both an OverflowError (what ``float()`` raises) and a ValueError (a value out of range), so
    that callers documented to raise either one keep their word.

    Example:
      >>> issubclass(TooLargeError, OverflowError) and issubclass(TooLargeError, ValueError)
      True
    """


def too_large(who: str, x: Any) -> TooLargeError:
    """The error for a number `x` too large for a float, naming `who` (returned, not raised).

    Example:
      >>> too_large("Value", 10 ** 400)
      TooLargeError('Value: int of about 10**400 is too large for a float (the largest is ~1.8e308)')
    """
    digits = round(math.trunc(abs(x)).bit_length() * math.log10(2))  # no str(): a huge int may refuse it
    return TooLargeError(f"{who}: {type(x).__name__} of about 10**{digits} is too large for a float "
                         f"(the largest is ~1.8e308)")


def as_float(x: SupportsFloat, who: str) -> float:
    """`x` (a real number) as a float; a huge int or Fraction raises `TooLargeError` naming `who`.

    Example:
      >>> as_float(3, "Value")
      3.0
    """
    # float() of a huge int or Fraction raises OverflowError without saying where or what.
    try:
        return float(x)
    except OverflowError:
        raise too_large(who, x) from None


def finite(x: object, who: str, what: str | None = None) -> float:
    """`x` as a finite float, or a TypeError (not a real number) or ValueError (inf, nan, too large).

    Args:
      x: the value to check.
      who: who is asking (``"compile"``); the whole prefix when `what` is None.
      what: the argument (``"input 2"``), or None.

    Returns:
      ``float(x)``.

    Example:
      >>> finite(True, "gradcheck", "input 1")
      Traceback (most recent call last):
      ...
      TypeError: gradcheck: input 1 must be a real number, got bool: True
    """
    name = who if what is None else f"{who}: {what}"
    if not is_number(x):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}: {shown(x)}")
    x = as_float(x, name)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return x


def number_in(x: object, who: str, what: str, rule: str, ok: Callable[[float], bool],
              error: type[Exception] = ValueError) -> float:
    """`x` as a float if it is a real number (not a bool) for which ``ok(x)`` holds; else `error`.

    Args:
      x: the value to check.
      who, what: who is asking, and the argument.
      rule: what `x` must be, for the message (``"a number in (0, 1)"``).
      ok: the test, given the number.
      error: the exception class to raise (hypothesis strategies raise ``InvalidArgument``).

    Returns:
      ``float(x)``.

    Example:
      >>> number_in(0.5, "make_circles", "factor", "a number in (0, 1)", lambda v: 0 < v < 1)
      0.5
    """
    if not (is_number(x) and ok(x)):
        raise error(f"{who}: {what} must be {rule}, got {shown(x)}")
    return as_float(x, f"{who}: {what}")


def nonnegative(x: object, who: str, what: str, error: type[Exception] = ValueError) -> float:
    """`x` as a float if it is a finite real number >= 0 (a learning rate, a tolerance, a noise).

    Example:
      >>> nonnegative(-0.1, "SGD", "lr")
      Traceback (most recent call last):
      ...
      ValueError: SGD: lr must be a finite number >= 0, got -0.1
    """
    return number_in(x, who, what, "a finite number >= 0", lambda v: 0 <= v < math.inf, error)


def positive(x: object, who: str, what: str, error: type[Exception] = ValueError) -> float:
    """`x` as a float if it is a finite real number > 0 (a step, a bound).

    Example:
      >>> positive(1e-6, "gradcheck", "eps")
      1e-06
    """
    return number_in(x, who, what, "a positive finite number", lambda v: 0 < v < math.inf, error)


def positive_int(n: object, who: str, what: str, least: int = 1, error: type[Exception] = ValueError) -> int:
    """`n` if it is an integer (not a bool) >= `least` (1 unless given); else `error`.

    Example:
      >>> positive_int(3, "MLP", "nin")
      3
      >>> positive_int(True, "MLP", "nin")
      Traceback (most recent call last):
      ...
      ValueError: MLP: nin must be an integer >= 1, got True
    """
    if not (is_int(n) and n >= least):
        raise error(f"{who}: {what} must be an integer >= {least}, got {shown(n)}")
    return n


def random_seed(x: object, who: str, kinds: str = "None or an int") -> int | None:
    """`x` as a seed for ``random.Random``: None, or an integer (not a bool; a NumPy one too) as an int.

    ``random.Random`` itself refuses a NumPy integer with a bare TypeError, and takes ``True``,
    ``"x"`` and (before Python 3.12) ``1.5`` without a word: every seed the packages take comes here.

    Args:
      x: the seed.
      who: who is asking (``"make_moons"``).
      kinds: what the caller accepts, for the message (a caller that also takes a
        ``random.Random`` checks for it first, and says so here).

    Example:
      >>> random_seed(None, "make_moons"), random_seed(3, "make_moons")
      (None, 3)
      >>> random_seed(1.5, "make_moons")
      Traceback (most recent call last):
      ...
      TypeError: make_moons: seed must be None or an int, got float: 1.5
    """
    if x is None:
        return None
    if not is_int(x):
        raise TypeError(f"{who}: seed must be {kinds}, got {type(x).__name__}: {shown(x)}")
    return int(x)  # int(): random.Random refuses a NumPy integer


def cannot_take(fn: Callable[..., object], args: Sequence[Any]) -> str | None:
    """Why `fn` cannot be called with `args` (the reason `inspect` gives), or None if it can.

    Asked before the call, so that a TypeError raised inside `fn` reaches the user as it is.
    None too when `fn` has no signature to read (some builtins): then the call itself will tell.

    Example:
      >>> cannot_take(lambda x: x, [1.0, 2.0]), cannot_take(lambda x, y: x, [1.0, 2.0])
      ('too many positional arguments', None)
    """
    try:
        inspect.signature(fn).bind(*args)
    except TypeError as e:
        return str(e)
    except ValueError:
        return None
    return None


def ordered(xs: object, who: str, what: str, rule: str) -> list[Any]:
    """`xs`, a sequence of items (list, tuple, 1-d array, generator, ...), as a list; else a TypeError.

    The one place where a collection from outside is read item by item, in order. Refused, each
    with a sentence: a str or bytes; a dict (its keys, say Values, would be read as the items,
    so ``{x: 1.0}`` is an error, not a wrong number: list the items in order); a set (no order);
    a 0-d NumPy array or tensor (one number: pass ``x.item()``); anything not iterable. The
    caller takes a lone item (a number, a Value) first, and checks the items.

    Args:
      xs: the collection.
      who, what: who is asking, and the argument (``"jvp"``, ``"tangents"``).
      rule: what `xs` must be, for the message (``"a number or a sequence of numbers, one per input"``).

    Returns:
      ``list(xs)``.

    Example:
      >>> ordered((1.0, 2.0), "jvp", "tangents", "a sequence of numbers")
      [1.0, 2.0]
      >>> ordered({"a": 1.0}, "jvp", "tangents", "a sequence of numbers")
      Traceback (most recent call last):
      ...
      TypeError: jvp: tangents must be a sequence of numbers, got dict: {'a': 1.0} (a dict is not read by key: list its values in order)
    """
    why = None
    if isinstance(xs, Mapping):
        why = " (a dict is not read by key: list its values in order)"
    elif isinstance(xs, Set):
        why = " (a set has no order: use a list)"
    elif getattr(xs, "ndim", None) == 0 and hasattr(xs, "__iter__"):  # np.array(1.0), torch.tensor(1.0)
        why = " (a 0-d array or tensor holds one number: pass x.item())"
    elif isinstance(xs, (str, bytes)) or not hasattr(xs, "__iter__"):
        why = ""
    if why is not None:
        raise TypeError(f"{who}: {what} must be {rule}, got {type(xs).__name__}: {shown(xs)}{why}")
    return list(cast("Iterable[Any]", xs))  # iterable: checked above


def sequence(values: object, who: str, what: str, items: str = "numbers") -> Sequence[Any]:
    """`values` as a list or tuple, refused as `ordered` refuses (a str, a dict, a set, a 0-d array, a number).

    Args:
      values: the items (a list, a tuple, a 1-D array, a generator, ...).
      who, what: who is asking, and the argument, plural (``"inputs"``).
      items: what the items must be, for the message.

    Example:
      >>> sequence(range(3), "compile", "inputs")
      [0, 1, 2]
      >>> sequence({0: 1.5}, "compile", "inputs")
      Traceback (most recent call last):
      ...
      TypeError: compile: inputs must be a sequence of numbers, got dict: {0: 1.5} (a dict is not read by key: list its values in order)
    """
    if isinstance(values, (list, tuple)):  # speed: the common case, not copied
        return values
    return ordered(values, who, what, f"a sequence of {items}")


def finite_matrix(X: object, width: int, who: str, what: str = "X") -> Any:
    """`X`, rows of `width` numbers, as a 2-D NumPy float array; each number checked as `finite` checks it.

    The batch form of a function's inputs: it refuses what `finite` refuses in a row (a bool, a
    str, inf, nan), naming the row and the column. Needs NumPy (the caller's optional extra).

    Args:
      X: a 2-D array, or a sequence of rows (sequences of numbers); an empty sequence is no rows.
      width: the numbers per row.
      who, what: who is asking, and the argument.

    Returns:
      An array of shape (len(X), width) and dtype float.

    Example:
      >>> finite_matrix([[1, 2.5]], 2, "f.batch").tolist()
      [[1.0, 2.5]]
      >>> finite_matrix([[1.0, 2.0], [True, 0.0]], 2, "f.batch")
      Traceback (most recent call last):
      ...
      TypeError: f.batch: row 1, input 0 must be a real number, got bool: True
    """
    import numpy as np

    if not isinstance(X, np.ndarray) and hasattr(X, "__array__"):
        X = np.asarray(X)  # a pandas DataFrame, a tensor: iterating would give column names, 1-D tensors
    if not isinstance(X, np.ndarray):
        rows = sequence(X, who, what, "rows of numbers")
        if not rows:
            return np.empty((0, width))
        try:
            # Speed: rows of Python floats and ints become floats in C; anything else is kept as it
            # is (a float dtype would read "1.5" and True as numbers) and checked one by one below.
            plain = set(map(type, chain.from_iterable(rows))) <= _FAST_NUMBERS
            X = np.array(rows, dtype=float if plain else object)
        except (TypeError, ValueError, OverflowError):  # a row that is no sequence, rows of two lengths, a huge int
            bad = next((r for r, row in enumerate(rows) if not isinstance(row, Sized) or len(row) != width), None)
            if bad is not None:
                raise ValueError(f"{who}: {what} must be rows of {width} numbers, got row {bad}: {shown(rows[bad])}") from None
            X = np.array(rows, dtype=object)
    if X.ndim != 2 or X.shape[1] != width:
        raise ValueError(f"{who}: {what} must have shape (n_points, {width}), got {X.shape}")
    # Speed: a float or int array is checked in C; anything else, and any row that is not finite,
    # number by number, which names the first bad one.
    start = 0
    if X.dtype.kind in "fiu":
        numbers = X.astype(float, copy=False)
        finite_rows = np.isfinite(numbers).all(axis=1)
        if finite_rows.all():
            return numbers
        start = int(finite_rows.argmin())  # the first row with a number that is not finite: it raises below
    return np.array([[finite(x, who, f"row {r}, input {k}") for k, x in enumerate(X[r].tolist())]
                     for r in range(start, len(X))], dtype=float).reshape(-1, width)


def flag(x: object, who: str, what: str) -> bool:
    """`x` if it is True or False (not 1, not "no", which would read as True); else a TypeError.

    Example:
      >>> flag("no", "f.batch", "grads")
      Traceback (most recent call last):
      ...
      TypeError: f.batch: grads must be True or False, got str: 'no'
    """
    if not isinstance(x, bool):
        raise TypeError(f"{who}: {what} must be True or False, got {type(x).__name__}: {shown(x)}")
    return x
