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
from collections.abc import Callable, Hashable
from typing import Any

from annotate.extraction.rules.row_cells import Rows, item

_SEQ_HEADER = re.compile(r"(?:^|[ \u3000])(?:序号|序號)(?=[ \u3000])")
_WORD = re.compile(r"[^ \u3000\t]+")
_PART = re.compile(r"[一二三四五六七八九十]{1,3}、(?P<name>\S+)$")
_STATE = re.compile(r"状态|狀態")
_UNIT_END = re.compile(r"(?:局|委|办|辦|中心|部|队|隊|院|会|會|室|所|站|政府)$")
MAX_COLUMNS = 10

SPACED_ROW = 0.7
"""A cell of a table that lost its borders: where one cell ends and the next begins is read from
spaces, which free text also holds."""


def spaced_rows(text: str, spans: list[tuple[int, int]], role: Callable[[str], str | None]) -> Rows | None:
    """Rows of a one-line table whose header follows 序号; ``role`` names a header cell's column."""
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
