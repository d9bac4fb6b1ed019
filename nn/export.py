"""An `MLP` as PyTorch layers and back: `to_torch` and `from_torch`, with the weights copied exactly.

`to_torch(model)` builds the equivalent ``torch.nn.Sequential`` of ``Linear`` layers (float64)
and activations; `from_torch(module, model)` copies a matching module's weights into the model.
Row i of a ``Linear`` layer's ``weight`` holds neuron i's weights, so ``weight[i - 1][j - 1]`` is
the notes' w_ij^l. PyTorch is imported only inside these functions: the rest of dagrad never
needs it.

Example:
  >>> from nn import MLP
  >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
  >>> net = to_torch(model)
  >>> net
  Sequential(
    (0): Linear(in_features=2, out_features=3, bias=True)
    (1): Tanh()
    (2): Linear(in_features=3, out_features=1, bias=True)
  )
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autograd._checks import finite
from nn.module import MLP

if TYPE_CHECKING:
    import torch  # for the annotations alone: at run time torch is imported only inside the functions

__all__ = ["from_torch", "to_torch"]

# dagrad's activation -> the name of PyTorch's module for it ("linear" has none: no module follows).
_TORCH_ACTIVATIONS = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid", "linear": None}


def to_torch(model: MLP) -> torch.nn.Sequential:
    """An `MLP` as an equivalent ``torch.nn.Sequential``: float64 ``Linear`` layers and activations.

    Layer l becomes ``Linear(nin, nout)`` with ``weight[i - 1][j - 1]`` = w_ij^l and
    ``bias[i - 1]`` = b_i^l (copied exactly: both are float64), followed by ``Tanh``, ``ReLU`` or
    ``Sigmoid`` (nothing for ``"linear"``). For one input the module returns a tensor of the
    model's outputs; the model returns a Value (one output) or a list of them.

    Args:
      model: an `nn.MLP`.

    Returns:
      A new ``torch.nn.Sequential``; changing it does not change the model (see `from_torch`).

    Raises:
      TypeError: `model` is not an `MLP`.
      ImportError: PyTorch is not installed (the message says how to install it).

    Example:
      >>> from nn import MLP
      >>> model = MLP(2, [4, 1], seed=0)
      >>> import torch
      >>> net = to_torch(model)
      >>> out = net(torch.tensor([0.5, -1.0], dtype=torch.float64))
      >>> abs(out.item() - model([0.5, -1.0]).data) < 1e-12       # the same sums, maybe in another order
      True
    """
    _check_mlp(model, "to_torch")
    torch = _import_torch("to_torch")
    modules = []
    for layer in model.layers:
        neurons = layer.neurons
        linear = torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        activation = _TORCH_ACTIVATIONS[neurons[0].activation]
        if activation is not None:
            modules.append(getattr(torch.nn, activation)())
    return torch.nn.Sequential(*modules)  # type: ignore[no-any-return]  # this torch is _import_torch's (Any)


def from_torch(module: torch.nn.Module, model: MLP) -> MLP:
    """Copy the weights of a PyTorch module into a matching `MLP`, checking all of it first.

    The module's layers, in order (``module.children()``, or the module itself when it has
    none), must be one ``Linear`` per layer of the model, of the same shape, with a bias, each
    followed by the module of the layer's activation (none for ``"linear"``; an ``Identity``
    is skipped). Values are copied exactly (a float32 weight becomes the same number as a float).
    On any error the model is left unchanged.

    Args:
      module: a ``torch.nn.Module``, e.g. the ``Sequential`` that `to_torch` returns, trained.
      model: the `nn.MLP` to copy into.

    Returns:
      The model itself.

    Raises:
      TypeError: `model` is not an `MLP`, or `module` is not a ``torch.nn.Module``.
      ValueError: the layers do not match (the message names the layer and what differs), or a
        weight is not finite.
      ImportError: PyTorch is not installed.

    Example:
      >>> from nn import MLP
      >>> a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
      >>> from_torch(to_torch(a), b).state_dict() == a.state_dict()
      True
    """
    _check_mlp(model, "from_torch")
    torch = _import_torch("from_torch")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: module must be a torch.nn.Module, got {type(module).__name__}")
    pending = [m for m in (list(module.children()) or [module]) if not isinstance(m, torch.nn.Identity)]
    name = {p: n for n, p in model.named_parameters()}
    state: dict[str, float] = {}
    for l, layer in enumerate(model.layers, 1):
        linear = _next_linear(pending, l, model, torch)
        weight, bias = linear.weight.detach().tolist(), linear.bias.detach().tolist()   # exact Python floats
        for i, (neuron, row, b) in enumerate(zip(layer.neurons, weight, bias)):
            # Checked here, so that the error names the module's tensor (load_state_dict, below, would
            # name itself and the model's parameter, neither of which the caller wrote).
            row = [finite(x, "from_torch", f"layer {l}: the module's weight[{i}, {j}]") for j, x in enumerate(row)]
            b = finite(b, "from_torch", f"layer {l}: the module's bias[{i}]")
            state.update((name[p], x) for p, x in zip([*neuron.w, neuron.b], [*row, b]))
        _check_activation(pending, l, layer.neurons[0].activation, torch)
    if pending:
        raise ValueError(f"from_torch: the module has {len(pending)} more layer(s) than the model's "
                         f"{len(model.layers)}, starting with {type(pending[0]).__name__}")
    model.load_state_dict(state)  # all checked above: nothing changes unless everything is right
    return model


# --- helpers ---------------------------------------------------------------------------------

def _check_mlp(model: object, who: str) -> None:
    if not isinstance(model, MLP):
        raise TypeError(f"{who}: model must be an nn.MLP, got {type(model).__name__}")


def _import_torch(who: str) -> Any:
    try:
        import torch
    except ImportError as err:
        raise ImportError(f"{who}: needs PyTorch, which is not installed; install it with `pip install torch` "
                          f"(CPU only: `pip install torch --index-url https://download.pytorch.org/whl/cpu`)") from err
    return torch


def _next_linear(pending: list[Any], l: int, model: MLP, torch: Any) -> Any:
    """The next module, checked to be the Linear of layer `l` of `model` (removed from `pending`)."""
    layer = model.layers[l - 1]
    nin, nout = len(layer.neurons[0].w), len(layer.neurons)
    if not pending:
        raise ValueError(f"from_torch: layer {l}: the module has no layer left, but the model's layer {l} is "
                         f"Linear({nin}, {nout}); the module has {l - 1} Linear layer(s), the model {len(model.layers)}")
    linear = pending.pop(0)
    if not isinstance(linear, torch.nn.Linear):
        raise ValueError(f"from_torch: layer {l}: expected Linear({nin}, {nout}), got {type(linear).__name__}")
    if (linear.in_features, linear.out_features) != (nin, nout):
        raise ValueError(f"from_torch: layer {l}: the module's Linear({linear.in_features}, {linear.out_features}) "
                         f"does not match the model's Linear({nin}, {nout})")
    if linear.bias is None:
        raise ValueError(f"from_torch: layer {l}: the module's Linear has no bias; the model's neurons have one")
    return linear


def _check_activation(pending: list[Any], l: int, activation: str, torch: Any) -> None:
    """Remove the activation module after layer `l`'s Linear from `pending`, checking it is `activation`'s."""
    expected = _TORCH_ACTIVATIONS[activation]
    found = pending[0] if pending and not isinstance(pending[0], torch.nn.Linear) else None
    if expected is None and found is None:
        return
    if expected is None or found is None or type(found) is not getattr(torch.nn, expected):
        want = f"{expected}" if expected else "no activation (the model's layer is linear)"
        got = type(found).__name__ if found is not None else "no activation"
        raise ValueError(f"from_torch: layer {l}: the model's activation is {activation!r}, so the module needs "
                         f"{want} after its Linear, but has {got}")
    pending.pop(0)
