"""Numbered allocation lists and target lists (``task_progress``).

- **Allocation lists**: numbered task lines ("1.…" / "1、…") whose lead units are marked in one of
  the ways such notices write them: a labelled "牵头单位:" line below (or "[牵头单位:…;责任单位:…]"
  after the task on its own line), a closing "(A、B牵头,C负责)", or a line "部门分工:A牵头,B配合";
  "责任单位:" alone names no lead unit. The nearest part heading above ("一、…" or "(一)…") is
  the category.
- **Target lists**: numbered targets whose lines end with the bureaus in charge in parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.row_cells import INSTITUTION_END, Rows
from annotate.extraction.rules.row_cells import NUMBERED as _NUMBERED
from annotate.extraction.rules.row_cells import item as _item
from annotate.extraction.rules.spans import Quote, scored, trim

_LEAD_LABEL = re.compile(r"(?:牵头|牽頭)(?:责任|責任)?(?:单位|單位|部门|部門)\s*[:：]")
_OTHER_LABEL = re.compile(r"(?:责任|責任|配合|协同|協同)(?:单位|單位|部门|部門)\s*[:：]")
_PART = re.compile(r"[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十]{1,3}[)）]")
_LEAD_MARK = re.compile(r"牵头|牽頭")
_OPENERS = "[［(（【〔"
_UNIT_END = INSTITUTION_END

MERGED_ROW, LABELLED_ROW, KPI_ROW, CUT_ROW = 0.75, 0.9, 0.75, 0.6
"""A row whose lead unit is not marked (only its number continues the list), a numbered line with
its own 牵头单位: label, a target line with bureaus in parentheses, and a lead unit read from a
parenthesis the page cut off (its other units may be missing)."""


_LEAD_SAID = re.compile(r"(?:[:：,，]|^)\s*(?P<units>[^:：，,。；;\n]{2,60}?)(?:牵头|牽頭)(?=[,，、;；。]|$)", re.M)
""""部门分工:A牵头,B配合" or "由X副市长负责,A牵头,B配合": the units just before 牵头 in their clause."""


def _complete_units(text: str, s: int, e: int) -> tuple[int, int] | None:
    """``[s, e)`` shortened to its last whole unit name: the page was cut inside the unit list."""
    stop = None
    for i in range(s, e + 1):
        if (i == e or text[i] in "、,，/／") and i > s and _UNIT_END.search(text, s, i):
            stop = i
    return (s, stop) if stop else None


def _lead_of(
    text: str, block: list[tuple[int, int]], cut: bool, prev_paren: bool
) -> tuple[tuple[int, int] | None, int | None, float, str | None]:
    """``(lead span, task end, score, form)`` of a numbered row whose lines are ``block``.

    The forms are tried from the most explicit: a "牵头单位:" label (on the row's own line the task
    ends where the label's bracket opens), a closing parenthesis "(A、B牵头,…)", a labelled line
    "部门分工:A牵头,…". A parenthesis cut off by the end of the page keeps its whole unit names,
    but only when the row before used the same form: otherwise nothing says they lead.
    """
    s, e = block[0]
    for a, b in block:
        lm = _LEAD_LABEL.search(text, a, b)
        if lm:
            stop = _OTHER_LABEL.search(text, lm.end(), b)
            end = stop.start() if stop else b
            # the field ends at its bracket, or at the sentence end when the row runs on (its progress)
            end = next((i for i in range(lm.end(), end) if text[i] in "]］)）】〕。"), end)
            task_end = None
            if a == s:
                task_end = lm.start()
                level = max((text.rfind(o, max(s, task_end - 4), task_end) for o in _OPENERS), default=-1)
                if level > s:  # "(市级牵头单位:…": the bracket opens before the level the label names
                    task_end = level
                while task_end > s and text[task_end - 1] in _OPENERS + ",，":
                    task_end -= 1
            return (lm.end(), end), task_end, LABELLED_ROW, "label"
    opening = max(text.rfind("(", s, e), text.rfind("（", s, e))
    if opening > s and text[opening - 1] in "。；;.":
        mark = _LEAD_MARK.search(text, opening, e)
        if mark:
            return (opening + 1, mark.start()), opening, LABELLED_ROW, "paren"
        closed = any(text[i] in ")）" for i in range(opening, e))
        if cut and prev_paren and not closed and (whole := _complete_units(text, opening + 1, e)):
            return whole, opening, CUT_ROW, "paren"
    for a, b in block[1:]:
        said = _LEAD_SAID.search(text, a, b)
        if said:
            return (said.start("units"), said.end("units")), None, LABELLED_ROW, "said"
    return None, None, MERGED_ROW, None


def labelled_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """Numbered task lines whose lead units are marked (see ``_lead_of``) before the next numbered line."""
    nonempty = [(s, e) for s, e in spans if e > s]
    items: list[dict[str, Any]] = []
    forms: list[Hashable] = []
    category: tuple[int, int] | None = None
    first_k = None
    prev_paren = False
    for k, (s, e) in enumerate(nonempty):
        if (part := _PART.match(text, s, e)) and e - s <= 40:
            category = (part.end(), e)
            continue
        m = _NUMBERED.match(text, s, e)
        if not m:
            continue
        seq = int(m.group("seq"))
        block_end = next(
            (
                i
                for i in range(k + 1, len(nonempty))
                if _NUMBERED.match(text, *nonempty[i]) or _PART.match(text, *nonempty[i])
            ),
            len(nonempty),
        )
        lead, task_end, score, form = _lead_of(text, nonempty[k:block_end], k == len(nonempty) - 1, prev_paren)
        if lead is None and not (items and seq == items[-1]["seq"] + 1):
            continue
        if items and seq != items[-1]["seq"] + 1 and seq != 1:
            continue
        prev_paren = form == "paren"
        cells = {"task": (m.end(), task_end if task_end is not None else e)}
        if category:
            cells["category"] = category
        if lead:
            cells["lead"] = lead
            if lead[1] < e and text[lead[1]] == "。" and text[lead[1] + 1 : e].strip():
                cells["progress"] = trim(text, lead[1] + 1, e)  # "牵头部门:X。progress" on one line
        if "progress" not in cells and (said := _progress_line(text, nonempty[k + 1 : block_end])):
            cells["progress"] = said
        row = _item(text, cells, seq, score)
        row["lead_units"] = [_unlabelled(text, u) for u in row["lead_units"]]
        items.append(row)
        forms.append(form)
        first_k = k if first_k is None else first_k
    if not any(it["lead_units"] for it in items):
        return None
    return nonempty[first_k or 0][0], items, forms


_PROGRESS_LABEL = re.compile(r"(?:完成|落实|落實|推进|推進|进展|進展|办理|辦理)(?:情况|情況)\s*[:：]\s*")


def _progress_line(text: str, block: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The row's "完成情况:…" line below its task line: the text after the label."""
    for a, b in block:
        if (m := _PROGRESS_LABEL.match(text, a, b)) and m.end() < b:
            return m.end(), b
    return None


def _unlabelled(text: str, unit: Quote) -> Quote:
    """ "区级牵头单位:区发改局" -> "区发改局": one field holding the lead units of two levels
    ("市级牵头单位:A;区级牵头单位:B") is split at ";", which leaves the second label on its unit."""
    m = _LEAD_LABEL.search(text, unit.start, unit.end)
    if m is None or m.end() >= unit.end:
        return unit
    return scored([Quote(text, m.end(), unit.end)], unit.score)[0]


_BUREAUS = re.compile(
    r"[(（](?P<units>[\u4e00-\u9fff]{2,14}?(?:局|委|办|辦|中心|部|院|署|厅|廳|队|隊|处|處)"
    r"(?:[/／、][\u4e00-\u9fff]{2,14}?(?:局|委|办|辦|中心|部|院|署|厅|廳|队|隊|处|處))*)[)）][。；;]?$"
)


def kpi_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """A numbered target list whose lines end with the bureaus in charge in parentheses
    ("1.地区生产总值增长6%(区发改局/区统计局)"): the bureaus, split at "/", are the lead units."""
    nonempty = [(s, e) for s, e in spans if e > s]
    items: list[dict[str, Any]] = []
    forms: list[Hashable] = []
    category: tuple[int, int] | None = None
    first = None
    for s, e in nonempty:
        if (p := _PART.match(text, s, e)) and e - s <= 40 and not _BUREAUS.search(text, s, e):
            category = (p.end(), e)
            continue
        m = _NUMBERED.match(text, s, e)
        b = _BUREAUS.search(text, s, e) if m else None
        if not m or not b or (items and int(m.group("seq")) != items[-1]["seq"] + 1 and m.group("seq") != "1"):
            continue
        cells = {"task": (m.end(), b.start()), "lead": (b.start("units"), b.end("units"))}
        if category:
            cells["category"] = category
        items.append(_item(text, cells, int(m.group("seq")), KPI_ROW))
        forms.append("kpi")
        first = s if first is None else first
    return (first, items, forms) if len(items) >= 2 and first is not None else None
