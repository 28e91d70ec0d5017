"""Character-level alignment of quoted values to the source text.

Token-level alignment fails on Chinese (there are no spaces to tokenise on), so everything here
works code point by code point. A value is tried, in order: verbatim; after a normalisation that
folds full/half width, whitespace and Traditional/Simplified characters (mapped back to original
offsets, so the span still slices the original text); fuzzily. What cannot be found is reported
unaligned — never moved somewhere plausible, never dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from annotate.core.types import AlignmentStatus

FUZZY_THRESHOLD = 85.0
"""Minimum rapidfuzz similarity (0-100) for a fuzzy span; below it a value stays unaligned."""


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    status: AlignmentStatus
    score: float


@lru_cache(maxsize=1)
def _t2s():  # pragma: no cover - trivial
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """Fold one character to its comparison form ('' for whitespace).

    NFKC folds full-width forms and ``\\u3000``; OpenCC maps a Traditional character to Simplified.
    Converting one character at a time keeps the mapping 1:n so offsets can be mapped back.
    """
    if ch.isspace():
        return ""
    folded = unicodedata.normalize("NFKC", ch)
    if folded.isspace():
        return ""
    out = []
    for c in folded:
        if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff":
            c = _t2s().convert(c)
        out.append(c.lower())
    return "".join(out)


class FoldedText:
    """A folded copy of a text plus the map from folded positions back to original ones."""

    def __init__(self, text: str) -> None:
        parts: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            f = fold_char(ch)
            for c in f:
                parts.append(c)
                origin.append(i)
        self.text = "".join(parts)
        self.origin = origin
        self.source_len = len(text)

    def to_original(self, fstart: int, fend: int) -> tuple[int, int]:
        """Map a folded half-open range back to the smallest original range that covers it."""
        start = self.origin[fstart]
        end = self.origin[fend - 1] + 1
        return start, end


def fold(s: str) -> str:
    return "".join(fold_char(c) for c in s)


def find_all(text: str, needle: str) -> list[int]:
    """Every start index of ``needle`` in ``text`` (overlapping occurrences included)."""
    if not needle:
        return []
    out = []
    i = text.find(needle)
    while i != -1:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


class Aligner:
    """Finds candidate spans for values in one text; caches the folded text between values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: FoldedText | None = None

    @property
    def folded(self) -> FoldedText:
        if self._folded is None:
            self._folded = FoldedText(self.text)
        return self._folded

    def candidates(self, value: str, window: tuple[int, int] | None = None) -> list[Match]:
        """All plausible spans for ``value``, best status first (all of one status).

        ``window`` limits the search (original offsets); the fuzzy stage only ever looks inside it
        when given, which keeps it cheap on long documents.
        """
        if not value or not value.strip():
            return []
        lo, hi = window if window else (0, len(self.text))
        exact = [i for i in find_all(self.text, value) if lo <= i and i + len(value) <= hi]
        if exact:
            return [Match(i, i + len(value), AlignmentStatus.EXACT, 100.0) for i in exact]
        stripped = value.strip()
        if stripped != value:
            exact = [i for i in find_all(self.text, stripped) if lo <= i and i + len(stripped) <= hi]
            if exact:
                return [
                    Match(i, i + len(stripped), AlignmentStatus.NORMALISED, 100.0) for i in exact
                ]
        fv = fold(value)
        if fv:
            ft = self.folded
            found = []
            for fi in find_all(ft.text, fv):
                s, e = ft.to_original(fi, fi + len(fv))
                if lo <= s and e <= hi:
                    found.append(Match(s, e, AlignmentStatus.NORMALISED, 100.0))
            if found:
                return found
        fuzzy = self._fuzzy(value, lo, hi)
        return [fuzzy] if fuzzy else []

    def _fuzzy(self, value: str, lo: int, hi: int) -> Match | None:
        """Best approximate span by rapidfuzz's partial alignment, on code points."""
        if len(value) < 4:
            return None  # a short value matched approximately is a guess, not evidence
        hay = self.text[lo:hi]
        res = fuzz.partial_ratio_alignment(value, hay, processor=None, score_cutoff=FUZZY_THRESHOLD)
        if res is None:
            return None
        s, e = lo + res.dest_start, lo + res.dest_end
        # Trim whitespace the window may have swallowed so the quote reads cleanly.
        while s < e and self.text[s].isspace():
            s += 1
        while e > s and self.text[e - 1].isspace():
            e -= 1
        if e <= s:
            return None
        return Match(s, e, AlignmentStatus.FUZZY, float(res.score))


def nearest(positions: Sequence[int], lo: int, hi: int) -> int:
    """Index of the position closest to the interval [lo, hi] (inside counts as distance 0)."""
    best, best_d = 0, None
    for k, p in enumerate(positions):
        d = 0 if lo <= p <= hi else min(abs(p - lo), abs(p - hi))
        if best_d is None or d < best_d:
            best, best_d = k, d
    return best
