# Two commands do all set-up on a fresh machine with only python3: `make demo` and `make test`.
# One venv, .venv: `make demo` installs the runtime dependencies only; test/lint/bench/record add the
# [dev] extra (pytest, playwright, datasets...). Each has its own stamp, named after pyproject.toml's
# hash: when it changes, .venv is rebuilt. uv does the installs (~10 s instead of pip's ~90 s); pip
# only bootstraps it, and `annotate ls up` finds it beside the venv's python for Label Studio too.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
HASH   := $(shell cat pyproject.toml | $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])")
RUNTIME := $(VENV)/.installed-runtime-$(HASH)
DEV     := $(VENV)/.installed-dev-$(HASH)
# The team store's extensions exist for DuckDB 1.5.5 only: `annotate[team]` lives in its own venv,
# which the team-store tests drive as real processes beside the main one.
TEAM_VENV := .team-venv
TEAM      := $(TEAM_VENV)/.installed-team-$(HASH)

.PHONY: setup runtime team browser postgres demo test lint bench record clean

$(RUNTIME):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check 'uv>=0.13,<0.14'
	$(UV) pip install -q --python $(BIN)/python -e .
	touch $@

$(DEV): $(RUNTIME)
	$(UV) pip install -q --python $(BIN)/python -e '.[dev]'
	touch $@

$(TEAM): $(RUNTIME)
	rm -rf $(TEAM_VENV)
	$(PYTHON) -m venv $(TEAM_VENV)
	$(UV) pip install -q --python $(TEAM_VENV)/bin/python -e '.[team,ray]'
	touch $@

runtime: $(RUNTIME)
setup: $(DEV)
team: $(TEAM)

# Debian's Chromium (+ CJK fonts so Chinese renders) for the annotator-view and report tests.
browser:
	@if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then :; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-cjk; \
	fi

# PostgreSQL's programs (initdb, pg_ctl, psql) for the team tests: each test session starts its own
# throwaway server as the `postgres` user on 127.0.0.1 and a free port (not Debian's cluster).
postgres:
	@if { command -v initdb && command -v pg_ctl; } >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q postgresql; \
	fi

demo: runtime
	$(BIN)/annotate demo

lint: setup
	$(BIN)/ruff check annotate schemas tests bench
	$(BIN)/lint-imports

test: setup team browser postgres lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench

# Re-record the real model's answers the prompt tests replay (starts the local model; 1-2 h on
# 2 cores). RECORD_ARGS="--stale" re-records only what no longer replays; see README.
record: setup
	$(BIN)/python -m tests.support.record_cassettes $(RECORD_ARGS)

clean:
	rm -rf $(VENV) .ls-venv .llm-venv .team-venv .annotate build *.egg-info
