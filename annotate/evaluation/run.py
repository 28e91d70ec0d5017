"""Compute an evaluation from the store: predictions against current gold, per version key.

The gold each prediction is compared with is the one ``annotate export --version latest`` would
ship (accepted, newest, not superseded by a rejection or quarantine), so the numbers describe
the same dataset people train on. Correction effort comes from the region counts ``pull``
recorded, keyed by the version key the annotator started from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from annotate.evaluation import metrics
from annotate.evaluation.metrics import PRF, Bin, Effort
from annotate.evaluation.reads import annotations_per_doc, correction_rows, prediction_pairs, version_key_order
from annotate.export.manifest import now_iso
from annotate.schema_registry import SchemaError, get_schema


class EvaluationError(Exception):
    """An evaluation that cannot run; ``str()`` is one line."""


@dataclass
class VersionResult:
    """How one version key's predictions compare with gold."""

    version_key: str
    schema_name: str
    backend: str = ""
    documents: int = 0
    fields_strict: dict[str, PRF] = field(default_factory=dict)
    fields_normalised: dict[str, PRF] = field(default_factory=dict)
    spans_exact: PRF = field(default_factory=PRF)
    spans_overlap: PRF = field(default_factory=PRF)
    confidences: list[tuple[float, bool]] = field(default_factory=list, repr=False)
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def micro_strict(self) -> PRF:
        return metrics.total(self.fields_strict.values())

    @property
    def micro_normalised(self) -> PRF:
        return metrics.total(self.fields_normalised.values())

    @property
    def auroc(self) -> float | None:
        return metrics.auroc(self.confidences)

    @property
    def calibration(self) -> list[Bin]:
        return metrics.calibration(self.confidences)

    @property
    def ece(self) -> float | None:
        return metrics.expected_calibration_error(self.calibration)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version_key": self.version_key,
            "schema": self.schema_name,
            "backend": self.backend,
            "documents": self.documents,
            "micro_strict": self.micro_strict.as_dict(),
            "micro_normalised": self.micro_normalised.as_dict(),
            "fields_strict": {k: v.as_dict() for k, v in self.fields_strict.items()},
            "fields_normalised": {k: v.as_dict() for k, v in self.fields_normalised.items()},
            "spans_exact": self.spans_exact.as_dict(),
            "spans_overlap": self.spans_overlap.as_dict(),
            "values_with_confidence": len(self.confidences),
            "auroc": self.auroc,
            "ece": self.ece,
            "calibration": [b.__dict__ for b in self.calibration],
            **({"thresholds": self.thresholds} if self.thresholds else {}),
        }


@dataclass
class Agreement:
    """Annotators against each other on documents more than one of them accepted."""

    schema_name: str
    documents: int = 0
    pairs: int = 0
    annotators: list[str] = field(default_factory=list)
    fields: PRF = field(default_factory=PRF)
    spans: PRF = field(default_factory=PRF)
    per_field: dict[str, PRF] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema_name,
            "documents": self.documents,
            "pairs": self.pairs,
            "annotators": self.annotators,
            "field_f1": self.fields.f1,
            "span_overlap_f1": self.spans.f1,
            "per_field_f1": {name: c.f1 for name, c in self.per_field.items()},
        }


@dataclass
class Evaluation:
    versions: list[VersionResult] = field(default_factory=list)
    effort: dict[str, Effort] = field(default_factory=dict)
    agreement: list[Agreement] = field(default_factory=list)
    title: str = "Pre-label quality"
    created: str = field(default_factory=now_iso)
    source: str = ""
    command: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "created": self.created,
            "source": self.source,
            "command": self.command,
            "versions": [v.as_dict() for v in self.versions],
            "effort": {
                k: {"counts": e.counts, "shares": e.shares, "annotations": e.annotations, "mean_lead_time": e.mean_lead_time}
                for k, e in self.effort.items()
            },
            "agreement": [a.as_dict() for a in self.agreement],
        }


def schema_model(schema_name: str) -> Any:
    try:
        return get_schema(schema_name).model
    except SchemaError as exc:
        raise EvaluationError(f"predictions use schema {schema_name!r}, which is not in the schema registry") from exc


def evaluate(
    con: duckdb.DuckDBPyConnection,
    *,
    schema: str | None = None,
    version_keys: Sequence[str] | None = None,
    source: str = "",
    command: str = "",
) -> Evaluation:
    """Score every (version key, document) pair that has gold; see the module doc for which gold."""
    if schema:
        try:
            get_schema(schema)
        except SchemaError as exc:
            raise EvaluationError(f"--schema: {exc}") from exc
    order = version_key_order(con, schema=schema)
    if version_keys:
        unknown = [k for k in version_keys if k not in order]
        if unknown:
            raise EvaluationError(f"--version {unknown[0]}: no predictions with this version key")
    pairs = prediction_pairs(con, schema=schema, version_keys=version_keys)
    results: dict[str, VersionResult] = {}
    for pair in pairs:
        model = schema_model(pair.schema_name)
        res = results.get(pair.version_key)
        if res is None:
            res = results[pair.version_key] = VersionResult(pair.version_key, pair.schema_name, pair.backend)
        res.documents += 1
        metrics.add_scores(res.fields_strict, metrics.field_scores(model, pair.gold, pair.prediction, normalised=False))
        metrics.add_scores(
            res.fields_normalised, metrics.field_scores(model, pair.gold, pair.prediction, normalised=True)
        )
        gold_spans = metrics.spans(pair.gold_groundings)
        pred_spans = metrics.spans(pair.prediction_groundings)
        res.spans_exact.add(metrics.span_exact(gold_spans, pred_spans))
        res.spans_overlap.add(metrics.span_overlap(gold_spans, pred_spans))
        res.confidences.extend(
            metrics.value_confidences(model, pair.gold, pair.prediction, pair.prediction_groundings)
        )
    rank = {k: i for i, k in enumerate(order)}
    out = Evaluation(source=source, command=command)
    out.versions = sorted(results.values(), key=lambda r: (r.schema_name, rank.get(r.version_key, 0)))

    wanted = set(version_keys or [])
    for row in correction_rows(con, schema=schema):
        key = row.prediction_version_key or "(no prediction)"
        if wanted and key not in wanted:
            continue
        out.effort.setdefault(key, Effort()).add(row.region_stats, row.lead_time)
    out.effort = dict(sorted(out.effort.items(), key=lambda kv: rank.get(kv[0], len(rank))))

    agreement: dict[str, Agreement] = {}
    for (schema_name, _doc_id), versions in annotations_per_doc(con, schema=schema).items():
        model = schema_model(schema_name)
        fields, span_prf = metrics.pairwise_agreement(model, [(v.record, v.groundings) for v in versions])
        a = agreement.setdefault(schema_name, Agreement(schema_name))
        a.documents += 1
        a.pairs += len(versions) * (len(versions) - 1) // 2
        a.fields.add(fields)
        a.spans.add(span_prf)
        metrics.add_scores(a.per_field, metrics.pairwise_field_agreement(model, [v.record for v in versions]))
        a.annotators = sorted(set(a.annotators) | {v.annotator for v in versions})
    out.agreement = [agreement[k] for k in sorted(agreement)]
    return out
