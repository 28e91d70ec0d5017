"""Resolve the dates meeting reports use ("4月8日", "3月31日下午", "昨天下午") to ISO dates.

A report rarely states the year next to the meeting date; it relies on the page's publication
date. So a date is resolved only against a publication date the document really carries (front
matter ``date``, or a "发布时间：2023-05-13" line); without one the answer is None rather than a
guessed year, because a wrong year in gold data is worse than an empty one.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

_ISO = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_PUBLISHED = re.compile(
    r"(?:(?:发布|發佈|發布|公布|公佈|更新)(?:时间|時間|日期)|(?m:^)[ \t\u3000]*(?:时间|時間|日期))\s*[:：]?\s*(\d{4}|(?<=[:：\s])\d{2,3})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)"
)
_SOURCED = re.compile(
    r"(?m)^[ \t\u3000]*(\d{4})-(\d{1,2})-(\d{1,2})[ \t]*\d{1,2}:\d{2}(?::\d{2})?\s*(?:来源|來源|[\u4e00-\u9fff])"
    r"|^[ \t\u3000]*(?:https?://\S+[ \t\u3000]+)?(\d{4})(?:-|年)(\d{1,2})(?:-|月)(\d{1,2})日?[ \t]*\d{1,2}:\d{2}(?::\d{2})?(?![\d:])"
)
"""A news page's date line with its source ("2015-03-15 12:40:00 来源:央广网", "2024-03-09 04:03:39大公报"),
or a stamp alone or after the page's address ("http://www.sina.com.cn 2005年01月22日02:13 京华时报"):
when it was published; looked for near the top only (further down, such stamps time a live text's turns)."""
SOURCED_WITHIN = 300
_SLASHED = re.compile(r"(?:时间|時間|日期)\s*[:：]\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+\d{1,2}:\d{2}")
"""A date line in a foreign order ("时间:02/23/2011 18:41:00"): read only when the order cannot be
mistaken (one of the two leading numbers above 12)."""
MEETING_DATE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号號](?:上午|下午|晚上|晚間|晚间|早上)?"
    r"|(?P<rel>昨天|昨日|前天|今天|今日|当天|當天)(?:上午|下午|晚上|晚間|晚间|早上)?"
)
_RELATIVE_DAYS = {"昨天": -1, "昨日": -1, "前天": -2, "今天": 0, "今日": 0, "当天": 0, "當天": 0}


def make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def publication_date(text: str, metadata: dict[str, Any] | None = None) -> date | None:
    """The page's publication date: front matter ``date`` first, else a 发布时间 line in the text."""
    raw = (metadata or {}).get("date")
    if raw:
        m = _ISO.search(str(raw))
        if m:
            found = make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if found:
                return found
    m = _PUBLISHED.search(text) or _SOURCED.search(text, 0, SOURCED_WITHIN)
    if m:
        groups = [g for g in m.groups() if g is not None]
        year = int(groups[0])
        # a two- or three-digit year is the Republic of China calendar of Taiwanese pages (108 年 = 2019)
        if found := make_date(year + ROC_OFFSET if year < 1000 else year, int(groups[1]), int(groups[2])):
            return found
    if (m := _SLASHED.search(text, 0, SOURCED_WITHIN)) and max(a := int(m.group(1)), b := int(m.group(2))) > 12:
        return make_date(int(m.group(3)), min(a, b), max(a, b))
    return None


ROC_OFFSET = 1911


def resolve(expression: str, published: date | None) -> str | None:
    """ISO date for one date expression, or None when the year cannot be known.

    "M月D日" takes the publication year, or the year before when that would put the meeting after
    the publication (a January page reporting a December meeting).
    """
    m = MEETING_DATE.fullmatch(expression.strip()) or MEETING_DATE.search(expression)
    if not m:
        return None
    if m.group("rel"):
        if published is None:
            return None
        return (published + timedelta(days=_RELATIVE_DAYS[m.group("rel")])).isoformat()
    month, day = int(m.group("m")), int(m.group("d"))
    if m.group("y"):
        found = make_date(int(m.group("y")), month, day)
        return found.isoformat() if found else None
    if published is None:
        return None
    found = make_date(published.year, month, day)
    if found and found > published:
        found = make_date(published.year - 1, month, day)
    return found.isoformat() if found else None


def find_meeting_date(text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
    """The first date expression in ``text[start:end]`` (the meeting's, in a report's lead)."""
    return MEETING_DATE.search(text, start, len(text) if end is None else end)
