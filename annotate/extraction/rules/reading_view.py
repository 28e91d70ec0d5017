"""Noise taken out of a text before the rules read it, and put back into what they found.

Two kinds of noise sit inside words, labels and rows, where every reader would otherwise need its
own way around them (and most had none): the pinyin reading reposted Traditional pages carry after
some characters (``責(zé)任單位``, ``任務(wù)``), and the strings of short ASCII tokens a forum
scatters through a post against scrapers (``x& L1 ]8 N) l6 J( k``). The rules read a view of the
text without them, and each value they cut is re-cut from the original text at the mapped offsets,
so a value keeps what lies inside it as written (the glosses the hand-written records hold) and
``text[start:end] == value`` still holds for the real text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from annotate.extraction.rules.spans import GLOSS, Quote

_GLOSS_AFTER_HAN = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])" + GLOSS)
_JUNK = re.compile(r"[ \t]*[!-(*-~][!-~]? (?:[!-~]{1,2} ){3,}[!-~]{1,2}[ \t]*")
"""Five or more one- or two-character ASCII tokens in a row, single-spaced (a forum's anti-scraping
string), the first not a closing bracket (the text's own, glued to the junk: "(X牵头)9 @! _2…"); at
least two of them hold a letter, so spaced figures ("1 2 3 4 5") are no junk."""
JUNK_LETTERS = 2


@dataclass(frozen=True)
class ReadingView:
    """The text without its noise, and where each of its characters sits in the original.

    ``origin[i]`` is the original offset of the view's character ``i``; ``origin[len(text)]`` is the
    original length, so a value's end maps to just before the next kept character, taking along a
    gloss that follows its last character.
    """

    original: str
    text: str
    origin: tuple[int, ...]

    def recut(self, value: Any) -> Any:
        """The rules' record with every Quote cut again from the original text, scores kept."""
        if isinstance(value, Quote):
            out = Quote(self.original, self.origin[value.start], self.origin[value.end])
            out.score = value.score
            return out
        if isinstance(value, dict):
            return {k: self.recut(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.recut(v) for v in value]
        return value


def reading_view(text: str) -> ReadingView | None:
    """The view without glosses and junk, or None when the text has neither (the rules then read it as is)."""
    junk = [
        m.span()
        for m in _JUNK.finditer(text)
        if sum(any(c.isalpha() for c in t) for t in m.group().split()) >= JUNK_LETTERS
    ]
    spans = sorted([m.span() for m in _GLOSS_AFTER_HAN.finditer(text)] + junk)
    if not spans:
        return None
    kept: list[str] = []
    origin: list[int] = []
    pos = 0
    for start, end in [*spans, (len(text), len(text))]:
        kept.append(text[pos:start])
        origin.extend(range(pos, start))
        pos = end
    origin.append(len(text))
    return ReadingView(original=text, text="".join(kept), origin=tuple(origin))
