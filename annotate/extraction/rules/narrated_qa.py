"""Questions and answers told inside a news story's narration (``public_report``).

A story about a press conference, an open day or a TV 问政 rarely prints labelled turns. The
asker is named in the sentence that asks ("法新社记者提问汪洋,称「…?」", "后来媒体追问,…?",
"有媒体记者发问:…?"), or the question stands alone ("今年会不会有水患?"), and the official's
answer follows in the same paragraph or the next, after a verb of answering ("他回答称,",
"X则回应,", "对此,X坦陈,", "X解答,"), as a quotation or as reported speech.

A question is the quotation after the verb of asking, else the words up to its question mark
(two question sentences in a row are one question; a reported question with no mark ends at its
full stop; a quotation the page never closed runs to its mark). "提问过"/"问完" tell of a question,
they do not ask one. An answer runs from the verb of answering to the paragraph's end, but stops before a
sentence about the reporters or the room ("法新社记者似乎不太满意…", "此语一出…"); an answer that
is one quotation and nothing more, or a said sentence with narration after it, is the quotation's words.
"""

from __future__ import annotations

import re

from annotate.extraction.rules.people import split_person
from annotate.extraction.rules.spans import Quote, quote, scored

_ASKERS = r"记者|記者|媒体|媒體|网友|網友|主持人|观众|觀眾|市民"
_ASK = re.compile(
    rf"(?<!征集)(?<!徵集)(?<!收集)(?:{_ASKERS})[^，,。；;:：“”「」『』?？]{{0,8}}?"
    r"(?<![慰访訪顾顧学學疑反])(?:提问|提問|询问|詢問|追问|追問|发问|發問|问道|問道|问|問)(?![题題候好责責卷过過完])"
)
_ANSWERING = re.compile(r"回答|回應|回应|答复|答覆|答復")
"""A verb of answering before the asking words ("X回答香港文汇报记者提问时说"): a topic answered, no question."""
_ANSWERER = re.compile(
    r"(?P<who>[^，,。；;:：“”「」『』?？\s]{2,12}?)(?:在)?(?:回答|回應|回应)[^，,。]{0,24}?(?:提问|提問|问题|問題)(?:时|時)"
)
"""An official answering a question the page names only by its topic: a speaker, with no pair."""
_ASKER_SAYS = re.compile(
    rf"(?:{_ASKERS})(?:[“「『][^”」』]{{1,12}}[”」』])?[^，,。；;:：“”「」『』]{{0,6}}?(?:说|說|称|稱|道)\s*[:：]\s*[“「『]"
)
"""An asker (a net user by nickname) saying a quotation; it asks when the quotation holds a question mark."""
_ADDRESSEE = re.compile(r"[^，,。；;:：“”「」『』?？\s]{1,8}[,，:：]")
"""Who is asked, or what was won ("汪洋书记,", "龙正才,", "提问机会,"), right after the verb."""
_SAYS = re.compile(r"\s*(?:提问中|提問中)?(?:(?:直接|首先)?(?:表示|称|稱|说|說|道))?\s*[,，:：]?\s*")
_OPEN, _CLOSE = "“「『", "”」』"
_QMARK = "?？"
_ANSWER = re.compile(
    r"(?P<who>[^，,。；;:：“”「」『』?？\s]{0,16}?)(?:则|則|随即|隨即|英勇|当即|當即)*"
    r"(?:回答|回應|回应|答道|表示|解释|解釋|解答|坦言|坦陈|坦陳|标明|標明|指出|笑称|笑稱|补充说|補充說|说|說|称|稱)"
    r"(?:称|稱|说|說|道)?\s*[:：,，]\s*"
)
_CLAUSE_START = "，,。；;!！?？"
_ROOM = re.compile(r"[^。！!?？]{0,8}?(?:记者|記者|媒体|媒體|现场|現場|此语|此語|此话|此話|会场|會場|主持人)")
"""A sentence about the room, not the official's words: where an answer stops."""
NARRATED_PAIR = 0.6
"""A pair read from narration: only verbs of asking and answering mark it, the weakest cue."""
BARE_QUESTION = 80


def _closing(text: str, pos: int, end: int) -> int | None:
    """Index of the closing mark of the quotation opening at ``pos``."""
    close = _CLOSE[_OPEN.index(text[pos])]
    at = text.find(close, pos + 1, end)
    return at if at >= 0 else None


def _question(text: str, s: int, e: int) -> tuple[int, int, int] | None:
    """``(start, end, after)`` of the question this paragraph asks, ``after`` where its answer may start."""
    ask = _ASK.search(text, s, e)
    clause = max((text.rfind(c, s, ask.start()) for c in _CLAUSE_START), default=-1) if ask else -1
    if ask is not None and _ANSWERING.search(text, max(s, clause + 1), ask.start()):
        return None
    if ask is not None:
        pos = ask.end()
        if (a := _ADDRESSEE.match(text, pos, e)) is not None and text[pos] not in "，,:：":
            pos = a.end()
        pos = _SAYS.match(text, pos, e).end()
        if pos < e and text[pos] in _OPEN and (close := _closing(text, pos, e)) is not None:
            return pos + 1, close, close + 1
        if pos < e and text[pos] in _OPEN:  # a quotation the page never closed: its words to the mark
            pos += 1
        return _to_mark(text, pos, e, full_stop=True)
    said = _ASKER_SAYS.search(text, s, e)  # "网友“小猫咪”说:“…?”": an asker's quoted words, a question
    if said is not None and (close := _closing(text, said.end() - 1, e)) is not None:
        if any(c in _QMARK for c in text[said.end() : close]):
            return said.end(), close, close + 1
    first = _to_mark(text, s, e, full_stop=False)  # a question standing alone: "今年会不会有水患?"
    if first is not None and first[1] - s <= BARE_QUESTION and text[s] not in _OPEN:
        return first
    return None


def _to_mark(text: str, pos: int, e: int, *, full_stop: bool) -> tuple[int, int, int] | None:
    """The words from ``pos`` up to the question mark (a second question sentence right after it
    joins), or up to the full stop when ``full_stop`` and no mark comes first."""
    marks = [i for i in range(pos, e) if text[i] in _QMARK]
    stop = text.find("。", pos, e)
    if marks and (stop < 0 or marks[0] < stop):
        end = marks[0] + 1
        for m in marks[1:]:
            between = text[end:m]
            if "。" in between or _ANSWER.search(between) or len(between) > 60:
                break
            end = m + 1
        return pos, end, end
    if full_stop and stop > pos:
        return pos, stop + 1, stop + 1
    return None


def _answer(text: str, paragraphs: list[tuple[int, int]], k: int, after: int) -> tuple[Quote, str] | None:
    """The answer after ``after`` in paragraph ``k`` or at the start of the next, and who gave it."""
    candidates = [(after, paragraphs[k][1], False)]
    if k + 1 < len(paragraphs):
        candidates.append((paragraphs[k + 1][0], paragraphs[k + 1][1], True))
    for s, e, next_paragraph in candidates:
        for m in _ANSWER.finditer(text, s, e):
            boundary = m.start() == s or text[m.start() - 1] in _CLAUSE_START
            if not boundary or (next_paragraph and text.rfind("。", s, m.start()) >= 0):
                continue
            return _span(text, m.end(), e), m.group("who")
    return None


def _span(text: str, start: int, end: int) -> Quote:
    """The answer's words from ``start``: to the paragraph's end or a sentence about the room; one
    quotation alone is its words."""
    stop = end
    pos = start
    while (dot := text.find("。", pos, end)) >= 0 and dot + 1 < end:
        if _ROOM.match(text, dot + 1, end):
            stop = dot + 1
            break
        pos = dot + 1
    if text[start] in _OPEN and (close := _closing(text, start, stop)) is not None:
        rest = text[close + 1 : stop].strip()
        if not rest or rest in "。.":
            return Quote(text, start + 1, close)
        if text[close - 1] in "。！!？?" and rest[0] not in _CLAUSE_START + "、":  # narration follows a said sentence
            return Quote(text, start + 1, close)
    return quote(text, start, stop, strip_punct=False) or Quote(text, start, stop)


def narrated_qa(text: str, paragraphs: list[tuple[int, int]]) -> tuple[list[dict[str, Quote]], list[Quote]]:
    """Question/answer pairs told in narration, and the named officials who answer them."""
    pairs: list[dict[str, Quote]] = []
    names: list[Quote] = []
    for k, (s, e) in enumerate(paragraphs):
        found = _question(text, s, e)
        if found is None:
            continue
        qs, qe, after = found
        answered = _answer(text, paragraphs, k, after)
        question = quote(text, qs, qe, strip_punct=False)
        if answered is None or question is None or not str(answered[0]).strip():
            continue
        answer, who = answered
        pairs.append({"question": scored([question], NARRATED_PAIR)[0], "answer": scored([answer], NARRATED_PAIR)[0]})
        at = text.rfind(who, 0, answer.start) if who else -1
        if at >= 0:
            _add(names, split_person(text, at + who.rfind("、") + 1, at + len(who))[1])
    if pairs:  # officials who answered a question named only by its topic ("X在回答…问题时")
        for m in _ANSWERER.finditer(text):
            clause = max(m.group("who").rfind(c) for c in "，,。、")
            _add(names, split_person(text, m.start("who") + clause + 1, m.end("who"))[1])
    return pairs, names


def _add(names: list[Quote], person: Quote | None) -> None:
    if person is not None and 2 <= len(person) <= 4 and str(person) not in [str(n) for n in names]:
        names.append(scored([person], NARRATED_PAIR)[0])
