"""Q&A turns labelled by speaker rather than by 问/答 (press-conference transcripts).

A transcript line is "<label>:<what was said>", the label a short run without punctuation
("記者", "▲新华社记者", "行政長官", "王国庆"). Pages vary the layout, and the reader follows the
structure rather than the words: a label may carry a name after a space ("…部部長 金壯龍"),
pinyin glosses after its characters ("工業(yè)"), stand on a line of its own with the turn on the
next line (live-text pages, with timestamp lines between turns), or be letter-spaced like the rest
of the page ("李 永 達 議 員 :"). The askers are the press or members (记者, 议员, 委员, 代表…); any
other label that follows an asker's turn is the answer. Chair turns (主持人) are procedure, not
questions, and so is a turn that only calls the next speaker ("立法會主席梁君彥議員:行政長官。").
A question whose answer is cut off the page is not a pair.

Two more layouts keep the same structure: a transcript flattened onto one line, its turns
separated by a space before each label ("… 王超: … 某台记者: … 李强: …"), read by splitting the
line at those labels; and a page hard-wrapped mid-sentence (a PDF), whose own-line label takes the
following lines up to the next label (an answer keeps its first paragraph, as everywhere).
"""

from __future__ import annotations

import itertools
import re

from annotate.extraction.rules.evidence import UNPAIRED_TURN
from annotate.extraction.rules.people import TITLE_WORDS, split_person
from annotate.extraction.rules.spans import GLOSS, Quote, quote, scored, trim

_GLOSS = GLOSS
_CHAR = r"[^\s:：，,。；;！？!?、()（）《》“”\"\[\]【】［］]"
_LABEL = re.compile(
    rf"[▲△●■◆\-—*\s]*(?P<label>[\u4e00-\u9fff][ \u3000]{{1,2}}[\u4e00-\u9fff](?=\s*[:：])"
    rf"|(?:{_CHAR}{_GLOSS}?){{1,16}}?(?:[ \u3000][\u4e00-\u9fff·]{{2,4}})?)\s*[:：]"
)
"""A speaker label: a run without punctuation, glossed or not, maybe a name after a space ("…部長 金壯龍"),
or two characters spaced apart ("記 者:")."""
_BRACKET_LABEL = re.compile(r"\s*[\[［【](?P<label>[^\]］】:：，,。；;！？!?\n]{2,24})[\]］】]\s*[:：]?")
GREETING = re.compile(r"[^。!！?？]{0,10}?(?:大家|各位|你们|你們|您|主持人|网友们|網友們)?好[!！。,，]")
"""An answer that opens by greeting: the reply to a welcome or a greeting."""
_TURN_TIME = re.compile(r"\s*[\[［(（]\d{1,2}[:：]\d{2}[\]］)）]\s*$")
_LIST_NO = re.compile(r"\s*\d{1,3}[,，]?[、.．]")
_SPACED_LABEL = re.compile(r"[▲△●■◆\-—*\s]*(?P<label>(?:[^\s:：，,。；;！？!?] ){1,16})[:：]")
_STAMP = re.compile(r"[\d\s:：/.\-年月日时時分秒]+")
_ASKER = re.compile(r"记者|記者|议员|議員|委员|委員|代表|市民|网友|網友|提问|提問")
_CITIZEN = re.compile(r"[\u4e00-\u9fff]{1,2}(?:先生|女士|小姐)")
"""A citizen named only by surname and honorific ("刘先生:"): a caller or letter writer, who asks."""
_CHAIR = re.compile(r"主持")
_MEDIA_LABEL = re.compile(
    r"(?:日报|日報|晚报|晚報|时报|時報|商报|商報|电视台|電視台|电台|電台|通讯社|通訊社|新闻社|新聞社|新华社|新華社|报社|報社)$"
)
"""A label naming a newspaper or station ("人民日报:"): the press asks, whatever its name."""
_NAMED_DEPUTY = re.compile(r"(?P<name>[\u4e00-\u9fff]{2,3})(?:代表|委员|委員)")
"""A deputy's name and title ("陈国鹰代表:"): asked by the press at a delegation's open day, a deputy answers."""
_NOISE = re.compile(rf"{_GLOSS}|\s")
_INLINE = re.compile(rf"(?<=\s)(?P<label>{_CHAR}{{2,16}}?)[:：][ \u3000]")
"""A label inside a line, after a space and followed by one: the turns of a flattened transcript."""
_INLINE_GLUED = re.compile(rf"(?<=\s)(?P<label>{_CHAR}{{2,8}}?)[:：](?=[^\s\d])")
_TRAILING_HEADING = re.compile(r"[。！？!?][ \u3000]+[^\s。，,；;！？!?:：]{2,20}\s*$")
_MID_SENTENCE = re.compile(r"[\u4e00-\u9fff，,、]")
"""The last character of a line cut mid-sentence: a word or a comma, not a sentence's end or a colon."""
_WRAP_END = '。！？!?…」』”"）)'
_PERSON_LABEL = re.compile(
    r"^[\u4e00-\u9fff](?:市長|市长|縣長|县长|議長|议长|議員|议员|局長|局长|處長|处长|部長|部长|主任|委員|委员)[\u4e00-\u9fff]{1,2}$"
)
"""A label "姓 + title + given name" (林市長右昌, 陳議員明建): the label is how the page names the person."""
_SURNAME_TITLE = re.compile(rf"(?P<surname>[\u4e00-\u9fff])(?P<title>{TITLE_WORDS})")
"""A label "surname + title" (周书记): the text names the person in full after the title elsewhere."""
_BODY_LABEL = re.compile(r"(?:组|組|局|委|办|辦|部|院|厅|廳|处|處|中心|台|社|报|報|网|網|团|團|方)$")
"""A label that ends like a body (起草组, 某局), not a person: it names no speaker."""
_BARE_NAME = re.compile(r"[\u4e00-\u9fff·]{2,4}")
_OFFICE_LINE = re.compile(rf"[\u4e00-\u9fff、]{{0,30}}(?:{TITLE_WORDS})")
"""A label on two lines without a colon: the speaker's name, then the office ("孟玮" / "国家发展改革委新闻发言人")."""
_NAME_STOP = set("今昨明日于於在出與与和及聯联同等向到就为為對对")

LABELLED_PAIR, OWN_LINE_PAIR = 0.85, 0.8
"""A question under an asker's label answered under another label: both turns marked by the page;
a label on a line of its own leaves where the turn ends to the line breaks."""


def plain(label: str) -> str:
    """The label without letter-spacing and pinyin glosses, to be compared with other labels."""
    return _NOISE.sub("", label)


def _spaced(text: str, s: int, e: int) -> bool:
    """A letter-spaced line: most characters are followed by a single space."""
    body = text[s:e]
    return len(body) >= 8 and body.count(" ") * 3 >= len(body)


def _split_inline(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Lines holding two or more inline labels split before each label (a flattened transcript).

    Labels glued to their turn ("… 记者:房山… 张效廉:房山…") count where each is said at least
    twice on the line and an asker is among them; a short run without punctuation that closes a
    turn after a space ("…搬迁愿望。 山区发展将有规划") is the next exchange's heading, not the turn's."""
    out = []
    for s, e in spans:
        cuts = [m.start() for m in _INLINE.finditer(text, s, e)]
        glued = False
        if len(cuts) < 2:
            tight = list(_INLINE_GLUED.finditer(text, s, e))
            said = [plain(m.group("label")) for m in tight]
            repeated = {label for label in said if said.count(label) >= 2}
            if any(_ASKER.search(label) for label in repeated):
                cuts = [m.start() for m in tight if plain(m.group("label")) in repeated]
                glued = True
        if len(cuts) < 2:
            out.append((s, e))
            continue
        bounds = [s, *cuts, e]
        for a, b in itertools.pairwise(bounds):
            if glued and (heading := _TRAILING_HEADING.search(text, a, b)) is not None:
                b = heading.start() + 1
            if b > a:
                out.append(trim(text, a, b))
    return out


def _wrapped_turn(text: str, spans: list[tuple[int, int]], k: int) -> int:
    """Index of the last line of a turn starting at line ``k``: the line itself, or — when it ends
    mid-sentence (a hard-wrapped page) — the lines after it up to the next own-line label."""
    j = k
    if not _MID_SENTENCE.match(text[spans[k][1] - 1]):
        return k
    while j + 1 < len(spans):
        s, e = spans[j + 1]
        if (no := _LIST_NO.match(text, s, e)) is not None:
            s = no.end()  # a numbered turn "2、经济日报:…"
        if e > s and (_LABEL.match(text, s, e) or not re.search(r"[\u4e00-\u9fff]", text[s:e])):
            break
        j += 1
    return j


def first_paragraph(text: str, s: int, e: int) -> int:
    """End of the first paragraph of ``[s, e)``: the first line end after a sentence's end."""
    pos = s
    while (nl := text.find("\n", pos, e)) >= 0:
        if text[nl - 1] in _WRAP_END:
            return nl
        pos = nl + 1
    return e


def labelled_turns(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """``(label, body_start, body_end)`` of each turn; a label alone on its line takes the next line
    (and the lines after it when the page is hard-wrapped)."""
    out = []
    spans = _split_inline(text, spans)
    k = 0
    while k < len(spans):
        s, e = spans[k]
        if (no := _LIST_NO.match(text, s, e)) and _LABEL.match(text, no.end(), e):
            s = no.end()  # a numbered turn "2、经济日报:…" (summaries of a press conference)
        if k + 2 < len(spans) and _BARE_NAME.fullmatch(text, s, e) and _OFFICE_LINE.fullmatch(text, *spans[k + 1]):
            last = _wrapped_turn(text, spans, k + 2)
            out.append((text[s:e], spans[k + 2][0], spans[last][1]))
            k = last + 1
            continue
        m = (_SPACED_LABEL if _spaced(text, s, e) else _LABEL).match(text, s, e)
        m = m or _BRACKET_LABEL.match(text, s, e)  # "[塔斯社记者]…": the label in brackets, no colon
        if m and m.end() < e:
            nxt = spans[k + 1] if k + 1 < len(spans) else None
            if text[e - 1] in "，," and nxt and nxt[1] > nxt[0] and not _LABEL.match(text, *nxt):
                e, k = nxt[1], k + 1  # a turn wrapped after a comma ("…直辖区,\n为什么…?") goes on
            if stamp := _TURN_TIME.search(text, m.end(), e):  # "… [10:02]": when it was said, not what
                e = stamp.start()
            out.append((m.group("label").strip(), m.end(), e))
        elif m and m.end() == e and any("\u4e00" <= c <= "\u9fff" for c in m.group("label")):
            nxt = next((j for j in range(k + 1, len(spans)) if spans[j][1] > spans[j][0]), None)
            if nxt is not None and not _LABEL.fullmatch(text, *spans[nxt]) and not is_stamp(text, *spans[nxt]):
                last = _wrapped_turn(text, spans, nxt)
                out.append((m.group("label").strip(), spans[nxt][0], spans[last][1]))
                k = last
        k += 1
    return out


def is_stamp(text: str, s: int, e: int) -> bool:
    """A line holding only a date and/or time (the timestamps of live-text pages)."""
    return e > s and bool(_STAMP.fullmatch(text, s, e)) and any(c.isdigit() for c in text[s:e])


def _procedural(text: str, turn: tuple[str, int, int], labels: set[str]) -> bool:
    """A chair's turn, or one that only calls the next speaker by a label used in the transcript."""
    label, s, e = turn
    called = plain(text[s:e]).rstrip("。.!！")
    asks = bool(re.search(r"[?？][\s”」』]*$", text[s:e]))  # a host who asks a question is an asker
    return (bool(_CHAIR.search(label)) and not asks) or (len(called) <= 16 and called in labels)


Turn = tuple[str, int, int]


def _pairs(text: str, spans: list[tuple[int, int]]) -> list[tuple[Turn, Turn, bool]]:
    """(asker turn, answering turn, broken) pairs, procedural turns skipped. ``broken``: the turn
    before the question is an unanswered question, or the turn after the answer is another
    speaker's answer with no question before it — the ask/answer rhythm the pair was read by does
    not hold there."""
    turns = labelled_turns(text, spans)
    labels = {plain(t[0]) for t in turns}
    turns = [t for t in turns if not _procedural(text, t, labels)]
    counts: dict[str, int] = {}
    for t in turns:
        counts[plain(t[0])] = counts.get(plain(t[0]), 0) + 1
    # one label that answers again and again after different labels: those others ask (media names)
    answerer = {x for x, n in counts.items() if n >= 2 and not _ASKER.search(x)}
    # of two recurring labels taking turns ("羊城晚報:" / "王榮:"), the one whose turns are questions asks
    questioning = {x for x in answerer if _mostly_questions(text, [t for t in turns if plain(t[0]) == x])}
    if len(answerer) == 2 and len(questioning) == 1:
        answerer -= questioning
    else:
        questioning = set()
    asks = []
    for k, turn in enumerate(turns):
        label, nxt = plain(turn[0]), plain(turns[k + 1][0]) if k + 1 < len(turns) else ""
        by_rhythm = (label not in answerer and nxt in answerer and len(answerer) == 1) or label in questioning
        asker = _ASKER.search(label) or _MEDIA_LABEL.search(label) or _CITIZEN.fullmatch(label)
        asks.append(bool(asker or by_rhythm) and not label.startswith("各位"))  # "各位代表:" greets
    out = []
    for k, turn in enumerate(turns[:-1]):
        nxt = plain(turns[k + 1][0])
        press_to_deputy = bool(_MEDIA_LABEL.search(plain(turn[0]))) and bool(_NAMED_DEPUTY.fullmatch(nxt))
        if asks[k] and (not _ASKER.search(nxt) or press_to_deputy):
            unanswered = k > 0 and asks[k - 1]
            after = plain(turns[k + 2][0]) if k + 2 < len(turns) else ""
            # a second answer by a recurring speaker; a one-off "label" inside an answer is its text
            unasked = bool(after) and not asks[k + 2] and counts[after] >= 2 and after != plain(turns[k + 1][0])
            out.append((turn, turns[k + 1], unanswered or unasked))
    return out


def _mostly_questions(text: str, turns: list[Turn]) -> bool:
    """At least half of the turns end in a question mark."""
    return 2 * sum(bool(re.search(r"[?？][\s”」』]*$", text[s:e])) for _l, s, e in turns) >= len(turns)


_HEADLINE = re.compile(r"[^。！？!?；;\n]{1,24}")


def _crossheads(text: str, question: tuple[int, int], answer: tuple[int, int]) -> bool:
    """Two "label: headline" lines with narration between them ("网友:“鼓掌”欢迎市长" … "市长:爽快公布
    QQ号"): a story's crossheads, not turns — turns follow one another, and say sentences."""
    between = text[question[1] : answer[0]]
    told = any(line.strip() for line in between.split("\n")[1:-1])
    return told and all(_HEADLINE.fullmatch(text, *span) for span in (question, answer))


def labelled_qa(text: str, spans: list[tuple[int, int]]) -> list[dict[str, Quote]]:
    """Question/answer pairs from speaker-labelled turns (empty when no asker label is found)."""
    out = []
    for (ql, qs, qe), (_al, as_, ae), broken in _pairs(text, spans):
        q = quote(text, qs, qe, strip_punct=False)
        a = quote(text, as_, first_paragraph(text, as_, ae), strip_punct=False)
        if a is not None and GREETING.match(str(a)):
            continue  # "主持人好。", "网友朋友们,大家好!…": a greeting answers a welcome, not a question
        if _crossheads(text, (qs, qe), (as_, ae)):
            continue
        if q is not None and a is not None:
            score = OWN_LINE_PAIR if text.rfind("\n", 0, qs) > text.rfind(ql, 0, qs) else LABELLED_PAIR
            score = round(score * UNPAIRED_TURN, 4) if broken else score
            out.append({"question": scored([q], score)[0], "answer": scored([a], score)[0]})
    return out


def _name_at(text: str, pos: int, limit: int) -> Quote | None:
    """A 2–4 character name at ``pos`` (letter-spaced or not), cut before a word that follows names."""
    chars = []
    i = pos + 1 if text.startswith(" ", pos) else pos
    pos = i
    while i < limit and len(chars) < 5:
        if text[i] == " " and chars and _spaced(text, max(0, pos - 8), min(limit, pos + 8)):
            i += 1
            continue
        if not ("\u4e00" <= text[i] <= "\u9fff" or text[i] == "·"):
            break
        chars.append(i)
        i += 1
    for n in (2, 3, 4):
        if n < len(chars) and text[chars[n]] in _NAME_STOP:
            return Quote(text, pos, chars[n - 1] + 1)
    return None


def answerer_names(text: str, spans: list[tuple[int, int]]) -> list[Quote]:
    """Names of those who answer: a bare-name label ("王国庆"), a name after the title in the label
    ("…部長 金壯龍"), or the name the page gives right after the answering title ("財政司司長曾俊華")."""
    out: list[Quote] = []
    for _q, (label, s, _e), _broken in _pairs(text, spans):
        start = text.rfind(label, 0, s)
        name: Quote | None = None
        if _BODY_LABEL.search(plain(label)):
            continue  # a body answers (起草组): no person named
        if _PERSON_LABEL.match(label):
            name = Quote(text, start, start + len(label))
        elif deputy := _NAMED_DEPUTY.fullmatch(label):
            name = Quote(text, start, start + deputy.end("name"))
        elif (sp := max(label.rfind(" "), label.rfind("\u3000"))) > 0 and not _spaced(text, start, s):
            name = Quote(text, start + sp + 1, start + len(label))
        elif 2 <= len(label) <= 3 and not re.search(r"[长長官员員者人记記席任部局委]$", label):
            name = Quote(text, start, start + len(label))
        elif (person := split_person(text, start, start + len(label)))[0] is not None:  # "处长何甜甜"
            name = person[1]
        else:
            at = text.find(label)
            while name is None and 0 <= at < start:
                name = _name_at(text, at + len(label) + (1 if _spaced(text, at, at + len(label)) else 0), start)
                at = text.find(label, at + 1)
        if name is None and (m := _SURNAME_TITLE.fullmatch(plain(label))):  # "周书记" -> "书记周平"
            full = re.search(
                rf"{m.group('title')}({re.escape(m.group('surname'))}[\u4e00-\u9fff]{{1,2}}?)(?=[,，。、\s])", text
            )
            name = Quote(text, full.start(1), full.end(1)) if full else None
        if name is not None and str(name) not in out:
            out.append(scored([name], 0.7)[0])
    return out


_ROLE_LABEL = re.compile(
    r"\s*(?P<role>[^\s:：，,。；;！？!?()（）]{2,12})[(（](?P<who>[^()（）:：\n]{2,30})[)）]\s*[:：]"
)
"""A role with the person in brackets: "主持人(省生态环境厅宣教处处长杨正国):"."""
_OWN_LINE_LABEL = re.compile(r"\s*(?P<who>[^\s:：，,。；;！？!?]{2,40})\s*[:：]\s*$")
"""A label on a line of its own, titles joined by 、 ("…新闻局副局长、新闻发言人寿小丽:")."""


def host_names(text: str, spans: list[tuple[int, int]]) -> list[Quote]:
    """Officials who speak under a label naming them by title ("新闻发言人寿小丽:", "主持人(…处长杨正国):"),
    for a transcript the page cut before any question: they are its speakers, the host included."""
    labels = [(text.rfind(label, 0, s), label) for label, s, _e in labelled_turns(text, spans)]
    labels = [(start, start + len(label)) for start, label in labels if start >= 0 and not _ASKER.search(plain(label))]
    labels += [
        m.span("who") for s, e in spans if (m := _ROLE_LABEL.match(text, s, e) or _OWN_LINE_LABEL.match(text, s, e))
    ]
    out: list[Quote] = []
    for a, b in sorted(labels):
        title, name = split_person(text, a, b)
        if title is not None and name is not None and str(name) not in out:
            out.append(scored([name], HOST_NAME)[0])
    return out


HOST_NAME = 0.7


def asker_turns(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """The labelled turns of askers (记者, 议员…) among ``spans``: a Q&A block, not a section."""
    return [t for t in labelled_turns(text, spans) if _ASKER.search(plain(t[0])) and not _CHAIR.search(t[0])]


_REPORTED_Q = re.compile(
    r"(?:有|一位|一名)?[\u4e00-\u9fff]{0,10}?(?:网友|網友|记者|記者|市民|读者|讀者|群众|群眾|代表|委员|委員|议员|議員)"
    r"(?:提问|提問|问|問)(?:道|说|說)?\s*[,，:：]"
)
_REPORTED_A = re.compile(r"(?P<who>[\u4e00-\u9fff·]{1,12}?)(?:回答|答复|答覆|答)(?:说|說|道)?\s*[,，:：]")
REPORTED_PAIR = 0.75
"""A question and answer in reported speech ("有网友问,…" / "X回答说,…"): marked by the verbs of
asking and answering that open two adjacent paragraphs, not by labels, so weaker than a label."""


def reported_qa(text: str, spans: list[tuple[int, int]]) -> tuple[list[dict[str, Quote]], list[Quote]]:
    """Pairs of adjacent paragraphs "<asker>问,question" / "<who>回答说,answer", and each ``who`` that
    is a 2–4 character name said again elsewhere in the text (the answerer)."""
    pairs: list[dict[str, Quote]] = []
    names: list[Quote] = []
    for (qs, qe), (as_, ae) in itertools.pairwise(spans):
        mq, ma = _REPORTED_Q.match(text, qs, qe), _REPORTED_A.match(text, as_, ae)
        if not (mq and ma):
            continue
        q, a = quote(text, mq.end(), qe, strip_punct=False), quote(text, ma.end(), ae, strip_punct=False)
        if q is not None and a is not None:
            pairs.append({"question": scored([q], REPORTED_PAIR)[0], "answer": scored([a], REPORTED_PAIR)[0]})
            who = ma.group("who")
            if 2 <= len(who) <= 4 and text.count(who) >= 2 and who not in names:
                names.append(scored([Quote(text, ma.start("who"), ma.end("who"))], REPORTED_PAIR)[0])
    return pairs, names
