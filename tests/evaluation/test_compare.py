"""``annotate eval --compare``: where two versions' predictions disagree, without gold."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from annotate.cli import app
from annotate.evaluation.compare import compare_versions
from annotate.evaluation.run import EvaluationError
from annotate.store.db import connect
from tests.export.store_scenario import Scenario


def test_fields_where_versions_disagree_come_first(scenario: Scenario) -> None:
    rules, llm = scenario.versions["rules_mr"], scenario.versions["llm_mr"]
    con = connect(scenario.db, read_only=True)
    try:
        cmp = compare_versions(con, rules, llm)
        with pytest.raises(EvaluationError, match="nope"):
            compare_versions(con, rules, "nope")
    finally:
        con.close()
    assert cmp.documents >= 2 and cmp.differing_documents >= 1
    by_name = {f.name: f for f in cmp.fields}
    # rules invented a chair and dropped two shortcomings; the LLM version only wrote two unit
    # names in Traditional characters, which normalised comparison treats as the same value
    assert by_name["chair"].only_a == 1
    assert by_name["units[].shortcomings[]"].only_b == 2
    assert by_name["units[].unit"].agreement == 1.0
    worst = [f.name for f in cmp.disagreeing()]
    assert "chair" in worst and "units[].unit" not in worst
    assert [f.agreement for f in cmp.fields] == sorted(f.agreement or 0.0 for f in cmp.fields)


def test_cli_lists_the_disagreeing_fields(scenario: Scenario) -> None:
    rules, llm = scenario.versions["rules_mr"], scenario.versions["llm_mr"]
    res = CliRunner().invoke(app, ["eval", "--db", str(scenario.db), "--compare", rules, llm], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "units[].shortcomings[]" in res.output and "chair" in res.output
    res = CliRunner().invoke(app, ["eval", "--db", str(scenario.db), "--compare", rules, "nope"])
    assert res.exit_code != 0 and "nope" in res.output
