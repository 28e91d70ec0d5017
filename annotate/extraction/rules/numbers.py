"""Reported numbers ("89.62%", "12.1万余平方米", "50610595万元") as indicators, cut from the text.

A figure is a number followed by a unit word; a bare number (a year, a row number, "第2") is not
an indicator, so a unit is required. The metric's name is the phrase just before the number, without linking
words ("为", "达到") and leading time or place words ("全区", "2020年"), and only when it clearly
says what is measured, because a guessed name is noise for annotators.
"""

from __future__ import annotations

import re
from typing import Any

from annotate.extraction.rules.spans import Quote, scored

_UNITS = (
    "%|％|‰|个百分点|個百分點|平方公里|平方米|平方千米|立方米|公顷|公頃|公里|千米|延长米|延長米|微克/立方米|微克|米|亩|畝|吨|噸|"
    "亿元|億元|万元|萬元|元|万人次|萬人次|人次|万人|萬人|人|户|戶|套|部|家次|家|所|场次|場次|场|場|个|個|条|條|处|處|项|項|台|辆|輛|"
    "批次|次|名|篇|件|种|種|张|張|块|塊|座|栋|棟|间|間|床|册|冊|份|起|批|片区|片區|棵|株|倍|笔|筆|轮|輪|类|類|幅|课时|課時|"
    "期|组|組|版|宗|单|單"
)
NUMBER = re.compile(
    rf"(?<![\d.])(?P<num>-?\d+(?:\.\d+)?)"
    rf"(?P<unit>(?:[余餘多]?[万萬亿億千百])?(?:余|餘|多)?(?:{_UNITS})(?:/(?:千人|万人|萬人|百人|人月|人年|人|年|月))?|(?:余|餘|多)?[万萬亿億](?![\u4e00-\u9fff]))"
)
_METRIC_END = re.compile(
    r"(?:率|量|数|數|额|額|浓度|濃度|总值|總值|收入|幅|金额|金額|资金|資金|规模|規模|比例|里程|投入|款|时长|時長|人数|人數|人口|进度|進度|占比|佔比)$"
)
_NAME_BOUNDARY = '，,；;。、：:（(“”"\n\r\t 　'
_LINKING_TAIL = re.compile(
    r"(?:为|為|达到|達到|达|達|约|約|共计|共計|累计|累計|不低于|不低於|是|至|到|近|超|逾|有望实现|有望實現|的|共|已有|已)+$"
)
_CHANGE = re.compile(
    r"^(?:占|佔|同比|环比|環比|比上年|较上年|較上年|比去年|按可比口[径徑])|(?:增长|增長|下降|增加|减少|減少|上升|回落|降低)$"
)
_LEADING = re.compile(
    r"^(?:预计实现|預計實現|预计|預計|截至目前|截至\d+月(?:\d+日)?|目前|今年以来|今年以來|上半年|全年|\d{4}年度?|\d+月份?|全区|全區|全市|我区|我區|已经|已經|已|共|累计|累計)+"
)


NAME_SCORES = {"metric": 0.7, "phrase": 0.55, "verb": 0.45, "cut": 0.4}
"""How sure the rules are of an indicator's name: a phrase ending in a metric word ("覆盖率",
"资金"); any phrase before the number; one that opens with a verb (a clause, "实现覆盖率", more than
a name); one cut at the length limit rather than at punctuation. A figure itself is surer (0.85)."""
_VERB_START = re.compile(r"(?:实现|實現|完成|涉及|累计|累計|达到|達到|新增|支付|批准|开展|開展|推动|推動)")


def _name(text: str, start: int, num_start: int, num_end: int, mode: str) -> Quote | None:
    """What the figure measures, from the words just before it (see the module docstring), scored
    by :data:`NAME_SCORES`."""
    k = num_start
    while k > start and text[k - 1] not in _NAME_BOUNDARY and num_start - k < 24:
        k -= 1
    cut = k > start and text[k - 1] not in _NAME_BOUNDARY  # stopped by the length limit
    phrase = text[k:num_start]
    tail = _LINKING_TAIL.search(phrase)
    e = num_start - (len(tail.group(0)) if tail else 0)
    lead = _LEADING.match(text[k:e])
    s = k + (len(lead.group(0)) if lead else 0)
    if e - s < 2 or re.search(r"\d", text[e - 1 : e]):
        return None
    if _CHANGE.search(text[s:e]):
        return None  # "同比增长4.6%", "占计划的100%": a change or a share of something named earlier
    metric = bool(_METRIC_END.search(text[s:e]))
    if mode == "metric" and not metric:
        return None
    after = text[num_end : num_end + 1]
    if mode != "metric" and not (metric or not after or after in _NAME_BOUNDARY + "）)"):
        return None  # the counted thing is named after the number, not before it
    kind = "cut" if cut else "verb" if _VERB_START.match(text, s) else "metric" if metric else "phrase"
    return scored([Quote(text, s, e)], NAME_SCORES[kind])[0]


def is_result(text: str, m: re.Match[str]) -> bool:
    """False for figures that are not reported results: ordinals, identifiers, range ends, versions."""
    before = text[m.start() - 1] if m.start() else ""
    after = text[m.end() : m.end() + 1]
    if before and (before in "第+＋—-～~至" or (before.isascii() and before.isalpha())):
        return False  # 第42次, 9+1, 40—43 (range end), PM2.5
    if before == "、" and m.start() >= 2 and text[m.start() - 2].isdigit():
        return False  # 1、3、5片区: a list of identifiers
    if after in ("—", "-", "～", "~", "至") and text[m.end() + 1 : m.end() + 2].isdigit():
        return False  # range start
    return True


FIGURE_SCORE = 0.85
TARGET_FIGURE = 0.6
"""A figure said as a yardstick rather than a result: a plan or target ("年初计划…11098家",
"4.5%的年度目标"), a standard to reach ("配建8件以上健身器材"), or the size of the pool a rank is taken in
("全省62家…中位列第17位")."""
_TARGET_BEFORE = re.compile(r"(?:计划|計劃|目标|目標|年初|需)[^，,。；;:：]{0,10}$")
_TARGET_AFTER = re.compile(
    r"^(?:及)?(?:以上|以下)|^[^，,。；;]{0,3}(?:的)?(?:年度)?(?:目标|目標)|^[^，,。；;]{0,24}?中(?:位列|排名|排第|居)"
)


def _figure_score(text: str, start: int, end: int, m: re.Match[str]) -> float:
    before, after = text[max(start, m.start() - 12) : m.start()], text[m.end() : min(end, m.end() + 30)]
    return TARGET_FIGURE if _TARGET_BEFORE.search(before) or _TARGET_AFTER.search(after) else FIGURE_SCORE


def indicators(text: str, start: int, end: int, name_mode: str = "metric") -> list[dict[str, Any]]:
    """Indicators found in ``text[start:end]``; ``text`` values are Quotes.

    ``name_mode`` "metric" names only metrics ("解决率", "资金"); "phrase" also names a figure by the
    phrase before it when nothing after the number says what was counted ("拆除违建12.1万平方米，").
    """
    out: list[dict[str, Any]] = []
    for m in NUMBER.finditer(text, start, end):
        if not is_result(text, m):
            continue
        name = _name(text, start, m.start(), m.end(), name_mode)
        out.append(
            {
                "name": name,
                "value": float(m.group("num")),
                "unit": m.group("unit"),
                "text": scored([Quote(text, m.start(), m.end())], _figure_score(text, start, end, m))[0],
            }
        )
    return out
