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
from annotate.extraction.rules.led_units import led_units
from annotate.extraction.rules.meeting_units import _STOP_SENTENCE, shortcoming, units
from annotate.extraction.rules.people import leading_person, split_person
from annotate.extraction.rules.spans import (
    Quote,
    is_space,
    quote,
    scored,
    sentences,
    split_spans,
    trim,
)

_COMMA = "，,"
_MEETING = re.compile(
    r"(?:点评会|點評會|评议大会|評議大會|点评大会|點評大會|评议会|評議會|讲评会|講評會|推进会|推進會|调度会|調度會)(?:议|議)?"
    r"|工作会议|工作會議|(?:述职评议|述職評議)(?:大会|大會|会议|會議|会|會)?(?!工作)"
)
_REVIEW = re.compile(r"(?:一一|逐一|现场|現場|分别|分別|逐个|逐個)?(?:点评|點評)(?!会|會)")
_CHAIR = re.compile(r"主持")
_ATTEND_END = re.compile(r"(?:等)?(?:出席|参加|參加|列席)(?:会议|會議)?$")
_BRIEF = re.compile(r"(?:会议|會議)?(?:还|還|又|同时|同時|并|並)?(?:通报|通報)(?:分析)?了?")
_AGENCY_BRIEF = re.compile(r"[\u4e00-\u9fff]{1,14}?(?:委|局|办|辦|中心|部|厅|廳|组|組)(?:通报|通報)(?:分析)?了")
_LEAD_IN = re.compile(r"(?:会议|會議)(?:还|還|同时|同時|并|並|也|最后|最後)?(?:强调|強調|指出|要求|提出|部署)[，,：:]?")
_EXCHANGE = re.compile(
    r"(?:作了?|做了?|进行了?|進行了?)?(?:典型|经验|經驗)?(?:交流|交流和表态|交流和表態|交流与表态)(?:发言|發言)"
)
_ON_TOPIC = re.compile(r"就|圍繞|围绕")
_PERSON_LEAD = re.compile(r"(?P<who>[^，,。；;]{2,14}?)(?:提出|要求|强调|強調|指出)(?:[，,：:]|(?=要)|$)")
_TITLE_CHAIR = re.compile(r"(?:^|[ \u3000\xa0])([\u4e00-\u9fff]{2,3})主持[并並](?:点评|點評)")
_SPOKE_AFTER = re.compile(r"(?:书记|書記|主任|负责人|負責人|代表)(?:作了?)?(?:发言|發言)后")
_OTHER_ITEM = re.compile(r"^(?:点评|點評|通报|通報)|发言|發言")
_REVIEW_ITEM = re.compile(r"(?:会议|會議)(?:还|還|也)?对")
_INNER_LEAD = re.compile(r"(?:指出|强调|強調|要求)[，,：:]?|(?=要)")


def _clause_bounds(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [trim(text, a, b) for a, b in split_spans(text, start, end, _COMMA)]


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
    conv, verb = max(((text.rfind(v, c_start, m.start()), v) for v in _CONVENE), default=(-1, ""))
    if conv != -1:
        d = dates.find_meeting_date(text, c_start, conv)
        org_start = d.end() if d else c_start
        place = _VENUE.search(text, org_start + 2, conv)
        organizer = quote(text, org_start, place.start() if place else conv)  # "X党委在…会议室召开"
        if organizer is not None and organizer.startswith(("并", "並", "在")):
            organizer = _subject(text, s, conv)  # "…镇组织…观摩,并在会议室召开…": the sentence's subject
        c_start = conv + len(verb)
    else:
        d = dates.find_meeting_date(text, c_start, m.start())
        if d:
            c_start = d.end()
        about = max(text.rfind("对", c_start, m.start()), text.rfind("對", c_start, m.start()))
        if about >= 0:  # "X对述职评议强调": the meeting is what is spoken about, not the speaker
            c_start = about + 1
    return quote(text, c_start, m.end()), organizer


_VENUE = re.compile(r"[在于於][^，,。]{1,24}$")
"""Where the organizer met ("X党委在…会议室召开"): not part of its name."""
_CONVENE = ("召开", "召開", "举办", "舉辦", "举行", "舉行", "组织开展", "組織開展")
_SUBJECT = re.compile(
    r"[\u4e00-\u9fff]{1,12}?(?:镇|鎮|乡|鄉|街道|区|區|县|縣|市|委|局|办|辦|厅|廳|中心|部)(?=组织|組織|召开|召開|举办|舉辦|在|于|於)"
)


def _subject(text: str, s: int, e: int) -> Quote | None:
    """The institution that opens the first clause after the date: who did what the sentence says."""
    d = dates.find_meeting_date(text, s, e)
    pos = d.end() if d else s
    while pos < e and (text[pos] in _COMMA or is_space(text[pos])):
        pos += 1
    m = _SUBJECT.match(text, pos, e)
    return Quote(text, m.start(), m.end()) if m else None


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
                p_end = m.start()
                aim = re.search(r"针对|針對|对|對", text[p_start:p_end])
                p_end = p_start + aim.start() if aim else p_end
                if text[p_start:p_end].endswith("的"):  # "接受…书记蔡奇的现场点评"
                    p_end -= 1
                reviewer = split_person(text, p_start, p_end)[1]
                if reviewer is None and (cs, ce) != bounds[0]:  # "书记文志军在每人述职后,…,进行现场点评"
                    reviewer = leading_person(text, *bounds[0])[1]
        # attendees: a sentence whose last clause ends in 出席/参加 and whose clauses are title+name
        _, last_end = trim(text, s, e, "。.！!")
        tail = _ATTEND_END.search(text, s, last_end)
        if not tail or tail.end() != last_end:
            continue
        for cs, ce in _clause_bounds(text, s, tail.start()):
            if _CHAIR.search(text, cs, ce) or _REVIEW.search(text, cs, ce) or "召开" in text[cs:ce]:
                continue
            attendees += _attending(text, cs, ce)
    if chair is None:  # a title line "…点评会 蔡奇主持并点评" when the body names no chair
        m = _TITLE_CHAIR.search(text)
        if m:
            chair = scored([Quote(text, m.start(1), m.end(1))], TITLE_LINE_CHAIR)[0]
            reviewer = reviewer or chair
    if reviewer is None:
        reviewer = _judge(text)
    if reviewer is not None:  # the reviewer is no attendee, even when the sentence names him
        attendees = [a for a in attendees if str(a["name"]) != str(reviewer)]
    return chair, reviewer, attendees


_AT_REVIEW = re.compile(r"(?:点评|點評|评议|評議|讲评|講評)大?(?:会|會)上$")
_JUDGING = re.compile(r"指出|强调|強調|要求|点评|點評")
_BOTH_SIDES = re.compile(r"(?:亮点|亮點|成绩|成績|成效).{0,20}(?:不足|问题|問題|差距|短板)")


def _judge(text: str) -> Quote | None:
    """The reviewer of a meeting that names none with "点评": the person who speaks first at the
    点评会 ("观摩点评会上,镇党委书记吕兴让指出"), or who points out both the strong and the weak
    points ("…书记唐友波结合比武情况,具体指出各村工作亮点和不足")."""
    for s, e in sentences(text):
        bounds = _clause_bounds(text, s, e)
        if len(bounds) > 1 and _AT_REVIEW.search(text, *bounds[0]):
            person_at = bounds[1]
        elif _JUDGING.search(text, s, e) and _BOTH_SIDES.search(text, s, e):
            person_at = bounds[0]
        else:
            continue
        name = leading_person(text, *person_at)[1]
        if name is not None:
            return scored([name], JUDGE_REVIEWER)[0]
    return None


JUDGE_REVIEWER = 0.6
"""A reviewer read from who judges, not from the word 点评: a leader's speech may be only that."""
TITLE_LINE_CHAIR = 0.7
"""A chair named only on the title line, as "X主持并点评": a bare name, no title to confirm it."""


def _attending(text: str, cs: int, ce: int) -> list[dict[str, Any]]:
    """The people of one attendance clause: "title+name", or a shared title before a list of bare
    names ("市领导刘继英、徐守冀、马丙全"), each name given that title."""
    title, name = split_person(text, cs, ce)
    if title is not None and name is not None:
        return [{"name": name, "title": title}]
    pieces = [trim(text, a, b) for a, b in split_spans(text, cs, ce, "、")]
    if len(pieces) < 2:
        return []
    last_s, last_e = pieces[-1]
    if text.endswith("等", last_s, last_e):
        pieces[-1] = (last_s, last_e - 1)
    title, first = split_person(text, *pieces[0])
    rest = [split_person(text, a, b) for a, b in pieces[1:]]
    if title is None or first is None or any(t is not None or n is None for t, n in rest):
        return []
    return [{"name": n, "title": title} for n in [first, *(n for _, n in rest)]]


def _briefings(text: str) -> list[dict[str, Any]]:
    out = []
    for s, e in sentences(text):
        starts = []
        for cs, ce in [trim(text, a, b) for a, b in split_spans(text, s, e, _COMMA + "；;")]:
            m = _BRIEF.match(text, cs, ce) or _AGENCY_BRIEF.match(text, cs, ce)
            if m and m.end() < ce:
                starts.append((cs, m.end()))
        for k, (_cs, ts) in enumerate(starts):
            stop = starts[k + 1][0] if k + 1 < len(starts) else e
            comma = min((i for i in (text.find(c, ts, stop) for c in _COMMA + "。；;") if i != -1), default=stop)
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
        for cs, ce in [trim(text, a, b) for a, b in split_spans(text, s, e, _COMMA + "；;")]:
            m = _EXCHANGE.search(text, cs, ce)
            if m:
                topic = _ON_TOPIC.search(text, cs, m.start())  # "X就Y进行了交流发言": X spoke
                q = quote(text, cs, topic.start() if topic else m.start())
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


def _person_lead(text: str, s: int, e: int, people: set[str]) -> re.Match[str] | None:
    """A leader's lead-in ("贺海东要求,", "区长宋建伟提出要…") in the first two clauses."""
    for cs, ce in _clause_bounds(text, s, e)[:2]:
        m = _PERSON_LEAD.match(text, cs, ce)
        if m and (m.group("who") in people or split_person(text, m.start("who"), m.end("who"))[1] is not None):
            return m
    return None


MEETING_DIRECTIVE, LEADER_DIRECTIVE = 0.8, 0.6
"""A directive after "会议强调/要求", against one a leader states (or the opening sentence's
"…点评会,要求…") in a text without such a block: it may address one unit rather than all."""


def _directives(text: str, people: set[str], lead: tuple[int, int] | None) -> list[Quote]:
    out: list[Quote] = []
    no_block = not any(
        _LEAD_IN.match(text, cs, ce) for s, e in sentences(text) for cs, ce in _clause_bounds(text, s, e)[:2]
    )
    if no_block and lead:  # "区委召开…点评会,要求…": the meeting's own requirement
        for cs, _ce in _clause_bounds(text, *lead)[1:]:
            if text.startswith(("要求", "強調", "强调"), cs) and (q := quote(text, cs + 2, lead[1])):
                out.append(scored([q], LEADER_DIRECTIVE)[0])
                break
    active = False
    score = MEETING_DIRECTIVE
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
        if lead is None and no_block:
            lead = _person_lead(text, s, e, people)
            score = LEADER_DIRECTIVE if lead else MEETING_DIRECTIVE
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
                out.append(scored([q], score)[0])
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
            out.append(scored([q], score)[0])
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
    record = {
        "meeting_date": meeting_date,
        "meeting": meeting,
        "organizer": organizer,
        "chair": chair,
        "reviewer": reviewer,
        "attendees": attendees,
        "units": units(text),
        "briefings": _briefings(text),
        "exchange_speakers": _exchange_speakers(text),
        "directives": _directives(text, {str(p) for p in (chair, reviewer) if p}, lead),
    }
    if not record["units"]:  # no unit reviewed in a form the rules read well
        for value in _quotes(record):
            value.score = round(value.score * UNREAD_FORM, 4)
        record["units"] = led_units(text)  # scored by their own, weaker cues
    return record


UNREAD_FORM = 0.6
"""A meeting with no speaker list and no per-unit review (a 述职评议, a site tour then a review, a
contest): what the rules read of it comes from a page of a form they do not know well, so every
value is doubtful. Its units, if places lead clauses, carry their own (already low) scores."""


def _quotes(node: Any) -> list[Quote]:
    if isinstance(node, Quote):
        return [node]
    if isinstance(node, dict):
        return [q for v in node.values() for q in _quotes(v)]
    if isinstance(node, list):
        return [q for v in node for q in _quotes(v)]
    return []


__all__ = ["extract", "shortcoming"]
