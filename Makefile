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

.PHONY: help install migrate sample run serve test import lint format accuracy db-stop clean

help:
	@echo "make run      install, migrate, load the sample corpus, serve on http://$(HOST):$(PORT)"
	@echo "make test     run the whole test suite"
	@echo "make import FILES=path...   import article files, directories or globs"
	@echo "make lint     ruff check and format check"
	@echo "make accuracy print enrichment accuracy on the sample corpus"
	@echo "make db-stop  stop the embedded PostgreSQL"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --no-input

sample: migrate
	$(PY) manage.py load_companies fixtures/companies.json
	$(PY) manage.py import_articles --no-progress fixtures/articles

run: sample serve

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest

import: migrate
	$(PY) manage.py import_articles $(FILES)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

accuracy: install
	$(PY) scripts/accuracy.py

db-stop: install
	$(PY) -c "from archive.embedded_db import stop_embedded_database as s; print('stopped' if s() else 'not running')"

clean: db-stop
	rm -rf var
