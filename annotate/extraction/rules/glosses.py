"""Pinyin glosses taken out of a text before the rules read it, and put back into what they found.

Reposted Traditional pages often carry a reading after some characters (``責(zé)任單位``,
``任務(wù)``). A gloss sits inside words, labels and names, so every reader would otherwise need
its own way around it, and most had none: a ``責任單位`` field or a ``問:`` label read as nothing.
The rules therefore read a view of the text with the glosses removed, and each value they cut is
re-cut from the original text at the mapped offsets, so a value keeps its glosses as written (what
the hand-written records hold) and ``text[start:end] == value`` still holds for the real text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from annotate.extraction.rules.spans import GLOSS, Quote

_GLOSS_AFTER_HAN = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])" + GLOSS)


@dataclass(frozen=True)
class GlossFreeView:
    """The text without its glosses, and where each of its characters sits in the original.

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


def gloss_free(text: str) -> GlossFreeView | None:
    """The view without glosses, or None when the text has none (the rules then read it as is)."""
    spans = [m.span() for m in _GLOSS_AFTER_HAN.finditer(text)]
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
    return GlossFreeView(original=text, text="".join(kept), origin=tuple(origin))
