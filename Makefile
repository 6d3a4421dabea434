# Lakehouse — every target creates/reuses .venv and installs pinned dependencies
# from requirements.lock, so a bare machine needs nothing else.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The C sources are in the stamp: `pip install -e .` below compiles them in place, so an
# edit rebuilds them.
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock pyproject.toml lakehouse/ingest/*.c | sha1sum | cut -c1-12)
export LAKEHOUSE_HOME ?= $(CURDIR)/.lakehouse
DEMO_EVENTS ?= 200000
DEMO_SEED ?= 42
PORT ?= 8000
BENCH_SIZES ?= 1000000 10000000
SCALE_EVENTS ?= 100000000

.PHONY: demo test bench bench-scale lint venv clean lock system-deps

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml $(wildcard lakehouse/ingest/*.c)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@echo "installing pinned dependencies into $(VENV) …"
	@$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock 2>&1 | { grep -v "^WARNING: Location" || true; }
	@$(BIN)/pip check >/dev/null || { $(BIN)/pip check; exit 1; }
	@$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@

system-deps:
	@bash scripts/system-deps.sh

demo: venv
	@bash scripts/demo.sh

test: venv system-deps
	@bash scripts/test.sh

# the whole pipeline at each size (10M takes about an hour on 2 cores); generated
# datasets are kept in bench/out/ for the next run, tables saved under bench/results/
bench: venv system-deps
	@for n in $(BENCH_SIZES); do $(BIN)/python -m bench --events $$n --cache bench/out || exit 1; done

# 100M events end to end (hours on 2 cores): each event loaded, refined and built once
bench-scale: venv system-deps
	@$(BIN)/python -m bench --events $(SCALE_EVENTS) --cache bench/out --lean

lint: venv
	$(BIN)/ruff check lakehouse tests bench
	$(BIN)/ruff format --check lakehouse tests bench
	$(BIN)/mypy

lock:
	@echo "Regenerate requirements.lock from a fresh venv with pyproject's pins:"
	rm -rf /tmp/lakehouse-lock && $(PY) -m venv /tmp/lakehouse-lock
	/tmp/lakehouse-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/lakehouse-lock/bin/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) .lakehouse target logs .pytest_cache .mypy_cache .ruff_cache
