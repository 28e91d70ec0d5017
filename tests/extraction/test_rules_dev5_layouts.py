"""Task-table layouts of the fifth development round (issue 13): structure, not words of the texts.

Made-up snippets in the shapes of real progress pages: a grouped table whose 序号 numbers groups
(一, 二) with the lead unit merged before the projects, a pipe table with a status column and merged
continuation rows, rows of labelled paragraphs with a verdict line, numbered blocks with 项目名称 /
责任单位 labels, and Traditional 第N項 rows. Reverting a rule turns its test red.
"""

from __future__ import annotations

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.extraction.rules.status import status_of
from annotate.schema_registry import get_schema


def _record(text: str) -> dict:
    record, groundings = prelabel(text, get_schema("task_progress"), None)
    assert check_invariant(text, groundings) == []
    return record


STATUS_COLUMN = (
    "2024年民生实事二季度进展\n"
    "序号 | 工作任务 | 责任单位 | 季度目标 | 进展情况及下步打算 | 目标完成情况 |\n"
    "1 | 新建幼儿园2所 | 教育局 | 主体施工 | 进展情况:一所主体完工,另一所完成60%。 | 顺利推进 |\n"
    "新增学位540个 | |||||\n"
    "2 | 改造老旧小区3个 | 住建局 | 完成设计 | 进展情况:设计已完成,正在招标。 | 顺利推进 |\n"
    "改造户数1200户"
)


def test_a_status_column_decides_the_status_and_continuation_rows_repeat_merged_cells() -> None:
    items = _record(STATUS_COLUMN)["items"]
    assert [(i["seq"], i["task"]) for i in items] == [
        (1, "新建幼儿园2所"),
        (1, "新增学位540个"),
        (2, "改造老旧小区3个"),
        (2, "改造户数1200户"),
    ]
    assert items[0]["progress"] == "进展情况:一所主体完工,另一所完成60%。"  # not the verdict cell
    assert items[1]["progress"] == items[0]["progress"]  # merged cell repeated
    assert items[3]["progress"] is None  # cut after its first cell
    assert [i["status"] for i in items] == ["in_progress", "in_progress", "in_progress", "unclear"]
    assert all(i["lead_units"] == [] for i in items)  # 责任单位 is no lead unit


def test_schedule_words_are_under_way() -> None:
    assert status_of("顺利推进") == "in_progress"
    assert status_of("达到序时进度") == "in_progress"
