# Two commands do all set-up on a fresh machine with only python3: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])")

.PHONY: setup browser demo test lint bench record clean

$(STAMP):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium (+ CJK fonts so Chinese renders) for the annotator-view and report tests.
browser:
	@if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then :; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-cjk; \
	fi

demo: setup
	$(BIN)/annotate demo

lint: setup
	$(BIN)/ruff check annotate schemas tests bench
	$(BIN)/lint-imports

test: setup browser lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench

# Re-record the real model's answers the prompt tests replay (starts the local model; 1-2 h on
# 2 cores). RECORD_ARGS="--stale" re-records only what no longer replays; see README.
record: setup
	$(BIN)/python -m tests.support.record_cassettes $(RECORD_ARGS)

clean:
	rm -rf $(VENV) .ls-venv .llm-venv .annotate build *.egg-info
