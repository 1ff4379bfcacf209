# Local Supplier Register. `make run` sets up and serves; `make test` sets up and runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := app:create_app

.PHONY: install assets db seed run serve load test test-fast lint clean help bench bench-scale

help:
	@echo "make run    set up everything, load the demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   set up everything and run lint, type checks and the whole test suite"
	@echo "make lint   ruff, mypy and the layers (import-linter) only"
	@echo "make serve  the production shape: gunicorn + an RQ worker on PostgreSQL and Redis (DATABASE_URL, REDIS_URL)"
	@echo "make load   a bounded load test on loopback (20 users, 60 s; SQLite, then PostgreSQL if running)"
	@echo "make bench  benchmarks (printing their figures), every page's server time at 100,000 providers included"
	@echo "make bench-scale  every page's server time as one register grows 10k -> 100k -> 1M providers on SQLite"
	@echo "             (10k -> 100k on PostgreSQL if running); about an hour, most of it writing the 1M register"

$(BIN)/.installed: pyproject.toml constraints.txt
	@echo "==> Python packages into $(VENV)/ (about 30 seconds the first time)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/.installed

node_modules/.installed: package.json package-lock.json
	@echo "==> Front-end packages (GOV.UK Frontend, Sass, axe-core) from npm"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

app/static/.built: node_modules/.installed scripts/build-assets.mjs $(wildcard assets/scss/*.scss)
	@echo "==> Compiling the council's GOV.UK Frontend theme into app/static/"
	node scripts/build-assets.mjs
	touch $@

assets: app/static/.built

db: install
	@echo "==> Database: migrations to the latest schema"
	$(BIN)/flask db upgrade

seed: db
	@echo "==> Reference and demo data from seed_data/ (the postcode directory loads once, about a minute)"
	$(BIN)/flask seed --demo
	$(BIN)/flask search reindex

run: install assets seed
	@echo ""
	@echo "==> The register is ready at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo "    Sign in with a demo account above; the password is $${DEMO_PASSWORD:-local-supplier-demo}."
	@echo ""
	$(BIN)/flask run --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check app tests migrations
	$(BIN)/ruff format --check app tests
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite on every core (pytest-xdist; each worker has its own databases, tests/conftest.py), naming the 15
# slowest tests. PYTEST_WORKERS=0 runs it in this one process.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist worksteal --durations=15

test: install assets seed lint
	$(BIN)/pytest $(PYTEST_PARALLEL)

test-fast: install assets
	$(BIN)/pytest -x -q -m "not browser" $(PYTEST_PARALLEL)

clean:
	rm -rf $(VENV) node_modules app/static/css app/static/js app/static/govuk app/static/.built

serve: install assets
	scripts/serve.sh

# Each size on SQLite, then on PostgreSQL if it runs: "demo" is the Co-operatives UK import, a number is that many
# providers from tests/benchmarks/register_data.py. One run at a time (each uses every core), each DURATION long.
LOAD_SIZES ?= demo 100000
load: install assets
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[load]'
	@for size in $(LOAD_SIZES); do \
	  scripts/load.sh sqlite $$size || exit 1; \
	  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then scripts/load.sh postgresql $$size || exit 1; \
	  else echo "PostgreSQL is not running on 127.0.0.1:5432: skipping the PostgreSQL load test"; fi; \
	done

bench: install
	@if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
	  psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS lsr_bench' -c 'CREATE DATABASE lsr_bench'; fi
	$(BIN)/python -m tests.benchmarks.bench_geo
	$(BIN)/python -m tests.benchmarks.bench_search
	$(BIN)/python -m tests.benchmarks.bench_import
	$(BIN)/python -m tests.benchmarks.bench_spend
	$(BIN)/python -m tests.benchmarks.bench_pages
	$(BIN)/python -m tests.benchmarks.bench_registers --sqlite
	@if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
	  psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS lsr_bench' -c 'CREATE DATABASE lsr_bench' && \
	  $(BIN)/python -m tests.benchmarks.bench_search --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lsr_bench && \
	  psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS lsr_bench' -c 'CREATE DATABASE lsr_bench' && \
	  $(BIN)/python -m tests.benchmarks.bench_import --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lsr_bench && \
	  psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS lsr_bench' -c 'CREATE DATABASE lsr_bench' && \
	  $(BIN)/python -m tests.benchmarks.bench_spend --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lsr_bench && \
	  psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS lsr_bench' -c 'CREATE DATABASE lsr_bench' && \
	  $(BIN)/python -m tests.benchmarks.bench_registers --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lsr_bench && \
	  psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS lsr_bench' -c 'CREATE DATABASE lsr_bench' && \
	  $(BIN)/python -m tests.benchmarks.bench_pages --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lsr_bench; \
	else echo "PostgreSQL is not running on 127.0.0.1:5432: skipping the PostgreSQL benchmarks"; fi

# How every page grows with the register (issue 14): one SQLite database grown 10k -> 100k -> 1M providers, then
# PostgreSQL 10k -> 100k, each printing the pages' p50/p95 at every size and the ratios from one size to the next.
bench-scale: install
	$(BIN)/python -m tests.benchmarks.bench_pages --scale
	@if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
	  psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS lsr_bench' -c 'CREATE DATABASE lsr_bench' && \
	  $(BIN)/python -m tests.benchmarks.bench_pages --scale --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lsr_bench; \
	else echo "PostgreSQL is not running on 127.0.0.1:5432: skipping the PostgreSQL scaling run"; fi
