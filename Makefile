# The two commands of the README: `make demo` and `make test`. Both work on a fresh clone with
# only Python present: they create .venv and install exactly the locked versions.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_VERSION := 0.1.0

.PHONY: install demo test lint typecheck unit docs docs-check bench lock clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

demo: install
	@bash scripts/demo.sh

lint: install
	$(BIN)/ruff check toolkit tests benchmarks scripts

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/python -m pytest

test: lint typecheck unit

docs: install
	$(BIN)/python -m toolkit.docgen write

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# Re-resolve the lock file after changing dependency ranges in pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra xlsx --python-version 3.11 -o requirements.lock

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
