"""Completion-table rules: rows run together, lead units inline or on lines of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.core.grounding import check_invariant
from annotate.documents import load_document
from annotate.extraction.rules import prelabel, task_table
from annotate.schema_registry import get_schema

STATUS_CASES = json.loads((Path(__file__).parents[1] / "fixtures/rules/status_cases.json").read_text())


def _extract(path: Path) -> dict:
    doc = load_document(path)
    record, groundings = prelabel(doc.text, get_schema("task_progress"), doc.metadata)
    assert check_invariant(doc.text, groundings) == []
    return record


def test_cut_table_rows_units_and_progress(fixtures_dir: Path) -> None:
    record = _extract(fixtures_dir / "rules" / "task_table_cut.txt")
    items = record["items"]
    assert [i["seq"] for i in items] == [1, 2, 3, 4]
    assert items[0]["task"] == "完成5条道路大修。" and items[0]["lead_units"] == ["区城市管理委"]
    assert items[1]["lead_units"] == ["区园林绿化局", "区水务局"]  # units on lines of their own
    assert items[1]["progress"] == "公园一期已完工，二期正在施工。"
    assert items[2]["task"] == "新增托育机构2家"  # no 。 before the unit
    assert items[2]["lead_units"] == ["区卫生健康委(区托育办)"]
    assert items[3]["lead_units"] == ["区住房城乡建设委", "区街道工作办公室"]  # two units, spaces between
    assert items[3]["progress"].endswith("其余项目正在")  # cut off mid-sentence, kept
    assert record["year"] == "2021"


def test_seed_table_has_every_row(seeds_dir: Path) -> None:
    record = _extract(seeds_dir / "004_da9373b7adbb6a20.txt")
    items = record["items"]
    assert [i["seq"] for i in items] == list(range(1, 137))
    by_seq = {i["seq"]: i for i in items}
    assert by_seq[65]["task"].startswith("1.")  # "651." is row 65 whose task starts "1."
    assert len(by_seq[21]["lead_units"]) == 3
    assert all(i["progress"] for i in items)


@pytest.mark.parametrize("case", STATUS_CASES, ids=[c["status"] + str(k) for k, c in enumerate(STATUS_CASES)])
def test_status_from_wording(case: dict) -> None:
    assert task_table.status_of(case["progress"] or None) == case["status"]
