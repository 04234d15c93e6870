# Two commands: `make demo` renders the demo project, `make test` runs the whole suite.
# Both set everything up first: ffmpeg and a caption font (apt, when missing and we are root),
# a virtual environment, and vidc with what each needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install -q --disable-pip-version-check
# Test extras: the real vendor SDKs (against local fake servers), the tiny-model backends, Ray
# (the Ray executor runs on a cluster simulated on this machine), and MkDocs (the suite builds the
# documentation site with --strict: tests/unit/test_docs.py).
TEST_EXTRAS ?= test,llm,elevenlabs,wan,image,kokoro,otio,ray,docs,publish

.PHONY: setup setup-test system system-test demo test test-slow bench schema docs clean

system:
	@bash scripts/install-system.sh

$(VENV)/.core: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip 'setuptools>=77' wheel
	$(PIP) -e .
	touch $@

$(VENV)/.test: $(VENV)/.core pyproject.toml
	$(PIP) torch==2.13.0            # the CPU build; pinned first so no extra pulls CUDA wheels
	$(PIP) -e ".[$(TEST_EXTRAS)]" torch==2.13.0
	touch $@

setup: system $(VENV)/.core
system-test:
	@bash scripts/install-system.sh --test

setup-test: system-test $(VENV)/.test

demo: setup
	$(BIN)/vidc build projects/demo

test: setup-test
	$(BIN)/python -m pytest -p no:cacheprovider -m "not slow" tests

# The long tests (crash points, clusters): CI runs them after `make test`. Exit 5 = none collected.
test-slow: setup-test
	$(BIN)/python -m pytest -p no:cacheprovider -m slow tests || [ $$? -eq 5 ]

bench: setup-test
	$(BIN)/python bench/plan_scale.py
	$(BIN)/python bench/e2e_default.py
	$(BIN)/python bench/incremental.py
	$(BIN)/python bench/schedule.py

schema: setup
	$(BIN)/vidc schema --write

# Regenerate the reference pages (spec, CLI, diagnostic codes), then build the site into site/.
docs: setup-test
	$(BIN)/python scripts/gen_docs.py
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) projects/*/.vidc projects/*/build site
