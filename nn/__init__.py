"""dagrad's neural-network library, built from `autograd.Value`s.

Submodules: `nn.datasets` (toy data sets), `nn.reference` (the notes' backprop on plain lists),
`nn.export` (`to_torch` / `from_torch`: an `MLP` as PyTorch layers and back) and `nn.recorder`
(`Recorder`: a training loop's timeline, to watch in Jupyter or a page).

Example:
  >>> from nn import MLP, mse_loss, SGD
  >>> model = MLP(2, [8, 1], seed=0)
  >>> opt = SGD(model.parameters(), lr=0.05)
  >>> loss = mse_loss([model([1.0, 0.0]), model([0.0, 1.0])], [1.0, -1.0])
  >>> opt.zero_grad(); loss.backward(); opt.step()
"""

from nn import datasets
from nn.compile import compile_step
from nn.export import from_torch, to_torch
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, l1_loss, mse_loss
from nn.module import MLP, Layer, Module, Neuron
from nn.optim import SGD, Adam
from nn.recorder import Recorder

__all__ = ["MLP", "SGD", "Adam", "Layer", "Module", "Neuron", "Recorder", "binary_cross_entropy", "compile_step",
           "cross_entropy", "datasets", "from_torch", "hinge_loss", "l1_loss", "mse_loss", "to_torch"]
