"""SQL the export formats share: pass files routed by schema and split, the spans expression.

Every format writes with DuckDB's own ``COPY`` over the rows :mod:`annotate.store.datasets`
selects (see "Memory" there). JSONL formats write one pass file per doc_id range
(:func:`pass_file`), each line led by the keys ``"s"`` (schema) and ``"p"`` (split) that
:class:`annotate.export.base.LineRouter` strips while routing the line to its
``<schema>/<split>.jsonl``.
"""

from __future__ import annotations

from pathlib import Path

from annotate.store.datasets import literal

PARQUET_ROW_GROUP = 16_384
"""Rows per Parquet row group. DuckDB buffers a whole row group before writing it; with document
texts in the rows its default (122,880) would hold about a gigabyte, this about 150 MB."""

_SPANS = (
    "list_sort(list_transform(list_filter({parsed},"
    ' lambda s: s.start IS NOT NULL AND s."end" IS NOT NULL),'
    ' lambda s: struct_pack(start := s.start, "end" := s."end",'
    " label := regexp_replace(s.path, '\\[\\d+\\]', '[]', 'g'), path := s.path)))"
)
"""Aligned groundings as sorted {start, end, label, path} structs; ``label`` is the field pattern.

Offsets are exported as stored: ``pull`` only accepts gold whose every span slices the text to
its value (anything else is quarantined) and a document's text never changes (its id is its
hash), so re-checking each span here would only cost time (substring on CJK text is the most
expensive step of the whole export). Unaligned values have no span and are counted, not shifted.
"""

SPAN_STRUCTURE = '[{"path": "VARCHAR", "start": "BIGINT", "end": "BIGINT"}]'
"""Only what a span needs: parsing fewer keys of the groundings JSON is most of the spans' cost."""


def spans_sql(source: str | None = None) -> str:
    """The spans expression over ``source`` (a parsed groundings list; by default parsed here)."""
    parsed = source or f"json_transform(g.groundings, {literal(SPAN_STRUCTURE)})"
    return _SPANS.replace("{parsed}", parsed)


def pass_file(out_dir: Path, pass_no: int) -> Path:
    return out_dir / f"pass-{pass_no:05d}.jsonl"
