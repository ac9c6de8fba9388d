# Two commands on a fresh clone: `make local` (run the local stack) and `make test` (all tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers/common/python:$(CURDIR)/functions

.PHONY: help install local test test-unit test-integration test-infra test-e2e lint synth openapi bench clean

help:
	@echo "make local   - set up and run the local stack (API :8000, AWS endpoint :4566)"
	@echo "make test    - set up and run every test (unit, integration, infra, e2e)"
	@echo "make synth   - synthesize the CDK app into cdk.out/ (offline, no Docker)"
	@echo "make lint    - ruff"
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

local: $(STAMP)
	$(BIN)/python -m infra.local

test: $(STAMP)
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

openapi: $(STAMP)
	$(BIN)/python -m api.openapi > openapi.json

clean:
	rm -rf $(VENV) cdk.out .local .pytest_cache
