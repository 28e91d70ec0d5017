"""Task rows written as blocks of labelled paragraphs, and ``第N項`` rows (``task_progress``).

- **Labelled blocks**: a line opening with a row number ("1优化…", "01 项目名称:…", "03" alone)
  opens a row; the paragraphs after it are the row's columns, each opened by a label that names a
  column (牵头单位, 责任单位, 项目名称, 完成情况, 进展与成效, 具体情况…), with or without a colon,
  its value on the label's line or on the lines below up to the next label. The row numbers count
  up by one; a part heading ("一、…") between rows is the category of the rows under it.
  The task is the 项目名称 field, else the text after the row number. Only 牵头单位/牵头部门 give
  lead units. Of the progress fields, a short one (达到序时进度) is the verdict, which decides the
  status; the progress is the last long one (the detail, 具体情况).
- **第N項 rows**: "第一項:task。result。" lines numbered with Chinese numerals; the task is the
  first sentence, the rest of the line the progress. A row cut at its number is not a row.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from annotate.extraction.rules.grouped_rows import numeral
from annotate.extraction.rules.row_cells import LEAD_FIELD, Rows, units
from annotate.extraction.rules.spans import Quote, quote, scored

_START = re.compile(r"(?P<seq>\d{1,2})(?:\s*[.．、]\s*|\s+|$|(?=[\u4e00-\u9fff]))(?!\d)")
_LABEL = re.compile(
    r"(?P<label>[\u4e00-\u9fff]{0,6}?(?:单位|單位|部门|部門|领导|領導|责任人|責任人|负责人|負責人|名称|名稱|内容|內容|"
    r"完成情况|完成情況|进展情况|進展情況|进展与成效|進展與成效|具体情况|具體情況|落实情况|落實情況|推进情况|推進情況|"
    r"进度|進度|时限|時限|备注|備註))\s*(?:[:：]\s*|$)"
)
_HEADING = re.compile(r"[一二三四五六七八九十]{1,3}[、.．]\s*")
_NAME = re.compile(r"名称|名稱")
_SUB_MARK = re.compile(r"\s*[(（][一二三四五六七八九十\d]{1,3}[)）]")
_PROGRESS = re.compile(r"完成情|进展|進展|具体情况|具體情況|落实情|落實情|推进情|推進情|进度|進度")
_ITEM_NO = re.compile(r"第(?P<n>[一二三四五六七八九十]{1,3})[項项條条]\s*[:：]")

BLOCK_ROW, ITEM_ROW = 0.8, 0.75
"""A cell read from a labelled paragraph of a numbered block (the label names the column, but the
row is spread over paragraphs), and a cell of a 第N項 line (the task/progress split is a guess at the
first full stop)."""


def _label(text: str, s: int, e: int) -> re.Match[str] | None:
    return _LABEL.match(text, s, e)


def caption(text: str, spans: list[tuple[int, int]], at: int) -> Quote | None:
    """The nearest line above the rows that reads as a caption: no full stop, no label, no heading,
    at least six Han characters (a date line or a metadata field is not a caption)."""
    for s, e in reversed([(s, e) for s, e in spans if e > s and e <= at]):
        line = text[s:e]
        if "。" in line or ":" in line or "：" in line or _HEADING.match(line) or _SUB_MARK.match(line):
            continue
        if re.match(r"[?？•·●▪\-]", line):  # a bullet of the text, not a caption
            continue
        if line.count("|") >= 2:  # a row of cells (the page's metadata table), not a caption
            continue
        if len(re.findall(r"[\u4e00-\u9fff]", line)) >= 6:
            tag = re.match(r"【[^】]{1,8}】", line)  # "【落实情况】…": the site's column tag
            return scored([q], 0.7)[0] if (q := quote(text, s + (tag.end() if tag else 0), e)) else None
    return None


def block_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    nonempty = [(s, e) for s, e in spans if e > s]
    rows: list[tuple[int, re.Match[str], Quote | None]] = []  # (line index, number, category)
    category: Quote | None = None
    for k, (s, e) in enumerate(nonempty):
        if (h := _HEADING.match(text, s, e)) and not _label(text, h.end(), e):
            category = quote(text, h.end(), e)
            continue
        m = _START.match(text, s, e)
        if m and int(m.group("seq")) == (int(rows[-1][1].group("seq")) if rows else 0) + 1:
            if k + 1 < len(nonempty) and (_label(text, *nonempty[k + 1]) or _label(text, m.end(), e)):
                rows.append((k, m, category))
    if len(rows) < 2:
        return None
    items: list[dict[str, Any]] = []
    forms: list[Hashable] = []
    for r, (k, m, cat) in enumerate(rows):
        stop = rows[r + 1][0] if r + 1 < len(rows) else len(nonempty)
        block = nonempty[k:stop]
        block = next((block[:i] for i, (a, b) in enumerate(block) if i and _HEADING.match(text, a, b)), block)
        fields = _fields(text, block, m.end())
        if not fields:
            continue
        items.append(_row(text, int(m.group("seq")), cat, block[0], m.end(), fields))
        forms.append(("blocks", bool(items[-1]["lead_units"])))
    return (nonempty[rows[0][0]][0], items, forms) if len(items) >= 2 else None


def _fields(text: str, block: list[tuple[int, int]], first: int) -> list[tuple[str, int, int]]:
    """``(label, value start, value end)`` of each labelled field of a row's lines."""
    out: list[list[Any]] = []
    for i, (s, e) in enumerate(block):
        a = first if i == 0 else s
        lab = _label(text, a, e)
        if lab:
            out.append([lab.group("label"), lab.end(), e])
        elif out:
            if out[-1][1] >= out[-1][2]:
                out[-1][1] = s
            out[-1][2] = e
    return [(str(n), int(a), int(b)) for n, a, b in out]


def _row(
    text: str, seq: int, cat: Quote | None, line: tuple[int, int], after: int, fields: list[tuple[str, int, int]]
) -> dict[str, Any]:
    def q(a: int, b: int, strip: bool = False) -> Quote | None:
        v = quote(text, a, b, strip_punct=strip)
        return scored([v], BLOCK_ROW)[0] if v else None

    named = next(((a, b) for n, a, b in fields if _NAME.search(n) and b > a), None)
    opening = _label(text, after, line[1])
    task = q(*named) if named else (q(after, line[1]) if not opening else None)
    lead = next(((a, b) for n, a, b in fields if LEAD_FIELD.match(n) and b > a), None)
    said = [(a, b) for n, a, b in fields if _PROGRESS.search(n) and b > a]
    verdicts = [(a, b) for a, b in said if b - a <= 8 and not re.search(r"[，,。；;：:]", text[a:b])]
    details = [c for c in said if c not in verdicts]
    row: dict[str, Any] = {
        "category": scored([cat], BLOCK_ROW)[0] if cat is not None else None,
        "seq": seq,
        "task": task,
        "lead_units": units(text, *lead, BLOCK_ROW) if lead else [],
        "progress": q(*details[-1]) if details else None,
    }
    if verdicts:
        row["verdict"] = q(*verdicts[0], strip=True)
    return row


def item_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """Lines "第一項:task。result。" counting up from 一, or "(1)task。result。" from 1, in a report's
    prose; a line cut at its number is not a row. A short numbered line above ("1.就业促进工程。")
    is the category of the rows under it."""
    items: list[dict[str, Any]] = []
    first = None
    category: Quote | None = None
    for s, e in spans:
        if e <= s:
            continue
        m = _ITEM_NO.search(text, s, min(e, s + 8)) or _PAREN_NO.match(text, s, e)
        if m is None and (h := _SUB_HEADING.match(text, s, e)):
            category = quote(text, h.end(), e)
            continue
        n = (numeral(m.group("n")) if m.group("n") else int(m.group("d"))) if m else None
        if n is None or n != (items[-1]["seq"] if items else 0) + 1:
            continue
        stop = text.find("。", m.end(), e)
        task = quote(text, m.end(), stop + 1 if stop >= 0 else e, strip_punct=False)
        progress = quote(text, stop + 1, e, strip_punct=False) if stop >= 0 else None
        if task is None:
            continue
        first = s if first is None else first
        items.append(
            {
                "category": scored([category], ITEM_ROW)[0] if category else None,
                "seq": n,
                "task": scored([task], ITEM_ROW)[0],
                "lead_units": [],
                "progress": scored([progress], ITEM_ROW)[0] if progress else None,
            }
        )
    return (first, items, ["item"] * len(items)) if len(items) >= 2 and first is not None else None


_PAREN_NO = re.compile(r"[(（](?P<d>\d{1,2})[)）](?P<n>)")
_SUB_HEADING = re.compile(r"(?:\d{1,2}[.．、]|[(（][一二三四五六七八九十]{1,3}[)）])(?=[^。]{2,30}。?$)")
"""A short numbered line ("1.就业促进工程。", "(一)十项民生工程。"): a heading over (1)/(2) rows."""


NOTICE_TITLE_FORM = re.compile(
    r"[^\s。，,；;:：]{0,24}?[ \u3000]?(?:关于|關於|關于)[^。\n，,；;]{4,80}?的(?:通知|通报|通報|报告|報告|意见|意見|方案)"
)
"""The title of a notice or report opening the page ("…关于印发…方案的通知")."""
_MARK = re.compile(r"[(（](?P<n>[一二三四五六七八九十]{1,3})[)）]")
_INLINE_LABEL = re.compile(
    r"(?:主要内容|工作内容|项目内容|建设内容|主要內容|工作內容|項目內容|完成情况|完成情況|进展情况|進展情況|"
    r"推进情况|推進情況|牵头单位|牽頭單位|责任单位|責任單位)\s*[:：]"
)
_LED_BY = re.compile(r"由(?P<units>[^，,。；;:：由]{2,30}?)(?:牵头|牽頭)")
INLINE_ROW = 0.7
"""A cell of a row run inline with others ("(一)task主要内容:由X牵头,…完成情况:…"): the row
marker and the labels mark the cells, but nothing but the next marker ends the last one."""


def inline_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """Rows marked "(一)" "(二)"… counting up, each carrying inline labelled fields; the task runs
    from the marker to the first label, a "由X牵头" inside the row names its lead units, the
    progress is the 完成情况/进展情况 field up to the next row."""
    del spans
    marks: list[re.Match[str]] = []
    for m in _MARK.finditer(text):
        if numeral(m.group("n")) == len(marks) + 1:
            marks.append(m)
    items: list[dict[str, Any]] = []
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        labels = list(_INLINE_LABEL.finditer(text, m.end(), end))
        if not labels:
            if items:
                break
            continue
        task = quote(text, m.end(), labels[0].start(), strip_punct=False)
        led = _LED_BY.search(text, labels[0].end(), end)
        progress = None
        for j, lab in enumerate(labels):
            if _PROGRESS.search(lab.group(0)):
                stop = labels[j + 1].start() if j + 1 < len(labels) else end
                progress = quote(text, lab.end(), stop, strip_punct=False)
        items.append(
            {
                "category": None,
                "seq": numeral(m.group("n")),
                "task": scored([task], INLINE_ROW)[0] if task else None,
                "lead_units": units(text, led.start("units"), led.end("units"), INLINE_ROW) if led else [],
                "progress": scored([progress], INLINE_ROW)[0] if progress else None,
            }
        )
    return (marks[0].start(), items, ["inline"] * len(items)) if len(items) >= 2 else None
