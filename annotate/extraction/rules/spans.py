"""Span helpers shared by the genre rules: every value the pre-labeler emits is a slice of THE text.

The rules never copy or rewrite text: they move offsets. A value is a :class:`Quote` — a ``str``
that remembers where it was cut from — so the record can be built like any record while its
groundings come for free, and "100% aligned" holds by construction rather than by search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

SENTENCE_END = "。！？!?."
CLAUSE_END = SENTENCE_END + "；;"
TRAILING_PUNCT = "。．.，,、；;：:！!？?…—-"
_SPACE = re.compile(r"[\s\u3000\xa0\ufeff]")


DEFAULT_SCORE = 0.8
"""How sure the rules are of a value when no cue says more: found by a rule, backed by no second sign."""


GLOSS = r"(?:\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,8}\))"
"""A pinyin gloss after a character ("經(jīng)", "沈(shen)"), as some reposted pages carry."""


class Quote(str):
    """A string cut from a text at ``[start, end)``; ``text[start:end] == self`` always.

    ``score`` is the rules' confidence in the value, set from the evidence behind it (which cue
    found it, whether a second sign agrees); it becomes the value's grounding confidence.
    """

    start: int
    end: int
    score: float = DEFAULT_SCORE

    def __new__(cls, text: str, start: int, end: int) -> Quote:
        obj = super().__new__(cls, text[start:end])
        obj.start = start
        obj.end = end
        return obj


def scored(values: list[Quote], score: float) -> list[Quote]:
    """The same Quotes, each with ``score`` (a rule's confidence in what it found)."""
    for v in values:
        v.score = score
    return values


def is_space(ch: str) -> bool:
    return bool(_SPACE.match(ch))


def trim(text: str, start: int, end: int, punct: str = "") -> tuple[int, int]:
    """Shrink ``[start, end)`` past whitespace (and trailing ``punct``) at both ends."""
    while start < end and is_space(text[start]):
        start += 1
    while end > start and (is_space(text[end - 1]) or text[end - 1] in punct):
        end -= 1
    return start, end


def quote(text: str, start: int, end: int, *, strip_punct: bool = True) -> Quote | None:
    """The trimmed slice as a Quote, or None when nothing but space/punctuation is left."""
    s, e = trim(text, start, end, TRAILING_PUNCT if strip_punct else "")
    if strip_punct:
        while s < e and text[s] in "，,、；;：:。":
            s, e = trim(text, s + 1, e, TRAILING_PUNCT)
    if e <= s:
        return None
    return Quote(text, s, e)


def split_spans(text: str, start: int, end: int, seps: str) -> Iterator[tuple[int, int]]:
    """Pieces of ``text[start:end]`` between separator characters (separators excluded).

    Separators inside quotation marks or brackets still split: government prose does not nest
    sentences in quotes, and a missed split costs less than a merged pair of clauses.
    """
    s = start
    for i in range(start, end):
        if text[i] in seps and not is_decimal_point(text, i):
            yield s, i
            s = i + 1
    if s < end:
        yield s, end


def is_decimal_point(text: str, i: int) -> bool:
    """An ASCII '.' inside a number ("2.5") or after a list number ("1.", "2.") ends nothing."""
    if text[i] != ".":
        return False
    j = i
    while j > 0 and text[j - 1].isdigit():
        j -= 1
    if j == i:
        return False
    if i + 1 < len(text) and text[i + 1].isdigit():
        return True
    before_run = text[j - 1] if j else ""
    return i - j <= 2 and (not before_run or before_run.isspace() or before_run in "。；;：:！？!?.")


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (terminator included) within ``[start, end)``; line breaks also end a sentence."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    s = start
    for i in range(start, end):
        ch = text[i]
        if ch in SENTENCE_END and not is_decimal_point(text, i):
            out.append((s, i + 1))
            s = i + 1
        elif ch in "\r\n":
            if s < i:
                out.append((s, i))
            s = i + 1
    if s < end:
        out.append((s, end))
    return [(a, b) for a, b in (trim(text, a, b) for a, b in out) if b > a]


def lines(text: str) -> list[tuple[int, int]]:
    """Spans of the lines of ``text`` without their line terminators (empty lines included)."""
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append((pos, pos + len(body)))
        pos += len(line)
    return out


def clauses(text: str, start: int, end: int, seps: str = CLAUSE_END) -> list[Quote]:
    """Non-empty trimmed pieces of a span split at ``seps``, as Quotes."""
    out = []
    for a, b in split_spans(text, start, end, seps):
        q = quote(text, a, b)
        if q is not None:
            out.append(q)
    return out


def find_all(pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None) -> list[re.Match[str]]:
    return list(pattern.finditer(text, start, len(text) if end is None else end))
