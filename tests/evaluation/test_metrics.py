"""The pure evaluation measures against hand-worked cases (tests/fixtures/evaluation/metrics.json)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotate.core import scoring
from annotate.evaluation import metrics
from annotate.schema_registry import get_schema
from tests.export.store_scenario import mutate, seed

CASES = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "evaluation" / "metrics.json").read_text("utf-8"))


def _counts(c: scoring.Counts) -> dict[str, int]:
    return {"tp": c.tp, "fp": c.fp, "fn": c.fn}


@pytest.mark.parametrize("case", CASES["spans"], ids=lambda c: c["name"])
def test_span_exact_and_overlap(case: dict[str, Any]) -> None:
    gold = [tuple(s) for s in case["gold"]]
    pred = [tuple(s) for s in case["predicted"]]
    assert _counts(metrics.span_exact(gold, pred)) == case["exact"]
    assert _counts(metrics.span_overlap(gold, pred)) == case["overlap"]


def test_spans_skip_unaligned_and_use_field_patterns() -> None:
    groundings = [
        {"path": "units[1].shortcomings[0]", "start": 5, "end": 9},
        {"path": "chair", "start": None, "end": None},
    ]
    assert metrics.spans(groundings) == [("units[].shortcomings[]", 5, 9)]


@pytest.mark.parametrize("case", CASES["auroc"], ids=lambda c: c["name"])
def test_auroc_cases(case: dict[str, Any]) -> None:
    got = metrics.auroc([(float(c), bool(ok)) for c, ok in case["pairs"]])
    if case["auroc"] is None:
        assert got is None
    else:
        assert got == pytest.approx(case["auroc"])


def _pairwise_auroc(pairs: list[tuple[float, bool]]) -> float:
    """The definition, O(P·N): share of (right, wrong) pairs ranked right-above-wrong, ties half."""
    pos = [c for c, ok in pairs if ok]
    neg = [c for c, ok in pairs if not ok]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.1, 0.5, 0.54, 0.9, 1.0]), st.booleans()), min_size=2, max_size=60
    )
)
def test_auroc_matches_the_pairwise_definition(pairs: list[tuple[float, bool]]) -> None:
    got = metrics.auroc(pairs)
    if all(ok for _, ok in pairs) or not any(ok for _, ok in pairs):
        assert got is None
    else:
        assert got == pytest.approx(_pairwise_auroc(pairs))


def test_calibration_bins_and_ece() -> None:
    rng = random.Random(7)
    pairs = [(c, rng.random() < c) for c in (rng.random() for _ in range(2000))]
    bins = metrics.calibration(pairs)
    assert len(bins) == 10 and sum(b.n for b in bins) == 2000
    for b in bins:
        assert b.n > 0 and b.lo <= b.mean_confidence <= b.hi
        assert abs(b.accuracy - b.mean_confidence) < 0.12  # calibrated by construction
    assert metrics.expected_calibration_error(bins) < 0.05
    skewed = [(0.95, False)] * 50 + [(0.95, True)] * 50
    assert metrics.expected_calibration_error(metrics.calibration(skewed)) == pytest.approx(0.45)
    assert metrics.calibration([(1.0, True)])[-1].n == 1  # 1.0 lands in the last bin


def test_effort_sums_and_shares() -> None:
    effort = metrics.Effort()
    for row in CASES["effort"]:
        effort.add(row["region_stats"], row["lead_time"])
    expected = CASES["effort_expected"]
    assert effort.counts == expected["counts"]
    assert effort.annotations == expected["annotations"]
    assert effort.mean_lead_time == pytest.approx(expected["mean_lead_time"])
    assert sum(effort.shares.values()) == pytest.approx(1.0)
    assert effort.shares["kept"] == pytest.approx(90 / 98)
    assert metrics.Effort().shares["kept"] is None


def test_value_hits_follow_the_scorers_alignment() -> None:
    """Right values are right, a moved or invented value is wrong, repeated values are a multiset."""
    _, schema, gold = seed("000_bc3a7675d392fb2c")
    model = get_schema(schema).model
    predicted = mutate(
        gold,
        [
            {"op": "set", "path": "chair", "value": "王大明"},
            {"op": "traditional", "path": "units[1].unit"},
            {"op": "append", "path": "units[0].shortcomings", "value": gold["units"][1]["shortcomings"][1]},
            {"op": "append", "path": "directives", "value": gold["directives"][0]},
        ],
    )
    predicted["units"].reverse()  # item order must not matter: units pair by name
    paths = [
        "chair",
        "reviewer",
        "units[1].unit",  # gold units[0]
        "units[0].unit",  # gold units[2]
        "units[1].shortcomings[0]",
        f"units[2].shortcomings[{len(predicted['units'][2]['shortcomings']) - 1}]",  # filed under the wrong unit
        "directives[0]",
        f"directives[{len(predicted['directives']) - 1}]",  # a duplicate of directives[0]: gold has it once
        "units[7].unit",  # no such item
    ]
    got = metrics.value_hits(model, gold, predicted, paths)
    assert got == [False, True, True, True, True, False, True, False, False]


def test_field_scores_are_the_shared_scorer() -> None:
    _, schema, gold = seed("001_7fbc296d44d6aab6")
    model = get_schema(schema).model
    predicted = mutate(gold, [{"op": "traditional", "path": "units[0].unit"}])
    strict = metrics.field_scores(model, gold, predicted, normalised=False)
    normalised = metrics.field_scores(model, gold, predicted, normalised=True)
    assert strict == scoring.score_record(model, predicted, gold, mode="strict").fields
    assert strict["units[].unit"].fp >= 1 and normalised["units[].unit"].fp == 0
    assert metrics.total(normalised.values()).f1 == 1.0


def test_pairwise_agreement_is_symmetric_and_perfect_on_identical_records() -> None:
    _, schema, gold = seed("001_7fbc296d44d6aab6")
    model = get_schema(schema).model
    other = mutate(gold, [{"op": "drop", "path": "units[1].shortcomings[0]"}])
    g = [{"path": "units[0].unit", "start": 1, "end": 4}]
    same_fields, same_spans = metrics.pairwise_agreement(model, [(gold, g), (gold, g)])
    assert same_fields.f1 == 1.0 and same_spans.f1 == 1.0
    ab, _ = metrics.pairwise_agreement(model, [(gold, g), (other, g)])
    ba, _ = metrics.pairwise_agreement(model, [(other, g), (gold, g)])
    assert ab.f1 == pytest.approx(ba.f1) and ab.f1 < 1.0
    three, _ = metrics.pairwise_agreement(model, [(gold, g), (other, g), (gold, g)])
    assert three.tp + three.fp + three.fn > ab.tp + ab.fp + ab.fn  # three pairs counted


def test_value_confidence_is_the_one_the_pipeline_attached() -> None:
    """LLM values carry the model's own probability; without one, the alignment decides."""
    model = get_schema("meeting_review").model
    gold = {"units": [{"unit": "天桥街道", "achievements": [], "shortcomings": ["接诉即办"]}]}
    predicted = {"units": [{"unit": "天桥街道", "achievements": [], "shortcomings": ["接诉即办", "大气污染治理"]}]}
    groundings = [
        {"path": "units[0].unit", "value": "天桥街道", "start": 0, "end": 4, "quote": "天桥街道", "status": "exact",
         "score": 100.0, "confidence": 0.97},
        {"path": "units[0].shortcomings[0]", "value": "接诉即办", "start": 10, "end": 14, "quote": "接诉即办",
         "status": "exact", "score": 100.0},
        {"path": "units[0].shortcomings[1]", "value": "大气污染治理", "start": 15, "end": 21, "quote": "大气污染治理",
         "status": "exact", "score": 100.0, "confidence": 0.2},
    ]  # fmt: skip
    pairs = metrics.value_confidences(model, gold, predicted, groundings)
    assert pairs == [(0.97, True), (1.0, True), (0.2, False)]
    assert metrics.auroc(pairs) == 1.0
