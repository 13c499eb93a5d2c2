# The one way in: `make report` and `make test` (README.md), plus sample, lint, clean.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
YEAR ?=
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -c "from pipeline.run import ensure_kernel; ensure_kernel()"
	@touch $(STAMP)

## install: create .venv (if missing) and install the project with its dev tools
install: $(STAMP)

## syslibs: check WeasyPrint's system libraries load and the paper's font (Arial or a metric twin, D53) is there; install them when run as root
syslibs: $(STAMP)
	@if ! $(PY) -c "import weasyprint" >/dev/null 2>&1 || ! $(PY) -m pipeline.report.fonts >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installing WeasyPrint's system libraries and the paper's font: $(APT_PACKAGES)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null \
				&& $(PY) -c "import weasyprint" && $(PY) -m pipeline.report.fonts; \
		elif ! $(PY) -c "import weasyprint" >/dev/null 2>&1; then \
			echo "WeasyPrint cannot load Pango. Run: sudo apt-get install -y $(APT_PACKAGES)"; exit 1; \
		else \
			$(PY) -m pipeline.report.fonts || exit 1; \
		fi; \
	fi

## report: run the whole pipeline on the embedded sample and write the HTML and PDF report
report: syslibs
	$(PY) -m pipeline run $(if $(YEAR),--year $(YEAR),)

## data: run the stages up to the evaluation only (registry, evaluation, database; no report), for reruns while correcting aliases and config (YEAR= as for report); replaces the year whole, so removes its report
data: $(STAMP)
	$(PY) -m pipeline run --data-only $(if $(YEAR),--year $(YEAR),)

## verify: re-run a year from outputs/<year>/manifest.json and say "identical" or the first difference (YEAR= as for report)
verify: syslibs
	$(PY) -m pipeline verify $(if $(YEAR),--year $(YEAR),)

## test: run the test suite (unit, GX validation, papermill end-to-end)
test: syslibs
	$(PY) -m pytest

## test-fast: the suite without the end-to-end tests (no papermill, CLI run or Chromium)
test-fast: syslibs
	$(PY) -m pytest -m "not e2e"

## sample: regenerate the embedded sample exports under data/raw/ (byte-identical)
sample: $(STAMP)
	$(PY) -m pipeline sample

## questionnaire: write docs/questionnaire.md (questionnaire and checklist) from the protocol
questionnaire: $(STAMP)
	$(PY) -m pipeline questionnaire

## framework: write outputs/framework/ (questionnaire, survey import file, agreement template, checklists, assessment forms) from the config as it is now
framework: $(STAMP)
	$(PY) -m pipeline framework $(if $(YEAR),--year $(YEAR),)

## toolkit-doc: write docs/toolkit.md (the toolkit's method for members) from config/toolkit.yaml
toolkit-doc: $(STAMP)
	$(PY) -m pipeline toolkit-doc

## pictures: write docs/images/ from outputs/<year>/ (the HTML at 1280 px in Chromium, PDF pages 1-3; YEAR= as for report)
pictures: $(STAMP)
	$(PY) -m pipeline pictures $(if $(YEAR),--year $(YEAR),)

## browse: serve data/processed/partnerships.sqlite with Datasette on 127.0.0.1:8001 (read-only, no personal table)
browse: $(STAMP)
	$(PY) -m pipeline browse

## bench: issue 20's benchmark table: make report (clean and warm) against its floor, and ingest to evaluate on 20,000 to 2,000,000 generated returns (about 15 min; exits 1 when a target is missed)
bench: syslibs
	$(PY) benchmarks/run.py $(if $(SIZES),--sizes $(SIZES),)

## bench-parts: the narrower benchmarks: ingest of 10,000 returns per layout, validation of 200,000 rows, name matching's precision and time
bench-parts: $(STAMP)
	$(PY) benchmarks/bench_validate.py
	$(PY) benchmarks/bench_ingest.py
	$(PY) benchmarks/bench_matching.py

## lint: ruff (check and format, notebooks too), notebooks without outputs, mypy on pipeline/
lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline tests benchmarks notebooks
	$(VENV)/bin/ruff format --check pipeline tests benchmarks notebooks
	$(VENV)/bin/nbstripout --verify notebooks/*.ipynb
	$(VENV)/bin/mypy

## clean: remove processed data, outputs and runs' staging (never data/raw/)
clean:
	find data/processed outputs -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf .staging

## help: list the targets
help:
	@grep -E '^## ' Makefile | sed 's/^## /  make /'

.PHONY: install syslibs report data verify test test-fast sample questionnaire framework toolkit-doc pictures browse bench bench-parts lint clean help
