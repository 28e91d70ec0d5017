"""spans-jsonl: text + spans that slice to the gold values, labelled by field."""

from __future__ import annotations

import json
from pathlib import Path

from annotate.core.evidence import get_at
from annotate.export import parse_version, run_export
from annotate.store.db import connect
from annotate.store.gold import latest_gold
from tests.export.store_scenario import Scenario


def test_spans_slice_the_text_to_the_gold_values(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db, read_only=True)
    out = tmp_path / "spans"
    run_export(con, fmt="spans-jsonl", out=out, selection=parse_version("latest"))
    rows = [json.loads(line) for f in sorted(out.glob("*/*.jsonl")) for line in f.read_text("utf-8").splitlines()]
    assert len(rows) == 3
    for row in rows:
        assert set(row) == {"text", "spans", "doc_id", "meta"}
        gold = latest_gold(con, row["doc_id"], row["meta"]["schema"])
        assert row["meta"]["gold_id"] == gold["gold_id"]
        assert len(row["spans"]) == sum(1 for g in gold["groundings"] if g["start"] is not None)
        assert row["spans"] == sorted(row["spans"], key=lambda s: (s["start"], s["end"], s["label"], s["path"]))
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == get_at(gold["record"], span["path"])
            assert "[" not in span["label"] or "[]" in span["label"]
    labels = {s["label"] for r in rows for s in r["spans"]}
    assert {"units[].shortcomings[]", "items[].lead_units[]", "items[].indicators[].text"} <= labels
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert sum(manifest["spans"]["exported"].values()) == sum(len(r["spans"]) for r in rows)
    con.close()
