"""SIGKILL in the middle of a real ``annotate prelabel`` process, then a re-run: the database must
open, hold no half-written prediction, and end identical to an uninterrupted run's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from annotate.store.db import connect
from tests.support.corpus import generate_corpus
from tests.support.openai_server import OpenAITestServer

ANNOTATE = str(Path(sys.executable).parent / "annotate")
COUNT = 32


def _prelabel(folder: Path, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [ANNOTATE, "prelabel", str(folder), "--backend", "llm", "--concurrency", "4", "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )


def _wait_for_completions(server: OpenAITestServer, proc: subprocess.Popen[bytes], n: int) -> None:
    deadline = time.monotonic() + 60
    while server.stats()["completions"] < n:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _content(db: Path) -> dict[str, list]:
    """Everything a run leaves that must not depend on how often it was killed."""
    con = connect(db, read_only=True)
    try:
        docs = con.execute("SELECT doc_id, source, text, metadata, schema_name FROM documents ORDER BY doc_id").fetchall()
        preds = con.execute(
            "SELECT doc_id, schema_name, version_key, backend, record, groundings, confidence "
            "FROM predictions ORDER BY doc_id, version_key"
        ).fetchall()
        orphans = con.execute(
            "SELECT count(*) FROM predictions p WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = p.doc_id)"
        ).fetchone()[0]
        open_failures = con.execute("SELECT count(*) FROM failures WHERE NOT resolved").fetchone()[0]
    finally:
        con.close()
    for row in preds:  # every stored prediction is whole: both JSON columns parse
        json.loads(row[4])
        json.loads(row[5])
    return {"documents": docs, "predictions": preds, "orphans": [orphans], "open_failures": [open_failures]}


def test_sigkill_then_rerun_equals_an_uninterrupted_run(llm_server: OpenAITestServer, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    generate_corpus(folder, COUNT, seed=5)
    llm_server.configure(latency=0.05)

    reference_db = tmp_path / "reference.duckdb"
    assert _prelabel(folder, reference_db).wait(120) == 0
    reference = _content(reference_db)
    assert len(reference["predictions"]) == COUNT

    killed_db = tmp_path / "killed.duckdb"
    kills = 0
    for at in (6, 16):  # kill twice, at different depths of the run
        base = llm_server.stats()["completions"]
        proc = _prelabel(folder, killed_db)
        _wait_for_completions(llm_server, proc, base + at)
        proc.kill()
        assert proc.wait(10) == -9
        kills += 1
        partial = _content(killed_db)  # opens after SIGKILL, no orphan, nothing half-written
        assert partial["orphans"] == [0]
        assert len(partial["predictions"]) < COUNT
    assert kills == 2

    before = llm_server.stats()["completions"]
    rerun = _prelabel(folder, killed_db)
    assert rerun.wait(120) == 0, rerun.stderr.read().decode() if rerun.stderr else ""
    assert llm_server.stats()["completions"] - before < COUNT  # only what was missing was asked again
    assert _content(killed_db) == reference
