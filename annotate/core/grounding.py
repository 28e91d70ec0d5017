"""Tie every evidence value of a record to character offsets in the source text.

The model only returns verbatim strings; the tool computes offsets. The hard part is that short
values repeat ("接诉即办" occurs in several units' shortcoming sentences), so a value's span is
chosen by its structural context: values with a single occurrence are anchors, and an ambiguous
value takes the occurrence that sits between its already-placed neighbours — siblings in the same
list first, then the enclosing object, then further out. That is how a reader would place it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from annotate.core.alignment import Aligner, Match
from annotate.core.evidence import iter_evidence
from annotate.core.types import AlignmentStatus, Grounding

_INF = float("inf")


def _scopes(path: str) -> list[str]:
    """Enclosing scopes of a path, innermost first: ``a[1].b[0]`` -> ``a[1].b``, ``a[1]``, ``a``, ``''``."""
    out = []
    p = path
    while p:
        cut = max(p.rfind("."), p.rfind("["))
        p = p[:cut] if cut > 0 else ""
        out.append(p)
    return out


def _in_scope(path: str, scope: str) -> bool:
    if not scope:
        return True
    return path.startswith(scope) and path[len(scope) : len(scope) + 1] in (".", "[")


def _pick(cands: list[Match], lo: float, hi: float) -> Match:
    """The candidate nearest to the interval [lo, hi]; ties go to the one nearest a finite bound."""

    def key(m: Match) -> tuple[float, float, int]:
        if lo <= m.start and m.end <= hi:
            outside = 0.0
        else:
            outside = max(lo - m.start, m.end - hi, 0.0)
        if lo == -_INF and hi != _INF:
            tie = hi - m.end
        elif hi == _INF and lo != -_INF:
            tie = m.start - lo
        else:
            tie = 0.0
        return (outside, abs(tie), m.start)

    return min(cands, key=key)


def ground_values(
    text: str,
    values: list[tuple[str, str]],
    *,
    aligner: Aligner | None = None,
    window: tuple[int, int] | None = None,
) -> list[Grounding]:
    """Ground ``(path, value)`` pairs given in traversal order; returns one Grounding per pair."""
    aligner = aligner or Aligner(text)
    order = {path: i for i, (path, _) in enumerate(values)}
    cands: dict[str, list[Match]] = {}
    for path, value in values:
        cands[path] = aligner.candidates(value, window)

    chosen: dict[str, Match] = {p: c[0] for p, c in cands.items() if len(c) == 1}
    pending = sorted((p for p, c in cands.items() if len(c) > 1), key=lambda p: (len(cands[p]), order[p]))
    for path in pending:
        me = order[path]
        pick = None
        for scope in _scopes(path):
            placed = [(order[p], m) for p, m in chosen.items() if _in_scope(p, scope)]
            if not placed:
                continue
            before = [m.end for o, m in placed if o < me]
            after = [m.start for o, m in placed if o > me]
            lo = max(before) if before else -_INF
            hi = min(after) if after else _INF
            if lo > hi:  # neighbours out of text order: fall back to their whole extent
                lo = min(m.start for _, m in placed)
                hi = max(m.end for _, m in placed)
            pick = _pick(cands[path], lo, hi)
            break
        chosen[path] = pick or cands[path][0]

    out = []
    for path, value in values:
        m = chosen.get(path)
        if m is None:
            out.append(Grounding(path=path, value=value))
        else:
            out.append(
                Grounding(
                    path=path,
                    value=value,
                    start=m.start,
                    end=m.end,
                    quote=text[m.start : m.end],
                    status=m.status,
                    score=m.score,
                )
            )
    return out


def ground_record(
    text: str,
    model: type[BaseModel],
    record: dict[str, Any],
    *,
    window: tuple[int, int] | None = None,
) -> list[Grounding]:
    """Ground every evidence value of ``record`` (a dict shaped by ``model``) in ``text``."""
    return ground_values(text, list(iter_evidence(model, record)), window=window)


def shift(groundings: list[Grounding], offset: int) -> list[Grounding]:
    """Move groundings computed on a slice of the text back to whole-document offsets."""
    out = []
    for g in groundings:
        upd: dict[str, Any] = {}
        if g.start is not None and g.end is not None:
            upd = {"start": g.start + offset, "end": g.end + offset}
        out.append(g.model_copy(update=upd))
    return out


def confidence(groundings: list[Grounding]) -> float | None:
    """Share of evidence the text supports, weighted by match quality (1.0 = every value verbatim)."""
    if not groundings:
        return None
    weights = {
        AlignmentStatus.EXACT: 1.0,
        AlignmentStatus.NORMALISED: 0.9,
        AlignmentStatus.FUZZY: 0.6,
        AlignmentStatus.UNALIGNED: 0.0,
    }
    total = sum(weights[g.status] * (g.score / 100.0 if g.status is AlignmentStatus.FUZZY else 1.0) for g in groundings)
    return round(total / len(groundings), 4)


def check_invariant(text: str, groundings: list[Grounding]) -> list[str]:
    """Paths whose aligned span does not slice to its quote (should always be empty)."""
    bad = []
    for g in groundings:
        if g.aligned and (g.start is None or g.end is None or text[g.start : g.end] != g.quote):
            bad.append(g.path)
    return bad
