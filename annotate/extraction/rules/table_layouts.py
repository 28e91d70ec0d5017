"""Task tables in the layouts the run-together row reader does not see (``task_progress``).

- **Header-led tables**: a header row names the columns (序号 / 项目内容 / 当前进度 / 牵头单位 / 备注),
  either as a pipe row ("a | b | c |") or one header cell per line; the cells then follow in that
  order, a pipe row per table row or one cell per line with a bare row number opening each row.
  Columns are read by what their header says, so their order does not matter.
- **Merged cells** (pipe tables): a row whose first cell starts "57." opens item 57; a row opening
  with a circled number (②) continues it without the merged cells (the numbered cell, the leader
  and the lead unit), which it repeats.
- **Numbered lists** without a header are read by ``allocation_rows`` (lead units marked in the
  line, a target list with bureaus in parentheses) and ``field_rows`` (rows of labelled fields).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.allocation_rows import kpi_rows, labelled_rows
from annotate.extraction.rules.block_rows import NOTICE_TITLE_FORM, block_rows, caption, inline_rows, item_rows
from annotate.extraction.rules.evidence import weigh_rows
from annotate.extraction.rules.field_rows import field_rows
from annotate.extraction.rules.grouped_rows import grouped_rows
from annotate.extraction.rules.marked_rows import marked_rows, numbered_rows
from annotate.extraction.rules.row_cells import NUMBERED as _NUMBERED
from annotate.extraction.rules.row_cells import Rows
from annotate.extraction.rules.row_cells import item as _item
from annotate.extraction.rules.spaced_rows import line_rows, spaced_rows
from annotate.extraction.rules.spans import Quote, lines, quote, scored, trim

_H_SEQ = re.compile(r"^(?:序号|序號|编号|編號)$")
_H_LEAD = re.compile(r"牵头|牽頭|主责|主責")
_H_LEADER = re.compile(r"领导|領導")
_H_PROGRESS = re.compile(r"进度|進度|进展|進展|完成情况|完成情況|落实情况|落實情況|办理情|辦理情|推进情况|推進情況")
_H_CATEGORY = re.compile(r"备注|備註|类别|類別|类型|類型|目标类型|年度重点工作|重点工作$|^大类$|^大類$")
_H_TASK = re.compile(r"任务|任務|项目|項目|内容|內容|事项|事項|工作")
_BARE_NUMBER = re.compile(r"(?P<seq>\d{1,3})[.．、]?")
_ISSUED = re.compile(r"关于印发《?([^\s《]\S{3,40}?)》?的通知")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_H_TARGET = re.compile(r"^[^及和与與]*(?:目标|目標)[^及和与與]*$|安排$")
"""A column of what was planned (攻坚目标任务, 工作任务安排), unless it also names the tasks (细化任务及目标)."""
_H_UNITS = re.compile(r"单位|單位|部门|部門")

HEADER_ROW, MERGED_ROW = 0.9, 0.75
"""A row read under a header that names its columns, and a continuation row whose merged cells are
repeated from the row above."""


def _role(header: str) -> str | None:
    if _H_SEQ.match(header):
        return "seq"
    if _H_LEADER.search(header):  # 牵头领导 is a person, not a lead unit
        return "leader"
    if _H_LEAD.search(header):
        return "lead"
    if _H_PROGRESS.search(header):
        return "progress"
    if _H_CATEGORY.search(header):
        return "category"
    if _H_TARGET.search(header):  # 攻坚目标任务, 工作任务安排: what was planned, not the task's name
        return None
    if _H_TASK.search(header):
        return "task"
    return None


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


def _pipe_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    for k, (s, e) in enumerate(spans):
        sep = _sep(text, s, e)
        if sep is None:
            continue
        header = [_role(text[a:b]) for a, b in _cells(text, s, e, sep)]
        if "lead" not in header and "progress" not in header:
            continue
        items: list[dict[str, Any]] = []
        forms: list[Hashable] = []
        for rs, re_ in spans[k + 1 :]:
            cells = _cells(text, rs, re_, sep)
            if not cells:
                continue
            first = text[cells[0][0] : cells[0][1]]
            if (inner := _inner_seq(text, header, cells, items)) is not None:  # 序号 after a category column
                items.append(inner)
                forms.append("inner")
                continue
            m = _BARE_NUMBER.fullmatch(first) if header[0] == "seq" else _NUMBERED.match(first)
            if m and (not items or int(m.group("seq")) > items[-1]["seq"]):
                roles = _align(text, header, cells)
                merged = roles.pop("lead_merged", None) is not None
                if header[0] != "seq":  # the number is glued to the first cell: that cell is the category
                    c0 = roles.get(header[0] or "category", cells[0])
                    roles["category"] = (c0[0] + m.end(), c0[1])
                row = _item(text, roles, int(m.group("seq")), MERGED_ROW if merged else HEADER_ROW)
                if merged and items:
                    row["lead_units"] = items[-1]["lead_units"]  # the merged cell's units, the same values
                items.append(row)
                forms.append(len(cells))
            elif items and first and not _NUMBERED.match(first) and first[:1] not in _CIRCLED:
                last = all(pe <= ps for ps, pe in spans[spans.index((rs, re_)) + 1 :])
                piped = text.count(sep, rs, re_) > 0
                if (piped and all(b <= a for a, b in cells[1:])) or (last and not piped):
                    items.append(_continued(text, items[-1], cells[0], cut=not piped))
                    forms.append(("merged", piped))
            elif first[:1] in _CIRCLED and items:
                prev = items[-1]
                merged = [r for r in header if r not in ("category", "leader", "lead", "seq")]
                roles = _by_role(text, merged, cells)
                item = _item(text, roles, prev["seq"], MERGED_ROW)
                item["category"], item["lead_units"] = prev["category"], list(prev["lead_units"])
                items.append(item)
                forms.append(("merged", len(cells)))
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
            roles = _by_role(text, roles_of, cells)
            row = _item(text, roles, int(n.group("seq")), HEADER_ROW if at else MERGED_ROW)
            if at and "category" in roles:
                a, b = roles["category"]
                mark = _PART_MARK.match(text, a, b)
                row["category"] = quote(text, mark.end() if mark else a, b)
            elif items:
                row["category"] = items[-1]["category"]
            return row
    return None


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


def _short(text: str, cell: tuple[int, int]) -> bool:
    """A cell of a few words without clause marks: a verdict (顺利推进), not a progress report."""
    return cell[1] - cell[0] <= 8 and not re.search(r"[，,。；;：:]", text[cell[0] : cell[1]])


def _put(text: str, roles: dict[str, tuple[int, int]], r: str, c: tuple[int, int]) -> None:
    """Record cell ``c`` under role ``r``; of two progress columns the later one, except that a short
    verdict column after a progress report ("进展情况…" then "目标完成情况: 顺利推进") is the verdict."""
    if r == "progress" and r in roles and _short(text, c) and not _short(text, roles[r]):
        roles["verdict"] = c
    elif r not in roles or r == "progress":
        roles[r] = c


def _by_role(text: str, header: list[str | None], cells: list[tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Cells by their column's role; of two progress columns (1-10月, 1-11月) the later one."""
    roles: dict[str, tuple[int, int]] = {}
    for r, c in zip(header, cells, strict=False):
        if r and c[1] > c[0]:
            _put(text, roles, r, c)
    return roles


_INSTITUTION = re.compile(r"(?:局|委|办|辦|中心|部|队|隊|会|會|院|所|站|府|联|聯|公司)$")


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
                _put(text, roles, r, cells[j])
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
                _put(text, roles, r, cells[j])
        return roles
    return _by_role(text, header, cells)


def _cell_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """One cell per line: a run of header lines, then rows each opened by a bare row number."""
    nonempty = [(s, e) for s, e in spans if e > s]
    for k, (s, e) in enumerate(nonempty):
        if not _H_SEQ.match(text[s:e]):
            continue
        header: list[str | None] = ["seq"]
        j = k + 1
        while j < len(nonempty) and not _BARE_NUMBER.fullmatch(text, *nonempty[j]) and len(header) < 12:
            header.append(_role(text[nonempty[j][0] : nonempty[j][1]]))
            j += 1
        names_units = any(_H_UNITS.search(text, *nonempty[i]) for i in range(k + 1, j))
        header = ["seq", *_fit_header(text, nonempty[k + 1 : j], _row_width(text, nonempty, j))]
        if "lead" not in header and "progress" not in header and not names_units:
            continue
        if "task" not in header and "category" in header:  # "重点工作" is the task when nothing else is
            header[header.index("category")] = "task"
        items: list[dict[str, Any]] = []
        forms: list[Hashable] = []
        while j < len(nonempty):
            s0, e0 = nonempty[j]
            num = _BARE_NUMBER.fullmatch(text, s0, e0)
            # a number where the next row must start: rows of an excerpt may skip numbers (145, 249)
            if not num or (items and int(num.group("seq")) <= items[-1]["seq"]):
                break
            seq = int(num.group("seq"))
            row = nonempty[j + 1 : j + len(header)]
            nxt = [
                i
                for i, (a, b) in enumerate(row)
                if (n := _BARE_NUMBER.fullmatch(text, a, b)) and int(n.group("seq")) == seq + 1
            ]
            row = row[: nxt[0]] if nxt else row
            items.append(_item(text, _by_role(text, header[1:], row), seq, HEADER_ROW))
            forms.append(len(row))
            j += 1 + len(row)
        if items:
            return s, items, forms
    return None


def _row_width(text: str, spans: list[tuple[int, int]], j: int) -> int | None:
    """Cells per row of a one-cell-per-line table: the lines between row numbers 1 and 2."""
    first = _BARE_NUMBER.fullmatch(text, *spans[j]) if j < len(spans) else None
    if first is None:
        return None
    for i in range(j + 1, min(len(spans), j + 16)):
        n = _BARE_NUMBER.fullmatch(text, *spans[i])
        if n and int(n.group("seq")) == int(first.group("seq")) + 1:
            return i - j - 1
    return None


def _fit_header(text: str, cells: list[tuple[int, int]], width: int | None) -> list[str | None]:
    """Header roles for ``width`` columns. A header cell the page broke over lines ("责任" / "领导")
    comes as fragments: a fragment of one or two characters joins its shorter neighbour; if there are
    still too many, the first columns and the last (the progress report closing a row) are kept."""
    names = [text[a:b] for a, b in cells]
    if width is None or len(names) <= width:
        return [_role(n) for n in names]
    while len(names) > width:
        short = next((i for i, n in enumerate(names) if len(n) <= 2), None)
        if short is None:
            break
        left = len(names[short - 1]) if short > 0 else None
        right = len(names[short + 1]) if short + 1 < len(names) else None
        at = short - 1 if right is None or (left is not None and left <= right) else short
        names[at : at + 2] = [names[at] + names[at + 1]]
    if len(names) > width:
        names = names[: width - 1] + names[-1:]
    return [_role(n) for n in names]


def _spaced_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    return spaced_rows(text, spans, _role)


def _unpiped(text: str, s: int, e: int) -> tuple[int, int]:
    """A cell rendered on a line of its own with the column's "|" after it ("序号 |") without the "|"."""
    if e > s and text[e - 1] == "|" and text.count("|", s, e) == 1:
        return trim(text, s, e - 1)
    return s, e


def alternative_rows(text: str) -> tuple[Quote | None, list[dict[str, Any]]]:
    """``(title, items)`` from the first layout that reads rows; items lack status/indicators."""
    spans = [_unpiped(text, *trim(text, s, e)) for s, e in lines(text)]
    for reader in (
        _pipe_rows,
        grouped_rows,
        _cell_rows,
        _spaced_rows,
        labelled_rows,
        kpi_rows,
        marked_rows,
        field_rows,
        block_rows,
        item_rows,
        inline_rows,
        line_rows,
        numbered_rows,
    ):
        found = reader(text, spans)
        if found and not all(item["task"] for item in found[1]):  # a row without its task: misread
            found = None
        if found:
            at, items, forms = found
            weigh_rows(items, forms)  # a row breaking the table's sequence or form is in doubt
            title = None
            if reader in (labelled_rows, marked_rows):  # an allocation notice names its plan: 关于印发…的通知
                m = _ISSUED.search(text, 0, at)
                title = quote(text, m.start(1), m.end(1)) if m else None
                if title is None and (m := NOTICE_TITLE_FORM.match(text)):  # …关于…责任分解的通知: the notice's own
                    title = quote(text, m.start(), m.end())
            elif reader in (grouped_rows, block_rows, item_rows):  # a caption line, not a paragraph
                return caption(text, spans, at), items
            elif reader is inline_rows:  # a one-line page: the notice's own title opening it
                m = NOTICE_TITLE_FORM.match(text)
                return (scored([quote(text, m.start(), m.end())], 0.6)[0] if m else None), items
            elif reader is field_rows:  # rows run in the text: no caption line is theirs
                title = None
            elif reader is kpi_rows:  # a target list has no caption: the article's title line
                title = next((quote(text, ps, pe) for ps, pe in spans if pe > ps), None)
            else:  # the caption is the nearest caption-like line above the header (not its metadata)
                return caption(text, spans, at), items
            return (scored([title], 0.7)[0] if title else None), items
    return None, []
