# Frontstage: `make run` sets everything up and serves; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell command -v python3.12 2>/dev/null || command -v python3.13 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEV_ENV := DEBUG=$${DEBUG:-1} SECURE_COOKIES=0

.PHONY: run test lint bench setup system serve

setup: system $(VENV)/.installed node_modules/.installed

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
	@echo "Frontstage is at http://127.0.0.1:$(PORT)/  (API docs: http://127.0.0.1:$(PORT)/api/docs/)"
	$(DEV_ENV) $(VENV)/bin/uvicorn frontstage.asgi:application --host 127.0.0.1 --port $(PORT)

test: setup
	FRONTSTAGE_INSECURE_DEV_KEY=1 SECURE_COOKIES=0 ALLOWED_HOSTS=127.0.0.1,localhost,testserver \
		$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	@for bench in bench/bench_*.py; do \
		FRONTSTAGE_INSECURE_DEV_KEY=1 $(PY) $$bench || exit 1; \
	done
