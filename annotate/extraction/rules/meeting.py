"""Rules for monthly work-review meetings (``meeting_review``).

These reports follow one shape whoever writes them: a lead sentence (date, organiser, meeting),
who chaired and who attended, a sentence that lists the units which spoke "依次发言", then one
paragraph per unit — achievements, closed by a shortcoming sentence "但在A、B、C等方面仍存不足" —
then briefings (通报), exchange speeches (交流发言) and directives (会议强调/指出/要求). The rules
read that shape, not particular words of particular reports, so a new report in the same genre
(different units, ASCII punctuation, a unit cut off mid-sentence) comes out the same way.
"""

from __future__ import annotations

import re
from typing import Any

from annotate.extraction.rules import dates
from annotate.extraction.rules.people import split_person
from annotate.extraction.rules.spans import (
    CLAUSE_END,
    SENTENCE_END,
    Quote,
    clauses,
    is_decimal_point,
    is_space,
    quote,
    scored,
    sentences,
    split_spans,
    trim,
)

_COMMA = "，,"
_MEETING = re.compile(r"点评会|點評會|讲评会|講評會|推进会|推進會|调度会|調度會|工作会议|工作會議")
_SPEAKERS = re.compile(
    r"(?:依次|先后|先後|逐一|分别|分別)(?:作了?|做了?|进行了?|進行了?)?(?:发言|發言|汇报|匯報|述职|述職)"
)
_LIST_SPLIT = re.compile(r"、|以及|和|及|与|與|,")
_ROLE = re.compile(
    r"(?:的)?(?:主要负责同志|主要負責同志|主要负责人|主要負責人|负责同志|負責同志|负责人|負責人|"
    r"党组织书记|黨組織書記|党组[（(]党委[)）]书记|党[（(]工[)）]委书记|党工委书记|工委书记|工委書記|"
    r"党委书记|黨委書記|党组书记|黨組書記|区委书记|區委書記|书记|書記|主任|局长|局長|一把手)$"
)
_REVIEW = re.compile(r"(?:一一|逐一|现场|現場|分别|分別|逐个|逐個)?(?:点评|點評)(?!会|會)")
_CHAIR = re.compile(r"主持")
_ATTEND_END = re.compile(r"(?:等)?(?:出席|参加|參加|列席)(?:会议|會議)?$")
_BRIEF = re.compile(r"(?:会议|會議)?(?:还|還|又|同时|同時|并|並)?(?:通报|通報)了?")
_LEAD_IN = re.compile(r"(?:会议|會議)(?:还|還|同时|同時|并|並|也|最后|最後)?(?:强调|強調|指出|要求|提出|部署)[，,：:]?")
_EXCHANGE = re.compile(r"(?:作了?|做了?|进行了?|進行了?)?(?:典型|经验|經驗)?(?:交流发言|交流發言)")
_SPOKE_AFTER = re.compile(r"(?:书记|書記|主任|负责人|負責人|代表)(?:作了?)?(?:发言|發言)后")
_OTHER_ITEM = re.compile(r"^(?:点评|點評|通报|通報)|发言|發言")
_REVIEW_ITEM = re.compile(r"(?:会议|會議)(?:还|還|也)?对")
_INNER_LEAD = re.compile(r"(?:指出|强调|強調|要求)[，,：:]?|(?=要)")
_STOP_SENTENCE = re.compile(r"(?:会议|會議|会上|會上|对于下一步|對於下一步|下一步工作|从此次|從此次)")

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
    for m in re.finditer(r"(?:^|[\r\n])[\s\u3000\xa0]*", text):
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


def _unit_variants(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The item itself and the item with a trailing role ("工委书记", "主要负责同志") cut off."""
    out = [(start, end)]
    for k in range(start + 1, end):
        if _ROLE.fullmatch(text, k, end):
            out.append((start, k))
    return out


def _listed_units(text: str) -> tuple[list[tuple[int, int]], int] | None:
    """Items of the "A、B和C依次发言" sentence, and where that sentence ends."""
    for s, e in sentences(text):
        m = _SPEAKERS.search(text, s, e)
        if not m:
            continue
        c_start = s
        for i in range(m.start() - 1, s - 1, -1):
            if text[i] in _COMMA + "：:":
                c_start = i + 1
                break
        items = [trim(text, a, b) for a, b in _split_list(text, c_start, m.start())]
        items = [(a, b) for a, b in items if b > a]
        if items:
            return items, e
    return None


def _split_list(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    pos = start
    for m in _LIST_SPLIT.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    return out


LISTED_UNIT, UNLISTED_UNIT = 0.95, 0.7
"""A unit named in the speaker list and found opening its review, against one only inferred from
a paragraph that ends in a shortcoming sentence."""
BOUNDED_ACHIEVEMENTS, OPEN_ACHIEVEMENTS = 0.85, 0.65
"""Achievements closed by the unit's shortcoming sentence, against ones that run to a paragraph's end."""


def _locate_units(text: str) -> list[tuple[int, int, float]]:
    """Where each unit's review starts: ``(name_start, name_end, score)`` in text order."""
    listed = _listed_units(text)
    starts = _sentence_starts(text)
    found: list[tuple[int, int]] = []
    if listed:
        items, after = listed
        for a, b in items:
            best = None
            for vs, ve in _unit_variants(text, a, b):
                name = text[vs:ve]
                if len(name) < 2:
                    continue
                pos = text.find(name, after)
                while pos != -1 and pos not in starts:
                    pos = text.find(name, pos + 1)
                if pos == -1:
                    continue
                if best is None or pos < best[0] or (pos == best[0] and len(name) > best[1] - best[0]):
                    best = (pos, pos + len(name))
            if best and best not in found:
                found.append(best)
    if not found:
        return sorted((a, b, UNLISTED_UNIT) for a, b in _units_from_shortcomings(text))
    return sorted((a, b, LISTED_UNIT) for a, b in found)


_ORG_NAME = re.compile(
    r"[\u4e00-\u9fff（）()]{2,16}?(?:街道|乡|鄉|镇|鎮|区|區|县|縣|市|工委|党委|黨委|委|局|办|辦|中心|集团|集團|公司|院|所|站|队|隊)"
)


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


def _units(text: str) -> list[dict[str, Any]]:
    located = _locate_units(text)
    sents = sentences(text)
    out = []
    for idx, (ns, ne, unit_score) in enumerate(located):
        limit = located[idx + 1][0] if idx + 1 < len(located) else len(text)
        for s, _e in sents:
            if s > ne and s < limit and _STOP_SENTENCE.match(text, s):
                limit = s
                break
        ach_end, areas, ach_score = limit, [], BOUNDED_ACHIEVEMENTS
        own = [(s, e) for s, e in sents if e > ne and s < limit]
        for s, e in own:
            found = shortcoming(text, max(s, ne), e)
            if found:
                ach_end, areas = max(s, ne), found[1]
                break
        else:
            ach_end, ach_score = _paragraph_end(text, ne, limit), OPEN_ACHIEVEMENTS
        unit: dict[str, Any] = {
            "unit": scored([Quote(text, ns, ne)], unit_score)[0],
            "achievements": scored(clauses(text, ne, ach_end, CLAUSE_END + "\r\n"), ach_score),
            "shortcomings": areas,
        }
        out.append(unit)
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


def _lead_sentence(text: str) -> tuple[int, int] | None:
    for s, e in sentences(text):
        if dates.find_meeting_date(text, s, e) and (
            _MEETING.search(text, s, e) or "召开" in text[s:e] or "会" in text[s:e]
        ):
            return s, e
    for s, e in sentences(text):
        if _MEETING.search(text, s, e):
            return s, e
    return None


def _meeting_and_organizer(text: str, s: int, e: int) -> tuple[Quote | None, Quote | None]:
    m = _MEETING.search(text, s, e)
    if not m:
        return None, None
    c_start = s
    for i in range(m.start() - 1, s - 1, -1):
        if text[i] in _COMMA + "。\n":
            c_start = i + 1
            break
    organizer = None
    conv = text.rfind("召开", c_start, m.start())
    if conv == -1:
        conv = text.rfind("召開", c_start, m.start())
    if conv != -1:
        d = dates.find_meeting_date(text, c_start, conv)
        org_start = d.end() if d else c_start
        organizer = quote(text, org_start, conv)
        c_start = conv + 2
    else:
        d = dates.find_meeting_date(text, c_start, m.start())
        if d:
            c_start = d.end()
    return quote(text, c_start, m.end()), organizer


def _people(text: str) -> tuple[Quote | None, Quote | None, list[dict[str, Any]]]:
    chair = reviewer = None
    attendees: list[dict[str, Any]] = []
    for s, e in sentences(text):
        bounds = _clause_bounds(text, s, e)
        for cs, ce in bounds:
            if chair is None and (m := _CHAIR.search(text, cs, ce)):
                chair = split_person(text, cs, m.start())[1]
                if chair is not None and _REVIEW.search(text, m.end(), ce):
                    reviewer = reviewer or chair
            if reviewer is None and (m := _REVIEW.search(text, cs, ce)) and not _CHAIR.search(text, cs, ce):
                p_start = cs
                for lead in ("并接受", "接受"):
                    i = text.find(lead, cs, m.start())
                    if i != -1:
                        p_start = i + len(lead)
                        break
                reviewer = split_person(text, p_start, m.start())[1]
        # attendees: a sentence whose last clause ends in 出席/参加 and whose clauses are title+name
        _, last_end = trim(text, s, e, "。.！!")
        tail = _ATTEND_END.search(text, s, last_end)
        if not tail or tail.end() != last_end:
            continue
        for cs, ce in _clause_bounds(text, s, tail.start()):
            if _CHAIR.search(text, cs, ce) or _REVIEW.search(text, cs, ce) or "召开" in text[cs:ce]:
                continue
            title, name = split_person(text, cs, ce)
            if title is not None and name is not None:
                attendees.append({"name": name, "title": title})
    return chair, reviewer, attendees


def _briefings(text: str) -> list[dict[str, Any]]:
    out = []
    for s, e in sentences(text):
        starts = []
        for cs, ce in _clause_bounds(text, s, e):
            m = _BRIEF.match(text, cs, ce)
            if m and m.end() < ce:
                starts.append((cs, m.end()))
        for k, (_cs, ts) in enumerate(starts):
            stop = starts[k + 1][0] if k + 1 < len(starts) else e
            comma = min((i for i in (text.find(c, ts, stop) for c in _COMMA + "。") if i != -1), default=stop)
            topic = quote(text, ts, comma)
            if topic is None:
                continue
            details = quote(text, comma + 1, stop) if comma < stop else None
            if details is not None:
                first_clause = re.split(r"[，,]", str(details), maxsplit=1)[0]
                if _OTHER_ITEM.search(first_clause):
                    details = None  # the sentence moves on to another agenda item
            out.append({"topic": topic, "details": details})
    return out


def _exchange_speakers(text: str) -> list[Quote]:
    out: list[Quote] = []
    sents = sentences(text)
    for k, (s, e) in enumerate(sents):
        for cs, ce in _clause_bounds(text, s, e):
            m = _EXCHANGE.search(text, cs, ce)
            if m:
                q = quote(text, cs, m.start())
                if q:
                    out.append(q)
                continue
            m = _SPOKE_AFTER.search(text, cs, ce)
            prev = text[sents[k - 1][0] : sents[k - 1][1]] if k else ""
            if m and ("交流" in prev or "經驗" in prev or "经验" in prev):
                q = quote(text, cs, m.end() - len("发言后"))
                if q:
                    out.append(q)
    return out


def _directives(text: str) -> list[Quote]:
    out: list[Quote] = []
    active = False
    prev_end = 0
    for s, e in sentences(text):
        newline = "\n" in text[prev_end:s] or "\r" in text[prev_end:s]
        prev_end = e
        lead = None
        for cs, ce in _clause_bounds(text, s, e)[:2]:
            m = _LEAD_IN.match(text, cs, ce)
            if m:
                lead = m
                break
        if lead is None and (_BRIEF.match(text, s, e) or _REVIEW_ITEM.match(text, s, e)):
            # "会议通报了…，指出，要…" / "会议还对…进行点评，…，要继续…": the meeting instructs
            # inside another agenda item; the instruction runs from that clause to the sentence end.
            for cs, ce in _clause_bounds(text, s, e)[1:]:
                m = _INNER_LEAD.match(text, cs, ce)
                if m:
                    lead = m
                    break
            if lead is None:
                active = False
                continue
        if lead is not None:
            active = True
            q = quote(text, lead.end(), e)
            if q is None and lead.end() < e:  # "指出，" closes its clause: the directive is what follows
                q = quote(text, lead.end() + 1, e)
            if q:
                out.append(q)
            continue
        if not active:
            continue
        body = text[s:e]
        closing = body.rstrip("。.！! ")
        if newline or _STOP_SENTENCE.match(body) or _ATTEND_END.search(closing) or closing.endswith(("召开", "召開")):
            active = False
            continue
        if _BRIEF.match(body) and not body.startswith(("要", "各")):
            active = False
            continue
        q = quote(text, s, e)
        if q:
            out.append(q)
    return out


def extract(text: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The meeting_review record for ``text``; string values are Quotes (spans of ``text``)."""
    lead = _lead_sentence(text)
    meeting = organizer = None
    meeting_date = None
    if lead:
        meeting, organizer = _meeting_and_organizer(text, *lead)
        d = dates.find_meeting_date(text, *lead)
        if d:
            meeting_date = dates.resolve(d.group(0), dates.publication_date(text, metadata))
    chair, reviewer, attendees = _people(text)
    return {
        "meeting_date": meeting_date,
        "meeting": meeting,
        "organizer": organizer,
        "chair": chair,
        "reviewer": reviewer,
        "attendees": attendees,
        "units": _units(text),
        "briefings": _briefings(text),
        "exchange_speakers": _exchange_speakers(text),
        "directives": _directives(text),
    }
