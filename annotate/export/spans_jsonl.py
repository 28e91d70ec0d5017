"""``spans-jsonl``: ``{"text", "spans": [{"start", "end", "label", "path"}], "doc_id", "meta"}`` per document.

This is the layout spaCy (``Doc.char_span``) and Prodigy (``spans``) import. ``label`` is the
field pattern (``units[].shortcomings[]``), so one label per schema field; ``path`` keeps the exact
position (``units[1].shortcomings[0]``), which carries the nesting a flat NER label cannot.
Spans may nest (a unit's review contains its shortcomings), which span-categorisation models
accept and single-label NER does not. Values without a span (unaligned) and spans that no longer
slice to their quote are left out and counted in the manifest, never moved to a guessed place.
DuckDB computes the spans and writes the lines (``COPY … (FORMAT json)``).
"""

from __future__ import annotations

from annotate.export.base import ExportJob, FormatResult, collect_partitions
from annotate.store.datasets import copy_spans_jsonl


def write(job: ExportJob) -> FormatResult:
    parts = job.out / ".parts"
    copy_spans_jsonl(job.con, job.selection, job.split, parts)
    files = {
        str(path.relative_to(job.out)): job.rows_of(schema, split)
        for schema, split, path in collect_partitions(parts, job.out, ".jsonl")
    }
    job.on_rows(job.summary.total)
    return FormatResult(files=files)
