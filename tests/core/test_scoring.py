"""Field-level scoring: alignment of list items, multiset counts, strict vs normalised comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.core.scoring import Counts, aggregate, align, format_table, leaf_fields, normalise, score_record
from annotate.schema_registry import get_schema

CASES = json.loads((Path(__file__).parents[1] / "fixtures" / "scoring" / "cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cases(case: dict) -> None:
    model = get_schema(case["schema"]).model
    score = score_record(model, case["predicted"], case["expected"], mode=case["mode"])
    for field_name, (tp, fp, fn) in case["counts"].items():
        c = score.get(field_name)
        assert (c.tp, c.fp, c.fn) == (tp, fp, fn), field_name


def test_identical_records_score_perfectly_and_empty_fields_are_undefined(fixtures_dir: Path) -> None:
    expected = json.loads((fixtures_dir / "seeds" / "000_bc3a7675d392fb2c" / "expected.json").read_text())
    model = get_schema("meeting_review").model
    score = score_record(model, expected, expected, mode="strict")
    assert score.total.f1 == 1.0 and score.total.fp == score.total.fn == 0
    assert score.get("organizer").f1 is None  # null on both sides: nothing to score
    assert set(leaf_fields(model)) <= set(score.fields)


def test_aggregate_is_the_micro_average_over_documents() -> None:
    model = get_schema("meeting_review").model
    a = score_record(model, {"directives": ["x", "y"]}, {"directives": ["x"]})
    b = score_record(model, {"directives": []}, {"directives": ["z", "w", "x"]})
    total = aggregate([a, b])
    assert total.documents == 2
    c = total.get("directives[]")
    assert (c.tp, c.fp, c.fn) == (1, 1, 3)
    assert c.f1 == pytest.approx(2 * 1 / (2 + 1 + 3))
    assert "directives[]" in format_table(total)
    assert total.as_dict()["fields"]["directives[]"]["f1"] == round(c.f1, 4)


def test_fields_restrict_the_result_and_bad_mode_is_rejected() -> None:
    model = get_schema("meeting_review").model
    score = score_record(model, {}, {"chair": "王明"}, fields=["chair", "units[].unit"])
    assert list(score.fields) == ["chair", "units[].unit"]
    assert score.total.as_dict() == Counts(0, 0, 1).as_dict()
    with pytest.raises(ValueError, match="unknown scoring mode"):
        score_record(model, {}, {}, mode="fuzzy")


def test_normalise_and_align() -> None:
    assert normalise(" 區委教育工委。") == normalise("区委教育工委") == "区委教育工委"
    pairs = align([{"seq": 3}, {"seq": 1}], [{"seq": 1}, {"seq": 2}], "seq")
    assert sorted(pairs, key=str) == sorted([(1, 0), (0, None), (None, 1)], key=str)
