"""Rules for public work reports with a Q&A session (``public_report``), Simplified or Traditional.

Such a page is a title (often with a "——…" subtitle), photo captions, headed sections — a short
line without final punctuation that follows running text and is followed by paragraphs — and
"问:/答:" pairs. Captions come in runs of short lines, which is what tells them from headings.
Characters are never converted: the Traditional text is what the spans point at.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from annotate.extraction.rules import dates
from annotate.extraction.rules.dialogue import (
    answerer_names,
    asker_turns,
    host_names,
    is_stamp,
    labelled_qa,
    labelled_turns,
    plain,
    reported_qa,
)
from annotate.extraction.rules.headline_qa import headline_qa
from annotate.extraction.rules.mailbox_qa import (
    Mailbox,
    letter_and_reply,
    mailbox,
    office_reply,
    post_replies,
    quoted_exchange,
    suggestion_reply,
)
from annotate.extraction.rules.narrated_qa import narrated_qa
from annotate.extraction.rules.numbers import indicators
from annotate.extraction.rules.people import name_after_title, split_person
from annotate.extraction.rules.spans import Quote, lines, quote, scored, split_spans, trim

_Q = re.compile(  # after lost indentation ("????問:") or a bullet; "【问】"; "Q马静:"
    r"[^\w【\[［]*(?:(?:问|問)\s*[:：]|[【\[［](?:问|問)[】\]］]\s*[:：]?|Q(?=[\u4e00-\u9fff])[\u4e00-\u9fff·]{0,12}[:：])"
)
_A = re.compile(  # "答:", "…负责人答:", "【答】", "A交通运输部部长李小鹏:"
    r"[^\w【\[［]*(?:(?:[^\s:：，,。；;！？!?]{0,30}?)答\s*[:：]|[【\[［]答[】\]］]\s*[:：]?"
    r"|A(?=[\u4e00-\u9fff])(?P<who>[^\s:：。；;！？!?]{2,40}?)[:：])"
)
_REPORTER = re.compile(r"[^\w]*[\u4e00-\u9fff]{0,10}?(?:记者|記者)(?=[\u4e00-\u9fff“「])")
"""A reporter's turn whose label lost its colon ("新華社記者您在…"): a question when the line asks."""
_ASKS = re.compile(r"[?？]")
_SPEAKER_TITLE = re.compile(r"(?:副)?(?:区长|區長|市长|市長|县长|縣長|书记|書記|主任|局长|局長)")
_ENDS_SENTENCE = re.compile(r"[。！？!?；;]")
_BYLINE = re.compile(
    r"(?:副)?(?:区长|區長|市长|市長|县长|縣長|书记|書記|主任|局长|局長)[ \u3000\xa0]+([\u4e00-\u9fff·]{2,4})$"
)
_CREDIT = re.compile(
    r"\s*(?:[\u4e00-\u9fff]{1,6}(?:社|网|網|报|報|台))?"
    r"(?:作者|文|记者|記者|通讯员|通訊員|编辑|編輯|责任编辑|責任編輯|摄影|攝影|撰稿)(?:[ \u3000/｜|]|$)"
)
"""A story's credit line ("作者 莫非 吴敏平", "新华社记者"): the page's chrome, never a section heading."""
_DATELINE = re.compile(
    r"(?:社|网|網|报|報|台)[\u4e00-\u9fff]{0,8}\d{1,2}月\d{1,2}[日号號][\u4e00-\u9fff]{0,3}(?:电|電)|本报讯|本報訊"
)
"""A wire or paper dateline ("新华社北京3月8日电", "本报讯"): the page is a news story, whose crossheads
are no report's sections."""
_LEAD_IN = re.compile(r"——([^。！!？?\n]{2,24})。")
_MEDIA_NOTE = re.compile(
    r"(?:[(（](?:附[^()（）]{1,12}|只有[^()（）]{1,6}|\d{1,2})?[)）])+$"
)  # (附圖/短片), (只有中文), (), (2)
_HELD = re.compile(
    r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日[^。]{0,60}?"
    r"(?:举行|舉行|召开|召開|举办|舉辦|(?:记者|記者)?(?:招待会|招待會|发布会|發布會|吹风会|吹風會)|记者会|記者會)"
)
_DATE_LINE = re.compile(r"——\s*((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")
_LEAD_DAY = re.compile(r"[ \t\u3000]*(?:[^\s，,。]{0,12}(?:讯|訊)[ \t\u3000]*)?(?P<rel>昨天|昨日|前天)")
"""A news lead dated from its page ("本报讯 昨日,…"): the event was the day before the date line."""
_ISO_DAY = re.compile(r"((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})")
_FIELD = re.compile(r"(?:[\u4e00-\u9fff][ \u3000]?){2,4}\s*[:：]")
_TITLE_SENTENCE_END = re.compile(r"[。！？!；;]|\?(?=[\s”」』)）]|$)")
"""A sentence's end inside a would-be title; a "?" inside a word is mojibake ("央視新聞?頻道"), not a question."""
_PHOTO_CREDIT = re.compile(r"[(（][^()（）]{0,20}(?:摄|攝)[)）]\s*$")
"""A photo's caption ends on its credit ("…回答记者提问(中国网 杨佳 摄)"): no title, however headline-like."""
TITLE_WIDTH = 60
HEADLINE_CHARS = 10
"""After running text, a title line is a headline ("…新闻发布会王国庆答记者问"); a shorter line there
is a photo caption ("發布會現場")."""
_ATTRIBUTION_VERB = r"(?:介紹|介绍|表示|說|说|談到|谈到|指出|強調|强调)"


def _is_short(text: str, s: int, e: int) -> bool:
    return 0 < e - s <= 30 and not _ENDS_SENTENCE.search(text, s, e)


def _title(text: str, spans: list[tuple[int, int]]) -> Quote | None:
    """The line before a "——subtitle" line, else the first line that is not site chrome."""
    nonempty = [(s, e) for s, e in spans if e > s]
    after_lead = False
    for k, (s, _e) in enumerate(nonempty):
        if text.startswith(("——", "—— ", "--"), s) and k:
            return quote(text, *nonempty[k - 1])
    for k, (s, e) in enumerate(nonempty):  # a title is a line, not a paragraph: it ends no sentence, labels no speaker
        if e - s > TITLE_WIDTH and _ENDS_SENTENCE.search(text, s, e):
            after_lead = True  # a title after running text is a headline, not a short photo caption ("發布會現場")
            continue
        if text.startswith(("以下", "下面"), s):
            continue  # "以下为文字实录": the line that introduces the transcript
        if (
            6 <= e - s <= TITLE_WIDTH  # a longer line is a paragraph cut by the page
            and (not after_lead or len(re.findall(r"[\u4e00-\u9fff]", text[s:e])) >= HEADLINE_CHARS)
            and not _FIELD.match(text, s, e)  # "日期:…" / "编辑:…": a field of page metadata
            and not _TITLE_SENTENCE_END.search(text, s, e)
            and text[e - 1] not in ":："
            and not is_stamp(text, s, e)
            and not _PHOTO_CREDIT.search(text, s, e)
        ):
            m = _MEDIA_NOTE.search(text, s, e)
            if k == 0 and not m and k + 1 < len(nonempty) and _wraps(text, *nonempty[k + 1]):
                return scored([quote(text, s, nonempty[k + 1][1])], WRAPPED_TITLE)[0]
            title = quote(text, s, m.start() if m else e)
            return scored([title], LATE_TITLE)[0] if after_lead and title is not None else title
    return None


LATE_TITLE = 0.5
"""A title line found only after the page's running text began: as often the next story's headline
or the site's chrome ("点击阅读下一则新闻") as the page's own title."""


WRAPPED_TITLE = 0.7
"""A page's opening title set on two lines ("…失業保險條例" / "修訂情況的説明"): the second line is
read as the title's end by its shape alone."""


def _wraps(text: str, s: int, e: int) -> bool:
    """A short second line that continues a title: no sentence end, label, bracket, date or figure."""
    return (
        4 <= len(re.findall(r"[\u4e00-\u9fff]", text[s:e])) <= 20
        and not re.search(r"[。！？!?；;:：,，()（）\d]", text[s:e])
        and not text.startswith(("——", "--"), s)
    )


def _speakers(text: str) -> list[Quote]:
    """Officials named after their title ("區長孫碩"); a name must recur or stand before a verb."""
    out: list[Quote] = []
    seen: set[str] = set()
    for m in _SPEAKER_TITLE.finditer(text):
        name = name_after_title(text, m.end(), len(text))
        if name is None or str(name) in seen or "的" in str(name):  # "市长峰会的": no name holds 的
            continue
        n = re.escape(str(name))  # a name is backed when it recurs beside a title ("市长X", "X市长")
        backed = len(re.findall(rf"{_SPEAKER_TITLE.pattern}{n}|{n}{_SPEAKER_TITLE.pattern}", text)) >= 2
        if not backed and not re.match(rf"\s*{_ATTRIBUTION_VERB}|[進进]行", text[name.end :]):
            continue
        seen.add(str(name))
        out.append(name)
    return out


def _unquote(text: str, a: int, b: int) -> tuple[int, int]:
    """Drop a quotation mark left unmatched by sentence splitting (a quote spanning sentences)."""
    piece = text[a:b]
    if piece.startswith(("“", '"')) and piece.count("“") > piece.count("”"):
        a, b = trim(text, a + 1, b)
    piece = text[a:b]
    if piece.endswith(("”", '"')) and piece.count("”") > piece.count("“"):
        a, b = trim(text, a, b - 1)
    return a, b


def _highlights(text: str, s: int, e: int, names: list[str]) -> list[Quote]:
    """Sentences of a section, without enclosing quotation marks and without pure attributions."""
    who = "|".join(re.escape(n) for n in names) or r"[\u4e00-\u9fff]{2,3}"
    attribution = re.compile(
        rf"[^。；;“”]{{0,40}}?(?:{who})[^。；;,，]{{0,14}}?{_ATTRIBUTION_VERB}[^。；;,，]{{0,4}}[,，]"
    )
    out = []
    for a, b in split_spans(text, s, e, "。；;！!？?\n"):
        a, b = trim(text, a, b, "。；;！!？?")
        a, b = _unquote(text, a, b)
        if b <= a:
            continue
        # "“quote”,孫碩談到…時介紹,rest" -> the quote and the rest; "針對…,孫碩進行了介紹" -> nothing.
        q_start = a + 1 if text[a] == "“" else a
        close = text.find("”", q_start, b)
        if close != -1 and text.find("“", q_start, close) == -1:
            m = attribution.match(text, close + 1, b)
            if m:
                if (q := quote(text, q_start, close)) is not None:
                    out.append(q)
                a = m.end()
        m = attribution.match(text, a, b)
        if m:
            a = m.end()
        if re.search(rf"(?:{who})[^。,，]{{0,6}}?(?:進行了|进行了)?{_ATTRIBUTION_VERB}$", text[a:b]):
            continue
        if (q := quote(text, a, b)) is not None:
            out.append(q)
    return out


def _lead_ins(
    text: str, heading: Quote | None, paragraphs: list[tuple[int, int]]
) -> list[tuple[Quote | None, list[tuple[int, int]]]]:
    """A part's paragraphs, split where a paragraph opens with a bold lead-in "——经济运行趋稳向好。":
    the lead-in (without its dashes and stop) heads a section of its own, the rest is its text."""
    out: list[tuple[Quote | None, list[tuple[int, int]]]] = [(heading, [])]
    for s, e in paragraphs:
        m = _LEAD_IN.match(text, s, e)
        if m and m.end() < e:
            out.append((scored([Quote(text, m.start(1), m.end(1))], LEAD_IN)[0], [(m.end(), e)]))
        else:
            out[-1][1].append((s, e))
    return [(h, p) for h, p in out if p]


def _in_transcript(text: str, body: list[tuple[int, int]], qa: list[dict[str, Any]], names: list[str]) -> bool:
    """A block that holds a Q&A turn, or a turn labelled with a speaker's name ("王國慶:…"), is part
    of the transcript: media labels a section reader cannot tell from headings ("2、經濟日報:") and
    an official's opening turn come before the first pair."""
    start, end = body[0][0], body[-1][1]
    if any(isinstance(v, Quote) and v.start < end and start < v.end for pair in qa for v in pair.values()):
        return True
    return any(plain(label) in names for label, _s, _e in labelled_turns(text, body))


QA_PAIR, HIGHLIGHT, LEAD_IN, BYLINE = 0.9, 0.6, 0.85, 0.8
"""A question and answer the page marks itself (问/答, 記者問), against a highlight the rules pick
from a section's sentences by their cues: a matter of judgement they often get wrong."""


def _report_date(text: str, nonempty: list[tuple[int, int]], metadata: dict[str, Any] | None) -> date | None:
    """The page's date; a "——2022年12月27日在…会议上" subtitle or the lead's "…举行" dates the report
    itself, and a live-text page's turn stamps date one with nothing else."""
    published = dates.publication_date(text, metadata)
    # a "——2022年12月27日在…会议上" subtitle near the top dates the report itself
    delivered = next((m for s, e in nonempty[:6] if (m := _DATE_LINE.match(text, s, e))), None)
    if published is None and not delivered:  # the lead says when the event was held
        delivered = next((m for s, e in nonempty[:3] if (m := _HELD.search(text, s, e))), None)
        delivered = delivered and re.match(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日", delivered.group(0))
    if delivered:
        published = dates.make_date(*(int(g) for g in delivered.groups())) or published
    elif published is not None and (
        day := next((m for s, e in nonempty[:8] if (m := _LEAD_DAY.match(text, s, e))), None)
    ):
        published = date.fromisoformat(dates.resolve(day.group("rel"), published) or published.isoformat())
    if published is None:  # a live-text page stamps its turns: "2024-03-08 10:49:41"
        stamp = next((m for s, e in nonempty if is_stamp(text, s, e) and (m := _ISO_DAY.match(text, s, e))), None)
        published = stamp and dates.make_date(*(int(g) for g in stamp.groups()))
    return published


GUESSED_TITLE = 0.6
"""A mailbox page's title when no field names it: the first title-like line, a column name or a topic."""


def _guessed(title: Quote | None) -> Quote | None:
    return scored([title], min(title.score, GUESSED_TITLE))[0] if title is not None else None


def _letters(
    text: str, spans: list[tuple[int, int]], letters: Mailbox, metadata: dict[str, Any] | None
) -> dict[str, Any]:
    """A mailbox item's record: its letters and replies, no sections or officials speaking."""
    day = letters.reply_date or _report_date(text, [(s, e) for s, e in spans if e > s], metadata)
    return {
        "title": letters.title or _guessed(_title(text, spans)),
        "date": day.isoformat() if day else None,
        "speakers": list(letters.signers),
        "sections": [],
        "qa": letters.qa,
    }


def extract(text: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The public_report record for ``text``; string values are Quotes (spans of ``text``)."""
    spans = [trim(text, s, e) for s, e in lines(text)]
    nonempty = [(s, e) for s, e in spans if e > s]
    if letters := mailbox(text, nonempty) or suggestion_reply(text, nonempty) or office_reply(text, nonempty):
        # a letter and its reply: a form, not a report or transcript
        return _letters(text, spans, letters, metadata)
    speakers = _speakers(text)
    names = [str(n) for n in speakers]

    for s, e in nonempty:  # a byline "…区长 李如玖": the report's speaker, on a line of its own
        if (m := _BYLINE.search(text, s, e)) and m.group(1) not in names:
            speakers.append(scored([Quote(text, m.start(1), m.end(1))], BYLINE)[0])
            names.append(m.group(1))

    qa: list[dict[str, Any]] = []
    pending: Quote | None = None
    for s, e in nonempty:
        if m := _Q.match(text, s, e) or (_REPORTER.match(text, s, e) if _ASKS.search(text, s, e) else None):
            pending = quote(text, m.end(), e, strip_punct=False)
        elif (m := _A.match(text, s, e)) and pending is not None:
            answer = quote(text, m.end(), e, strip_punct=False)
            if m.group("who") and (name := split_person(text, m.start("who"), m.end("who"))[1]):
                if str(name) not in names:  # "A交通运输部部长李小鹏:": the official after the office
                    speakers.append(scored([name], BYLINE)[0])
                    names.append(str(name))
            if answer is not None:  # a 问/答 pair: both marked by the page itself
                qa.append({"question": scored([pending], QA_PAIR)[0], "answer": scored([answer], QA_PAIR)[0]})
            pending = None
    if not qa:  # no 问/答 marks: a transcript whose turns are labelled by speaker
        qa = labelled_qa(text, nonempty)
        speakers += [n for n in answerer_names(text, nonempty) if n not in names]
        if not qa:  # cut before the first question: those who spoke under their title
            speakers += [n for n in host_names(text, nonempty) if str(n) not in [str(x) for x in speakers]]
        names = [str(n) for n in speakers]
    if not qa:  # no labels either: reported speech, "有网友问,…" / "X回答说,…"
        qa, who = reported_qa(text, nonempty)
        speakers += [n for n in who if n not in names]
        names = [str(n) for n in speakers]
    # a news story: a dateline near the top, or the exchange told ("法新社记者提问汪洋,称「…?」" / "他回答称,…")
    story = any(_DATELINE.search(text, s, min(e, s + 30)) for s, e in nonempty[:8])
    if not qa:
        qa, who = narrated_qa(text, nonempty)
        story = story or bool(qa)
        speakers += [n for n in who if str(n) not in names]
        names = [str(n) for n in speakers]
    if not qa:  # nor verbs: questions as headlines, each with its answer under it
        qa = headline_qa(text, nonempty)
    if not qa and (
        letters := letter_and_reply(text, nonempty) or quoted_exchange(text, nonempty) or post_replies(text, nonempty)
    ):  # unlabelled
        return _letters(text, spans, letters, metadata)

    sections: list[dict[str, Any]] = []
    heads = [
        k
        for k, (s, e) in enumerate(nonempty)
        if k
        and _is_short(text, s, e)
        and re.search(r"[\u4e00-\u9fff]", text[s:e])  # not a timestamp line
        and not re.search(r"[:：]", text[s:e])  # not a label, nor a "相關專題:…" field of the page
        and not _is_short(text, *nonempty[k - 1])
        and not _Q.match(text, s, e)
        and not _BYLINE.search(text, s, e)
        and not _CREDIT.match(text, s, e)
    ]
    for n, k in enumerate([] if story else heads):  # a story has no report's sections, only its page's chrome
        stop = heads[n + 1] if n + 1 < len(heads) else len(nonempty)
        body = nonempty[k + 1 : stop]
        if not body or any(_Q.match(text, s, e) or _A.match(text, s, e) for s, e in body) or asker_turns(text, body):
            continue  # a Q&A block, not a section
        if _in_transcript(text, body, qa, names):
            continue
        paragraphs = [(s, e) for s, e in body if _ENDS_SENTENCE.search(text, s, e)]
        if not paragraphs:
            continue
        heading = quote(text, *nonempty[k])
        for head, parts in _lead_ins(text, heading, paragraphs):
            b_start, b_end = parts[0][0], parts[-1][1]
            highlights = scored([h for s, e in parts for h in _highlights(text, s, e, names)], HIGHLIGHT)
            if highlights:
                section = {"heading": head, "highlights": highlights}
                sections.append(section | {"indicators": indicators(text, b_start, b_end, name_mode="phrase")})

    published = _report_date(text, nonempty, metadata)
    return {
        "title": _title(text, spans),
        "date": published.isoformat() if published else None,
        "speakers": speakers,
        "sections": sections,
        "qa": qa,
    }
