"""``evaluate`` over a real store replayed from tests/fixtures/export/scenario.json."""

from __future__ import annotations

import pytest

from annotate.evaluation.run import EvaluationError, evaluate
from annotate.store.db import connect
from annotate.store.gold import add_gold_version
from tests.export.store_scenario import Scenario, grounded, seed


def _by_key(ev, scenario: Scenario) -> dict:
    names = {v: k for k, v in scenario.versions.items()}
    return {names[v.version_key]: v for v in ev.versions}


def test_versions_are_scored_against_current_gold_only(scenario: Scenario) -> None:
    con = connect(scenario.db, read_only=True)
    ev = evaluate(con)
    got = _by_key(ev, scenario)
    # 002 was rejected after its gold and 003 quarantined: their predictions have no current gold.
    assert {k: v.documents for k, v in got.items()} == {"rules_mr": 2, "llm_mr": 2, "rules_tp": 1}
    llm, rules = got["llm_mr"], got["rules_mr"]
    # The LLM version differs from gold only by Traditional characters in two unit names.
    assert llm.micro_normalised.f1 == 1.0
    assert llm.micro_strict.f1 < 1.0
    assert llm.fields_strict["units[].unit"].fp == 2 and llm.fields_normalised["units[].unit"].fp == 0
    # The rules version dropped, invented and replaced values.
    assert rules.micro_normalised.f1 < llm.micro_normalised.f1
    assert rules.fields_normalised["chair"].fp == 1
    assert rules.fields_normalised["units[].shortcomings[]"].fn == 2
    assert rules.spans_exact.f1 < 1.0 and rules.spans_overlap.f1 >= rules.spans_exact.f1
    # Invented values cannot be grounded (confidence 0) and are wrong; kept values are verbatim and right.
    assert rules.auroc is not None and rules.auroc > 0.9
    assert llm.auroc is None  # every value right: nothing to separate
    assert got["rules_tp"].fields_normalised["items[].seq"].fn == 1
    con.close()


def test_correction_effort_and_agreement(scenario: Scenario) -> None:
    con = connect(scenario.db, read_only=True)
    ev = evaluate(con)
    rules = ev.effort[scenario.versions["rules_mr"]]
    # 000's annotation counts once (its newest version), plus 002's: superseded gold still cost work.
    assert rules.counts == {"kept": 100, "edited": 8, "added": 4, "deleted": 3}
    assert rules.annotations == 2
    llm = ev.effort[scenario.versions["llm_mr"]]
    assert llm.counts == {"kept": 98, "edited": 4, "added": 0, "deleted": 1}
    assert llm.mean_lead_time == pytest.approx((61.5 + 40.0) / 2)
    [agreement] = ev.agreement
    assert agreement.schema_name == "meeting_review"
    assert (agreement.documents, agreement.pairs, agreement.annotators) == (1, 1, ["ann1", "ann2"])
    assert 0.9 < agreement.fields.f1 < 1.0  # ann2 left out one shortcoming and one directive
    assert agreement.fields.fn + agreement.fields.fp == 2
    # per field: exactly the two fields ann2 left a value out of disagree, the rest agree fully
    disagree = {name for name, c in agreement.per_field.items() if c.fp + c.fn}
    assert disagree == {"units[].shortcomings[]", "directives[]"}
    assert agreement.per_field["units[].unit"].f1 == 1.0
    assert agreement.as_dict()["per_field_f1"]["units[].shortcomings[]"] < 1.0
    con.close()


def test_filters_and_errors(scenario: Scenario) -> None:
    con = connect(scenario.db, read_only=True)
    only = evaluate(con, version_keys=[scenario.versions["llm_mr"]])
    assert [v.version_key for v in only.versions] == [scenario.versions["llm_mr"]]
    assert list(only.effort) == [scenario.versions["llm_mr"]]
    tp = evaluate(con, schema="task_progress")
    assert [v.schema_name for v in tp.versions] == ["task_progress"] and tp.agreement == []
    with pytest.raises(EvaluationError, match="no predictions with this version key"):
        evaluate(con, version_keys=["meeting_review/nope@00000000/x/s0/g0"])
    with pytest.raises(EvaluationError, match="unknown schema"):
        evaluate(con, schema="no_such_schema")
    con.close()


def test_a_newer_accepted_annotation_brings_a_rejected_document_back(scenario: Scenario) -> None:
    doc, schema, record = seed("002_f24e79617b591595")
    con = connect(scenario.db)
    add_gold_version(
        con, doc_id=doc.doc_id, schema_name=schema, record=record, groundings=grounded("002_f24e79617b591595", record),
        annotation_id=109, annotator="ann3", prediction_version_key=scenario.versions["rules_mr"],
        region_stats={"kept": 66, "edited": 0, "added": 0, "deleted": 0},
    )  # fmt: skip
    ev = evaluate(con)
    assert _by_key(ev, scenario)["rules_mr"].documents == 3
    con.close()


def test_as_dict_is_json_ready(scenario: Scenario) -> None:
    import json

    con = connect(scenario.db, read_only=True)
    data = json.loads(json.dumps(evaluate(con).as_dict()))
    assert {v["documents"] for v in data["versions"]} == {1, 2}
    assert data["versions"][0]["calibration"][0].keys() == {"lo", "hi", "n", "mean_confidence", "accuracy"}
    con.close()
