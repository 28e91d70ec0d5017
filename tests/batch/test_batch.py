"""The pre-label run through the library: real documents, real store file, real HTTP server."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path

import pytest

from annotate.batch import BatchError, BatchOptions, BatchSummary, DocOutcome, prelabel, run_batch
from annotate.documents import load_document
from annotate.store.db import connect
from annotate.store.failures import open_failures
from annotate.store.llm_calls import calls_for
from annotate.store.predictions import list_predictions
from tests.support.corpus import generate_corpus
from tests.support.openai_server import OpenAITestServer


def _table(db: Path, sql: str) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_llm_run_then_cached_rerun_makes_zero_calls(llm_server: OpenAITestServer, seeds_dir: Path, db_path: Path) -> None:
    first = prelabel([seeds_dir], BatchOptions(backend="llm"), db=db_path)
    assert (first.predicted, first.failed, first.cached) == (5, 0, 0)
    assert first.calls >= 5 and first.prompt_tokens > 0 and first.completion_tokens > 0
    completions = llm_server.stats()["completions"]
    assert first.calls == completions  # every HTTP attempt is counted…
    assert _table(db_path, "SELECT count(*) FROM llm_calls") == [(completions,)]  # …and logged

    second = prelabel([seeds_dir], BatchOptions(backend="llm"), db=db_path)
    assert (second.calls, second.predicted, second.cached, second.failed) == (0, 0, 5, 0)
    assert llm_server.stats()["completions"] == completions  # not one request reached the server

    con = connect(db_path, read_only=True)
    try:
        predictions = list_predictions(con)
        assert len(predictions) == 5
        schemas = {p.schema_name for p in predictions}
        assert schemas == {"meeting_review", "task_progress", "public_report"}
        texts = {d: t for d, t in con.execute("SELECT doc_id, text FROM documents").fetchall()}
        for p in predictions:
            assert p.version_key.startswith(p.schema_name + "/")
            for g in p.groundings:
                if g["start"] is not None:
                    assert texts[p.doc_id][g["start"] : g["end"]] == g["quote"]
    finally:
        con.close()


def test_force_re_extracts_without_duplicates(llm_server: OpenAITestServer, seeds_dir: Path, db_path: Path) -> None:
    prelabel([seeds_dir / "001_7fbc296d44d6aab6.txt"], BatchOptions(backend="llm"), db=db_path)
    before = llm_server.stats()["completions"]
    forced = prelabel([seeds_dir / "001_7fbc296d44d6aab6.txt"], BatchOptions(backend="llm", force=True), db=db_path)
    assert forced.predicted == 1 and forced.calls >= 1
    assert llm_server.stats()["completions"] > before
    assert _table(db_path, "SELECT count(*) FROM predictions") == [(1,)]
    assert _table(db_path, "SELECT count(*) FROM documents") == [(1,)]


def test_a_new_version_key_is_a_cache_miss(
    llm_server: OpenAITestServer, seeds_dir: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = seeds_dir / "002_f24e79617b591595.txt"
    prelabel([doc], BatchOptions(backend="llm"), db=db_path)
    monkeypatch.setenv("ANNOTATE_MODEL", "another-model")
    again = prelabel([doc], BatchOptions(backend="llm"), db=db_path)
    assert again.calls >= 1 and again.cache_hits == 0 and again.predicted == 1
    keys = [k for (k,) in _table(db_path, "SELECT version_key FROM predictions ORDER BY created")]
    assert len(keys) == 2 and "another-model" in keys[1] and "another-model" not in keys[0]


def test_bad_files_are_recorded_and_the_rest_goes_on(seeds_dir: Path, tmp_path: Path, db_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seeds_dir / "000_bc3a7675d392fb2c.txt", folder / "a.txt")
    shutil.copy(seeds_dir / "000_bc3a7675d392fb2c.txt", folder / "a-copy.txt")  # same text: one document
    shutil.copy(seeds_dir / "003_ad073e54fd368939.txt", folder / "b.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    summary = prelabel([folder, tmp_path / "missing.txt"], BatchOptions(backend="rules"), db=db_path)
    assert (summary.predicted, summary.duplicates, summary.failed) == (2, 1, 3)
    reasons = {Path(f.source).name: f.reason for f in summary.failures}
    assert set(reasons) == {"empty.txt", "binary.txt", "missing.txt"}
    for name, reason in reasons.items():
        assert name in reason and "\n" not in reason  # one line naming the file
    con = connect(db_path, read_only=True)
    try:
        stored = {Path(f.source).name: f.stage for f in open_failures(con)}
    finally:
        con.close()
    assert stored == {"empty.txt": "load", "binary.txt": "load", "missing.txt": "load"}


def test_load_failure_is_resolved_when_the_file_is_fixed(seeds_dir: Path, tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "later.txt"
    path.write_bytes(b"")
    assert prelabel([path], BatchOptions(backend="rules"), db=db_path).failed == 1
    shutil.copy(seeds_dir / "002_f24e79617b591595.txt", path)
    fixed = prelabel([path], BatchOptions(backend="rules"), db=db_path)
    assert fixed.failed == 0 and fixed.predicted == 1
    assert _table(db_path, "SELECT count(*) FROM failures WHERE NOT resolved") == [(0,)]


def test_limit_and_schema_override(seeds_dir: Path, db_path: Path) -> None:
    summary = prelabel([seeds_dir], BatchOptions(backend="rules", schema="meeting_review", limit=2), db=db_path)
    assert summary.files == 2 and summary.predicted == 2
    assert _table(db_path, "SELECT DISTINCT schema_name FROM predictions") == [("meeting_review",)]
    with pytest.raises(BatchError, match="unknown schema"):
        prelabel([seeds_dir], BatchOptions(backend="rules", schema="no_such_schema"), db=db_path)
    with pytest.raises(BatchError, match="unknown backend"):
        prelabel([seeds_dir], BatchOptions(backend="gpt"), db=db_path)


def test_unreachable_endpoint_fails_fast(
    seeds_dir: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with OpenAITestServer() as server:  # take a free port, then close it: nothing listens there
        url = server.base_url
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-unused-key-123456")
    docs = generate_corpus(tmp_path / "docs", 40)
    with pytest.raises(BatchError, match="cannot reach") as info:
        prelabel(docs, BatchOptions(backend="llm"), db=db_path)
    assert "\n" not in str(info.value)
    assert _table(db_path, "SELECT count(*) FROM failures") == [(0,)]  # not the documents' fault
    assert _table(db_path, "SELECT count(*) FROM predictions") == [(0,)]


def test_bad_key_fails_fast(llm_server: OpenAITestServer, seeds_dir: Path, db_path: Path) -> None:
    llm_server.configure(api_key="sk-the-right-key-0000")
    with pytest.raises(BatchError, match="API key"):
        prelabel([seeds_dir], BatchOptions(backend="llm"), db=db_path)
    assert llm_server.stats()["completions"] <= 8  # at most one attempt per worker, no retry storm


def test_ctrl_c_keeps_finished_work_and_rerun_completes(
    llm_server: OpenAITestServer, tmp_path: Path, db_path: Path
) -> None:
    docs = generate_corpus(tmp_path / "docs", 30)
    llm_server.configure(latency=0.15)
    seen: list[str] = []

    async def interrupted_run() -> object:
        loop = asyncio.get_running_loop()

        def on_doc(outcome: DocOutcome, summary: BatchSummary) -> None:
            seen.append(outcome.status)
            if len(seen) == 6:
                loop.call_soon(os.kill, os.getpid(), signal.SIGINT)

        return await run_batch(docs, BatchOptions(backend="llm", concurrency=4), db=db_path, progress=on_doc,
                               handle_signals=True)

    summary = asyncio.run(interrupted_run())
    assert summary.interrupted
    assert 6 <= summary.predicted < len(docs)
    assert _table(db_path, "SELECT count(*) FROM predictions") == [(summary.predicted,)]
    llm_server.configure(latency=0.0)
    rest = prelabel(docs, BatchOptions(backend="llm"), db=db_path)
    # finished documents are skipped; a document cancelled after its call comes from the cache
    assert rest.cached >= summary.predicted and rest.cached + rest.predicted == len(docs)
    assert rest.calls <= len(docs) - summary.predicted
    assert _table(db_path, "SELECT count(*), count(DISTINCT doc_id) FROM predictions") == [(len(docs), len(docs))]


def test_concurrency_bounds_requests_in_flight_not_documents(
    llm_server: OpenAITestServer, tmp_path: Path, db_path: Path
) -> None:
    """``--concurrency N``: the endpoint sees at most N requests at once — and, with documents
    prepared ahead, it does see N (the pipe stays full)."""
    docs = generate_corpus(tmp_path / "docs", 40)
    llm_server.configure(latency=0.05)
    summary = prelabel(docs, BatchOptions(backend="llm", concurrency=4), db=db_path)
    assert summary.predicted == len(docs) and summary.calls == len(docs)
    assert llm_server.stats()["max_in_flight"] == 4


def test_a_backend_passed_in_is_left_open(seeds_dir: Path, db_path: Path) -> None:
    """The caller owns a backend it passes in (and may run another batch with it)."""
    from annotate.extraction.rules import RulesBackend

    class Tracked(RulesBackend):
        closed = 0

        async def aclose(self) -> None:
            Tracked.closed += 1

    backend = Tracked()
    assert prelabel([seeds_dir], BatchOptions(backend="rules"), db=db_path, backend=backend).predicted == 5
    assert Tracked.closed == 0


def test_an_open_connection_can_be_passed_in(seeds_dir: Path, db_path: Path) -> None:
    con = connect(db_path)
    try:
        summary = prelabel([seeds_dir], BatchOptions(backend="rules"), con=con)
        assert summary.predicted == 5
        assert con.execute("SELECT count(*) FROM predictions").fetchone() == (5,)  # still usable by the caller
    finally:
        con.close()


def test_call_log_keeps_documents_chunks_and_no_secret(llm_server: OpenAITestServer, seeds_dir: Path, db_path: Path) -> None:
    from tests.batch.conftest import SECRET

    llm_server.configure(fail_next=1, faults=["500"])
    summary = prelabel([seeds_dir / "004_da9373b7adbb6a20.txt"], BatchOptions(backend="llm"), db=db_path)
    assert summary.predicted == 1
    con = connect(db_path, read_only=True)
    try:
        calls = calls_for(con)
    finally:
        con.close()
    doc_id = load_document(seeds_dir / "004_da9373b7adbb6a20.txt").doc_id
    assert {c["doc_id"] for c in calls} == {doc_id}
    assert len({c["chunk"] for c in calls}) > 1  # 004 is chunked
    assert any(c["error"] and "500" in c["error"] for c in calls)  # the failed attempt is logged too
    assert all(c["run_id"] == summary.run_id for c in calls)
    assert SECRET.encode() not in db_path.read_bytes()
