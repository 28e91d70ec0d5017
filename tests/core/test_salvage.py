"""What is kept of a truncated or partly invalid answer, and the note for every drop."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from annotate.core.salvage import parse_partial, prune_invalid


class Row(BaseModel):
    seq: int
    task: str


class Table(BaseModel):
    title: str | None = None
    items: list[Row] = Field(default_factory=list)


def test_a_truncated_answer_keeps_its_complete_rows() -> None:
    cut = '```json\n{"title": "表", "items": [{"seq": 1, "task": "甲"}, {"seq": 2, "task": "乙"}, {"seq": 3, "ta'
    data = parse_partial(cut)
    table, dropped = prune_invalid(Table, data)
    assert [r.seq for r in table.items] == [1, 2]
    assert dropped == [("items[2]", "Field required")]


def test_a_row_with_a_wrong_type_is_dropped_and_the_rest_kept() -> None:
    data = {"title": "表", "items": [{"seq": 1, "task": "甲"}, {"seq": "三", "task": "丙"}, {"seq": 4, "task": "丁"}]}
    table, dropped = prune_invalid(Table, data)
    assert [r.seq for r in table.items] == [1, 4]
    assert dropped[0][0] == "items[1]" and "integer" in dropped[0][1]
    assert data["items"][1]["seq"] == "三", "the caller's data is not modified"


def test_an_optional_field_with_a_wrong_type_becomes_null() -> None:
    table, dropped = prune_invalid(Table, {"title": ["表"], "items": []})
    assert table.title is None and dropped == [("title", "Input should be a valid string")]


def test_a_required_field_that_is_missing_cannot_be_pruned_away() -> None:
    with pytest.raises(ValidationError):
        prune_invalid(Row, {"task": "甲"})
