"""Tie every evidence value of a record to character offsets in the source text.

The model only returns verbatim strings; the tool computes offsets. The hard part is that short
values repeat ("接诉即办" occurs in several units' shortcoming sentences; "区发展改革委" leads
dozens of table rows), so a repeated value is placed by its structural context, the way a reader
would place it:

1. Values with a single candidate span are anchors.
2. Each ambiguous value (fewest candidates first) looks outward from its own position — siblings
   in its list, then the enclosing object — and counts, for every candidate, how many placed
   neighbours it contradicts: a neighbour that comes earlier in the record should start earlier
   in the text, a later one later, unless one span contains the other (an indicator inside the
   progress text), and siblings in one list never overlap. The innermost contradictions count
   first.
3. Among equally consistent candidates, identical siblings not yet placed take the text order
   (the first of two "3家" in a row gets the first occurrence); otherwise the candidate nearest
   to a placed neighbour wins (a unit's name is the occurrence just before its achievements,
   not the one in the list of speakers). A span another value already took is the last resort.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from annotate.core.alignment import Aligner, Match
from annotate.core.evidence import iter_evidence
from annotate.core.types import AlignmentStatus, Grounding

_LAST_INDEX = re.compile(r"\[\d+\](?=[^\[]*$)")


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


def _nests(a: Match, b: Match) -> bool:
    return (a.start <= b.start and b.end <= a.end) or (b.start <= a.start and a.end <= b.end)


def _contradictions(c: Match, me: int, placed: list[tuple[int, Match]], siblings: bool) -> int:
    n = 0
    for o, q in placed:
        if siblings and q.start < c.end and c.start < q.end and (q.start, q.end) != (c.start, c.end):
            n += 1  # list items never overlap
        elif _nests(c, q):
            continue
        elif (o < me and q.start > c.start) or (o > me and q.start < c.start):
            n += 1
    return n


def _gap(c: Match, placed: list[tuple[int, Match]]) -> int:
    """Distance from a candidate to the nearest placed neighbour (0 when they touch or nest)."""
    return min(max(q.start - c.end, c.start - q.end, 0) for _, q in placed)


def _context(
    path: str, chosen: dict[str, Match], order: dict[str, int]
) -> list[tuple[str, bool, list[tuple[int, Match]]]]:
    """Placed neighbours by scope, innermost first, up to the first enclosing object that has any.

    Each entry is ``(scope, is_list_scope, placed)``; further-out scopes are left out because a
    value's own record item is what decides where it belongs.
    """
    out = []
    for scope in _scopes(path):
        placed = [(order[p], m) for p, m in chosen.items() if p != path and _in_scope(p, scope)]
        is_list = bool(scope) and path[len(scope)] == "["
        if placed:
            out.append((scope, is_list, placed))
            if not is_list:
                break
    return out


def _place(
    path: str,
    cands: list[Match],
    chosen: dict[str, Match],
    order: dict[str, int],
    used: set[tuple[int, int]],
    twins: list[str],
) -> Match:
    me = order[path]
    context = _context(path, chosen, order)
    # Identical siblings still unplaced within the same nearest context take the text order.
    near = context[0][0] if context else ""
    twins = [p for p in twins if _in_scope(p, near)]
    twins_before = sum(order[p] < me for p in twins) if twins else None

    def rank(c: Match) -> tuple:
        return ((c.start, c.end) in used, *(_contradictions(c, me, placed, is_list) for _, is_list, placed in context))

    ranked = sorted(cands, key=rank)
    best = rank(ranked[0])
    tied = [c for c in ranked if rank(c) == best]
    if len(tied) == 1:
        return tied[0]
    if twins_before is not None:
        return sorted(tied, key=lambda c: c.start)[min(twins_before, len(tied) - 1)]
    if context:
        nearest = context[0][2]
        return min(tied, key=lambda c: (_gap(c, nearest), c.start))
    return min(tied, key=lambda c: c.start)


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
    value_of = dict(values)
    cands: dict[str, list[Match]] = {path: aligner.candidates(value, window) for path, value in values}

    chosen: dict[str, Match] = {p: c[0] for p, c in cands.items() if len(c) == 1}
    used = {(m.start, m.end) for m in chosen.values()}
    pending = sorted((p for p, c in cands.items() if len(c) > 1), key=lambda p: (len(cands[p]), order[p]))
    for path in pending:
        # Identical values of the same field in one list, still unplaced: text order decides.
        family = _LAST_INDEX.sub("[]", path)
        twins = [
            p for p in pending
            if p != path and p not in chosen and value_of[p] == value_of[path] and _LAST_INDEX.sub("[]", p) == family
        ]
        chosen[path] = _place(path, cands[path], chosen, order, used, twins)
        used.add((chosen[path].start, chosen[path].end))

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


def document_confidence(groundings: list[Grounding]) -> float | None:
    """The task-level score: the mean of the values' confidences (alignment only when none is set).

    The mean, not the lowest: in a long document some value is almost always doubtful, so the
    lowest would rank every long task first; the mean says how much of the task is in doubt,
    and the region list still shows each value's own score.
    """
    values = [g.confidence for g in groundings if g.confidence is not None]
    if not values:
        return confidence(groundings)
    return round(sum(values) / len(values), 4)


def check_invariant(text: str, groundings: list[Grounding]) -> list[str]:
    """Paths whose aligned span does not slice to its quote (should always be empty)."""
    bad = []
    for g in groundings:
        if g.aligned and (g.start is None or g.end is None or text[g.start : g.end] != g.quote):
            bad.append(g.path)
    return bad
