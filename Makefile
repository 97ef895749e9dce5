# Tunelab: every install step lives here, so a fresh machine needs only `make lab` or `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMPS := .make
export PATH := $(BIN):$(PATH)
# Playwright and Galata must never try to download a browser: Debian's Chromium is used.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
NPM_FLAGS := --no-audit --no-fund
TS_SOURCES := $(shell find src -name '*.ts' -o -name '*.tsx' 2>/dev/null) $(wildcard schema/*.json style/*.css style/*.js)

.PHONY: help lab test install build native lint format jest pytest notebooks ui-test bench bench-throughput bench-smoke clean

help:
	@echo "make lab   - set everything up, build, and start JupyterLab on examples/quickstart.ipynb"
	@echo "make test  - set everything up, build, then run lint, jest, pytest, notebooks and Galata UI tests"
	@echo "make bench - every benchmark, then docs/benchmarks.md with plots (bench-smoke: tiny sizes, in make test)"
	@echo "make bench-throughput - the timing benchmarks alone, re-run into the last make bench's results"
	@echo "make native - build the optional native TensorFlow backend (@tensorflow/tfjs-node) offline, ~1.4 GB"

# ------------------------------------------------------------------ system packages
# Debian's Chromium for the Galata tests; Fashion-MNIST for the image examples.
$(STAMPS)/system:
	@mkdir -p $(STAMPS)
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/datasets/fashion-mnist ]; then \
	  echo "installing Debian packages: chromium dataset-fashion-mnist"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium dataset-fashion-mnist >/dev/null; \
	fi
	@touch $@

# ------------------------------------------------------------------ node dependencies
# `npm install` (not `npm ci`) against the committed lock: the registries these machines reach lack
# Rspack's macOS/Windows binaries, so their optional entries cannot be in the lock, and `npm ci`
# refuses any lock that misses an optional dependency. Versions still come from package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm install $(NPM_FLAGS)
	@touch $@

ui-tests/node_modules/.package-lock.json: ui-tests/package.json ui-tests/package-lock.json
	cd ui-tests && npm install $(NPM_FLAGS)
	@touch $@

# ------------------------------------------------------------------ python virtualenv
# Build requirements go in first so the editable install can run without build isolation
# (it then reuses the labextension and sidecar built by npm instead of building again).
$(STAMPS)/venv:
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q hatchling==1.29.0 hatch-nodejs-version==0.4.0 hatch-jupyter-builder==0.10.0 editables==0.6 jupyterlab==4.6.6
	@touch $@

# ------------------------------------------------------------------ build
$(STAMPS)/build: $(STAMPS)/venv node_modules/.package-lock.json $(TS_SOURCES) scripts/build-sidecar.mjs tsconfig.json
	npm run build
	@touch $@

# torch goes in first and pinned: its CPU build lies on these machines' disk and installs in seconds,
# whereas sentence-transformers (test extra: BERT parity references) asking for any torch pulls GBs of CUDA.
TORCH := torch==2.13.0
$(STAMPS)/install: $(STAMPS)/build pyproject.toml
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q --no-build-isolation -e ".[test,lab]"
	$(BIN)/jupyter labextension develop --overwrite . >/dev/null
	$(BIN)/jupyter server extension enable --sys-prefix tunelab >/dev/null
	@touch $@

install: $(STAMPS)/system $(STAMPS)/install
build: $(STAMPS)/build

# ------------------------------------------------------------------ native TensorFlow backend (optional)
# @tensorflow/tfjs-node's install script downloads libtensorflow, which these machines cannot reach, so it is
# no dependency of package.json: `make native` installs it into native/ from native/package-lock.json with
# scripts off and compiles its addon against the TensorFlow C library inside the tensorflow-cpu wheel (pinned
# here). The sidecar loads it from native/ at run time, never from its bundle (docs/dependencies.md).
TF_WHEEL := tensorflow-cpu==2.21.0
NATIVE_ADDON := native/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node
$(NATIVE_ADDON): $(STAMPS)/venv node_modules/.package-lock.json native/package.json native/package-lock.json scripts/build-native.sh
	scripts/build-native.sh $(BIN)/pip $(TF_WHEEL)
	@touch $@

native: $(NATIVE_ADDON)

# ------------------------------------------------------------------ run
# Jupyter refuses to start as root unless told; these machines run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: install
	$(BIN)/jupyter lab $(ALLOW_ROOT) --notebook-dir=$(CURDIR) examples/quickstart.ipynb

# ------------------------------------------------------------------ checks
lint: install
	npm run lint
	$(BIN)/ruff check tunelab tests examples bench
	$(BIN)/ruff format --check tunelab tests bench

format: install
	npm run prettier
	$(BIN)/ruff format tunelab tests bench
	$(BIN)/ruff check --fix tunelab tests bench

jest: install
	npx jest --ci

pytest: install
	$(BIN)/python -m pytest -q -ra

# The example notebooks run top to bottom headless, without a Jupyter server: the library
# starts and supervises its own sidecar, exactly as under nbconvert or plain Python.
notebooks: install
	$(BIN)/python -m pytest -q -ra tests/test_examples.py

ui-test: install ui-tests/node_modules/.package-lock.json
	cd ui-tests && npx playwright test

test: install ui-tests/node_modules/.package-lock.json
	$(MAKE) lint
	$(MAKE) jest
	$(MAKE) pytest
	$(MAKE) ui-test
	$(MAKE) bench-smoke
	@echo "make test: all suites passed"

# Benchmarks (never part of the tests' pass/fail on speed). Each writes JSON into one run directory;
# bench/report/render_benchmarks.py turns the run into docs/benchmarks.md (+ .json and PNG plots).
# bench-smoke runs every benchmark at tiny sizes inside `make test`, so the suite cannot rot.
BENCH_RUN := bench/results/run
# Label efficiency: quality figures, not timings, so two runs share the two cores (each trains on one);
# `wait PID` (not bare `wait`), keeping the first failure's status, so a failing run fails the target.
# Text datasets run on all-MiniLM-L6-v2 in adapter mode, Tunelab's text setup, against the SetFit-style
# baseline on the same model and answers (to 100 answers: PyTorch fine-tuning MiniLM on 200 answers' pairs
# alone took the bench past its hour); the classification bench runs beside the last baseline.
LE = node bench/run.cjs bench/sidecar/labelEfficiency.ts $(2) --out $(1)/label-efficiency-$(3).json
SETFIT = $(BIN)/python bench/baselines/setfit_baseline.py $(1)/pairs/$(3).json $(2) --max-answers 100 --out $(1)/label-efficiency-setfit-$(3).json
define label_efficiency
	$(call LE,$(1),$(2),banking77) --dataset banking77 --model sentence-encoder --pairs-out $(1)/pairs/banking77.json & a=$$!; \
	$(call LE,$(1),$(2),ag-news) --dataset ag-news --model sentence-encoder --pairs-out $(1)/pairs/ag-news.json & b=$$!; \
	wait $$a; s=$$?; wait $$b && exit $$s
	$(call LE,$(1),$(2),fashion-mnist) --dataset fashion-mnist & a=$$!; \
	$(call SETFIT,$(1),$(2),banking77) & b=$$!; \
	wait $$a; s=$$?; wait $$b && exit $$s
	$(call SETFIT,$(1),$(2),ag-news) & a=$$!; \
	node bench/run.cjs bench/sidecar/classificationEfficiency.ts $(2) --out $(1)/classification-session-ag-news.json & b=$$!; \
	wait $$a; s=$$?; wait $$b && exit $$s
endef
define timing_benchmarks
	node bench/run.cjs bench/engine/engine-bench.ts $(2) --out $(1)/engine-throughput.json
	node bench/run.cjs bench/engine/bertEmbed.ts $(2) --out $(1)/bert-embed.json
	node bench/run.cjs bench/engine/bertTrain.ts $(2) --out $(1)/bert-train.json
	$(BIN)/python bench/baselines/torch_throughput.py $(2) --out $(1)/torch-throughput.json
	node bench/run.cjs bench/store/storeThroughput.ts $(2) --out $(1)/store-throughput.json
	node bench/run.cjs bench/sidecar/latency.ts $(2) --out $(1)/latency.json
endef
define run_benchmarks
	rm -rf $(1) && mkdir -p $(1) && date -u +%Y-%m-%dT%H:%M:%SZ > $(1)/started-at
	$(call timing_benchmarks,$(1),$(2))
	$(call label_efficiency,$(1),$(2))
endef

# make bench tries `make native` first, best effort: without it the reports say why native was not measured.
bench: install
	@$(MAKE) native || echo "make bench: make native failed (see above); benchmarking without the native backend"
	$(call run_benchmarks,$(BENCH_RUN),)
	$(BIN)/python bench/report/render_benchmarks.py $(BENCH_RUN) docs

# The timing benchmarks alone (~10 min), re-run into the last full run's results: for a change to the engine
# or sidecar that cannot move the quality figures. The page then says which part comes from which run.
bench-throughput: install
	@test -f $(BENCH_RUN)/started-at || { echo "make bench-throughput re-runs the timing benchmarks of a full run in $(BENCH_RUN): run make bench first"; exit 2; }
	@$(MAKE) native || echo "make bench-throughput: make native failed (see above); benchmarking without the native backend"
	date -u +%Y-%m-%dT%H:%M:%SZ > $(BENCH_RUN)/timing-started-at
	$(call timing_benchmarks,$(BENCH_RUN),)
	$(BIN)/python bench/report/render_benchmarks.py $(BENCH_RUN) docs

bench-smoke: install
	$(call run_benchmarks,$(STAMPS)/bench-smoke,--smoke)
	$(BIN)/python bench/report/render_benchmarks.py $(STAMPS)/bench-smoke $(STAMPS)/bench-smoke/report
	@test -s $(STAMPS)/bench-smoke/report/benchmarks.md

clean:
	rm -rf $(STAMPS) lib tunelab/labextension tunelab/sidecar_dist tsconfig.tsbuildinfo native/node_modules
