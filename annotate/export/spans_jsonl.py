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

import shutil

from annotate.export.base import ExportJob, FormatResult, LineRouter
from annotate.store.datasets import copy_spans_jsonl, key_ranges, pass_file, span_counts


def write(job: ExportJob) -> FormatResult:
    parts = job.out / ".parts"
    with LineRouter(job.out) as router:
        for pass_no, key_range in enumerate(key_ranges(job.con, job.selection)):
            copy_spans_jsonl(job.con, job.selection, job.split, parts, key_range, pass_no)
            router.route_async(pass_file(parts, pass_no))
        files = {
            str(path.relative_to(job.out)): job.rows_of(schema, split)
            for (schema, split), path in router.wait().items()
        }
    shutil.rmtree(parts, ignore_errors=True)
    job.on_rows(job.summary.total)
    spans, unaligned = span_counts(job.con, job.selection)
    return FormatResult(files=files, info={"spans": {"exported": spans, "unaligned_values_left_out": unaligned}})
