import math
import random
import statistics
import sys

import pytest

from nn.datasets import load_digits, make_blobs, make_circles, make_moons

GENERATORS = [make_moons, make_circles, make_blobs]


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_same_seed_same_data_other_seed_other_data(make):
    assert make(50, seed=7) == make(50, seed=7)
    assert make(50, seed=7) != make(50, seed=8)


def test_the_same_seed_gives_the_same_data_on_every_machine():
    # random.Random(seed) is specified bit for bit for int seeds (shuffle, gauss, uniform): these
    # numbers must not change, or the demo's data set (and its accuracy claim) silently changes.
    assert make_moons(3, noise=0.1, seed=0) == ([[1.2511037381225332, 0.06528772028059546],
                                                 [1.7770931331923714, 0.5197607003665484],
                                                 [0.12607307041070823, 0.27017103252488095]], [0, 1, 1])
    assert make_circles(2, noise=0.1, seed=0) == ([[1.0052191988282608, -0.10434089742005737],
                                                   [0.7932993484270943, 0.11947466787499988]], [0, 1])
    assert make_blobs(2, centers=2, seed=0) == ([[5.441313904073597, 6.143427610052696],
                                                 [-1.962645230369829, -3.747014608361677]], [0, 1])


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_a_numpy_integer_seed_is_the_int_seed(make):
    # Regression: random.Random's bare TypeError for numpy.int64 (MLP(seed=np.int64(3)) worked).
    np = pytest.importorskip("numpy")
    assert make(20, seed=np.int64(3)) == make(20, seed=3) == make(20, seed=np.uint8(3)) != make(20, seed=4)


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [True, False, "x", 1.5, 3.0, [3], random.Random(0)])
def test_a_seed_that_is_not_an_int_is_refused(make, bad):
    # Regression: True, "x" and 1.5 were taken silently (random.Random hashes a str, takes a bool as 1).
    with pytest.raises(TypeError) as e:
        make(20, seed=bad)
    assert str(e.value).startswith(f"{make.__name__}: seed must be None or an int, got {type(bad).__name__}: ")


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_the_global_random_state_is_left_alone(make):
    before = random.getstate()
    make(20, seed=3)
    assert random.getstate() == before


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_sizes_and_types(make, n):
    X, y = make(n, seed=0)
    assert len(X) == len(y) == n
    assert all(type(x) is list and len(x) == 2 and all(type(c) is float for c in x) for x in X)
    assert all(type(t) is int for t in y)


@pytest.mark.parametrize("make", [make_moons, make_circles], ids=lambda f: f.__name__)
def test_two_class_labels_are_zero_and_one_split_in_half(make):
    _, y = make(101, noise=0.1, seed=0)
    assert (y.count(0), y.count(1)) == (50, 51)


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(40, seed=0)
    for (a, b), t in zip(X, y):
        if t == 0:   # upper moon: the upper unit half circle
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:        # lower moon: the lower unit half circle around (1, 0.5)
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    endpoints = {tuple(round(c, 12) for c in x) for x in X}
    assert {(1.0, 0.0), (-1.0, 0.0), (0.0, 0.5), (2.0, 0.5)} <= endpoints


def test_moons_are_shuffled():
    _, y = make_moons(100, seed=0)
    assert y != sorted(y)


def test_moons_noise_has_the_requested_standard_deviation():
    clean, y = make_moons(4000, seed=5)
    noisy, y2 = make_moons(4000, noise=0.2, seed=5)
    assert y == y2  # the noise is drawn after the shuffle, so points correspond
    deltas = [n - c for xn, xc in zip(noisy, clean) for n, c in zip(xn, xc)]
    assert statistics.fmean(deltas) == pytest.approx(0.0, abs=0.01)
    assert statistics.pstdev(deltas) == pytest.approx(0.2, rel=0.03)


def test_circles_radii():
    X, y = make_circles(30, factor=0.3, seed=1)
    for x, t in zip(X, y):
        assert math.hypot(*x) == pytest.approx(1.0 if t == 0 else 0.3)


def test_blobs_sit_on_their_centers_and_share_the_points():
    centers = [[0.0, 0.0, 0.0], [5.0, -5.0, 1.0]]
    X, y = make_blobs(7, centers=centers, cluster_std=0.0, seed=0)
    assert (y.count(0), y.count(1)) == (4, 3)
    assert all(x == centers[t] for x, t in zip(X, y))


def test_blobs_random_centers_in_the_box_with_the_requested_spread():
    X, y = make_blobs(3000, centers=3, cluster_std=0.5, seed=2, n_features=4, center_box=(-3.0, 3.0))
    assert sorted(set(y)) == [0, 1, 2] and all(len(x) == 4 for x in X)
    for k in range(3):
        points = [x for x, t in zip(X, y) if t == k]
        for d in range(4):
            coords = [x[d] for x in points]
            assert -3.0 - 2.5 < statistics.fmean(coords) < 3.0 + 2.5
            assert statistics.pstdev(coords) == pytest.approx(0.5, rel=0.1)


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n", [0, -3, 2.5, True, "10"])
def test_bad_sample_counts(make, n):
    with pytest.raises(ValueError, match=rf"^{make.__name__}: n_samples must be an integer >= 1, got {n!r}"):
        make(n)


@pytest.mark.parametrize("make", [make_moons, make_circles], ids=lambda f: f.__name__)
@pytest.mark.parametrize("noise", [-0.1, math.nan, math.inf])
def test_bad_noise(make, noise):
    with pytest.raises(ValueError, match=rf"^{make.__name__}: noise must be a finite number >= 0, got {noise!r}"):
        make(10, noise=noise)


@pytest.mark.parametrize("factor", [0, 1, 1.5, -0.5])
def test_bad_circle_factor(factor):
    with pytest.raises(ValueError, match=rf"^make_circles: factor must be a number in \(0, 1\), got {factor!r}"):
        make_circles(10, factor=factor)


def test_bad_blob_arguments():
    with pytest.raises(ValueError, match=r"^make_blobs: cluster_std must be a finite number >= 0, got -1"):
        make_blobs(10, cluster_std=-1)
    with pytest.raises(ValueError, match=r"^make_blobs: centers must be an integer >= 1, got 0"):
        make_blobs(10, centers=0)
    with pytest.raises(ValueError, match=r"^make_blobs: n_features must be an integer >= 1, got 0"):
        make_blobs(10, n_features=0)
    with pytest.raises(ValueError, match=r"^make_blobs: centers must be a count or a non-empty list of points"):
        make_blobs(10, centers=[[0.0, 1.0], [2.0]])
    for centers in [[], None, 2.5, [["a", 1.0]], [[math.nan, 0.0]], [[0.0, math.inf]], [[]]]:
        with pytest.raises(ValueError, match=r"^make_blobs: centers must be a count or a non-empty list of points"):
            make_blobs(10, centers=centers)
    for box in [(1.0, -1.0), (0.0, math.inf), (0.0,), "ab"]:
        with pytest.raises(ValueError, match=r"^make_blobs: center_box must be \(low, high\) with finite low < high"):
            make_blobs(10, center_box=box)


# --- load_digits: scikit-learn's 8 x 8 handwritten digits, split with a seed ---------------------

@pytest.fixture(scope="module")
def digits():
    pytest.importorskip("sklearn", reason="load_digits needs scikit-learn: pip install 'dagrad[digits]'")
    return load_digits()


def test_digits_have_their_shape_range_and_classes(digits):
    (X_train, y_train), (X_test, y_test) = digits
    assert (len(X_train), len(y_train), len(X_test), len(y_test)) == (1437, 1437, 360, 360)
    images = X_train + X_test
    assert all(type(x) is list and len(x) == 64 and all(type(c) is float for c in x) for x in images)
    pixels = {c for x in images for c in x}
    assert min(pixels) == 0.0 and max(pixels) == 1.0 and pixels <= {k / 16 for k in range(17)}
    assert all(type(t) is int for t in y_train + y_test)
    assert sorted(set(y_train)) == sorted(set(y_test)) == list(range(10))


def test_the_digits_split_is_a_partition_of_scikit_learns_images(digits):
    from sklearn.datasets import load_digits as bundled

    data = bundled()
    original = sorted((tuple(c / 16 for c in row), int(t)) for row, t in zip(data.data.tolist(), data.target))
    (X_train, y_train), (X_test, y_test) = digits
    assert sorted(zip(map(tuple, X_train + X_test), y_train + y_test)) == original


def test_the_digits_split_is_seeded(digits):
    assert load_digits(seed=0) == digits  # the default split is seed 0's
    other = load_digits(seed=1)
    assert other != digits and sorted(map(tuple, other[1][0] + other[0][0])) == sorted(map(tuple, digits[1][0] + digits[0][0]))
    # random.Random(0).shuffle of the indices, the same on every machine: these labels must not change
    assert digits[1][1][:12] == [2, 8, 7, 9, 5, 9, 3, 4, 7, 8, 4, 3]


def test_a_test_size_that_leaves_no_training_images_is_refused(digits):
    # Regression (issue 19, class C): test_size=0.9999 held out ceil(0.9999 * 1797) = 1797 images and
    # returned an empty training set without a word.
    with pytest.raises(ValueError, match=r"^load_digits: test_size 0.9999 holds out all 1797 images, which leaves none "
                                         r"for training; give a fraction of at most 1796/1797$"):
        load_digits(test_size=0.9999)
    (X_train, _), (X_test, _) = load_digits(test_size=1796 / 1797)
    assert (len(X_train), len(X_test)) == (1, 1796)
    (X_train, _), (X_test, _) = load_digits(test_size=1e-9)  # the test set has at least one image
    assert (len(X_train), len(X_test)) == (1796, 1)


def test_the_digits_test_size_is_a_fraction(digits):
    (X_train, _), (X_test, _) = load_digits(test_size=0.5)
    assert (len(X_train), len(X_test)) == (898, 899)  # ceil(0.5 * 1797) held out, as scikit-learn's split


@pytest.mark.parametrize("bad", [True, 1.5, "0", [0]])
def test_load_digits_refuses_a_seed_that_is_not_an_int(bad):
    with pytest.raises(TypeError, match=rf"^load_digits: seed must be None or an int, got {type(bad).__name__}: "):
        load_digits(seed=bad)


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, math.nan, "0.2", True])
def test_load_digits_refuses_a_test_size_outside_zero_one(bad):
    with pytest.raises(ValueError, match=r"^load_digits: test_size must be a number in \(0, 1\), got "):
        load_digits(test_size=bad)


def test_load_digits_without_scikit_learn_says_how_to_install_it(monkeypatch):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` raises ImportError, as when not installed
    with pytest.raises(ImportError) as e:
        load_digits()
    assert str(e.value) == ("load_digits: the digits come with scikit-learn, from the optional extra 'digits': "
                            "pip install 'dagrad[digits]' (or pip install scikit-learn)")
