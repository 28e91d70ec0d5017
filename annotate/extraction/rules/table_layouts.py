"""Task tables in the layouts the run-together row reader does not see (``task_progress``).

- **One cell per line** under a header of one cell per line: a bare row number opens each row; a
  header cell the page broke over lines is fitted to the rows' width. Columns are read by what their
  header says (``header_cells``), so their order does not matter.
- The other layouts have readers of their own, tried in order by ``alternative_rows``: pipe rows
  (``pipe_rows``), grouped tables, a table flattened onto one line or one row per line
  (``spaced_rows``), numbered lists with marked lead units or target lists (``allocation_rows``),
  task lines told from headings by a unit field (``marked_rows``), labelled fields and blocks.
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
from annotate.extraction.rules.header_cells import (
    BARE_NUMBER,
    H_SEQ,
    H_UNITS,
    HEADER_ROW,
    PART_HEADING,
    by_content,
    by_role,
    part_heading,
    planned_task,
    role,
)
from annotate.extraction.rules.marked_rows import marked_rows, numbered_rows, parallel_rows
from annotate.extraction.rules.pipe_rows import pipe_rows
from annotate.extraction.rules.row_cells import INSTITUTION_END, Rows
from annotate.extraction.rules.row_cells import item as _item
from annotate.extraction.rules.spaced_rows import line_rows, named_line_rows, spaced_rows
from annotate.extraction.rules.spans import Quote, lines, quote, scored, trim

_ISSUED = re.compile(r"关于印发《?([^\s《]\S{3,40}?)》?的通知")


def _cell_rows(text: str, spans: list[tuple[int, int]]) -> Rows | None:
    """One cell per line: a run of header lines, then rows each opened by a bare row number."""
    nonempty = [(s, e) for s, e in spans if e > s]
    for k, (s, e) in enumerate(nonempty):
        if not H_SEQ.match(text[s:e]):
            continue
        header: list[str | None] = ["seq"]
        j = k + 1
        while j < len(nonempty) and not BARE_NUMBER.fullmatch(text, *nonempty[j]) and len(header) < 12:
            if PART_HEADING.match(text, *nonempty[j]):  # the first part's heading: the header has ended
                break
            header.append(role(text[nonempty[j][0] : nonempty[j][1]]))
            j += 1
        names_units = any(H_UNITS.search(text, *nonempty[i]) for i in range(k + 1, j))
        cells = nonempty[k + 1 : j]
        category: tuple[int, int] | None = None
        if part := _part(text, nonempty, j):
            category, j = part
        width = _row_width(text, nonempty, j)
        header = ["seq", *planned_task([text[a:b] for a, b in cells], _fit_header(text, cells, width))]
        if "lead" not in header and "progress" not in header and not names_units:
            continue
        if "task" not in header and "category" in header:  # "重点工作" is the task when nothing else is
            header[header.index("category")] = "task"
        items: list[dict[str, Any]] = []
        forms: list[Hashable] = []
        lead_above: tuple[int, int] | None = None
        while j < len(nonempty):
            s0, e0 = nonempty[j]
            if items and (part := _part(text, nonempty, j)):  # the next part: its rows' category
                category, j = part
                continue
            num = BARE_NUMBER.fullmatch(text, s0, e0)
            # a number where the next row must start: rows of an excerpt may skip numbers (145, 249)
            if not num or (items and int(num.group("seq")) <= items[-1]["seq"]):
                break
            seq = int(num.group("seq"))
            row = nonempty[j + 1 : j + 1 + max(len(header) - 1, width or 0, ROW_REACH)]
            nxt = [
                i
                for i, (a, b) in enumerate(row)
                if (n := BARE_NUMBER.fullmatch(text, a, b)) and int(n.group("seq")) == seq + 1
            ]
            cut = not nxt  # the page's last row: its cells stop where the page does
            reach = next((row[:i] for i, c in enumerate(row) if PART_HEADING.match(text, *c)), row)
            row = reach[: nxt[0]] if nxt else reach[: max(len(header) - 1, width or 0)]
            roles = by_role(text, header[1:], row)
            lead = roles.get("lead")
            misplaced = lead is None or not INSTITUTION_END.search(text, *lead)
            if "lead" in header and (misplaced or (not cut and len(row) != len(header) - 1)):
                # a merged or split cell: the cells are typed by what they hold; a cut row whose
                # lead cell is where the page stopped ("沈") has no lead, not the row above's
                past_lead = len(row) > header.index("lead")
                above = lead_above if items and (past_lead or not cut) else None
                row = row if nxt else reach  # typed by content, a cut row keeps every line it has
                roles = by_content(text, header[1:], row, above)
                form: Hashable = "typed"  # cells typed by content vary in number by design
            else:
                form = len(row)
            if category and "category" not in roles:
                roles["category"] = category
            items.append(_item(text, roles, seq, HEADER_ROW))
            lead_above = roles.get("lead")  # a merged unit cell below takes it
            forms.append(form)
            j += 1 + len(row)
        if items:
            return s, items, forms
    return None


def _part(text: str, nonempty: list[tuple[int, int]], j: int) -> tuple[tuple[int, int], int] | None:
    """The category a part heading at line ``j`` names and the line after it; a marker on a line of
    its own ("(一)") heads the line below it ("加强战略科技力量建设。")."""
    part = part_heading(text, *nonempty[j]) if j < len(nonempty) else None
    if part is None:
        return None
    if part[1] > part[0] or j + 1 >= len(nonempty) or BARE_NUMBER.fullmatch(text, *nonempty[j + 1]):
        return part, j + 1
    return nonempty[j + 1], j + 2


ROW_REACH = 12
"""How far a row of one cell per line may run to the next row's number (cells split over lines)."""


def _row_width(text: str, spans: list[tuple[int, int]], j: int) -> int | None:
    """Cells per row of a one-cell-per-line table: the most lines between consecutive row numbers
    among the first rows (a row may lack a cell, "责任领导" left empty, so one row is not enough)."""
    widths = []
    while len(widths) < WIDTH_ROWS and j < len(spans) and (first := BARE_NUMBER.fullmatch(text, *spans[j])):
        nxt = next(
            (
                i
                for i in range(j + 1, min(len(spans), j + 16))
                if (n := BARE_NUMBER.fullmatch(text, *spans[i])) and int(n.group("seq")) == int(first.group("seq")) + 1
            ),
            None,
        )
        if nxt is None:
            break
        widths.append(nxt - j - 1)
        j = nxt
    return max(widths) if widths else None


WIDTH_ROWS = 3


_NOTES = re.compile(r"备注|備註")


def _fit_header(text: str, cells: list[tuple[int, int]], width: int | None) -> list[str | None]:
    """Header roles for ``width`` columns. A header cell the page broke over lines ("责任" / "领导")
    comes as fragments: a fragment of one or two characters joins its shorter neighbour, then a notes
    column closing the header is taken to be empty, and a fragment with no role joins the column it
    qualifies ("市政府" / "分管领导"); if there are still too many, the first columns and the last (the
    progress report closing a row) are kept."""
    names = [text[a:b] for a, b in cells]
    if width is None or len(names) <= width:
        return [role(n) for n in names]
    while len(names) > width:
        short = next((i for i, n in enumerate(names) if len(n) <= 2 and not _NOTES.fullmatch(n)), None)
        if short is None and _NOTES.fullmatch(names[-1]):  # no fragment left: the notes column is empty
            names.pop()
            continue
        qualifier = next(  # "市政府" / "分管领导": a fragment with no role of its own before its column's name
            (
                i
                for i in range(1, len(names) - 1)
                if role(names[i]) is None
                and role(names[i] + names[i + 1]) is not None
                and role(names[i] + names[i + 1]) == role(names[i + 1])
            ),
            None,
        )
        if short is None and qualifier is not None:
            names[qualifier : qualifier + 2] = [names[qualifier] + names[qualifier + 1]]
            continue
        if short is None:
            break
        left = len(names[short - 1]) if short > 0 else None
        right = len(names[short + 1]) if short + 1 < len(names) else None
        at = short - 1 if right is None or (left is not None and left <= right) else short
        names[at : at + 2] = [names[at] + names[at + 1]]
    if len(names) > width:
        names = names[: width - 1] + names[-1:]
    return [role(n) for n in names]


def _unpiped(text: str, s: int, e: int) -> tuple[int, int]:
    """A cell rendered on a line of its own with the column's "|" after it ("序号 |") without the "|"."""
    if e > s and text[e - 1] == "|" and text.count("|", s, e) == 1:
        return trim(text, s, e - 1)
    return s, e


def alternative_rows(text: str) -> tuple[Quote | None, list[dict[str, Any]]]:
    """``(title, items)`` from the first layout that reads rows; items lack status/indicators."""
    spans = [_unpiped(text, *trim(text, s, e)) for s, e in lines(text)]
    for reader in (
        pipe_rows,
        grouped_rows,
        _cell_rows,
        spaced_rows,
        labelled_rows,
        kpi_rows,
        marked_rows,
        field_rows,
        block_rows,
        item_rows,
        inline_rows,
        named_line_rows,
        line_rows,
        numbered_rows,
        parallel_rows,
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
                if title is None:  # the plan's caption above its first part
                    return caption(text, spans, at), items
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
