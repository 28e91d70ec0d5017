"""Evidence is every string field except the ones a schema marks Derived or closes (Literal)."""

from __future__ import annotations

from annotate.core.evidence import get_at, iter_evidence, parse_path, pattern_of, set_at
from annotate.schema_registry import get_schema


def test_task_progress_evidence_excludes_derived_and_closed_fields() -> None:
    fields = get_schema("task_progress").evidence_fields
    assert "items[].lead_units[]" in fields and "items[].progress" in fields
    assert not {"year", "items[].status", "items[].seq", "items[].indicators[].unit"} & set(fields)


def test_iter_evidence_paths_follow_schema_order() -> None:
    record = {"meeting_date": "2024-04-08", "units": [{"unit": "甲", "achievements": ["a1"], "shortcomings": ["s1", "s2"]}]}
    pairs = list(iter_evidence(get_schema("meeting_review").model, record))
    assert pairs == [
        ("units[0].unit", "甲"),
        ("units[0].achievements[0]", "a1"),
        ("units[0].shortcomings[0]", "s1"),
        ("units[0].shortcomings[1]", "s2"),
    ]


def test_path_helpers_round_trip() -> None:
    record = {"units": [{"shortcomings": ["x", "y"]}]}
    assert parse_path("units[0].shortcomings[1]") == ["units", 0, "shortcomings", 1]
    assert pattern_of("units[0].shortcomings[1]") == "units[].shortcomings[]"
    set_at(record, "units[0].shortcomings[1]", "z")
    assert get_at(record, "units[0].shortcomings[1]") == "z"


def test_blank_evidence_is_a_missing_value_not_a_quote() -> None:
    from annotate.core.evidence import drop_empty
    from annotate.schema_registry import get_schema

    model = get_schema("meeting_review").model
    record = {"chair": " ", "units": [{"unit": "甲街道", "achievements": ["", "建成食堂3家"], "shortcomings": ["\u3000"]}],
              "briefings": [{"topic": "4月份工作", "details": ""}], "directives": [""]}  # fmt: skip
    assert drop_empty(model, record) == {
        "chair": None, "units": [{"unit": "甲街道", "achievements": ["建成食堂3家"], "shortcomings": []}],
        "briefings": [{"topic": "4月份工作", "details": None}], "directives": [],
    }  # fmt: skip
