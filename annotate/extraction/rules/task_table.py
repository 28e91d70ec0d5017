"""Rules for key-task completion tables (``task_progress``).

Copied from a web page, such a table loses its cell borders: a row becomes
"category + number + task + lead unit(s) + completion text" run together on one line, or is spread
over several lines when a cell held line breaks (the lead units on lines of their own, the
completion text on a later line). The rules therefore rely on what survives: row numbers count up
by one, categories repeat, lead units are institution names (区…委/局/办/中心, 分局, 支队, with an
optional "(区重大办)" alias), and the completion text's wording says whether the task was done.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from annotate.extraction.rules.block_rows import NOTICE_TITLE_FORM as _NOTICE_TITLE
from annotate.extraction.rules.numbers import indicators
from annotate.extraction.rules.spans import Quote, is_space, lines, quote, scored, trim
from annotate.extraction.rules.status import status_of
from annotate.extraction.rules.table_layouts import alternative_rows

_ROW = re.compile(r"(?P<cat>[\u4e00-\u9fff“”\"（）()、·]{2,40}?)(?P<seq>\d{1,4})(?=\S)")
_SUFFIX = (
    r"(?:委员会|委員會|管委会|管委會|办事处|辦事處|指挥部|指揮部|办公室|辦公室|分局|支队|支隊|大队|大隊|"
    r"分中心|中心|残联|殘聯|法院|检察院|檢察院|委|局|办|辦)"
)
_ALIAS = r"(?:[\s\xa0]*[(（][^()（）\n]{1,15}[)）])?"
_BRANCH = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:分局|支队|支隊|分中心)")
_RARE_UNIT = re.compile(rf"[\u4e00-\u9fff]{{2,10}}?(?:指挥部|指揮部|管委会|管委會|支队|支隊|办事处|辦事處){_ALIAS}")
_ANY_UNIT = re.compile(rf"[\u4e00-\u9fff]{{2,14}}?{_SUFFIX}{_ALIAS}")
_BOUNDARY = set("。；;.!！?？")


def _place(text: str) -> str | None:
    """The district the table belongs to (most frequent "XX区"), an allowed start of unit names."""
    counts = Counter(m.group(1) for m in re.finditer(r"([\u4e00-\u9fff]{2})区", text))
    for word, _ in counts.most_common(3):
        if not word.endswith(("城", "街", "社", "地", "小", "园", "校", "辖", "全", "本", "各", "市", "片", "景")):
            return word
    return counts.most_common(1)[0][0] if counts else None


class _UnitFinder:
    """Finds lead-unit names on a row line; knows the district so "西城交通支队" counts too."""

    def __init__(self, text: str) -> None:
        place = _place(text)
        prefixes = "各|区|區|市|北京" + (f"|{re.escape(place)}" if place else "")
        self.prefixed = re.compile(rf"(?:{prefixes})[\u4e00-\u9fff]{{0,14}}?{_SUFFIX}{_ALIAS}")

    def match_at(self, text: str, pos: int, end: int, *, loose: bool = False) -> tuple[int, int] | None:
        m = self.prefixed.match(text, pos, end)
        if m is None:
            m = (_ANY_UNIT if loose else _RARE_UNIT).match(text, pos, end)
        if m is None:
            return None
        stop = m.end()
        if not re.search(r"[)）]\s*$", m.group(0)):
            b = _BRANCH.match(text, stop, end)
            if b:
                stop = b.end()
        return m.start(), stop

    def first(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The lead unit that ends the task: first at a sentence/space boundary, else anywhere."""
        boundaries = [start] + [i + 1 for i in range(start, end) if text[i] in _BOUNDARY or is_space(text[i])]
        for loose in (False,):
            for b in boundaries:
                while b < end and is_space(text[b]):
                    b += 1
                m = self.prefixed.match(text, b, end)
                if m and b > start:
                    return self.match_at(text, b, end, loose=loose)
        for b in boundaries:
            while b < end and is_space(text[b]):
                b += 1
            if b > start and _RARE_UNIT.match(text, b, end):
                return self.match_at(text, b, end)
        for i in range(start + 2, end):
            if self.prefixed.match(text, i, end):
                return self.match_at(text, i, end)
        return None

    def following(self, text: str, pos: int, end: int) -> list[tuple[int, int]]:
        """Further units right after a unit, separated by spaces or 、 (several lead units on one line)."""
        out = []
        while True:
            p = pos
            while p < end and (is_space(text[p]) or text[p] in "、/"):
                p += 1
            if p == pos:
                return out
            m = self.match_at(text, p, end, loose=True)
            if m is None:
                return out
            out.append(m)
            pos = m[1]


def _is_unit_line(text: str, s: int, e: int) -> bool:
    """A line that holds only a unit name: short, no sentence punctuation."""
    body = text[s:e]
    return 2 <= len(body) <= 30 and not re.search(r"[。，,；;：:！？!?]", body)


CLEAN_SEQ, GLUED_SEQ = 0.95, 0.7
"""A row whose number is exactly the next in sequence, against one whose digits run on into the
task ("12022年…" read as row 1): the row is probably right, its split less so."""
SAME_LINE_UNIT, OWN_LINE_UNIT = 0.9, 0.75
"""A lead unit found on the row's own line after the task, against one on a line of its own."""


def _rows(text: str) -> list[tuple[int, int, int, int, int]]:
    """``(line_index, cat_start, cat_end, seq, seq_end)`` for each table row, in order."""
    out = []
    prev = None
    for idx, (s, e) in enumerate(lines(text)):
        s, e = trim(text, s, e)
        m = _ROW.match(text, s, e)
        if not m:
            continue
        digits = m.group("seq")
        if prev is None:
            if digits != "1" and not digits.startswith("1"):
                continue
            seq = 1 if digits.startswith("1") else int(digits)
        else:
            want = str(prev + 1)
            if not digits.startswith(want):
                continue
            seq = prev + 1
        seq_end = m.start("seq") + len(str(seq))
        out.append((idx, m.start("cat"), m.end("cat"), seq, seq_end))
        prev = seq
    return out


_CAPTION_END = re.compile(r"(?:表|清单|清單|情况|情況|台账|臺賬|一览|一覽|计划|計劃|方案)\s*$")


def _title(text: str) -> Quote | None:
    line_spans = [trim(text, s, e) for s, e in lines(text)]
    for k, (s, e) in enumerate(line_spans):
        if "序号" in text[s:e] or "序號" in text[s:e]:
            for ps, pe in reversed(line_spans[:k]):
                if pe > ps:
                    mark = re.match(r"[一二三四五六七八九十]{1,3}[、.．]", text[ps:pe])  # "一、…表": a numbered caption
                    if mark and not _CAPTION_END.search(text, ps, pe):
                        return None  # "一、政府投资类": the first part's heading, no caption
                    return quote(text, ps + (mark.end() if mark else 0), pe)
    for s, e in line_spans:  # a caption line, not a paragraph or a metadata field that mentions 完成情况
        if ("完成情况" in text[s:e] or "完成情況" in text[s:e]) and not re.search(r"[。:：]", text[s:e]):
            return quote(text, s, e)
    return None


def extract(text: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The task_progress record for ``text``; string values are Quotes (spans of ``text``)."""
    finder = _UnitFinder(text)
    all_lines = lines(text)
    rows = _rows(text)
    items = []
    for r, (idx, cs, ce, seq, seq_end) in enumerate(rows):
        _, le = trim(text, *all_lines[idx])
        next_idx = rows[r + 1][0] if r + 1 < len(rows) else len(all_lines)
        units: list[tuple[int, int]] = []
        task_end = le
        progress_span: tuple[int, int] | None = None
        first = finder.first(text, seq_end, le)
        if first:
            units = [first, *finder.following(text, first[1], le)]
            task_end = first[0]
            if units[-1][1] < le:
                progress_span = (units[-1][1], le)
        on_row_line = len(units)
        # Continuation lines: lead units on lines of their own, then the completion text.
        for k in range(idx + 1, next_idx):
            s, e = trim(text, *all_lines[k])
            if e <= s:
                continue
            if progress_span is None and _is_unit_line(text, s, e):
                if r + 1 >= len(rows) and not units and k > idx + 8:
                    break
                units.append((s, e))
                continue
            if _is_unit_line(text, s, e) and progress_span is not None and r + 1 >= len(rows):
                break  # after the last row: page furniture, not table text
            if progress_span is None:
                progress_span = (s, e)
            elif r + 1 < len(rows):
                progress_span = (progress_span[0], e)
            else:
                break
        progress = quote(text, *progress_span, strip_punct=False) if progress_span else None
        if progress is not None:
            ps, pe = trim(text, progress.start, progress.end)
            progress = quote(text, ps, pe, strip_punct=False)
        row_score = CLEAN_SEQ if seq_end < le and not text[seq_end].isdigit() else GLUED_SEQ
        leads = [(q, k < on_row_line) for k, (a, b) in enumerate(units) if (q := quote(text, a, b))]
        task = quote(text, seq_end, task_end, strip_punct=False)
        item = {
            "category": quote(text, cs, ce),
            "seq": seq,
            # without a lead unit on its line, where the task ends is a guess
            "task": scored([task], row_score if first else min(row_score, 0.6))[0] if task else None,
            "lead_units": [
                scored([q], min(row_score, SAME_LINE_UNIT if same else OWN_LINE_UNIT))[0] for q, same in leads
            ],
            "progress": progress,
            "status": status_of(str(progress) if progress else None, text[seq_end:task_end]),
            "indicators": indicators(text, progress.start, progress.end) if progress else [],
        }
        items.append(item)
    title = _title(text)
    alt_title, alt_items = alternative_rows(text)  # header-led, pipe, one cell per line, labelled
    if len(alt_items) > len(items):
        title, items = alt_title or title, alt_items
        for item in items:
            progress, task, verdict = item["progress"], item["task"], item.pop("verdict", None)
            said = str(verdict) if verdict else str(progress) if progress else None
            item["status"] = status_of(said, str(task) if task else None)
            item["indicators"] = indicators(text, progress.start, progress.end) if progress else []
    if title is None and not items and (m := _NOTICE_TITLE.match(text)):  # a notice without its table
        title = scored([Quote(text, m.start(), m.end())], NOTICE_TITLE)[0]
    return {"title": title, "year": _year(text, title, items), "items": items}


NOTICE_TITLE = 0.6
"""The title of a notice or report opening the page ("…关于印发…方案的通知"): found by its form
alone, on pages where no table caption was (the table is often not on the page at all)."""


_YEAR = re.compile(r"(?:19|20)\d{2}(?=年|[上下]半年|度|-\d{1,2}-\d{1,2})|(?<=[〔［\[])(?:19|20)\d{2}(?=[〕］\]])")


def _year(text: str, title: Quote | None, items: list[dict[str, Any]]) -> str | None:
    """The year the title names; without one, the first year the text states before its first row
    (the notice's lead "2014年…项目" or its date line), never one inside a row (a deadline)."""
    y = _YEAR.search(title) if title else None
    if y is None and items:
        starts = [v.start for v in items[0].values() if isinstance(v, Quote)]
        y = _YEAR.search(text, 0, min(starts)) if starts else None
    return y.group(0) if y else None
