"""The reviewed units of a meeting review: who spoke, where each review starts, what it says.

The speaker sentence ("A、B和C主要负责同志依次发言") lists the units; each review then opens a
sentence with the unit's name, in list order. What the list says is read by structure:

- 和/及/与 separate list items only between whole names: "市文化和旅游局" is one unit because
  "市文化" does not end like an institution while "市文化和旅游局" does;
- a list may abbreviate ("石景山、顺义、大兴三位区委书记", "雁翅、斋堂、清水三镇"): the review
  names the unit in full (石景山区), and that full form is the unit;
- a review may name a listed unit in a shorter form (重点道路建设项目组 → 重点道路建设组): a
  sentence start between the neighbours' reviews that shares the name's head and its last
  character is taken, with less confidence;
- a listed unit whose review is cut off the page or never comes is still a unit, with no
  achievements or shortcomings;
- without a list, units come from paragraphs closed by a shortcoming sentence, or from heading
  lines / lead-ins ("石桥镇：…") that hold nothing but an institution's name.
"""

from __future__ import annotations

import re
from typing import Any

from annotate.extraction.rules.spans import (
    CLAUSE_END,
    SENTENCE_END,
    TRAILING_PUNCT,
    Quote,
    clauses,
    is_decimal_point,
    is_space,
    lines,
    quote,
    scored,
    sentences,
    split_spans,
    trim,
)

_COMMA = "，,"
_SPEAKERS = re.compile(
    r"(?:依次|先后|先後|逐一|分别|分別)(?:就[^，,。；;]{1,40}?)?(?:作了?|做了?|进行了?|進行了?)?(?:发言|發言|汇报|匯報|述职|述職)"
)
_SEPARATOR = re.compile(r"、|以及|,|，")
_CONJUNCTION = re.compile(r"和|及|与|與")
_COUNT = r"(?:等?[两兩二三四五六七八九十\d]{1,3}(?:位|个|個|名|家)?)"
_ROLE = re.compile(
    rf"(?:的)?{_COUNT}?(?:主要负责同志|主要負責同志|主要负责人|主要負責人|负责同志|負責同志|负责人|負責人|"
    r"党组织书记|黨組織書記|党支部书记|黨支部書記|支部书记|支部書記|党组[（(]党委[)）]书记|党[（(]工[)）]委书记|党工委书记|工委书记|工委書記|"
    r"党委书记|黨委書記|党组书记|黨組書記|区委书记|區委書記|县委书记|縣委書記|书记|書記|主任|局长|局長|一把手|代表|单位|單位|部门|部門)$"
)
_COLLECTIVE = re.compile(r"各|全|每|所有|其他|其余|其餘")
_ROLE_INSIDE = re.compile(_ROLE.pattern.removesuffix("$"))
_COUNTED_SUFFIX = re.compile(rf"{_COUNT}(街道|社区|社區|乡|鄉|镇|鎮|区|區|县|縣|村)$")
_ORG_SUFFIX = (
    r"(?:街道|社区|社區|乡|鄉|镇|鎮|区|區|县|縣|市|村|工委|党委|黨委|委|局|办|辦|厅|廳|处|處|中心|集团|集團|"
    r"公司|院|所|站|队|隊|组|組|部|会|會|署|馆|館)"
)
_ORG_END = re.compile(rf"{_ORG_SUFFIX}$")
_NEXT_STEP = re.compile(r"下一步|下阶段|下階段|接下来|接下來|今后|今後")
_STOP_SENTENCE = re.compile(r"(?:会议|會議|会上|會上|对于下一步|對於下一步|下一步工作|从此次|從此次)")
_MARK = r"[【\[*#]+|[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.．、](?!\d)"

# A shortcoming sentence ends in one of these tails; the areas are what sits between the lead-in
# ("但在", "不足：在", "但存在") and the tail.
_TAIL_AREA = re.compile(
    r"等?方面(?:的工作)?(?:仍|还|還|尚|依然|也)?(?:存在?|有|需要?|有待|待)(?:一定的?|一些|较大的?|較大的?|明显的?|明顯的?)?"
    r"(?:不足|短板|差距|问题|問題|薄弱环节|薄弱環節|加强|加強|提升|改进|改進|提高|完善)"
)
_TAIL_EXIST = re.compile(r"等(?:方面的?)?(?:不足|问题|問題|短板|薄弱环节|薄弱環節)")
_TAIL_NEED = re.compile(
    r"等?(?:方面)?(?:仍需|还需|還需|尚需|有待|仍有待|仍待)(?:进一步|進一步)?(?:加强|加強|提升|改进|改進|提高|完善)"
)


def _clause_bounds(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [trim(text, a, b) for a, b in split_spans(text, start, end, _COMMA)]


def _sentence_starts(text: str) -> set[int]:
    """Positions where a sentence or a line begins (after leading spaces): where units are named."""
    starts = {s for s, _ in sentences(text)}
    for m in re.finditer(rf"(?:^|[\r\n])[\s\u3000\xa0]*(?:{_MARK})?[\s\u3000\xa0]*", text):
        starts.add(m.end())
    for m in re.finditer(rf"[{SENTENCE_END}；;][\s\u3000\xa0]*", text):
        if not is_decimal_point(text, m.start()):
            starts.add(m.end())
    return starts


SHORTCOMING_CUES = (
    (_TAIL_AREA, ("但在", "但是在", "不足：在", "不足:在", "：在", ":在", "在"), 0.95),
    (_TAIL_EXIST, ("存在",), 0.85),
    (_TAIL_NEED, ("但是", "但"), 0.6),
)
"""The shortcoming sentence forms, strongest first, with how sure each makes the rules: a whole
"但在…等方面仍存在不足" names its areas as shortcomings; "存在…等问题" nearly; "但…仍需加强" may
as well be an instruction as a shortcoming."""


def shortcoming(text: str, start: int, end: int) -> tuple[int, list[Quote]] | None:
    """``(areas_start, areas)`` of the shortcoming sentence in ``[start, end)``, if it is one.

    The areas are scored by the form that found them (:data:`SHORTCOMING_CUES`); a bare "在"
    lead-in (no "但") is a weaker sign than "但在"."""
    for tail, leads, score in SHORTCOMING_CUES:
        m = tail.search(text, start, end)
        if not m:
            continue
        a_start = None
        for lead in leads:
            i = text.rfind(lead, start, m.start())
            if i != -1:
                a_start = i + len(lead)
                break
        if a_start is None or a_start >= m.start():
            continue
        areas = [q for a, b in split_spans(text, a_start, m.start(), "、") if (q := quote(text, a, b))]
        if areas:
            weak_lead = lead == "在" and score > 0.8
            return a_start, scored(areas, score - 0.1 if weak_lead else score)
    return None


def cut_shortcoming(text: str, start: int, end: int) -> list[Quote]:
    """Areas of a shortcoming sentence the page cuts before its tail ("…。但在A、B、C等"): the
    sentence must run to the end of the text, unterminated; the visible areas are kept, doubtfully."""
    s, e = trim(text, start, end)
    if e < len(text.rstrip()) or text[e - 1] in SENTENCE_END:
        return []
    i = text.rfind("但在", s, e)
    if i == -1 or "、" not in text[i:e]:
        return []
    stop = e - 1 if text[e - 1] == "等" else e
    return scored([q for x, y in split_spans(text, i + 2, stop, "、") if (q := quote(text, x, y))], CUT_SHORTCOMING)


_DEFICIT = re.compile(
    r"不够|不夠|不足|不充[足分]|短板|弱项|弱項|差距|滞后|滯後|不高|不强|不強|较弱|較弱|薄弱|欠缺|有待|不完善|不到位|不平衡|偏[低慢少弱]"
)


def contrast_shortcoming(text: str, start: int, end: int) -> tuple[int, list[Quote]] | None:
    """``(but_comma, areas)`` of ",但X不够深入,Y仍不充足,Z还有短板弱项": after a comma and 但,
    every comma clause says what falls short, and each is an area (without 但). Weaker than a
    "方面仍存不足" tail: a contrast may as well close an achievement."""
    m = re.compile(r"[，,]但(?!是在|在)").search(text, start, end)
    if not m:
        return None
    _, e = trim(text, m.end(), end, TRAILING_PUNCT)
    areas = [q for a, b in split_spans(text, m.end(), e, _COMMA) if (q := quote(text, a, b))]
    if not areas or not all(_DEFICIT.search(q) for q in areas):
        return None
    return m.start(), scored(areas, CONTRAST_SHORTCOMING)


def _strip_role(text: str, start: int, end: int) -> tuple[int, str]:
    """``(name_end, suffix)``: the item without a trailing role ("三位区委书记", "主要负责同志"), and
    the institution suffix a count carries ("清水三镇" → 镇) when the list abbreviates."""
    name_end = next((k for k in range(start + 1, end) if _ROLE.fullmatch(text, k, end)), end)
    for k in range(start + 2, name_end):
        if m := _COUNTED_SUFFIX.fullmatch(text, k, name_end):
            return k, m.group(1)
    return name_end, ""


def _split_list(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """List items; 和/及/与 split only between whole names (or between two abbreviations)."""
    pieces, pos = [], start
    for m in _SEPARATOR.finditer(text, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    out = []
    for ps, pe in pieces:
        ns, ne = trim(text, ps, pe)
        name_end, _ = _strip_role(text, ns, ne)
        pos = ns
        for m in _CONJUNCTION.finditer(text, ns, name_end):
            whole = _ORG_END.search(text, ns, name_end) is not None
            left_end, _ = _strip_role(text, pos, m.start())
            if left_end < m.start() or _ORG_END.search(text, pos, left_end) or not whole:
                out.append((pos, m.start()))
                pos = m.end()
        out.append((pos, pe))
    return out


def _listed_units(text: str) -> tuple[list[tuple[int, int, str]], int] | None:
    """Items of the "A、B和C依次发言" sentence as ``(start, name_end, suffix)``, and its end."""
    for s, e in sentences(text):
        m = _SPEAKERS.search(text, s, e)
        if not m:
            continue
        c_start = s
        for i in range(m.start() - 1, s - 1, -1):
            if text[i] in _COMMA + "：:":
                c_start = i + 1
                break
        list_end = m.start()
        if _strip_role(text, *trim(text, c_start, list_end))[0] == trim(text, c_start, list_end)[1]:
            # "A、B三个村的党支部书记代表全镇…在会上分别就…述职": the list ends at its role
            role = _ROLE_INSIDE.search(text, c_start, list_end)
            list_end = role.end() if role else list_end
        pieces = [trim(text, a, b) for a, b in _split_list(text, c_start, list_end)]
        pieces = [(a, b) for a, b in pieces if b > a]
        suffix = _strip_role(text, *pieces[-1])[1] if pieces else ""
        items = []
        for a, b in pieces:
            ne, own = _strip_role(text, a, b)
            items.append((a, ne, own or suffix))
        items = [item for item in items if not _COLLECTIVE.match(text, item[0])]  # "各社区书记依次述职"
        if items:
            return items, e
    return None


LISTED_UNIT, COMPLETED_UNIT, SHORTER_UNIT, UNREVIEWED_UNIT, ABBREVIATED_UNIT = 0.95, 0.85, 0.7, 0.75, 0.5
"""A listed name found opening its review; an abbreviated list name found completed by an
institution suffix (石景山 → 石景山区); a review naming the unit in a shorter form; a listed unit
whose review the text does not show (kept as listed); and such a unit listed only abbreviated."""
UNLISTED_UNIT, HEADING_UNIT = 0.7, 0.7
"""Without a speaker list: a paragraph closed by a shortcoming sentence, or a heading line."""
BOUNDED_ACHIEVEMENTS, OPEN_ACHIEVEMENTS = 0.85, 0.65
"""Achievements closed by the unit's shortcoming sentence (or its next-step instruction), against
ones that run to a paragraph's end."""
CUT_SHORTCOMING, CONTRAST_SHORTCOMING = 0.6, 0.6


def _find_listed(
    text: str, a: int, b: int, suffix: str, after: int, before: int, starts: set[int], shorter: bool = False
) -> tuple[int, int, float] | None:
    """Where the review of the listed item ``text[a:b]`` starts, in full, abbreviated or shorter form."""
    name = text[a:b]
    if len(name) < 2:
        return None
    complete = _ORG_END.search(name) is not None
    pos = text.find(name, after)
    while pos != -1:
        if pos in starts:
            end = pos + len(name)
            if complete:
                return pos, end, LISTED_UNIT
            m = re.compile(rf"{re.escape(suffix)}|{_ORG_SUFFIX}" if suffix else _ORG_SUFFIX).match(text, end)
            if m and m.end() - end <= 2:
                return pos, m.end(), COMPLETED_UNIT
        pos = text.find(name, pos + 1)
    last = _ORG_END.search(name)
    if not shorter or not complete or last is None or len(name) < 4:
        return None
    head, tail = name[:2], last.group(0)
    for pos in sorted(p for p in starts if after <= p < before and text.startswith(head, p)):
        m = re.compile(rf"[\u4e00-\u9fff]{{0,{len(name)}}}?{re.escape(tail)}").match(text, pos)
        if m and len(m.group(0)) < len(name):
            return pos, m.end(), SHORTER_UNIT
    return None


def _locate_units(text: str) -> list[tuple[int, int, float, bool]]:
    """``(name_start, name_end, score, reviewed)`` per unit, in list (= review) order."""
    listed = _listed_units(text)
    starts = _sentence_starts(text)
    if not listed:
        found = _units_from_shortcomings(text)
        if found:
            return [(a, b, UNLISTED_UNIT, True) for a, b in sorted(found)]
        return [(a, b, HEADING_UNIT, True) for a, b in _units_from_headings(text)]
    items, after = listed
    exact = [_find_listed(text, a, b, sfx, after, len(text), starts) for a, b, sfx in items]
    out: list[tuple[int, int, float, bool]] = []
    for k, (a, b, _sfx) in enumerate(items):
        hit = exact[k]
        if hit is None:  # a shorter form between the neighbours' reviews
            lo = max([after] + [h[1] for h in exact[:k] if h])
            hi = min([len(text)] + [h[0] for h in exact[k + 1 :] if h])
            hit = _find_listed(text, a, b, "", lo, hi, starts, shorter=True) if hi > lo else None
        joint = out[-1] if out and out[-1][3] and hit is None else None
        if joint and re.match(rf"[、和与與及]{re.escape(text[a:b])}", text[joint[1] :]):
            out[-1] = (joint[0], joint[1] + 1 + b - a, joint[2], True)  # "A、B…": reviewed as one unit
        elif hit and all(hit[:2] != o[:2] for o in out):
            out.append((*hit, True))
        elif hit is None:
            score = UNREVIEWED_UNIT if _ORG_END.search(text, a, b) else ABBREVIATED_UNIT
            out.append((a, b, score, False))
    return out


_ORG_NAME = re.compile(rf"[\u4e00-\u9fff（）()]{{2,16}}?{_ORG_SUFFIX}")


def _units_from_shortcomings(text: str) -> list[tuple[int, int]]:
    """No "依次发言" list: each shortcoming sentence closes a unit whose name opens the segment."""
    out = []
    seg_start = None
    for s, e in sentences(text):
        if seg_start is None or "\n" in text[seg_start:s]:
            seg_start = s  # a unit's review starts a paragraph or follows the previous review
        if shortcoming(text, s, e):
            m = _ORG_NAME.match(text, seg_start)
            if m:
                out.append((m.start(), m.end()))
            seg_start = None
        elif _STOP_SENTENCE.match(text, s) or _SPEAKERS.search(text, s, e):
            seg_start = None
    return out


def _units_from_headings(text: str) -> list[tuple[int, int]]:
    """No list: lines holding only an institution's name (numbered or not, maybe with a colon) or
    paragraphs led by "名称：", each followed by text; two at least, or it is no structure."""
    out = []
    spans = [(s, e) for s, e in (trim(text, s, e) for s, e in lines(text)) if e > s]
    for k, (s, e) in enumerate(spans):
        m = re.compile(_MARK).match(text, s, e)
        ns = m.end() if m else s
        n = _ORG_NAME.match(text, ns, e)
        if not n:
            continue
        rest = text[n.end() : e].lstrip(" \u3000*】]")
        if rest[:1] in "：:" and len(rest) > 6:
            out.append((n.start(), n.end()))
        elif rest in ("", "：", ":") and k + 1 < len(spans):
            ps, pe = spans[k + 1]  # a heading heads a paragraph, not another short line (a footer, a byline)
            if pe - ps >= 8 and re.search(r"[。；;！!？?,，]", text[ps:pe]):
                out.append((n.start(), n.end()))
    return out if len(out) >= 2 else []


def units(text: str) -> list[dict[str, Any]]:
    """The units of the review, in list order, each with its achievements and shortcomings."""
    located = _locate_units(text)
    reviewed = sorted((a, b) for a, b, _, seen in located if seen)
    sents = sentences(text)
    out = []
    for ns, ne, unit_score, seen in located:
        unit: dict[str, Any] = {
            "unit": scored([Quote(text, ns, ne)], unit_score)[0],
            "achievements": [],
            "shortcomings": [],
        }
        out.append(unit)
        if not seen:
            continue
        limit = next((a for a, _ in reviewed if a > ns), len(text))
        for s, _e in sents:
            if ne < s < limit and (_STOP_SENTENCE.match(text, s) or _NEXT_STEP.match(text, s)):
                limit = s
                break
        ach_end, areas, ach_score = limit, [], BOUNDED_ACHIEVEMENTS
        own = [(s, e) for s, e in sents if e > ne and s < limit]
        for s, e in own:
            found = shortcoming(text, max(s, ne), e)
            cut = [] if found else cut_shortcoming(text, max(s, ne), e)
            if found or cut:
                ach_end, areas = max(s, ne), found[1] if found else cut
                break
        else:
            contrast = next((c for s, e in own if (c := contrast_shortcoming(text, max(s, ne), e))), None)
            if contrast:
                ach_end, areas = contrast
            elif limit == len(text) or not _NEXT_STEP.match(text, limit):
                ach_end, ach_score = _paragraph_end(text, ne, limit), OPEN_ACHIEVEMENTS
        body = ne
        while body < ach_end and text[body] in "】]*#":  # the heading mark closing the name
            body += 1
        unit["achievements"] = scored(clauses(text, body, ach_end, CLAUSE_END + "\r\n"), ach_score)
        unit["shortcomings"] = areas
    return out


def _paragraph_end(text: str, name_end: int, limit: int) -> int:
    """Without a shortcoming sentence a unit runs to the end of its paragraph (or its heading's)."""
    pos = name_end
    while pos < limit and is_space(text[pos]) and text[pos] not in "\r\n":
        pos += 1
    if pos < limit and text[pos] in "\r\n":  # the name is a heading: its paragraph is the next line
        while pos < limit and is_space(text[pos]):
            pos += 1
    nl = min((i for i in (text.find("\n", pos, limit), text.find("\r", pos, limit)) if i != -1), default=limit)
    return nl
