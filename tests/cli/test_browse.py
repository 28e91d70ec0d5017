"""``annotate docs`` and ``annotate show`` as a user types them: paths, doc ids, prefixes, filters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotate.documents import load_document
from annotate.store.db import connect
from annotate.store.gold import add_gold_version
from annotate.store.predictions import latest_prediction
from tests.cli.conftest import ROOT, assert_fits, error_line, invoke

SEED = "seeds/000_bc3a7675d392fb2c.txt"


def docs_json(db: Path, *args: str) -> list[dict]:
    result = invoke("docs", "--json", "--db", db, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_docs_lists_each_document_with_its_path_schema_and_stage_in_80_columns(rules_store: Path) -> None:
    rows = docs_json(rules_store)
    seeds = sorted(p.as_posix() for p in Path("seeds").glob("*.txt"))
    assert sorted(r["path"] for r in rows) == seeds
    assert {r["stage"] for r in rows} == {"predicted"}
    assert all(r["schema"] and len(r["doc_id"]) == 16 for r in rows)
    table = invoke("docs", "--db", rules_store)
    assert table.exit_code == 0, table.output
    assert_fits(table.stdout)
    for r in rows:  # each document on one line: its id, its whole path, its schema, its stage
        [line] = [ln for ln in table.stdout.splitlines() if r["doc_id"] in ln]
        assert r["path"] in line and r["schema"] in line and "predicted" in line
    assert "5 document(s)" in table.stdout


def test_docs_filters_by_schema_stage_and_path(rules_store: Path) -> None:
    everything = docs_json(rules_store)
    meetings = docs_json(rules_store, "--schema", "meeting_review")
    assert meetings and all(r["schema"] == "meeting_review" for r in meetings) and len(meetings) < len(everything)
    assert [r["path"] for r in docs_json(rules_store, "seeds/00[34]*")] == [
        "seeds/003_ad073e54fd368939.txt", "seeds/004_da9373b7adbb6a20.txt"
    ]  # fmt: skip
    assert [r["path"] for r in docs_json(rules_store, "002_")] == ["seeds/002_f24e79617b591595.txt"]
    one = everything[0]["doc_id"]
    assert [r["doc_id"] for r in docs_json(rules_store, one[:10])] == [one]
    assert docs_json(rules_store, "--stage", "gold") == []
    assert "no documents match" in invoke("docs", "--stage", "gold", "--db", rules_store).stdout

    gold_for(rules_store, one)
    two = everything[1]["doc_id"]
    con = connect(rules_store)  # what `push` records for a task
    con.execute("INSERT INTO ls_tasks (server_url, project_id, task_id, doc_id, schema_name) VALUES "
                "('http://ls', 1, 7, ?, 'meeting_review')", [two])  # fmt: skip
    con.close()
    assert [r["doc_id"] for r in docs_json(rules_store, "--stage", "gold")] == [one]
    assert [r["doc_id"] for r in docs_json(rules_store, "--stage", "pushed")] == [two]
    assert len(docs_json(rules_store, "--stage", "predicted")) == len(everything) - 2

    bad = invoke("docs", "--stage", "done", "--db", rules_store)
    assert bad.exit_code == 2 and "choose one of loaded, failed, predicted" in error_line(bad)
    bad = invoke("docs", "--schema", "meeting", "--db", rules_store)
    assert bad.exit_code == 2 and "'meeting'" in error_line(bad) and "meeting_review" in error_line(bad)


def test_docs_lists_files_that_never_became_documents(rules_store: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = invoke("prelabel", tmp_path / "empty.txt", "--backend", "rules", "--db", rules_store)
    assert result.exit_code == 1
    [failed] = docs_json(rules_store, "--stage", "failed")
    assert failed["doc_id"] is None and failed["path"] == str(tmp_path / "empty.txt")
    assert failed["failed_stages"] == ["load"] and "empty file" in failed["reason"]
    table = invoke("docs", "--db", rules_store, columns=80)
    assert_fits(table.stdout)
    assert "failed (load)" in table.stdout and "1 file(s) never became a document" in table.stdout


def test_show_takes_the_path_the_file_was_prelabeled_from(rules_store: Path) -> None:
    expected = load_document(ROOT / SEED).doc_id
    assert expected not in SEED  # the hash in the file's name is not its doc id
    for spelling in (SEED, f"./{SEED}", str(ROOT / SEED)):
        result = invoke("show", spelling, "--json", "--db", rules_store)
        assert result.exit_code == 0, result.output
        shown = json.loads(result.stdout)
        assert shown["doc_id"] == expected and shown["source"] == SEED and shown["prediction"]["record"]


def test_show_takes_any_file_with_the_same_text(rules_store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "renamed.txt"
    shutil.copy(ROOT / SEED, copy)  # never pre-labeled under this name: its text identifies it
    result = invoke("show", copy, "--json", "--db", rules_store)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["doc_id"] == load_document(copy).doc_id


def test_show_of_an_edited_file_shows_what_was_stored_and_says_so(
    rules_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work.txt"
    text = (ROOT / SEED).read_text(encoding="utf-8")
    work.write_text(text + "\n附：会后补充一句。\n", encoding="utf-8")  # a text of its own: a new document
    assert invoke("prelabel", work, "--backend", "rules", "--db", rules_store).exit_code == 0
    stored_id = load_document(work).doc_id
    work.write_text(text + "\n附：会后又补充了一句。\n", encoding="utf-8")
    result = invoke("show", work, "--json", "--db", rules_store)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["doc_id"] == stored_id
    assert f"{work} has changed since it was pre-labeled" in result.stderr
    monkeypatch.chdir(tmp_path)  # the store has the absolute path prelabel was given; typed relative here
    work.unlink()
    result = invoke("show", "work.txt", "--json", "--db", rules_store)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["doc_id"] == stored_id and "changed" not in result.stderr

    fresh = tmp_path / "fresh.txt"
    fresh.write_text("从未预标注过的一段文字。\n", encoding="utf-8")
    result = invoke("show", fresh, "--db", rules_store)
    assert result.exit_code == 1
    line = error_line(result)
    assert str(fresh) in line and "not in the store" in line and "annotate prelabel" in line


def test_show_takes_a_doc_id_prefix_and_lists_candidates_when_ambiguous(rules_store: Path) -> None:
    ids = sorted(r["doc_id"] for r in docs_json(rules_store))
    result = invoke("show", ids[0][:6], "--json", "--db", rules_store)
    assert result.exit_code == 0 and json.loads(result.stdout)["doc_id"] == ids[0]
    shared = next(ids[i][0] for i in range(len(ids) - 1) if ids[i][0] == ids[i + 1][0])  # seeds: '0'
    sharing = [i for i in ids if i.startswith(shared)]
    result = invoke("show", shared, "--db", rules_store)
    assert result.exit_code == 2
    line = error_line(result)
    assert f"matches {len(sharing)} documents" in line and all(i in line for i in sharing)
    assert "give more characters" in line


def test_show_names_what_it_cannot_find(rules_store: Path, tmp_path: Path) -> None:
    result = invoke("show", "seeds/999_missing.txt", "--db", rules_store)
    assert result.exit_code == 1 and "seeds/999_missing.txt: no such file" in error_line(result)
    result = invoke("show", "zzzz", "--db", rules_store)
    assert result.exit_code == 1 and "no document 'zzzz'" in error_line(result)
    (tmp_path / "empty.txt").write_bytes(b"")
    invoke("prelabel", tmp_path / "empty.txt", "--backend", "rules", "--db", rules_store)
    result = invoke("show", tmp_path / "empty.txt", "--db", rules_store)
    assert result.exit_code == 1
    assert error_line(result).endswith(f"{tmp_path / 'empty.txt'}: never became a document; load failed: empty file")


def test_show_fits_80_columns(rules_store: Path) -> None:
    result = invoke("show", SEED, "--db", rules_store, columns=80)
    assert result.exit_code == 0, result.output
    tables = [ln for ln in result.stdout.splitlines() if ln[:1] in "┏┃┡│└"]  # the record is JSON, left as is
    assert len(tables) > 10
    assert_fits("\n".join(tables))
    assert "prediction groundings" in result.stdout and "units[0].achievements[1]" in result.stdout


def gold_for(db: Path, doc_id: str) -> None:
    """What `pull` records for an accepted annotation: the prediction as the first gold version."""
    con = connect(db)
    try:
        p = latest_prediction(con, doc_id)
        assert p is not None
        add_gold_version(
            con, doc_id=doc_id, schema_name=p.schema_name, record=p.record,
            groundings=p.public_dict()["groundings"], prediction_version_key=p.version_key,
        )  # fmt: skip
    finally:
        con.close()
