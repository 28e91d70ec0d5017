"""run_export: which gold goes out, manifest contents, reproducing an export, and refusing bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.export import ExportError, parse_version, run_export
from annotate.store.db import connect
from annotate.store.gold import add_gold_version
from annotate.store.review import add_rejected
from tests.export.store_scenario import SERVER, Scenario, grounded, seed

MR0, MR1, MR2 = "000_bc3a7675d392fb2c", "001_7fbc296d44d6aab6", "002_f24e79617b591595"
PR3, TP4 = "003_ad073e54fd368939", "004_da9373b7adbb6a20"


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_only_current_accepted_gold_goes_out(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db, read_only=True)
    out = tmp_path / "x"
    result = run_export(con, fmt="spans-jsonl", out=out, selection=parse_version("latest"), command="annotate export …")
    m = _manifest(out)
    ids = scenario.doc_ids
    assert m["gold_ids"] == sorted(
        [f"{ids[MR0]}:meeting_review:v2", f"{ids[MR1]}:meeting_review:v2", f"{ids[TP4]}:task_progress:v1"]
    )
    # 002 was rejected after it was accepted, 003's newest annotation was quarantined
    assert m["excluded"] == {
        "superseded_by_rejected": 1, "superseded_by_quarantined": 1, "missing_document_text": 0,
    }  # fmt: skip
    assert result.excluded == m["excluded"]
    assert m["documents"] == 3 and sum(m["totals"].values()) == 3
    assert sum(sum(c.values()) for c in m["counts"].values()) == 3
    assert sum(m["files"].values()) == 3
    assert m["command"] == "annotate export …" and m["created"].endswith("Z")
    assert m["split"]["spec"] == "80/10/10"
    assert set(m["schemas"]) == {"meeting_review", "task_progress"}
    assert len(m["schemas"]["meeting_review"]["hash"]) == 12
    assert m["prediction_version_keys"] == {
        scenario.versions["rules_mr"]: 1, scenario.versions["llm_mr"]: 1, scenario.versions["rules_tp"]: 1,
    }  # fmt: skip
    assert m["prompts"]["meeting_review"]["id"].startswith("meeting_review")
    con.close()


def test_version_n_and_schema_filter(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db, read_only=True)
    out = tmp_path / "v1"
    run_export(con, fmt="spans-jsonl", out=out, selection=parse_version("1", schema="meeting_review"))
    m = _manifest(out)
    ids = scenario.doc_ids
    # as of version 1, and pinned history is not filtered by later rejections
    assert m["gold_ids"] == sorted(f"{ids[s]}:meeting_review:v1" for s in (MR0, MR1, MR2))
    assert set(m["counts"]) == {"meeting_review"}
    con.close()


def test_a_manifest_reproduces_its_export_after_new_gold(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db)
    first = tmp_path / "first"
    run_export(con, fmt="chat-jsonl", out=first, selection=parse_version("latest"))
    doc, schema, record = seed(MR0)
    record["directives"] = record["directives"][1:]
    add_gold_version(con, doc_id=doc.doc_id, schema_name=schema, record=record, groundings=grounded(MR0, record))
    latest = tmp_path / "latest"
    run_export(con, fmt="chat-jsonl", out=latest, selection=parse_version("latest"))
    assert f"{doc.doc_id}:meeting_review:v3" in _manifest(latest)["gold_ids"]
    again = tmp_path / "again"
    run_export(con, fmt="chat-jsonl", out=again, selection=parse_version(str(first / "manifest.json")))
    assert _manifest(again)["gold_ids"] == _manifest(first)["gold_ids"]
    for f in first.glob("*/*.jsonl"):
        assert (again / f.relative_to(first)).read_bytes() == f.read_bytes()
    # a directory holding a manifest works too, and single gold ids
    pinned = run_export(con, fmt="chat-jsonl", out=tmp_path / "one", selection=parse_version(f"{doc.doc_id}:meeting_review:v1"))
    assert pinned.documents == 1
    assert parse_version(str(first)).gold_ids == tuple(_manifest(first)["gold_ids"])
    con.close()


def test_a_rejection_after_gold_removes_the_document_until_accepted_again(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db)
    doc, schema, record = seed(TP4)
    add_rejected(con, server_url=SERVER, annotation_id=201, doc_id=doc.doc_id, schema_name=schema, annotator="ann2",
                 reason="duplicate table")  # fmt: skip
    result = run_export(con, fmt="parquet", out=tmp_path / "a", selection=parse_version("latest"))
    assert "task_progress" not in result.counts and result.excluded["superseded_by_rejected"] == 2
    add_gold_version(con, doc_id=doc.doc_id, schema_name=schema, record=record, groundings=grounded(TP4, record))
    result = run_export(con, fmt="parquet", out=tmp_path / "b", selection=parse_version("latest"))
    assert sum(result.counts["task_progress"].values()) == 1
    con.close()


def test_rerun_replaces_a_previous_export_but_nothing_else(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db, read_only=True)
    out = tmp_path / "x"
    run_export(con, fmt="spans-jsonl", out=out, selection=parse_version("latest"))
    (out / "stale.txt").write_text("from an older export")
    run_export(con, fmt="spans-jsonl", out=out, selection=parse_version("latest"), split="100")
    assert not (out / "stale.txt").exists() and _manifest(out)["split"]["spec"] == "100"
    assert not list(tmp_path.glob(".x.*"))
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty and holds no previous export"):
        run_export(con, fmt="spans-jsonl", out=precious, selection=parse_version("latest"))
    assert (precious / "notes.txt").read_text() == "mine"
    con.close()


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("newest", "expected 'latest', a version number"),
        ("0", "start at 1"),
        ("abc:meeting_review", "expected 'latest'"),
    ],
)
def test_bad_versions(version: str, message: str) -> None:
    with pytest.raises(ExportError, match=message) as info:
        parse_version(version)
    assert "\n" not in str(info.value)


def test_unknown_things_are_one_line_errors(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db, read_only=True)
    cases = [
        (dict(fmt="csv", selection=parse_version("latest")), "--format 'csv'"),
        (dict(fmt="parquet", selection=parse_version("ffff:meeting_review:v9")), "gold id ffff:meeting_review:v9 is not"),
        (dict(fmt="parquet", selection=parse_version("latest", schema="nope")), "unknown schema 'nope'"),
        (dict(fmt="parquet", selection=parse_version("latest", schema="public_report")), "nothing to export"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ExportError, match=message) as info:
            run_export(con, out=tmp_path / "never", **kwargs)
        assert "\n" not in str(info.value)
    assert not (tmp_path / "never").exists()
    with pytest.raises(ExportError, match="manifest"):
        parse_version(str(tmp_path / "missing.json"))
    con.close()


@pytest.mark.parametrize("fmt", ["chat-jsonl", "spans-jsonl", "parquet"])
def test_several_passes_write_the_same_export(scenario: Scenario, tmp_path: Path, monkeypatch, fmt: str) -> None:
    """Large exports run in doc_id-range passes (bounded memory); the result must not depend on it."""
    import duckdb

    from annotate.store import datasets

    con = connect(scenario.db, read_only=True)
    one = run_export(con, fmt=fmt, out=tmp_path / "one", selection=parse_version("1"))
    monkeypatch.setattr(datasets, "PASS_BYTES", 20_000)  # a few documents per pass
    assert len(datasets.key_ranges(con, parse_version("1"))) >= 3
    many = run_export(con, fmt=fmt, out=tmp_path / "many", selection=parse_version("1"))
    assert one.counts == many.counts and one.documents == many.documents == 5

    def rows(root: Path) -> list[str]:
        if fmt == "parquet":
            q = duckdb.connect()
            return sorted(
                str(r) for pattern in ("*/records/*.parquet", "*/spans/*.parquet")
                for r in q.execute(f"SELECT * FROM read_parquet('{root}/{pattern}', union_by_name = true)").fetchall()
            )  # fmt: skip
        return sorted(line for f in root.glob("*/*.jsonl") for line in f.read_text("utf-8").splitlines())

    assert rows(tmp_path / "one") == rows(tmp_path / "many")
    if fmt == "parquet":
        assert len([f for f in many.files if "/records/" in f]) > len([f for f in one.files if "/records/" in f])
    con.close()
