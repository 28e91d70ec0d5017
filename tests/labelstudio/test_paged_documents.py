"""A large document against the real Label Studio: pages as tasks, gold once every page is submitted.

The 136-row key-task table is pushed as pages of whole rows; annotators submit pages one by one
through the API as the editor does. Gold waits (and ``status`` names the waiting pages) until the
last page is in; then it is one record for the whole document, and an edit of any page later
makes the next gold version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotate.labelstudio.client import LSClient
from annotate.labelstudio.convert import normalise
from annotate.schema_registry import get_schema
from annotate.store import connect
from annotate.store.gold import latest_gold
from tests.labelstudio.test_push_pull import _draft, _run, _save, _seed

pytestmark = pytest.mark.labelstudio

TABLE = "004_da9373b7adbb6a20"


def _pages(db: Path) -> list[tuple[int, int, int, int, int]]:
    con = connect(db, read_only=True)
    try:
        return con.execute("SELECT page, pages, task_id, page_start, page_end FROM ls_tasks ORDER BY page").fetchall()
    finally:
        con.close()


def _prediction(client: LSClient, task_id: int) -> dict[str, Any]:
    task = client.task(task_id)
    return [p for p in client.list_predictions(task["project"]) if p["task"] == task_id][-1]


def test_a_large_table_becomes_pages_and_one_gold_record(
    tmp_path: Path, label_studio: Any, ls_client: LSClient
) -> None:
    db = tmp_path / "review.duckdb"
    doc, schema, record = _seed(TABLE)
    _save(db, doc, schema, record, "task_progress/fixture@v1")
    expected = normalise(get_schema(schema).model, record)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LABEL_STUDIO_URL", label_studio.url)
        mp.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
        res = _run("push", "--db", str(db))
        assert res.exit_code == 0, res.output
        pages = _pages(db)
        assert 10 <= len(pages) <= 25 and all(n == len(pages) for _, n, *_ in pages)
        for page, n, task_id, start, end in pages:
            data = ls_client.task(task_id)["data"]
            assert (data["page"], data["pages"], data["offset"]) == (page, n, start)
            assert data["text"] == doc.text[start:end]

        # every page but the second accepted as predicted
        for page, _, task_id, _, _ in pages:
            if page != 2:
                p = _prediction(ls_client, task_id)
                ls_client.create_annotation(task_id, _draft(p), lead_time=10.0, parent_prediction=p["id"])
        res = _run("pull", "--db", str(db))
        assert res.exit_code == 0, res.output
        assert "0 gold" in res.output and f"{len(pages) - 1} page(s)" in res.output, res.output
        con = connect(db, read_only=True)
        assert latest_gold(con, doc.doc_id) is None, "no gold while a page is waiting"
        con.close()
        res = _run("status", "--db", str(db), "--json")
        (waiting,) = json.loads(res.output)["waiting_pages"]
        assert waiting["waiting"] == [2] and waiting["pages"] == len(pages)

        # page 2: the annotator deletes one lead unit of its first row
        _, _, task_id, start, _ = pages[1]
        p = _prediction(ls_client, task_id)
        result = _draft(p)
        row = next(r for r in result if r["type"] == "labels" and r["value"]["labels"] == ["items[]"])
        lead = next(
            r for r in result if r["type"] == "labels" and r["value"]["labels"] == ["items[].lead_units[]"]
            and row["value"]["start"] <= r["value"]["start"] < row["value"]["end"]
        )  # fmt: skip
        result.remove(lead)
        created = ls_client.create_annotation(task_id, result, lead_time=25.0, parent_prediction=p["id"])
        res = _run("pull", "--db", str(db))
        assert res.exit_code == 0, res.output
        assert "1 gold" in res.output, res.output

        con = connect(db, read_only=True)
        gold = latest_gold(con, doc.doc_id)
        con.close()
        assert gold is not None and gold["version"] == 1
        item = next(i for i in expected["items"] if i["task"] in row["value"]["text"])
        item["lead_units"].remove(lead["value"]["text"])
        assert gold["record"] == expected
        assert gold["lead_time"] == pytest.approx(10.0 * (len(pages) - 1) + 25.0)
        starts = sorted(g["start"] for g in gold["groundings"] if g.get("start") is not None)
        assert starts[-1] > pages[-1][3], "offsets are the whole document's"
        assert json.loads(_run("status", "--db", str(db), "--json").output)["waiting_pages"] == []

        # an edit of page 2 later (the lead unit restored) is the next gold version
        ls_client.update_annotation(created["id"], _draft(p), lead_time=30.0)
        res = _run("pull", "--db", str(db))
        assert res.exit_code == 0, res.output
        con = connect(db, read_only=True)
        gold = latest_gold(con, doc.doc_id)
        con.close()
        assert gold is not None and gold["version"] == 2
        assert gold["record"] == normalise(get_schema(schema).model, record)
