"""The round trip against the real Label Studio: push predictions, annotators act, pull files each outcome.

Annotators are simulated through the HTTP API the way the editor submits: the draft starts as
the prediction's result, the annotator changes regions, and the result is posted as an annotation
that names its ``parent_prediction``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annotate.cli import app
from annotate.core.grounding import confidence, ground_record
from annotate.core.types import Document, Extraction
from annotate.documents import load_document
from annotate.labelstudio.client import LSClient
from annotate.labelstudio.config import LABELS, REJECT, REVIEW, UNALIGNED
from annotate.labelstudio.convert import normalise
from annotate.schema_registry import get_schema
from annotate.store import connect
from annotate.store.gold import latest_gold
from annotate.store.predictions import save_result

pytestmark = pytest.mark.labelstudio

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
V1 = "meeting_review/fixture@v1"
SEED_STEMS = ["000_bc3a7675d392fb2c", "001_7fbc296d44d6aab6", "002_f24e79617b591595", "003_ad073e54fd368939"]


def _save(db: Path, doc: Document, schema: str, record: dict[str, Any], version_key: str) -> None:
    spec = get_schema(schema)
    record = normalise(spec.model, record)
    groundings = ground_record(doc.text, spec.model, record)
    ext = Extraction(doc_id=doc.doc_id, schema_name=schema, model_version=version_key, record=record,
                     groundings=groundings, confidence=confidence(groundings))  # fmt: skip
    con = connect(db)
    try:
        save_result(con, doc, ext, backend="rules")
    finally:
        con.close()


def _seed(stem: str) -> tuple[Document, str, dict[str, Any]]:
    d = FIXTURES / "seeds" / stem
    schema = json.loads((d / "meta.json").read_text())["schema"]
    return load_document(ROOT / "seeds" / f"{stem}.txt"), schema, json.loads((d / "expected.json").read_text("utf-8"))


def _meeting_doc() -> Document:
    return load_document(FIXTURES / "labelstudio" / "review_meeting.txt")


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


class World:
    """What the module's scenario built: the store, the server's ids, and the pulled outcome."""

    def __init__(self, db: Path, client: LSClient) -> None:
        self.db = db
        self.client = client
        self.docs: dict[str, Document] = {}
        self.push_output = ""
        self.pull_output = ""

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = connect(self.db, read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def task_id(self, key: str) -> int:
        ((task_id,),) = self.query("SELECT task_id FROM ls_tasks WHERE doc_id = ?", [self.docs[key].doc_id])
        return int(task_id)

    def prediction(self, key: str) -> dict[str, Any]:
        task = self.client.task(self.task_id(key))
        preds = [p for p in self.client.list_predictions(task["project"]) if p["task"] == task["id"]]
        return preds[-1]


def _region(result: list[dict[str, Any]], label: str, text: str) -> dict[str, Any]:
    return next(
        r
        for r in result
        if r.get("type") == "labels" and r["value"]["labels"] == [label] and r["value"]["text"] == text
    )


def _draft(pred: dict[str, Any]) -> list[dict[str, Any]]:
    """What the editor pre-fills: the prediction's regions, each marked as coming from it."""
    out = copy.deepcopy(pred["result"])
    for r in out:
        r["origin"] = "prediction"
    return out


def _correct_meeting(pred: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """Edit a span, add a missing shortcoming, delete a wrong one, drop the unaligned line."""
    result = _draft(pred)
    short = _region(result, "units[].shortcomings[]", "背街小巷")
    end = short["value"]["start"] + len("背街小巷治理")
    short["value"].update(end=end, text=text[short["value"]["start"] : end])
    short["origin"] = "prediction-changed"
    result.remove(_region(result, "units[].shortcomings[]", "深化“接诉即办”改革"))
    start = text.index("安全生产")
    result.append({"id": "added1", "from_name": LABELS, "to_name": "text", "type": "labels", "origin": "manual",
                   "value": {"start": start, "end": start + 4, "text": "安全生产", "labels": ["units[].shortcomings[]"]}})  # fmt: skip
    return [r for r in result if r["from_name"] != UNALIGNED]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, label_studio: Any, ls_client: LSClient) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("push-pull") / "review.duckdb", ls_client)
    for stem in SEED_STEMS:
        doc, schema, record = _seed(stem)
        w.docs[stem] = doc
        _save(w.db, doc, schema, record, f"{schema}/fixture@v1")
    w.docs["meeting"] = _meeting_doc()
    prediction = json.loads((FIXTURES / "labelstudio" / "review_meeting.prediction.json").read_text("utf-8"))
    _save(w.db, w.docs["meeting"], "meeting_review", prediction, V1)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LABEL_STUDIO_URL", label_studio.url)
        mp.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
        res = _run("push", "--db", str(w.db))
        assert res.exit_code == 0, res.output
        w.push_output = res.output

        # accept unchanged
        p = w.prediction(SEED_STEMS[0])
        ls_client.create_annotation(w.task_id(SEED_STEMS[0]), _draft(p), lead_time=31.5, parent_prediction=p["id"])
        # edit a span, add a missing shortcoming, delete a wrong one
        p = w.prediction("meeting")
        ls_client.create_annotation(w.task_id("meeting"), _correct_meeting(p, w.docs["meeting"].text),
                                    lead_time=95.0, parent_prediction=p["id"])  # fmt: skip
        # reject a document
        p = w.prediction(SEED_STEMS[1])
        rejected = [r for r in _draft(p) if r["from_name"] != REVIEW] + [
            {"id": "rv", "from_name": REVIEW, "to_name": "text", "type": "choices", "value": {"choices": [REJECT]}},
            {
                "id": "rn",
                "from_name": "review_note",
                "to_name": "text",
                "type": "textarea",
                "value": {"text": ["重复文档"]},
            },
        ]
        ls_client.create_annotation(w.task_id(SEED_STEMS[1]), rejected, lead_time=4.0, parent_prediction=p["id"])
        # invalid results: an orphan child, a span that no longer matches, a required field missing
        p = w.prediction(SEED_STEMS[2])
        text = w.docs[SEED_STEMS[2]].text
        orphan = _draft(p)
        orphan.append({"id": "orph", "from_name": LABELS, "to_name": "text", "type": "labels",
                       "value": {"start": 0, "end": 4, "text": text[:4], "labels": ["units[].shortcomings[]"]}})  # fmt: skip
        moved = _draft(p)
        first = next(r for r in moved if r["type"] == "labels")
        first["value"]["start"] += 1
        no_unit = [r for r in _draft(p) if not (r["type"] == "labels" and r["value"]["labels"] == ["units[].unit"])]
        for result in (orphan, moved, no_unit):
            ls_client.create_annotation(w.task_id(SEED_STEMS[2]), result, lead_time=10.0, parent_prediction=p["id"])

        res = _run("pull", "--db", str(w.db))
        assert res.exit_code == 0, res.output
        w.pull_output = res.output
        yield w


def test_push_creates_one_project_per_schema_and_one_task_per_document_or_page(world: World) -> None:
    projects = world.query("SELECT schema_name, project_id, model_version FROM ls_projects ORDER BY 1")
    assert [(s, m) for s, _, m in projects] == [("meeting_review", V1), ("public_report", "public_report/fixture@v1")]
    # 003, the public report (255 results), comes as two pages; the meetings whole
    assert "6 new tasks, 6 predictions" in world.push_output
    for _, pid, _ in projects:
        on_server = {key: t["id"] for key, t in world.client.task_pages(pid).items()}
        stored = {
            (d, p): t
            for d, p, t in world.query("SELECT doc_id, page, task_id FROM ls_tasks WHERE project_id = ?", [pid])
        }
        assert on_server == stored
    task = world.client.task(world.task_id("meeting"))
    assert task["data"]["doc_id"] == world.docs["meeting"].doc_id
    assert task["data"]["text"] == world.docs["meeting"].text
    pred = world.prediction("meeting")
    assert pred["model_version"] == V1
    assert 0 < pred["score"] < 1  # one value of the prediction is not in the text


def test_accepted_unchanged_becomes_gold_with_its_provenance(world: World) -> None:
    doc, _, record = _seed(SEED_STEMS[0])
    con = connect(world.db, read_only=True)
    gold = latest_gold(con, doc.doc_id)
    con.close()
    assert gold is not None
    assert gold["record"] == normalise(get_schema("meeting_review").model, record)
    assert gold["version"] == 1
    assert gold["annotator"] == world.client.whoami()["email"]
    assert gold["lead_time"] == 31.5
    assert gold["prediction_version_key"] == V1
    assert gold["annotation_created"] is not None and gold["annotation_updated"] is not None
    stats = gold["region_stats"]
    assert stats["kept"] > 0 and stats["edited"] == stats["added"] == stats["deleted"] == 0
    assert all(g["start"] is not None for g in gold["groundings"])


def test_corrections_land_in_gold(world: World) -> None:
    con = connect(world.db, read_only=True)
    gold = latest_gold(con, world.docs["meeting"].doc_id)
    con.close()
    expected = json.loads((FIXTURES / "labelstudio" / "review_meeting.gold.json").read_text("utf-8"))
    assert gold is not None
    assert gold["record"] == normalise(get_schema("meeting_review").model, expected)
    assert gold["region_stats"]["edited"] == 1
    assert gold["region_stats"]["added"] == 1
    assert gold["region_stats"]["deleted"] == 1
    text = world.docs["meeting"].text
    for g in gold["groundings"]:
        assert text[g["start"] : g["end"]] == g["quote"] == g["value"]


def test_rejected_document_is_recorded_not_gold(world: World) -> None:
    doc_id = world.docs[SEED_STEMS[1]].doc_id
    assert world.query("SELECT reason FROM rejected WHERE doc_id = ?", [doc_id]) == [("重复文档",)]
    assert world.query("SELECT count(*) FROM gold WHERE doc_id = ?", [doc_id]) == [(0,)]


def test_invalid_results_are_quarantined_with_a_reason(world: World) -> None:
    doc_id = world.docs[SEED_STEMS[2]].doc_id
    reasons = sorted(r for (r,) in world.query("SELECT reason FROM quarantine WHERE doc_id = ?", [doc_id]))
    assert len(reasons) == 3
    assert any("orphan region units[].shortcomings[]" in r for r in reasons)
    assert any("no longer matches the text" in r for r in reasons)
    assert any("units[0].unit: field required" in r for r in reasons)
    assert world.query("SELECT count(*) FROM gold WHERE doc_id = ?", [doc_id]) == [(0,)]
    assert "quarantined" in world.pull_output
    outcomes = dict(world.query("SELECT outcome, count(*) FROM annotations GROUP BY 1"))
    assert outcomes == {"accepted": 2, "rejected": 1, "quarantined": 3}


def test_pulling_again_is_a_no_op(world: World, ls_env: Any) -> None:
    before = [world.query(f"SELECT count(*) FROM {t}") for t in ("gold", "annotations", "rejected", "quarantine")]
    res = _run("pull", "--db", str(world.db))
    assert res.exit_code == 0, res.output
    assert "0 gold, 0 rejected, 0 quarantined, 6 unchanged" in res.output
    after = [world.query(f"SELECT count(*) FROM {t}") for t in ("gold", "annotations", "rejected", "quarantine")]
    assert before == after


def test_an_updated_annotation_makes_a_new_gold_version(world: World, ls_env: Any) -> None:
    task = world.client.task(world.task_id(SEED_STEMS[0]))
    ann = task["annotations"][0] if task.get("annotations") else None
    if ann is None or not isinstance(ann, dict):
        export = world.client.export_annotated(task["project"])
        ann = next(t for t in export if t["id"] == task["id"])["annotations"][0]
    result = ann["result"]
    directive = next(r for r in result if r.get("type") == "labels" and r["value"]["labels"] == ["directives[]"])
    result.remove(directive)
    world.client.update_annotation(ann["id"], result)
    res = _run("pull", "--db", str(world.db))
    assert res.exit_code == 0, res.output
    doc_id = world.docs[SEED_STEMS[0]].doc_id
    versions = world.query("SELECT version, record FROM gold WHERE doc_id = ? ORDER BY version", [doc_id])
    assert [v for v, _ in versions] == [1, 2]
    v1, v2 = (json.loads(r) for _, r in versions)
    assert len(v2["directives"]) == len(v1["directives"]) - 1
    assert directive["value"]["text"] not in v2["directives"]


def test_pushing_again_creates_no_duplicate_and_a_new_version_adds_a_prediction(world: World, ls_env: Any) -> None:
    res = _run("push", "--db", str(world.db))
    assert res.exit_code == 0, res.output
    assert "0 new tasks, 0 predictions, 5 already there" in res.output
    pid = world.client.task(world.task_id("meeting"))["project"]
    tasks_before = world.client.task_pages(pid)

    v2 = "meeting_review/fixture@v2"
    record = json.loads((FIXTURES / "labelstudio" / "review_meeting.gold.json").read_text("utf-8"))
    _save(world.db, world.docs["meeting"], "meeting_review", record, v2)
    res = _run("push", "--db", str(world.db))
    assert res.exit_code == 0, res.output
    assert "0 new tasks, 1 predictions" in res.output
    assert world.client.task_pages(pid) == tasks_before
    preds = [p for p in world.client.list_predictions(pid) if p["task"] == world.task_id("meeting")]
    assert sorted(p["model_version"] for p in preds) == [V1, v2]
    assert world.client.get_project(pid)["model_version"] == v2
    assert world.query("SELECT model_version FROM ls_projects WHERE project_id = ?", [pid]) == [(v2,)]


def test_server_down_or_wrong_token_fails_with_one_line_and_writes_nothing(
    label_studio: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotate.labelstudio.server import free_port

    db = tmp_path / "untouched.duckdb"
    cases = {
        "rejected the API token": (label_studio.url, "not-the-token"),
        "not reachable": (f"http://127.0.0.1:{free_port()}", label_studio.token),
    }
    for expected, (url, key) in cases.items():
        monkeypatch.setenv("LABEL_STUDIO_URL", url)
        monkeypatch.setenv("LABEL_STUDIO_API_KEY", key)
        for command in ("push", "pull"):
            res = CliRunner().invoke(app, [command, "--db", str(db)])
            assert res.exit_code == 2, res.output
            lines = res.stderr.strip().splitlines()
            assert len(lines) == 1 and expected in lines[0], res.stderr
            assert label_studio.token not in res.stderr + res.stdout
            assert not db.exists()


def test_tasks_come_least_confident_first(tmp_path: Path, label_studio: Any, ls_client: LSClient) -> None:
    """Push orders by doubt: "Label All Tasks" (the label stream) and the first tab give the lowest score first."""
    db = tmp_path / "review.duckdb"
    scores = {SEED_STEMS[0]: 0.9, SEED_STEMS[1]: 0.2, SEED_STEMS[2]: 0.6}
    con = connect(db)
    for stem, score in scores.items():
        doc, schema, record = _seed(stem)
        spec = get_schema(schema)
        record = normalise(spec.model, record)
        ext = Extraction(doc_id=doc.doc_id, schema_name=schema, model_version="meeting_review/doubt@v1", record=record,
                         groundings=ground_record(doc.text, spec.model, record), confidence=score)  # fmt: skip
        save_result(con, doc, ext, backend="rules")
    con.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LABEL_STUDIO_URL", label_studio.url)
        mp.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
        res = _run("push", "--db", str(db))
        assert res.exit_code == 0, res.output
        con = connect(db, read_only=True)
        ((pid,),) = con.execute("SELECT DISTINCT project_id FROM ls_tasks").fetchall()
        by_task = dict(con.execute("SELECT task_id, doc_id FROM ls_tasks").fetchall())
        con.close()
        project = ls_client.get_project(pid)
        assert project and project["sampling"] == "Uncertainty sampling"
        nxt = ls_client._raw("GET", f"api/projects/{pid}/next")
        least = _seed(SEED_STEMS[1])[0].doc_id
        assert by_task[nxt["id"]] == least, "the label stream starts with the least confident task"
        first_tab = ls_client._raw("GET", "api/dm/views/", params={"project": pid})[0]
        assert first_tab["data"]["ordering"] == ["tasks:predictions_score"]
        res = _run("push", "--db", str(db), "--order", "document")
        assert res.exit_code == 0, res.output
        assert (ls_client.get_project(pid) or {})["sampling"] == "Sequential sampling"
        assert _run("push", "--db", str(db), "--order", "random").exit_code != 0


def test_push_compare_puts_two_versions_side_by_side(tmp_path: Path, label_studio: Any, ls_client: LSClient) -> None:
    db = tmp_path / "review.duckdb"
    doc, schema, record = _seed(SEED_STEMS[0])
    _save(db, doc, schema, record, "meeting_review/cmp@a")
    fewer = copy.deepcopy(record)
    fewer["units"][0]["shortcomings"] = fewer["units"][0]["shortcomings"][:1]
    _save(db, doc, schema, fewer, "meeting_review/cmp@b")
    _save(db, doc, schema, record, "meeting_review/cmp@c")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LABEL_STUDIO_URL", label_studio.url)
        mp.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
        res = _run("push", "--db", str(db), "--compare", "meeting_review/cmp@b", "meeting_review/cmp@a")
        assert res.exit_code == 0, res.output
        con = connect(db, read_only=True)
        ((pid, task_id),) = con.execute("SELECT project_id, task_id FROM ls_tasks").fetchall()
        con.close()
        versions = sorted(p["model_version"] for p in ls_client.list_predictions(pid) if p["task"] == task_id)
        assert versions == ["meeting_review/cmp@a", "meeting_review/cmp@b"], "both on one task, and only those"
        assert (ls_client.get_project(pid) or {})["model_version"] == "meeting_review/cmp@b", "A pre-fills the draft"
        res = _run("push", "--db", str(db), "--compare", "meeting_review/cmp@a", "meeting_review/none")
        assert res.exit_code != 0 and "meeting_review/none" in res.output


def test_an_annotation_on_a_compare_task_becomes_gold(tmp_path: Path, label_studio: Any, ls_client: LSClient) -> None:
    """A compare task feeds gold like any other: the annotator starts from A's draft, takes the
    shortcoming only B found (as *Compare All* shows it), submits; pull files that as gold, from A."""
    db = tmp_path / "review.duckdb"
    doc, schema, record = _seed(SEED_STEMS[0])
    record = normalise(get_schema(schema).model, record)
    fewer = copy.deepcopy(record)
    taken = fewer["units"][0]["shortcomings"].pop(1)
    a, b = "meeting_review/cmpgold@a", "meeting_review/cmpgold@b"
    _save(db, doc, schema, fewer, a)
    _save(db, doc, schema, record, b)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LABEL_STUDIO_URL", label_studio.url)
        mp.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
        res = _run("push", "--db", str(db), "--compare", a, b)
        assert res.exit_code == 0, res.output
        con = connect(db, read_only=True)
        ((pid, task_id),) = con.execute("SELECT project_id, task_id FROM ls_tasks").fetchall()
        con.close()
        preds = {p["model_version"]: p for p in ls_client.list_predictions(pid) if p["task"] == task_id}
        assert set(preds) == {a, b}
        # drawn anew in A's draft: the editor gives a drawn region its own id
        from_b = {**_region(preds[b]["result"], "units[].shortcomings[]", taken), "id": "drawn1", "origin": "manual"}
        ls_client.create_annotation(task_id, [*_draft(preds[a]), from_b], lead_time=12.0,
                                    parent_prediction=preds[a]["id"])  # fmt: skip
        res = _run("pull", "--db", str(db))
        assert res.exit_code == 0, res.output
    assert "1 gold" in res.output, res.output
    con = connect(db, read_only=True)
    gold = latest_gold(con, doc.doc_id)
    con.close()
    assert gold is not None, res.output
    assert gold["record"] == record, "B's shortcoming taken into A's draft"
    assert gold["prediction_version_key"] == a
    assert gold["region_stats"]["added"] == 1 and gold["region_stats"]["deleted"] == 0, gold["region_stats"]
    assert gold["lead_time"] == 12.0


def test_a_pull_that_fails_midway_keeps_whole_transactions_and_a_rerun_files_the_rest_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from annotate.labelstudio import pull as pull_module

    tables = ("gold", "annotations", "rejected", "quarantine")

    def fresh_store(name: str) -> Any:
        shutil.copy(world.db, tmp_path / name)
        con = connect(tmp_path / name)
        for t in tables:
            con.execute(f"DELETE FROM {t}")  # the store as it was before its first pull
        return con

    def counts(con: Any) -> list[int]:
        return [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]

    clean, broken = fresh_store("clean.duckdb"), fresh_store("broken.duckdb")
    try:
        pull_module.pull(clean, world.client)
        expected = counts(clean)
        assert expected[1] >= 6
        monkeypatch.setattr(pull_module, "TASKS_PER_TRANSACTION", 2)
        real_file, calls = pull_module._file, []

        def failing_file(con: Any, url: str, spec: Any, name: str, task: dict[str, Any], *rest: Any) -> None:
            real_file(con, url, spec, name, task, *rest)
            calls.append(task["id"])
            if len(calls) == 5:  # the fifth is written, then the run dies before its chunk commits
                raise RuntimeError("killed")

        real_chunk, committed = pull_module._file_chunk, []

        def counted_chunk(*args: Any) -> None:
            real_chunk(*args)
            committed.append(len(args[4]))  # its (task, annotation) pairs, once the chunk committed

        monkeypatch.setattr(pull_module, "_file", failing_file)
        monkeypatch.setattr(pull_module, "_file_chunk", counted_chunk)
        with pytest.raises(RuntimeError, match="killed"):
            pull_module.pull(broken, world.client)
        assert 0 < sum(committed) < 5 and counts(broken)[1] == sum(committed)  # whole chunks kept; the open one not
        monkeypatch.setattr(pull_module, "_file", real_file)
        monkeypatch.setattr(pull_module, "_file_chunk", real_chunk)
        pull_module.pull(broken, world.client)
        assert counts(broken) == expected
        assert broken.execute("SELECT count(*) FROM (SELECT doc_id, version FROM gold GROUP BY ALL HAVING count(*) > 1)"
                              ).fetchone() == (0,)  # fmt: skip
    finally:
        clean.close()
        broken.close()
