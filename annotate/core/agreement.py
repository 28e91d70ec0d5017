"""Confidence from agreement: how much a second, differently worded extraction backs each value.

For endpoints that return no token logprobs, the same chunk is extracted twice with two wordings
of the instructions; a value both extractions produced is much likelier right than one only the
first produced (ExtractConf, arXiv 2606.24420: ROC AUC 0.93 on DocILE). A value scores 1.0 when the
second extraction has it in the same field (compared normalised: width, Traditional/Simplified,
whitespace), else its best character overlap with that field's values there, halved — a near
miss counts for something, an absence for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz

from annotate.core.evidence import pattern_of
from annotate.core.scoring import normalise


def agreement(first: Iterable[tuple[str, str]], second: Iterable[tuple[str, str]]) -> dict[str, float]:
    """``{path: score in [0, 1]}`` for the first extraction's ``(path, value)`` pairs."""
    pool: dict[str, list[str]] = {}
    for path, value in second:
        pool.setdefault(pattern_of(path), []).append(normalise(value))
    out: dict[str, float] = {}
    for path, value in first:
        others = pool.get(pattern_of(path), [])
        mine = normalise(value)
        if mine in others:
            out[path] = 1.0
        elif others:
            out[path] = round(max(fuzz.ratio(mine, o) for o in others) / 200.0, 4)
        else:
            out[path] = 0.0
    return out
