"""Tables of yearly key tasks: category, number, task, lead units and completion text per row."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from annotate.core.evidence import Derived
from schemas._common import Indicator

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
