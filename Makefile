# Two commands on a fresh clone: `make local` (run the local stack) and `make test` (all tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers/common/python:$(CURDIR)/functions

.PHONY: help install web browser local test screenshots test-unit test-integration test-infra test-e2e lint synth openapi bench clean

help:
	@echo "make local   - set up and run the local stack (API :8000, AWS endpoint :4566)"
	@echo "make test    - set up and run every test (unit, integration, infra, e2e)"
	@echo "make synth   - synthesize the CDK app into cdk.out/ (offline, no Docker)"
	@echo "make lint    - ruff"
	@echo "make screenshots - PNGs of every screen of the web app into docs/screenshots/"
	@echo "make openapi - regenerate openapi.json from the routes"
	@echo "make bench   - run the benchmarks, write BENCHMARKS.md and bench/results.json"

# The virtualenv is created once and re-installed whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

# The web app is build-free ES modules; the build copies the chart library (npm, locked) into web/vendor/.
WEB_VENDOR := web/vendor/uPlot.esm.js
$(WEB_VENDOR): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p web/vendor
	cp web/node_modules/uplot/dist/uPlot.esm.js web/node_modules/uplot/dist/uPlot.min.css web/vendor/
	cp web/node_modules/uplot/LICENSE web/vendor/uPlot.LICENSE

web: $(WEB_VENDOR)

# The browser tests drive Debian's chromium (Playwright cannot download its own browsers here).
browser:
	@command -v chromium >/dev/null || (echo "Installing chromium (Debian package) for the browser tests..." && \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  (echo "ERROR: chromium is missing and apt-get could not install it: run 'apt-get install chromium' as root." >&2; exit 1))

local: $(STAMP) $(WEB_VENDOR)
	$(BIN)/python -m infra.local

test: $(STAMP) $(WEB_VENDOR) browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

test-infra: $(STAMP)
	$(BIN)/python -m pytest tests/infra

test-e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

synth: $(STAMP)
	CDK_OUTDIR=cdk.out $(BIN)/python app.py

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP) $(WEB_VENDOR) browser
	$(BIN)/python -m tests.e2e.browser.screenshots docs/screenshots

openapi: $(STAMP)
	$(BIN)/python -m api.openapi > openapi.json

clean:
	rm -rf $(VENV) cdk.out .local .pytest_cache web/node_modules web/vendor
