# newsflow — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
NF     := $(VENV)/bin/newsflow
STAMP  := $(VENV)/.installed
RUN_DIR ?= .newsflow

.PHONY: help install run stop status test test-unit test-integration test-faults lint bench eval stack-up stack-down schemas clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -U pip wheel setuptools
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install newsflow with its dev tools and the spaCy model

run: $(STAMP) ## start Kafka + Elasticsearch + the three services, ingest seeds/, print a report
	$(NF) run --run-dir $(RUN_DIR)

stop: $(STAMP) ## stop everything `make run` started (services and the local stack)
	$(NF) stop --run-dir $(RUN_DIR)

status: $(STAMP) ## what runs and where (JSON)
	$(NF) status --json --run-dir $(RUN_DIR)

stack-up: $(STAMP) ## start only the local Kafka + Elasticsearch (no Docker needed)
	$(NF) stack up --run-dir $(RUN_DIR)/stack

stack-down: $(STAMP) ## stop the local Kafka + Elasticsearch
	$(NF) stack down --run-dir $(RUN_DIR)/stack

test: $(STAMP) ## the whole suite: unit, integration and fault tests against real Kafka + Elasticsearch
	$(PY) -m pytest -ra

test-unit: $(STAMP) ## unit and deploy-manifest tests only (no Kafka, no Elasticsearch)
	$(PY) -m pytest -ra tests/unit tests/deploy

test-integration: $(STAMP) ## integration tests only
	$(PY) -m pytest -ra tests/integration

lint: $(STAMP) ## ruff, mypy, the import contract (cli → local → stages → kernel), contract compatibility
	$(VENV)/bin/ruff check shared services tests bench scripts
	$(VENV)/bin/ruff format --check shared services tests bench scripts
	$(VENV)/bin/mypy shared/newsflow services
	$(VENV)/bin/lint-imports
	$(PY) -m newsflow.schemas_compat --released docs/schemas/released

bench: $(STAMP) ## run the benchmarks and print the tables (see docs/benchmarks.md)
	$(PY) bench/run_all.py

eval: $(STAMP) ## topic and entity quality on the real evaluation set (evaluation/, see docs/topics.md)
	$(PY) bench/eval_real.py
	$(PY) bench/eval_topic_calibration.py
	$(PY) bench/eval_entities_ablation.py

schemas: $(STAMP) ## export the JSON Schema of the wire contracts to docs/schemas
	$(NF) schemas --out docs/schemas

clean: ## remove caches (keeps .venv and the downloaded Kafka/Elasticsearch)
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis
