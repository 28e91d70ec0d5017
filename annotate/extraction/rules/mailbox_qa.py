"""A mailbox item: a citizen's letter and the office's reply, as the form's labelled fields.

Mayors' mailboxes and message boards publish each letter as a form, the same on every site
whatever its styling: a title field (``信件标题:``, ``标题:``), the letter (``信件内容:``,
``内容:``), and the reply (``回复内容:``, ``答复意见:``), maybe a follow-up exchange (``再次反馈:`` /
``再次回复:``), with metadata fields between them (``回复时间:``, ``回复单位:``). The letter is the
question and the reply its answer; the value is on the label's line or on the lines under it, up
to the next field, heading or date line. A salutation opening either ("县长好:", "尊敬的市长,",
"网友您好:") addresses the reader and is left out, and so is a table's cell bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from annotate.extraction.rules import dates
from annotate.extraction.rules.dialogue import is_stamp
from annotate.extraction.rules.people import split_person
from annotate.extraction.rules.spans import GLOSS, Quote, quote, scored

_FIELD = re.compile(r"\s*\|?\s*(?P<label>[\u4e00-\u9fff]{1,8})\s*(?:[:：]|\|)\s*")
"""A field's label, closed by a colon or by its table cell ("標題 | 建議…")."""
_TITLE = re.compile(r"(?:信件|来信|來信|留言|咨询|諮詢|投诉|投訴)?(?:标题|標題|主题|主題|名称|名稱)")
_LETTER = re.compile(
    r"(?:信件|来信|來信|留言|咨询|諮詢|投诉|投訴)?(?:内容|內容|正文)|(?:再次|追加)?(?:反馈|反饋|追问|追問)"
    r"|(?:网民|網民|网友|網友|市民|群众|群眾)(?:咨询|諮詢|建议|建議|留言|来信|來信|投诉|投訴|反映)"
)
_REPLY = re.compile(
    r"(?:再次|部门|部門|单位|單位)?(?:回复|回復|回覆|答复|答復|答覆)(?:内容|內容|意见|意見)?|办理结果|辦理結果|处理结果|處理結果"
)
_SIGNATURE = re.compile(r"\s*——\s*(?P<who>[^。！？!?()（）]{2,30}?)(?:[(（][^()（）]*[)）])?\s*$")
"""A reply signed after a dash ("…并复来信人。 ——副市长谢春森(来源:公仆信箱)"): the signature is no part of it."""
_REPLY_TIME = re.compile(r"(?:回复|回復|回覆|答复|答復|答覆|办结|辦結|办理|辦理)(?:时间|時間|日期)")
_ISO_DAY = re.compile(r"((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})")
_SALUTATION = re.compile(
    r"\s*(?:尊敬的[^，,:：。!！\s]{1,10}|[^，,:：。!！\s]{0,10}(?:您好|你好|好))\s*[!！]?\s*[:：,，!！]\s*"
)
_CELL_END = re.compile(r"[\s|]+$")
HEADING_WIDTH = 8

MAILBOX_PAIR = 0.85
"""A letter and its reply, each under the form's own field label."""


@dataclass(frozen=True)
class Mailbox:
    title: Quote | None
    reply_date: date | None
    qa: list[dict[str, Quote]]
    signers: tuple[Quote, ...] = ()
    """Officials named in the replies' signatures ("——副市长谢春森"): the ones who answered."""


def _signed(text: str, reply: Quote) -> tuple[Quote, Quote | None]:
    """The reply without a dash signature closing it, and the official the signature names."""
    m = _SIGNATURE.search(text, reply.start, reply.end)
    if m is None or m.start() == reply.start:
        return reply, None
    cut = quote(text, reply.start, m.start(), strip_punct=False)
    return (cut or reply), split_person(text, m.start("who"), m.end("who"))[1]


def _value(text: str, spans: list[tuple[int, int]], k: int, start: int) -> Quote | None:
    """The field's value: the rest of line ``k`` from ``start``, else the lines under it up to the
    next field label, short heading or date line; salutation and cell bars cut off."""
    s, e = start, spans[k][1]
    if not text[s:e].strip(" |\t"):
        body = []
        for a, b in spans[k + 1 :]:
            field = _FIELD.match(text, a, b) and not _SALUTATION.match(text, a, b)
            if field or is_stamp(text, a, b) or (b - a <= HEADING_WIDTH and not re.search(r"[。！？!?]", text[a:b])):
                break
            body.append((a, b))
        if not body:
            return None
        s, e = body[0][0], body[-1][1]
    while s < e and text[s] in " |\t":  # the value's own cell bar ("信件内容: | …")
        s += 1
    if m := _SALUTATION.match(text, s, e):
        s = m.end()
    if m := _CELL_END.search(text, s, e):
        e = m.start()
    return quote(text, s, e, strip_punct=False)


def mailbox(text: str, spans: list[tuple[int, int]]) -> Mailbox | None:
    """The mailbox item's title, first reply date and letter/reply pairs, or None for other pages."""
    title: Quote | None = None
    reply_date: date | None = None
    qa: list[dict[str, Quote]] = []
    letter: Quote | None = None
    signers: list[Quote] = []
    for k, (s, e) in enumerate(spans):
        for m in _FIELD.finditer(text, s, e):  # a flattened form holds several fields on a line
            label = m.group("label")
            if _TITLE.fullmatch(label) and title is None:
                title = _value(text, spans, k, m.end())
            elif _REPLY_TIME.fullmatch(label) and reply_date is None:
                if day := _ISO_DAY.match(text, m.end(), e):
                    reply_date = dates.make_date(*(int(g) for g in day.groups()))
            elif _LETTER.fullmatch(label):
                letter = _value(text, spans, k, m.end())
                break
            elif _REPLY.fullmatch(label) and letter is not None:
                if (reply := _value(text, spans, k, m.end())) is not None:  # else a header cell ("回复内容 | |")
                    reply, signer = _signed(text, reply)
                    if signer is not None and signer not in signers:
                        signers.append(scored([signer], MAILBOX_PAIR)[0])
                    qa.append(
                        {"question": scored([letter], MAILBOX_PAIR)[0], "answer": scored([reply], MAILBOX_PAIR)[0]}
                    )
                    letter = None
                break
    if not qa:
        return None
    title = scored([title], MAILBOX_PAIR)[0] if title else None
    return Mailbox(title=title, reply_date=reply_date, qa=qa, signers=tuple(signers))


_OFFICIAL_SALUTE = re.compile(
    r"\s*尊敬的[^\s，,:：。!！]{1,10}[\s,，:：]*(?:(?:您好|你好)[!！,，。]?)?\s*"
    r"|\s*[^\s，,:：。!！]{0,10}(?:书记|書記|市长|市長|县长|縣長|区长|區長|领导|領導|局长|局長|主任)(?:您好|你好|好)[!！,，:：。]\s*"
)
_CITIZEN_SALUTE = re.compile(
    r"[\s•·●]*(?:尊敬的)?[^\s，,:：。!！]{0,8}(?:市民|网友|網友|群众|群眾|同志|先生|女士|居民)[^\s:：,，]{0,3}\s*[:：]\s*"
    r"(?:(?:您好|你好)[!！,，。]?\s*)?"
)
_GREETING = re.compile(r"\s*(?:您好|你好)[!！,，。]\s*")
_CLOSING = re.compile(r"\s+(?:此致|感谢您|感謝您|谢谢您|謝謝您|欢迎您|歡迎您|特此)")
_CLOSING_LINE = re.compile(
    r"\s*(?:(?:在此|再次|最后|最後)[、,，]?\s*)?"
    r"(?:此致|感谢|感謝|谢谢|謝謝|欢迎|歡迎|特此|对[^。]{0,30}?(?:再次)?(?:表示)?(?:感谢|感謝))"
)
"""A closing paragraph: thanks, "此致", or "在此、对你们提出的意见和建议再次表示感谢"."""
_DAY = re.compile(r"((?:19|20)\d{2})[年-](\d{1,2})[月-](\d{1,2})")
LETTER_CHARS = 30
SIGNATURE_WIDTH = 16
UNLABELLED_PAIR = 0.7
"""A letter and a reply told apart only by whom each salutation addresses: no field labels them."""


def _signature(text: str, s: int, e: int) -> bool:
    """A short line that ends no sentence: the office signing the reply ("和平区人民政府")."""
    return e - s <= SIGNATURE_WIDTH and not re.search(r"[。！？!?]", text[s:e])


def _until_closing(text: str, s: int, e: int) -> int:
    m = _CLOSING.search(text, s, e)
    return m.start() if m else e


def _letter(text: str, s: int, e: int) -> Quote | None:
    """A letter's paragraph without the salutation to the official opening it ("尊敬的市长:") and
    the closing after it ("此致…")."""
    if m := _OFFICIAL_SALUTE.match(text, s, e):
        s = m.end()
    return quote(text, s, _until_closing(text, s, e), strip_punct=False)


def _reply_lines(text: str, spans: list[tuple[int, int]], r: int, start: int) -> list[tuple[int, int]]:
    """The lines of a reply that starts at ``start`` on line ``r``, its greeting ("您好!") left out,
    up to its closing thanks, a date line or the signing office."""
    e = spans[r][1]
    if g := _GREETING.match(text, start, e):
        start = g.end()
    body = [(start, e)] if start < e else []
    for a, b in spans[r + 1 :]:
        if not body and (g := _GREETING.match(text, a, b)):
            a = g.end()
        if body and (_CLOSING_LINE.match(text, a, b) or _DAY.match(text, a, b) or _signature(text, a, b)):
            break
        body.append((a, b))
    return body


_TITLE_LINE = re.compile(r"\s*(?:信件|来信|來信|留言)?(?:标题|標題|主题|主題|名称|名稱)(?:\s*[:：|]\s*|\s+)")


def letter_and_reply(text: str, spans: list[tuple[int, int]]) -> Mailbox | None:
    """An unlabelled letter and the office's reply under it ("…请有关部门帮助解决。" / "尊敬的市民:" /
    "您好!…" / "感谢…" / office / date): the reply opens by addressing the citizen, the letter is the
    paragraph before it (its own salutation and "此致…" left out), the reply runs to its closing
    thanks or signature, and the signature's date dates it."""
    r = next((k for k, (s, e) in enumerate(spans) if k and _CITIZEN_SALUTE.match(text, s, e)), None)
    if r is None:
        return None
    k = r - 1
    while k >= 0 and spans[k][1] - spans[k][0] <= 12 and not re.search(r"[。！？!?]", text[slice(*spans[k])]):
        k -= 1  # a heading between letter and reply ("信件的处理结果")
    if k < 0 or spans[k][1] - spans[k][0] < LETTER_CHARS:
        return None
    letter = _letter(text, *spans[k])
    body = _reply_lines(text, spans, r, _CITIZEN_SALUTE.match(text, *spans[r]).end())
    if letter is None or not body:
        return None
    end = _until_closing(text, body[0][0], body[-1][1])
    reply = quote(text, body[0][0], end, strip_punct=False)
    if reply is None:
        return None
    day = _DAY.search(text, end, min(len(text), end + 200))
    when = dates.make_date(*(int(g) for g in day.groups())) if day else None
    pair = {"question": scored([letter], UNLABELLED_PAIR)[0], "answer": scored([reply], UNLABELLED_PAIR)[0]}
    title = next((quote(text, m.end(), b) for a, b in spans[:r] if (m := _TITLE_LINE.match(text, a, b))), None)
    return Mailbox(title=scored([title], UNLABELLED_PAIR)[0] if title else None, reply_date=when, qa=[pair])


_TO_DEPUTIES = re.compile(r"[^:：。！!？?\s]{2,30}(?:代表|委员|委員)[们們]?\s*[:：]")
_RECEIVED = re.compile(
    r"(?:您|你们|你們|贵|貴)[^。]{0,30}?提出的(?P<what>[^。]{2,80}?)的?(?:建议|建議|提案|议案|議案)[^。]{0,4}?(?:已)?收悉"
)
_QUOTED = re.compile(r"[“\"「《](?P<title>[^”\"」》]{2,80})[”\"」》]")
SUGGESTION_PAIR = 0.7
"""A reply to a deputy's suggestion, whose question is only the suggestion's title as the reply names it."""


def suggestion_reply(text: str, spans: list[tuple[int, int]]) -> Mailbox | None:
    """An office's reply to a deputy's suggestion or a member's proposal ("纪占斌等3名代表:" /
    "您提出的关于“…”的建议收悉。…"): the suggestion is named, not quoted, so its title as the reply
    names it is the question; the reply runs from that sentence to its closing thanks or signature,
    whose date dates it."""
    k = next(
        (
            i
            for i, (s, e) in enumerate(spans[:-1])
            if _TO_DEPUTIES.fullmatch(text, s, e) and _RECEIVED.match(text, *spans[i + 1])
        ),
        None,
    )
    if k is None:
        return None
    got = _RECEIVED.match(text, *spans[k + 1])
    quoted = _QUOTED.search(text, got.start("what"), got.end())
    what = quote(text, *(quoted.span("title") if quoted else got.span("what")))
    if (own := _proposal_above(text, spans, k)) is not None:  # the proposal itself is on the page
        what = own
    body = []
    for a, b in spans[k + 1 :]:
        if body and (_CLOSING_LINE.match(text, a, b) or _DAY.match(text, a, b) or _signature(text, a, b)):
            break
        body.append((a, b))
    reply = quote(text, body[0][0], body[-1][1], strip_punct=False)
    if what is None or reply is None:
        return None
    day = _DAY.search(text, body[-1][1])
    when = dates.make_date(*(int(g) for g in day.groups())) if day else None
    pair = {"question": scored([what], SUGGESTION_PAIR)[0], "answer": scored([reply], SUGGESTION_PAIR)[0]}
    return Mailbox(title=None, reply_date=when, qa=[pair])


def _proposal_above(text: str, spans: list[tuple[int, int]], k: int) -> Quote | None:
    """The suggestion's own text, printed above the reply's salutation (under its "领衔代表:" fields,
    over a "提案答复" heading): the paragraph before line ``k``, headings between them skipped."""
    j = k - 1
    while j >= 0 and spans[j][1] - spans[j][0] <= 12 and not re.search(r"[。！？!?]", text[slice(*spans[j])]):
        j -= 1
    if j < 0 or spans[j][1] - spans[j][0] < LETTER_CHARS or _FIELD.match(text, *spans[j]):
        return None
    return quote(text, *spans[j], strip_punct=False)


_AS_FOLLOWS = re.compile(r".*(?:如下|如下所示)\s*[:：]\s*$")
QUOTED_PAIR = 0.6
"""A letter and its reply quoted in a news story: only the narration's "内容如下:" marks them."""


def quoted_exchange(text: str, spans: list[tuple[int, int]]) -> Mailbox | None:
    """A letter and its reply quoted as short lines in a story, each after a narration line ending
    "内容如下:": the letter's lines are the question, the reply's (its salutation and closing thanks
    left out) the answer, each from its first line to its last."""
    intros = [k for k, (s, e) in enumerate(spans) if _AS_FOLLOWS.match(text, s, e)]
    blocks: list[tuple[int, int]] = []
    for k in intros[:2]:
        lines = []
        for a, b in spans[k + 1 :]:
            if _AS_FOLLOWS.match(text, a, b) or _CLOSING_LINE.match(text, a, b) or "。" in text[a:b]:
                break
            lines.append((a, b))
        if not lines:
            return None
        start = lines[0][0]
        if g := _SALUTATION.match(text, start, lines[0][1]):
            start = g.end()
        blocks.append((start, lines[-1][1]))
    if len(blocks) < 2:
        return None
    letter, reply = (quote(text, s, e, strip_punct=False) for s, e in blocks)
    if letter is None or reply is None:
        return None
    pair = {"question": scored([letter], QUOTED_PAIR)[0], "answer": scored([reply], QUOTED_PAIR)[0]}
    return Mailbox(title=None, reply_date=None, qa=[pair])


_OFFICE_REPLY = re.compile(
    rf"\s*(?P<office>[\u4e00-\u9fff]{{2,24}}?(?:局|委|办|辦|中心|政府|管委会|管委會|街道|镇|鎮|处|處|所|队|隊|公司))"
    rf"(?:回复|回復|回覆|答复|答復|答覆)(?:{GLOSS}){{0,2}}\s*[:：]\s*"
)
"""A message board's reply under the answering office's name ("西安航空基地城市管理局回复:您好!…")."""
OFFICE_PAIR = 0.65
"""A board's letter and the office's labelled reply: only the reply is marked, the letter is the
first paragraph of the page."""


def office_reply(text: str, spans: list[tuple[int, int]]) -> Mailbox | None:
    """A message-board item: the citizen's letter as the page's first long paragraph, the reply on
    a line opening with "<office>回复:", running (its greeting left out) to its closing thanks,
    signature or the page's end; the time stamp above the reply dates it."""
    r = next((k for k, (s, e) in enumerate(spans) if k and _OFFICE_REPLY.match(text, s, e)), None)
    if r is None:
        return None
    k = next((i for i, (s, e) in enumerate(spans[:r]) if e - s >= LETTER_CHARS and text[s] not in "[［【(（"), None)
    if k is None or _FIELD.match(text, *spans[k]):
        return None
    letter = _letter(text, *spans[k])
    body = _reply_lines(text, spans, r, _OFFICE_REPLY.match(text, *spans[r]).end())
    reply = quote(text, body[0][0], _until_closing(text, body[0][0], body[-1][1]), strip_punct=False) if body else None
    if letter is None or reply is None:
        return None
    stamp = next((m for a, b in reversed(spans[max(0, r - 3) : r]) if (m := _DAY.match(text, a, b))), None)
    when = dates.make_date(*(int(g) for g in stamp.groups())) if stamp else None
    pair = {"question": scored([letter], OFFICE_PAIR)[0], "answer": scored([reply], OFFICE_PAIR)[0]}
    return Mailbox(title=None, reply_date=when, qa=[pair])


_REPLY_LINE = re.compile(rf"\s*(?:回复|回復|回覆|答复|答復|答覆)(?:{GLOSS})?\s*[:：]\s*")
_POST_HEADER = "【[［"
POST_PAIR = 0.65
"""A post and the reply printed under it: only the reply is labelled, the post is the line above."""


def _heading(text: str, s: int, e: int) -> bool:
    return e - s <= HEADING_WIDTH + 4 and not re.search(r"[。！？!?]", text[s:e])


def post_replies(text: str, spans: list[tuple[int, int]]) -> Mailbox | None:
    """Written replies to posts, each a line "答复:…" under the post's text (a forum's replies page,
    "【贴号:450】user subject" / the post / "答复:您好,…"): the paragraph above a reply is its
    question; the reply, its greeting left out, runs to the next post header, heading or reply."""
    qa = []
    for k, (s, e) in enumerate(spans):
        m = _REPLY_LINE.match(text, s, e)
        if m is None or k == 0 or m.end() >= e:
            continue
        qs, qe = spans[k - 1]
        if (
            _REPLY_LINE.match(text, qs, qe)
            or text[qs] in _POST_HEADER
            or not re.search(r"[\u4e00-\u9fff]{4}", text[qs:qe])
        ):
            continue
        start = g.end() if (g := _GREETING.match(text, m.end(), e)) else m.end()
        end = e
        for a, b in spans[k + 1 :]:
            if text[a] in _POST_HEADER or _REPLY_LINE.match(text, a, b) or _heading(text, a, b):
                break
            end = b
        question, answer = quote(text, qs, qe, strip_punct=False), quote(text, start, end, strip_punct=False)
        if question is not None and answer is not None:
            qa.append({"question": scored([question], POST_PAIR)[0], "answer": scored([answer], POST_PAIR)[0]})
    return Mailbox(title=None, reply_date=None, qa=qa) if qa else None
