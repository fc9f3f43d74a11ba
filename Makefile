# Two commands set everything up: `make run` and `make test`.
# With no DATABASE_URL, both use an embedded PostgreSQL under var/ (see README).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
FILES ?= fixtures/articles
# Local commands run in development mode unless told otherwise.
export DJANGO_DEBUG ?= 1

.PHONY: fuzz fault-demo bench bench-quick messages help install browser-deps migrate sample run serve worker test import lint format accuracy db-stop clean

help:
	@echo "make run      install, migrate, load the sample corpus, serve on http://$(HOST):$(PORT)"
	@echo "              (and run the background job worker beside the web server)"
	@echo "make worker   run only the background job worker (manage.py run_worker)"
	@echo "make test     run the whole test suite"
	@echo "make browser-deps  install Debian's chromium for tests/browser (needs root or sudo)"
	@echo "make import FILES=path...   import article files, directories or globs"
	@echo "make lint     ruff check and format check"
	@echo "make accuracy print enrichment accuracy on the sample corpus"
	@echo "make fuzz     a long fuzzing run of URLs and imported files; make fault-demo: database faults"
	@echo "make bench    benchmarks at BENCH_N articles (100k); make bench-quick: 10k, short"
	@echo "make db-stop  stop the embedded PostgreSQL"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive the system Chromium (the path tests/browser/conftest.py
# launches); Playwright never downloads a browser.
CHROMIUM := /usr/bin/chromium
browser-deps:
	@if [ -x $(CHROMIUM) ]; then \
	  echo "browser-deps: $(CHROMIUM) is installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
	  echo "browser-deps: $(CHROMIUM) is missing and installing it needs root or sudo:"; \
	  echo "  sudo apt-get install -y chromium"; \
	  echo "(without it the tests in tests/browser are skipped, or fail when CI=true)"; \
	  exit 1; \
	fi

migrate: install
	$(PY) manage.py migrate --no-input

# migrate loads the company dictionary into a new archive (migration 0010); load_companies
# also brings later edits of fixtures/companies.json into an existing one (idempotent).
sample: migrate
	$(PY) manage.py load_companies fixtures/companies.json
	$(PY) manage.py import_articles --no-progress fixtures/articles

# The web server and the job worker (uploads, large re-enrichments, merges); Ctrl-C stops both.
run: sample
	scripts/run_dev.sh $(PY) $(HOST):$(PORT)

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: migrate
	$(PY) manage.py run_worker

test: install
	$(BIN)/pytest

import: migrate
	$(PY) manage.py import_articles $(FILES)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) scripts/check_raw_html.py

# A longer fuzzing campaign than the test suite's (tests/hardening, docs/SECURITY.md).
FUZZ_EXAMPLES ?= 20000
IMPORT_FUZZ_EXAMPLES ?= 1000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) IMPORT_FUZZ_EXAMPLES=$(IMPORT_FUZZ_EXAMPLES) \
		$(BIN)/pytest -p no:cacheprovider tests/hardening/test_fuzz_urls.py tests/hardening/test_fuzz_import.py

# gunicorn + a private PostgreSQL stopped and restarted under it (docs/OPERATIONS.md).
fault-demo: install
	$(PY) scripts/db_fault_demo.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks (docs/BENCHMARKS.md): database BENCH_DATABASE_URL, or archive_bench on
# DATABASE_URL's server. BENCH_ARGS passes options to bench/run.py (see --help).
BENCH_N ?= 100000
BENCH_QUICK_N ?= 10000
# 1M: make bench BENCH_N=1000000 BENCH_COPIES=10 (100,000 generated articles, each
# copied 10 times in SQL: bench/replicate.py says why).
BENCH_COPIES ?= 1
bench: install
	$(PY) -m bench.run --n $(BENCH_N) --copies $(BENCH_COPIES) $(BENCH_ARGS)

bench-quick: install
	$(PY) -m bench.run --n $(BENCH_QUICK_N) --quick $(BENCH_ARGS)

accuracy: install
	$(PY) scripts/accuracy.py

messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PY) scripts/translations_zh.py
	$(PY) manage.py compilemessages --ignore=.venv

db-stop: install
	$(PY) -c "from archive.embedded_db import stop_embedded_database as s; print('stopped' if s() else 'not running')"

clean: db-stop
	rm -rf var
