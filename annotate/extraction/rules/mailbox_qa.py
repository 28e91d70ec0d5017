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
from annotate.extraction.rules.spans import Quote, quote, scored

_FIELD = re.compile(r"\s*\|?\s*(?P<label>[\u4e00-\u9fff]{1,8})\s*(?:[:：]|\|)\s*")
"""A field's label, closed by a colon or by its table cell ("標題 | 建議…")."""
_TITLE = re.compile(r"(?:信件|来信|來信|留言|咨询|諮詢|投诉|投訴)?(?:标题|標題|主题|主題)")
_LETTER = re.compile(
    r"(?:信件|来信|來信|留言|咨询|諮詢|投诉|投訴)?(?:内容|內容|正文)|(?:再次|追加)?(?:反馈|反饋|追问|追問)"
)
_REPLY = re.compile(
    r"(?:再次)?(?:回复|回復|回覆|答复|答復|答覆)(?:内容|內容|意见|意見)?|办理结果|辦理結果|处理结果|處理結果"
)
_REPLY_TIME = re.compile(r"(?:回复|回復|回覆|答复|答復|答覆)(?:时间|時間|日期)")
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
                    qa.append(
                        {"question": scored([letter], MAILBOX_PAIR)[0], "answer": scored([reply], MAILBOX_PAIR)[0]}
                    )
                    letter = None
                break
    if not qa:
        return None
    return Mailbox(title=scored([title], MAILBOX_PAIR)[0] if title else None, reply_date=reply_date, qa=qa)
