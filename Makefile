# Two entry points for a fresh machine (Python 3.11 on PATH):
#   make demo   install into .venv and open the demo review
#   make test   install into .venv and run the test suite
#   make test-fast   only tests/unit (pure library tests, under a minute)
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast install bench clean

install: $(STAMP)

# torch is pinned to its CPU build first; an unpinned torch would pull CUDA.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q torch==2.13.0
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/review demo

# Static checks first (seconds), then the suite: layers and SQL placement
# (import-linter, tests/functional/test_architecture.py), lint (ruff), types (mypy).
test: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

# The unit tests alone (no CLI, TUI, subprocess or browser): the quick loop while editing.
test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest tests/unit -q

bench: $(STAMP)
	$(VENV)/bin/python bench/import_bench.py

clean:
	rm -rf $(VENV) review-demo
