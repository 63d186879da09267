# Weibao — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/weibao
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
# Test processes (pytest-xdist): one per core; each has its own var directory and Redis database.
TEST_WORKERS ?= auto

.PHONY: run test test-pg test-browser lint typecheck install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(BIN)/weibao migrate -v0
	@if [ ! -f var/.demo-loaded ]; then $(BIN)/weibao demo && touch var/.demo-loaded; \
	  else $(BIN)/weibao demo | tail -n 1; fi
	@echo "Weibao: http://127.0.0.1:8000/"
	@$(BIN)/weibao serve --no-migrate --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# mypy, strict on the pure cores, the permissions module and the services listed in pyproject.toml
typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/weibao check --fail-level WARNING
	$(BIN)/weibao makemigrations --check --dry-run
	$(BIN)/pytest -n $(TEST_WORKERS)

test-pg: $(STAMP)
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/weibao check --database default
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest -n $(TEST_WORKERS) -m "not browser"

test-browser: $(STAMP)
	$(BIN)/pytest -m browser

bench: $(STAMP)
	$(BIN)/python bench/sla_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
