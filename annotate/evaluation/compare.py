"""Where two model versions disagree: ``annotate eval --compare KEY_A KEY_B``.

No gold is needed: on every document both versions predicted, one version's record is scored
against the other's, field by field (the same alignment and normalisation as evaluation against
gold). A field with F1 1.0 is one the versions agree on; the rest are where a reviewer should look
first, and ``annotate push --compare`` puts both predictions side by side on the same tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from annotate.core.scoring import Counts, aggregate, score_record
from annotate.evaluation.run import EvaluationError, schema_model
from annotate.store.predictions import get_prediction, list_predictions


@dataclass
class FieldDisagreement:
    name: str
    agreement: float | None  # F1 of A against B; 1.0 = they agree
    only_a: int  # values A has that B lacks (or has otherwise)
    only_b: int
    documents: int  # documents where this field differs


@dataclass
class VersionComparison:
    key_a: str
    key_b: str
    documents: int = 0
    differing_documents: int = 0
    fields: list[FieldDisagreement] = field(default_factory=list)

    def disagreeing(self) -> list[FieldDisagreement]:
        return [f for f in self.fields if f.agreement is None or f.agreement < 1.0]


def compare_versions(con: duckdb.DuckDBPyConnection, key_a: str, key_b: str) -> VersionComparison:
    """Score B's record against A's on every document both predicted; fields least in agreement first."""
    a_preds = list_predictions(con, version_key=key_a, latest_only=False)
    if not a_preds:
        raise EvaluationError(f"--compare {key_a}: no predictions with this version key")
    if not list_predictions(con, version_key=key_b, latest_only=False):
        raise EvaluationError(f"--compare {key_b}: no predictions with this version key")
    out = VersionComparison(key_a, key_b)
    scores = []
    differing: dict[str, int] = {}
    for a in a_preds:
        b = get_prediction(con, a.doc_id, key_b)
        if b is None:
            continue
        if a.schema_name != b.schema_name:
            raise EvaluationError(f"{a.doc_id}: {key_a} used schema {a.schema_name}, {key_b} used {b.schema_name}")
        score = score_record(schema_model(a.schema_name), a.record, b.record)
        scores.append(score)
        out.documents += 1
        changed = [name for name, c in score.fields.items() if c.fp or c.fn]
        out.differing_documents += bool(changed)
        for name in changed:
            differing[name] = differing.get(name, 0) + 1
    if not scores:
        raise EvaluationError(f"no document has predictions of both {key_a} and {key_b}")
    total = aggregate(scores)
    for name, c in total.fields.items():
        if c.tp + c.fp + c.fn:
            out.fields.append(_disagreement(name, c, differing.get(name, 0)))
    out.fields.sort(key=lambda f: (f.agreement if f.agreement is not None else -1.0, f.name))
    return out


def _disagreement(name: str, c: Counts, documents: int) -> FieldDisagreement:
    return FieldDisagreement(name, c.f1, only_a=c.fp, only_b=c.fn, documents=documents)
