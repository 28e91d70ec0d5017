"""Task rows told from headings by a unit field, however they are numbered (``task_progress``).

Notices and reports number their lines at several levels ("一、", "(一)", "1.") and use the same
markers for headings and for tasks, so a marker alone does not say which a line is. What does is a
unit field: a task names who carries it out, either closing its line in brackets
("(一)task。(牵头单位:X;配合单位:…)", "task。(责任单位:X、Y)") or on a labelled line of its own
below it ("责任单位:X、Y", "时限要求:…"). A marked line with such a field is a row, one without it a
heading whose text is the category of the rows under it. A row's number is its own marker; a row
with none (a meeting's decision under a "(一)<date> 常务会议" heading, or a marker the page's
encoding garbled) takes the heading's number right above it, else counts on from the row before.
Lines of running text under a row are its progress. Only 牵头 fields give lead units, and a 责任单位
list gives one only where the text says its first unit leads ("第一责任单位为牵头单位").
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.grouped_rows import numeral
from annotate.extraction.rules.row_cells import MARKED_LEAD, NUMBERED, Rows, item
from annotate.extraction.rules.spans import GLOSS, trim

_MARK = re.compile(
    r"\s*(?:[(（](?P<paren>[一二三四五六七八九十]{1,3}|\d{1,2})[)）]"
    r"|(?P<han>[一二三四五六七八九十]{1,3})[、.．]|(?P<arabic>\d{1,2})(?:[.．](?!\d)|、))\s*"
)
_FIELD = re.compile(
    r"(?P<kind>牵头|牽頭|主责|主責|主办|主辦|责任|責任)(?:责任|責任)?(?:单位|單位|部门|部門)\s*[:：]\s*"
)
_LABEL = re.compile(r"[\u4e00-\u9fff]{2,6}\s*[:：]")
_FIELDS_BEFORE = re.compile(r"(?:[\u4e00-\u9fff]{2,6}\s*[:：][^()（）:：,，;；]{1,40}[,，;；]\s*){1,3}")
"""Other labelled fields before the unit field in its bracket ("牵头领导:谢瑞武,")."""
_VERB_FIELD = re.compile(
    r"[(（](?P<units>[^()（）:：，,。]{2,60}?)(?:等(?:相关|相關|有关|有關)?(?:部门|部門|单位|單位))?"
    r"(?:分别|分別|按(?:照)?(?:职责|職責)分工)?(?:牵头|牽頭|主办|主辦|负责|負責)(?:[,，;；][^()（）]*)?[)）]\s*$"
)
"""Units named with their verb in the bracket closing a task: "(省发改委负责)", "(省财政厅主办,…协办)"."""
_GLUED = re.compile(r"[)）](?=\s*(?:[(（][一二三四五六七八九十]{1,3}[)）]|\d{1,2}[.．、](?!\d)))")
_RUN_ON = re.compile(r"\s+(?=[(（][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．](?!\d))")
"""A space before a row or heading marker, where a page flattened its lines into one ("…负责) 2.落实好…")."""
RUN_ON_MARKS = 3
_PROGRESS_FIELD = re.compile(
    r"\s*(?:[\u4e00-\u9fff]{0,4}(?:推进|推進|进展|進展|完成|落实|落實)(?:情况|情況)?|进度|進度"
    r"|(?:督查|督導|督导|检查|檢查|办理|辦理|处理|處理)(?:结果|結果|情况|情況))\s*[:：]\s*"
)
"""A labelled line under a row that reports on it ("推进情况:目前累计完成…", "项目进展:…")."""
_STATUS_GROUP = re.compile(
    r"(?:已|正在|尚未|未|基本)[^\s。，,；;:：]{0,10}(?:任务|任務|事项|事項|项目|項目)(?:共\s*\d+\s*[项項个個件])?"
)
"""A heading that sorts the rows under it by status ("已完成任务共2项", "尚未完全落实事项"): it states
their status, and is no category."""
_LEAD_HEADING = re.compile(
    r"(?P<units>[^\s，,。；;:：()（）]{2,40}?)(?:牵头|牽頭)(?:的|负责的|負責的)?(?:工作|任务|任務|事项|事項|项目|項目)"
    r"(?:\s*[(（]\s*\d+\s*[项項个個件条條]\s*[)）])?"
)
"""A heading naming the lead unit of every row under it ("一、县示范区管委会牵头工作(8项)"): the rows
carry no unit field of their own, and the heading is no category."""
_FIRST_LEADS = re.compile(r"第一(?:责任|責任)?(?:单位|單位|部门|部門)(?:为|為|是)(?:牵头|牽頭)")
_OPENERS = "[［(（【〔"
_GLOSS = re.compile(GLOSS)
_LEAD_MARK = re.compile(r"[(（](?:牵头|牽頭)[)）]")
HEADING_WIDTH = 60
CUT_ROW_CHARS = 10
"""A paragraph the page cut under a heading is a row only with some text ("(一" is a cut marker)."""

MARKED_ROW = 0.7
"""A row known by the unit field that closes it or follows it: the field says it is a task, but
where the task ends and which number it bears are read from weaker cues."""


def _number(m: re.Match[str]) -> int:
    word = m.group("paren") or m.group("han") or m.group("arabic")
    return int(word) if word.isdigit() else numeral(word)


def _kind(m: re.Match[str]) -> str:
    return next(k for k in ("paren", "han", "arabic") if m.group(k))


def _field_end(text: str, a: int, b: int) -> int:
    """Where a field's value ends: a closing bracket, a ";" or a bracketed note, glosses skipped."""
    i = a
    while i < b:
        if (g := _GLOSS.match(text, i, b)) is not None:
            i = g.end()
            continue
        if (lead := _LEAD_MARK.match(text, i, b)) is not None:  # "区住建委(牵头)、…": the list goes on
            i = lead.end()
            continue
        if text[i] in "]］)）】〕；;(（" or (text[i] in "，," and _LABEL.match(text, i + 1, b)):
            return i  # a bracket, a ";", or a comma before the next field ("…,协办单位:Y")
        i += 1
    return b


Field = tuple[str, int, int, int]
"""A unit field: kind ("lead" or "duty"), where its units start and end, where the task before it ends."""


def _field(text: str, s: int, e: int) -> Field | None:
    """The unit field closing line ``[s, e)`` in brackets, or opening it: a labelled field
    ("(牵头单位:X;…)", "责任单位:X") or units with their verb ("(省财政厅主办,省国税局协办)", "(X负责)")."""
    for m in _FIELD.finditer(text, s, e):
        kind = "duty" if m.group("kind") in ("责任", "責任") else "lead"
        if m.start() == s:
            return kind, m.end(), _field_end(text, m.end(), e), s
        opener = max(text.rfind(o, s, m.start()) for o in _OPENERS)
        if opener > s and m.start() - opener <= 4:  # "(责任单位:" or "(市级牵头单位:"
            return kind, m.end(), _field_end(text, m.end(), e), opener
        if opener > s and _FIELDS_BEFORE.fullmatch(text, opener + 1, m.start()):  # "(牵头领导:谢瑞武,牵头单位:"
            return kind, m.end(), _field_end(text, m.end(), e), opener
        closed = m.start() > s and text[m.start() - 1] in "。；;"
        if closed and not _LABEL.search(text, m.end(), e):  # "task。责任单位:X、Y。" (more fields: field_rows' run)
            return kind, m.end(), _field_end(text, m.end(), e), m.start()
    if (v := _VERB_FIELD.search(text, s, e)) and v.start() > s:
        return "lead", v.start("units"), v.end("units"), v.start()
    return None


def _unglue(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split lines where a row runs on into the next ("…(省发改委负责)(二)公共财政…", "…协办)2.重点…"), and a page
    flattened onto one line at the spaces before its markers (three or more of them on the line)."""
    out = []
    for s, e in lines:
        run_on = list(_RUN_ON.finditer(text, s, e))
        if len(run_on) >= RUN_ON_MARKS:
            for m in run_on:
                out.append((s, m.start()))
                s = m.end()
            out.append((s, e))
            continue
        for m in _GLUED.finditer(text, s, e):
            out.append((s, m.start() + 1))
            s = m.start() + 1
        out.append((s, e))
    return out


def marked_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    lines = _unglue(text, [(s, e) for s, e in spans if e > s])
    first_leads = bool(_FIRST_LEADS.search(text))
    items: list[dict[str, Any]] = []
    forms: list[Hashable] = []
    category: tuple[int, int] | None = None
    heading_no: int | None = None  # the number of a heading right above, for a row without one
    row: dict[str, Any] | None = None
    start = None
    row_kind = None  # how the rows' own markers are written: "(一)", "一、" or "1."
    pending: re.Match[str] | None = None
    pending_end = 0
    group: tuple[str, tuple[int, int]] | None = None  # a status-group heading's marker kind and text
    led: tuple[str, tuple[int, int]] | None = None  # a lead-unit heading's marker kind and units
    for s, e in lines:
        mark = _MARK.match(text, s, e)
        found = _field(text, s, e)
        if mark and not found and led and _kind(mark) != led[0]:  # a row under its lead unit's heading
            row = {"task": (mark.end(), e), "seq": _number(mark), "lines": [], "lead": led[1], "unit_kind": "heading"}
            items.append(row)
            start = s if start is None else start
            continue
        if mark and not found and (s, e) == lines[-1] and row_kind == _kind(mark):
            cut = {"task": (mark.end(), e), "seq": _number(mark), "lines": [], "unit_kind": "cut"}
            items.append(cut | ({"category": category} if category else {}))  # the page cut it before its field
            break
        long_or_said = e - s > HEADING_WIDTH or text[e - 1] in "。；;"  # a sentence, not a heading
        if mark and not found and long_or_said and not _below_is_row(text, lines, s):
            pending, pending_end, row = mark, e, None  # a task running over lines to its closing field
            continue
        if found and found[3] == s and row is not None:  # "责任单位:X" on a line below its row
            _put_field(text, row, found, first_leads)
            continue
        if found and mark and pending:  # the sentence-like marked line was a heading after all
            category, heading_no = trim(text, pending.end(), pending_end), _number(pending)
            pending = None
        if found:  # a task line closed by its field
            opened = mark or pending  # the marked line the task began on
            own = _number(opened) if opened else None
            seq = own or heading_no or (items[-1]["seq"] + 1 if items else 1)
            row = {"task": (opened.end() if opened else s, found[3]), "seq": seq, "lines": []}
            pending = None
            row_kind = _kind(mark) if mark else row_kind
            if category:
                row["category"] = category
            if group:
                row["verdict"] = group[1]
            _put_field(text, row, found, first_leads)
            items.append(row)
            start = s if start is None else start
            heading_no = None
        elif mark and not _LABEL.match(text, mark.end(), e) and _below_is_row(text, lines, s):
            row = {"task": (mark.end(), e), "seq": _number(mark), "lines": []}  # fields follow on their own lines
            row_kind = _kind(mark)
            if category:
                row["category"] = category
            if group:
                row["verdict"] = group[1]
            items.append(row)
            start = s if start is None else start
        elif mark and e - s <= HEADING_WIDTH:
            heading, heading_no, row, pending = trim(text, mark.end(), e), _number(mark), None, None
            led = None if led and led[0] == _kind(mark) else led
            if _STATUS_GROUP.fullmatch(text, *heading):
                group, category = (_kind(mark), heading), None
            elif units := _LEAD_HEADING.fullmatch(text, *heading):
                led, category = (_kind(mark), units.span("units")), None
            else:
                category = heading
                group = None if group and group[0] == _kind(mark) else group
        elif (
            row is None
            and not mark
            and heading_no is not None
            and items
            and (s, e) == lines[-1]
            and e - s >= CUT_ROW_CHARS
        ):
            cut = {"task": (s, e), "seq": heading_no, "lines": [], "unit_kind": "cut"}  # cut before its field
            items.append(cut | ({"category": category} if category else {}))
        elif row is not None and (label := _PROGRESS_FIELD.match(text, s, e)):
            row["lines"].append((label.end(), e))
        elif row is not None and not _LABEL.match(text, s, e):
            row["lines"].append((s, e))
    if pending is not None and items and lines:  # the page cut a task before its closing field
        cut = {"task": (pending.end(), lines[-1][1]), "seq": _number(pending), "lines": [], "unit_kind": "cut"}
        items.append(cut | ({"category": category} if category else {}))
    rows = [r for r in items if "unit_kind" in r]
    if len(rows) < 2 or start is None:
        return None
    out = []
    for r in rows:
        cells = {k: r[k] for k in ("task", "category", "lead", "duty", "verdict") if k in r}
        if r["lines"]:
            cells["progress"] = (r["lines"][0][0], r["lines"][-1][1])
        out.append(item(text, cells, r["seq"], MARKED_ROW))
    forms.extend(r["unit_kind"] for r in rows)
    return start, out, forms


def _below_is_row(text: str, lines: list[tuple[int, int]], s: int) -> bool:
    """A marked line whose next line is a unit field of its own: a task, its fields below it."""
    k = next(i for i, (a, _b) in enumerate(lines) if a == s)
    if k + 1 >= len(lines):
        return False
    a, b = lines[k + 1]
    return bool(_FIELD.match(text, a, b))


def _put_field(text: str, row: dict[str, Any], field: Field, first_leads: bool) -> None:
    """Record the field's units on ``row``: all of a lead field, the first of a 责任 field where the
    text says the first leads, none otherwise."""
    kind, start, end, _task_end = field
    row.setdefault("unit_kind", kind)
    if "lead" in row:
        return
    if kind == "lead":
        row["lead"] = trim(text, start, end)
    elif first_leads:
        stop = next((i for i in range(start, end) if text[i] in "、,，/／"), end)
        row["lead"] = trim(text, start, stop)
    elif MARKED_LEAD.search(text, start, end):  # "责任单位:区住建委(牵头)、区财政局"
        row["duty"] = (start, end)


PLAIN_ROW = 0.6
"""A row known only by its number and the report line under it: nothing names a unit or a column."""


def numbered_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """Numbered target lines, each followed by the line that reports on it ("1.全社会固定资产投资增速
    高于全省平均水平。" / "1-11月固定资产投资同比增长6.3%。"), with no unit named: at least three
    rows counting from 1, every one with its report, so the alternation is the table."""
    lines = [(s, e) for s, e in spans if e > s]
    rows: list[dict[str, Any]] = []
    part: tuple[int, int] | None = None  # the "二、重点项目进展情况" heading over the rows: their category
    for s, e in lines:
        m = NUMBERED.match(text, s, e)
        if m and int(m.group("seq")) == len(rows) + 1:
            rows.append({"task": (m.end(), e), "seq": len(rows) + 1, "lines": [], "at": s})
        elif m:
            break
        elif heading := _PART.match(text, s, e):
            if rows:
                break  # "三、存在的问题": the next part of the report, no row's report
            part = (heading.end(), e)
        elif rows and not _MARK.match(text, s, e):
            rows[-1]["lines"].append((s, e))
    last_cut = rows and not rows[-1]["lines"] and rows[-1]["task"][1] == lines[-1][1]  # the page's cut
    if len(rows) < 3 or any(not r["lines"] for r in (rows[:-1] if last_cut else rows)):
        return None
    out = []
    for r in rows:
        task_start, task_end = r["task"]
        if field := _FIELD.search(text, task_start, task_end):  # "…清理。责任单位:高新区。" names no lead
            task_end = field.start()
        cells = {"task": (task_start, task_end)} | ({"category": part} if part else {})
        if r["lines"]:
            label = _PROGRESS_FIELD.match(text, *r["lines"][0])  # "督查结果:任务完成较好。…"
            cells["progress"] = (label.end() if label else r["lines"][0][0], r["lines"][-1][1])
        out.append(item(text, cells, r["seq"], PLAIN_ROW))
    return rows[0]["at"], out, ["plain"] * len(out)


_PART = re.compile(r"[一二三四五六七八九十]{1,3}[、.．]\s*(?=[^\s。]{2,30}$)")
"""A report's part heading ("二、重点项目进展情况"), on a line of its own."""
PARALLEL_ROWS = 3
"""How many lines in a row must open the same way before an unnumbered list is read as a table."""
_FIRST_SENTENCE = re.compile(r"[^。！？!?\n]{4,80}?[。！？!?]")


def parallel_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """Unnumbered rows, one per line: the task as the line's first sentence and the report after it,
    every report opening with the same words ("2606个撤并村通公路(2013—2017年)。上半年已完成…" /
    "完成7.4万口山坪塘整治(2013—2017年)。上半年已全部完工。"). The shared opening is the column the
    page lost; the rows are numbered in the order they come."""
    lines = [(s, e) for s, e in spans if e > s]
    best: list[tuple[int, int, int]] = []  # (line start, task end, line end) of the longest run
    run: list[tuple[int, int, int]] = []
    opening = ""
    for s, e in lines:
        m = _FIRST_SENTENCE.match(text, s, e)
        head = text[m.end() : m.end() + 3] if m and e - m.end() >= 4 else ""
        if head and not _MARK.match(text, s, e) and head == opening:
            run.append((s, m.end(), e))
        else:
            run = [(s, m.end(), e)] if head and not _MARK.match(text, s, e) else []
            opening = head
        if len(run) > len(best):
            best = list(run)
    if len(best) < PARALLEL_ROWS:
        return None
    out = [item(text, {"task": (s, t), "progress": (t, e)}, k + 1, PLAIN_ROW) for k, (s, t, e) in enumerate(best)]
    return best[0][0], out, ["parallel"] * len(out)
