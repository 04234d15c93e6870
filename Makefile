# Two commands: `make demo` renders the demo project, `make test` runs the whole suite.
# Both set everything up first: ffmpeg (apt, when missing and we are root), a virtual env, vidc.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXTRAS ?= test

.PHONY: setup demo test test-fast bench schema clean

setup: $(STAMP) ffmpeg

ffmpeg:
	@command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || bash scripts/install-ffmpeg.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: setup
	$(BIN)/vidc build projects/demo

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

bench: setup
	$(BIN)/python bench/plan_scale.py
	$(BIN)/python bench/e2e_default.py
	$(BIN)/python bench/incremental.py
	$(BIN)/python bench/schedule.py

schema: setup
	$(BIN)/vidc schema --write

clean:
	rm -rf $(VENV) projects/*/.vidc projects/*/build
