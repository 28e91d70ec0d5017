"""A task table flattened onto one line, its cells separated only by spaces (``task_progress``).

Some pages keep a table's text but lose every cell border and line break: "…统计表 序号 承担的重点工作
完成状态 工作进展情况 牵头责任单位 一、努力完成… 1 全市生产总值增长x%。 序时推进 上半年,… 市发展改革委
2 …". What survives is the header after 序号 (which names the columns, so their order is known),
bare row numbers that count up by one, part headings ("一、…") between rows, and the spaces.
A free-text cell may itself hold spaces, so a row's cells are aligned from both ends: the columns
before the progress report take the first words, those after it the last, and the progress report
is everything between. A row the page cut keeps only the columns its words reach from the left.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.header_cells import PART_HEADING, role
from annotate.extraction.rules.row_cells import INSTITUTION_END, Rows, item

_SEQ_HEADER = re.compile(r"(?:^|[ \u3000])(?:序号|序號)(?=[ \u3000])")
_WORD = re.compile(r"[^ \u3000\t]+")
_PART = re.compile(r"[一二三四五六七八九十]{1,3}、(?P<name>\S+)$")
_STATE = re.compile(r"状态|狀態")
_UNIT_END = INSTITUTION_END
MAX_COLUMNS = 10

SPACED_ROW = 0.7
"""A cell of a table that lost its borders: where one cell ends and the next begins is read from
spaces, which free text also holds."""


def spaced_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """Rows of a one-line table whose header follows 序号 (its cells named by ``header_cells.role``)."""
    for s, e in spans:
        m = _SEQ_HEADER.search(text, s, e)
        if m is None:
            continue
        words = [(w.start(), w.end()) for w in _WORD.finditer(text, m.end(), e)]
        header: list[str | None] = []
        for a, b in words[:MAX_COLUMNS]:
            if re.fullmatch(r"\d{1,3}", text[a:b]) or _PART.match(text, a, b):
                break
            header.append("verdict" if _STATE.search(text, a, b) else role(text[a:b]))
        if "task" not in header and "category" in header:  # "承担的重点工作" is the task when nothing else is
            header[header.index("category")] = "task"
        if "progress" not in header or "task" not in header:
            continue
        found = _rows(text, words[len(header) :], header)
        if len(found[0]) >= 2:
            return m.start(), *found
    return None


def _rows(
    text: str, words: list[tuple[int, int]], header: list[str | None]
) -> tuple[list[dict[str, Any]], list[Hashable]]:
    """The rows among ``words``: each opened by the next bare number, a part heading between rows
    giving the category of the rows under it."""
    items: list[dict[str, Any]] = []
    forms: list[Hashable] = []
    category: tuple[int, int] | None = None
    row: list[tuple[int, int]] | None = None  # the open row's words; None between rows
    seq = 0

    def close(last: bool) -> None:
        if row:
            cells = _align(text, row, header, last=last)
            if category:
                cells.setdefault("category", category)
            items.append(item(text, cells, seq, SPACED_ROW))
            forms.append(len(row) >= len(header))

    for a, b in words:
        if text[a:b] == str(seq + 1):
            close(False)
            seq, row = seq + 1, []
        elif part := _PART.match(text, a, b):
            close(False)  # a part heading ends the row before it; the rows after it are under it
            category, row = part.span("name"), None
        elif row is not None:
            row.append((a, b))
    close(True)
    return items, forms


def _align(
    text: str, row: list[tuple[int, int]], header: list[str | None], *, last: bool
) -> dict[str, tuple[int, int]]:
    """Cells by role: the columns before the progress report from the left, those after it from
    the right, the progress report between them; a row cut by the page (the last one, its closing
    cell not a unit's name) keeps only what the left-hand alignment reaches."""
    p = len(header) - 1 - header[::-1].index("progress")
    before, after = header[:p], header[p + 1 :]
    cells: dict[str, tuple[int, int]] = {}
    for r, c in zip(before, row, strict=False):
        if r:
            cells.setdefault(r, c)
    rest = row[len(before) :]
    whole = not last or (after and "lead" in after and bool(rest) and _UNIT_END.search(text[rest[-1][0] : rest[-1][1]]))
    tail = rest[len(rest) - len(after) :] if whole and after and len(rest) > len(after) else []
    middle = rest[: len(rest) - len(tail)] if tail else rest
    for r, c in zip(after, tail, strict=False):
        if r:
            cells.setdefault(r, c)
    if middle:
        cells["progress"] = (middle[0][0], middle[-1][1])
    return cells


_ROW_START = re.compile(r"(?P<seq>\d{1,2})[ \u3000\t]+(?=\S)")
_HEADER_START = re.compile(r"(?:序号|序號)[ \u3000\t]+\S")
_DIGIT = re.compile(r"\d")
_RATE = re.compile(r"\d+(?:\.\d+)?\s*[%％]$")
_DASHES = re.compile(r"[-—－]+")
_DUTY = re.compile(r"责任|責任")

LINE_ROW = 0.7
"""A cell of a table printed one row per line with spaces between cells: a cell that holds a space,
or an empty cell, shifts every cell after it."""


def _is_task(text: str, a: int, b: int) -> bool:
    """A second cell that is itself a task (a sentence-like name), not a unit, a measure or a figure."""
    cell = text[a:b]
    return len(re.findall(r"[\u4e00-\u9fff]", cell)) >= 6 and not _UNIT_END.search(cell) and not _RATE.search(cell)


UNIT_IN_PROGRESS = 0.7
"""A progress read from a row holding an institution's name among its figures ("106345 114.1% 妇联"):
the row had more cells than the reader aligned, so the cells after the target are shifted."""


def line_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """A table one row per line, cells separated by spaces, under a "序号 …" header line: the task is
    the first cell, the target the first cell after it with a figure, the progress every cell after
    the target up to a closing institution cell, which is the lead unit unless the header names a
    责任单位 column (then the table names no lead units). A line without a row number continues the
    row above (a sub-task), repeating its lead unit when it has none of its own."""
    lines = [(s, e) for s, e in spans if e > s]
    k = next((i for i, (s, e) in enumerate(lines) if _HEADER_START.match(text, s, e)), None)
    if k is None:
        return None
    hs, he = lines[k]
    leads = not _DUTY.search(text, hs, he)
    items: list[dict[str, Any]] = []
    forms: list[Hashable] = []
    lead: tuple[int, int] | None = None
    lead_of_row: tuple[int, int] | None = None
    group: tuple[int, int] | None = None
    for s, e in lines[k + 1 :]:
        m = _ROW_START.match(text, s, e)
        if m and int(m.group("seq")) == (items[-1]["seq"] if items else 0) + 1:
            seq, start, lead = int(m.group("seq")), m.end(), None
        elif items:
            seq, start = items[-1]["seq"], s
        else:
            continue
        cells = [(w.start(), w.end()) for w in _WORD.finditer(text, start, e)]
        if not cells:
            continue
        row: dict[str, tuple[int, int]] = {"task": cells[0]}
        rest = cells[1:]
        if m:
            group = None
        if m and rest and _is_task(text, *rest[0]):  # "11 数字广播电视户户通工程 60座台站开展…": a project group
            group, row["task"], rest = cells[0], rest[0], rest[1:]
        if group:
            row["category"] = group
        if rest and leads and _UNIT_END.search(text[rest[-1][0] : rest[-1][1]]) and not _DIGIT.search(text, *rest[-1]):
            lead = rest.pop()  # the closing institution cell (备注: 交通局)
        if lead and leads:
            row["lead"] = lead
        target = next((i for i, (a, b) in enumerate(rest) if _DIGIT.search(text, a, b)), None)
        done = [c for c in rest[target + 1 :] if not _DASHES.fullmatch(text, *c)] if target is not None else []
        if done:
            row["progress"] = (done[0][0], done[-1][1])
            rate = next((c for c in reversed(done) if _RATE.search(text, *c)), None)
            if rate:
                row["verdict"] = rate  # the completion-rate column decides the status
        unit_inside = any(_UNIT_END.search(text[a:b]) and not _DIGIT.search(text, a, b) for a, b in done)
        read = item(text, row, seq, LINE_ROW * UNIT_IN_PROGRESS if unit_inside else LINE_ROW)
        if items and seq == items[-1]["seq"] and row.get("lead") == lead_of_row:
            read["lead_units"] = items[-1]["lead_units"]  # the row's own cell, repeated: one value
        lead_of_row = row.get("lead")
        items.append(read)
        forms.append("line")  # a sub-task line continues its row: the same form
    return (lines[k][0], items, forms) if len(items) >= 2 else None


_SENTENCE = re.compile(r"[。；;，,]")


def named_line_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """A short header with no figure columns ("序号 目标任务 责任单位 上半年推进情况"), one row per line:
    the cells are the header's columns in order (the task column, else the first; a column before it
    may number the rows another way: "序号 市折子号 …任务"). A row whose unit cell holds
    several units puts the others on lines of their own and its report on the line after them; part
    headings ("一、…", "(一)…") between rows are the category of the rows under them."""
    lines = [(s, e) for s, e in spans if e > s]
    k = next((i for i, (s, e) in enumerate(lines) if _HEADER_START.match(text, s, e)), None)
    if k is None:
        return None
    m = _SEQ_HEADER.search(text, *lines[k]) or re.match(r"(?:序号|序號)", text[lines[k][0] :])
    words = [text[a:b] for a, b in (w.span() for w in _WORD.finditer(text, lines[k][0] + m.end(), lines[k][1]))]
    roles = [role(w) for w in words]
    if not 2 <= len(words) <= 4 or any(_DIGIT.search(w) for w in words) or "progress" not in roles:
        return None
    unit_col = next((i for i, w in enumerate(words) if re.search(r"单位|單位|部门|部門", w)), None)
    leads = unit_col is not None and roles[unit_col] == "lead"
    rows: list[dict[str, Any]] = []
    category: tuple[int, int] | None = None
    for s, e in lines[k + 1 :]:
        n = _ROW_START.match(text, s, e)
        if n and int(n.group("seq")) > (rows[-1]["seq"] if rows else 0):
            cells = [w.span() for w in _WORD.finditer(text, n.end(), e)]
            row = {"seq": int(n.group("seq")), "cells": dict(zip(range(len(words)), cells, strict=False)), "units": []}
            if category:
                row["category"] = category
            rows.append(row)
        elif h := PART_HEADING.match(text, s, e):
            category = (h.end(), e)
        elif rows and unit_col is not None and _UNIT_END.search(text[s:e]) and not _SENTENCE.search(text, s, e):
            rows[-1]["units"].append((s, e))  # one more unit of the row's unit cell, on its own line
        elif rows and len(rows[-1]["cells"]) < len(words):
            rows[-1]["cells"][len(words) - 1] = (s, e)  # the report, after the units' lines
    if len(rows) < 2 or sum(len(r["cells"]) == len(words) for r in rows) * 2 < len(rows):
        return None
    items, forms = [], []
    for r in rows:
        t = roles.index("task") if "task" in roles else 0  # a column before it may number rows another way
        cells = {"task": r["cells"][t]} if t in r["cells"] else {}
        p = roles.index("progress")
        if p in r["cells"]:
            cells["progress"] = r["cells"][p]
        if "category" in r:
            cells["category"] = r["category"]
        read = item(text, cells, r["seq"], LINE_ROW)
        if leads and unit_col in r["cells"]:
            read["lead_units"] = [
                item(text, {"lead": u}, 0, LINE_ROW)["lead_units"][0] for u in [r["cells"][unit_col], *r["units"]]
            ]
        items.append(read)
        forms.append("named")
    return lines[k][0], items, forms
