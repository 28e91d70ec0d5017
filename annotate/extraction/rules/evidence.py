"""Document-level evidence that weighs a rule's score after the record is read.

A reader scores a value by the cue that found it (see the constants beside each reader). Some
evidence only shows once the value is cut out: a name that begins with a row number or a bracket
was cut across the layout's structure; a "progress" cell that starts with "责任单位:" is another
column's cell; a unit or lead unit that does not end like an institution (局/委/办/中心/区/镇…)
or opens with 各 ("each …") is prose, not a name; a person's name said once, in a phrase like
"书记即时点评", has nothing to back it, where a name said again (in the lead and the body, in a
speaker label and an answer) does. These checks look at the shape of the value and the rest of the
document, never at particular words of the texts they were measured on (``tests/fixtures/real``
split ``dev3``), and they only lower a score: a value that passes them keeps its reader's score.

Each factor multiplies the reader's score; they are named so a reviewer can see which doubt
applied, and so the calibration can be re-measured when one changes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable
from typing import Any

from annotate.extraction.rules.meeting_units import _ORG_SUFFIX
from annotate.extraction.rules.spans import Quote

CUT_ACROSS_STRUCTURE = 0.6
"""The value opens with a row/heading number or a bracket: the reader's boundary fell inside the
layout (a row read from the wrong start, a word cut before its gloss). Right values of these
fields start after the number, by the corpus conventions."""

OTHER_COLUMN = 0.5
"""The value opens with another column's label (责任单位:, 配合部门:…): the reader took the wrong
cell for this field, which only happens when the layout was not the one it expects."""

NOT_AN_INSTITUTION = 0.8
"""A unit or lead unit that does not end like an institution's name (局, 委, 办, 中心, 区, 镇…).
Real unit names almost always do; a span that does not is likelier a phrase of prose."""

GENERIC_COLLECTIVE = 0.7
"""A unit opening with 各 ("each"): a collective like 各社区, not one named unit."""

SAID_ONCE = 0.85
"""A person's name (chair, reviewer, speaker, attendee) that occurs only once in the document.
Names of people who speak or review usually recur (a lead and a body, a label and an answer); a
single occurrence is the case where a pattern like "书记X点评" picked up a non-name."""

UNIT_SAID_ONCE = 0.9
"""A unit name that occurs only once in the document: neither a speaker list nor a header nor a
review paragraph repeats it, so nothing corroborates the reader's boundary."""

DATE_LINE_HEADING = 0.6
"""A section heading that opens with a date (2021-02-20 …, 2019年4月18日 …): a byline or date
line taken for a heading by the fallback reader of unmarked paragraphs, not a part of the report."""

LONG_LEAD_UNIT = 0.7
"""A lead unit longer than ``LONG_UNIT_CHARS`` characters, or holding a clause mark (，。；): an
institution's name is short and never a sentence, so the reader ran past the cell into the task or
the progress text of a layout it did not recognise."""

LONG_UNIT_CHARS = 15
"""Longer than the longest lead-unit names of the seeds and development tables (an aliased bureau
such as 区住房城乡建设委(区重大办) is 14); beyond it a span is rarely one name."""

SEQUENCE_BREAK = 0.7
"""A table row whose number does not continue the row before it (a gap, a repeat or a restart at
1): either the page lost rows, or the reader took a numbered line of another list for a row. In
both cases the row's boundaries, and so its cells, are in doubt."""

LONE_FORM = 0.8
"""A row of a fallback table reader whose form (its cell count, or how its lead unit is marked) is
shared by fewer than two rows, or by fewer than half of the table's rows: nothing but that row says
the reader's reading of the layout is right, where a form repeated row after row corroborates it."""

UNPAIRED_TURN = 0.7
"""A question/answer pair next to a turn that breaks the ask-answer rhythm: an asker turn right
before the question that got no answer, or an answering turn right after the answer with no
question before it. The reader's guess at who asks is then the doubtful part, for both turns."""

STAMPED_TITLE = 0.6
"""A title holding a date stamp (2022-03-10, 106.2.17) or a field label (資料時間:): page metadata
taken for the title line, which a fallback reader does when the page lost its real title."""

_CLAUSE_MARK = re.compile(r"[，。；,;]")
_STAMP = re.compile(r"\d{2,4}[-/.]\d{1,2}[-/.]\d{1,2}|[\u4e00-\u9fff]{2,4}[:：]")
_DATED = re.compile(r"^\d{4}(?:[-/.年]\d{1,2})")
_NUMBERED = re.compile(
    r"^(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,3}[、.．](?!\d)|[①-⑳])"
)
_OPENS_BRACKET = re.compile(r"^[（(\[【〔]")
_ROW_TEXT = re.compile(r"(?:\.task|\.progress|\.category|\.heading)$")
_CUT_SHAPE = re.compile(r"[（(\[【]$|^[^\w]*$|的$")
_TABLE_RULE = re.compile(r"\|")  # a heading holding a table's cell separator
_COLUMN_LABEL = re.compile(r"^(?:牵头|牽頭|责任|責任|配合|协同|協同|主责|主責)(?:单位|單位|部门|部門)[:：]")
_INSTITUTION = re.compile(rf"{_ORG_SUFFIX}$")
_PERSON = re.compile(r"^(?:chair|reviewer|speakers\[\d+\]|attendees\[\d+\]\.name)$")
_UNIT = re.compile(r"(?:^units\[\d+\]\.unit|\.lead_units\[\d+\])$")
_NAMED = re.compile(r"(?:^units\[\d+\]\.unit|\.lead_units\[\d+\]|^meeting|^organizer|\.category)$")


def weigh(text: str, path: str, value: str, score: float) -> float:
    """``score`` lowered by each structural doubt that applies to ``value`` at ``path``."""
    factor = 1.0
    if _NAMED.search(path) and (_NUMBERED.match(value) or _OPENS_BRACKET.match(value)):
        factor *= CUT_ACROSS_STRUCTURE
    elif _ROW_TEXT.search(path) and (
        _NUMBERED.match(value) or _CUT_SHAPE.search(value) or (path.endswith(".heading") and _TABLE_RULE.search(value))
    ):
        factor *= CUT_ACROSS_STRUCTURE  # a row's text that opens on the next row's number, ends on "(", or is "|"
    if ".lead_units[" not in path and _COLUMN_LABEL.match(value):
        factor *= OTHER_COLUMN
    if path.endswith(".heading") and (_DATED.match(value) or _STAMP.search(value)):
        factor *= DATE_LINE_HEADING
    if path == "title" and _STAMP.search(value):
        factor *= STAMPED_TITLE
    if (
        path.endswith(".progress")
        and len(value) <= 12
        and _INSTITUTION.search(value)
        and not _CLAUSE_MARK.search(value)
    ):
        factor *= OTHER_COLUMN  # "区供销联社": a unit's name read as the report
    if ".lead_units[" in path and (len(value) > LONG_UNIT_CHARS or _CLAUSE_MARK.search(value)):
        factor *= LONG_LEAD_UNIT
    if _UNIT.search(path):
        if not _INSTITUTION.search(value):
            factor *= NOT_AN_INSTITUTION
        if value.startswith("各"):
            factor *= GENERIC_COLLECTIVE
        if path.startswith("units[") and text.count(value) < 2:
            factor *= UNIT_SAID_ONCE
    if _PERSON.match(path) and text.count(value) < 2:
        factor *= SAID_ONCE
    return round(score * factor, 4)


def lower(values: Iterable[Any], factor: float, seen: set[int]) -> None:
    """Multiply the score of every Quote among ``values`` (a row's cells, lists flattened) by
    ``factor``, once per Quote: rows may share a Quote (a merged cell repeated), and a doubt about
    the layout should not count twice against one cell."""
    for v in values:
        if isinstance(v, list):
            lower(v, factor, seen)
        elif isinstance(v, Quote) and id(v) not in seen:
            seen.add(id(v))
            v.score = round(v.score * factor, 4)


def weigh_rows(items: list[dict[str, Any]], forms: list[Hashable]) -> None:
    """Lower, in place, the rows of a fallback table reader that break the table's sequence or
    form. ``forms[k]`` is row ``k``'s form as its reader saw it; a row repeating the previous row's
    number with the same lead-unit objects is a merged-cell continuation, not a repeat."""
    counts = Counter(forms)
    seen: set[int] = set()
    for k, item in enumerate(items):
        if k and item["seq"] != items[k - 1]["seq"] + 1:
            prev = items[k - 1]
            shared = all(any(u is w for w in prev["lead_units"]) for u in item["lead_units"])
            same_cells = item["category"] is prev["category"] or bool(item["lead_units"])
            # numbering that starts again under a new heading is the page's, not a break
            restart = item["seq"] == 1 and any(  # a new category, or a new status group ("已开工…")
                item.get(k) is not None and str(item.get(k)) != str(prev.get(k)) for k in ("category", "verdict")
            )
            if not (item["seq"] == prev["seq"] and same_cells and shared) and not restart:
                lower(item.values(), SEQUENCE_BREAK, set())
        if counts[forms[k]] < 2 or counts[forms[k]] * 2 < len(items):
            lower(item.values(), LONE_FORM, seen)
