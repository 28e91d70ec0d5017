"""Task rows written as numbered runs of labelled fields (``task_progress``).

Some notices print each row as one run of text, often the whole list in one paragraph: a row
number ("1." / "2、"), the task, then the row's columns as labelled fields ("牵头领导:X 责任单位:Y
配合单位:Z 实际完成情况:…"). What marks the structure is that the labels are column names (a unit,
a leader, a person in charge, a deadline, the progress) and that the row numbers count up by one.
Only a 牵头单位/牵头部门 field gives lead units (a 牵头领导 is a person, 责任单位 is not a lead
unit); the progress is the field whose label says progress (完成情况, 进展情况, 进度).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.row_cells import DUTY_FIELD, LEAD_FIELD, marked_leads, units
from annotate.extraction.rules.spans import quote, scored, trim

_ROW = re.compile(r"(?<![^\s。；;])(?P<seq>\d{1,3})\s*[.．、](?!\d)")
_LABEL = re.compile(
    r"(?<![^\s，,。；;])(?P<label>[\u4e00-\u9fff]{0,6}?"
    r"(?:单位|單位|部门|部門|领导|領導|责任人|責任人|负责人|負責人|联系人|聯繫人|时限|時限|期限|备注|備註|"
    r"完成情况|完成情況|进展情况|進展情況|落实情况|落實情況|推进情况|推進情況|办理情形|辦理情形|进度|進度))\s*[:：]"
)
_PROGRESS = re.compile(r"完成情|进展|進展|落实情|落實情|推进情|推進情|办理情|辦理情|进度|進度")

FIELD_ROW = 0.85
"""A cell read from a labelled field of a numbered row: the label names the column, but where the
task ends (at the first label) and where the last field ends (at the next row) are inferred."""


def _row_starts(text: str) -> list[re.Match[str]]:
    """Row numbers counting up by one from 1, each followed (before the next) by a labelled field."""
    starts: list[re.Match[str]] = []
    for m in _ROW.finditer(text):
        want = starts[-1].group("seq") if starts else "0"
        if int(m.group("seq")) == int(want) + 1:
            starts.append(m)
    return starts


def field_rows(text: str, spans: list[tuple[int, int]]) -> tuple[int, list[dict[str, Any]], list[Hashable]] | None:
    """``(start, items, forms)`` of a numbered list whose rows carry labelled column fields, or None.

    A row ends where the next row number begins, the last one at the end of its line. At least two
    rows must hold two or more labelled fields, so that a numbered list of prose is not read as rows.
    """
    del spans  # rows here do not follow lines
    starts = _row_starts(text)
    items: list[dict[str, Any]] = []
    fielded = 0
    for k, m in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else _line_end(text, m.end())
        labels = list(_LABEL.finditer(text, m.end(), end))
        if not labels:
            if items:
                break
            continue
        fielded += len(labels) >= 2
        task = quote(text, m.end(), labels[0].start(), strip_punct=False)
        item: dict[str, Any] = {
            "category": None,
            "seq": int(m.group("seq")),
            "task": scored([task], FIELD_ROW)[0] if task else None,
            "lead_units": [],
            "progress": None,
        }
        for j, lab in enumerate(labels):
            stop = labels[j + 1].start() if j + 1 < len(labels) else end
            s, e = trim(text, lab.end(), stop)
            name = lab.group("label")
            if LEAD_FIELD.match(name) and e > s:
                item["lead_units"] = units(text, s, e, FIELD_ROW)
            elif DUTY_FIELD.match(name) and not item["lead_units"]:  # "责任单位:A(牵头)、B"
                item["lead_units"] = marked_leads(text, s, e, FIELD_ROW)
            elif _PROGRESS.search(name) and e > s and (p := quote(text, s, e, strip_punct=False)):
                item["progress"] = scored([p], FIELD_ROW)[0]
        items.append(item)
    if fielded < 2 or not items:
        return None
    return starts[0].start(), items, ["fields"] * len(items)


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end
