# tpp: `make demo` sets up and runs the main job; `make test` sets up and passes the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The torch requirement for the bench extra. The default is the CPU build these machines carry;
# GPU users: make bench-deps TORCH='torch --index-url https://download.pytorch.org/whl/cu128' (or just TORCH=torch);
# the words are passed to pip as they are, so quote a specifier with < or > inside: TORCH="'torch>=2.4'".
TORCH  ?= torch==2.13.0
# Triton: the bandwidth kernels on CUDA; its interpreter runs them on the CPU in the tests.
TRITON ?= triton==3.9.0

.DEFAULT_GOAL := help
.PHONY: help demo test lint bench bench-deps gpu-check snapshot wheel-check site browser clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

demo: $(VENV)/.core  ## set up a venv and classify the H20, then list the database
	$(BIN)/tpp classify H20
	$(BIN)/tpp list

# torch (from $(TORCH)), triton, numpy, nvidia-ml-py, rich (the progress bar) for tpp bench; the stamp names the pins
# (and "rich", added later), so changing them reinstalls.
BENCH_DEPS := $(VENV)/.bench-$(subst /,_,$(subst :,_,$(subst =,_,$(subst $() ,_,$(TORCH) $(TRITON)))))-rich
$(BENCH_DEPS): | $(BIN)/python
	$(BIN)/python -m pip install -q $(TORCH) $(TRITON) 'numpy>=1.24' 'nvidia-ml-py>=12.535' 'rich>=13'
	touch '$@'

bench-deps: $(BENCH_DEPS)  ## install torch (TORCH=...), triton, numpy, nvidia-ml-py, rich

# Chromium from the system packages for the browser test of `tpp site` (Playwright drives it; its own browser
# downloads are not needed). Needs root for apt-get; without it the browser test skips and says why.
CHROMIUM := $(shell command -v chromium || command -v chromium-browser)
browser:  ## install Chromium (apt-get, as root) for the browser test of tpp site
ifeq ($(CHROMIUM),)
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else echo "no Chromium and no root apt-get: the browser test of tpp site will skip"; fi
endif

test: $(VENV)/.dev $(BENCH_DEPS) browser  ## set up and run the tests (no GPU needed)
	$(BIN)/python -m pytest -q

lint: $(VENV)/.dev  ## ruff
	$(BIN)/ruff check tpp tests bench scripts

bench: $(VENV)/.dev $(BENCH_DEPS)  ## benchmarks in bench/ (start-up time of tpp classify against python -c pass)
	$(BIN)/python -m pytest bench -q --benchmark-only --benchmark-columns=min,median,max,rounds $(BENCH_ARGS)

gpu-check: $(VENV)/.dev $(BENCH_DEPS)  ## on a GPU node: run every CUDA path of tpp bench once and check sanity
	$(BIN)/python scripts/gpu_check.py

snapshot: $(VENV)/.dev  ## rewrite tests/snapshots/ from the database (review the diff!)
	$(BIN)/python tests/make_snapshot.py
	$(BIN)/python tests/make_license_snapshot.py

wheel-check: $(VENV)/.dev  ## build the wheel and check it carries specs/ and kernels/
	$(BIN)/python -m pytest -q tests/test_packaging.py

$(VENV)/.site: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[site,plot]'
	touch $@

site: $(VENV)/.site  ## build the static site of the shipped database into site/ (open site/index.html)
	TPP_SPECS= $(BIN)/tpp site site --replace

clean:
	rm -rf $(VENV) build dist .pytest_cache .benchmarks .ruff_cache site
