"""Toy 2-D data sets in pure Python, in the style of scikit-learn's ``make_moons``, ``make_circles``
and ``make_blobs``.

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

__all__ = ["make_blobs", "make_circles", "make_moons"]


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
