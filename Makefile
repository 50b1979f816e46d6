# Two commands: `make run` (set up, run the nightly job on the samples, serve the archive on
# PORT, 8001 unless `make run PORT=8002`)
# and `make test` (set up with test extras, lint, type-check, run the tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= data/config.yml
PORT ?= 8001
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 90
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export PREFECT_HOME ?= $(CURDIR)/data/prefect

.PHONY: run test install install-test install-bench samples lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# CPU torch first (a local wheel here); otherwise a CUDA build of several GB is pulled in.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	$(BIN)/python -c "import onnxruntime, onnxruntime.quantization"  # embed: {backend: onnx*} (stops make if broken)
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The benchmarks' extras (BERTopic beside our themes, psutil for worker memory).
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-bench: $(VENV)/.installed-bench

# A local key for pseudonymous customer ids, made once and kept out of git.
# In production set FEEDBACK_CUSTOMER_KEY (or a Prefect Secret block) instead.
data/.dev-customer-key:
	@$(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@
	@chmod 600 $@

samples: install
	$(BIN)/feedback --config $(CONFIG) samples

# The port is checked first, so a taken one is said at once, not after the whole run.
run: install data/.dev-customer-key
	$(BIN)/feedback --config $(CONFIG) serve --check --port $(PORT)
	$(BIN)/feedback --config $(CONFIG) samples
	FEEDBACK_CUSTOMER_KEY=$${FEEDBACK_CUSTOMER_KEY:-$$(cat data/.dev-customer-key)} \
	  $(BIN)/feedback --config $(CONFIG) run
	$(BIN)/feedback --config $(CONFIG) serve --port $(PORT)

lint: install-test
	$(BIN)/ruff check feedback flows tests bench

typecheck: install-test
	$(BIN)/mypy feedback flows

test: install-test
	bash scripts/system-deps.sh
	$(BIN)/ruff check feedback flows tests bench
	$(BIN)/mypy feedback flows
	$(BIN)/pytest -q

bench: install-bench
	$(BIN)/python bench/ingest_publish.py

clean:
	rm -rf data/*.db data/*.db-* data/samples data/prefect data/models
