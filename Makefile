# ParkTrack: `make run` starts a seeded site; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test lint format bench bench-check install install-dev migrate seed clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed

run: seed
	$(BIN)/python manage.py ensure_admin
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks print figures; they never fail on time. recompute.py needs a PostgreSQL server
# (DATABASE_URL=postgres://…; it works in its own database); load.py starts its own stack.
# Small scales of the recompute and dashboard benchmarks with --check (PostgreSQL in DATABASE_URL): exits
# non-zero on a wrong result, a growing query count or cost growing faster than the data. CI runs it.
bench-check: install-dev
	$(BIN)/python benchmarks/recompute.py --scales 100,300 --check
	$(BIN)/python benchmarks/dashboards.py --national 100,300 --runs 10 --check

bench: install-dev
	$(BIN)/python benchmarks/dashboards.py
	$(BIN)/python benchmarks/api.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/uploads.py
	$(BIN)/python benchmarks/reports.py
	@case "$$DATABASE_URL" in postgres*) $(BIN)/python benchmarks/recompute.py ;; \
	  *) echo "benchmarks/recompute.py skipped: set DATABASE_URL to a PostgreSQL server" ;; esac

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache

# The English catalogue: collect every marked string into locale/en/LC_MESSAGES/django.po, then
# compile django.mo. Fill in the new msgstr (clear `#, fuzzy` once checked) and run it again;
# tests/test_translations.py fails while anything is untranslated, fuzzy or not compiled.
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=test-artifacts --ignore=benchmarks
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv
