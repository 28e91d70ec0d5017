"""llm_calls: every attempt is kept (failed ones too), in bulk, and never with a credential."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from annotate.extraction.base import LLMCall
from annotate.store.llm_calls import REDACTED, StoreCallLog, calls_for, count_calls, insert_calls, redact

SECRET = "sk-test-DO-NOT-STORE-4f9a2c"


def _call(doc_id: str, attempt: int, *, error: str | None = None, request_extra: dict | None = None) -> LLMCall:
    request = {"model": "m", "messages": [{"role": "user", "content": f"<document>\n{doc_id}\n</document>"}]}
    request.update(request_extra or {})
    return LLMCall(
        doc_id=doc_id,
        chunk=0,
        version_key="vk",
        attempt=attempt,
        request=request,
        response=None if error else {"record": {"title": doc_id}},
        error=error,
        prompt_tokens=100,
        completion_tokens=0 if error else 20,
        latency_ms=12.5,
    )


def test_failed_and_successful_attempts_are_all_kept(con: duckdb.DuckDBPyConnection) -> None:
    log = StoreCallLog(con, run_id="run1")
    log.record_call(_call("d1", 1, error="HTTP 429 Too Many Requests"))
    log.record_call(_call("d1", 2))
    rows = calls_for(con, doc_id="d1")
    assert [(r["attempt"], r["error"], r["run_id"]) for r in rows] == [
        (1, "HTTP 429 Too Many Requests", "run1"),
        (2, None, "run1"),
    ]
    assert rows[1]["response"] == {"record": {"title": "d1"}}
    assert rows[0]["response"] is None
    assert count_calls(con, "run1") == 2 and log.count == 2


def test_bulk_insert_of_many_calls(con: duckdb.DuckDBPyConnection) -> None:
    assert insert_calls(con, [_call(f"d{i}", 1) for i in range(250)]) == 250
    assert count_calls(con) == 250
    assert con.execute("SELECT sum(prompt_tokens) FROM llm_calls").fetchone() == (25000,)


def test_credentials_never_reach_the_table(
    con: duckdb.DuckDBPyConnection, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    sneaky = {"headers": {"Authorization": f"Bearer {SECRET}"}, "api_key": SECRET, "note": f"key={SECRET}"}
    StoreCallLog(con).record_call(_call("d1", 1, error=f"401 bad key {SECRET}", request_extra=sneaky))
    [row] = calls_for(con)
    assert row["request"]["api_key"] == REDACTED
    assert row["request"]["headers"]["Authorization"] == REDACTED
    assert SECRET not in row["request"]["note"] and SECRET not in row["error"]
    con.execute("CHECKPOINT")
    assert SECRET.encode() not in db_path.read_bytes()


def test_redact_leaves_ordinary_data_alone() -> None:
    data = {"messages": [{"role": "user", "content": "会议纪要"}], "max_tokens": 10, "token_budget": None}
    assert redact(data, secrets=[]) == data


def test_call_log_needs_a_destination() -> None:
    with pytest.raises(ValueError):
        StoreCallLog()
