import os

import pytest
from hypothesis import HealthCheck, settings

from autograd import OPS, Value, register_op

# CI runs are deterministic (derandomize) and never fail on a slow machine (no deadline).
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Browser tests: `page` (a headless system Chromium page, checked for console errors and network
# requests at teardown) and `browser`, for any test file; see tests/browser.py.
from browser import browser, page, screenshot_dir  # noqa: E402, F401

pytest_plugins = ["pytester"]  # tests/test_browser_harness.py runs the `page` fixture in a pytest of its own


@pytest.fixture
def restore_the_op_table():
    """Code that registers ops (a docstring example, the typing tests) leaves OPS and Value as they were."""
    ops, methods = dict(OPS), set(vars(Value))
    yield
    OPS.clear()
    OPS.update(ops)
    for name in set(vars(Value)) - methods:
        delattr(Value, name)


@pytest.fixture
def user_op():
    """register_op for one test: the op is removed from OPS (and Value) afterwards."""
    added = []

    def add(name, op):
        added.append(name)
        return register_op(name, op)

    yield add
    for name in added:
        del OPS[name]
        if name in vars(Value):
            delattr(Value, name)
