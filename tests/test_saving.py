"""state_dict / load_state_dict and save / load: nothing lost, nothing executed, nothing half-done."""

import io
import json
import math
import os
import pathlib
import shutil

import pytest

from autograd import Value, explore
from autograd.viz import render_graph
from nn import MLP, Module, Neuron, Recorder

# Values that a careless format loses: non-terminating binaries, a signed zero, the smallest
# subnormal, the largest float, and many digits.
TRICKY = [0.1, -0.0, 5e-324, 1.7976931348623157e308, 1 / 3, -2.2250738585072014e-308, 123456789.12345679]


def bits(model):
    """Every parameter as its exact bit pattern, by name (-0.0 and 0.0 differ)."""
    return {name: p.data.hex() for name, p in model.named_parameters()}


def tricky_model():
    model = MLP(2, [3, 1], seed=0)
    for p, x in zip(model.parameters(), TRICKY * 3):
        p.data = x
    return model


# --- state_dict --------------------------------------------------------------------------------------

def test_state_dict_is_an_ordered_copy_by_name():
    model = MLP(2, [2, 1], seed=0)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert list(state.values()) == [p.data for p in model.parameters()]
    state["layers.0.neurons.0.b"] = 9.0
    assert model.layers[0].neurons[0].b.data == 0.0


def test_load_state_dict_round_trip_is_bit_exact():
    source, target = tricky_model(), MLP(2, [3, 1], seed=1)
    target.load_state_dict(source.state_dict())
    assert bits(target) == bits(source)


def test_load_state_dict_accepts_ints():
    n = Neuron(2, seed=0)
    n.load_state_dict({"w.0": 1, "w.1": -2, "b": 3})
    assert [p.data for p in n.parameters()] == [1.0, -2.0, 3.0]
    assert all(type(p.data) is float for p in n.parameters())


def with_entry(state, name, value):
    state = dict(state)
    state[name] = value
    return state


@pytest.mark.parametrize("change, error, message", [
    (lambda s: [("w.0", 1.0)], TypeError, "load_state_dict: parameters must be a dict of name -> number, got list"),
    (lambda s: {k: v for k, v in s.items() if k != "b"}, ValueError,
     "load_state_dict: parameter names do not match this Neuron: missing 'b', unexpected none"),
    (lambda s: with_entry(s, "w.2", 1.0), ValueError, "missing none, unexpected 'w.2'"),
    (lambda s: with_entry(s, "b", math.nan), ValueError, "load_state_dict: parameter 'b' must be finite, got nan"),
    (lambda s: with_entry(s, "b", -math.inf), ValueError, "parameter 'b' must be finite, got -inf"),
    (lambda s: with_entry(s, "b", 10 ** 400), ValueError,
     r"load_state_dict: parameter 'b': int of about 10\*\*400 is too large for a float"),
    (lambda s: with_entry(s, "b", "0.5"), TypeError,
     "load_state_dict: parameter 'b' must be a real number, got str: '0.5'"),
    (lambda s: with_entry(s, "b", True), TypeError, "parameter 'b' must be a real number, got bool"),
    (lambda s: with_entry(s, "b", Value(1.0)), TypeError, "parameter 'b' must be a real number, got Value"),
])
def test_load_state_dict_checks_everything_before_changing_anything(change, error, message):
    n = Neuron(2, seed=0)
    before = bits(n)
    # 'b' is the last parameter: a loader that assigned as it checked would already have changed w.0 and w.1.
    bad = change(Neuron(2, seed=1).state_dict())
    with pytest.raises(error, match=message):
        n.load_state_dict(bad)
    assert bits(n) == before


def test_many_mismatched_names_are_summarised():
    with pytest.raises(ValueError, match=r"missing 'layers.0.neurons.0.w.0', .* and 12 more, unexpected 'x'"):
        MLP(2, [4, 1]).load_state_dict({"x": 1.0})


# --- save and load ------------------------------------------------------------------------------------

def test_save_load_round_trip_is_bit_exact(tmp_path):
    source = tricky_model()
    source.save(tmp_path / "model.json")
    target = MLP(2, [3, 1], seed=1)
    assert target.load(tmp_path / "model.json") is target
    assert bits(target) == bits(source)


def test_saved_file_is_plain_readable_json(tmp_path):
    path = str(tmp_path / "m.json")
    model = MLP(2, [2, 1], seed=0)
    model.save(path)
    doc = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    assert doc == {"format": "dagrad.state_dict", "version": 1,
                   "architecture": "MLP(2, [2, 1], activation='relu', output_activation='linear')",
                   "parameters": model.state_dict()}
    assert list(doc["parameters"]) == list(model.state_dict())


class Shared(Module):
    def __init__(self, seed):
        self.inner = Neuron(2, seed=seed)
        self.tied = [self.inner.w[0], Value(float(seed))]

    def forward(self, x):
        return self.inner(x) * self.tied[0] + self.tied[1]


def test_custom_module_with_shared_weight_round_trips(tmp_path):
    source, target = Shared(3), Shared(4)
    source.save(tmp_path / "shared.json")
    target.load(tmp_path / "shared.json")
    assert bits(target) == bits(source)
    assert target.tied[0] is target.inner.w[0]    # still shared: loading assigns values, not objects
    assert target([1.0, 2.0]).data == source([1.0, 2.0]).data


class Keyed(Module):
    def __init__(self, d):
        self.d = d


@pytest.mark.parametrize("d, first, second, name", [
    ({0: Value(1.0), "0": Value(2.0)}, "self.d[0]", "self.d['0']", "d.0"),
    ({"0.x": Value(1.0), 0: {"x": Value(2.0)}}, "self.d['0.x']", "self.d[0]['x']", "d.0.x"),
    ({1.5: Value(1.0), 1: [Value(2.0), Value(3.0), Value(4.0), Value(5.0), Value(6.0), Value(7.0)]},
     "self.d[1.5]", "self.d[1][5]", "d.1.5"),
])
def test_two_parameters_named_alike_are_refused_not_one_dropped(tmp_path, d, first, second, name):
    # Regression: state_dict kept one of the two, save wrote one, load skipped the other silently.
    model = Keyed(d)
    assert len(model.parameters()) == len(set(map(id, model.parameters())))  # training needs no names
    for use in (model.state_dict, model.named_parameters, lambda: model.save(tmp_path / "m.json"),
                lambda: model.load_state_dict({}), lambda: model.load(tmp_path / "m.json")):
        with pytest.raises(ValueError) as e:
            use()
        assert str(e.value) == (f"Keyed: parameters {first} and {second} are both named {name!r}; state_dict, save and "
                                f"load tell parameters by name, so give them different names (dict keys that differ "
                                f"as text: 0 and '0' both read '0', and a dot in a key reads as one more level)")
    assert os.listdir(tmp_path) == []


def test_parameters_under_dict_keys_that_differ_as_text_round_trip_every_one(tmp_path):
    source, target = (Keyed({0: Value(x), "a": [Value(-x)], 2.5: {"b": Value(x / 3)}}) for x in (0.1, 7.0))
    assert list(source.state_dict()) == ["d.0", "d.a.0", "d.2.5.b"]
    source.save(tmp_path / "m.json")
    target.load(tmp_path / "m.json")
    assert bits(target) == bits(source) and len(bits(target)) == len(target.parameters()) == 3


def test_save_overwrites_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [2, 1], seed=0).save(path)
    MLP(2, [2, 1], seed=1).save(path)
    assert os.listdir(tmp_path) == ["m.json"]
    assert bits(MLP(2, [2, 1], seed=5).load(path)) == bits(MLP(2, [2, 1], seed=1))


# --- atomic writes: a crash mid-write never corrupts the previous file ----------------------------

def crash_mid_write(fd, mode):
    class HalfWritten(io.FileIO):
        def write(self, data):
            super().write(data[: len(data) // 2])  # half a file reaches the temporary, then the disk fills
            raise OSError("No space left on device")
    return HalfWritten(fd, "wb")


def crash_on_rename(src, dst):
    raise OSError("simulated crash before the rename")


@pytest.mark.parametrize("target, crash, error", [
    ("fdopen", crash_mid_write, OSError),
    ("replace", crash_on_rename, OSError),
    ("fsync", lambda fd: (_ for _ in ()).throw(KeyboardInterrupt()), KeyboardInterrupt),
])
def test_crash_while_saving_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch, target, crash, error):
    path = tmp_path / "m.json"
    old = MLP(2, [3, 1], seed=0)
    old.save(path)
    before = path.read_bytes()
    monkeypatch.setattr(os, target, crash)
    with pytest.raises(error):
        MLP(2, [3, 1], seed=1).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]
    assert bits(MLP(2, [3, 1], seed=9).load(path)) == bits(old)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_save_refuses_non_finite_values_and_writes_nothing(tmp_path, bad):
    path = tmp_path / "m.json"
    model = MLP(2, [3, 1], seed=0)
    model.save(path)
    before = path.read_bytes()
    model.layers[1].neurons[0].b.data = bad
    with pytest.raises(ValueError, match=r"save: parameter 'layers.1.neurons.0.b' is .*; refusing to save"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]


# --- every kind of bad file raises a clear error and leaves the model unchanged ---------------------

def good_text():
    """A valid file for Neuron(2), keys in order; the last parameter, 'b', is the one the cases spoil."""
    model = Neuron(2, seed=1)
    model.b.data = 0.5
    return json.dumps({"format": "dagrad.state_dict", "version": 1, "architecture": repr(model),
                       "parameters": model.state_dict()})


def edit(**changes):
    doc = json.loads(good_text())
    doc.update(changes)
    return json.dumps(doc)


def with_b(value):
    """The good file with the last parameter's JSON text replaced (JSON can hold NaN, 1e400, ...)."""
    return good_text().replace('"b": 0.5', f'"b": {value}')


BAD_FILES = [
    ("empty", "", ValueError, "is not valid JSON"),
    ("not JSON", "w = 0.5", ValueError, "is not valid JSON"),
    ("truncated", good_text()[: len(good_text()) // 2], ValueError, "is not valid JSON .*; it may be truncated"),
    ("truncated at the last value", good_text()[:-5], ValueError, "is not valid JSON"),
    ("not UTF-8", b"\xff\xfe\x00garbage", ValueError, "is not valid JSON"),
    ("pickle", b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00", ValueError, "is not valid JSON"),
    ("a list", "[1.0, 2.0, 0.0]", ValueError, "is not a dagrad state file"),
    ("another format", edit(format="torch"), ValueError, "is not a dagrad state file"),
    ("no version", edit(version=None), ValueError, "has version None; this dagrad reads version 1"),
    ("newer version", edit(version=2), ValueError, "has version 2; this dagrad reads version 1"),
    ("other architecture", edit(architecture="Neuron(3, activation='tanh')"), ValueError,
     r"holds \"Neuron\(3, activation='tanh'\)\", but this model is Neuron\(2, activation='tanh'\); build the model"),
    ("other activation", edit(architecture="Neuron(2, activation='relu')"), ValueError,
     "holds .*relu.*, but this model is"),
    ("renamed parameter", good_text().replace('"b"', '"bias"'), ValueError,
     "parameter names do not match this Neuron: missing 'b', unexpected 'bias'"),
    ("missing parameter", edit(parameters={"w.0": 0.1, "w.1": 0.2}), ValueError, "missing 'b', unexpected none"),
    ("duplicate key", good_text().replace('"b": 0.5', '"b": 0.5, "b": 0.25'), ValueError, "duplicate key 'b'"),
    ("NaN", with_b("NaN"), ValueError, "parameter 'b' must be finite, got nan"),
    ("Infinity", with_b("-Infinity"), ValueError, "parameter 'b' must be finite, got -inf"),
    ("overflowing float", with_b("1e400"), ValueError, "parameter 'b' must be finite, got inf"),
    ("overflowing int", with_b("1" + "0" * 400), ValueError, r"parameter 'b': int of about 10\*\*400 is too large for a float"),
    ("string value", with_b('"0.5"'), TypeError, "parameter 'b' must be a real number, got str: '0.5'"),
    ("bool value", with_b("true"), TypeError, "parameter 'b' must be a real number, got bool: True"),
    ("null value", with_b("null"), TypeError, "parameter 'b' must be a real number, got NoneType: None"),
    ("list value", with_b("[0.5]"), TypeError, "parameter 'b' must be a real number, got list"),
    # Bounded before parsing: json recurses once per level (RecursionError), and reads all it is given.
    ("deeply nested list", "[" * 100_000 + "]" * 100_000, ValueError,
     "nests more than 20 levels deep .*; it is not a dagrad file"),
    ("deeply nested object", '{"a": ' * 100_000 + "1" + "}" * 100_000, ValueError, "nests more than 20 levels deep"),
    ("deeply nested value", with_b("[" * 100_000 + "0.5" + "]" * 100_000), ValueError, "nests more than 20 levels"),
    ("unclosed nesting", "[" * 100_000, ValueError, "nests more than 20 levels deep"),
    ("nested 21 deep", with_b("[" * 19 + "0.5" + "]" * 19), ValueError, "nests more than 20 levels deep"),
    ("nested 20 deep", with_b("[" * 18 + "0.5" + "]" * 18), TypeError, "parameter 'b' must be a real number, got list"),
    ("too large", good_text() + " " * (2 << 20), ValueError,
     r"is larger than \d+ bytes, more than a file saved from this model can be"),
    # Without a closing quote: the scan for strings stays linear (a quadratic one would not finish).
    ("unterminated string of escapes", '["' + '\\"' * 400_000, ValueError, "is not valid JSON .*Unterminated string"),
    ("int of 5000 digits", with_b("1" * 5000), ValueError, "is not valid JSON .*4300 digits"),
    ("parameters not a dict", edit(parameters=[0.1, 0.2, 0.5]), TypeError,
     "parameters must be a dict of name -> number, got list"),
    ("no parameters", edit(parameters=None), TypeError, "parameters must be a dict of name -> number, got NoneType"),
]


@pytest.mark.parametrize("content, error, message", [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_bad_file_is_a_clear_error_and_changes_nothing(tmp_path, content, error, message):
    path = tmp_path / "bad.json"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    model = Neuron(2, seed=0)
    before = bits(model)
    with pytest.raises(error, match=f"load: '{path}'.*{message}"):
        model.load(path)
    assert bits(model) == before


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(edit(architecture="[" * 100_000, note='\\"[[[' + "{" * 100))
    with pytest.raises(ValueError, match=r"holds '\[\[\[.*\.\.\..*\[\[', but this model is Neuron"):
        Neuron(2, seed=0).load(path)


def test_a_reformatted_file_still_loads(tmp_path):
    # The size bound leaves room for a file re-indented or with every character escaped by hand.
    path = tmp_path / "m.json"
    source = MLP(2, [4, 1], seed=3)
    doc = json.loads(json.dumps({"format": "dagrad.state_dict", "version": 1, "architecture": repr(source),
                                 "parameters": source.state_dict()}))
    text = json.dumps(doc, indent=60)
    escaped = "".join(f"\\u{ord(c):04x}" for c in doc["architecture"])
    path.write_text(text.replace(json.dumps(doc["architecture"]), f'"{escaped}"'))
    assert bits(MLP(2, [4, 1], seed=0).load(path)) == bits(source)


def test_long_names_and_values_from_a_file_are_shortened_in_errors(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(good_text().replace('"b"', '"' + "x" * 100_000 + '"'))
    with pytest.raises(ValueError, match="unexpected 'xxx.*xxx'") as err:
        Neuron(2, seed=0).load(path)
    assert len(str(err.value)) < 400
    path.write_text(with_b('"' + "y" * 100_000 + '"'))
    with pytest.raises(TypeError, match="got str: 'yyy.*yyy'") as err:
        Neuron(2, seed=0).load(path)
    assert len(str(err.value)) < 400
    with pytest.raises(ValueError, match="unexpected 'zzz.*zzz'") as err:
        Neuron(2, seed=0).load_state_dict({**Neuron(2).state_dict(), "z" * 100_000: 1.0})
    assert len(str(err.value)) < 400


def test_unreadable_path_is_a_clear_error_and_changes_nothing(tmp_path):
    model = Neuron(2, seed=0)
    before = bits(model)
    with pytest.raises(IsADirectoryError, match=f"load: '{tmp_path}': cannot be read"):
        model.load(tmp_path)
    with pytest.raises(ValueError, match="load: 'a\\\\x00b': not a usable file name"):
        model.load("a\x00b")
    assert bits(model) == before


def test_the_good_file_the_bad_ones_are_made_from_does_load(tmp_path):
    path = tmp_path / "good.json"
    path.write_text(good_text())
    assert Neuron(2, seed=0).load(path).b.data == 0.5


def test_missing_file_is_a_clear_error_and_changes_nothing(tmp_path):
    model = Neuron(2, seed=0)
    before = bits(model)
    with pytest.raises(FileNotFoundError, match="load: .*nope.json'.*: no such file"):
        model.load(tmp_path / "nope.json")
    assert bits(model) == before


def test_loading_never_executes_anything(tmp_path, monkeypatch):
    # Only JSON is parsed: pickle and eval are never reached, whatever the file holds.
    def forbidden(*args, **kwargs):
        raise AssertionError("load must not unpickle or eval")
    monkeypatch.setattr("builtins.eval", forbidden)
    monkeypatch.setattr("builtins.exec", forbidden)
    monkeypatch.setattr("pickle.loads", forbidden)
    monkeypatch.setattr("pickle.load", forbidden)
    path = tmp_path / "m.json"
    Neuron(2, seed=1).save(path)
    assert bits(Neuron(2, seed=0).load(path)) == bits(Neuron(2, seed=1))


def test_saved_file_gets_the_usual_permissions_not_private_ones(tmp_path):
    old = os.umask(0o022)
    try:
        MLP(2, [2, 1], seed=0).save(tmp_path / "m.json")
    finally:
        os.umask(old)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644


def test_save_to_a_name_at_the_file_system_limit_works(tmp_path):
    # The temporary file was named <target>.<8 hex>.tmp, 13 bytes longer than a valid 255-byte name.
    path = tmp_path / ("m" * 250 + ".json")
    assert len(os.fsencode(path.name)) == 255
    MLP(2, [2, 1], seed=0).save(path)
    MLP(2, [2, 1], seed=1).save(path)  # and over an existing file
    assert os.listdir(tmp_path) == [path.name]
    assert bits(MLP(2, [2, 1], seed=5).load(path)) == bits(MLP(2, [2, 1], seed=1))


def test_save_to_a_bytes_path_works(tmp_path):
    path = os.fsencode(tmp_path / "m.json")
    MLP(2, [2, 1], seed=0).save(path)
    assert os.listdir(tmp_path) == ["m.json"]


# --- errors name the user's file, and a link stays a link -------------------------------------------

def test_save_into_a_missing_folder_names_the_users_path_not_the_temporary(tmp_path, monkeypatch):
    # Regression: FileNotFoundError: 'nodir/.7bd2….tmp', a file the user never named.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as e:
        MLP(2, [1]).save("nodir/m.json")
    assert str(e.value) == "[Errno 2] save: cannot write 'nodir/m.json': the folder 'nodir' does not exist; create it first"
    assert ".tmp" not in str(e.value) and e.value.filename is None and e.value.__cause__ is None
    assert os.listdir(tmp_path) == []


def test_save_without_permission_names_the_users_path_and_why_the_folder_matters(tmp_path, monkeypatch):
    # The tests may run as root, whom no folder refuses: the refusal is the file system's, simulated.
    real_open = os.open

    def refuse(path, *args):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(PermissionError) as e:
        MLP(2, [1]).save(tmp_path / "m.json")
    monkeypatch.setattr(os, "open", real_open)
    assert str(e.value) == (f"[Errno 13] save: cannot write {str(tmp_path / 'm.json')!r}: no permission to write in the "
                            f"folder {str(tmp_path)!r} (the file is written whole beside its old version, then renamed "
                            f"over it, so the folder must be writable)")


@pytest.mark.parametrize("bad, error, why", [
    ("", FileNotFoundError, "No such file or directory"),
    ("a\0b.json", ValueError, "not a usable file name (embedded null byte)"),
    ("folder", IsADirectoryError, "it is a folder"),
])
def test_other_unwritable_paths_are_sentences_naming_the_path(tmp_path, monkeypatch, bad, error, why):
    monkeypatch.chdir(tmp_path)
    os.makedirs(os.path.join("sub", "folder"))
    path = os.path.join("sub", bad) if bad else bad
    with pytest.raises(error) as e:
        MLP(2, [1]).save(path)
    assert f"save: cannot write {path!r}: " in str(e.value) and why in str(e.value), str(e.value)
    assert ".tmp" not in str(e.value) and os.listdir("sub") == ["folder"] and os.listdir(".") == ["sub"]


def test_save_through_a_symlink_writes_the_file_it_points_to_and_keeps_the_link(tmp_path):
    # Regression: os.replace over the link made it a plain file; the file it named kept the old weights.
    (tmp_path / "weights").mkdir()
    real = tmp_path / "weights" / "m.json"
    MLP(2, [2, 1], seed=0).save(real)
    link, chain = tmp_path / "latest.json", tmp_path / "current.json"
    link.symlink_to(os.path.join("weights", "m.json"))  # relative, as ln -s makes them
    chain.symlink_to("latest.json")
    MLP(2, [2, 1], seed=1).save(chain)
    assert chain.is_symlink() and link.is_symlink() and os.readlink(link) == os.path.join("weights", "m.json")
    assert bits(MLP(2, [2, 1], seed=5).load(real)) == bits(MLP(2, [2, 1], seed=1))
    assert sorted(os.listdir(tmp_path)) == ["current.json", "latest.json", "weights"]
    assert os.listdir(tmp_path / "weights") == ["m.json"]
    dangling = tmp_path / "new.json"
    dangling.symlink_to("weights/fresh.json")  # as open(path, "w") does, the file is made where the link points
    MLP(2, [2, 1], seed=2).save(dangling)
    assert dangling.is_symlink() and bits(MLP(2, [2, 1], seed=5).load(tmp_path / "weights" / "fresh.json")) == bits(MLP(2, [2, 1], seed=2))


@pytest.mark.parametrize("use", ["save", "load"])
@pytest.mark.parametrize("bad", [None, 3, ["m.json"]])
def test_a_path_that_is_no_file_name_is_a_sentence(use, bad):
    # Regression: os.fspath's bare "expected str, bytes or os.PathLike object, not NoneType".
    with pytest.raises(TypeError) as e:
        getattr(MLP(2, [1], seed=0), use)(bad)
    assert str(e.value) == (f"{use}: the path must be a file name (a str or a path-like such as pathlib.Path), "
                            f"got {type(bad).__name__}: {bad!r}")



def writers():
    """Every writer of a file, as (who its errors name, write(path))."""
    rec = Recorder(MLP(2, [2, 1], seed=0), [[0.0, 1.0]])
    rec.record(1.0)
    return [("save", MLP(2, [1], seed=0).save), ("Explorer.save", explore(Value(1.0) * 2).save),
            ("Recorder.save", lambda path: rec.save(path, explorers=[])),
            ("render_graph", lambda path: render_graph(Value(1.0), path, format="svg"))]


@pytest.mark.parametrize("k", range(4))
@pytest.mark.parametrize("inside", ["afile", os.devnull, os.path.join("afile", "sub")])
def test_a_path_under_a_file_is_a_sentence_from_every_writer(tmp_path, monkeypatch, k, inside):
    # Regression: Explorer.save, Recorder.save and render_graph raised os.makedirs' bare
    # "[Errno 17] File exists: '…/afile'" where MLP.save said which path could not be written.
    if k == 3 and shutil.which("dot") is None:
        pytest.skip("render_graph needs Graphviz's dot")
    monkeypatch.chdir(tmp_path)
    open("afile", "w").close()
    who, write = writers()[k]
    path = os.path.join(inside, "x.html")
    with pytest.raises(OSError) as e:
        write(path)
    assert str(e.value).endswith(f"{who}: cannot write {path!r}: {inside!r} is not a folder (it, or a folder on its "
                                 f"path, is a file); write to a folder"), str(e.value)
    assert sorted(os.listdir(".")) == ["afile"]
