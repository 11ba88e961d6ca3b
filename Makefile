# The two commands of the README: `make demo` and `make test`. Both work on a fresh clone with
# only Python present: they create .venv and install exactly the locked versions.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_VERSION := 0.1.0

.PHONY: install demo test test-slow test-package test-browser browser java test-spark lint typecheck unit docs docs-check bench eval lock clean

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

# Tests run on every core (pytest-xdist); TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= auto
unit: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The long property and fault tests (marked slow; CI runs them after `make test`).
test-slow: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m slow --ignore=tests/test_package.py \
	  --ignore=tests/test_report_browser.py

test: lint typecheck unit

# Debian's Chromium, for the release report's headless-browser test (root on Debian/Ubuntu).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make browser: Chromium is missing and cannot be installed here (needs root and apt-get);" \
	         "install Debian's chromium package, or the report's browser test is skipped"; exit 1; \
	  fi; }
	@chromium --version

# A Java runtime for `--engine spark` (pyspark 4 needs Java 17 or 21; root on Debian/Ubuntu).
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else \
	    echo "make java: Java is missing and cannot be installed here (needs root and apt-get);" \
	         "install a Java 17 or 21 runtime (e.g. Debian's openjdk-17-jre-headless), or the Spark tests are skipped"; exit 1; \
	  fi; }
	@java -version 2>&1 | head -1

# The Spark engine in a local Spark session (needs `make java`; the JVM start-up is slow, so not
# part of `make test`).
test-spark: install
	$(BIN)/python -m pytest -m spark tests/test_spark.py

# The release report in a real headless browser (needs `make browser`).
test-browser: install
	$(BIN)/python -m pytest -m slow tests/test_report_browser.py

# The wheel in a clean venv (downloads the locked dependencies; slow, so not part of `make test`).
test-package: install
	$(BIN)/python -m pytest -m slow tests/test_package.py

docs: install
	$(BIN)/python -m toolkit.docgen write

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# The rule coder against reference codings: the dev set of PLOVER records and the seed article's
# hand coding; the seed article's rule coding is written to build/eval and validated.
DEV_SET ?= ../shared/corpus/dev/plover_gsr_dev.json
SEED := afp-2023-02-07-lavrov-mali
eval: install
	@mkdir -p build/eval
	$(BIN)/evtk code $(SEED) --out build/eval/$(SEED).rules.yaml
	$(BIN)/evtk validate build/eval/$(SEED).rules.yaml --articles data/articles
	$(BIN)/evtk code --score data/coded/$(SEED).seed.yaml
	@if [ -f $(DEV_SET) ]; then $(BIN)/evtk code --score $(DEV_SET); else echo "dev set $(DEV_SET) not found: skipped"; fi

# Re-resolve the lock file after changing dependency ranges in pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra xlsx --extra spark --python-version 3.11 -o requirements.lock

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
