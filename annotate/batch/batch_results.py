"""Reading a finished provider batch: its output and error files, into answers, reasons and cost.

Kept apart from the flow (:mod:`annotate.batch.provider_batch`) because it is where a provider's
file formats meet the store: each output line's chat completion (checked to parse as one, the way
the live client parses an answer), each error line's or missing line's reason — an expired batch,
a failed request, a line that is not JSON — and the tokens of the answered lines priced at the
configured list price less the batch discount. Everything is saved in one transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import duckdb
import openai

from annotate.batch.run import one_line
from annotate.evaluation.llm_quality import batch_discount, load_prices
from annotate.extraction.llm_http import read_completion
from annotate.store import provider_batches as pb


async def _lines(client: openai.AsyncOpenAI, file_id: str | None) -> tuple[list[dict[str, Any]], int]:
    """The JSON lines of an output/error file and how many lines were not readable."""
    if file_id is None:
        return [], 0
    text = (await client.files.content(file_id)).content.decode("utf-8", errors="replace")
    items, malformed = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("custom_id"), str):
                raise ValueError("no custom_id")
        except ValueError:
            malformed += 1
            continue
        items.append(item)
    return items, malformed


def _result(item: dict[str, Any]) -> pb.LineResult:
    """One output or error line: the chat completion, or why there is none."""
    cid = item["custom_id"]
    response = item.get("response") or {}
    body = response.get("body") if isinstance(response, dict) else None
    code = response.get("status_code") if isinstance(response, dict) else None
    if code == 200 and isinstance(body, dict):
        try:
            read_completion(json.dumps(body).encode("utf-8"))
        except ValueError as exc:
            return pb.LineResult(
                cid, "failed", error=f"batch: the answer is not a chat completion ({one_line(exc)[:120]})"
            )
        usage = body.get("usage") or {}
        return pb.LineResult(cid, "answered", body, None, int(usage.get("prompt_tokens") or 0),
                             int(usage.get("completion_tokens") or 0))  # fmt: skip
    error = item.get("error") or (body.get("error") if isinstance(body, dict) else None) or {}
    message = error.get("message") if isinstance(error, dict) else str(error)
    return pb.LineResult(cid, "failed", error=f"batch: http {code}: {one_line(message or 'no answer')[:200]}")


def _costs(rows: list[pb.RequestRow], results: dict[str, pb.LineResult], model: str) -> list[pb.Cost]:
    """Tokens × list price × (1 − batch discount), per version key (answered requests only: failed ones are free)."""
    price, discount = load_prices().get(model), batch_discount()
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        res = results.get(r.custom_id)
        if res is not None and res.state == "answered":
            s = sums[r.version_key]
            s[0], s[1], s[2] = s[0] + 1, s[1] + res.prompt_tokens, s[2] + res.completion_tokens
    out = []
    for vkey, (n, pt, ct) in sorted(sums.items()):
        cost = None if price is None else round((pt * price["input"] + ct * price["output"]) / 1e6 * (1 - discount), 8)
        out.append(pb.Cost(vkey, n, pt, ct, discount, cost))
    return out


async def download(con: duckdb.DuckDBPyConnection, row: pb.BatchRow, client: openai.AsyncOpenAI) -> None:
    """Store a finished batch's answers and the reason for each missing one, with its cost (one transaction)."""
    rows = pb.batch_requests(con, row.id)
    outputs, bad_out = await _lines(client, row.output_file_id)
    errors, bad_err = await _lines(client, row.error_file_id)
    results = {item["custom_id"]: _result(item) for item in [*errors, *outputs]}
    malformed = bad_out + bad_err
    why = {"expired": "batch expired before this request was answered", "failed": "batch failed at the provider",
           "cancelled": "batch cancelled"}.get(row.status, "batch returned no line for this request")  # fmt: skip
    if malformed:
        why += f" ({malformed} output line(s) were not readable)"
    for r in rows:
        results.setdefault(r.custom_id, pb.LineResult(r.custom_id, "failed", error=why))
    answered = sum(1 for r in rows if results[r.custom_id].state == "answered")
    note = f"{answered}/{len(rows)} answered" + (f", {malformed} malformed line(s)" if malformed else "")
    known = {r.custom_id for r in rows}
    pb.save_download(con, row.id, [v for k, v in results.items() if k in known],
                     _costs(rows, results, row.settings.get("model", "")), note)  # fmt: skip
