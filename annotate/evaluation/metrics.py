"""Evaluation measures, as pure functions over records, groundings and counts.

Field-level precision/recall/F1 is ``annotate.core.scoring`` (the same scorer the pre-labeler and
the live prompt tests use), so "F1 on shortcomings" means one thing everywhere. This module adds
what only evaluation against gold needs: span F1 (exact and overlapping), the correction effort
recorded at pull time, agreement between annotators, and whether the confidence attached to each
value separates right values from wrong ones (AUROC, calibration bins).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from pydantic import BaseModel

from annotate.core import scoring
from annotate.core.evidence import parse_path, pattern_of
from annotate.core.field_tree import FieldNode, field_tree
from annotate.core.grounding import confidence as grounding_confidence
from annotate.core.types import Grounding

REGION_KINDS = ("kept", "edited", "added", "deleted")


PRF = scoring.Counts
"""tp/fp/fn with precision, recall and F1 derived — the shared scorer's counts, reused for spans too."""


def total(scores: Iterable[PRF]) -> PRF:
    out = PRF()
    for s in scores:
        out.add(s)
    return out


def plus(a: PRF, b: PRF) -> PRF:
    """A new sum (``Counts.add`` mutates; totals kept in results must not alias their parts)."""
    return PRF(a.tp + b.tp, a.fp + b.fp, a.fn + b.fn)


# --- fields ---------------------------------------------------------------------------------


def field_scores(
    model: type[BaseModel], gold: Mapping[str, Any], predicted: Mapping[str, Any], *, normalised: bool
) -> dict[str, PRF]:
    """Per field pattern counts for one document, from the shared scorer (every leaf field)."""
    mode = "normalised" if normalised else "strict"
    return scoring.score_record(model, dict(predicted), dict(gold), mode=mode).fields


def add_scores(into: dict[str, PRF], more: Mapping[str, PRF]) -> None:
    for name, s in more.items():
        into[name] = plus(into.get(name, PRF()), s)


def _item_node(node: FieldNode | None, name: str) -> FieldNode | None:
    """The object node under field ``name``: the nested object, or a list of objects' item."""
    child = node.child(name) if node is not None else None
    if child is None or child.model is None:
        return None
    return child.item if child.kind == "model_list" else child


def value_hits(
    model: type[BaseModel], gold: Mapping[str, Any], predicted: Mapping[str, Any], paths: Sequence[str]
) -> list[bool]:
    """Whether each predicted value (by path) is right against gold, under the shared scorer's rules.

    Items of a list of objects are paired with ``scoring.align`` (the scorer's own key-field
    alignment, so a right shortcoming filed under the wrong unit stays wrong); then a value is
    right when it equals, normalised, the gold value at the paired place — for lists of strings,
    when an unused equal gold value is left (multiset, like the scorer). One alignment per list
    and document, so 1,000 values of a 136-row table cost one alignment, not 1,000.
    """
    alignments: dict[str, dict[int, int | None]] = {}
    pools: dict[str, Counter[str]] = {}
    out = []
    for path in paths:
        out.append(_hit(model, gold, predicted, path, alignments, pools))
    return out


def _hit(
    model: type[BaseModel],
    gold: Mapping[str, Any],
    predicted: Mapping[str, Any],
    path: str,
    alignments: dict[str, dict[int, int | None]],
    pools: dict[str, Counter[str]],
) -> bool:
    parts = parse_path(path)
    p_node: Any = predicted
    g_node: Any = gold
    current: FieldNode | None = field_tree(model)
    where = ""  # the concrete gold path walked so far (pool key)
    i = 0
    try:
        while i < len(parts):
            name = parts[i]
            if not isinstance(name, str) or not isinstance(p_node, Mapping) or not isinstance(g_node, Mapping):
                return False
            p_val, g_val = p_node.get(name), g_node.get(name)
            inner = _item_node(current, name)
            where = f"{where}.{name}" if where else name
            if i + 1 < len(parts) and isinstance(parts[i + 1], int):
                index = parts[i + 1]
                if not isinstance(p_val, list) or not isinstance(g_val, list):
                    return False
                if inner is None:  # a list of strings: multiset membership
                    pool = pools.get(where)
                    if pool is None:
                        pool = pools[where] = Counter(scoring.normalise(v) for v in g_val if isinstance(v, str))
                    value = scoring.normalise(str(p_val[index]))
                    if pool[value] > 0:
                        pool[value] -= 1
                        return True
                    return False
                key = f"{where}@{'.'.join(str(x) for x in parts[:i])}"
                table = alignments.get(key)
                if table is None:
                    pairs = scoring.align(p_val, g_val, scoring.key_field(inner.model))
                    table = alignments[key] = {pi: gi for pi, gi in pairs if pi is not None}
                gi = table.get(index)
                if gi is None:
                    return False
                p_node, g_node, current = p_val[index], g_val[gi], inner
                where = f"{where}[{gi}]"
                i += 2
                continue
            if i == len(parts) - 1:
                if p_val is None or g_val is None:
                    return False
                return scoring.normalise(str(p_val)) == scoring.normalise(str(g_val))
            p_node, g_node, current = p_val, g_val, inner
            i += 1
    except (IndexError, TypeError):
        return False
    return False


# --- spans ----------------------------------------------------------------------------------


SpanKey = tuple[str, int, int]
"""(label = field pattern, start, end)."""


def spans(groundings: Iterable[Mapping[str, Any]]) -> list[SpanKey]:
    """Aligned groundings as (field pattern, start, end); unaligned values have no span to compare."""
    out = []
    for g in groundings:
        start, end = g.get("start"), g.get("end")
        if start is not None and end is not None:
            out.append((pattern_of(str(g.get("path", ""))), int(start), int(end)))
    return out


def span_exact(gold: Sequence[SpanKey], predicted: Sequence[SpanKey]) -> PRF:
    """Same label and the same characters (multiset, so a repeated span must be found twice)."""
    g, p = Counter(gold), Counter(predicted)
    tp = sum((g & p).values())
    return PRF(tp, sum(p.values()) - tp, sum(g.values()) - tp)


def span_overlap(gold: Sequence[SpanKey], predicted: Sequence[SpanKey]) -> PRF:
    """Same label and at least one shared character, matched one-to-one (largest overlaps first).

    The lenient view: a boundary off by a character (a kept 。, a dropped 等) still counts, which
    is what an annotator fixing a span experiences as "nearly right".
    """
    by_label: dict[str, list[tuple[int, int, int]]] = {}
    for j, (pl, ps, pe) in enumerate(predicted):
        by_label.setdefault(pl, []).append((ps, pe, j))
    index = {}
    for label, items in by_label.items():
        items.sort()
        index[label] = ([ps for ps, _, _ in items], max(pe - ps for ps, pe, _ in items), items)
    pairs = []
    for i, (gl, gs, ge) in enumerate(gold):
        if gl not in index:
            continue
        starts, longest, items = index[gl]
        # only predictions starting in (gs - longest, ge) can overlap [gs, ge)
        for ps, pe, j in items[bisect_left(starts, gs - longest) : bisect_left(starts, ge)]:
            shared = min(ge, pe) - max(gs, ps)
            if shared > 0:
                pairs.append((shared, -abs(gs - ps) - abs(ge - pe), i, j))
    pairs.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, _, i, j in pairs:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
    tp = len(used_g)
    return PRF(tp, len(predicted) - tp, len(gold) - tp)


# --- confidence ---------------------------------------------------------------------------


def value_confidences(
    model: type[BaseModel],
    gold: Mapping[str, Any],
    predicted: Mapping[str, Any],
    groundings: Iterable[Mapping[str, Any]],
) -> list[tuple[float, bool]]:
    """``(confidence, right)`` per predicted evidence value.

    The confidence of a value is the one the pipeline attached to it (alignment times the model's
    own probability, for LLM output with logprobs), else the one its alignment alone gives
    (``annotate.core.grounding.confidence`` of that single grounding); it is right when the
    shared scorer finds the value among the gold values of its field (normalised comparison).
    """
    items = [Grounding.model_validate(g) for g in groundings]
    right = value_hits(model, gold, predicted, [g.path for g in items])
    out = []
    for g, ok in zip(items, right, strict=True):
        conf = g.confidence if g.confidence is not None else grounding_confidence([g])
        if conf is not None:
            out.append((float(conf), bool(ok)))
    return out


def auroc(pairs: Sequence[tuple[float, bool]]) -> float | None:
    """Probability that a random right value scores above a random wrong one (ties count half).

    Mann-Whitney U from average ranks; ``None`` when only one class is present (undefined).
    """
    n_pos = sum(1 for _, ok in pairs if ok)
    n_neg = len(pairs) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ordered = sorted(pairs, key=lambda p: p[0])
    rank_sum = 0.0
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1][0] == ordered[i][0]:
            j += 1
        avg_rank = (i + j) / 2 + 1  # 1-based average rank of the tie group
        rank_sum += avg_rank * sum(1 for k in range(i, j + 1) if ordered[k][1])
        i = j + 1
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


@dataclass(frozen=True)
class Bin:
    lo: float
    hi: float
    n: int
    mean_confidence: float | None
    accuracy: float | None


def calibration(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> list[Bin]:
    """Reliability bins: in a well-calibrated system accuracy ≈ mean confidence in every bin."""
    groups: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for conf, ok in pairs:
        idx = min(int(max(conf, 0.0) * bins), bins - 1)
        groups[idx].append((conf, ok))
    out = []
    for k, group in enumerate(groups):
        n = len(group)
        out.append(
            Bin(
                lo=k / bins,
                hi=(k + 1) / bins,
                n=n,
                mean_confidence=sum(c for c, _ in group) / n if n else None,
                accuracy=sum(1 for _, ok in group if ok) / n if n else None,
            )
        )
    return out


def expected_calibration_error(bins_: Sequence[Bin]) -> float | None:
    n = sum(b.n for b in bins_)
    if not n:
        return None
    return sum(b.n * abs((b.accuracy or 0.0) - (b.mean_confidence or 0.0)) for b in bins_ if b.n) / n


# --- correction effort --------------------------------------------------------------------


@dataclass
class Effort:
    """Regions kept / edited / added / deleted by annotators, summed, with shares of all regions."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REGION_KINDS, 0))
    annotations: int = 0
    lead_time: float = 0.0
    lead_time_n: int = 0

    def add(self, region_stats: Mapping[str, Any], lead_time: float | None = None) -> None:
        for kind in REGION_KINDS:
            value = region_stats.get(kind, 0)
            self.counts[kind] += int(value) if isinstance(value, (int, float)) else 0
        self.annotations += 1
        if lead_time is not None:
            self.lead_time += float(lead_time)
            self.lead_time_n += 1

    @property
    def regions(self) -> int:
        return sum(self.counts.values())

    @property
    def shares(self) -> dict[str, float | None]:
        n = self.regions
        return {k: (v / n if n else None) for k, v in self.counts.items()}

    @property
    def mean_lead_time(self) -> float | None:
        return self.lead_time / self.lead_time_n if self.lead_time_n else None


# --- agreement ----------------------------------------------------------------------------


def pairwise_agreement(
    model: type[BaseModel], versions: Sequence[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]]]]
) -> tuple[PRF, PRF]:
    """Field F1 (normalised) and span overlap F1 summed over every pair of annotations of one document.

    F1 is symmetric in which side is called gold, so each unordered pair is counted once.
    """
    fields = PRF()
    span_total = PRF()
    for (rec_a, gr_a), (rec_b, gr_b) in combinations(versions, 2):
        fields.add(total(field_scores(model, rec_a, rec_b, normalised=True).values()))
        span_total.add(span_overlap(spans(gr_a), spans(gr_b)))
    return fields, span_total


def pairwise_field_agreement(model: type[BaseModel], records: Sequence[Mapping[str, Any]]) -> dict[str, PRF]:
    """Per field pattern, counts summed over every pair of annotations of one document.

    Where annotators disagree is a property of the field (a vague guideline, a hard genre), so it
    is kept per field, not only as the document's total.
    """
    out: dict[str, PRF] = {}
    for rec_a, rec_b in combinations(records, 2):
        add_scores(out, field_scores(model, rec_a, rec_b, normalised=True))
    return out
