"""Split "区委副书记、区长刘东伟" into a title and a name, on the text's own offsets.

Chinese reports write a person as titles followed by a 2–4 character name with no separator, so
the only reliable cut is after the last known title word. Whatever follows it must look like a
name (2–4 Han characters); otherwise the piece is a title alone ("市委、市政府副秘书长") and names
nobody.
"""

from __future__ import annotations

import re

from annotate.extraction.rules.spans import Quote, trim

TITLE_WORDS = (
    "领导|領導|书记|書記|区长|區長|市长|市長|县长|縣長|镇长|鎮長|乡长|鄉長|省长|省長|主任|主席|部长|部長|局长|局長|"
    "秘书长|秘書長|委员|委員|常委|院长|院長|检察长|檢察長|司令员|司令員|政委|组长|組長|会长|會長|理事长|理事長|"
    "董事长|董事長|总经理|總經理|经理|經理|代表|负责人|負責人|负责同志|負責同志|队长|隊長|处长|處長|厅长|廳長|"
    "署长|署長|主委|发言人|發言人|巡视员|巡視員|调研员|調研員|总理|總理|馆长|館長|校长|校長|站长|站長|所长|所長|主编|主編"
)
_TITLE = re.compile(rf"(?:副|常务|常務|执行|執行|党组|黨組|党委|黨委)?(?:{TITLE_WORDS})")
_NAME = re.compile(r"[\u4e00-\u9fff·]{2,4}")
_VERB_AFTER_NAME = set("介表指主谈談说說进進强強在出参參讲講作做代回答为為对對和与與等于於就向到来來率带帶一同")


def split_person(text: str, start: int, end: int) -> tuple[Quote | None, Quote | None]:
    """``(title, name)`` of the person written in ``text[start:end]``; either may be None."""
    start, end = trim(text, start, end)
    last = None
    for m in _TITLE.finditer(text, start, end):
        last = m
    if last is None:
        if _NAME.fullmatch(text, start, end):
            return None, Quote(text, start, end)
        return None, None
    name_start = last.end()
    if name_start >= end or not _NAME.fullmatch(text, name_start, end):
        return None, None
    return Quote(text, start, last.end()), Quote(text, name_start, end)


def name_after_title(text: str, pos: int, limit: int) -> Quote | None:
    """A 2–3 character name starting at ``pos`` (right after a title), cut before a verb."""
    m = _NAME.match(text, pos, min(limit, pos + 4))
    if not m:
        return None
    end = m.end()
    # "孫碩介紹" — a name is followed by a verb with no space; prefer the cut that keeps names short.
    for cut in (pos + 2, pos + 3):
        if cut < end and text[cut] in _VERB_AFTER_NAME:
            return Quote(text, pos, cut)
    return Quote(text, pos, min(end, pos + 3))
