"""Merging per-chunk records: de-duplication, same-object merging, offsets shifted and re-pathed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.core.chunking import split_text
from annotate.core.grounding import check_invariant, ground_record
from annotate.core.merge import merge_records
from annotate.documents import load_document
from annotate.schema_registry import get_schema
from tests.support.ideal_responses import split_expected


def _case(fixtures_dir: Path, name: str) -> dict:
    return json.loads((fixtures_dir / "merge" / name).read_text(encoding="utf-8"))


def _parts(spec, text: str, chunks: list[dict]) -> list:
    parts = []
    for c in chunks:
        record = spec.model.model_validate(c["record"]).model_dump(mode="json")
        parts.append((record, ground_record(text[c["start"] : c["end"]], spec.model, record), c["start"]))
    return parts


def test_overlapping_unit_is_merged(fixtures_dir: Path) -> None:
    case = _case(fixtures_dir, "overlap_meeting.json")
    spec = get_schema(case["schema"])
    merged, groundings = merge_records(spec.model, _parts(spec, case["text"], case["chunks"]))
    want = spec.model.model_validate(case["expected"]).model_dump(mode="json")
    assert spec.model.model_validate(merged).model_dump(mode="json") == want
    assert check_invariant(case["text"], groundings) == []
    assert all(g.aligned for g in groundings)
    paths = {g.path: g for g in groundings}
    assert paths["units[1].shortcomings[0]"].quote == "停车治理"
    assert paths["directives[0]"].start == case["text"].index("要压实责任")
    assert len(groundings) == len(set(paths)), "a value grounded twice"


def test_rows_with_same_category_are_told_apart_by_seq(fixtures_dir: Path) -> None:
    case = _case(fixtures_dir, "table_rows.json")
    spec = get_schema(case["schema"])
    merged, groundings = merge_records(spec.model, _parts(spec, case["text"], case["chunks"]))
    assert [i["seq"] for i in merged["items"]] == [1, 2, 3]
    assert len(merged["items"]) == case["expected_items"]
    assert merged["year"] == "2021"
    assert check_invariant(case["text"], groundings) == []
    ind = next(g for g in groundings if g.path == "items[2].indicators[0].text")
    assert case["text"][ind.start : ind.end] == "620个"
    assert ind.start > case["text"].index("民生保障3")


def test_single_chunk_is_identity(fixtures_dir: Path) -> None:
    case = _case(fixtures_dir, "overlap_meeting.json")
    spec = get_schema(case["schema"])
    record = spec.model.model_validate(case["expected"]).model_dump(mode="json")
    text = case["text"]
    groundings = ground_record(text, spec.model, record)
    merged, out = merge_records(spec.model, [(record, groundings, 0)])
    assert merged == record
    assert out == groundings


@pytest.mark.parametrize("overlap", [0, 400])
def test_004_reassembles_all_136_rows(seeds_dir: Path, fixtures_dir: Path, overlap: int) -> None:
    """Per-chunk answers (overlapping rows appear twice) merge back into the 136 expected rows."""
    stem = "004_da9373b7adbb6a20"
    doc = load_document(seeds_dir / f"{stem}.txt")
    spec = get_schema("task_progress")
    expected = json.loads((fixtures_dir / "seeds" / stem / "expected.json").read_text(encoding="utf-8"))
    expected = spec.model.model_validate(expected).model_dump(mode="json")
    chunks = split_text(doc.text, 8000, overlap=overlap)
    records = split_expected(spec, doc.text, expected, chunks)
    if overlap:
        assert sum(len(r["items"]) for r in records) > 136, "the overlap should repeat some rows"
    parts = [(r, ground_record(c.text, spec.model, r), c.start) for c, r in zip(chunks, records, strict=True)]
    merged, groundings = merge_records(spec.model, parts)
    assert len(merged["items"]) == 136
    assert [i["seq"] for i in merged["items"]] == list(range(1, 137))
    assert spec.model.model_validate(merged).model_dump(mode="json") == expected
    assert check_invariant(doc.text, groundings) == []
    assert all(g.aligned for g in groundings)
