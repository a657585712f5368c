# Frontstage: `make run` sets everything up and serves; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell command -v python3.12 2>/dev/null || command -v python3.13 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEV_ENV := DEBUG=$${DEBUG:-1} SECURE_COOKIES=0

.PHONY: run test lint bench setup system serve messages catalogs

setup: system $(VENV)/.installed node_modules/.installed messages

# Compile the translation catalogs (locale/*/LC_MESSAGES/django.po → .mo, never committed).
messages: $(VENV)/.installed
	@$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules >/dev/null

# For developers: refresh the catalogs from the source after changing interface text.
catalogs: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py makemessages -l es -l it -l pt_BR --add-location=file --no-obsolete \
		--ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench --ignore=staticfiles

system:
	@./scripts/system-packages.sh

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON_BIN)" || { echo "Python 3.12 or 3.13 is needed (see .python-version)"; exit 1; }
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: setup
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	@# Outside DEBUG, pages name the fingerprinted static files collectstatic writes.
	@if [ "$${DEBUG:-1}" = 0 ]; then $(DEV_ENV) $(PY) manage.py collectstatic --noinput >/dev/null; fi
	@echo "Frontstage is at http://127.0.0.1:$(PORT)/  (API docs: http://127.0.0.1:$(PORT)/api/docs/)"
	@# The task worker runs beside the server and stops with it (Ctrl+C stops both).
	$(DEV_ENV) $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(DEV_ENV) $(VENV)/bin/uvicorn frontstage.asgi:application --host 127.0.0.1 --port $(PORT)

# One test process per core (pytest-xdist; TEST_WORKERS=0 runs in this process); modules that
# share a module- or class-scoped fixture stay on one worker (see tests/conftest.py).
test: setup
	FRONTSTAGE_INSECURE_DEV_KEY=1 SECURE_COOKIES=0 ALLOWED_HOSTS=127.0.0.1,localhost,testserver \
		$(VENV)/bin/pytest -n $${TEST_WORKERS:-auto} --dist loadgroup --durations=30 $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: setup
	@for bench in bench/bench_*.py; do \
		FRONTSTAGE_INSECURE_DEV_KEY=1 $(PY) $$bench || exit 1; \
	done
