"""Read-side SQL for exports and evaluation, on a real store replayed from the scenario fixture."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from annotate.evaluation.reads import annotations_per_doc, correction_rows, prediction_pairs
from annotate.export.parquet import record_structure
from annotate.export.splits import parse_split
from annotate.schema_registry import get_schema
from annotate.store.datasets import Selection, iter_gold, iter_gold_ids, split_sql, superseded_counts
from annotate.store.db import connect
from tests.export.store_scenario import Scenario, build


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return build(tmp_path_factory.mktemp("datasets") / "review.duckdb")


@pytest.mark.parametrize("spec", ["80/10/10", "90/10", "100", "33.3/33.3/33.4"])
def test_sql_split_is_the_python_split(spec: str) -> None:
    split = parse_split(spec)
    ids = [hashlib.sha256(str(i).encode()).hexdigest()[:16] for i in range(3000)]
    con = duckdb.connect()
    got = con.execute(f"SELECT d, {split_sql(split, 'd')} FROM unnest(?) t(d)", [ids]).fetchall()
    assert {d: s for d, s in got} == {d: split.assign(d) for d in ids}


def test_record_structure_types_every_schema_field() -> None:
    tp = record_structure(get_schema("task_progress").model)
    item = tp["items"][0]
    assert tp["title"] == "VARCHAR" and tp["year"] == "VARCHAR"
    assert item["seq"] == "BIGINT" and item["status"] == "VARCHAR" and item["lead_units"] == ["VARCHAR"]
    assert item["indicators"] == [{"name": "VARCHAR", "value": "DOUBLE", "unit": "VARCHAR", "text": "VARCHAR"}]
    mr = record_structure(get_schema("meeting_review").model)
    assert mr["units"] == [{"unit": "VARCHAR", "achievements": ["VARCHAR"], "shortcomings": ["VARCHAR"]}]
    assert list(mr) == list(get_schema("meeting_review").model.model_fields)


def test_latest_selection_and_what_it_leaves_out(store: Scenario) -> None:
    con = connect(store.db, read_only=True)
    rows = list(iter_gold(con, Selection()))
    assert sorted((r.doc_id, r.version) for r in rows) == sorted(
        [(store.doc_ids["000_bc3a7675d392fb2c"], 2), (store.doc_ids["001_7fbc296d44d6aab6"], 2),
         (store.doc_ids["004_da9373b7adbb6a20"], 1)]
    )  # fmt: skip
    assert all(r.text and r.record_json.startswith("{") for r in rows)
    assert superseded_counts(con, Selection()) == {"rejected": 1, "quarantined": 1}
    assert superseded_counts(con, Selection(schema="task_progress")) == {"rejected": 0, "quarantined": 0}
    assert list(iter_gold_ids(con, Selection())) == sorted(r.gold_id for r in rows)
    pinned = Selection(gold_ids=(f"{store.doc_ids['002_f24e79617b591595']}:meeting_review:v1",))
    assert [r.gold_id for r in iter_gold(con, pinned)] == list(pinned.gold_ids)
    con.close()


def test_evaluation_reads(store: Scenario) -> None:
    con = connect(store.db, read_only=True)
    pairs = prediction_pairs(con)
    assert {(p.version_key, p.doc_id) for p in pairs} == {
        (store.versions[v], store.doc_ids[s])
        for v, s in [
            ("rules_mr", "000_bc3a7675d392fb2c"), ("rules_mr", "001_7fbc296d44d6aab6"),
            ("llm_mr", "000_bc3a7675d392fb2c"), ("llm_mr", "001_7fbc296d44d6aab6"),
            ("rules_tp", "004_da9373b7adbb6a20"),
        ]
    }  # fmt: skip
    assert all(isinstance(p.gold, dict) and isinstance(p.prediction_groundings, list) for p in pairs)
    only = prediction_pairs(con, version_keys=[store.versions["llm_mr"]])
    assert len(only) == 2
    effort = correction_rows(con)
    assert len(effort) == 6  # 000 once (two versions of one annotation), 001 twice, 002, 003, 004
    per_doc = annotations_per_doc(con)
    [(key, versions)] = per_doc.items()
    assert key == ("meeting_review", store.doc_ids["001_7fbc296d44d6aab6"])
    assert [v.annotator for v in versions] == ["ann1", "ann2"]
    con.close()


def test_iter_gold_streams_through_a_scratch_file_it_removes(tmp_path: Path) -> None:
    from annotate.core.types import Document
    from annotate.store.documents import upsert_documents
    from annotate.store.gold import add_gold_version

    con = connect(tmp_path / "wide.duckdb")
    docs = [Document(doc_id=f"{i:016x}", text=f"{i}" + "文" * 2000) for i in range(300)]
    upsert_documents(con, [(d, "meeting_review") for d in docs])
    for d in docs:
        add_gold_version(con, doc_id=d.doc_id, schema_name="meeting_review", record={"units": []}, groundings=[])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    rows = iter_gold(con, Selection(), scratch=scratch)
    first = next(rows)
    assert first.text.endswith("文") and first.record_json == '{"units": []}'
    assert len(list(scratch.iterdir())) == 1  # the scratch file exists while rows are read
    got = [first.doc_id, *(r.doc_id for r in rows)]
    assert sorted(got) == sorted(d.doc_id for d in docs)
    assert list(scratch.iterdir()) == []
    con.close()


def test_spans_unaligned_values_and_their_counts(tmp_path: Path) -> None:
    import json

    from annotate.core.types import Document
    from annotate.export.parquet import copy_spans_parquet, parquet_span_counts
    from annotate.export.spans_jsonl import copy_spans_jsonl
    from annotate.store.datasets import span_counts
    from annotate.store.documents import upsert_documents
    from annotate.store.gold import add_gold_version

    text = "天桥街道😀接诉即办，会议强调要压实责任"
    con = connect(tmp_path / "spans.duckdb")
    upsert_documents(con, [(Document(doc_id="d1", text=text), "meeting_review")])
    add_gold_version(
        con, doc_id="d1", schema_name="meeting_review",
        record={"units": [{"unit": "天桥街道", "shortcomings": ["接诉即办"]}], "chair": "王五", "directives": ["要压实责任"]},
        groundings=[
            {"path": "units[0].shortcomings[0]", "value": "接诉即办", "start": 5, "end": 9, "quote": "接诉即办"},
            {"path": "units[0].unit", "value": "天桥街道", "start": 0, "end": 4, "quote": "天桥街道"},
            {"path": "chair", "value": "王五", "start": None, "end": None, "quote": None},
            {"path": "directives[0]", "value": "要压实责任", "start": 14, "end": 19, "quote": "要压实责任"},
        ],
    )  # fmt: skip
    split = parse_split("100")
    assert span_counts(con, Selection()) == ({"meeting_review": 3}, {"meeting_review": 1})
    copy_spans_jsonl(con, Selection(), split, tmp_path / "parts")
    [file] = list((tmp_path / "parts").glob("pass-*.jsonl"))
    [line] = file.read_text(encoding="utf-8").splitlines()
    assert line.startswith('{"s":"meeting_review","p":"train",')  # the lead keys the exporter routes by
    row = json.loads(line)
    assert row["spans"] == [
        {"start": 0, "end": 4, "label": "units[].unit", "path": "units[0].unit"},
        {"start": 5, "end": 9, "label": "units[].shortcomings[]", "path": "units[0].shortcomings[0]"},
        {"start": 14, "end": 19, "label": "directives[]", "path": "directives[0]"},
    ]
    for span in row["spans"]:  # Python string indices: the emoji before 接 is one code point
        assert text[span["start"] : span["end"]] in ("天桥街道", "接诉即办", "要压实责任")
    assert row["meta"] == {"schema": "meeting_review", "gold_id": "d1:meeting_review:v1", "split": "train"}
    pq = tmp_path / "spans.parquet"
    copy_spans_parquet(con, Selection(), split, schema_name="meeting_review", path=pq)
    assert parquet_span_counts(con, {"meeting_review": pq}) == ({"meeting_review": 3}, {"meeting_review": 1})
    con.close()
