"""``annotate failures [clear [--missing]]``, and failures closing when their file later succeeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.conftest import ROOT, assert_fits, invoke

SEED = ROOT / "seeds" / "000_bc3a7675d392fb2c.txt"


def open_failures(db: Path) -> list[dict]:
    result = invoke("failures", "--json", "--db", db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def prelabel(db: Path, *paths: Path) -> int:
    return invoke("prelabel", *paths, "--backend", "rules", "--schema", "meeting_review", "--db", db).exit_code


def test_a_file_that_fails_then_succeeds_closes_its_failures(db_path: Path, tmp_path: Path) -> None:
    doc = tmp_path / "minutes.txt"
    doc.write_bytes(b"")
    assert prelabel(db_path, doc) == 1
    assert [(f["stage"], f["source"]) for f in open_failures(db_path)] == [("load", str(doc))]

    doc.write_text("你好，世界。\n", encoding="utf-8")  # loads now, but the rules find no meeting in it
    assert prelabel(db_path, doc) == 1
    [failure] = open_failures(db_path)  # the load failure is over; this one replaces it
    assert failure["stage"] != "load" and failure["doc_id"] and failure["source"] == str(doc)

    shutil.copy(SEED, doc)  # fixed: another text, so another doc id, at the same path
    assert prelabel(db_path, doc) == 0
    assert open_failures(db_path) == []
    status = json.loads(invoke("status", "--json", "--db", db_path).stdout)
    assert status["failed"] == 0


def test_clear_missing_forgets_only_files_that_are_gone(db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "gone.txt").write_text("你好。\n", encoding="utf-8")
    assert prelabel(db_path, tmp_path / "empty.txt", tmp_path / "gone.txt", tmp_path / "mistyped.txt") == 1
    assert len(open_failures(db_path)) == 3
    (tmp_path / "gone.txt").unlink()

    listed = invoke("failures", "--db", db_path, columns=80)
    assert listed.exit_code == 0
    assert_fits(listed.stdout)
    assert "3 open failure(s)" in listed.stdout  # long temporary paths fold onto more lines: never cut
    assert sum(" load " in line for line in listed.stdout.splitlines()) == 2  # gone.txt did load

    cleared = invoke("failures", "clear", "--missing", "--db", db_path)
    assert cleared.exit_code == 0, cleared.output
    assert cleared.stdout.splitlines()[0] == "removed 2 open failure(s) whose file no longer exists (1 left)"
    assert str(tmp_path / "gone.txt") in cleared.stdout and str(tmp_path / "mistyped.txt") in cleared.stdout
    assert [f["source"] for f in open_failures(db_path)] == [str(tmp_path / "empty.txt")]

    cleared = invoke("failures", "clear", "--db", db_path)
    assert cleared.exit_code == 0 and cleared.stdout.strip() == "removed 1 open failure(s) (0 left)"
    assert open_failures(db_path) == []
    assert invoke("failures", "--db", db_path).stdout.strip() == "no open failures"
    assert json.loads(invoke("failures", "clear", "--json", "--db", db_path).stdout) == {
        "removed": 0, "left": 0, "paths": []
    }  # fmt: skip


def test_clear_missing_from_another_folder_removes_nothing(db_path: Path, tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "work"
    (work / "in").mkdir(parents=True)
    shutil.copy(SEED, work / "in" / SEED.name)
    monkeypatch.chdir(work)
    assert prelabel(db_path, Path("in") / SEED.name, Path("in") / "mistyped.txt") == 1
    assert len(open_failures(db_path)) == 1

    monkeypatch.chdir(tmp_path)  # relative paths no longer resolve: not a sign the files are gone
    refused = invoke("failures", "clear", "--missing", "--db", db_path)
    assert refused.exit_code == 2
    assert "run `annotate failures clear --missing` from the folder prelabel ran in" in refused.output
    assert len(open_failures(db_path)) == 1

    monkeypatch.chdir(work)
    cleared = invoke("failures", "clear", "--missing", "--db", db_path)
    assert cleared.exit_code == 0 and len(open_failures(db_path)) == 0


def test_a_failed_file_whose_text_is_already_predicted_closes_its_failure(db_path: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    shutil.copy(SEED, first)
    assert prelabel(db_path, first) == 0
    second.write_bytes(b"")
    assert prelabel(db_path, second) == 1
    assert [f["source"] for f in open_failures(db_path)] == [str(second)]
    shutil.copy(SEED, second)  # now the same text as a.txt: found predicted, no new prediction
    assert prelabel(db_path, second) == 0
    assert open_failures(db_path) == []
