"""Split "区委副书记、区长刘东伟" into a title and a name, on the text's own offsets.

Chinese reports write a person as titles followed by a 2–4 character name with no separator, so
the only reliable cut is after the last known title word. Whatever follows it must look like a
name (2–4 Han characters); otherwise the piece is a title alone ("市委、市政府副秘书长") and names
nobody.
"""

from __future__ import annotations

import re

from annotate.extraction.rules.spans import GLOSS, Quote, trim

TITLE_WORDS = (
    "领导|領導|书记|書記|区长|區長|市长|市長|县长|縣長|镇长|鎮長|乡长|鄉長|省长|省長|主任|主席|部长|部長|局长|局長|"
    "秘书长|秘書長|委员|委員|常委|院长|院長|检察长|檢察長|司令员|司令員|政委|组长|組長|会长|會長|理事长|理事長|"
    "董事长|董事長|总经理|總經理|经理|經理|代表|负责人|負責人|负责同志|負責同志|队长|隊長|处长|處長|厅长|廳長|"
    "署长|署長|主委|发言人|發言人|巡视员|巡視員|调研员|調研員|总理|總理|馆长|館長|校长|校長|站长|站長|所长|所長|主编|主編"
)
_TITLE = re.compile(rf"(?:副|常务|常務|执行|執行|党组|黨組|党委|黨委)?(?:{TITLE_WORDS})")
_NAME = re.compile(r"[\u4e00-\u9fff·]{2,4}")
_GLOSS = re.compile(GLOSS)
_NAME_CHAR = re.compile(r"[\u4e00-\u9fff·]")
_NOT_A_NAME = re.compile(
    r"逐|围绕|圍繞|就|对|對|在|从|從|按|即时|即時|当场|當場|进行|進行|结合|結合|分别|分別|先后|先後|带领|帶領|率|全程|亲自|親自|现场|現場|具体|具體|一一"
)
"""What follows a title where a name could stand but none does: an adverb or a preposition."""
_VERB_ONLY_BEFORE = {"强": "调", "強": "調"}
"""Verb characters that also end many names ("李国强指出"): a verb only when this follows ("强调")."""
_VERB_AFTER_NAME = set("介表指主谈談说說进進强強在出参參讲講作做代回答为為对對和与與等于於就向到来來率带帶一同")


def _is_verb(text: str, i: int) -> bool:
    need = _VERB_ONLY_BEFORE.get(text[i])
    return need is None or text[i + 1 : i + 2] == need


def split_person(text: str, start: int, end: int) -> tuple[Quote | None, Quote | None]:
    """``(title, name)`` of the person written in ``text[start:end]``; either may be None."""
    start, end = trim(text, start, end)
    last = None
    for m in _TITLE.finditer(text, start, end):
        last = m
    if last is None:
        if _NAME.fullmatch(text, start, end) and not _NOT_A_NAME.match(text, start):
            return None, Quote(text, start, end)
        return None, None
    name_start = last.end()
    if name_start >= end or not _NAME.fullmatch(text, name_start, end) or _NOT_A_NAME.match(text, name_start):
        return None, None
    return Quote(text, start, last.end()), Quote(text, name_start, end)


def name_after_title(text: str, pos: int, limit: int, more_verbs: str = "") -> Quote | None:
    """A 2–3 character name starting at ``pos`` (right after a title), cut before a verb.

    A reposted page may gloss a character in pinyin ("王聯(lián)輝"); the gloss belongs to the name.
    ``more_verbs`` adds characters a caller's genre puts right after a name ("以", "通過")."""
    ends = []  # end offset after each name character (and its gloss)
    i = pos
    while len(ends) < 4 and i < limit and _NAME_CHAR.match(text, i, i + 1):
        i += 1
        if (g := _GLOSS.match(text, i, limit)) is not None:
            i = g.end()
        ends.append(i)
    if len(ends) < 2:
        return None
    # "孫碩介紹" — a name is followed by a verb with no space; prefer the cut that keeps names short.
    verbs = _VERB_AFTER_NAME | set(more_verbs)
    for k in (2, 3):
        if k < len(ends) and text[ends[k - 1]] in verbs and _is_verb(text, ends[k - 1]):
            return Quote(text, pos, ends[k - 1])
    return Quote(text, pos, ends[min(len(ends), 3) - 1])


def leading_person(text: str, start: int, end: int) -> tuple[Quote | None, Quote | None]:
    """``(title, name)`` of a person who opens a clause and goes on to act in it: "镇党委书记吕兴让指出",
    "平坝区委书记唐友波结合比武情况". The title runs to the last title word; the name follows it."""
    start, end = trim(text, start, end)
    last = None
    for m in _TITLE.finditer(text, start, min(end, start + 40)):
        if last is not None and m.start() > last.end() + 12:
            break  # a title word far on belongs to what the person says, not to the person
        last = m
    if last is None:
        return None, None
    if _NOT_A_NAME.match(text, last.end()):  # "书记逐一点评", "书记围绕…": a title with no name
        return None, None
    name = name_after_title(text, last.end(), end)
    return (Quote(text, start, last.end()), name) if name is not None else (None, None)
