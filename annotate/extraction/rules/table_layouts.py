"""Task tables in the layouts the run-together row reader does not see (``task_progress``).

- **Header-led tables**: a header row names the columns (序号 / 项目内容 / 当前进度 / 牵头单位 / 备注),
  either as a pipe row ("a | b | c |") or one header cell per line; the cells then follow in that
  order, a pipe row per table row or one cell per line with a bare row number opening each row.
  Columns are read by what their header says, so their order does not matter.
- **Merged cells** (pipe tables): a row whose first cell starts "57." opens item 57; a row opening
  with a circled number (②) continues it without the merged cells (the numbered cell, the leader
  and the lead unit), which it repeats.
- **Allocation lists**: numbered task lines ("1.…" / "1、…") whose lead units are marked in one of
  the ways such notices write them: a labelled "牵头单位:" line below (or "[牵头单位:…;责任单位:…]"
  after the task on its own line), a closing "(A、B牵头,C负责)", or a line "部门分工:A牵头,B配合";
  "责任单位:" alone names no lead unit. The nearest part heading above ("一、…" or "(一)…") is
  the category.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.evidence import weigh_rows
from annotate.extraction.rules.spans import Quote, lines, quote, scored, trim

Rows = tuple[int, list[dict[str, Any]], list[Hashable]]
"""Where a table starts, its items, and each item's form (for ``evidence.weigh_rows``)."""

_H_SEQ = re.compile(r"^(?:序号|序號|编号|編號)$")
_H_LEAD = re.compile(r"牵头|牽頭|主责|主責")
_H_LEADER = re.compile(r"领导|領導")
_H_PROGRESS = re.compile(r"进度|進度|进展|進展|完成情况|完成情況|落实情况|落實情況|办理情|辦理情|推进情况|推進情況")
_H_CATEGORY = re.compile(r"备注|備註|类别|類別|类型|類型|目标类型|年度重点工作|重点工作$")
_H_TASK = re.compile(r"任务|任務|项目|項目|内容|內容|事项|事項|工作")
_H_ANY = re.compile(rf"{_H_SEQ.pattern[1:-1]}|{_H_LEAD.pattern}|{_H_PROGRESS.pattern}|单位|單位|部门|部門|备注|備註")
_NUMBERED = re.compile(r"(?P<seq>\d{1,3})\s*[.．、](?!\d)")
_BARE_NUMBER = re.compile(r"(?P<seq>\d{1,3})[.．、]?")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_H_UNITS = re.compile(r"单位|單位|部门|部門")
_LEAD_LABEL = re.compile(r"(?:牵头|牽頭)(?:单位|單位|部门|部門)\s*[:：]")
_OTHER_LABEL = re.compile(r"(?:责任|責任|配合|协同|協同)(?:单位|單位|部门|部門)\s*[:：]")
_PART = re.compile(r"[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十]{1,3}[)）]")
_ISSUED = re.compile(r"关于印发《?([^\s《]\S{3,40}?)》?的通知")
_LEAD_MARK = re.compile(r"牵头|牽頭")
_OPENERS = "[［(（【〔"
_UNIT_END = re.compile(r"(?:局|委|办|辦|室|部|厅|廳|中心|院|署|队|隊|处|處|会|會|组|組|站|所|社|司)$")
_UNIT_SPLIT = "、,，/／；; "

HEADER_ROW, MERGED_ROW, LABELLED_ROW, KPI_ROW, CUT_ROW = 0.9, 0.75, 0.9, 0.75, 0.6
"""A row read under a header that names its columns, a continuation row whose merged cells are
repeated from the row above, a numbered line with its own 牵头单位: label, and a lead unit read from
a parenthesis the page cut off (its other units may be missing)."""


def _role(header: str) -> str | None:
    if _H_SEQ.match(header):
        return "seq"
    if _H_LEAD.search(header):
        return "lead"
    if _H_LEADER.search(header):
        return "leader"
    if _H_PROGRESS.search(header):
        return "progress"
    if _H_CATEGORY.search(header):
        return "category"
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


def _units(text: str, s: int, e: int, score: float) -> list[Quote]:
    out, pos = [], s
    for i in range(s, e + 1):
        if i == e or text[i] in _UNIT_SPLIT:
            q = quote(text, pos, i)
            if q is not None:
                out.append(q)
            pos = i + 1
    return scored(out, score)


def _item(text: str, cells: dict[str, tuple[int, int]], seq: int, score: float) -> dict[str, Any]:
    def q(role: str, strip: bool = True) -> Quote | None:
        span = cells.get(role)
        v = quote(text, *span, strip_punct=strip) if span else None
        return scored([v], score)[0] if v is not None else None

    lead = cells.get("lead")
    return {
        "category": q("category"),
        "seq": seq,
        "task": q("task", False),
        "lead_units": _units(text, *lead, score) if lead else [],
        "progress": q("progress", False),
    }


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
            m = _BARE_NUMBER.fullmatch(first) if header[0] == "seq" else _NUMBERED.match(first)
            if m and (not items or int(m.group("seq")) > items[-1]["seq"]):
                roles = _align(text, header, cells)
                if header[0] != "seq":  # the number is glued to the first cell: that cell is the category
                    c0 = roles.get(header[0] or "category", cells[0])
                    roles["category"] = (c0[0] + m.end(), c0[1])
                items.append(_item(text, roles, int(m.group("seq")), HEADER_ROW))
                forms.append(len(cells))
            elif first[:1] in _CIRCLED and items:
                prev = items[-1]
                merged = [r for r in header if r not in ("category", "leader", "lead", "seq")]
                roles = _by_role(merged, cells)
                item = _item(text, roles, prev["seq"], MERGED_ROW)
                item["category"], item["lead_units"] = prev["category"], list(prev["lead_units"])
                items.append(item)
                forms.append(("merged", len(cells)))
        if items:
            return s, items, forms
    return None


def _by_role(header: list[str | None], cells: list[tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Cells by their column's role; of two progress columns (1-10月, 1-11月) the later one."""
    roles: dict[str, tuple[int, int]] = {}
    for r, c in zip(header, cells, strict=False):
        if r and (r not in roles or r == "progress"):
            roles[r] = c
    return roles


def _align(text: str, header: list[str | None], cells: list[tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Columns before the lead unit align from the left, those after it from the lead unit's cell."""
    roles: dict[str, tuple[int, int]] = {}
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
            if r and j < len(cells) and (i >= h_lead or j < c_lead) and (r not in roles or r == "progress"):
                roles[r] = cells[j]
        return roles
    return _by_role(header, cells)


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
        if "lead" not in header and "progress" not in header and not names_units:
            continue
        if "task" not in header and "category" in header:  # "重点工作" is the task when nothing else is
            header[header.index("category")] = "task"
        items: list[dict[str, Any]] = []
        forms: list[Hashable] = []
        while j < len(nonempty):
            s0, e0 = nonempty[j]
            want = items[-1]["seq"] + 1 if items else None
            num = _BARE_NUMBER.fullmatch(text, s0, e0)
            if not num or (want is not None and int(num.group("seq")) != want):
                break
            seq = int(num.group("seq"))
            row = nonempty[j + 1 : j + len(header)]
            nxt = [
                i
                for i, (a, b) in enumerate(row)
                if (n := _BARE_NUMBER.fullmatch(text, a, b)) and int(n.group("seq")) == seq + 1
            ]
            row = row[: nxt[0]] if nxt else row
            items.append(_item(text, _by_role(header[1:], row), seq, HEADER_ROW))
            forms.append(len(row))
            j += 1 + len(row)
        if items:
            return s, items, forms
    return None


_LEAD_SAID = re.compile(r"[:：]\s*(?P<units>[^:：，,。；;\n]{2,60}?)(?:牵头|牽頭)")


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


def _labelled_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
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
        items.append(_item(text, cells, seq, score))
        forms.append(form)
        first_k = k if first_k is None else first_k
    if not any(it["lead_units"] for it in items):
        return None
    return nonempty[first_k or 0][0], items, forms


_BUREAUS = re.compile(
    r"[(（](?P<units>[\u4e00-\u9fff]{2,14}?(?:局|委|办|辦|中心|部|院|署|厅|廳|队|隊|处|處)"
    r"(?:[/／、][\u4e00-\u9fff]{2,14}?(?:局|委|办|辦|中心|部|院|署|厅|廳|队|隊|处|處))*)[)）][。；;]?$"
)


def _kpi_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
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


def _unpiped(text: str, s: int, e: int) -> tuple[int, int]:
    """A cell rendered on a line of its own with the column's "|" after it ("序号 |") without the "|"."""
    if e > s and text[e - 1] == "|" and text.count("|", s, e) == 1:
        return trim(text, s, e - 1)
    return s, e


def alternative_rows(text: str) -> tuple[Quote | None, list[dict[str, Any]]]:
    """``(title, items)`` from the first layout that reads rows; items lack status/indicators."""
    spans = [_unpiped(text, *trim(text, s, e)) for s, e in lines(text)]
    for reader in (_pipe_rows, _cell_rows, _labelled_rows, _kpi_rows):
        found = reader(text, spans)
        if found:
            at, items, forms = found
            weigh_rows(items, forms)  # a row breaking the table's sequence or form is in doubt
            title = None
            if reader is _labelled_rows:  # an allocation notice names its plan: 关于印发…的通知
                m = _ISSUED.search(text, 0, at)
                title = quote(text, m.start(1), m.end(1)) if m else None
            elif reader is _kpi_rows:  # a target list has no caption: the article's title line
                title = next((quote(text, ps, pe) for ps, pe in spans if pe > ps), None)
            else:  # the caption is the line above the header
                title = next((quote(text, ps, pe) for ps, pe in reversed(spans) if pe > ps and pe <= at), None)
            return (scored([title], 0.7)[0] if title else None), items
    return None, []
