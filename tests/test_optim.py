import math

import pytest

from autograd import Value
from nn.optim import SGD, Adam, Optimizer


def param(data, grad):
    p = Value(data)
    p.grad = grad
    return p


# --- SGD, by hand ---------------------------------------------------------------------------------

def test_sgd_is_w_minus_lr_times_gradient():
    a, b = param(1.0, 0.5), param(-2.0, -4.0)
    SGD([a, b], lr=0.1).step()
    assert (a.data, b.data) == (pytest.approx(1.0 - 0.1 * 0.5), pytest.approx(-2.0 + 0.1 * 4.0))
    assert (a.grad, b.grad) == (0.5, -4.0)  # step reads gradients, does not clear them


def test_sgd_momentum_accumulates_a_velocity():
    w = param(1.0, 0.5)
    opt = SGD([w], lr=0.1, momentum=0.9)
    opt.step()                       # v = 0.5
    assert w.data == pytest.approx(1.0 - 0.1 * 0.5)
    w.grad = -1.0
    opt.step()                       # v = 0.9 * 0.5 - 1.0 = -0.55
    assert w.data == pytest.approx(0.95 + 0.1 * 0.55)


def test_sgd_weight_decay_adds_lambda_w_to_the_gradient():
    w = param(2.0, 0.5)
    SGD([w], lr=0.1, weight_decay=0.01).step()   # g = 0.5 + 0.01 * 2 = 0.52
    assert w.data == pytest.approx(2.0 - 0.1 * 0.52)


def test_sgd_momentum_and_weight_decay_together():
    w = param(2.0, 0.5)
    opt = SGD([w], lr=0.1, momentum=0.5, weight_decay=0.1)
    opt.step()                       # g = 0.5 + 0.2 = 0.7, v = 0.7, w = 2 - 0.07 = 1.93
    assert w.data == pytest.approx(1.93)
    opt.step()                       # g = 0.5 + 0.193 = 0.693, v = 0.35 + 0.693 = 1.043
    assert w.data == pytest.approx(1.93 - 0.1043)


# --- Adam, by hand --------------------------------------------------------------------------------

def test_adam_first_two_steps_with_bias_correction():
    w = param(1.0, 2.0)
    opt = Adam([w], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    # m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004; m̂ = 0.2 / 0.1 = 2, v̂ = 0.004 / 0.001 = 4
    w1 = 1.0 - 0.1 * 2 / (2 + 1e-8)
    assert w.data == pytest.approx(w1, rel=1e-14)
    w.grad = -1.0
    opt.step()
    m = 0.9 * 0.2 + 0.1 * -1.0                  # 0.08
    v = 0.999 * 0.004 + 0.001 * 1.0             # 0.004996
    m_hat, v_hat = m / (1 - 0.9 ** 2), v / (1 - 0.999 ** 2)   # 0.08 / 0.19, 0.004996 / 0.001999
    assert w.data == pytest.approx(w1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-12)
    assert w.data == pytest.approx(0.8733663, abs=1e-7)   # the same, as a number: 0.9 - 0.0266337


def test_adam_weight_decay_and_eps():
    w = param(2.0, 0.0)
    Adam([w], lr=0.1, eps=0.5, weight_decay=0.5).step()
    # g = 0 + 0.5 * 2 = 1; m̂ = 1, v̂ = 1; w = 2 - 0.1 * 1 / (1 + 0.5)
    assert w.data == pytest.approx(2.0 - 0.1 / 1.5)


def test_adam_first_step_moves_every_parameter_by_about_lr_whatever_the_gradient_scale():
    ps = [param(0.0, g) for g in (1e-6, 3.0, -1e4)]
    Adam(ps, lr=0.01).step()
    assert [p.data for p in ps] == pytest.approx([-0.01, -0.01, 0.01], rel=1e-2)


def test_adam_leaves_a_parameter_with_zero_gradient_in_place():
    w = param(1.5, 0.0)
    opt = Adam([w])
    opt.step(); opt.step()
    assert w.data == 1.5


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
                                  lambda ps: Adam(ps, lr=0.05, weight_decay=0.01)], ids=["SGD", "Adam"])
def test_trajectory_matches_torch_optim(make):
    # Five steps on f(a, b) = (a b - 1)^2 + a^2 / 2 against torch.optim with the same settings.
    import torch  # in the dev extras: a missing torch is a failure here, not a silent skip
    a, b = Value(0.7), Value(-1.3)
    ours = make([a, b])
    ta, tb = torch.tensor(0.7, dtype=torch.float64, requires_grad=True), torch.tensor(-1.3, dtype=torch.float64,
                                                                                      requires_grad=True)
    theirs = (torch.optim.SGD([ta, tb], lr=0.05, momentum=0.9, weight_decay=0.01) if isinstance(ours, SGD)
              else torch.optim.Adam([ta, tb], lr=0.05, weight_decay=0.01))
    for _ in range(5):
        ours.zero_grad()
        ((a * b - 1) ** 2 + a * a / 2).backward()
        ours.step()
        theirs.zero_grad()
        ((ta * tb - 1) ** 2 + ta * ta / 2).backward()
        theirs.step()
        assert (a.data, b.data) == (pytest.approx(ta.item(), rel=1e-12), pytest.approx(tb.item(), rel=1e-12))


# --- the shared surface ---------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [SGD, Adam])
def test_lr_is_settable_between_steps(cls):
    w = param(0.0, 1.0)
    opt = cls([w], lr=0.1)
    opt.lr = 0.0
    opt.step()
    assert w.data == 0.0 and opt.lr == 0.0
    opt.lr = 0.5
    opt.step()
    assert w.data < 0.0 and opt.lr == 0.5
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: lr must be a finite number >= 0, got -0.1"):
        opt.lr = -0.1
    assert opt.lr == 0.5


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_zero_grad_clears_every_parameter(cls):
    ps = [param(1.0, 2.0), param(2.0, -3.0)]
    cls(ps, lr=0.1).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_a_training_loop_decreases_the_loss():
    w = Value(3.0)
    opt = SGD([w], lr=0.1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = (w - 1) ** 2
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert losses == sorted(losses, reverse=True) and losses[-1] < 1e-3


def test_optimizers_take_any_iterable_of_parameters():
    ps = [param(1.0, 1.0), param(2.0, 1.0)]
    opt = SGD(iter(ps), lr=1.0)
    opt.step()
    assert [p.data for p in ps] == [0.0, 1.0]


def test_the_base_class_names_the_missing_step():
    with pytest.raises(NotImplementedError, match="Optimizer.step"):
        Optimizer([Value(1.0)], lr=0.1).step()


# --- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [SGD, Adam])
def test_bad_parameter_lists(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"^{name}: got an empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(TypeError, match=rf"^{name}: parameters must be Values, got float: 1.0 at index 1"):
        cls([Value(1.0), 1.0], lr=0.1)
    w = Value(1.0)
    with pytest.raises(ValueError, match=rf"^{name}: a parameter appears more than once"):
        cls([w, Value(2.0), w], lr=0.1)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_a_model_or_a_value_instead_of_a_parameter_list_is_a_sentence(cls):
    # Regression: list(params) said "'MLP' object is not iterable", naming neither the optimizer nor the remedy.
    from nn import MLP

    name = cls.__name__
    with pytest.raises(TypeError, match=rf"^{name}: params must be model.parameters\(\), got MLP: MLP\(2, \[1\]"):
        cls(MLP(2, [1], seed=0), lr=0.1)
    for bad in (Value(1.0), 5, None):
        with pytest.raises(TypeError, match=rf"^{name}: params must be a list of Values, such as model.parameters\(\), "
                                            rf"got {type(bad).__name__}: "):
            cls(bad, lr=0.1)


@pytest.mark.parametrize("cls, kwargs, message", [
    (SGD, {"lr": -1.0}, "lr must be a finite number >= 0, got -1.0"),
    (SGD, {"lr": math.nan}, "lr must be a finite number >= 0, got nan"),
    (SGD, {"lr": math.inf}, "lr must be a finite number >= 0, got inf"),
    (SGD, {"lr": True}, "lr must be a finite number >= 0, got True"),
    (SGD, {"lr": 0.1, "momentum": -0.5}, "momentum must be a finite number >= 0, got -0.5"),
    (SGD, {"lr": 0.1, "weight_decay": -1}, "weight_decay must be a finite number >= 0, got -1"),
    (Adam, {"lr": "fast"}, "lr must be a finite number >= 0, got 'fast'"),
    (Adam, {"betas": (0.9, 1.0)}, r"betas\[1\] must be a number in \[0, 1\), got 1.0"),
    (Adam, {"betas": (-0.1, 0.9)}, r"betas\[0\] must be a number in \[0, 1\), got -0.1"),
    (Adam, {"betas": 0.9}, r"betas must be a pair \(beta1, beta2\), got 0.9"),
    (Adam, {"eps": 0.0}, "eps must be > 0, got 0"),
    (Adam, {"eps": -1e-8}, "eps must be a finite number >= 0, got -1e-08"),
    (Adam, {"weight_decay": math.nan}, "weight_decay must be a finite number >= 0, got nan"),
])
def test_bad_hyperparameters_name_the_optimizer_the_setting_and_the_value(cls, kwargs, message):
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: {message}"):
        cls([Value(1.0)], **kwargs)
