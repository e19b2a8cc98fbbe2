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
.PHONY: help demo test lint bench bench-deps gpu-check snapshot readme wheel-check clean

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

# torch (from $(TORCH)), triton, numpy, nvidia-ml-py for tpp bench; the stamp names the pins, so changing them reinstalls.
BENCH_DEPS := $(VENV)/.bench-$(subst /,_,$(subst :,_,$(subst =,_,$(subst $() ,_,$(TORCH) $(TRITON)))))
$(BENCH_DEPS): | $(BIN)/python
	$(BIN)/python -m pip install -q $(TORCH) $(TRITON) 'numpy>=1.24' 'nvidia-ml-py>=12.535'
	touch '$@'

bench-deps: $(BENCH_DEPS)  ## install torch (TORCH=...), triton, numpy, nvidia-ml-py

test: $(VENV)/.dev $(BENCH_DEPS)  ## set up and run the tests (no GPU needed)
	$(BIN)/python -m pytest -q

lint: $(VENV)/.dev  ## ruff
	$(BIN)/ruff check tpp tests bench scripts

bench: $(VENV)/.dev $(BENCH_DEPS)  ## benchmarks in bench/ (start-up time of tpp classify against python -c pass)
	$(BIN)/python -m pytest bench -q --benchmark-only --benchmark-columns=min,median,max,rounds $(BENCH_ARGS)

gpu-check: $(VENV)/.dev $(BENCH_DEPS)  ## on a GPU node: run every CUDA path of tpp bench once and check sanity
	$(BIN)/python scripts/gpu_check.py

snapshot: $(VENV)/.dev  ## rewrite tests/snapshots/ from the database (review the diff!)
	$(BIN)/python tests/make_snapshot.py

readme: $(VENV)/.dev  ## re-run the README's `$$ tpp ...` examples and rewrite their outputs (review the diff!)
	$(BIN)/python tests/update_readme.py

wheel-check: $(VENV)/.dev  ## build the wheel and check it carries specs/ and kernels/
	$(BIN)/python -m pytest -q tests/test_packaging.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .benchmarks .ruff_cache
