# Two entry points for a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
WS := demo-workspace

.PHONY: run test lint fuzz venv dev-install system-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python

run: venv
	$(BIN)/pip install -q -e .
	WILDTRACE_EMBEDDINGS=off $(BIN)/wildtrace --workspace $(WS) import examples/demo-listings.csv --source demo
	WILDTRACE_EMBEDDINGS=off $(BIN)/wildtrace --workspace $(WS) process
	$(BIN)/wildtrace --workspace $(WS) report -o $(WS)/report.html
	@echo "report: $(abspath $(WS))/report.html"

system-deps:
	bash .ci/system-deps

dev-install: venv
	$(BIN)/pip install -q -e '.[dev,browser,market,scale,embed]'

test: system-deps dev-install
	$(BIN)/python -m pytest -q

# What CI runs before the tests: ruff (lint and import order) and mypy (strict).
lint: dev-install
	$(BIN)/ruff check wildtrace tests bench
	$(BIN)/mypy

# Each atheris harness in fuzz/ for FUZZ_SECONDS from its committed corpus (fuzz/run.py);
# a crash fails the build and its reproducer is kept under fuzz/crashes/.
FUZZ_SECONDS ?= 20
fuzz: dev-install
	$(BIN)/python fuzz/run.py --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) $(WS)
