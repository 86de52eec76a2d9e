# The README's two set-up commands are `make run` and `make test`; everything else is detail.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-variants lint format bench sandbox clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

## Install the runtime and start the console on its embedded default (local sandbox, demo staff).
run: $(VENV)/.runtime-installed
	CONSOLE_SNAPSHOT=embedded $(BIN)/streamlit run app.py

## Install test needs (Python packages, Chromium, PostgreSQL), lint, and run the whole suite.
test: $(VENV)/.dev-installed
	@eval "$$(scripts/test-services.sh)" && \
	$(BIN)/ruff format --check . && \
	$(BIN)/ruff check . && \
	$(BIN)/pytest $(PYTEST_ARGS)

## The account, preview and write tests against the sandbox in each non-default mode (one run
## per switch value; VARIANTS="base_preferences=all limits=legacy" picks some).
VARIANTS ?= $(shell $(BIN)/python -c "from tests.sandbox_variant import non_default_values as v; print(' '.join(v()))")
test-variants: $(VENV)/.dev-installed
	@eval "$$(scripts/test-services.sh)" && \
	failed=""; for variant in $(VARIANTS); do \
		echo "== sandbox variant $$variant"; \
		$(BIN)/pytest -q -m sandbox_variants --sandbox-variant "$$variant" $(PYTEST_ARGS) \
			|| failed="$$failed $$variant"; \
	done; \
	if [ -n "$$failed" ]; then echo "Failed under:$$failed"; exit 1; fi

lint: $(VENV)/.dev-installed
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

## Benchmarks; their numbers go in BENCHMARKS.md.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench

## The sandbox on its own, for a client or a second console.
sandbox: $(VENV)/.runtime-installed
	$(BIN)/python -m lib.sandbox --port 8765

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
