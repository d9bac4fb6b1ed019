"""nn.to_torch / nn.from_torch: an MLP and its PyTorch twin compute the same outputs and gradients,
weights travel both ways exactly, and a mismatch is a ValueError naming the layer."""

import builtins

import pytest
import torch

from autograd import Value
from nn import MLP, from_torch, l1_loss, mse_loss, to_torch

ARCHITECTURES = [
    (2, [3, 1], "tanh", "linear"),
    (3, [4, 4, 2], "relu", "sigmoid"),
    (2, [5, 3, 2, 1], "sigmoid", "tanh"),
    (1, [1], "linear", "linear"),
]


@pytest.mark.parametrize("nin, nouts, act, out_act", ARCHITECTURES)
def test_to_torch_gives_the_same_outputs_and_parameter_gradients(nin, nouts, act, out_act):
    model = MLP(nin, nouts, activation=act, output_activation=out_act, seed=3)
    net = to_torch(model)
    xs = [[0.3 * (k + 1) * (-1) ** j for j in range(nin)] for k in range(4)]
    targets = [[0.5 - 0.25 * i for i in range(nouts[-1])] for _ in xs]

    outputs = [model(x) for x in xs]
    outputs = [o if isinstance(o, list) else [o] for o in outputs]
    loss = mse_loss([o for os in outputs for o in os], [t for ts in targets for t in ts])
    model.zero_grad()
    loss.backward()

    out_t = net(torch.tensor(xs, dtype=torch.float64))
    assert out_t.dtype == torch.float64
    loss_t = ((out_t - torch.tensor(targets, dtype=torch.float64)) ** 2).mean()
    loss_t.backward()

    assert max(abs(o.data - t) for os, ts in zip(outputs, out_t.tolist()) for o, t in zip(os, ts)) < 1e-12
    assert abs(loss.data - loss_t.item()) < 1e-12
    for l, (layer, linear) in enumerate(zip(model.layers, [m for m in net if isinstance(m, torch.nn.Linear)]), 1):
        for i, neuron in enumerate(layer.neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(linear.weight.grad[i].tolist(), abs=1e-12), (l, i)
            assert neuron.b.grad == pytest.approx(linear.bias.grad[i].item(), abs=1e-12), (l, i)


def test_to_torch_copies_the_weights_exactly_in_the_notes_layout():
    model = MLP(2, [3, 2], activation="relu", seed=0)
    net = to_torch(model)
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear"]   # a linear output: no module
    first = net[0]
    for i, neuron in enumerate(model.layers[0].neurons):                      # weight[i-1][j-1] is w_ij^1
        assert first.weight[i].tolist() == [w.data for w in neuron.w]          # exact, not approximate
        assert first.bias[i].item() == neuron.b.data
    assert all(p.dtype == torch.float64 for p in net.parameters())


def test_to_torch_makes_a_copy_that_does_not_change_the_model():
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with torch.no_grad():
        to_torch(model)[0].weight.fill_(7.0)
    assert model.state_dict() == before


def test_from_torch_round_trips_exactly_after_torch_trains():
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    net = to_torch(model)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    x = torch.tensor([[0.5, -1.0], [1.0, 2.0]], dtype=torch.float64)
    for _ in range(3):
        opt.zero_grad()
        (net(x) ** 2).sum().backward()
        opt.step()
    assert from_torch(net, model) is model
    assert [o.data for o in map(model, x.tolist())] == pytest.approx(net(x).flatten().tolist(), abs=1e-12)
    again = to_torch(model)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), again.parameters()))   # bit for bit


def test_from_torch_accepts_a_module_built_by_hand_with_identity():
    model = MLP(2, [3, 1], activation="sigmoid", seed=0)
    hand = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 1), torch.nn.Identity())
    from_torch(hand, model)
    assert [w.data for w in model.layers[0].neurons[1].w] == hand[0].weight[1].tolist()   # float32 -> float, exact


@pytest.mark.parametrize("module, words", [
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)),
     ["layer 1", "Linear(2, 4)", "Linear(2, 3)"]),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)),
     ["layer 1", "'tanh'", "Tanh", "ReLU"]),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1)),
     ["layer 1", "'tanh'", "Tanh", "no activation"]),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1), torch.nn.Tanh()),
     ["layer 2", "'linear'", "Tanh"]),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh()),
     ["layer 2", "no layer left"]),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1), torch.nn.Linear(1, 1)),
     ["1 more layer", "Linear"]),
    (lambda: torch.nn.Sequential(torch.nn.Conv1d(2, 3, 1), torch.nn.Tanh(), torch.nn.Linear(3, 1)),
     ["layer 1", "Conv1d"]),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False), torch.nn.Tanh(), torch.nn.Linear(3, 1)),
     ["layer 1", "no bias"]),
], ids=["shape", "activation", "missing activation", "extra activation", "too few", "too many", "not linear", "no bias"])
def test_from_torch_mismatch_is_a_value_error_naming_the_layer_and_changes_nothing(module, words):
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError) as err:
        from_torch(module(), model)
    assert str(err.value).startswith("from_torch: ")
    assert all(w in str(err.value) for w in words), str(err.value)
    assert model.state_dict() == before


@pytest.mark.parametrize("tensor, index, bad, message", [
    ("weight", (0, 1), float("nan"), "from_torch: layer 1: the module's weight[0, 1] must be finite, got nan"),
    ("bias", (2,), float("-inf"), "from_torch: layer 1: the module's bias[2] must be finite, got -inf"),
    ("weight", (0, 2), float("inf"), "from_torch: layer 2: the module's weight[0, 2] must be finite, got inf"),
])
def test_from_torch_refuses_a_non_finite_weight_naming_it_and_changes_nothing(tensor, index, bad, message):
    # Regression: the error began "load_state_dict: parameter 'layers.0...'", a function the caller never called.
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    net = to_torch(model)
    with torch.no_grad():
        getattr(net[0 if message.startswith("from_torch: layer 1") else 2], tensor)[index] = bad
    with pytest.raises(ValueError) as err:
        from_torch(net, model)
    assert str(err.value) == message
    assert model.state_dict() == before


def test_wrong_argument_types_are_type_errors():
    with pytest.raises(TypeError, match=r"to_torch: model must be an nn.MLP, got Value"):
        to_torch(Value(1.0))
    with pytest.raises(TypeError, match=r"from_torch: module must be a torch.nn.Module, got dict"):
        from_torch({}, MLP(2, [1], seed=0))
    with pytest.raises(TypeError, match=r"from_torch: model must be an nn.MLP"):
        from_torch(torch.nn.Linear(2, 1), "model")


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    for call in (lambda: to_torch(MLP(2, [1], seed=0)), lambda: from_torch(None, MLP(2, [1], seed=0))):
        with pytest.raises(ImportError, match=r"needs PyTorch, which is not installed; install it with `pip install torch`"):
            call()


def test_nn_imports_no_torch_until_asked():
    import subprocess
    import sys
    code = "import sys, nn, nn.export; assert 'torch' not in sys.modules, 'nn imported torch'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_l1_cost_gradients_match_torch_at_the_notes_cost():
    # The notes' C = sum |y_hat - f(x)|, on a sigmoid network, as in notebook 04.
    model = MLP(2, [3, 2], activation="sigmoid", output_activation="sigmoid", seed=0)
    net = to_torch(model)
    xs, targets = [[0.5, -1.0], [1.5, 0.3]], [[1.0, 0.0], [0.0, 1.0]]
    C = l1_loss([y for x in xs for y in model(x)], [t for ts in targets for t in ts], reduction="sum")
    C.backward()
    C_t = (net(torch.tensor(xs, dtype=torch.float64)) - torch.tensor(targets, dtype=torch.float64)).abs().sum()
    C_t.backward()
    assert abs(C.data - C_t.item()) < 1e-12
    assert [p.grad for p in model.layers[0].neurons[0].w] == pytest.approx(net[0].weight.grad[0].tolist(), abs=1e-12)
