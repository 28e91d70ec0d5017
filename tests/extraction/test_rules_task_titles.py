"""Title and year of a task page without a table caption (issue 13): the notice's own title line,
the year its lead states before the first row, never a paragraph or a row's deadline."""

from __future__ import annotations

from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema


def _record(text: str) -> dict:
    return prelabel(text, get_schema("task_progress"), None)[0]


FIELD_ROWS = (
    "2019年市政府实事项目进展情况良好,现将完成情况公示。 1.新建公园2座。 牵头领导:甲某 责任单位:市园林局 "
    "完成情况:已建成。 2.改造管网。 牵头领导:乙某 责任单位:市水务局 完成情况:2020年底前完成。"
)


def test_without_a_caption_the_year_is_the_first_one_before_the_rows() -> None:
    record = _record(FIELD_ROWS)
    assert record["year"] == "2019"
    assert record["title"] is None  # a paragraph mentioning 完成情况 is not a caption
    assert _record(FIELD_ROWS.replace("2019年", ""))["year"] is None  # 2020年 is a row's deadline


def test_a_notice_without_its_table_keeps_its_own_title_and_year() -> None:
    text = "县政府办公室关于印发2022年重点任务分解方案的通知\n各乡镇、各部门:\n现将方案印发给你们,请认真贯彻执行。\n"
    record = _record(text)
    assert record["title"] == "县政府办公室关于印发2022年重点任务分解方案的通知"
    assert record["year"] == "2022" and record["items"] == []
