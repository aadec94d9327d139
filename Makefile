# The two commands in the README: `make run` and `make test`. Both set up
# everything they need on a machine with only Python 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-runtime
STAMP_DEV := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint audit messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(STAMP_DEV): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(STAMP_RUN)

# Serve the application with a Celery worker and the periodic scheduler.
# Ctrl-C stops all of them.
run: $(STAMP_RUN)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C stops the server, worker and scheduler)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A smedje_social worker -B --loglevel=INFO --concurrency=2 \
		--without-mingle --without-gossip & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT); \
	wait

test: $(STAMP_DEV)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Known vulnerabilities in every installed package (runtime, test and their
# dependencies), from PyPI's advisory data. --strict fails when a package
# cannot be looked up, so "no known vulnerabilities" is never said unchecked.
audit: $(STAMP_DEV)
	$(BIN)/pip-audit --strict --progress-spinner off

# Update the Swedish catalogue after changing UI strings (needs GNU gettext),
# then translate the new entries in locale/sv/LC_MESSAGES/django.po.
messages: $(STAMP_DEV)
	$(BIN)/python manage.py makemessages --locale sv --no-obsolete --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages --locale sv --ignore '.venv/*'

# National-scale benchmarks on PostgreSQL and Redis (BENCHMARKS.md). DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/smedje_bench) is seeded once and
# reused; QUICK=1 runs the whole harness on small data in <name>_quick, which it
# recreates; RESEED=1 drops and seeds the database again.
bench: $(STAMP_DEV)
	$(BIN)/python -m bench $(if $(QUICK),--quick) $(if $(RESEED),--reseed) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles
