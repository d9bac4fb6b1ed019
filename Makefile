# Everything starts from a fresh clone: each target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: test demo bench notebooks graphviz clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# One stamp per set of extras, remade when pyproject.toml changes.
$(VENV)/.dev: pyproject.toml | $(PY)
	$(PIP) install -e ".[dev]"
	touch $@

$(VENV)/.demo: pyproject.toml | $(PY)
	$(PIP) install -e ".[demo]"
	touch $@

$(VENV)/.bench: pyproject.toml | $(PY)
	$(PIP) install -e ".[bench]"
	touch $@

# The `dot` program (Debian's graphviz) draws graphs. Installed when missing and possible;
# otherwise the tests that render skip and say how to install it.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
	      || echo "note: could not install graphviz; graph rendering tests will skip"; \
	  else echo "note: 'dot' not found; install Graphviz (apt-get install graphviz / brew install graphviz) to render graphs"; fi; }

test: $(VENV)/.dev graphviz
	$(PY) -m pytest --nbmake --nbmake-timeout=600 tests notebooks

demo: $(VENV)/.demo graphviz
	$(PY) -m nn.demo

bench: $(VENV)/.bench
	$(PY) -m benchmarks

notebooks: $(VENV)/.dev graphviz
	$(PIP) install jupyterlab
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
