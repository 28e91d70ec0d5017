"""Tables of yearly key tasks: category, number, task, lead units and completion text per row.

``clean`` is this genre's clean-up of a model's answer: a small model quotes a piece of the
completion cell ("全年…完成413.84亿元,完成调整后方案目标。") where the convention is the whole cell,
so a ``progress`` found in the text is widened to its cell — the rest of its row's line after the
task and the lead units. A cell already whole is left as it is.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from annotate.core.evidence import Derived

from ._common import Indicator, indicator_labels

RULES = "annotate.extraction.rules.task_table:extract"
"""The offline pre-labeler (``--backend rules``) for this genre."""
NAME = "task_progress"
DESCRIPTION = "Key-task completion table: one item per numbered row with lead units, progress and status."
KEYWORDS = {
    "牵头单位": 6, "牽頭單位": 6, "完成情况": 3, "完成情況": 3, "重点工作": 2, "重點工作": 2,
    "序号": 3, "序號": 3, "督办": 2, "督辦": 2,
}

Status = Literal["completed", "adjusted", "in_progress", "not_completed", "unclear"]


class TaskItem(BaseModel):
    category: str | None = Field(None, description="The row's category (类别) as written.")
    seq: int = Field(description="The row number (序号).")
    task: str = Field(description="The task text (重点督办内容), verbatim.")
    lead_units: list[str] = Field(default_factory=list, description="Each lead unit (牵头单位) as written.")
    progress: str | None = Field(None, description="The completion text (完成情况), verbatim.")
    status: Status = Field(
        "unclear",
        description=(
            "completed: done or exceeded; adjusted: target formally changed; in_progress: under way, "
            "not yet finished; not_completed: postponed, cancelled or missed; unclear: the text does not say."
        ),
    )
    indicators: list[Indicator] = Field(default_factory=list, description="Numbers reported in the completion text.")


class TaskProgress(BaseModel):
    title: str | None = Field(None, description="The table's title as written.")
    year: Derived | None = Field(None, description="The year the tasks belong to (e.g. 2020).")
    items: list[TaskItem] = Field(default_factory=list)


MODEL = TaskProgress

TITLE = ("重点任务完成情况表", "每个序号一行，画出督办内容、牵头单位、完成情况和状态")
"""What annotators read above the text in Label Studio: the genre's (title, hint)."""

LABELS = {  # what annotators read in Label Studio: (title, hint); the stored value stays the path
    "items[]": ("任务行", "表格的一整行：从序号到完成情况结束"),
    "items[].category": ("类别", "该行所属类别，照原文"),
    "items[].seq": ("序号", "行号"),
    "items[].task": ("督办内容", "重点督办内容原文"),
    "items[].lead_units[]": ("牵头单位", "每个牵头单位一项，照原文"),
    "items[].progress": ("完成情况", "完成情况整格原文"),
    "items[].status": ("状态", "按完成情况判断：已完成 / 已调整 / 推进中 / 未完成 / 不明确"),
    **indicator_labels("items[].indicators[]"),
    "title": ("表格标题", "表格标题原文"),
    "year": ("年份", "任务所属年份，如 2020"),
}
CHOICE_LABELS = {
    "items[].status": {"completed": "已完成", "adjusted": "已调整", "in_progress": "推进中",
                       "not_completed": "未完成", "unclear": "不明确"},
}  # fmt: skip


def _cell(value: str, text: str, item: dict) -> str:
    row = text.find(item["task"]) if item.get("task") else -1
    at = text.find(value, max(row, 0))
    if at < 0:
        return value
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at + len(value))
    end = len(text) if end < 0 else end
    for piece in [item.get("task") or "", *(item.get("lead_units") or [])]:
        found = text.rfind(piece, start, at) if piece else -1
        if found >= 0:
            start = max(start, found + len(piece))
    cell = text[start:end].strip()
    return cell if value in cell else value


def clean(record: dict, text: str) -> dict:
    """Each ``progress`` widened to its whole completion cell (see the module docstring)."""
    for item in record.get("items") or []:
        if item.get("progress"):
            item["progress"] = _cell(item["progress"], text, item)
    return record
