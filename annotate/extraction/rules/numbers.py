"""Reported numbers ("89.62%", "12.1万余平方米", "50610595万元") as indicators, cut from the text.

A figure is a number followed by a unit word; a bare number (a year, a row number, "第2") is not
an indicator, so a unit is required. The metric's name is taken only when the words just before
the number end like a metric ("解决率", "浓度", "总量"), because a guessed name is noise for
annotators.
"""

from __future__ import annotations

import re
from typing import Any

from annotate.extraction.rules.spans import Quote

_UNITS = (
    "%|％|‰|个百分点|個百分點|平方公里|平方米|平方千米|立方米|公顷|公頃|公里|千米|延长米|延長米|微克/立方米|米|吨|噸|"
    "亿元|億元|万元|萬元|元|万人次|萬人次|人次|万人|萬人|人|户|戶|套|部|家|所|场|場|个|個|条|條|处|處|项|項|台|辆|輛|"
    "次|名|篇|件|种|種|张|張|块|塊|座|栋|棟|间|間|床|册|冊|份|起|批|片|棵|株|倍|天|小时|小時"
)
NUMBER = re.compile(rf"(?<![\d.])(?P<num>\d+(?:\.\d+)?)(?P<unit>(?:[万萬亿億千百])?(?:余|餘|多)?(?:{_UNITS}))")
_METRIC_END = re.compile(
    r"[\u4e00-\u9fff()（）A-Za-z0-9.]{1,12}?(?:率|量|数|數|额|額|积|積|度|值|比|比重|占比|佔比|总量|總量|规模|規模)$"
)


def indicators(text: str, start: int, end: int) -> list[dict[str, Any]]:
    """Indicators found in ``text[start:end]``; ``text`` values are Quotes."""
    out: list[dict[str, Any]] = []
    for m in NUMBER.finditer(text, start, end):
        name = None
        back = max(start, m.start() - 12)
        for k in range(back, m.start() - 1):
            if _METRIC_END.fullmatch(text, k, m.start()):
                cut = k
                while cut < m.start() and text[cut] in "为為达達至到是":
                    cut += 1
                name = Quote(text, k, m.start()) if cut == k else None
                break
        out.append(
            {
                "name": name,
                "value": float(m.group("num")),
                "unit": m.group("unit"),
                "text": Quote(text, m.start(), m.end()),
            }
        )
    return out
