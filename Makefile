# One command surface. `make test` and `make run` build their own virtual environment.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install tools run test unit integration lint bench chaos dashboards clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# promtool and prometheus (Debian's package) for the rule tests and the live-Prometheus test
tools:
	@{ command -v promtool && command -v amtool; } >/dev/null 2>&1 || { \
	  echo "installing Debian's prometheus and prometheus-alertmanager (promtool, amtool)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null; \
	  pkill -x prometheus 2>/dev/null || true; pkill -x prometheus-alertmanager 2>/dev/null || true; }

run: install
	$(BIN)/sessionscope demo

test: install tools
	$(BIN)/pytest -q -p no:cacheprovider tests

unit: install
	$(BIN)/pytest -q tests/unit

integration: install tools
	$(BIN)/pytest -q tests/integration

lint: install
	$(BIN)/ruff check models streams tests grafana
	$(BIN)/mypy

bench: install
	$(BIN)/sessionscope bench

chaos: install
	$(BIN)/sessionscope chaos --brokers 3
	$(BIN)/sessionscope chaos --brokers 1

dashboards: install
	$(BIN)/python grafana/build.py

clean:
	rm -rf $(VENV) .state .pytest_cache .mypy_cache .ruff_cache
