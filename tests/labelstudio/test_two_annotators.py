"""Two real users of the free edition annotate one task: eval shows where they agree, gold is the latest accepted.

The second user signs up the way a colleague would, through the organisation's invite link
(``/api/invite`` -> ``/user/signup/?token=…``), and takes the API token of their own session.
Each user submits through the API with their own token, so Label Studio records who did what.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from annotate.cli import app
from annotate.core.grounding import confidence, ground_record
from annotate.core.types import Extraction
from annotate.documents import load_document
from annotate.evaluation.run import evaluate
from annotate.labelstudio.client import Connection, LSClient
from annotate.labelstudio.config import REJECT, REVIEW
from annotate.labelstudio.convert import normalise
from annotate.schema_registry import get_schema
from annotate.store import connect
from annotate.store.gold import latest_gold
from annotate.store.predictions import save_result

pytestmark = pytest.mark.labelstudio

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "labelstudio"
DISPUTED = "units[].shortcomings[]"
"""The one field the two annotators read differently: B drops 垃圾分类 from 甲街道's shortcomings."""


def _sign_up(url: str, admin: LSClient) -> tuple[str, str]:
    """A second user through the invite link; returns (email, API token)."""
    invite = admin._raw("GET", "api/invite")["invite_url"]
    email = f"annotator-{secrets.token_hex(4)}@example.org"
    with httpx.Client(base_url=url, follow_redirects=True, timeout=60) as web:
        page = web.get(invite)
        assert page.status_code == 200, page.text[:300]
        form = {"email": email, "password": secrets.token_urlsafe(16), "how_find_us": "",
                "csrfmiddlewaretoken": web.cookies["csrftoken"]}  # fmt: skip
        signed = web.post(invite, data=form, headers={"Referer": f"{url}{invite}"})
        assert signed.status_code == 200 and "/user/signup" not in str(signed.url), signed.text[:300]
        token = web.get("/api/current-user/token")
        assert token.status_code == 200, token.text[:300]
        return email, token.json()["token"]


def _draft(prediction: dict[str, Any]) -> list[dict[str, Any]]:
    out = copy.deepcopy(prediction["result"])
    for r in out:
        r["origin"] = "prediction"
    return out


def _run(*args: str) -> Any:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res


def test_two_annotators_agreement_per_field_and_gold_is_the_latest_accepted(
    tmp_path: Path, label_studio: Any, ls_client: LSClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
    db = tmp_path / "review.duckdb"
    doc = load_document(FIXTURES / "review_meeting.txt")
    spec = get_schema("meeting_review")
    record = normalise(spec.model, json.loads((FIXTURES / "review_meeting.gold.json").read_text("utf-8")))
    groundings = ground_record(doc.text, spec.model, record)
    con = connect(db)
    save_result(con, doc, Extraction(doc_id=doc.doc_id, schema_name=spec.name, model_version="meeting_review/two@v1",
                                     record=record, groundings=groundings, confidence=confidence(groundings)),
                backend="rules")  # fmt: skip
    con.close()
    _run("push", "--db", str(db), "--annotators", "2")  # Label Studio's overlap: two annotators per task
    con = connect(db, read_only=True)
    ((project_id, task_id),) = con.execute("SELECT project_id, task_id FROM ls_tasks").fetchall()
    con.close()

    email_b, token_b = _sign_up(label_studio.url, ls_client)
    b = LSClient(Connection(label_studio.url, token_b))
    assert b.whoami()["email"] == email_b
    email_a = ls_client.whoami()["email"]
    assert email_a != email_b

    (pred,) = [p for p in ls_client.list_predictions(project_id) if p["task"] == task_id]
    # A accepts the pre-annotation as it is; B, later, removes one shortcoming and accepts
    a_ann = ls_client.create_annotation(task_id, _draft(pred), lead_time=40.0, parent_prediction=pred["id"])
    # B takes the task from the label stream ("Label All Tasks"), as an annotator does; it hands a
    # task out only while it has fewer annotations than the project's overlap (1 by default)
    assert b._raw("GET", f"api/projects/{project_id}/next")["id"] == task_id
    mine = _draft(pred)
    dropped = next(r for r in mine if r["type"] == "labels" and r["value"]["labels"] == [DISPUTED]
                   and r["value"]["text"] == "垃圾分类")  # fmt: skip
    mine.remove(dropped)
    b_ann = b.create_annotation(task_id, mine, lead_time=55.0, parent_prediction=pred["id"])
    assert a_ann["completed_by"] != b_ann["completed_by"]

    res = _run("pull", "--db", str(db))
    assert "2 gold" in res.output, res.output
    con = connect(db, read_only=True)
    gold = latest_gold(con, doc.doc_id)
    versions = con.execute("SELECT version, annotator FROM gold WHERE doc_id = ? ORDER BY version", [doc.doc_id])
    assert versions.fetchall() == [(1, email_a), (2, email_b)]
    evaluation = evaluate(con)
    con.close()
    assert gold is not None
    b_record = copy.deepcopy(record)
    b_record["units"][0]["shortcomings"].remove("垃圾分类")
    assert gold["record"] == b_record and gold["annotator"] == email_b and gold["annotation_id"] == b_ann["id"]

    (agreement,) = evaluation.agreement
    assert (agreement.documents, agreement.pairs, agreement.annotators) == (1, 1, sorted([email_a, email_b]))
    per_field = {name: c.f1 for name, c in agreement.per_field.items() if c.tp + c.fp + c.fn}
    assert per_field[DISPUTED] is not None and per_field[DISPUTED] < 1.0, per_field
    others = {name: f1 for name, f1 in per_field.items() if name != DISPUTED}
    assert len(others) >= 4 and set(others.values()) == {1.0}, per_field

    shown = _run("eval", "--db", str(db)).output
    assert "agreement meeting_review: 1 documents, 1 pairs" in shown, shown
    cells = [[c.strip() for c in line.strip().strip("│").split("│")] for line in shown.splitlines()]
    rows = {row[0]: row[1] for row in cells if len(row) == 4 and re.fullmatch(r"[a-z_]+[\w.\[\]]*", row[0])}
    assert rows[DISPUTED] == f"{per_field[DISPUTED]:.3f}" and float(rows[DISPUTED]) < 1, shown
    assert all(rows[name] == "1.000" for name in others), shown

    # a later look by A that rejects the document is recorded; it is not accepted, so gold stays B's
    rejected = [r for r in _draft(pred) if r["from_name"] != REVIEW]
    rejected.append({"id": "rv", "from_name": REVIEW, "to_name": "text", "type": "choices",
                     "value": {"choices": [REJECT]}})  # fmt: skip
    ls_client.create_annotation(task_id, rejected, lead_time=5.0, parent_prediction=pred["id"])
    res = _run("pull", "--db", str(db))
    assert "1 rejected" in res.output, res.output
    con = connect(db, read_only=True)
    after = latest_gold(con, doc.doc_id)
    assert after is not None and (after["version"], after["annotator"]) == (2, email_b)
    assert after["record"] == b_record
    con.close()
