"""Lead units that a list of responsible units marks "(牵头)", in every layout that has such a list.

"责任单位:区住建委(牵头)、区财政局" names one lead unit among the units responsible; the convention
(tests/fixtures/real/README.md) gives 责任单位 no lead unit unless the text says which leads, and
this mark says it. Each case is a made-up table in a real layout: a field line under the row, a
bracket closing the row, a pipe table's 责任单位 column, a run of labelled fields. A list with no
mark keeps no lead unit; a numbered list whose rows close with "。责任单位:…" is still read as rows.
"""

from __future__ import annotations

import pytest

from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema

LAYOUTS = {
    "field line": (
        "2023年重点工作任务分解\n1.推进老旧小区改造,完成20个小区。\n责任单位:区住建委(牵头)、区财政局、各街道\n"
        "2.新建公园3个。\n责任单位:区财政局、区园林局（牵头）\n"
    ),
    "closing bracket": (
        "一、推进老旧小区改造,完成20个小区。(责任单位:区住建委(牵头)、区财政局)\n"
        "二、新建公园3个。(责任单位:区财政局、区园林局(牵头))\n"
    ),
    "pipe column": (
        "序号 | 重点任务 | 责任单位 | 进展情况 |\n1 | 推进老旧小区改造 | 区住建委(牵头)、区财政局 | 已完成 |\n"
        "2 | 新建公园3个 | 区财政局、区园林局(牵头) | 正在施工 |\n"
    ),
    "labelled fields": (
        "1.推进老旧小区改造 责任单位:区住建委(牵头)、区财政局 完成时限:12月 完成情况:已完成。"
        "2.新建公园3个 责任单位:区财政局、区园林局(牵头) 完成时限:10月 完成情况:正在施工。"
    ),
}


def _items(text: str) -> list[dict]:
    record, _ = prelabel(text, get_schema("task_progress"), {})
    return record["items"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_unit_marked_as_leading_is_the_lead_unit(layout: str) -> None:
    items = _items(LAYOUTS[layout])
    assert [i["seq"] for i in items] == [1, 2]
    assert [i["lead_units"] for i in items] == [["区住建委"], ["区园林局"]]


def test_a_list_with_no_mark_names_no_lead_unit() -> None:
    text = LAYOUTS["field line"].replace("(牵头)", "").replace("（牵头）", "")
    items = _items(text)
    assert [i["seq"] for i in items] == [1, 2] and all(i["lead_units"] == [] for i in items)


def test_rows_closed_by_an_inline_duty_field_are_rows() -> None:
    """ "1.task。责任单位:A、B。" with no report under it: the rows are there, the field ends the task."""
    text = "1.新建幼儿园5所。责任单位:区教委、区财政局。\n2.改造道路10条。责任单位:区交通局、区城管委。\n"
    items = _items(text)
    assert [(i["seq"], i["task"], i["lead_units"]) for i in items] == [
        (1, "新建幼儿园5所。", []),
        (2, "改造道路10条。", []),
    ]


def test_a_run_of_labelled_fields_after_the_task_stays_a_run_of_fields() -> None:
    """ "task。责任单位:X 完成时限:… 完成情况:…": more fields follow the unit field, so the row is a run
    of labelled fields and keeps its 完成情况, not a task closed by an inline unit field."""
    text = (
        "1.新建幼儿园5所。责任单位:区教委 完成时限:12月 完成情况:已建成3所。\n"
        "2.改造道路10条。责任单位:区交通局 完成时限:10月 完成情况:已全部完工。\n"
    )
    assert [i["progress"] for i in _items(text)] == ["已建成3所。", "已全部完工。"]


def test_a_main_responsible_unit_field_below_a_leader_field_names_the_lead_unit() -> None:
    """The dev6 t55 shape: "1.task。" / "牵头领导:常务副区长" / "主要责任单位:区发展改革委", each field on
    its own paragraph; a notice that says "各主要责任单位要…牵头抓总" makes 主要责任单位 the lead."""
    text = (
        "2023年重点工作分工方案\n\n一、经济发展目标\n\n  1.地区生产总值增长5%。\n\n  牵头领导:常务副区长\n\n"
        "  主要责任单位:区发展改革委\n\n  2.一般公共预算收入增长3%。\n\n  牵头领导:副区长\n\n  主要责任单位:区财政局\n"
    )
    record, _ = prelabel(text, get_schema("task_progress"), None)
    assert [(i["seq"], i["lead_units"], i["category"]) for i in record["items"]] == [
        (1, ["区发展改革委"], "经济发展目标"),
        (2, ["区财政局"], "经济发展目标"),
    ]
