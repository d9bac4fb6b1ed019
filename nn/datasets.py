"""Toy 2-D data sets in pure Python, in the style of scikit-learn's ``make_moons``, ``make_circles``
and ``make_blobs``; and a real one, `load_digits` (8 × 8 handwritten digits, from scikit-learn).

Each generator returns ``(X, y)``: `X` a list of points (each a list of floats) and `y` a list of
integer class labels, in scikit-learn's convention: 0 and 1 for two classes, 0 .. k-1 for k blobs.
Labels for a loss that wants ±1 (``hinge_loss``) are one line away: ``[2 * t - 1 for t in y]``.
The same `seed` (an int, a NumPy one too; not a bool, a float or a string) gives the same data
on every machine (a private ``random.Random(seed)``; the global ``random`` module is not
touched); ``seed=None`` draws fresh data each call.

Example:
  >>> X, y = make_moons(4, noise=0.1, seed=0)
  >>> len(X), len(X[0]), sorted(y)
  (4, 2, [0, 0, 1, 1])
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from autograd._checks import is_int, nonnegative, number_in, positive_int, random_seed

__all__ = ["load_digits", "make_blobs", "make_circles", "make_moons"]

# A data set's split: ((X_train, y_train), (X_test, y_test)), as Keras's ``mnist.load_data()``.
Split = tuple[tuple[list[list[float]], list[int]], tuple[list[list[float]], list[int]]]


def make_moons(n_samples: int = 100, noise: float = 0.0, seed: int | None = None) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles: the classic non-linearly-separable toy problem.

    The upper moon (label 0) is the half circle of radius 1 around (0, 0); the lower moon (label 1)
    is the same half circle flipped and shifted to (1, 0.5). Points are spread evenly along each
    moon, shuffled, and then jittered by Gaussian noise.

    Args:
      n_samples: the number of points; the upper moon gets ``n_samples // 2`` of them.
      noise: the standard deviation of the Gaussian noise added to each coordinate (>= 0).
      seed: an int for reproducible data, or None for fresh randomness.

    Returns:
      ``(X, y)``: `X` a list of ``[x1, x2]`` float pairs, `y` a list of labels 0 or 1.

    Example:
      >>> X, y = make_moons(2)
      >>> sorted(zip(y, X))
      [(0, [1.0, 0.0]), (1, [0.0, 0.5])]
    """
    positive_int(n_samples, "make_moons", "n_samples")
    nonnegative(noise, "make_moons", "noise")
    rng = random.Random(random_seed(seed, "make_moons"))
    n_upper = n_samples // 2
    points = [([math.cos(t), math.sin(t)], 0) for t in _linspace(0.0, math.pi, n_upper, endpoint=True)]
    points += [([1.0 - math.cos(t), 0.5 - math.sin(t)], 1)
               for t in _linspace(0.0, math.pi, n_samples - n_upper, endpoint=True)]
    return _finish(points, noise, rng)


def make_circles(n_samples: int = 100, noise: float = 0.0, factor: float = 0.8,
                 seed: int | None = None) -> tuple[list[list[float]], list[int]]:
    """A small circle inside a large one: separable by radius, not by any line.

    Args:
      n_samples: the number of points; the outer circle gets ``n_samples // 2`` of them.
      noise: the standard deviation of the Gaussian noise added to each coordinate (>= 0).
      factor: the inner circle's radius relative to the outer one's (1), in (0, 1).
      seed: an int for reproducible data, or None for fresh randomness.

    Returns:
      ``(X, y)``: `X` a list of ``[x1, x2]`` float pairs, `y` a list of labels: 0 for the outer
      circle, 1 for the inner one.

    Example:
      >>> X, y = make_circles(8, factor=0.5, seed=0)
      >>> sorted({round(math.hypot(*x), 6) for x in X})
      [0.5, 1.0]
    """
    positive_int(n_samples, "make_circles", "n_samples")
    nonnegative(noise, "make_circles", "noise")
    number_in(factor, "make_circles", "factor", "a number in (0, 1)", lambda v: 0 < v < 1)
    rng = random.Random(random_seed(seed, "make_circles"))
    n_outer = n_samples // 2
    points = [([math.cos(t), math.sin(t)], 0) for t in _linspace(0.0, 2 * math.pi, n_outer, endpoint=False)]
    points += [([factor * math.cos(t), factor * math.sin(t)], 1)
               for t in _linspace(0.0, 2 * math.pi, n_samples - n_outer, endpoint=False)]
    return _finish(points, noise, rng)


def make_blobs(n_samples: int = 100, centers: int | Sequence[Sequence[float]] = 3, cluster_std: float = 1.0,
               seed: int | None = None, *, n_features: int = 2,
               center_box: tuple[float, float] = (-10.0, 10.0)) -> tuple[list[list[float]], list[int]]:
    """Gaussian blobs around a few centers, one class per center.

    Args:
      n_samples: the number of points, shared as evenly as possible (the first centers get one
        extra point each when it does not divide).
      centers: the number of centers, drawn uniformly from `center_box` in every coordinate; or a
        list of center points (each a list of floats, all of one length), which sets the dimension.
      cluster_std: the standard deviation of every blob (>= 0).
      seed: an int for reproducible data, or None for fresh randomness.
      n_features: the dimension of the random centers (ignored when `centers` is a list).
      center_box: ``(low, high)``, the box the random centers are drawn from.

    Returns:
      ``(X, y)``: `X` a list of points (lists of floats), `y` the index of each point's center.

    Example:
      >>> X, y = make_blobs(6, centers=[[0.0, 0.0], [5.0, 5.0]], cluster_std=0.0, seed=0)
      >>> sorted(zip(y, X))[::3]
      [(0, [0.0, 0.0]), (1, [5.0, 5.0])]
    """
    positive_int(n_samples, "make_blobs", "n_samples")
    nonnegative(cluster_std, "make_blobs", "cluster_std")
    rng = random.Random(random_seed(seed, "make_blobs"))
    if is_int(centers):
        positive_int(centers, "make_blobs", "centers")
        positive_int(n_features, "make_blobs", "n_features")
        low, high = _check_box(center_box)
        centers = [[rng.uniform(low, high) for _ in range(n_features)] for _ in range(centers)]
    else:
        given = centers
        try:
            centers = [[float(c) for c in center] for center in centers]
        except (TypeError, ValueError):  # not iterable, or an entry that is not a number
            centers = []
        if (not centers or len({len(c) for c in centers}) != 1 or not centers[0]
                or not all(math.isfinite(c) for center in centers for c in center)):
            raise ValueError(f"make_blobs: centers must be a count or a non-empty list of points of one "
                             f"non-zero length with finite coordinates, got {given!r}")
    k = len(centers)
    points = [(list(centers[i % k]), i % k) for i in range(n_samples)]
    return _finish(points, cluster_std, rng)


def load_digits(test_size: float = 0.2, seed: int | None = 0) -> Split:
    """The 8 × 8 handwritten digits (1,797 images, classes 0-9), split into a training and a test set.

    scikit-learn's bundled copy of the UCI test set of handwritten digits (E. Alpaydin and
    C. Kaynak, 1998): each image is 64 pixels, row by row, from 0 (white) to 16 (black), here
    divided by 16 into [0, 1]. The split is seeded: the images' indices 0 .. 1796 are shuffled
    with ``random.Random(seed)`` and the first ``ceil(test_size * 1797)`` form the test set (360
    by default), the rest, in that shuffled order, the training set (1,437). The same seed gives
    the same split on every machine; ``seed=None`` a fresh one each call.

    Needs scikit-learn, the optional extra 'digits': ``pip install 'dagrad[digits]'``.

    Args:
      test_size: the fraction of the images held out for testing, in (0, 1), leaving at least one
        image for training (at most 1796/1797).
      seed: an int for a reproducible split (0 by default), or None for a fresh one.

    Returns:
      ``((X_train, y_train), (X_test, y_test))``: each `X` a list of images (lists of 64 floats
      in [0, 1]), each `y` a list of their digits (ints 0-9).

    Raises:
      ImportError: scikit-learn is not installed (the message says how to install it).

    Example:
      >>> (X_train, y_train), (X_test, y_test) = load_digits()
      >>> len(X_train), len(X_test), len(X_test[0]), sorted(set(y_test))
      (1437, 360, 64, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      >>> min(min(x) for x in X_train), max(max(x) for x in X_train)
      (0.0, 1.0)
    """
    number_in(test_size, "load_digits", "test_size", "a number in (0, 1)", lambda v: 0 < v < 1)
    rng = random.Random(random_seed(seed, "load_digits"))
    try:
        from sklearn.datasets import load_digits as bundled
    except ImportError:
        raise ImportError("load_digits: the digits come with scikit-learn, from the optional extra 'digits': "
                          "pip install 'dagrad[digits]' (or pip install scikit-learn)") from None
    digits = bundled()
    X = [[float(c) / 16.0 for c in row] for row in digits.data.tolist()]  # 0..16 counts of ink -> [0, 1]
    y = [int(t) for t in digits.target.tolist()]
    order = list(range(len(X)))
    rng.shuffle(order)
    n_test = math.ceil(test_size * len(X))
    if n_test == len(X):  # (test_size > 0 holds out at least one image: only the training set can be left empty)
        raise ValueError(f"load_digits: test_size {test_size!r} holds out all {len(X)} images, which leaves none for "
                         f"training; give a fraction of at most {len(X) - 1}/{len(X)}")
    test, train = order[:n_test], order[n_test:]
    return ([X[i] for i in train], [y[i] for i in train]), ([X[i] for i in test], [y[i] for i in test])


# --- shared pieces ------------------------------------------------------------------------------

def _linspace(start: float, stop: float, n: int, endpoint: bool) -> list[float]:
    """n evenly spaced numbers from start to stop (inclusive when endpoint), as numpy.linspace."""
    intervals = n - 1 if endpoint else n
    step = (stop - start) / intervals if intervals > 0 else 0.0
    return [start + i * step for i in range(n)]


def _finish(points: list[tuple[list[float], int]], noise: float, rng: random.Random) -> tuple[list[list[float]], list[int]]:
    """Shuffle (point, label) pairs, add Gaussian noise to every coordinate, split into X and y."""
    rng.shuffle(points)
    X = [[c + rng.gauss(0.0, noise) if noise else c for c in x] for x, _ in points]
    return X, [label for _, label in points]


def _check_box(box: Any) -> tuple[float, float]:
    try:
        low, high = (float(b) for b in box)
    except (TypeError, ValueError):
        low = high = math.nan
    if not -math.inf < low < high < math.inf:
        raise ValueError(f"make_blobs: center_box must be (low, high) with finite low < high, got {box!r}")
    return low, high
