"""Task rows written as numbered runs of labelled fields, all in one paragraph (issue 13).

Made-up texts in the shape of a real progress notice: each row is "N.task 牵头领导:… 责任单位:…
完成情况:…", the rows run on in one line. Reverting a rule turns its test red.
"""

from __future__ import annotations

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema

ROWS = (
    "现将项目进展情况公示如下。 1.新建公园2座。 牵头领导:甲某 责任单位:市园林局 项目责任人:乙某 "
    "完成情况:公园2座已建成开放。 2.改造管网30公里。 牵头领导:丙某 责任单位:市水务局 配合单位:市财政局 "
    "完成情况:已完成年度任务的40%,正在施工。 3.新增车位500个。 牵头领导:丙某 责任单位:市交通局 配合单位:各区"
)


def _items(text: str) -> list[dict]:
    record, groundings = prelabel(text, get_schema("task_progress"), None)
    assert check_invariant(text, groundings) == []
    return record["items"]


def test_numbered_rows_of_labelled_fields_in_one_paragraph() -> None:
    items = _items(ROWS)
    assert [(i["seq"], i["task"]) for i in items] == [
        (1, "新建公园2座。"),
        (2, "改造管网30公里。"),
        (3, "新增车位500个。"),
    ]
    assert [i["progress"] for i in items] == ["公园2座已建成开放。", "已完成年度任务的40%,正在施工。", None]
    assert [i["status"] for i in items] == ["completed", "in_progress", "unclear"]


def test_a_lead_leader_is_a_person_and_only_a_lead_unit_field_gives_lead_units() -> None:
    assert all(i["lead_units"] == [] for i in _items(ROWS))  # 牵头领导 and 责任单位 name no lead unit
    led = ROWS.replace("责任单位:市园林局", "牵头单位:市园林局、市住建局")
    assert _items(led)[0]["lead_units"] == ["市园林局", "市住建局"]


def test_a_leader_column_of_a_header_led_table_is_not_the_lead_unit() -> None:
    text = "进度表\n序号 | 任务 | 牵头领导 | 牵头单位 | 进展情况 |\n1 | 新建学校 | 甲某 | 县教育局 | 已建成。 |\n"
    assert _items(text)[0]["lead_units"] == ["县教育局"]


def test_a_numbered_list_with_one_field_per_item_is_not_read_as_field_rows() -> None:
    text = "通知如下: 1.提高认识,各单位要重视。 完成时限:6月底 2.加强督查,限期整改。 完成时限:年底"
    from annotate.extraction.rules.field_rows import field_rows

    assert field_rows(text, []) is None
