"""``annotate prelabel --via batch``, ``batch status`` and ``batch collect`` as a user runs them: real
subprocesses, real store files, and the project's test server with its Batch API endpoints.

What must hold: a batch gives the very predictions a live run gives (same requests, same reading),
at the configured price less the batch discount; a batch that partly fails, expires or returns a
malformed line leaves every document predicted or failed with a reason; ``--reask batch`` re-asks in
a follow-up batch instead of live; a collect killed with SIGKILL and re-run ends like an
uninterrupted one, with no duplicate prediction or logged answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotate.store.db import connect
from tests.support.corpus import generate_corpus
from tests.support.openai_server import OpenAITestServer

ANNOTATE = str(Path(sys.executable).parent / "annotate")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MODEL = "annotate-test-model"
PRICE_IN, PRICE_OUT = 2.0, 8.0  # USD per million tokens, this test's price table


@pytest.fixture
def server() -> Iterator[OpenAITestServer]:
    with OpenAITestServer(fixtures=FIXTURES) as s:
        yield s


@pytest.fixture
def env(server: OpenAITestServer, tmp_path: Path) -> dict[str, str]:
    prices = tmp_path / "prices.toml"
    prices.write_text(f'[batch]\ndiscount = 0.5\n\n[models."{MODEL}"]\ninput = {PRICE_IN}\noutput = {PRICE_OUT}\n')
    out = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANNOTATE_"))}
    out.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-annotate-batch-test-1f2e3d", ANNOTATE_MODEL=MODEL,
               ANNOTATE_LLM_TIMEOUT="5", ANNOTATE_PRICES=str(prices), COLUMNS="200")  # fmt: skip
    return out


def run(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ANNOTATE, *args], env=env, capture_output=True, text=True, timeout=timeout)


def submit(env: dict[str, str], folder: Path, db: Path) -> dict[str, Any]:
    result = run(env, "prelabel", str(folder), "--via", "batch", "--backend", "llm", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def collect(env: dict[str, str], db: Path, *extra: str, code: int = 0) -> dict[str, Any]:
    result = run(env, "batch", "collect", "--wait", "--poll", "0.1", "--db", str(db), "--json", *extra)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def rows(db: Path, sql: str) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


PREDICTIONS = "SELECT doc_id, schema_name, version_key, record, groundings, confidence FROM predictions ORDER BY doc_id"


def test_a_batch_gives_the_live_predictions_at_the_batch_price(
    env: dict[str, str], server: OpenAITestServer, seeds_dir: Path, tmp_path: Path
) -> None:
    live_db, batch_db = tmp_path / "live.duckdb", tmp_path / "batch.duckdb"
    live = run(env, "prelabel", str(seeds_dir), "--backend", "llm", "--db", str(live_db))
    assert live.returncode == 0, live.stderr
    live_calls = server.stats()["completions"]

    sent = submit(env, seeds_dir, batch_db)
    assert sent["documents"] == 5 and sent["requests"] >= 5 and sent["batch"]["batch_id"].startswith("batch_")
    status = run(env, "batch", "status", "--db", str(batch_db), "--json")
    assert status.returncode == 0, status.stderr
    assert [b["id"] for b in json.loads(status.stdout)["batches"]] == [sent["batch"]["id"]]

    [job] = collect(env, batch_db)["jobs"]
    assert (job["predicted"], job["failed"], job["live_calls"]) == (5, 0, 0)
    assert job["batch_answers"] == sent["requests"] == server.stats()["batch_lines"]
    assert server.stats()["completions"] == live_calls  # every answer came from the batch
    # the same requests, read by the same code: the live run's predictions, to the byte
    assert rows(batch_db, PREDICTIONS) == rows(live_db, PREDICTIONS)
    assert rows(batch_db, "SELECT count(*) FROM response_cache") == rows(live_db, "SELECT count(*) FROM response_cache")

    # cost per version key: the batch's tokens at this test's price, half off
    tokens = rows(batch_db, "SELECT version_key, sum(prompt_tokens), sum(completion_tokens) FROM llm_calls "
                            "GROUP BY version_key ORDER BY version_key")  # fmt: skip
    assert [(c["version_key"], c["prompt_tokens"], c["completion_tokens"]) for c in job["costs"]] == tokens
    for c in job["costs"]:
        full = (c["prompt_tokens"] * PRICE_IN + c["completion_tokens"] * PRICE_OUT) / 1e6
        assert c["discount"] == 0.5 and c["cost_usd"] == pytest.approx(full / 2)

    assert collect(env, batch_db) == {"jobs": []}  # collected: nothing left
    again = submit(env, seeds_dir, batch_db)
    assert (again["batch"], again["already_predicted"]) == (None, 5)  # never pay twice


@pytest.mark.parametrize(
    ("fault", "expect_status"),
    [({"error_every": 3}, "completed"), ({"expire_after": 9}, "expired"), ({"malformed_every": 4}, "completed")],
)
def test_a_batch_that_partly_fails_ends_each_document_predicted_or_failed(
    env: dict[str, str], server: OpenAITestServer, tmp_path: Path, fault: dict[str, int], expect_status: str
) -> None:
    folder, db = tmp_path / "docs", tmp_path / "b.duckdb"
    paths = generate_corpus(folder, 24, seed=4)
    server.batches.configure(**fault)
    sent = submit(env, folder, db)
    status = run(env, "batch", "status", "--db", str(db), "--json")
    deadline = time.monotonic() + 30
    while json.loads(status.stdout)["batches"][0]["status"] not in ("completed", "expired"):
        assert time.monotonic() < deadline
        status = run(env, "batch", "status", "--db", str(db), "--json")
    assert json.loads(status.stdout)["batches"][0]["status"] == expect_status
    # the lines without an answer are asked live, where every answer is schema-invalid: those documents fail
    server.configure(fault_rate=1.0, faults=["schema_invalid"])
    [job] = collect(env, db, code=1)["jobs"]
    unanswered = sent["requests"] - job["batch_answers"]
    assert unanswered > 0 and job["live_calls"] >= unanswered
    predicted = {d for (d,) in rows(db, "SELECT doc_id FROM predictions")}
    failed = dict(rows(db, "SELECT source, reason FROM failures WHERE NOT resolved"))
    assert len(predicted) + len(failed) == len(paths) == 24  # each document: one or the other
    assert job["failed"] == len(failed) > 0 and all("schema" in reason for reason in failed.values())
    assert len(predicted) == 24 - len(failed) > 0
    assert rows(db, "SELECT count(*) FROM (SELECT doc_id FROM predictions GROUP BY doc_id HAVING count(*) > 1)") == [
        (0,)
    ]


def test_reask_batch_sends_a_follow_up_batch_instead_of_live_calls(
    env: dict[str, str], server: OpenAITestServer, tmp_path: Path
) -> None:
    folder, db = tmp_path / "docs", tmp_path / "b.duckdb"
    generate_corpus(folder, 12, seed=6)
    server.batches.configure(error_every=2, faulty_batches=1)
    sent = submit(env, folder, db)
    [job] = collect(env, db, "--reask", "batch")["jobs"]
    assert job["follow_up"] and job["waiting_for_follow_up"] > 0 and job["live_calls"] == 0
    waiting = rows(db, "SELECT reason FROM failures WHERE NOT resolved AND stage = 'batch'")
    assert len(waiting) == job["waiting_for_follow_up"] and "follow-up batch" in waiting[0][0]
    [done] = collect(env, db, "--reask", "batch")["jobs"]
    assert (done["predicted"], done["failed"], done["waiting_for_follow_up"], done["live_calls"]) == (
        job["waiting_for_follow_up"], 0, 0, 0)  # fmt: skip
    assert [b["round"] for b in done["batches"]] == [1, 2] and all(b["collected"] for b in done["batches"])
    assert (
        server.stats()["completions"] == 0 and server.stats()["batch_lines"] == sent["requests"] + sent["requests"] // 2
    )
    assert rows(db, "SELECT count(*) FROM predictions") == [(12,)]
    assert rows(db, "SELECT count(*) FROM failures WHERE NOT resolved") == [(0,)]


def test_sigkill_mid_collect_then_rerun_finishes_without_duplicates(
    env: dict[str, str], server: OpenAITestServer, tmp_path: Path
) -> None:
    count = 32
    folder = tmp_path / "docs"
    generate_corpus(folder, count, seed=8)
    reference_db, killed_db = tmp_path / "reference.duckdb", tmp_path / "killed.duckdb"
    assert run(env, "prelabel", str(folder), "--backend", "llm", "--db", str(reference_db)).returncode == 0

    server.batches.configure(error_every=2)  # half the lines go live, slowly: time to kill mid-collect
    sent = submit(env, folder, killed_db)
    server.configure(latency=0.05)
    base = server.stats()["completions"]
    proc = subprocess.Popen([ANNOTATE, "batch", "collect", "--wait", "--poll", "0.1", "--concurrency", "2", "--db",
                             str(killed_db)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    while server.stats()["completions"] < base + 6:
        assert proc.poll() is None, "the collect ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.kill()
    assert proc.wait(10) == -9
    partial = rows(killed_db, "SELECT count(*) FROM predictions")[0][0]
    assert partial < count

    server.configure(latency=0.0)
    [job] = collect(env, killed_db)["jobs"]
    assert job["failed"] == 0 and job["predicted"] + job["cached"] == count
    assert rows(killed_db, PREDICTIONS) == rows(reference_db, PREDICTIONS)
    tagged = rows(
        killed_db, "SELECT request->>'batch_request' FROM llm_calls WHERE request->>'batch_request' IS NOT NULL"
    )
    assert len(tagged) == len(set(tagged)) == sent["requests"] - sent["requests"] // 2  # each answer logged once
    assert rows(killed_db, "SELECT count(*) FROM failures WHERE NOT resolved") == [(0,)]


def test_a_rerun_after_a_kill_between_commits_logs_no_answer_twice(
    env: dict[str, str], server: OpenAITestServer, seeds_dir: Path, tmp_path: Path
) -> None:
    """The narrow window the SIGKILL test rarely hits, set up exactly: the writer committed a batch
    answer's call-log row, and the process died before the prediction and cache rows of that
    document were committed. The re-run predicts again from the stored answers and logs none twice."""
    db = tmp_path / "b.duckdb"
    sent = submit(env, seeds_dir, db)
    [first] = collect(env, db)["jobs"]
    assert first["predicted"] == 5
    con = connect(db)
    try:
        con.execute("DELETE FROM predictions")
        con.execute("DELETE FROM response_cache")
        con.execute("UPDATE provider_batches SET collected = false")
    finally:
        con.close()
    [again] = collect(env, db)["jobs"]
    assert (again["predicted"], again["batch_answers"], again["live_calls"]) == (5, sent["requests"], 0)
    tagged = rows(db, "SELECT request->>'batch_request' FROM llm_calls WHERE request->>'batch_request' IS NOT NULL")
    assert len(tagged) == len(set(tagged)) == sent["requests"]
