"""Models: parameter discovery, initialisation, return types, labels, and backprop through any DAG."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, topological_order
from autograd.gradcheck import gradcheck
from nn import MLP, Layer, Module, Neuron


def weights(model):
    return [p.data for p in model.parameters()]


# --- parameters ---------------------------------------------------------------------------------

@pytest.mark.parametrize("model, count", [
    (MLP(2, [16, 16, 1]), 337),        # micrograd's moons model: 2*16+16 + 16*16+16 + 16+1
    (MLP(1, [1]), 2),
    (MLP(3, [4, 4, 2]), 16 + 20 + 10),
    (Layer(3, 2), 8),
    (Neuron(5), 6),
])
def test_parameter_counts(model, count):
    assert len(model.parameters()) == count
    assert len({id(p) for p in model.parameters()}) == count


def test_named_parameters_are_pytorch_style_names_in_parameters_order():
    model = MLP(2, [2, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
                     "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
                     "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b"]
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert model.parameters()[2] is model.layers[0].neurons[0].b


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], activation="tanh", seed=1)
    model([0.3, -0.7]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


class Container(Module):
    """Holds parameters every way a user might: attributes, lists, tuples, dicts, nested, shared, cyclic."""

    def __init__(self):
        self.first = Neuron(1, seed=0)
        self.pair = (Value(1.0), [Value(2.0), Neuron(1, seed=1)])
        self.by_name = {"x": Value(3.0), "y": Value(4.0)}
        self.again = self.first                 # a shared sub-module
        self.alias = [self.by_name["x"], 5.0]   # a shared Value beside a plain number
        self.config = {"width": 3, "note": "not a parameter"}
        self.me = self                          # a cycle must not loop forever


def test_discovery_finds_lists_tuples_dicts_once_each_in_attribute_order():
    c = Container()
    names = [name for name, _ in c.named_parameters()]
    assert names == ["first.w.0", "first.b", "pair.0", "pair.1.0", "pair.1.1.w.0", "pair.1.1.b",
                     "by_name.x", "by_name.y"]
    assert c.parameters()[6] is c.by_name["x"]


def test_repr_shows_architecture_not_values():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')"
    assert repr(Layer(3, 2, activation="sigmoid")) == "Layer(3, 2, activation='sigmoid')"
    assert repr(Neuron(4)) == "Neuron(4, activation='tanh')"
    assert repr(Container()) == (
        "Container(\n"
        "  (first): Neuron(1, activation='tanh')\n"
        "  (pair.0): Value\n"
        "  (pair.1.0): Value\n"
        "  (pair.1.1): Neuron(1, activation='tanh')\n"
        "  (by_name.x): Value\n"
        "  (by_name.y): Value\n"
        "  (again): Neuron(1, activation='tanh')\n"
        "  (alias.0): Value\n"
        "  (me): ...\n"
        ")")
    assert repr(Module()) == "Module()"


# --- initialisation -------------------------------------------------------------------------------

def test_same_seed_same_weights_and_different_seed_different_weights():
    assert weights(MLP(3, [4, 2], seed=7)) == weights(MLP(3, [4, 2], seed=7))
    assert weights(MLP(3, [4, 2], seed=7)) != weights(MLP(3, [4, 2], seed=8))


def test_int_seed_gives_the_same_weights_on_every_machine():
    # random.Random(seed).random() is specified bit for bit for int seeds; these are U(-1, 1) draws.
    assert weights(Neuron(3, seed=0)) == [0.6888437030500962, 0.515908805880605, -0.15885683833831, 0.0]


def test_int_seed_leaves_global_random_alone():
    random.seed(3)
    state = random.getstate()
    MLP(2, [4, 1], seed=0)
    assert random.getstate() == state


def test_seed_none_follows_random_seed_like_micrograd():
    random.seed(1337)
    a = MLP(2, [3, 2])
    random.seed(1337)
    b = MLP(2, [3, 2])
    assert weights(a) == weights(b)
    # micrograd's draw order: layer by layer, neuron by neuron, one uniform(-1, 1) per weight; zero biases.
    random.seed(1337)
    expected = []
    for nin, nout in [(2, 3), (3, 2)]:
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    assert weights(a) == expected


def test_a_random_instance_is_drawn_from():
    assert weights(Layer(2, 2, seed=random.Random(5))) == weights(Layer(2, 2, seed=5))


@pytest.mark.parametrize("seed", [1.5, "0", True])
def test_bad_seed_is_a_clear_error(seed):
    with pytest.raises(TypeError, match="MLP: seed must be None, an int or a random.Random"):
        MLP(2, [1], seed=seed)


# --- forward: values, return types, inputs ---------------------------------------------------------

SIGMA = {"tanh": math.tanh, "relu": lambda z: max(z, 0.0), "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
         "linear": lambda z: z}


@pytest.mark.parametrize("activation", SIGMA)
def test_neuron_computes_sigma_of_weighted_sum(activation):
    n = Neuron(3, activation, seed=2)
    n.b.data = 0.25
    x = [0.5, -1.5, 2.0]
    z = sum(w.data * xj for w, xj in zip(n.w, x)) + 0.25
    out = n(x)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(SIGMA[activation](z), rel=1e-12, abs=1e-15)


def test_layer_always_returns_a_list_so_width_one_layers_work():
    out = Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    model = MLP(2, [1, 1, 1], activation="tanh", seed=0)   # micrograd's Layer broke on width-1 hidden layers
    assert isinstance(model([1.0, 2.0]), Value)


def test_mlp_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_inputs_may_be_values_and_receive_gradients():
    model = MLP(2, [3, 2], activation="tanh", seed=4)
    assert gradcheck(lambda x0, x1: model([x0, x1]), [0.3, -0.8])


def test_calling_runs_forward_so_subclasses_can_override_it():
    model = MLP(2, [2, 1], seed=0)
    assert model.forward([1.0, 2.0]).data == model([1.0, 2.0]).data

    class Doubled(Neuron):
        def forward(self, x):
            return super().forward(x) * 2

    n = Doubled(2, "linear", seed=0)
    assert n([1.0, 2.0]).data == 2 * Neuron(2, "linear", seed=0)([1.0, 2.0]).data


# --- labels in the notes' notation ------------------------------------------------------------------

def test_parameters_are_labelled_w_l_ij_and_b_l_i_from_one():
    model = MLP(2, [3, 1], seed=0)
    assert model.layers[0].neurons[2].w[1].label == "w[1]_32"
    assert model.layers[0].neurons[2].b.label == "b[1]_3"
    assert model.layers[1].neurons[0].w[2].label == "w[2]_13"
    assert MLP(12, [1, 11], seed=0).layers[1].neurons[10].w[0].label == "w[2]_11,1"   # two digits: a comma
    assert Neuron(2).w[0].label == "w[1]_11"


def test_forward_labels_pre_activations_z_and_activations_a():
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    out = model([1.0, 2.0])
    labels = [v.label for v in topological_order(out) if v.label[:2] in ("z[", "a[") and "(" not in v.label]
    assert labels == ["z[1]_1", "a[1]_1", "z[1]_2", "a[1]_2", "z[2]_1"]   # linear output: a = z, one node
    assert out.label == "z[2]_1"
    hidden = Neuron(2, "sigmoid", layer_index=3, neuron_index=4)([1.0, 2.0])
    assert hidden.label == "a[3]_4" and hidden.parents[0].label == "z[3]_4"


def test_forward_labels_every_term_and_partial_sum_in_the_notes_notation():
    # Issue 21: the nodes between the inputs and z were unlabelled, and drawings called them v983.
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    x = [Value(1.0, label="x_1"), Value(2.0, label="x_2")]
    order = topological_order(model(x))
    assert all(v.label for v in order)
    z = model.layers[1].neurons[0](model.layers[0](x))
    first, term = z.parents
    assert (first.label, term.label) == ("z[2]_1(j<=1)", "w[2]_12*a[1]_2")
    assert first.parents[1].label == "w[2]_11*a[1]_1" and first.parents[0].label == "b[2]_1"
    assert model.layers[0].neurons[1](x).parents[0].parents[1].label == "w[1]_22*x_2"   # layer 1 reads x


def test_forward_adds_no_constant_zero_node():
    out = Neuron(2, "linear", seed=0)([Value(1.0), Value(2.0)])
    assert [v.op for v in topological_order(out)].count("const") == 0


# --- backprop through a hand-written DAG -------------------------------------------------------------

def finite_difference(f, v, h=1e-6):
    old = v.data
    v.data = old + h; up = f()
    v.data = old - h; down = f()
    v.data = old
    return (up - down) / (2 * h)


class SkipNet(Module):
    """a = tanh layer(x); out = head(a) + s * x_0 + s * a_0: a skip connection and the weight s used twice."""

    def __init__(self):
        self.body = Layer(2, 3, activation="tanh", seed=11)
        self.head = Neuron(3, activation="tanh", seed=12)
        self.s = Value(0.7)
        self.shared = [self.s, self.body.neurons[0].w[0]]   # held twice: still one parameter each

    def forward(self, x):
        a = self.body(x)
        return self.head(a) + self.s * x[0] + self.s * a[0]


def test_custom_module_with_skip_connection_and_shared_weight_matches_finite_differences():
    net = SkipNet()
    assert len(net.parameters()) == 3 * 3 + 4 + 1
    x = [0.4, -1.3]
    loss = (net(x) - 0.5) ** 2
    loss.backward()
    for name, p in net.named_parameters():
        expected = finite_difference(lambda: ((net(x) - 0.5) ** 2).data, p)
        assert p.grad == pytest.approx(expected, rel=1e-6, abs=1e-9), name


@given(st.integers(0, 2**32 - 1), st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_mlp_gradients_match_finite_differences(seed, widths):
    rng = random.Random(seed)
    model = MLP(2, widths, activation="tanh", output_activation="tanh", seed=seed)
    x = [rng.uniform(-2, 2), rng.uniform(-2, 2)]

    def loss():
        out = model(x)
        return sum(o * o for o in out) if isinstance(out, list) else out * out

    model.zero_grad()
    loss().backward()
    for p in model.parameters():
        assert p.grad == pytest.approx(finite_difference(lambda: loss().data, p), rel=1e-5, abs=1e-8), p.label


# --- errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: Neuron(2, activation="softmax"), ValueError,
     "Neuron: activation must be one of 'tanh', 'relu', 'sigmoid', 'linear', got 'softmax'"),
    (lambda: MLP(2, [3, 1], output_activation="gelu"), ValueError, "MLP: output_activation must be one of"),
    (lambda: MLP(2, [1], activation="Tanh"), ValueError, "MLP: activation must be one of"),
    (lambda: Neuron(0), ValueError, "Neuron: nin must be an integer >= 1, got 0"),
    (lambda: Layer(2, 1.5), ValueError, "Layer: nout must be an integer >= 1, got 1.5"),
    (lambda: Layer(2, 3, activation="gelu"), ValueError, "^Layer: activation must be one of"),  # was "Neuron: "
    (lambda: Layer(True, 2), ValueError, "Layer: nin must be an integer >= 1, got True"),
    (lambda: MLP(2, []), ValueError, "MLP: nouts must list at least one layer width"),
    (lambda: MLP(2, 16), TypeError, r"MLP: nouts must be a list of layer widths such as \[16, 16, 1\], got 16"),
    (lambda: MLP(2, [4, 0]), ValueError, "MLP: each width in nouts must be an integer >= 1, got 0"),
    (lambda: MLP(-1, [4]), ValueError, "MLP: nin must be an integer >= 1, got -1"),
])
def test_bad_construction_is_a_clear_error(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_wrong_number_of_inputs_is_a_clear_error_naming_the_module_called():
    # Regression: an MLP's or a Layer's wrong input was reported by "Neuron:", which the caller never called.
    with pytest.raises(ValueError, match="^MLP: expected 2 inputs, got 3$"):
        MLP(2, [3, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="^Layer: expected 2 inputs, got 1$"):
        Layer(2, 3)([1.0])
    with pytest.raises(TypeError, match="^MLP: input must be a list of 2 numbers or Values, got int: 5$"):
        MLP(2, [3, 1])(5)

    class Net(MLP):
        pass

    with pytest.raises(ValueError, match="^Net: expected 2 inputs, got 1$"):
        Net(2, [3, 1])([1.0])
    with pytest.raises(TypeError, match="Neuron: input must be a list of 1 numbers or Values, got float: 0.5"):
        Neuron(1)(0.5)


@pytest.mark.parametrize("x, shown", [(["a", 1.0], "str: 'a' at index 0"), ([1.0, None], "NoneType: None at index 1"),
                                      ([True, 1.0], "bool: True at index 0"), ([1.0, [2.0]], r"list: \[2.0\] at index 1")])
def test_an_input_that_is_not_a_number_is_named(x, shown):
    with pytest.raises(TypeError, match=rf"^MLP: inputs must be numbers or Values, got {shown}$"):
        MLP(2, [3, 1], seed=0)(x)


# Issue 19 (class C): the inputs were checked only after a TypeError, so what multiplies without one
# was read as it came: a dict by its keys (m({1: 0.3, 0: 0.9}) was m([1, 0])), a set in hash order,
# a str as its characters, a 0-d array as a number (which Value(np.array(1.0)) refuses).
@pytest.mark.parametrize("make", [lambda: MLP(2, [3, 1], seed=0), lambda: Layer(2, 3, seed=0), lambda: Neuron(2, seed=0)],
                         ids=["MLP", "Layer", "Neuron"])
@pytest.mark.parametrize("x, why", [
    ({1: 0.3, 0: 0.9}, r"got dict: .* \(a dict is not read by key: list its values in order\)$"),
    ({0.3, 0.9}, r"got set: .* \(a set has no order: use a list\)$"),
    ("ab", r"got str: 'ab'$"),
], ids=["dict", "set", "str"])
def test_inputs_in_a_dict_set_or_str_are_refused_naming_the_module(make, x, why):
    model = make()
    who = type(model).__name__
    with pytest.raises(TypeError, match=rf"^{who}: input must be a list of 2 numbers or Values, {why}"):
        model(x)


def test_a_0d_array_is_refused_as_an_input_as_value_refuses_it():
    np = pytest.importorskip("numpy")
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"^MLP: inputs must be numbers or Values, got ndarray: array\(1\.\) at index 0$"):
        model([np.array(1.0), 1.0])
    with pytest.raises(TypeError, match=r"^MLP: input must be a list of 2 numbers or Values, got ndarray: .*pass x.item\(\)"):
        model(np.array(1.0))
    # A 1-d array, its NumPy numbers and a generator are sequences of numbers: read in order.
    assert model(np.array([1.0, 2.0])).data == model(v for v in [1.0, 2.0]).data == model([1.0, 2.0]).data


def test_module_without_forward_says_what_to_define():
    class Empty(Module):
        pass
    with pytest.raises(NotImplementedError, match=r"Empty: define forward\(self, x\)"):
        Empty()(1.0)
