import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad, topological_order
from autograd.gradcheck import gradcheck
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, l1_loss, mse_loss

LOSSES = [mse_loss, l1_loss, hinge_loss, binary_cross_entropy]
floats = st.floats(-6, 6, allow_nan=False)


# --- values computed by hand --------------------------------------------------------------------

def test_mse_by_hand():
    assert mse_loss([1.0, 3.0], [0.0, 1.0]).data == 2.5               # (1 + 4) / 2
    assert mse_loss([1.0, 3.0], [0.0, 1.0], reduction="sum").data == 5.0
    assert [v.data for v in mse_loss([1.0, 3.0], [0.0, 1.0], reduction="none")] == [1.0, 4.0]
    assert mse_loss(2.0, -1).data == 9.0                              # one prediction, one target


def test_l1_is_the_notes_cost_with_sum():
    # C(θ) = Σ_k |ŷ_k − f(x_k; θ)|
    assert l1_loss([1.0, -3.0, 0.5], [0.0, 1.0, 0.5], reduction="sum").data == 5.0
    assert l1_loss([1.0, -3.0, 0.5], [0.0, 1.0, 0.5]).data == pytest.approx(5.0 / 3)


def test_l1_derivative_is_the_sign_and_zero_at_the_kink():
    x, y, z = Value(2.0), Value(-1.0), Value(0.5)
    assert grad(l1_loss([x, y, z], [0.0, 0.0, 0.5], reduction="sum"), [x, y, z]) == (1.0, -1.0, 0.0)


def test_hinge_by_hand():
    losses = hinge_loss([2.0, 0.5, 0.5, -3.0], [1, 1, -1, -1], reduction="none")
    assert [v.data for v in losses] == [0.0, 0.5, 1.5, 0.0]
    assert hinge_loss([2.0, 0.5, 0.5, -3.0], [1, 1, -1, -1]).data == 0.5
    s = [Value(0.5), Value(0.5), Value(2.0)]
    # d/ds max(0, 1 - y s) = -y inside the margin, 0 outside; mean over 3
    assert grad(hinge_loss(s, [1, -1, 1]), s) == pytest.approx((-1 / 3, 1 / 3, 0.0))


def test_binary_cross_entropy_by_hand():
    def naive(z, y):
        p = 1 / (1 + math.exp(-z))
        return -(y * math.log(p) + (1 - y) * math.log(1 - p))
    zs, ys = [-2.0, -0.3, 0.0, 0.7, 3.0], [0, 1, 1, 0, 0.25]
    losses = binary_cross_entropy(zs, ys, reduction="none")
    for loss, z, y in zip(losses, zs, ys):
        assert loss.data == pytest.approx(naive(z, y), rel=1e-12)
    assert binary_cross_entropy(0.0, 1).data == pytest.approx(math.log(2), rel=1e-15)


@pytest.mark.parametrize("z", [0.0, -0.0, 1e-300, -1e-300, 2.5, -2.5])
@pytest.mark.parametrize("y", [0, 1, 0.5])
def test_binary_cross_entropy_gradient_is_sigmoid_minus_target_even_at_zero(z, y):
    # Regression: built from relu(z) and |z|, the derivative at z = 0 came out as -y, not 1/2 - y.
    x = Value(z)
    (g,) = grad(binary_cross_entropy(x, y), [x])
    assert g == pytest.approx(1 / (1 + math.exp(-z)) - y, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("z", [-1000.0, -745.0, 745.0, 1000.0, 1e300, -1e300])
def test_binary_cross_entropy_is_finite_for_huge_logits(z):
    for y in (0, 1):
        x = Value(z)
        loss = binary_cross_entropy(x, y)
        (g,) = grad(loss, [x])
        expected = max(z, 0.0) - y * z + math.log1p(math.exp(-abs(z)))  # the last term is 0 or subnormal
        assert loss.data == pytest.approx(expected, abs=1e-300) and math.isfinite(loss.data)
        assert g == pytest.approx((1.0 if z > 0 else 0.0) - y, abs=1e-300)  # σ(-745) is 5e-324


@pytest.mark.parametrize("z", [40.0, 36.8, 20.0, 5.0, -5.0, -20.0, -40.0, 700.0, -700.0])
@pytest.mark.parametrize("y", [0, 1])
def test_binary_cross_entropy_of_a_confident_answer_keeps_every_digit(z, y):
    # Regression: softplus(z) - y*z cancelled: 0.0 at z = 40, y = 1 (the loss is 4.2e-18), six digits lost at 20.
    # For y in {0, 1}, max(z, 0) - y*z is exact (0 or |z|): this reference rounds once, in log1p.
    x = Value(z)
    loss = binary_cross_entropy(x, y)
    assert loss.data == pytest.approx((max(z, 0.0) - y * z) + math.log1p(math.exp(-abs(z))), rel=4e-16, abs=0)
    sigmoid = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    exact = -1 / (1 + math.exp(z)) if y == 1 else sigmoid  # σ(z) - 1 = -σ(-z), without the cancellation
    assert grad(loss, [x])[0] == pytest.approx(exact, rel=1e-15, abs=0)


def test_cross_entropy_by_hand():
    logits = [1.0, 2.0, 0.5]
    log_sum_exp = math.log(math.exp(1.0) + math.exp(2.0) + math.exp(0.5))
    for t in range(3):
        assert cross_entropy(logits, t).data == pytest.approx(log_sum_exp - logits[t], rel=1e-14)
    assert cross_entropy([0.0, 0.0, 0.0, 0.0], 1).data == pytest.approx(math.log(4), rel=1e-15)
    batch = cross_entropy([logits, [0.0, 0.0]], [1, 0], reduction="none")
    assert [v.data for v in batch] == pytest.approx([log_sum_exp - 2.0, math.log(2)])
    mean = cross_entropy([logits, [0.0, 0.0]], [1, 0]).data
    assert mean == pytest.approx((log_sum_exp - 2.0 + math.log(2)) / 2)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    logits = [Value(1.0), Value(2.0), Value(0.5)]
    total = sum(math.exp(z.data) for z in logits)
    softmax = [math.exp(z.data) / total for z in logits]
    g = grad(cross_entropy(logits, 0), logits)
    assert g == pytest.approx([softmax[0] - 1, softmax[1], softmax[2]], rel=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    a, b = Value(1000.0), Value(-1000.0)
    loss = cross_entropy([a, b], 1)
    assert loss.data == 2000.0
    assert grad(loss, [a, b]) == (1.0, -1.0)
    assert cross_entropy([1e4, 1e4], 0).data == pytest.approx(math.log(2))


@pytest.mark.parametrize("logits, target", [
    ([1e17, 1e17, 0.0], 0), ([1e300, 1e300, -1e300], 1), ([1e17, 0.0, 1e17], 1), ([-1e17, -1e17], 0),
    ([3e16, 3e16 + 4, 1.0], 0), ([0.5, -2.0, 40.0], 2), ([1e-300, 0.0], 1)])
def test_cross_entropy_keeps_the_log_term_next_to_a_huge_logit_as_torch_does(logits, target):
    # Regression: (log Σ + m) − z_t lost log Σ (≤ log classes) in m ~ 1e17: 0.0 where torch gives log 2.
    torch = pytest.importorskip("torch")
    expected = torch.nn.functional.cross_entropy(torch.tensor([logits], dtype=torch.float64), torch.tensor([target])).item()
    zs = [Value(z) for z in logits]
    loss = cross_entropy(zs, target)
    assert loss.data == pytest.approx(expected, rel=1e-15, abs=0)
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(z[None], torch.tensor([target])).backward()
    assert list(grad(loss, zs)) == pytest.approx(z.grad.tolist(), rel=1e-12, abs=1e-300)


def test_losses_accept_floats_and_values_and_return_a_value():
    for loss_fn, target in [(mse_loss, 1.0), (l1_loss, 1.0), (hinge_loss, 1), (binary_cross_entropy, 1)]:
        assert isinstance(loss_fn(0.3, target), Value)
        assert isinstance(loss_fn([Value(0.3), 0.2], [target, target]), Value)
    assert isinstance(cross_entropy([0.3, Value(0.1)], 0), Value)


def test_losses_reach_the_parameters_that_made_the_predictions():
    w = Value(0.5)
    loss = mse_loss([w * 1.0, w * 2.0], [1.0, 2.0])
    loss.backward()
    assert w.grad == pytest.approx(((0.5 - 1) * 2 * 1 + (1 - 2) * 2 * 2) / 2)


# --- gradients against central differences -------------------------------------------------------

def check_gradient(loss_fn, predictions, *args, **kwargs):
    """autograd.gradcheck of the loss as a function of its predictions (central differences)."""
    assert gradcheck(lambda *xs: loss_fn(list(xs), *args, **kwargs), predictions)


@given(st.lists(st.tuples(floats, floats), min_size=1, max_size=5), st.sampled_from(["mean", "sum"]))
def test_mse_and_l1_gradients_match_finite_differences(pairs, reduction):
    preds, targets = [p for p, _ in pairs], [t for _, t in pairs]
    assume(all(abs(p - t) > 1e-3 for p, t in pairs))  # away from l1's kink
    for loss_fn in (mse_loss, l1_loss):
        check_gradient(loss_fn, preds, targets, reduction=reduction)


@given(st.lists(st.tuples(floats, st.sampled_from([-1, 1])), min_size=1, max_size=5))
def test_hinge_gradient_matches_finite_differences(pairs):
    scores, labels = [s for s, _ in pairs], [y for _, y in pairs]
    assume(all(abs(1 - s * y) > 1e-3 for s, y in pairs))  # away from the hinge
    check_gradient(hinge_loss, scores, labels)


@given(st.lists(st.tuples(st.floats(-30, 30), st.floats(0, 1)), min_size=1, max_size=5))
def test_binary_cross_entropy_gradient_matches_finite_differences(pairs):
    logits, targets = [z for z, _ in pairs], [y for _, y in pairs]
    check_gradient(binary_cross_entropy, logits, targets)  # smooth everywhere, z = 0 included (softplus)


@given(st.integers(1, 5).flatmap(lambda c: st.tuples(st.lists(floats, min_size=c, max_size=c),
                                                     st.integers(0, c - 1))))
def test_cross_entropy_gradient_matches_finite_differences(case):
    logits, target = case
    check_gradient(cross_entropy, logits, target)


# --- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss_fn", LOSSES, ids=lambda f: f.__name__)
def test_mismatched_lengths_name_the_loss_and_both_lengths(loss_fn):
    with pytest.raises(ValueError, match=rf"^{loss_fn.__name__}: got 3 predictions but 2 targets"):
        loss_fn([0.1, 0.2, 0.3], [1, 1])
    with pytest.raises(ValueError, match=rf"^{loss_fn.__name__}: got 1 predictions but 2 targets"):
        loss_fn(0.1, [1, 1])


@pytest.mark.parametrize("loss_fn", LOSSES, ids=lambda f: f.__name__)
def test_bad_arguments_name_the_loss(loss_fn):
    with pytest.raises(ValueError, match=rf"^{loss_fn.__name__}: got no predictions"):
        loss_fn([], [])
    with pytest.raises(ValueError, match=rf"^{loss_fn.__name__}: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        loss_fn([0.1], [1], reduction="avg")
    with pytest.raises(ValueError, match=rf"^{loss_fn.__name__}: the target at index 1 must be finite, got nan"):
        loss_fn([0.1, 0.2], [1, math.nan])
    with pytest.raises(TypeError, match=rf"^{loss_fn.__name__}: the target at index 0 must be a real number, got str: 'a'"):
        loss_fn([0.1], ["a"])
    with pytest.raises(TypeError, match=rf"^{loss_fn.__name__}: predictions must be Values or real numbers, got str"):
        loss_fn(["a"], [1])
    first = {hinge_loss: "scores", binary_cross_entropy: "logits"}.get(loss_fn, "predictions")
    with pytest.raises(TypeError, match=rf"^{loss_fn.__name__}: {first} must be a Value, a number or a sequence of them, got NoneType"):
        loss_fn(None, [1])


def _zero_d(x):
    return pytest.importorskip("numpy").array(x)


# Issue 19 (class C): the losses read their arguments with list(x), so a dict gave its keys and a set
# its hash order (mse_loss([5., 7.], {7., 5.}) was 0.0), and a str its characters: each is refused now.
@pytest.mark.parametrize("loss_fn", LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("targets, why", [
    ({1.0, 0.0}, r"got set: .* \(a set has no order: use a list\)$"),
    ({1.0: "a", 0.0: "b"}, r"got dict: .* \(a dict is not read by key: list its values in order\)$"),
    ("10", r"got str: '10'$"),
    (lambda: _zero_d(1.0), r"got ndarray: array\(1\.\) \(a 0-d array or tensor holds one number: pass x.item\(\)\)$"),
], ids=["set", "dict", "str", "0-d array"])
def test_targets_a_dict_set_str_or_0d_array_are_refused_naming_the_loss(loss_fn, targets, why):
    targets = targets() if callable(targets) else targets
    with pytest.raises(TypeError, match=rf"^{loss_fn.__name__}: targets must be a number or a sequence of them, {why}"):
        loss_fn([Value(0.5), Value(1.0)], targets)


@pytest.mark.parametrize("loss_fn", LOSSES, ids=lambda f: f.__name__)
def test_predictions_in_a_dict_or_set_are_refused_naming_the_argument(loss_fn):
    first = {hinge_loss: "scores", binary_cross_entropy: "logits"}.get(loss_fn, "predictions")
    with pytest.raises(TypeError, match=rf"^{loss_fn.__name__}: {first} must be .*got dict: .*a dict is not read by key"):
        loss_fn({Value(1.0): 0, Value(2.0): 1}, [1.0, 1.0])
    with pytest.raises(TypeError, match=rf"^{loss_fn.__name__}: {first} must be .*got set: .*a set has no order"):
        loss_fn({Value(1.0), Value(2.0)}, [1.0, 1.0])


def test_cross_entropy_refuses_dict_set_str_and_0d_targets_and_rows():
    logits = [[0.0, 1.0], [1.0, 0.0]]
    with pytest.raises(TypeError, match=r"^cross_entropy: targets must be a class index or a sequence of them, got dict"):
        cross_entropy(logits, {1: 0, 0: 1})   # was read as [1, 0]
    with pytest.raises(TypeError, match=r"^cross_entropy: targets must be a class index or a sequence of them, got set"):
        cross_entropy(logits, {0, 1})
    with pytest.raises(TypeError, match=r"^cross_entropy: targets must be a class index or a sequence of them, got str: '1.5'$"):
        cross_entropy(logits + [[0.0, 0.0]], "1.5")   # was "got 3 rows of logits but 3 targets"
    with pytest.raises(TypeError, match=r"^cross_entropy: targets must be .*got ndarray: .*pass x.item\(\)"):
        cross_entropy([0.0, 1.0], _zero_d(1))
    with pytest.raises(TypeError, match=r"^cross_entropy: logits must be a row of logits or a sequence of rows, got dict"):
        cross_entropy({0: [0.0, 1.0], 1: [1.0, 0.0]}, [0, 1])
    with pytest.raises(TypeError, match=r"^cross_entropy: the row of logits at index 1 must be a sequence of logits, got set"):
        cross_entropy([[0.0, 1.0], {1.0, 0.0}], [0, 1])


def test_hinge_rejects_zero_one_labels_and_says_how_to_map_them():
    with pytest.raises(ValueError, match=r"^hinge_loss: targets must be -1 or \+1, got 0.0 at index 1 \(map 0/1 labels with 2 \* y - 1\)"):
        hinge_loss([0.5, 0.5], [1, 0])


@pytest.mark.parametrize("bad", [-1, 2, 1.5])
def test_binary_cross_entropy_rejects_targets_outside_zero_one(bad):
    with pytest.raises(ValueError, match=rf"^binary_cross_entropy: targets must be in \[0, 1\], got {float(bad)!r} at index 0"):
        binary_cross_entropy([0.5], [bad])


def test_cross_entropy_bad_input():
    with pytest.raises(ValueError, match=r"^cross_entropy: target 3 at index 0 is out of range for 3 classes \(must be 0 .. 2\)"):
        cross_entropy([0.1, 0.2, 0.3], 3)
    with pytest.raises(ValueError, match=r"^cross_entropy: target -1 at index 1 is out of range"):
        cross_entropy([[0.1, 0.2], [0.1, 0.2]], [0, -1])
    with pytest.raises(TypeError, match=r"^cross_entropy: targets must be integer class indices, got 1.0 at index 0"):
        cross_entropy([0.1, 0.2], 1.0)
    with pytest.raises(TypeError, match=r"^cross_entropy: targets must be integer class indices, got True"):
        cross_entropy([[0.1, 0.2]], [True])
    with pytest.raises(ValueError, match=r"^cross_entropy: got 2 rows of logits but 1 targets"):
        cross_entropy([[0.1, 0.2], [0.1, 0.2]], [0])
    with pytest.raises(ValueError, match=r"^cross_entropy: the row of logits at index 0 is empty"):
        cross_entropy([], 0)
    with pytest.raises(ValueError, match=r"^cross_entropy: got no logits"):
        cross_entropy([], [])
    with pytest.raises(ValueError, match=r"^cross_entropy: reduction must be"):
        cross_entropy([0.1], 0, reduction="batchmean")


@pytest.mark.parametrize("make", [
    lambda p: mse_loss(p, [1.0, -1.0, 0.5]), lambda p: l1_loss(p, [1.0, -1.0, 0.5], reduction="sum"),
    lambda p: hinge_loss(p, [1, -1, 1]), lambda p: binary_cross_entropy(p, [1, 0, 1]),
    lambda p: cross_entropy([p, p], [0, 2]),
])
def test_every_node_a_loss_makes_is_labelled_after_what_it_is(make):
    # Issue 21: drawings named the loss's intermediate nodes v123; only the wrapped numbers stay unlabelled.
    p = [Value(0.3, label="s_1"), Value(-0.2, label="s_2"), Value(0.9, label="s_3")]
    loss = make(p)
    order = topological_order(loss)
    assert loss.label == "loss"
    assert [v for v in order if not v.label and v.op != "const"] == []
    assert any(v.label.endswith("_2") for v in order if v not in p)  # example k's nodes say k
