# Two entry points (see README): `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

SHARED ?= $(or $(EVIDENCE_SHARED),../shared)
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint typecheck install clean evidence-db browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

install: $(STAMP)

## demo: set up, extract corpus/ into output/evidence.db, then query it
demo: $(STAMP)
	$(VENV)/bin/evidence batch corpus/ --db output/evidence.db --jsonl output/records.jsonl
	$(VENV)/bin/evidence query lupus --db output/evidence.db

## evidence-db: ~3,000 real abstracts from $(SHARED) in output/shared.db (read-side examples)
evidence-db: $(STAMP)
	$(VENV)/bin/evidence batch corpus/ $(SHARED)/pubmed/medline \
		$(SHARED)/data/evidence_inference/abstracts --db output/shared.db --jobs 0

## browser: Debian's Chromium for the end-to-end browser test (installed when root and missing)
browser:
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian chromium for the browser test"; \
		(apt-get install -y -qq chromium >/dev/null 2>&1 || \
		 (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)); \
	fi
	@[ -x $(CHROMIUM) ] || echo "note: no $(CHROMIUM); the browser test will be skipped"

## test: set up, lint, type-check and run the test suite
test: $(STAMP) browser
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
