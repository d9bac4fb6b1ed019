"""Models built from Values: `Module` (parameters, state, saving) and micrograd's `Neuron`, `Layer`, `MLP`.

A `Module` finds its own parameters: every `Value` or `Module` held in an attribute, or in a list,
tuple or dict held in one, in the order the attributes were assigned. A hand-written model with
a skip connection or a weight used in two places needs no registration; backprop works on any DAG.

Nodes carry the lecture notes' names, so a drawn graph reads like the notes: weights ``w[l]_ij``,
biases ``b[l]_i``, and each forward pass labels its pre-activations ``z[l]_i`` and activations
``a[l]_i`` (l counts layers from 1, i neurons and j inputs from 1; a comma separates i and j when
either has two digits, as in ``w[2]_16,3``). Parameter *names* (``layers.0.neurons.3.w.1``) follow
PyTorch's ``state_dict`` and count from 0.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import reprlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from autograd._checks import finite, is_number, ordered, positive_int, random_seed, shown
from autograd._files import file_name, write_atomic
from autograd.engine import Value
from autograd.notation import label, partial_sum, term  # the notes' names, one format the drawings read back

if TYPE_CHECKING:
    from typing_extensions import Self

    from autograd._types import Scalar

    class Output(Value, Sequence[Value]):  # never made: a type for checkers only
        """What an `MLP` gives, for a type checker: a Value (one output) or a list of Values (several).

        The last layer's width is a run-time number, so a checker cannot tell the two apart; this
        type has what both have. A one-output model's ``model(x).data`` is a ``float`` (so
        ``sum((model(x).data > 0) == (t > 0) ...)`` is a number, not ``Any``), and a wider one's
        output passes as logits to `cross_entropy` or to ``len``; a typo such as ``.dta`` is
        still refused. Annotate a variable ``Value`` or ``Sequence[Value]`` to say which it is.
        """

__all__ = ["MLP", "Layer", "Module", "Neuron"]

_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
_FORMAT, _VERSION = "dagrad.state_dict", 1


class Module:
    """Base class for models: finds the parameters, zeroes their gradients, saves and loads them.

    Subclass it, assign Values and Modules (or lists, tuples or dicts of them) as attributes, and
    define ``forward`` (or ``__call__``, as micrograd does). A parameter held in two places is one
    parameter: listed once, under the first name it is found by. The ``repr`` shows the structure
    (sub-modules, parameter names), never values: `save` records it and `load` requires a match.

    Example:
      >>> class Affine(Module):
      ...     def __init__(self):
      ...         self.w, self.b = Value(2.0), Value(1.0)
      ...     def forward(self, x):
      ...         return self.w * x + self.b
      >>> f = Affine()
      >>> f(3.0).data, [name for name, _ in f.named_parameters()]
      (7.0, ['w', 'b'])
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # PyTorch's convention: calling a module runs its `forward` (subclasses override forward).
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The model's computation: subclasses define it (or ``__call__``); calling the model runs it.

        Example:
          >>> class Double(Module):
          ...     def forward(self, x):
          ...         return 2 * x
          >>> Double()(Value(3.0)).data
          6.0
        """
        raise NotImplementedError(f"{type(self).__name__}: define forward(self, x) (or __call__) "
                                  f"to make the module callable")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its name, depth first in attribute order; shared ones once.

        A name joins the attribute names, list indices and dict keys (as text) on the way to the
        parameter with dots, so two parameters can read alike: ``{0: a, "0": b}`` gives ``d.0``
        twice, and so do ``{"0.x": a}`` and ``{0: {"x": b}}``. Names are what `state_dict`,
        `save` and `load` go by, so two alike are refused, not one of them dropped.

        Returns:
          A list of ``(name, Value)`` pairs, in the same order as `parameters`; the names differ.

        Raises:
          ValueError: two parameters have the same name (the message says where each one is).

        Example:
          >>> [name for name, _ in Neuron(2).named_parameters()]
          ['w.0', 'w.1', 'b']
        """
        walked = list(self._walk())
        first: dict[str, str] = {}  # name -> where the parameter of that name is
        for name, where, _ in walked:
            if first.setdefault(name, where) != where:
                raise ValueError(f"{type(self).__name__}: parameters {first[name]} and {where} are both named {name!r}; "
                                 f"state_dict, save and load tell parameters by name, so give them different "
                                 f"names (dict keys that differ as text: 0 and '0' both read '0', and a dot in a "
                                 f"key reads as one more level)")
        return [(name, p) for name, _, p in walked]

    def parameters(self) -> list[Value]:
        """Every parameter (a Value), in a deterministic order; a shared parameter once.

        Example:
          >>> len(MLP(2, [16, 16, 1]).parameters())
          337
        """
        return [p for _, _, p in self._walk()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 (gradients accumulate across ``backward`` calls).

        Example:
          >>> n = Neuron(1); n([2.0]).backward(); n.zero_grad()
          >>> [p.grad for p in n.parameters()]
          [0.0, 0.0]
        """
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """The parameters' values by name, as in PyTorch: ``{name: float}``, in `parameters` order.

        Example:
          >>> n = Neuron(1, seed=0); n.state_dict()
          {'w.0': 0.6888437030500962, 'b': 0.0}
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from a `state_dict`, after checking all of it: on error nothing changes.

        Args:
          state: a mapping with exactly this model's parameter names and finite real numbers.

        Raises:
          ValueError: names missing or unexpected, or a value that is not finite.
          TypeError: `state` is not a mapping, or a value is not a real number.

        Example:
          >>> a, b = Neuron(2, seed=0), Neuron(2, seed=1)
          >>> b.load_state_dict(a.state_dict())
          >>> b.state_dict() == a.state_dict()
          True
        """
        self._assign(self._checked(state, "load_state_dict"))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to a JSON file, atomically: a crash mid-write leaves the old file whole.

        The file holds the format and version, the architecture (``repr(model)``) and every
        parameter by name, as JSON numbers, which read back bit for bit. Nothing is pickled.

        Args:
          path: the file to write (str or path-like); its directory must exist.

        Raises:
          ValueError: a parameter is NaN or infinite (nothing is written).
          OSError: the file cannot be written (FileNotFoundError: no such folder; PermissionError);
            the message names `path`. A symbolic link is written through, not replaced.

        Example:
          >>> import os, tempfile
          >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
          >>> MLP(2, [4, 1], seed=0).save(path)
          >>> MLP(2, [4, 1], seed=1).load(path).state_dict() == MLP(2, [4, 1], seed=0).state_dict()
          True
        """
        state = self.state_dict()
        for name, x in state.items():
            if not math.isfinite(x):
                raise ValueError(f"save: parameter {name!r} is {x!r}; refusing to save a non-finite value "
                                 f"(the training has diverged: try a smaller learning rate)")
        doc = {"format": _FORMAT, "version": _VERSION, "architecture": repr(self), "parameters": state}
        # allow_nan=False: a last guard; floats are written by repr, so they read back exactly.
        write_atomic(path, json.dumps(doc, indent=1, allow_nan=False), "save")

    def load(self, path: str | os.PathLike[str]) -> Self:
        """Read parameters written by `save`, checking the whole file first: on error nothing changes.

        Args:
          path: a file written by `save` for a model of the same architecture.

        Returns:
          The model itself, so ``model = MLP(2, [16, 16, 1]).load(path)`` works.

        Raises:
          FileNotFoundError: no such file.
          OSError: the file cannot be read (a folder, no permission).
          ValueError: not JSON (e.g. truncated), not a dagrad file, another architecture, names
            that do not match, or a value that is not finite; also a file larger than any this
            model saves, or nested deeper than JSON that dagrad writes (checked before parsing).
          TypeError: a value that is not a number.

        Example:
          >>> import os, tempfile
          >>> path = os.path.join(tempfile.mkdtemp(), "neuron.json")
          >>> Neuron(2, seed=0).save(path)
          >>> Neuron(2, seed=1).load(path).state_dict() == Neuron(2, seed=0).state_dict()
          True
        """
        where = f"load: {file_name(path, 'load')!r}"
        doc = _parse(_read_bounded(path, where, self._max_file_bytes()), where)
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise ValueError(f"{where} is not a dagrad state file (it lacks \"format\": {_FORMAT!r})")
        if doc.get("version") != _VERSION:
            raise ValueError(f"{where} has version {_short(doc.get('version'))}; this dagrad reads version {_VERSION}")
        if doc.get("architecture") != repr(self):
            raise ValueError(f"{where} holds {_short(doc.get('architecture'))}, but this model is {self!r}; "
                             f"build the model the file was saved from, then load")
        self._assign(self._checked(doc.get("parameters"), where))
        return self

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        # The architecture, never the values: `save` stores it and `load` compares it.
        lines = [f"({name}): {'Value' if isinstance(c, Value) else repr(c)}" for name, _, c in self._children()]
        body = "".join("\n  " + line.replace("\n", "\n  ") for line in lines)
        return f"{type(self).__name__}({body}\n)" if lines else f"{type(self).__name__}()"

    # --- helpers -----------------------------------------------------------------------------

    def _max_file_bytes(self) -> int:
        """The most bytes `load` reads: far more than `save` writes for this model, however edited."""
        # save writes each name and number once, the architecture once, and a few bytes around
        # them; 16 bytes per character leaves room for \uXXXX escapes and any re-indenting.
        text = len(repr(self)) + sum(len(name) + 32 for name, _ in self.named_parameters())
        return _MIN_FILE_LIMIT + 16 * text

    def _walk(self) -> Iterator[tuple[str, str, Value]]:
        """(name, where, parameter) for every parameter, depth first; `where` is Python (``self.d['0']``)."""
        # An explicit stack, not recursion; `seen` (by identity) gives a shared parameter once and
        # stops a module that refers back to its parent from looping.
        seen: set[int] = set()
        stack: list[tuple[str, str, Value | Module]] = [("", "self", self)]
        while stack:
            name, where, obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if isinstance(obj, Value):
                yield name, where, obj
            else:
                prefix = name + "." if name else ""
                stack.extend((prefix + n, where + w, child) for n, w, child in reversed(list(obj._children())))

    def _children(self) -> Iterator[tuple[str, str, Value | Module]]:
        """(name, where, child) for each Value or Module held directly, in attribute order.

        `name` is the state_dict's (``d.0``); `where` is the Python that reaches the child from
        this module (``.d[0]`` or ``.d['0']``), so an error can tell two alike names apart.
        """
        stack: list[tuple[str, str, Any]] = [(k, f".{k}", v) for k, v in reversed(vars(self).items())]
        while stack:
            name, where, obj = stack.pop()
            if isinstance(obj, (Value, Module)):
                yield name, where, obj
            elif isinstance(obj, (list, tuple)):
                stack.extend((f"{name}.{i}", f"{where}[{i}]", obj[i]) for i in reversed(range(len(obj))))
            elif isinstance(obj, dict):
                stack.extend((f"{name}.{k}", f"{where}[{shown(k)}]", v) for k, v in reversed(obj.items()))

    def _checked(self, state: object, who: str) -> list[tuple[Value, float]]:
        """[(parameter, new value)] once all of `state` has been checked; raises naming `who`."""
        if not isinstance(state, Mapping):
            raise TypeError(f"{who}: parameters must be a dict of name -> number, got {type(state).__name__}")
        named = dict(self.named_parameters())
        missing = [n for n in named if n not in state]
        unexpected = [n for n in state if n not in named]
        if missing or unexpected:
            raise ValueError(f"{who}: parameter names do not match this {type(self).__name__}: "
                             f"missing {_few(missing)}, unexpected {_few(unexpected)}")
        # A huge int raises TooLargeError, a ValueError as documented.
        return [(p, finite(state[name], who, f"parameter {name!r}")) for name, p in named.items()]

    @staticmethod
    def _assign(pairs: list[tuple[Value, float]]) -> None:
        for p, x in pairs:
            p.data = x


class Neuron(Module):
    """One neuron: a = σ(z), z = Σ_j w_j x_j + b, with weights drawn from U(−1, 1) and a zero bias.

    Args:
      nin: the number of inputs.
      activation: σ: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"linear"`` (a = z).
      seed: ``None`` draws from Python's global `random` (so ``random.seed(...)`` reproduces a
        run, as in micrograd); an int draws from a private ``random.Random(seed)``, the same on
        every machine; a ``random.Random`` is drawn from.
      layer_index, neuron_index: l and i in the labels ``w[l]_ij``, ``b[l]_i``, ``z[l]_i``,
        ``a[l]_i`` (`Layer` and `MLP` set them).

    Calling it on ``nin`` inputs (floats or Values) returns a Value, labelled ``a[l]_i``; its
    pre-activation is labelled ``z[l]_i`` (for ``"linear"`` the two are one node, ``z[l]_i``), and
    the nodes between as the notes' terms w_ij a_j (``w[l]_ij*a[l-1]_j``; ``w[1]_ij*x_j``) and
    partial sums of z (``z[l]_i(j<=J)``), so that every node a drawing shows has a name.

    Example:
      >>> n = Neuron(2, activation="linear", seed=0)
      >>> out = n([1.0, 2.0])
      >>> out.label, out.data == n.w[0].data + 2 * n.w[1].data
      ('z[1]_1', True)
    """

    w: list[Value]
    b: Value
    activation: str

    def __init__(self, nin: int, activation: str = "tanh", seed: int | random.Random | None = None, *,
                 layer_index: int = 1, neuron_index: int = 1) -> None:
        positive_int(nin, "Neuron", "nin")
        _check_activation("Neuron", "activation", activation)
        rng = _rng(seed, "Neuron")
        l, i = layer_index, neuron_index
        self.w = [Value(rng.uniform(-1.0, 1.0), label("w", l, i, j)) for j in range(1, nin + 1)]
        self.b = Value(0.0, label("b", l, i))
        self.activation = activation
        # Made once here, so a forward pass pays one attribute store per label.
        self._z_label, self._a_label = label("z", l, i), label("a", l, i)
        self._terms = [(term(l, i, j), partial_sum(l, i, j)) for j in range(1, nin + 1)]

    if TYPE_CHECKING:  # what calling it gives (Module.__call__ runs forward)
        def __call__(self, x: Sequence[Scalar]) -> Value: ...

    def forward(self, x: Sequence[Scalar]) -> Value:
        """a = σ(Σ_j w_j x_j + b) for `nin` inputs (floats or Values): a Value, labelled ``a[l]_i``.

        Example:
          >>> n = Neuron(2, activation="relu", seed=0)
          >>> a = n([1.0, 2.0])
          >>> a.label, a.data == max(0.0, n.w[0].data + 2 * n.w[1].data)
          ('a[1]_1', True)
        """
        return self._output(_inputs(x, self, len(self.w)))

    def _output(self, x: Sequence[Scalar]) -> Value:
        """`forward` on inputs already checked (a Layer's or an MLP's, checked once for all its neurons)."""
        # Starting the sum at the bias adds no constant 0 node (sum's default start) to every
        # neuron. Each term and partial sum is labelled as it is made, so a drawing names them (the
        # loop costs ~0-7% of MLP(2, [16, 16, 1])'s forward pass over sum(map(operator.mul, w, x), b)).
        z = self.b
        for wj, xj, (term_label, sum_label) in zip(self.w, x, self._terms):
            t = wj * xj
            t.label = term_label
            z = z + t
            z.label = sum_label
        z.label = self._z_label
        if self.activation == "linear":
            return z
        a: Value = getattr(z, self.activation)()
        a.label = self._a_label
        return a

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """A layer of `nout` neurons, each reading the same `nin` inputs.

    Args:
      nin: inputs per neuron.
      nout: the number of neurons (outputs).
      activation: each neuron's σ (see `Neuron`).
      seed: as for `Neuron`; the neurons draw their weights in order from one source.
      layer_index: l in the neurons' labels.

    Calling it returns a list of `nout` Values, always, also when ``nout == 1``.

    Example:
      >>> layer = Layer(3, 1, seed=0)
      >>> out = layer([1.0, 2.0, 3.0])
      >>> type(out).__name__, len(out), len(layer.parameters())
      ('list', 1, 4)
    """

    neurons: list[Neuron]

    def __init__(self, nin: int, nout: int, activation: str = "tanh", seed: int | random.Random | None = None, *,
                 layer_index: int = 1) -> None:
        positive_int(nin, "Layer", "nin")
        positive_int(nout, "Layer", "nout")
        _check_activation("Layer", "activation", activation)
        rng = _rng(seed, "Layer")
        self.neurons = [Neuron(nin, activation, rng, layer_index=layer_index, neuron_index=i)
                        for i in range(1, nout + 1)]

    if TYPE_CHECKING:
        def __call__(self, x: Sequence[Scalar]) -> list[Value]: ...

    def forward(self, x: Sequence[Scalar]) -> list[Value]:
        """Every neuron's output for the inputs `x`: always a list, also of one Value.

        Example:
          >>> [a.label for a in Layer(2, 3, seed=0)([1.0, 2.0])]
          ['a[1]_1', 'a[1]_2', 'a[1]_3']
        """
        return self._outputs(_inputs(x, self, len(self.neurons[0].w)))

    def _outputs(self, x: Sequence[Scalar]) -> list[Value]:
        """`forward` on inputs already checked: the neurons are called past their checks, once per layer."""
        return [n._output(x) for n in self.neurons]

    def __repr__(self) -> str:
        n = self.neurons[0]
        return f"{type(self).__name__}({len(n.w)}, {len(self.neurons)}, activation={n.activation!r})"


class MLP(Module):
    """A multilayer perceptron: nonlinear hidden layers and (by default) a linear output, as in micrograd.

    Weights are drawn layer by layer, neuron by neuron, in the same order as micrograd's `MLP`,
    so ``random.seed(s)`` before either gives the same initial weights.

    Args:
      nin: the number of inputs.
      nouts: the width of each layer, e.g. ``[16, 16, 1]``.
      activation: σ of the hidden layers (see `Neuron`).
      output_activation: σ of the last layer.
      seed: as for `Neuron`; one source for the whole network.

    Calling it returns a Value when the last layer has one output, and a list of Values otherwise.

    Example:
      >>> model = MLP(2, [16, 16, 1], seed=0)
      >>> model
      MLP(2, [16, 16, 1], activation='relu', output_activation='linear')
      >>> len(model.parameters()), type(model([1.0, -1.0])).__name__
      (337, 'Value')
    """

    layers: list[Layer]
    activation: str
    output_activation: str

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu", output_activation: str = "linear",
                 seed: int | random.Random | None = None) -> None:
        if not isinstance(nouts, (list, tuple, range)):
            raise TypeError(f"MLP: nouts must be a list of layer widths such as [16, 16, 1], got {nouts!r}")
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer width, such as [16, 16, 1]")
        positive_int(nin, "MLP", "nin")
        for n in nouts:
            positive_int(n, "MLP", "each width in nouts")
        _check_activation("MLP", "activation", activation)
        _check_activation("MLP", "output_activation", output_activation)
        rng = _rng(seed, "MLP")
        self.activation, self.output_activation = activation, output_activation
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[l - 1], sizes[l], activation if l < len(nouts) else output_activation, rng,
                             layer_index=l) for l in range(1, len(sizes))]

    if TYPE_CHECKING:
        def __call__(self, x: Sequence[Scalar]) -> Output: ...

    def forward(self, x: Sequence[Scalar]) -> Output:
        """The output: a Value if the last layer has one, else a list.

        Example:
          >>> MLP(2, [4, 1], seed=0)([1.0, 2.0]).label, len(MLP(2, [4, 3], seed=0)([1.0, 2.0]))
          ('z[2]_1', 3)
        """
        # The inputs are checked once here; each layer's outputs are lists of Values made here.
        x = _inputs(x, self, len(self.layers[0].neurons[0].w))
        for layer in self.layers:
            x = layer._outputs(x)
        return x[0] if len(x) == 1 else x  # type: ignore[return-value]  # one of the two sides of Output

    def __repr__(self) -> str:
        nouts = [len(layer.neurons) for layer in self.layers]
        return (f"{type(self).__name__}({len(self.layers[0].neurons[0].w)}, {nouts}, activation={self.activation!r}, "
                f"output_activation={self.output_activation!r})")


# --- checks and small helpers ---------------------------------------------------------------

def _inputs(x: object, module: Module, n: int) -> Sequence[Scalar]:
    """`x`, the `n` inputs handed to `module` (a Neuron, a Layer, an MLP), checked where they come in.

    A list or tuple of numbers (not bools) or Values. Refused as `ordered` refuses, with errors
    naming the module the user called: a dict (read by key, its keys would be the inputs), a set
    (no order), a str, a 0-d array (``Value`` refuses it too), a lone number; a wrong length; an
    item that is not a number or a Value (a 0-d array among them: NumPy would multiply it in).
    """
    who = type(module).__name__
    # Speed: a list or tuple (what users pass, and what a layer gives the next) is not copied.
    if x.__class__ is not list and x.__class__ is not tuple:
        x = ordered(x, who, "input", f"a list of {n} numbers or Values")
    xs = cast("Sequence[Any]", x)
    if len(xs) != n:
        raise ValueError(f"{who}: expected {n} inputs, got {len(xs)}")
    for j, v in enumerate(xs):
        # Speed: the exact-class tests settle floats and Values without the number ABC's check.
        if v.__class__ is not float and v.__class__ is not Value and not (isinstance(v, Value) or is_number(v)):
            raise TypeError(f"{who}: inputs must be numbers or Values, got {type(v).__name__}: {shown(v)} at index {j}")
    return xs


def _check_activation(where: str, what: str, name: object) -> None:
    if name not in _ACTIVATIONS:
        raise ValueError(f"{where}: {what} must be one of {', '.join(map(repr, _ACTIVATIONS))}, got {name!r}")


def _rng(seed: object, where: str) -> random.Random:
    """The source of initial weights: the global `random` for None, a private Random for an int."""
    # None -> the `random` module itself, so random.seed(...) reproduces the weights; MLP and
    # Layer hand that source down to their parts, hence `seed is random`.
    if seed is None or seed is random:
        return random  # type: ignore[return-value]  # the module: its functions are the global Random's methods
    if isinstance(seed, random.Random):
        return seed
    return random.Random(random_seed(seed, where, "None, an int or a random.Random"))


def _few(names: list[str], most: int = 5) -> str:
    shown = ", ".join(map(_short, names[:most])) or "none"
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json `object_pairs_hook`: a key given twice is an error, not a silent overwrite."""
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        raise ValueError(f"duplicate key {_short(next(k for k, _ in pairs if k in seen or seen.add(k)))}")  # type: ignore[func-returns-value]
    return d


# --- reading a file from outside: bounded before it is parsed ---------------------------------

# The json module recurses once per level of nesting (a RecursionError, not a ValueError, at
# about a thousand levels) and holds the whole text in memory: so load reads at most
# `_max_file_bytes` and measures the nesting first. A saved file nests 2 deep.
_MAX_NESTING = 20
_MIN_FILE_LIMIT = 1 << 20  # 1 MiB: whatever the model, hand-edited whitespace fits
# A string (whose brackets do not nest), or an unterminated one to the end of the text: a match
# never fails, so the scan is linear (a required closing quote made `"\"\"\"...` quadratic).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.S)
_BRACKET = re.compile(r"[\[\]{}]")
_short = shown  # a value from a file, shown in an error: a long one cut in the middle


def _read_bounded(path: str | os.PathLike[str], where: str, limit: int) -> bytes:
    """The bytes of the file at `path`, refusing more than `limit` of them; errors name `where`."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise FileNotFoundError(f"{where}: no such file") from None
    except OSError as e:
        raise type(e)(e.errno, f"{where}: cannot be read ({e.strerror})") from None
    except ValueError as e:  # a path that no file system allows, e.g. with a NUL character
        raise ValueError(f"{where}: not a usable file name ({e})") from None
    if len(data) > limit:
        raise ValueError(f"{where} is larger than {limit} bytes, more than a file saved from this model can be; "
                         f"it is not this model's file")
    return data


def _parse(data: bytes, where: str) -> Any:
    """The JSON document in the bytes `data`, nesting measured first; any failure is a ValueError naming `where`."""
    try:
        text = data.decode("utf-8")
        too_deep = _nests_deeper(text, _MAX_NESTING)
        doc = None if too_deep else json.loads(text, object_pairs_hook=_unique_keys)
    except ValueError as e:  # not UTF-8; bad or truncated JSON; a duplicate key; an int over 4300 digits
        raise ValueError(f"{where} is not valid JSON ({e}); it may be truncated or not a dagrad file") from e
    if too_deep:
        raise ValueError(f"{where} nests more than {_MAX_NESTING} levels deep (a dagrad file nests 2); "
                         f"it is not a dagrad file")
    return doc


def _nests_deeper(text: str, most: int) -> bool:
    """Whether the JSON `text` nests arrays and objects more than `most` deep (in one pass, no recursion)."""
    depth = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > most:
            return True
    return False
