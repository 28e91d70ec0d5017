"""Questions written as headlines, each followed by its answer, with no speaker labels (``public_report``).

Explainers and digests put the question as a heading of its own ("我國失業保險制度…發揮了哪些作用?")
and the answer as the paragraphs under it; reposts flatten such a digest onto one line, where the
questions are numbered ("1、就业压力如何缓解?") and a space is all that is left of a paragraph
break. What marks a pair is that shape: a short question ending in a question mark, standing alone,
then running text that is not a question. The answer is its first paragraph (seed 003's rule).
"""

from __future__ import annotations

import re
from typing import Any

from annotate.extraction.rules.spans import Quote, quote, scored

_QUESTION_END = re.compile(r"[?？]$")
_SENTENCE_END = re.compile(r"[。！!；;]")
_MARK = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})[、.．]\s*")
_INLINE = re.compile(r"(?:^|(?<=\s))(?P<n>\d{1,2})、(?P<q>[^\s?？。]{2,40}[?？])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPACE = re.compile(r"\s")
HEADLINE_WIDTH = 60

HEADLINE_PAIR = 0.6
"""A pair read from the page's shape alone (a question-mark heading, a paragraph under it): no label
or verb of asking says who asks, so a rhetorical heading would read the same."""


def headline_qa(text: str, spans: list[tuple[int, int]]) -> list[dict[str, Quote]]:
    """Pairs of question headlines on lines of their own, else of numbered questions in one line,
    else of "记者:…?答:…" run together in one paragraph."""
    return _own_lines(text, [(s, e) for s, e in spans if e > s]) or _inline(text, spans) or _run_on(text, spans)


_RUN_ON_Q = re.compile(
    r"(?:记者|記者|问|問)\s*[:：](?P<q>[^:：\n]{2,300}?[?？])\s*[^\s:：，,。；;！？!?]{0,12}?答\s*[:：]"
)
_NEXT_ASK = re.compile(r"(?:记者|記者|问|問)\s*[:：]")


def _run_on(text: str, spans: list[tuple[int, int]]) -> list[dict[str, Quote]]:
    """ "…责任记者:《意见》出台有何背景?答:经过…": a page that lost its line breaks keeps its labels
    inside the paragraph; the question ends at its question mark before 答:, the answer at the next
    asker's label or the paragraph's end (a heading glued before 记者 is lost with the break)."""
    out: list[dict[str, Any]] = []
    for s, e in spans:
        for m in _RUN_ON_Q.finditer(text, s, e):
            nxt = _NEXT_ASK.search(text, m.end(), e)
            _add(out, text, m.start("q"), m.end("q"), m.end(), nxt.start() if nxt else e)
    return out


def _own_lines(text: str, lines: list[tuple[int, int]]) -> list[dict[str, Quote]]:
    out = []
    for k, (s, e) in enumerate(lines[:-1]):
        if e - s > HEADLINE_WIDTH or not _QUESTION_END.search(text, s, e) or re.search(r"[:：]", text[s:e]):
            continue
        a_s, a_e = lines[k + 1]
        if _QUESTION_END.search(text, a_s, a_e) or not _SENTENCE_END.search(text, a_s, a_e):
            continue  # the next line is another question, or not running text
        mark = _MARK.match(text, s, e)
        _add(out, text, mark.end() if mark else s, e, a_s, a_e)
    return out


def _inline(text: str, spans: list[tuple[int, int]]) -> list[dict[str, Quote]]:
    """ "… 1、就业压力如何缓解? &|Z:8]'P 我们这几年…水平。 tse(iX/D …": numbered 1, 2, 3…; the answer
    starts at the first Han character after the question and ends at the next space."""
    out: list[dict[str, Any]] = []
    if not spans:
        return out
    s, e = spans[0][0], spans[-1][1]  # the junk may hold a line break: read the text as one run
    for m in _INLINE.finditer(text, s, e):
        if int(m.group("n")) != len(out) + 1:
            continue
        start = _CJK.search(text, m.end(), e)
        if start is None:
            continue
        stop = _SPACE.search(text, start.start(), e)
        _add(out, text, m.start("q"), m.end("q"), start.start(), stop.start() if stop else e)
    return out if len(out) >= 2 else []


def _add(out: list[dict[str, Any]], text: str, qs: int, qe: int, a_s: int, a_e: int) -> None:
    q = quote(text, qs, qe, strip_punct=False)
    a = quote(text, a_s, a_e, strip_punct=False)
    if q is not None and a is not None:
        out.append({"question": scored([q], HEADLINE_PAIR)[0], "answer": scored([a], HEADLINE_PAIR)[0]})
