# Everything starts from a fresh clone: each target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: test demo bench notebooks graphviz chromium clean

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

# System programs some tests need, from Debian's packages: $(call apt_tool,PROGRAM,PACKAGE,USE[,ELSEWHERE])
# installs PACKAGE when PROGRAM is missing and we are root with apt-get; otherwise it prints how
# to install it (ELSEWHERE: the other ways), and the tests that need PROGRAM skip saying the same.
define apt_tool
@command -v $(1) >/dev/null 2>&1 || { \
  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null) \
      || echo "note: could not install $(2); $(3) tests will skip"; \
  else echo "note: '$(1)' not found; install it (apt-get install $(2)$(4)) for the $(3) tests"; fi; }
endef

# `dot` (Graphviz) draws graphs.
graphviz:
	$(call apt_tool,dot,graphviz,graph rendering, / brew install graphviz)

# Headless Chromium runs the browser tests (Playwright drives this system browser; it never
# downloads one of its own).
chromium:
	$(call apt_tool,chromium,chromium,browser)

test: $(VENV)/.dev graphviz chromium
	$(PY) -m pytest --nbmake --nbmake-timeout=600 tests notebooks

demo: $(VENV)/.demo
	$(PY) -m nn.demo

bench: $(VENV)/.bench chromium
	$(PY) -m benchmarks

notebooks: $(VENV)/.dev graphviz
	$(PIP) install jupyterlab
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
