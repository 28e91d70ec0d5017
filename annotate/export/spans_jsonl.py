"""``spans-jsonl``: ``{"text", "spans": [{"start", "end", "label", "path"}], "doc_id", "meta"}`` per document.

This is the layout spaCy (``Doc.char_span``) and Prodigy (``spans``) import. ``label`` is the
field pattern (``units[].shortcomings[]``), so one label per schema field; ``path`` keeps the exact
position (``units[1].shortcomings[0]``), which carries the nesting a flat NER label cannot.
Spans may nest (a unit's review contains its shortcomings), which span-categorisation models
accept and single-label NER does not. Values without a span (unaligned) and spans that no longer
slice to their quote are left out and counted, never shifted to a guessed place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from annotate.core.evidence import pattern_of
from annotate.export.base import ExportJob, FormatResult, SplitFiles
from annotate.store.datasets import iter_gold

_dumps = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class SpanStats:
    spans: int = 0
    unaligned: int = 0
    mismatched: list[str] = field(default_factory=list)  # "gold_id path" of spans that do not slice to their quote


def spans_of(text: str, groundings: list[dict[str, Any]], stats: SpanStats, gold_id: str = "") -> list[dict[str, Any]]:
    """Aligned groundings as sorted spans; checks ``text[start:end] == quote`` for each."""
    out = []
    for g in groundings:
        start, end = g.get("start"), g.get("end")
        if start is None or end is None:
            stats.unaligned += 1
            continue
        quote = g.get("quote")
        if quote is not None and text[start:end] != quote:
            stats.mismatched.append(f"{gold_id} {g.get('path')}")
            continue
        path = g.get("path", "")
        out.append({"start": start, "end": end, "label": pattern_of(path), "path": path})
    out.sort(key=lambda s: (s["start"], s["end"], s["label"], s["path"]))
    stats.spans += len(out)
    return out


def write(job: ExportJob) -> FormatResult:
    stats = SpanStats()
    pending = 0
    with SplitFiles(job.out, ".jsonl") as files:
        for row in iter_gold(job.con, job.selection):
            split = job.split.assign(row.doc_id)
            spans = spans_of(row.text, json.loads(row.groundings_json), stats, row.gold_id)
            line = {
                "text": row.text,
                "spans": spans,
                "doc_id": row.doc_id,
                "meta": {"schema": row.schema_name, "gold_id": row.gold_id, "split": split},
            }
            files.get(row.schema_name, split).write(_dumps(line) + "\n")
            files.count(row.schema_name, split)
            pending += 1
            if pending == 1000:
                job.on_rows(pending)
                pending = 0
    job.on_rows(pending)
    info: dict[str, Any] = {"spans": stats.spans, "unaligned_values_left_out": stats.unaligned}
    if stats.mismatched:
        info["mismatched_spans_left_out"] = stats.mismatched[:100]
    return FormatResult(files=files.rows, info=info)
