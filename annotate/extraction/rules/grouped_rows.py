"""Grouped cell-per-line tables (``task_progress``): a 序号 column that numbers groups.

Some tables number a *group* of projects in their 序号 column with a Chinese numeral ("一", "二")
and merge the group's cells (its 牵头单位, a classification cell) down the rows of its projects.
Copied from the page, every cell stands on a line of its own (often with the column's "|" after it)
and the row breaks survive only as lines of bare pipes. What marks the structure:

- a header run of one cell per line from 序号, which names the columns (牵头单位, 项目名称, 进展…);
- a line that is only a Chinese numeral opens a group; the cells after it, up to the first project
  cell, are the group's merged cells, in the header's column order;
- a project cell opens with its own marker ("(一)…", "1.…"); a marked cell directly followed by a
  marked cell of the lower level is a heading, which is the category of the projects under it;
- the unmarked cells after a project cell are that row's remaining columns, in header order.

Each project row is an item: ``seq`` is the group's number, the lead unit is the group's merged
cell (repeated), the ``task`` is the project cell as written with its marker.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.row_cells import Rows, units
from annotate.extraction.rules.spans import Quote, quote, scored

_SEQ_HEADER = re.compile(r"^(?:序号|序號)$")
_GROUP = re.compile(r"^[一二三四五六七八九十]{1,3}$")
_LEVELS = (re.compile(r"^[(（][一二三四五六七八九十]{1,3}[)）]"), re.compile(r"^\d{1,2}[.．、](?!\d)"))
_PIPES = re.compile(r"^[|\s]*$")
_NUMERALS = "一二三四五六七八九十"

GROUP_ROW = 0.85
"""A project row of a grouped table: its columns come from the header's order and its lead unit
from the group's merged cell, both read across line breaks rather than from one row line."""


def numeral(word: str) -> int:
    """The value of a Chinese numeral up to 九十九 ("十二" -> 12)."""
    if "十" not in word:
        return _NUMERALS.index(word) + 1
    tens, _, ones = word.partition("十")
    return (_NUMERALS.index(tens) + 1 if tens else 1) * 10 + (_NUMERALS.index(ones) + 1 if ones else 0)


def _level(text: str, s: int, e: int) -> tuple[int, int] | None:
    """``(level, marker end)`` of a project cell ("(一)" level 0, "1." level 1), else None."""
    for lv, pat in enumerate(_LEVELS):
        if m := pat.match(text[s:e]):
            return lv, s + m.end()
    return None


def _roles(headers: list[str]) -> tuple[list[str | None], list[str | None]] | None:
    """The group columns' roles and the project row's remaining columns' roles, split at the
    project column (the last 项目/任务 header before the first progress header)."""
    progress = next((i for i, h in enumerate(headers) if re.search(r"进展|進展|进度|進度|完成情况|完成情況", h)), None)
    if progress is None:
        return None
    names = [i for i in range(progress) if re.search(r"名称|名稱|任务|任務|项目|項目", headers[i])]
    if not names:
        return None
    task = names[-1]

    def role(h: str) -> str | None:
        if re.search(r"领导|領導", h):
            return None
        if re.search(r"牵头|牽頭", h):
            return "lead"
        if re.search(r"进展|進展|进度|進度|完成情况|完成情況", h):
            return "progress"
        return None

    group = [role(h) or "category" for h in headers[1:task]]
    rest = [role(h) for h in headers[task + 1 :]]
    return group, rest


def grouped_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    cells = [(s, e) for s, e in spans if e > s and not _PIPES.match(text[s:e])]
    for k, (s, e) in enumerate(cells):
        if not _SEQ_HEADER.match(text[s:e]):
            continue
        j = k + 1
        while j < len(cells) and not _GROUP.match(text[cells[j][0] : cells[j][1]]) and j - k < 12:
            j += 1
        if j >= len(cells) or text[cells[j][0] : cells[j][1]] != "一":
            continue
        roles = _roles([text[a:b] for a, b in cells[k:j]])
        if roles is None:
            continue
        items, forms = _read(text, cells[j:], *roles)
        if items:
            return s, items, forms
    return None


def _read(
    text: str, cells: list[tuple[int, int]], group_roles: list[str | None], row_roles: list[str | None]
) -> tuple[list[dict[str, Any]], list[Hashable]]:
    items: list[dict[str, Any]] = []
    forms: list[Hashable] = []
    seq, lead, category = 0, [], None
    headings: dict[int, Quote | None] = {}
    i = 0
    while i < len(cells):
        s, e = cells[i]
        if _GROUP.match(text[s:e]):
            if numeral(text[s:e]) != seq + 1:
                break
            seq, lead, category, headings = numeral(text[s:e]), [], None, {}
            i += 1
            for r in group_roles:
                if i >= len(cells) or _level(text, *cells[i]) or _GROUP.match(text[cells[i][0] : cells[i][1]]):
                    break
                if r == "lead":
                    lead = units(text, *cells[i], GROUP_ROW)
                elif r == "category":
                    category = quote(text, *cells[i])
                i += 1
            continue
        lv = _level(text, s, e)
        if lv is None or not seq:
            i += 1
            continue
        nxt = _level(text, *cells[i + 1]) if i + 1 < len(cells) else None
        if nxt is not None and nxt[0] > lv[0]:  # a heading over lower-level projects
            headings = {k: v for k, v in headings.items() if k < lv[0]}
            headings[lv[0]] = quote(text, lv[1], e)
            i += 1
            continue
        headings = {k: v for k, v in headings.items() if k < lv[0]}
        row: dict[str, tuple[int, int]] = {}
        i += 1
        for r in row_roles:
            if i >= len(cells) or _level(text, *cells[i]) or _GROUP.match(text[cells[i][0] : cells[i][1]]):
                break
            if r and r not in row:
                row[r] = cells[i]
            i += 1
        cat = next((headings[k] for k in sorted(headings, reverse=True) if headings[k] is not None), category)
        progress = quote(text, *row["progress"], strip_punct=False) if "progress" in row else None
        task = quote(text, s, e, strip_punct=False)
        items.append(
            {
                "category": scored([cat], GROUP_ROW)[0] if cat is not None else None,
                "seq": seq,
                "task": scored([task], GROUP_ROW)[0] if task else None,
                "lead_units": list(lead),
                "progress": scored([progress], GROUP_ROW)[0] if progress else None,
            }
        )
        forms.append(("grouped", len(row)))
    return items, forms
