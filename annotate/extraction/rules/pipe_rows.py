"""Task tables whose rows are pipe rows ("a | b | c |", Markdown or tab-separated) under a header
row (``task_progress``).

A row whose first cell is a bare number under 序号 (or "57." glued to its first cell) opens an item;
a row opening with a circled number (②) continues it without the merged cells (the numbered cell,
the leader and the lead unit), which it repeats; a row with only its first cell is a continuation
of merged cells; a row one cell short lost its merged lead-unit cell; a 序号 after a category
column numbers rows whose category cell is merged over the rows below.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.header_cells import BARE_NUMBER as _BARE_NUMBER
from annotate.extraction.rules.header_cells import HEADER_ROW, MERGED_ROW, by_role, name_and_plan, put, role
from annotate.extraction.rules.row_cells import INSTITUTION_END, Rows
from annotate.extraction.rules.row_cells import NUMBERED as _NUMBERED
from annotate.extraction.rules.row_cells import item as _item
from annotate.extraction.rules.spans import quote, scored, trim

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def _sep(text: str, s: int, e: int) -> str | None:
    """The cell separator of a table row line: "|" (pipe or Markdown rows) or a tab."""
    if text.count("|", s, e) >= 2:
        return "|"
    if text.count("\t", s, e) >= 2:
        return "\t"
    return None


def _cells(text: str, s: int, e: int, sep: str = "|") -> list[tuple[int, int]]:
    if sep == "|" and text.startswith("|", s):
        s += 1  # a Markdown row opens with "|"
    out, pos = [], s
    for i in range(s, e + 1):
        if i == e or text[i] == sep:
            out.append(trim(text, pos, i))
            pos = i + 1
    if out and out[-1][1] <= out[-1][0]:
        out.pop()  # the empty cell after a closing "|"
    return out


def pipe_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    for k, (s, e) in enumerate(spans):
        sep = _sep(text, s, e)
        if sep is None:
            continue
        names = [text[a:b] for a, b in _cells(text, s, e, sep)]
        header = name_and_plan(names, [role(n) for n in names])
        if "lead" not in header and "progress" not in header:
            continue
        items: list[dict[str, Any]] = []
        forms: list[Hashable] = []
        short_row = 0  # cells the last numbered row lacks: they may wrap onto the lines below it
        for rs, re_ in spans[k + 1 :]:
            cells = _cells(text, rs, re_, sep)
            if not cells:
                continue
            first = text[cells[0][0] : cells[0][1]]
            if (inner := _inner_seq(text, header, cells, items)) is not None:  # 序号 after a category column
                items.append(inner)
                forms.append("inner")
                short_row = 0
                continue
            m = _BARE_NUMBER.fullmatch(first) if header[0] == "seq" else _NUMBERED.match(first)
            if m and (not items or int(m.group("seq")) > items[-1]["seq"]):
                roles = _with_rate(text, header, cells, _align(text, header, cells))
                merged = roles.pop("lead_merged", None) is not None
                if header[0] != "seq":  # the number is glued to the first cell: that cell is the category
                    c0 = roles.get(header[0] or "category", cells[0])
                    roles["category"] = (c0[0] + m.end(), c0[1])
                row = _item(text, roles, int(m.group("seq")), MERGED_ROW if merged else HEADER_ROW)
                if merged and items:
                    row["lead_units"] = items[-1]["lead_units"]  # the merged cell's units, the same values
                items.append(row)
                forms.append(len(cells))
                short_row = len(header) - len(cells)
            elif items and short_row and len(cells) <= short_row and not m:
                continue  # the row above ran short of cells: its last ones wrapped onto this line
            elif items and first and not _NUMBERED.match(first) and first[:1] not in _CIRCLED:
                last = all(pe <= ps for ps, pe in spans[spans.index((rs, re_)) + 1 :])
                piped = text.count(sep, rs, re_) > 0
                if (piped and all(b <= a for a, b in cells[1:])) or (last and not piped):
                    items.append(_continued(text, items[-1], cells[0], cut=not piped))
                    forms.append(("merged", piped))
                    short_row = 0
                elif header[0] == "seq" and sum(b > a for a, b in cells) >= 2:  # a sub-row: its own cells
                    prev = items[-1]  # after the merged 序号 ("新增800张… | 810 | 101% | |")
                    roles = _with_rate(text, header[1:], cells, by_role(text, header[1:], cells))
                    row = _item(text, roles, prev["seq"], MERGED_ROW)
                    row["category"], row["lead_units"] = prev["category"], prev["lead_units"]
                    items.append(row)
                    forms.append(("merged", piped))
                    short_row = 0
            elif first[:1] in _CIRCLED and items:
                prev = items[-1]
                merged = [r for r in header if r not in ("category", "leader", "lead", "seq")]
                roles = by_role(text, merged, cells)
                item = _item(text, roles, prev["seq"], MERGED_ROW)
                item["category"], item["lead_units"] = prev["category"], list(prev["lead_units"])
                items.append(item)
                forms.append(("merged", len(cells)))
                short_row = 0
        if items:
            return s, items, forms
    return None


_PART_MARK = re.compile(r"[一二三四五六七八九十]{1,3}[、.．]\s*")


def _inner_seq(
    text: str, header: list[str | None], cells: list[tuple[int, int]], items: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """A row of a table whose 序号 is not the first column ("大类 | 序号 | 工作任务 | …"): the row that
    opens a category has its number under 序号; the rows after it lost the merged category cell, so
    their number comes first and their cells align from 序号, the category repeated."""
    if "seq" not in header or (q := header.index("seq")) == 0:
        return None
    want = items[-1]["seq"] + 1 if items else None
    for at, roles_of in ((q, header), (0, header[q:])):
        if at < len(cells) and (n := _BARE_NUMBER.fullmatch(text, *cells[at])):
            if want is not None and int(n.group("seq")) != want and at == 0:
                return None
            roles = by_role(text, roles_of, cells)
            row = _item(text, roles, int(n.group("seq")), HEADER_ROW if at else MERGED_ROW)
            if at and "category" in roles:
                a, b = roles["category"]
                mark = _PART_MARK.match(text, a, b)
                row["category"] = quote(text, mark.end() if mark else a, b)
            elif items:
                row["category"] = items[-1]["category"]
            return row
    return None


_RATE = re.compile(r"\d+(?:\.\d+)?\s*[%％]")


def _with_rate(
    text: str, header: list[str | None], cells: list[tuple[int, int]], roles: dict[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    """A completion-rate cell right after the progress cell, under a header that names no column
    ("完成情况 | 占全年计划": "4385 | 110%"): part of the progress, and the verdict on the status."""
    if "progress" not in roles or "verdict" in roles or roles["progress"] not in cells:
        return roles
    k = cells.index(roles["progress"])
    if k + 1 < len(cells) and k + 1 < len(header) and header[k + 1] is None and _RATE.fullmatch(text, *cells[k + 1]):
        roles["progress"] = (roles["progress"][0], cells[k + 1][1])
        roles["verdict"] = cells[k + 1]
    return roles


CUT_ROW = 0.6
"""A row the page cut before its merged cells: only its first cell is there."""


def _continued(text: str, prev: dict[str, Any], cell: tuple[int, int], *, cut: bool) -> dict[str, Any]:
    """A continuation row of merged cells ("新增学位810个 | |||||"): its only cell is the task, the
    merged cells (progress, verdict, lead units) are the row above's; a row the page cut after its
    first cell (no column separator) keeps only the task."""
    task = quote(text, *cell, strip_punct=False)
    row = {
        "category": prev["category"],
        "seq": prev["seq"],
        "task": scored([task], CUT_ROW if cut else MERGED_ROW)[0] if task else None,
        "lead_units": list(prev["lead_units"]),
        "progress": None if cut else prev["progress"],
    }
    if not cut and "verdict" in prev:
        row["verdict"] = prev["verdict"]
    return row


_INSTITUTION = INSTITUTION_END


def _lead_merged(text: str, header: list[str | None], cells: list[tuple[int, int]]) -> bool:
    """A row one cell short: its lead-unit cell was merged with the row above's, so the cell under the
    lead column is the next column's (a progress report), and the last cell is empty."""
    h_lead = header.index("lead")
    if h_lead >= len(cells) or len(cells) < len(header) - 1:
        return False
    under = text[cells[h_lead][0] : cells[h_lead][1]]
    last_empty = len(cells) < len(header) or cells[-1][1] <= cells[-1][0]
    return last_empty and bool(under) and not _INSTITUTION.search(under) and len(under) > 15


def _align(text: str, header: list[str | None], cells: list[tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Columns before the lead unit align from the left, those after it from the lead unit's cell."""
    roles: dict[str, tuple[int, int]] = {}
    if "lead" in header and _lead_merged(text, header, cells):  # the row lost its merged lead-unit cell
        h_lead = header.index("lead")
        for i, r in enumerate(header):
            j = i if i < h_lead else i - 1
            if r and r != "lead" and j < len(cells) and cells[j][1] > cells[j][0]:
                put(text, roles, r, cells[j])
        roles["lead_merged"] = (0, 0)
        return roles
    if "lead" in header:
        h_lead = header.index("lead")
        c_lead = next(
            (
                i
                for i in range(min(h_lead, len(cells) - 1), -1, -1)
                if re.search(r"(?:局|委|办|辦|中心|部|队|隊)$", text[cells[i][0] : cells[i][1]])
            ),
            min(h_lead, len(cells) - 1),
        )
        for i, r in enumerate(header):
            j = i if i < h_lead else c_lead + (i - h_lead)
            if r and j < len(cells) and (i >= h_lead or j < c_lead):
                put(text, roles, r, cells[j])
        return roles
    return by_role(text, header, cells)
