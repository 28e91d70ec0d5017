"""How sure the model was of each value it wrote, from the log-probabilities of the answer's tokens.

An answer is JSON text (a tool call's arguments, or a message's content, possibly fenced). The
endpoint returns one log-probability per generated token, with the token's bytes. Only the tokens
that spell a value count — not the keys, quotes, commas or brackets around it, which a
schema-constrained decoder emits with near certainty whatever the value. So:

1. ``string_spans`` scans the JSON and records, for every string *value*, its path
   (``units[0].shortcomings[1]``, the same path syntax as ``annotate.core.evidence``) and where
   each of its decoded characters sits in the raw text (escapes make the two differ).
2. ``token_spans`` turns the tokens' bytes into character ranges of the answer (a CJK character
   is often split over two byte-level tokens; the bytes make that exact).
3. ``value_confidence`` takes the tokens overlapping the characters of one value and returns the
   probability of the least likely of them. A value is as doubtful as its most doubtful piece:
   an invented unit name or a paraphrase is a single surprising token among many copied ones,
   which an average would wash out.

Values in the final record need not be raw strings of the answer: a genre's clean-up may have
split one raw string into several values (a shortcoming sentence into its areas). A value is
therefore found *inside* a raw string of the same field — at the same path when it is there —
and scored on the tokens of that substring only.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from annotate.core.evidence import pattern_of

__all__ = ["StringSpan", "TokenSpan", "find_json", "string_spans", "token_spans", "value_confidences"]

_WS = " \t\r\n"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class StringSpan:
    """A JSON string value: its path, decoded text and the raw offset of each decoded character."""

    path: str
    value: str
    offsets: tuple[int, ...]
    """``offsets[i]`` is where decoded character ``i`` starts in the raw text; one extra entry marks the end."""


class TokenSpan(NamedTuple):
    """Characters ``[start, end)`` of the answer that one token spelled (a tuple: hundreds per answer)."""

    start: int
    end: int
    logprob: float


class _Scanner:
    """A forgiving JSON reader that keeps positions; stops quietly where the text stops (truncated answers)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.out: list[StringSpan] = []

    def ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in _WS:
            self.i += 1

    def value(self, path: str) -> None:
        self.ws()
        if self.i >= len(self.text):
            return
        c = self.text[self.i]
        if c == "{":
            self.obj(path)
        elif c == "[":
            self.arr(path)
        elif c == '"':
            value, offsets = self.string()
            self.out.append(StringSpan(path, value, offsets))
        else:
            m = _NUMBER.match(self.text, self.i)
            if m:
                self.i = m.end()
            else:
                for word in ("true", "false", "null"):
                    if self.text.startswith(word, self.i):
                        self.i += len(word)
                        return
                raise ValueError(f"unexpected {c!r} at {self.i}")

    def string(self) -> tuple[str, tuple[int, ...]]:
        self.i += 1  # opening quote
        chars: list[str] = []
        offsets: list[int] = []
        t = self.text
        while self.i < len(t) and t[self.i] != '"':
            offsets.append(self.i)
            if t[self.i] == "\\" and self.i + 1 < len(t):
                e = t[self.i + 1]
                if e == "u" and self.i + 6 <= len(t):
                    chars.append(chr(int(t[self.i + 2 : self.i + 6], 16)))
                    self.i += 6
                else:
                    chars.append(_ESCAPES.get(e, e))
                    self.i += 2
            else:
                chars.append(t[self.i])
                self.i += 1
        offsets.append(self.i)
        self.i += 1  # closing quote
        return "".join(chars), tuple(offsets)

    def obj(self, path: str) -> None:
        self.i += 1
        while True:
            self.ws()
            if self.i >= len(self.text) or self.text[self.i] == "}":
                self.i += 1
                return
            if self.text[self.i] == ",":
                self.i += 1
                continue
            if self.text[self.i] != '"':
                raise ValueError(f"expected a key at {self.i}")
            key, _ = self.string()
            self.ws()
            if self.i < len(self.text) and self.text[self.i] == ":":
                self.i += 1
            self.value(f"{path}.{key}" if path else key)

    def arr(self, path: str) -> None:
        self.i += 1
        n = 0
        while True:
            self.ws()
            if self.i >= len(self.text) or self.text[self.i] == "]":
                self.i += 1
                return
            if self.text[self.i] == ",":
                self.i += 1
                continue
            self.value(f"{path}[{n}]")
            n += 1


def find_json(answer: str) -> int:
    """Where the JSON object starts in an answer (fenced ```json blocks and chatter before it)."""
    at = answer.find("{")
    return max(at, 0)


def string_spans(answer: str) -> list[StringSpan]:
    """Every string value of the JSON object in ``answer``, with raw positions; [] if there is none."""
    scanner = _Scanner(answer)
    scanner.i = find_json(answer)
    try:
        scanner.value("")
    except (ValueError, IndexError):
        pass  # keep what was read before the text stopped making sense
    return scanner.out


def token_spans(answer: str, tokens: Sequence[tuple[bytes, float]]) -> list[TokenSpan]:
    """Character ranges of ``answer`` that each token spelled, with its logprob.

    The tokens' bytes, concatenated, spell the UTF-8 answer (tokens past its end — an end-of-turn
    marker — are ignored). A token that ends inside a multi-byte character covers that character.
    """
    size = len(answer.encode("utf-8"))
    ends = list(accumulate(len(ch.encode("utf-8")) for ch in answer))  # byte end of each character
    out: list[TokenSpan] = []
    pos = 0
    for raw, logprob in tokens:
        if pos >= size:
            break
        end = min(pos + len(raw), size)
        if end > pos:  # the characters holding its first and its last byte
            out.append(TokenSpan(bisect_right(ends, pos), bisect_right(ends, end - 1) + 1, logprob))
        pos = end
    return out


def _covering(tokens: Sequence[TokenSpan], token_ends: Sequence[int], start: int, end: int) -> list[float]:
    """Logprobs of the tokens overlapping characters ``[start, end)`` (tokens are in answer order)."""
    out = []
    for i in range(bisect_right(token_ends, start), len(tokens)):
        if tokens[i].start >= end:
            break
        out.append(tokens[i].logprob)
    return out


def value_confidences(
    answer: str, tokens: Sequence[tuple[bytes, float]], values: Iterable[tuple[str, str]]
) -> dict[str, float]:
    """``{path: probability}`` for the record's ``(path, value)`` pairs found in the answer.

    The probability is ``exp`` of the lowest token logprob among the value's own tokens. A value
    that cannot be found in the answer (the clean-up rewrote it) gets no entry.
    """
    spans = string_spans(answer)
    tspans = token_spans(answer, tokens)
    tends = [t.end for t in tspans]
    by_pattern: dict[str, list[StringSpan]] = {}
    for s in spans:
        by_pattern.setdefault(pattern_of(s.path), []).append(s)
    by_path = {s.path: s for s in spans}
    out: dict[str, float] = {}
    for path, value in values:
        if not value:
            continue
        same = by_path.get(path)
        pool = ([same] if same is not None else []) + by_pattern.get(pattern_of(path), [])
        for s in pool:
            at = s.value.find(value)
            if at < 0:
                continue
            logprobs = _covering(tspans, tends, s.offsets[at], s.offsets[at + len(value)])
            if logprobs:
                out[path] = math.exp(min(logprobs))
            break
    return out
