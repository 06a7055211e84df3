# The README's two commands: `make run` (embedded workflow) and `make test` (test suite).
# Both start from a machine with only python3 + pip: they create .venv and install the pins.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run test test-fast test-gpu bench dvc-yaml config-doc readme clean

install: $(STAMP)

# torch first, pinned (the CPU wheel); an unpinned torch would pull a multi-GB CUDA build. Never torchvision.
$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import torch, transformers, peft, snakemake, dvc, cv2, pypiqe, brisque, xdist, reasoniqa" # fail here, not later
	@if $(BIN)/python -c "import torchvision" 2>/dev/null; then echo "torchvision must not be installed"; exit 1; fi
	touch $(STAMP)

run: install
	$(BIN)/snakemake --cores all --resources gpu=1

# Two pytest-xdist workers: a workflow run keeps about one core busy (imports, one model job at a time),
# so two fill this 2-core machine. One test file per worker at a time (`loadfile`), so a module-scoped
# fixture (test_workflow.py's shared Snakemake run) is built once. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# The fast lane: unit and in-process model tests, no workflow runs.
test-fast: install
	$(BIN)/python -m pytest -q -m "unit or model"

# On a CUDA machine: the gpu-marked tests and the in-process model tests (`device: auto` puts their models on
# the GPU), then the GPU benchmark through the package (benchmarks/gpu.json).
test-gpu: install
	$(BIN)/python -m pytest -q -m "gpu or model"
	$(BIN)/python benchmarks/gpu.py --out benchmarks/gpu.json

bench: install
	$(BIN)/python benchmarks/run.py

# After `make run`: the README's result tables from results/ (via the committed snapshot docs/results/)
readme: install
	$(BIN)/reasoniqa readme --config config/config.yaml

dvc-yaml: install
	$(BIN)/reasoniqa dvc-yaml --out dvc.yaml

config-doc: install
	$(BIN)/reasoniqa config-doc --out config/README.md

clean:
	rm -rf results logs .snakemake
