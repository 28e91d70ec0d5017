"""parquet: typed nested records and span lists, written by DuckDB's COPY, same splits as the rest."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from annotate.core.evidence import get_at
from annotate.export import parse_version, run_export
from annotate.export.splits import parse_split
from annotate.store.db import connect
from annotate.store.gold import latest_gold
from tests.export.store_scenario import Scenario


def test_records_keep_their_nested_types(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db, read_only=True)
    out = tmp_path / "pq"
    result = run_export(con, fmt="parquet", out=out, selection=parse_version("latest"), split="50/25/25")
    assert sorted(result.files) == [
        "meeting_review/records/part-00000.parquet", "meeting_review/spans/part-00000.parquet",
        "task_progress/records/part-00000.parquet", "task_progress/spans/part-00000.parquet",
    ]  # fmt: skip
    assert result.files["meeting_review/records/part-00000.parquet"] == 2
    q = duckdb.connect()
    types = {r[0]: r[1] for r in q.execute(f"DESCRIBE SELECT * FROM '{out}/task_progress/records/*.parquet'").fetchall()}
    assert types["record"].startswith("STRUCT(title VARCHAR")
    assert "items STRUCT(category VARCHAR, seq BIGINT" in types["record"]
    assert "lead_units VARCHAR[]" in types["record"] and '"value" DOUBLE' in types["record"]
    [(doc_id, n_items, seq, units, record_json, split)] = q.execute(
        f"SELECT doc_id, len(record.items), record.items[1].seq, record.items[18].lead_units, to_json(record), split"
        f" FROM '{out}/task_progress/records/*.parquet'"
    ).fetchall()
    gold = latest_gold(con, doc_id, "task_progress")
    assert n_items == 136 and seq == 1
    assert units == gold["record"]["items"][17]["lead_units"] and len(units) > 1
    assert json.loads(record_json) == gold["record"]
    assert split == parse_split("50/25/25").assign(doc_id)

    mr = q.execute(
        f"SELECT doc_id, split, record.units[2].shortcomings FROM '{out}/meeting_review/records/*.parquet' ORDER BY doc_id"
    ).fetchall()
    assert len(mr) == 2
    for doc_id, split, shortcomings in mr:
        assert split == parse_split("50/25/25").assign(doc_id)
        assert shortcomings == latest_gold(con, doc_id, "meeting_review")["record"]["units"][1]["shortcomings"]
    con.close()


def test_spans_are_a_sorted_list_of_structs_that_slice_the_text(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db, read_only=True)
    out = tmp_path / "pq"
    run_export(con, fmt="parquet", out=out, selection=parse_version("latest"))
    q = duckdb.connect()
    rows = q.execute(
        f"SELECT s.doc_id, r.text, s.spans, s.unaligned FROM '{out}/meeting_review/spans/*.parquet' s"
        f" JOIN '{out}/meeting_review/records/*.parquet' r USING (gold_id)"
    ).fetchall()
    assert len(rows) == 2
    for doc_id, text, spans, unaligned in rows:
        gold = latest_gold(con, doc_id, "meeting_review")
        assert spans and spans == sorted(spans, key=lambda s: (s["start"], s["end"], s["label"], s["path"]))
        assert len(spans) + unaligned == len(gold["groundings"])
        for s in spans:
            assert list(s) == ["start", "end", "label", "path"]
            assert text[s["start"] : s["end"]] == get_at(gold["record"], s["path"])
            assert s["label"] == re.sub(r"\[\d+\]", "[]", s["path"])
    con.close()
