"""Cells of a task row, shared by the table readers: an item from its cells, lead units split.

A reader finds where each column's cell is (``[start, end)`` by role: category, task, lead,
progress); these helpers cut the values as Quotes with the reader's score.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.spans import Quote, quote, scored

Rows = tuple[int, list[dict[str, Any]], list[Hashable]]
"""Where a table starts, its items, and each item's form (for ``evidence.weigh_rows``)."""

NUMBERED = re.compile(r"(?P<seq>\d{1,3})\s*(?:[.．](?!\d)|、)")
"""A row number opening a line: "1." / "2、" / "3 ." (not a decimal "1.5"; "6、98年…" is row 6)."""
UNIT_SPLIT = "、,，/／；; "
LEAD_FIELD = re.compile(r"^(?:牵头|牽頭|主责|主責|主要责任|主要責任)(?:责任|責任)?(?:单位|單位|部门|部門)$")
"""A field label naming the lead units (牵头单位, 主责部门, 牵头责任单位); 牵头领导 names a person."""
DUTY_FIELD = re.compile(r"^(?:责任|責任)(?:单位|單位|部门|部門)$")
"""A field label naming the units responsible (责任单位), of which only one marked "(牵头)" leads."""


INSTITUTION_SUFFIX = (
    r"(?:局|委|办|辦|室|部|厅|廳|中心|院|署|队|隊|处|處|会|會|组|組|站|所|社|司|府|联|聯|公司|集团|集團)"
)
"""How an institution's name ends (区水务局, 市城管委, 县红十字会, 妇联, 岳阳电力公司): one list for
every table reader that tells a unit's cell or line from other text."""
INSTITUTION_END = re.compile(rf"{INSTITUTION_SUFFIX}$")
_INSTITUTION_END = re.compile(rf"(?:{INSTITUTION_SUFFIX}|区|區|县|縣|市|镇|鎮|街道)$")  # a unit, or a place
_PERSON = re.compile(r"[\u4e00-\u9fff]{2,3}")


UNIT_WIDTH = 24
"""The longest unit name read as one (the corpus's longest is 18: 市行政审批制度改革工作领导小组办公室)."""
_SENTENCE_MARK = re.compile(r"[:：。；;]")
_LEVEL_LABEL = re.compile(r"\s*[^:：\s]{0,8}(?:单位|單位|部门|部門)\s*[:：]")


def units(text: str, s: int, e: int, score: float) -> list[Quote]:
    """The unit names of a lead-unit cell, split at 、/,/spaces; a person's name written beside a unit
    ("市民政局 伍泽国", a cell "牵头单位及主要负责人") is left out: 2–3 characters with no institution's
    ending, next to a part that has one."""
    out, pos = [], s
    for i in range(s, e + 1):
        if i == e or text[i] in UNIT_SPLIT:
            label = _LEVEL_LABEL.match(text, pos, i)  # "区级牵头单位:区发改局": the next level's field
            q = quote(text, label.end() if label else pos, i)
            if q is not None:
                out.append(q)
            pos = i + 1
    if any(_INSTITUTION_END.search(str(q)) for q in out):
        out = [q for q in out if not (_PERSON.fullmatch(str(q)) and not _INSTITUTION_END.search(str(q)))]
    out = [q for q in out if len(q) <= UNIT_WIDTH and not _SENTENCE_MARK.search(q)]  # a report, not a name
    if out and e >= len(text.rstrip()) and not _INSTITUTION_END.search(str(out[-1])):
        out.pop()  # a name the page cut ("连江交通建设发展有")
    return scored(out, score)


MARKED_LEAD = re.compile(r"(?P<unit>[^、,，/／；;\s:：()（）]{2,24}?)\s*[(（](?:牵头|牽頭)[)）]")
"""A unit that a list of responsible units marks as leading: "区住建委(牵头)、区财政局"."""


def marked_leads(text: str, s: int, e: int, score: float) -> list[Quote]:
    """The units of a 责任单位 cell or field marked "(牵头)": the only lead units such a list names."""
    return scored([q for m in MARKED_LEAD.finditer(text, s, e) if (q := quote(text, *m.span("unit")))], score)


def item(text: str, cells: dict[str, tuple[int, int]], seq: int, score: float) -> dict[str, Any]:
    def q(role: str, strip: bool = True) -> Quote | None:
        span = cells.get(role)
        v = quote(text, *span, strip_punct=strip) if span else None
        return scored([v], score)[0] if v is not None else None

    lead, duty = cells.get("lead"), cells.get("duty")
    row = {
        "category": q("category"),
        "seq": seq,
        "task": q("task", False),
        "lead_units": units(text, *lead, score) if lead else marked_leads(text, *duty, score) if duty else [],
        "progress": q("progress", False),
    }
    if "verdict" in cells:  # a status column's cell: decides the status (see task_table), not a value
        row["verdict"] = q("verdict")
    return row
