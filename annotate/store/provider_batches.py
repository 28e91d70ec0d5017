"""The ``provider_batches`` tables: what was sent through a provider's Batch API and what came back.

A Batch API answers in hours, in another process than the one that asked, so everything the
collecting process needs is kept here: which request (``custom_id``) asked about which chunk of
which document under which version key, the very body sent (a follow-up re-ask cannot be rebuilt
without the answer before it), and — once downloaded — each answer or the reason there is none.
Each step writes in one transaction, so a process killed at any point leaves a state the next
``annotate batch collect`` continues from.

The store knows no provider: it keeps the ids, bodies and answers the batch layer hands it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from annotate.store.bulk import insert_rows
from annotate.store.db import transaction
from annotate.store.lake import write_lock

TERMINAL = ("completed", "expired", "failed", "cancelled")
"""Provider statuses after which nothing more will come back."""


@dataclass(frozen=True)
class BatchRow:
    id: str
    job_id: str
    round: int
    base_url: str | None
    settings: dict[str, Any]
    schema_option: str
    input_file_id: str | None
    batch_id: str | None
    status: str
    output_file_id: str | None
    error_file_id: str | None
    requests: int
    downloaded: bool
    collected: bool
    note: str | None
    created: datetime

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def public_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("id", "job_id", "round", "batch_id", "status", "requests", "downloaded",
                                             "collected", "note")}  # fmt: skip
        out["created"] = self.created.isoformat(sep=" ", timespec="seconds")
        return out


@dataclass(frozen=True)
class RequestRow:
    """One line of a batch file: the question, and where its answer belongs."""

    custom_id: str
    doc_id: str
    source: str
    chunk: int
    version_key: str
    schema_name: str
    body_hash: str
    body: dict[str, Any]


@dataclass(frozen=True)
class LineResult:
    """What the download found for one request: an answer (``state='answered'``) or why not."""

    custom_id: str
    state: str
    answer: dict[str, Any] | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class Cost:
    version_key: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    discount: float
    cost_usd: float | None


_BATCH_COLUMNS = ("id, job_id, round, base_url, settings, schema_option, input_file_id, batch_id, status, "
                  "output_file_id, error_file_id, requests, downloaded, collected, note, created")  # fmt: skip
_REQUEST_COLUMNS = ("batch", "custom_id", "doc_id", "source", "chunk", "version_key", "schema_name", "body_hash",
                    "body")  # fmt: skip


def _batch(row: tuple[Any, ...]) -> BatchRow:
    values = list(row)
    values[4] = json.loads(values[4]) if isinstance(values[4], str) else values[4]
    return BatchRow(*values)


def add_batch(
    con: duckdb.DuckDBPyConnection,
    *,
    id: str,
    job_id: str,
    round: int,
    base_url: str | None,
    settings: dict[str, Any],
    schema_option: str,
    requests: Iterable[RequestRow],
) -> None:
    """Record a batch before anything is uploaded (status ``prepared``): its requests in the same transaction."""
    rows = [[id, r.custom_id, r.doc_id, r.source, r.chunk, r.version_key, r.schema_name, r.body_hash,
             json.dumps(r.body, ensure_ascii=False)] for r in requests]  # fmt: skip
    with transaction(con):
        con.execute(
            "INSERT INTO provider_batches (id, job_id, round, base_url, settings, schema_option, status, requests) "
            "VALUES (?, ?, ?, ?, ?, ?, 'prepared', ?)",
            [id, job_id, round, base_url, json.dumps(settings), schema_option, len(rows)],
        )
        insert_rows(con, "provider_batch_requests", _REQUEST_COLUMNS, rows)


def update_batch(con: duckdb.DuckDBPyConnection, id: str, **values: Any) -> None:
    """Set provider-side facts (``input_file_id``, ``batch_id``, ``status``, output/error file ids, ``note``)."""
    allowed = {"input_file_id", "batch_id", "status", "output_file_id", "error_file_id", "note"}
    if not values or set(values) - allowed:
        raise ValueError(f"cannot update {sorted(set(values) - allowed) or 'nothing'}")
    sets = ", ".join(f"{k} = ?" for k in values)
    with write_lock(con):
        con.execute(f"UPDATE provider_batches SET {sets}, updated = now() WHERE id = ?", [*values.values(), id])


def list_batches(con: duckdb.DuckDBPyConnection, ref: str | None = None) -> list[BatchRow]:
    """All batches, or those of the job/batch ``ref`` names (our id, the job id or the provider's id)."""
    if ref is None:
        rows = con.execute(f"SELECT {_BATCH_COLUMNS} FROM provider_batches ORDER BY created, round, id").fetchall()
    else:
        rows = con.execute(
            f"SELECT {_BATCH_COLUMNS} FROM provider_batches WHERE job_id = (SELECT job_id FROM provider_batches "
            "WHERE id = ? OR job_id = ? OR batch_id = ? LIMIT 1) ORDER BY round, id",
            [ref, ref, ref],
        ).fetchall()
    return [_batch(r) for r in rows]


def batch_requests(con: duckdb.DuckDBPyConnection, batch: str) -> list[RequestRow]:
    rows = con.execute(
        f"SELECT {', '.join(_REQUEST_COLUMNS[1:])} FROM provider_batch_requests WHERE batch = ? ORDER BY custom_id",
        [batch],
    ).fetchall()
    return [RequestRow(*r[:7], json.loads(r[7])) for r in rows]


def open_keys(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(doc_id, version_key) asked in a batch not collected yet: a second submit must not pay for them again."""
    rows = con.execute(
        "SELECT DISTINCT r.doc_id, r.version_key FROM provider_batch_requests r "
        "JOIN provider_batches b ON b.id = r.batch WHERE NOT b.collected"
    ).fetchall()
    return {(d, v) for d, v in rows}


def save_download(
    con: duckdb.DuckDBPyConnection, batch: str, results: Iterable[LineResult], costs: Iterable[Cost], note: str | None
) -> None:
    """The downloaded answers, the batch's cost per version key and ``downloaded`` — one transaction."""
    with transaction(con):
        for r in results:
            con.execute(
                "UPDATE provider_batch_requests SET state = ?, answer = ?, error = ?, prompt_tokens = ?, "
                "completion_tokens = ? WHERE batch = ? AND custom_id = ?",
                [r.state, json.dumps(r.answer, ensure_ascii=False) if r.answer is not None else None, r.error,
                 r.prompt_tokens, r.completion_tokens, batch, r.custom_id],
            )  # fmt: skip
        con.execute("DELETE FROM provider_batch_costs WHERE batch = ?", [batch])
        rows = [[batch, c.version_key, c.requests, c.prompt_tokens, c.completion_tokens, c.discount, c.cost_usd]
                for c in costs]  # fmt: skip
        insert_rows(con, "provider_batch_costs", ("batch", "version_key", "requests", "prompt_tokens",
                                                  "completion_tokens", "discount", "cost_usd"), rows)  # fmt: skip
        con.execute(
            "UPDATE provider_batches SET downloaded = true, note = ?, updated = now() WHERE id = ?", [note, batch]
        )


def job_answers(con: duckdb.DuckDBPyConnection, job_id: str) -> dict[tuple[str, int, str, str], tuple[str, dict]]:
    """Every answer a job's batches returned: (doc, chunk, version key, body hash) -> ("batch/custom_id", answer)."""
    rows = con.execute(
        "SELECT r.doc_id, r.chunk, r.version_key, r.body_hash, b.id || '/' || r.custom_id, r.answer "
        "FROM provider_batch_requests r JOIN provider_batches b ON b.id = r.batch "
        "WHERE b.job_id = ? AND r.state = 'answered'",
        [job_id],
    ).fetchall()
    return {(d, c, v, h): (ref, json.loads(a)) for d, c, v, h, ref, a in rows}


def job_requests(con: duckdb.DuckDBPyConnection, job_id: str) -> list[tuple[str, str, int, str, str, str | None]]:
    """(doc_id, source, chunk, version_key, schema_name, why the batch gave no answer) for a job's requests."""
    return con.execute(
        "SELECT r.doc_id, r.source, r.chunk, r.version_key, r.schema_name, r.error FROM provider_batch_requests r "
        "JOIN provider_batches b ON b.id = r.batch WHERE b.job_id = ? ORDER BY b.round, r.custom_id",
        [job_id],
    ).fetchall()


def get_batch(con: duckdb.DuckDBPyConnection, id: str) -> BatchRow:
    row = con.execute(f"SELECT {_BATCH_COLUMNS} FROM provider_batches WHERE id = ?", [id]).fetchone()
    if row is None:
        raise KeyError(id)
    return _batch(row)


def logged_batch_answers(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The "batch/custom_id" of every batch answer already in ``llm_calls`` (a re-run must not log it twice)."""
    rows = con.execute(
        "SELECT DISTINCT request->>'batch_request' FROM llm_calls WHERE request->>'batch_request' IS NOT NULL"
    ).fetchall()
    return {r[0] for r in rows}


def costs(con: duckdb.DuckDBPyConnection, ref: str | None = None) -> list[dict[str, Any]]:
    """Cost per version key over the batches of ``ref``'s job (all batches when None)."""
    ids = [b.id for b in list_batches(con, ref)]
    if not ids:
        return []
    rows = con.execute(
        "SELECT version_key, sum(requests), sum(prompt_tokens), sum(completion_tokens), max(discount), "
        "CASE WHEN count(cost_usd) = count(*) THEN sum(cost_usd) END FROM provider_batch_costs "
        "WHERE list_contains(?, batch) GROUP BY version_key ORDER BY version_key",
        [ids],
    ).fetchall()
    names = ("version_key", "requests", "prompt_tokens", "completion_tokens", "discount", "cost_usd")
    return [dict(zip(names, r, strict=True)) for r in rows]


def mark_collected(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> None:
    with write_lock(con):
        con.execute("UPDATE provider_batches SET collected = true, updated = now() WHERE list_contains(?, id)", [list(ids)])
