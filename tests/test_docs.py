"""Every docstring example runs, and every public function, class and method has one.

The one place that runs the doctests: of every module of `autograd`, `nn` and `benchmarks`,
found by walking the packages, so a new module is covered without a line here.
"""

import doctest
import importlib
import inspect
import pkgutil
import shutil

import pytest

import autograd
import benchmarks
import nn

PACKAGES = [autograd, nn, benchmarks]
MODULES = [name for package in PACKAGES
           for name in [package.__name__, *(m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + "."))]]
# Where the examples are the user's API: every public function, class and method has one.
DOCUMENTED = [name for name in MODULES if name.split(".")[0] in ("autograd", "nn")]


def test_every_module_of_the_packages_is_found():
    for name in ("autograd.engine", "autograd.viz", "nn.module", "nn.demo", "benchmarks.suite", "benchmarks.__main__"):
        assert name in MODULES, name


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, restore_the_op_table):
    if name == "autograd.viz" and shutil.which("dot") is None:
        pytest.skip("autograd.viz's examples render SVG: install Graphviz (apt-get install graphviz / brew install graphviz)")
    module = importlib.import_module(name)
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert results.failed == 0, f"{name}: {results.failed} docstring example(s) failed (see the output above)"
    assert results.attempted > 0 or not public_items(module), f"{name} has public names but no docstring example"


def public_items(module):
    """(qualified name, object) of every public function, class, method and property `module` defines."""
    items = []
    for obj in (getattr(module, n) for n in getattr(module, "__all__", ())):
        if getattr(obj, "__module__", None) != module.__name__:  # re-exported: checked in its own module
            continue
        items.append((obj.__name__, obj))
        if inspect.isclass(obj):
            items += [(f"{obj.__name__}.{k}", v) for k, v in vars(obj).items() if not k.startswith("_")
                      and (inspect.isfunction(v) or isinstance(v, (property, staticmethod, classmethod)))]
    return items


def without_example(module):
    """The public names of `module` whose docstring has no runnable example (no ``>>>``)."""
    return [what for what, item in public_items(module)
            if ">>>" not in (inspect.getdoc(getattr(item, "__func__", item)) or "")]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_public_function_class_and_method_has_an_example(name):
    missing = without_example(importlib.import_module(name))
    assert not missing, f"{name}: no runnable example (>>>) in the docstring of {missing}"


def test_the_example_check_sees_a_missing_example():
    class Documented:
        """A class.

        >>> Documented
        """

        def method(self):
            """A method without an example."""

        @staticmethod
        def helper():
            """Another."""

    module = type(importlib)("fake")
    module.__all__, module.Documented, Documented.__module__ = ["Documented"], Documented, "fake"
    assert without_example(module) == ["Documented.method", "Documented.helper"]
