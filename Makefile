# Two entry points (see README): `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: set up, extract corpus/ into output/evidence.db, then query it
demo: $(STAMP)
	$(VENV)/bin/evidence batch corpus/ --db output/evidence.db --jsonl output/records.jsonl
	$(VENV)/bin/evidence query lupus --db output/evidence.db

## test: set up, lint, type-check and run the test suite
test: $(STAMP)
	$(VENV)/bin/ruff check extractor tests benchmarks
	$(VENV)/bin/ruff format --check extractor tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check extractor tests benchmarks
	$(VENV)/bin/ruff format --check extractor tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) build *.egg-info output/*.db output/*.db-* output/*.jsonl
