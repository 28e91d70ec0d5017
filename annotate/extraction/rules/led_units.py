"""Units that lead their own clause, in meetings that never list who spoke.

A 述职评议, a contest (擂台比武) or a site tour then a review (观摩点评) has no "A、B、C依次发言"
sentence and no per-unit paragraph closed by a shortcoming. What it does have is clauses led by a
place, read by structure:

- a place followed by its representative's title and name, then what was done there:
  "清源镇阳尾村第一书记林文春针对…探索出…的路子；" — the place is the unit, the rest of the clause
  run is its achievement. Representatives listed together share the deed written after the last
  of them ("A村党组织书记邢猛，B村党组织书记李兴海获得一等奖；");
- a village (or a list of villages) opening a clause and followed straight by what it did:
  "肖营村、青冢村等特色加工产业兴旺…，冯坡村依托…" — the deed runs to the next such clause.

Only villages and communities (and towns, when a representative's title follows) lead: they are the
units such meetings review, and the forms stay unambiguous. The text must say it is such a meeting
(述职, 观摩, 比武, 评比, 考评…); a place whose representative only attends, chairs or speaks is present,
not reviewed; and two places at least must remain, or it is no structure. A place is never a word
that merely ends in 村 ("目前村里", "驻村第一书记", "乡村").
"""

from __future__ import annotations

import re
from typing import Any

from annotate.extraction.rules.people import name_after_title
from annotate.extraction.rules.spans import GLOSS, TRAILING_PUNCT, Quote, is_space, scored, trim

_CH = rf"(?:[^\W\d_各的了要也都以他们們求将將既通过過推动動展逐农農弟兄这這那些被把为為是]{GLOSS}?)"
"""A character of a place's proper name: no function word, pronoun or verb of a sentence about places."""
_NOT_A_PLACE = r"(?!全|每|该|該|本|其|多|个|個|有|在|由|从|從|对|對|目前|当前|當前|今年|去年|驻村|駐村)"
_VILLAGE_END = r"(?<!驻)(?<!駐)(?<!乡)(?<!鄉)(?:村|社区|社區)"
_VILLAGE = rf"{_NOT_A_PLACE}{_CH}{{2,14}}?{_VILLAGE_END}"
_SHORT_VILLAGE = rf"{_NOT_A_PLACE}{_CH}{{2,3}}{_VILLAGE_END}"
_TOWN = rf"{_NOT_A_PLACE}{_CH}{{2,14}}?(?:镇|鎮|乡|鄉|街道)"
_ONE_TITLE = (
    r"(?:(?:驻村|駐村)?第一(?:书记|書記)|(?:党组织|黨組織|党支部|黨支部|党总支|黨總支|党委|黨委|支部)(?:书记|書記)"
    r"|(?:村委会|村委會|居委会|居委會)?主任|支书|支書|书记|書記)"
)
_REPRESENTATIVE = re.compile(rf"(?P<unit>{_VILLAGE}|{_TOWN}){_ONE_TITLE}(?:[、兼]{_ONE_TITLE})*")
_VILLAGES_LEAD = re.compile(
    rf"(?P<unit>{_SHORT_VILLAGE}(?:、{_SHORT_VILLAGE})*)等?(?=[\u4e00-\u9fff])(?![里裏民级級集庄莊委内內两兩干幹部组組镇鎮])"
)
_CLAUSE_START = re.compile(r"(?:^|[，,；;。！？!?\r\n])[\s\u3000\xa0]*")
_SEGMENT_END = "；;。！？!?\r\n"
_DEED_VERBS = "以通针針获獲围圍把将將紧緊"
"""What opens a deed right after a representative's name: "王联辉通过…", "张三以走访…"."""

_REVIEWING_FORM = re.compile(r"述职|述職|观摩|觀摩|比武|擂台|擂臺|评比|評比|考评|考評|测评|測評")
"""The forms whose units lead clauses: a report of duties, a tour, a contest, an appraisal."""
_NO_DEED = re.compile(r"参加|參加|出席|列席|主持|发言|發言|陪同|参会|參會")
"""What a place's representative does at the meeting rather than at home: attending, chairing, speaking."""

REPRESENTED_UNIT, LEADING_UNIT = 0.7, 0.55
"""A place read through its representative's title and name, against a village that merely opens
a clause (a sentence about the village's own affairs can look the same)."""
LED_DEED = 0.6


def _segment_end(text: str, pos: int) -> int:
    return min((i for i in (text.find(c, pos) for c in _SEGMENT_END) if i != -1), default=len(text))


def _leaders(text: str) -> list[tuple[int, int, int, float]]:
    """``(unit_start, unit_end, deed_start, score)`` of every clause a place leads."""
    out = []
    for c in _CLAUSE_START.finditer(text):
        pos = c.end()
        if (m := _REPRESENTATIVE.match(text, pos)) is not None:
            name = name_after_title(text, m.end(), _segment_end(text, m.end()), _DEED_VERBS)
            out.append((m.start("unit"), m.end("unit"), name.end if name else m.end(), REPRESENTED_UNIT))
        elif (m := _VILLAGES_LEAD.match(text, pos)) is not None:
            out.append((m.start("unit"), m.end("unit"), m.end(), LEADING_UNIT))
    return out


def led_units(text: str) -> list[dict[str, Any]]:
    """The units of a meeting whose clauses are led by the places reviewed (see module doc)."""
    if not _REVIEWING_FORM.search(text):
        return []  # a meeting of the usual form whose units the rules did not find: no guessing
    leaders = _leaders(text)
    if len(leaders) < 2:
        return []
    deeds: list[Quote | None] = []
    for k, (_us, _ue, ds, _score) in enumerate(leaders):
        stop = _segment_end(text, ds)
        if k + 1 < len(leaders):
            stop = min(stop, leaders[k + 1][0])
        while ds < stop and (is_space(text[ds]) or text[ds] in "，,、：:"):
            ds += 1
        ds, end = trim(text, ds, stop, TRAILING_PUNCT)
        deeds.append(Quote(text, ds, end) if end > ds else None)
    out = []
    for k, (us, ue, _ds, score) in enumerate(leaders):
        deed = deeds[k]
        # listed representatives share the deed after the last of them, within one segment
        j = k
        while deed is None and j + 1 < len(leaders) and _segment_end(text, leaders[j][1]) > leaders[j + 1][0]:
            j += 1
            deed = deeds[j]
        if deed is not None and _NO_DEED.search(deed):
            continue  # "…书记李强等参加会议", "…分别作交流发言": present, not reviewed
        out.append(
            {
                "unit": scored([Quote(text, us, ue)], score)[0],
                "achievements": scored([Quote(text, deed.start, deed.end)], LED_DEED) if deed else [],
                "shortcomings": [],
            }
        )
    return out if len(out) >= 2 else []


__all__ = ["led_units"]
