"""``annotate export`` and ``annotate eval`` as a user runs them, on a store replayed from the scenario."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotate.cli import app
from tests.export.store_scenario import Scenario

ANNOTATE = str(Path(sys.executable).parent / "annotate")


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    return result


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("annotate: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def test_export_and_eval_in_real_processes(scenario: Scenario, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATE_")} | {"COLUMNS": "160"}
    out = tmp_path / "exports" / "chat"
    done = subprocess.run(
        [ANNOTATE, "export", "--format", "chat-jsonl", "--out", str(out), "--db", str(scenario.db), "--split", "90/10"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "3 documents written" in done.stdout and "superseded_by_rejected 1" in done.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"].startswith("annotate export --format chat-jsonl --out")
    assert manifest["split"]["names"] == ["train", "test"]

    report = tmp_path / "reports" / "eval.html"
    done = subprocess.run(
        [ANNOTATE, "eval", "--db", str(scenario.db), "--report", str(report)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "predictions vs gold" in done.stdout and scenario.versions["llm_mr"] in done.stdout
    assert "agreement meeting_review: 1 documents, 1 pairs" in done.stdout
    assert "agreement per field, meeting_review" in done.stdout and "units[].shortcomings[]" in done.stdout
    html = report.read_text(encoding="utf-8")
    assert 'data-chart="calibration"' in html and "<script" not in html


def test_eval_version_filter_and_schema(scenario: Scenario) -> None:
    result = invoke("eval", "--db", str(scenario.db), "--version", scenario.versions["rules_tp"])
    assert result.exit_code == 0, result.output
    assert scenario.versions["rules_tp"] in result.stdout and scenario.versions["llm_mr"] not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--format", "csv", "--out", "{tmp}/x"], "--format 'csv': choose one of"),
        (["export", "--format", "parquet", "--out", "{tmp}/x", "--split", "80/30"], "add up to 110"),
        (["export", "--format", "parquet", "--out", "{tmp}/x", "--version", "yesterday"], "expected 'latest'"),
        (["export", "--format", "parquet", "--out", "{tmp}/x", "--schema", "nope"], "unknown schema 'nope'"),
        (["export", "--format", "hf", "--out", "{tmp}/x"], "pip install 'annotate[hf]'"),
        (["eval", "--version", "meeting_review/zzz@0/x/s0/g0"], "no predictions with this version key"),
        (["eval", "--report", "{tmp}/report.pdf"], "give a path ending in .html"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    scenario: Scenario, tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "hf" in args:  # a user without the optional extra, even where the tests have it
        monkeypatch.setitem(sys.modules, "datasets", None)
    result = invoke(*[a.replace("{tmp}", str(tmp_path)) for a in args], "--db", str(scenario.db))
    assert result.exit_code == 2, result.output
    assert message in one_error_line(result.stderr)
    assert not (tmp_path / "x").exists()


def test_empty_store_says_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    result = invoke("export", "--format", "spans-jsonl", "--out", str(tmp_path / "x"), "--db", str(db))
    assert result.exit_code == 2
    assert "nothing to export" in one_error_line(result.stderr) and "annotate pull" in result.stderr
    result = invoke("eval", "--db", str(db))
    assert result.exit_code == 0 and "no predictions have gold" in result.stdout
