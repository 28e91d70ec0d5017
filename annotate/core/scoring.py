"""Field-level scoring of a predicted record against an expected (gold) record.

Used to measure the rules pre-labeler, to compare prompts, and by ``annotate eval``. Pure: records
in, counts out.

Matching rules (why: a shortcoming that is right but filed under the wrong unit is a wrong
annotation, so values are only compared inside parents that correspond):

* Every leaf field of the schema is a *field pattern*: ``units[].unit``, ``units[].shortcomings[]``,
  ``items[].seq``, ``qa[].question``, ``meeting_date`` … (``[]`` marks a list level).
* Lists of objects are first **aligned** item to item, by a key field: ``seq`` for task rows,
  ``unit`` for units, ``name`` for attendees, ``heading`` for sections, ``topic`` for briefings,
  ``question`` for Q&A, ``text`` for indicators (else the first string field). Integer keys must be
  equal. String keys pair greedily by similarity of their normalised form (exact first, then
  rapidfuzz ratio ≥ ``MIN_SIMILARITY``, ties broken by position, so Q&A pairs fall back to order).
* Inside an aligned pair, a scalar field counts one true positive when equal, otherwise a false
  positive (if predicted) and a false negative (if expected); two nulls count nothing. A list of
  scalars is compared as a **multiset**: ``tp = |P ∩ E|``, ``fp = |P| - tp``, ``fn = |E| - tp``.
* An item with no partner contributes all its values as false positives (predicted) or false
  negatives (expected) — including those of its nested lists.
* Comparison is ``strict`` (exact string equality) or ``normalised``: NFKC (full/half width),
  whitespace removed, Traditional folded to Simplified (OpenCC ``t2s``), case folded, and
  punctuation stripped from both ends. Numbers compare by value; other values by equality.

Totals are micro-averaged (counts summed over fields, then P/R/F1); :func:`aggregate` sums the
counts of many documents field by field, which is the micro-average over a corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz

from annotate.core.alignment import fold
from annotate.core.field_tree import FieldNode, field_tree

MODES = ("strict", "normalised")
MIN_SIMILARITY = 60.0
KEY_FIELDS = ("seq", "text", "unit", "heading", "topic", "question", "name")
_EDGE_PUNCT = "。．.，,、；;：:！!？?…—-\"'“”‘’「」『』《》()（）[]【】"


@dataclass
class Counts:
    """True positives, false positives and false negatives of one field (or a total)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def support(self) -> int:
        """Number of expected values."""
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """None when there was nothing to find and nothing was predicted (undefined, not perfect)."""
        if not (self.tp + self.fp + self.fn):
            return None
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": r(self.precision),
            "recall": r(self.recall),
            "f1": r(self.f1),
        }


@dataclass
class Score:
    """Per-field counts of one document (or of many, after :func:`aggregate`)."""

    mode: str
    fields: dict[str, Counts] = field(default_factory=dict)
    documents: int = 1

    @property
    def total(self) -> Counts:
        """Micro-average over fields: counts summed, then P/R/F1."""
        out = Counts()
        for c in self.fields.values():
            out.add(c)
        return out

    def get(self, pattern: str) -> Counts:
        return self.fields.get(pattern, Counts())

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "documents": self.documents,
            "fields": {k: v.as_dict() for k, v in sorted(self.fields.items())},
            "total": self.total.as_dict(),
        }


def normalise(value: str) -> str:
    """Comparison form: NFKC, no whitespace, Simplified, lower case, no edge punctuation."""
    return fold(value).strip(_EDGE_PUNCT)


def _comparable(value: Any, mode: str) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return normalise(value) if mode == "normalised" else value
    return repr(value)


# --- schema walking -----------------------------------------------------------------------------


def leaf_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """All leaf field patterns of a schema, evidence or not (``units[].unit``, ``items[].seq``)."""
    return [f"{prefix}.{n.path}" if prefix else n.path for n in field_tree(model).leaves()]


def key_field(model: type[BaseModel]) -> str | None:
    """The field list items of ``model`` are aligned by (see the module docstring)."""
    node = field_tree(model)
    for k in KEY_FIELDS:
        if node.child(k) is not None:
            return k
    for c in node.children:
        if c.annotation is str or c.choices is not None:
            return c.name
    return None


# --- alignment and counting ---------------------------------------------------------------------


def align(
    predicted: list[Any], expected: list[Any], key: str | None, mode: str = "normalised"
) -> list[tuple[int | None, int | None]]:
    """Pairs ``(pred_index, exp_index)``; unmatched items get ``None`` on the other side."""
    pairs: list[tuple[int, int]] = []
    if key is not None:

        def k(item: Any) -> Any:
            return item.get(key) if isinstance(item, dict) else None

        cands: list[tuple[float, int, int, int]] = []
        for i, p in enumerate(predicted):
            for j, e in enumerate(expected):
                pk, ek = k(p), k(e)
                if pk is None or ek is None:
                    continue
                if isinstance(pk, str) and isinstance(ek, str):
                    a, b = normalise(pk), normalise(ek)
                    sim = 100.0 if a == b else float(fuzz.ratio(a, b))
                    if sim < MIN_SIMILARITY:
                        continue
                elif _comparable(pk, mode) == _comparable(ek, mode):
                    sim = 100.0
                else:
                    continue
                cands.append((-sim, abs(i - j), i, j))
        cands.sort()
        used_p: set[int] = set()
        used_e: set[int] = set()
        for _, _, i, j in cands:
            if i in used_p or j in used_e:
                continue
            used_p.add(i)
            used_e.add(j)
            pairs.append((i, j))
    else:
        pairs = [(i, i) for i in range(min(len(predicted), len(expected)))]
    out: list[tuple[int | None, int | None]] = list(pairs)
    matched_p = {i for i, _ in pairs}
    matched_e = {j for _, j in pairs}
    out += [(i, None) for i in range(len(predicted)) if i not in matched_p]
    out += [(None, j) for j in range(len(expected)) if j not in matched_e]
    return out


def _count_all(node: FieldNode, record: Any, fields: dict[str, Counts], side: str) -> None:
    """Every value of an unmatched item: all false positives (``side='fp'``) or negatives."""
    if not isinstance(record, dict):
        return
    for child in node.children:
        value = record.get(child.name)
        if value is None:
            continue
        if child.item is not None and isinstance(value, list):
            if child.kind == "model_list":
                for item in value:
                    _count_all(child.item, item, fields, side)
            else:
                c = fields.setdefault(child.item.path, Counts())
                setattr(c, side, getattr(c, side) + sum(v is not None for v in value))
        elif child.kind == "model":
            _count_all(child, value, fields, side)
        else:
            c = fields.setdefault(child.path, Counts())
            setattr(c, side, getattr(c, side) + 1)


def _compare(node: FieldNode, pred: dict[str, Any], exp: dict[str, Any], fields: dict[str, Counts], mode: str) -> None:
    for child in node.children:
        p, e = pred.get(child.name), exp.get(child.name)
        item = child.item
        if item is not None:
            p_list = p if isinstance(p, list) else []
            e_list = e if isinstance(e, list) else []
            if item.kind == "model" and item.model is not None:
                key = key_field(item.model)
                for i, j in align(p_list, e_list, key, mode):
                    if i is not None and j is not None:
                        _compare(item, p_list[i] or {}, e_list[j] or {}, fields, mode)
                    elif i is not None:
                        _count_all(item, p_list[i], fields, "fp")
                    elif j is not None:
                        _count_all(item, e_list[j], fields, "fn")
                for leaf in item.leaves():
                    fields.setdefault(leaf.path, Counts())
            else:
                c = fields.setdefault(item.path, Counts())
                pc = Counter(_comparable(v, mode) for v in p_list if v is not None)
                ec = Counter(_comparable(v, mode) for v in e_list if v is not None)
                tp = sum((pc & ec).values())
                c.tp += tp
                c.fp += sum(pc.values()) - tp
                c.fn += sum(ec.values()) - tp
        elif child.kind == "model":
            _compare(child, p if isinstance(p, dict) else {}, e if isinstance(e, dict) else {}, fields, mode)
        else:
            c = fields.setdefault(child.path, Counts())
            if p is None and e is None:
                continue
            if p is not None and e is not None and _comparable(p, mode) == _comparable(e, mode):
                c.tp += 1
                continue
            if p is not None:
                c.fp += 1
            if e is not None:
                c.fn += 1


def score_record(
    model: type[BaseModel],
    predicted: dict[str, Any],
    expected: dict[str, Any],
    *,
    mode: str = "normalised",
    fields: Iterable[str] | None = None,
) -> Score:
    """Score one predicted record against the expected one, field by field (see module docstring).

    ``fields`` restricts the result to the given patterns (all leaf fields by default).
    """
    if mode not in MODES:
        raise ValueError(f"unknown scoring mode {mode!r}; use one of {MODES}")
    counts: dict[str, Counts] = {}
    _compare(field_tree(model), predicted or {}, expected or {}, counts, mode)
    if fields is not None:
        wanted = list(fields)
        counts = {f: counts.get(f, Counts()) for f in wanted}
    return Score(mode=mode, fields=counts)


def aggregate(scores: Iterable[Score]) -> Score:
    """Sum the per-field counts of many documents (micro-average over the corpus)."""
    out: Score | None = None
    for s in scores:
        if out is None:
            out = Score(mode=s.mode, fields={}, documents=0)
        elif s.mode != out.mode:
            raise ValueError("cannot aggregate strict and normalised scores together")
        out.documents += s.documents
        for name, c in s.fields.items():
            out.fields.setdefault(name, Counts()).add(c)
    return out or Score(mode="normalised", fields={}, documents=0)


def format_table(score: Score, fields: Iterable[str] | None = None, title: str = "") -> str:
    """A plain-text table (one row per field) for test output and reports."""
    names = list(fields) if fields is not None else sorted(score.fields)
    width = max([len(n) for n in names] + [len("TOTAL (micro)"), 5])
    lines = []
    if title:
        lines.append(title)
    lines.append(f"{'field':<{width}}  {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")

    def fmt(x: float | None) -> str:
        return "     -" if x is None else f"{x:6.3f}"

    for n in names:
        c = score.get(n)
        lines.append(f"{n:<{width}}  {fmt(c.precision)} {fmt(c.recall)} {fmt(c.f1)} {c.tp:>5} {c.fp:>5} {c.fn:>5}")
    t = score.total
    lines.append(
        f"{'TOTAL (micro)':<{width}}  {fmt(t.precision)} {fmt(t.recall)} {fmt(t.f1)} {t.tp:>5} {t.fp:>5} {t.fn:>5}"
    )
    return "\n".join(lines)
