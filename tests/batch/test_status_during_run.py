"""``annotate status`` from a second process while a real ``annotate prelabel`` holds the database.

DuckDB lets no other process open a file a writer holds, so before the run published its
progress, ``status`` waited ``ANNOTATE_DB_WAIT`` (5 s) and failed naming the run's PID. Here it
must answer at once with the run's figures, the run must end exactly as an unwatched run does,
and a run killed with SIGKILL must show as stopped, not running forever.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from annotate.store.db import connect
from annotate.store.progress import progress_path, write_progress
from tests.batch.test_kill import _content, _prelabel, _wait_for_completions
from tests.support.corpus import generate_corpus
from tests.support.openai_server import OpenAITestServer

ANNOTATE = str(Path(sys.executable).parent / "annotate")
COUNT = 48
WAIT = 5.0  # what status waits for the lock before giving up (ANNOTATE_DB_WAIT)
HANG = 20.0  # a guard only: a loaded 2-core machine takes up to ~4 s to start `annotate status` at all


def _status(db: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "ANNOTATE_DB_WAIT": str(WAIT)}
    start = time.monotonic()
    done = subprocess.run(
        [ANNOTATE, "status", "--db", str(db), *args], capture_output=True, text=True, env=env, timeout=60
    )
    return done, time.monotonic() - start


def _status_json(db: Path) -> tuple[dict[str, Any], float]:
    done, elapsed = _status(db, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), elapsed


def _live(db: Path, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    """``status --json`` while ``proc`` runs: it must answer from the run's snapshot."""
    report, elapsed = _status_json(db)
    # the run held the lock all along, so this answer cannot have come from waiting for it
    assert proc.poll() is None, "the run ended before status returned: nothing was tested"
    assert elapsed < HANG, f"status took {elapsed:.1f} s"
    assert report["run"]["state"] == "running" and report["run"]["pid"] == proc.pid
    return report


def test_status_answers_during_a_run_and_the_run_is_unchanged(
    llm_server: OpenAITestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANNOTATE_LLM_TIMEOUT", "5")  # the slow answers below are slow, not lost
    folder = tmp_path / "docs"
    generate_corpus(folder, COUNT, seed=11)
    llm_server.configure(latency=0.02)
    reference_db = tmp_path / "reference.duckdb"
    assert _prelabel(folder, reference_db).wait(120) == 0
    reference = _content(reference_db)

    llm_server.configure(latency=1.0)  # 48 documents, 4 at a time: ~12 s of run to watch
    db = tmp_path / "watched.duckdb"
    base = llm_server.stats()["completions"]
    proc = _prelabel(folder, db)
    try:
        _wait_for_completions(llm_server, proc, base + 4)
        first = _live(db, proc)
        deadline = time.monotonic() + HANG
        while first["run"]["documents"] == 0:  # snapshots come about once a second
            assert time.monotonic() < deadline, "the run's figures never moved"
            time.sleep(0.5)
            first = _live(db, proc)
        run = first["run"]
        assert run["files"] == COUNT and 0 < run["documents"] < COUNT
        assert run["rate"] > 0 and run["eta_s"] > 0
        assert 0 < first["predicted"] < COUNT and first["documents"] == first["predicted"]

        time.sleep(1.5)  # at least one more snapshot
        text, elapsed = _status(db)
        assert text.returncode == 0, text.stderr
        assert proc.poll() is None and elapsed < HANG
        assert f"prelabel running (pid {proc.pid}" in text.stdout
        second = _live(db, proc)
        assert second["run"]["documents"] > run["documents"]  # progress moves
        assert second["predicted"] >= first["predicted"]
    finally:
        if proc.poll() is None:
            assert proc.wait(120) == 0, proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == 0
    assert _content(db) == reference  # watching changed nothing

    after, _ = _status_json(db)  # from the database again, with the run's final word
    assert after["run"]["state"] == "finished" and after["run"]["documents"] == COUNT
    assert after["predicted"] == COUNT


def test_a_killed_run_shows_as_stopped_not_running(
    llm_server: OpenAITestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANNOTATE_LLM_TIMEOUT", "5")
    folder = tmp_path / "docs"
    generate_corpus(folder, COUNT, seed=12)
    llm_server.configure(latency=0.6)
    db = tmp_path / "killed.duckdb"
    proc = _prelabel(folder, db)
    _wait_for_completions(llm_server, proc, 8)
    live, _ = _status_json(db)
    assert live["run"]["state"] == "running"
    proc.kill()
    assert proc.wait(10) == -9

    after, elapsed = _status_json(db)
    assert elapsed < HANG
    assert after["run"]["state"] == "stopped" and after["run"]["pid"] == proc.pid
    assert after["predicted"] < COUNT
    text, _ = _status(db)
    assert "stopped without finishing" in text.stdout and "running" not in text.stdout


def test_a_stale_progress_file_is_not_taken_for_the_lock_holders(tmp_path: Path) -> None:
    """Another process holds the database; the progress file names a live process that is not it
    (a PID reused after a killed run): status must not show that snapshot, it waits and fails."""
    db = tmp_path / "held.duckdb"
    connect(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"ok"
        stale = {"pid": os.getpid(), "state": "running", "files": 9, "documents": 1, "report": {"predicted": 1}}
        write_progress(progress_path(db), stale)
        env = {**os.environ, "ANNOTATE_DB_WAIT": "1"}
        done = subprocess.run([ANNOTATE, "status", "--db", str(db), "--json"], capture_output=True, text=True, env=env)
        assert done.returncode == 2 and f"in use by process {holder.pid}" in done.stderr
    finally:
        holder.kill()
        holder.wait(10)
