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

from annotate.extraction.rules.meeting_units import _ORG_SUFFIX

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

_DATED = re.compile(r"^\d{4}(?:[-/.年]\d{1,2})")
_NUMBERED = re.compile(
    r"^(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,3}[、.．](?!\d)|[①-⑳])"
)
_OPENS_BRACKET = re.compile(r"^[（(\[【〔]")
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
    if ".lead_units[" not in path and _COLUMN_LABEL.match(value):
        factor *= OTHER_COLUMN
    if path.endswith(".heading") and _DATED.match(value):
        factor *= DATE_LINE_HEADING
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
