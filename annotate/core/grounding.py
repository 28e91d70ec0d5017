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


def _pick(
    cands: list[Match], lo: float, hi: float, used: set[tuple[int, int]], toward: str | None, reserve: int
) -> Match:
    """The candidate nearest to the interval [lo, hi].

    Among equally good candidates, the one nearest the bound that came from the closer context
    (``toward``) wins — a unit's name is the occurrence just before its achievements, not the one
    in the list of speakers — skipping ``reserve`` slots that identical siblings not yet placed
    will need. A span another value already took is the last resort.
    """

    def outside(m: Match) -> float:
        if lo <= m.start and m.end <= hi:
            return 0.0
        return max(lo - m.start, m.end - hi, 0.0)

    def closeness(m: Match) -> float:
        if toward == "hi" and hi != _INF:
            return hi - m.end
        if toward == "lo" and lo != -_INF:
            return m.start - lo
        return m.start

    ranked = sorted(cands, key=lambda m: ((m.start, m.end) in used, outside(m), abs(closeness(m)), m.start))
    head = ranked[0]
    group = [m for m in ranked if ((m.start, m.end) in used, outside(m)) == ((head.start, head.end) in used, outside(head))]
    return group[min(reserve, len(group) - 1)]


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
    used = {(m.start, m.end) for m in chosen.values()}
    pending = sorted((p for p, c in cands.items() if len(c) > 1), key=lambda p: (len(cands[p]), order[p]))
    value_of = dict(values)
    for path in pending:
        me = order[path]
        # Bounds come from the nearest placed neighbours on each side, looking outward scope by
        # scope: a first list item has no earlier sibling, but its parent's earlier fields bound it.
        lo, hi = -_INF, _INF
        lo_depth = hi_depth = len(path)
        extent: tuple[float, float] | None = None
        for depth, scope in enumerate(_scopes(path)):
            placed = [(order[p], m) for p, m in chosen.items() if _in_scope(p, scope)]
            if not placed:
                continue
            if extent is None:
                extent = (min(m.start for _, m in placed), max(m.end for _, m in placed))
            # Starts and ends, not ends and starts: a value may sit *inside* an earlier field
            # (an indicator inside the progress text), so that field's start is the bound.
            before = [m.start for o, m in placed if o < me]
            after = [m.end for o, m in placed if o > me]
            if lo == -_INF and before:
                lo, lo_depth = max(before), depth
            if hi == _INF and after:
                hi, hi_depth = min(after), depth
            if lo != -_INF and hi != _INF:
                break
        if lo > hi and extent is not None:  # neighbours out of text order: use their extent
            lo, hi = extent
        toward = "hi" if hi_depth < lo_depth else "lo" if lo_depth < hi_depth else None
        # Identical values not yet placed that share the bound's scope need slots of their own.
        scopes = _scopes(path)
        near = scopes[min(hi_depth if toward == "hi" else lo_depth, len(scopes) - 1)]
        twins = [
            p for p in pending
            if p not in chosen and p != path and value_of[p] == value_of[path] and _in_scope(p, near)
        ]
        if toward == "hi":
            reserve = sum(order[p] > me for p in twins)
        else:
            reserve = sum(order[p] < me for p in twins)
        chosen[path] = _pick(cands[path], lo, hi, used, toward, reserve)
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


def check_invariant(text: str, groundings: list[Grounding]) -> list[str]:
    """Paths whose aligned span does not slice to its quote (should always be empty)."""
    bad = []
    for g in groundings:
        if g.aligned and (g.start is None or g.end is None or text[g.start : g.end] != g.quote):
            bad.append(g.path)
    return bad
