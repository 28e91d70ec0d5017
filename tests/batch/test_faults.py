"""Faults the batch must survive: 20% of requests go wrong, and no document is lost.

120 documents generated from the templates in tests/fixtures/batch/, against the real test server
injecting 429 (with Retry-After), 500, timeouts, malformed JSON, schema-invalid JSON and
ungrounded quotes. Retries are kept short (fewer attempts, 0.5 s client timeout) so that some
documents really do end in failure: then a second run without faults must complete exactly those.
"""

from __future__ import annotations

from pathlib import Path

from annotate.batch import BatchOptions, prelabel
from annotate.documents import load_document
from annotate.store.db import connect
from tests.support.corpus import generate_corpus
from tests.support.openai_server import FAULT_KINDS, OpenAITestServer

COUNT = 120
SHORT_RETRIES = {"http_retries": 1, "max_retries": 1}


def _state(db: Path) -> tuple[set[str], dict[str, str], int]:
    """(predicted doc ids, {doc id: open failure reason}, duplicate prediction rows)."""
    con = connect(db, read_only=True)
    try:
        predicted = {d for (d,) in con.execute("SELECT DISTINCT doc_id FROM predictions").fetchall()}
        failed = dict(con.execute("SELECT doc_id, reason FROM failures WHERE NOT resolved").fetchall())
        dupes = con.execute(
            "SELECT count(*) FROM (SELECT doc_id FROM predictions GROUP BY doc_id HAVING count(*) > 1)"
        ).fetchone()[0]
    finally:
        con.close()
    return predicted, failed, dupes


def test_fault_mix_loses_no_document_and_a_second_run_completes(
    llm_server: OpenAITestServer, tmp_path: Path, db_path: Path
) -> None:
    paths = generate_corpus(tmp_path / "docs", COUNT, seed=3)
    doc_ids = {load_document(p).doc_id for p in paths}
    assert len(doc_ids) == COUNT
    llm_server.configure(
        latency=0.01, fault_rate=0.2, faults=list(FAULT_KINDS), seed=11, retry_after=0.05, timeout_hold=1.5
    )
    options = BatchOptions(backend="llm", concurrency=16, backend_options=SHORT_RETRIES)

    first = prelabel(paths, options, db=db_path)
    faults = llm_server.stats()["faults"]
    assert set(faults) == set(FAULT_KINDS), faults  # every kind was really injected
    predicted, failed, dupes = _state(db_path)
    assert predicted | set(failed) == doc_ids  # no document lost…
    assert not predicted & set(failed)  # …and none both predicted and failed
    assert all(reason.strip() for reason in failed.values())
    assert first.failed == len(failed) > 0  # the short retries really let some fail
    assert first.predicted == len(predicted) > COUNT // 2  # …and retries rescued most
    assert dupes == 0

    llm_server.configure(fault_rate=0.0)
    second = prelabel(paths, options, db=db_path)
    predicted2, failed2, dupes2 = _state(db_path)
    assert (second.failed, second.predicted, second.cached) == (0, len(failed), len(predicted))
    assert predicted2 == doc_ids and failed2 == {} and dupes2 == 0
