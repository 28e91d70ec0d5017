"""Push and pull against a real Label Studio, each as a ratio to the bare SDK call in the same run.

Figures (issue 12):
- ``push``: 2,000 tasks with one prediction each, through :func:`annotate.labelstudio.push.push`
  — what ``annotate push`` runs after its argument checks — timed from the client's token check
  and opening the store to the store closed (project creation, reading the server's tasks and
  predictions back, converting and validating every prediction, the batched imports, the store's
  bookkeeping, sampling order and first tab). Baseline: ONE bare SDK ``projects.import_tasks``
  call of the same task JSON (texts, predictions, scores; checked equal to what push sent) into a
  fresh project with the same labeling config. Goal <= 1.3.
- ``pull``: 2,000 annotated tasks filed as gold through :func:`annotate.labelstudio.pull.pull`
  (what ``annotate pull`` runs), timed the same way. Baseline: the SDK's JSON export of the same
  project (``projects.exports.download_sync``: every annotated task with its annotations and
  predictions) plus ``json.loads`` of it — what any consumer must at least do. Goal <= 1.5.

Each baseline runs once before and once after ours and the ratio is to their mean (the server's
speed drifts with its database and with the machine's load). The library functions are timed
rather than the ``annotate`` executable so that the interpreter's start and the CLI's imports
(the same for every command) do not count; the measured path is otherwise the user's.

Documents (``BENCH_DOCS``): ``excerpts`` (default) are small — a seed meeting's opening paragraph
plus one more of its paragraphs (150-1,600 characters, ~28 results a task), pre-labelled by the
offline rules backend; ``seeds`` are the three whole seed meetings (5-6k characters, ~75 results
a task) with their expected records grounded by the real aligner. Either way each template is
labelled once and copied with a unique fixed-width header (so every text and doc_id is distinct
and every span stays valid) through the store's own ``upsert_documents``/``save_predictions``.
The annotations are imported with their tasks (Label Studio's import accepts ``annotations``):
each is the task's prediction's result submitted unchanged, so pull files every one as gold.

A throwaway Label Studio is started for the run (its own home in a temp dir, 127.0.0.1, a free
port; installed into ``.ls-venv`` or ``ANNOTATE_LS_VENV`` if needed) and stopped by its PID at the
end. A small warm-up push, import, export and pull go first (lazy imports on both sides).
``BENCH_TASKS`` changes the 2,000; ``BENCH_PROFILE=1`` prints a pyinstrument profile of every
timed call.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "meeting_review"
SEEDS = ("000_bc3a7675d392fb2c", "001_7fbc296d44d6aab6", "002_f24e79617b591595")  # the seed meetings
VERSION = f"{SCHEMA}/bench@v1"
TASKS = int(os.environ.get("BENCH_TASKS", "2000"))
WARMUP = 20
PUSH_GOAL = 1.3
PULL_GOAL = 1.5


def _header(i: int) -> str:
    return f"【第{i:07d}号】\n"  # fixed width: the same offset shift for every document


def _seed_templates() -> list[tuple[str, dict[str, Any], list[Any], float | None]]:
    """``BENCH_DOCS=seeds``: the whole seed meetings (5-6k characters, ~75 results a task), their
    expected records grounded with the real aligner."""
    from annotate.core.grounding import confidence, ground_record
    from annotate.documents import load_document
    from annotate.labelstudio.convert import normalise
    from annotate.schema_registry import get_schema

    model = get_schema(SCHEMA).model
    out = []
    for stem in SEEDS:
        text = load_document(ROOT / "seeds" / f"{stem}.txt").text
        expected = json.loads((ROOT / "tests" / "fixtures" / "seeds" / stem / "expected.json").read_text("utf-8"))
        record = normalise(model, expected)
        groundings = ground_record(text, model, record)
        out.append((text, record, groundings, confidence(groundings)))
    return out


def _excerpt_templates(folder: Path) -> list[tuple[str, dict[str, Any], list[Any], float | None]]:
    """The default: small documents, each a seed meeting's opening paragraph and one more of its
    paragraphs, pre-labelled by the offline rules backend (those it finds nothing in are left out)."""
    import annotate
    from annotate.core.types import Grounding
    from annotate.store.db import connect

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem in SEEDS:
        lines = [line for line in (ROOT / "seeds" / f"{stem}.txt").read_text("utf-8").splitlines() if line.strip()]
        for k in range(1, len(lines)):
            paths.append(folder / f"{stem[:3]}_{k:02d}.txt")
            paths[-1].write_text(f"{lines[0]}\n{lines[k]}\n", encoding="utf-8")
    annotate.prelabel(paths, db=folder / "templates.duckdb", backend="rules", schema=SCHEMA)
    con = connect(folder / "templates.duckdb", read_only=True)
    try:
        rows = con.execute(
            "SELECT d.text, p.record, p.groundings, p.confidence FROM predictions p JOIN documents d USING (doc_id)"
            " WHERE p.schema_name = ? ORDER BY d.source", [SCHEMA]
        ).fetchall()  # fmt: skip
    finally:
        con.close()
    out = []
    for text, record, groundings, conf in rows:
        grounded = [Grounding.model_validate(g) for g in json.loads(groundings)]
        if grounded:
            out.append((text, json.loads(record), grounded, conf))
    return out


def _templates(folder: Path) -> list[tuple[str, dict[str, Any], list[Any], float | None]]:
    """Text, record, groundings shifted past the header, confidence: every copy of a template only
    differs in the header's digits, so it is pre-labelled (or grounded) once."""
    from annotate.core.grounding import shift

    kind = os.environ.get("BENCH_DOCS", "excerpts")
    if kind not in ("excerpts", "seeds"):
        raise SystemExit(f"BENCH_DOCS must be excerpts or seeds, not {kind!r}")
    found = _seed_templates() if kind == "seeds" else _excerpt_templates(folder)
    return [(text, record, shift(g, len(_header(0))), conf) for text, record, g, conf in found]


def build_store(db: Path, numbers: range, templates: list[Any]) -> None:
    """One document and one prediction per number, in one transaction, through the store's API."""
    from annotate.core.types import Document, Extraction
    from annotate.documents import doc_id_for
    from annotate.store.db import connect
    from annotate.store.documents import upsert_documents
    from annotate.store.predictions import save_predictions

    docs, preds = [], []
    for i in numbers:
        text, record, groundings, conf = templates[i % len(templates)]
        full = _header(i) + text
        doc = Document(doc_id=doc_id_for(full), text=full, source=f"generated/{i:07d}.txt")
        docs.append((doc, SCHEMA))
        ext = Extraction(doc_id=doc.doc_id, schema_name=SCHEMA, model_version=VERSION, record=record,
                         groundings=groundings, confidence=conf)  # fmt: skip
        preds.append((ext, "rules"))
    con = connect(db)
    try:
        con.execute("BEGIN TRANSACTION")
        upsert_documents(con, docs, fresh=True)
        save_predictions(con, preds, fresh=True)
        con.execute("COMMIT")
    finally:
        con.close()


def task_json(db: Path) -> list[dict[str, Any]]:
    """The task JSON ``push`` sends for a store of whole (one-page) documents, in its order, built
    with push's own helpers; the timed push is checked to have sent exactly this."""
    from label_studio_sdk.label_interface import LabelInterface

    from annotate.labelstudio.overview import row_overview
    from annotate.labelstudio.pages import Page
    from annotate.labelstudio.push import prediction_payload, project_config, task_data
    from annotate.store import labelstudio as ls_store
    from annotate.store.db import connect

    lspec, xml = project_config(SCHEMA)
    li = LabelInterface(xml)
    con = connect(db, read_only=True)
    try:
        pending = ls_store.pending_predictions(con, SCHEMA)
    finally:
        con.close()
    tasks = []
    for p in pending:
        pred = prediction_payload(li, lspec, p)
        page = Page(1, 1, 0, len(p.text))
        tasks.append({"data": task_data(p, SCHEMA, page, row_overview(lspec, pred["result"])), "predictions": [pred]})
    return tasks


def _timed(label: str, fn: Callable[[], Any]) -> tuple[Any, float]:
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    if profiler is not None:
        profiler.stop()
        print(f"--- profile: {label} ---")
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return out, elapsed


def _recording_client(conn: Any) -> Any:
    """An LSClient that keeps what it imports (for the same-JSON check; costs a list append)."""
    from annotate.labelstudio.client import LSClient

    class Recording(LSClient):
        sent: list[dict[str, Any]]
        seconds: list[float]

        def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
            self.sent.extend(tasks)
            start = time.perf_counter()
            ids = super().import_tasks(project_id, tasks)
            self.seconds.append(time.perf_counter() - start)
            return ids

    client = Recording(conn)
    client.sent, client.seconds = [], []
    return client


def ours_push(conn: Any, db: Path) -> tuple[Any, Any]:
    """``annotate push`` minus argument parsing and printing: check the token, open the store, push."""
    from annotate.labelstudio.push import push
    from annotate.store.db import connect

    client = _recording_client(conn)
    client.whoami()
    con = connect(db)
    try:
        stats = push(con, client, order="doubt")
    finally:
        con.close()
    return stats, client


def ours_pull(conn: Any, db: Path) -> tuple[Any, float]:
    """``annotate pull`` minus argument parsing and printing; also the seconds its export call took."""
    from annotate.labelstudio.client import LSClient
    from annotate.labelstudio.pull import pull
    from annotate.store.db import connect

    class Timing(LSClient):
        seconds = 0.0

        def export_annotated(self, project_id: int) -> list[dict[str, Any]]:
            start = time.perf_counter()
            tasks = super().export_annotated(project_id)
            self.seconds += time.perf_counter() - start
            return tasks

    client = Timing(conn)
    client.whoami()
    con = connect(db)
    try:
        return pull(con, client), client.seconds
    finally:
        con.close()


def raw_import(sdk: Any, project_id: int, tasks: list[dict[str, Any]]) -> int:
    resp = sdk.projects.import_tasks(project_id, request=tasks, return_task_ids=True)
    return len(resp.task_ids or [])


def raw_export(sdk: Any, project_id: int) -> list[dict[str, Any]]:
    return json.loads(b"".join(sdk.projects.exports.download_sync(project_id, export_type="JSON")) or b"[]")


def annotated_project(conn: Any, db: Path, tasks: list[dict[str, Any]], title: str) -> int:
    """A project whose every task carries one submitted annotation (its prediction's result), and
    a store that knows it as its ``SCHEMA`` project with those tasks, as push would have left it."""
    from annotate.labelstudio.client import LSClient
    from annotate.labelstudio.config import config_hash
    from annotate.labelstudio.push import project_config
    from annotate.store import labelstudio as ls_store
    from annotate.store.db import connect
    from annotate.store.labelstudio import PushedTask

    _, xml = project_config(SCHEMA)
    client = LSClient(conn)
    pid = client.create_project(title, xml)
    annotated = [{**t, "annotations": [{"result": t["predictions"][0]["result"], "lead_time": 30.0}]} for t in tasks]
    ids = client.import_tasks(pid, annotated)
    assert len(ids) == len(tasks), (len(ids), len(tasks))
    con = connect(db)
    try:
        ls_store.save_project(con, conn.url, SCHEMA, pid, config_hash(xml), VERSION)
        rows = [
            PushedTask(t["data"]["doc_id"], tid, 1, 1, 0, len(t["data"]["text"]))
            for t, tid in zip(tasks, ids, strict=True)
        ]
        ls_store.add_tasks(con, conn.url, pid, SCHEMA, rows)
    finally:
        con.close()
    return pid


def _report(what: str, ours: float, raws: list[float], goal: float, detail: str) -> bool:
    """The ratio to the mean of the raw runs before and after ours (the server's state drifts)."""
    raw = sum(raws) / len(raws)
    ratio = ours / raw
    ok = ratio <= goal
    print(f"{what}: ours {ours:.2f} s, raw {raw:.2f} s (before {raws[0]:.2f}, after {raws[-1]:.2f}) -> ratio "
          f"{ratio:.2f} (goal <= {goal}) {'MET' if ok else 'NOT MET'}; {detail}")  # fmt: skip
    return ok


def main() -> int:
    from annotate.labelstudio import server
    from annotate.labelstudio.client import Connection, LSClient

    venv = Path(os.environ.get("ANNOTATE_LS_VENV") or ROOT / ".ls-venv")
    server.ensure_installed(venv, log=lambda m: print(f"[label-studio] {m}", flush=True))
    tmp = Path(tempfile.mkdtemp(prefix="bench-push-pull-"))
    home = tmp / "label-studio"
    try:
        started = time.perf_counter()
        info = server.up(home, venv=venv, port=server.free_port(), log=lambda m: print(f"[label-studio] {m}"))
        print(f"Label Studio {server.LS_VERSION} (pid {info.pid}) up at {info.url} in "
              f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        conn = Connection(info.url, info.token)
        sdk = LSClient(conn).sdk
        from annotate.labelstudio.push import project_config

        _, xml = project_config(SCHEMA)

        start = time.perf_counter()
        templates = _templates(tmp / "templates")
        build_store(tmp / "warm.duckdb", range(9_000_000, 9_000_000 + WARMUP), templates)
        build_store(tmp / "push.duckdb", range(TASKS), templates)
        shutil.copyfile(tmp / "push.duckdb", tmp / "pull.duckdb")
        shutil.copyfile(tmp / "warm.duckdb", tmp / "warm-pull.duckdb")
        tasks = task_json(tmp / "push.duckdb")
        warm_tasks = task_json(tmp / "warm.duckdb")
        size = len(json.dumps(tasks, ensure_ascii=False).encode("utf-8"))
        print(f"{TASKS} documents ({os.environ.get('BENCH_DOCS', 'excerpts')}: {len(templates)} templates) and "
              f"predictions generated in {time.perf_counter() - start:.1f} s; "
              f"task JSON {size / 1e6:.1f} MB, {sum(len(t['predictions'][0]['result']) for t in tasks) / TASKS:.0f} "
              f"results per task", flush=True)  # fmt: skip

        # warm-up: the server's lazy imports and caches, the client's imports (LabelInterface …)
        ours_push(conn, tmp / "warm.duckdb")
        warm = LSClient(conn).create_project("bench warm-up (raw)", xml)
        raw_import(sdk, warm, warm_tasks)
        warm_pull = annotated_project(conn, tmp / "warm-pull.duckdb", warm_tasks, "bench warm-up (annotated)")
        raw_export(sdk, warm_pull)
        ours_pull(conn, tmp / "warm-pull.duckdb")

        # 1. push: one bare import of the same JSON into a fresh project, before and after ours
        raw_push = []
        for when in ("before", "after"):
            raw_pid = LSClient(conn).create_project(f"bench raw import ({when})", xml)
            n_raw, seconds = _timed(f"raw import ({when})", lambda pid=raw_pid: raw_import(sdk, pid, tasks))
            assert n_raw == TASKS, n_raw
            raw_push.append(seconds)
            if when == "before":
                (stats, rec), push_s = _timed("push", lambda: ours_push(conn, tmp / "push.duckdb"))
        same = json.dumps(rec.sent, sort_keys=True) == json.dumps(tasks, sort_keys=True)
        assert stats.tasks_created == TASKS and stats.failed == 0, stats
        print(f"push: {stats.tasks_created} tasks, {stats.predictions_added} predictions; {len(rec.seconds)} import "
              f"calls took {sum(rec.seconds):.2f} s (first {rec.seconds[0]:.2f} s, last {rec.seconds[-1]:.2f} s), "
              f"the rest {push_s - sum(rec.seconds):.2f} s; the raw calls sent "
              f"{'the same' if same else 'DIFFERENT (baseline is off!)'} task JSON", flush=True)  # fmt: skip
        push_ok = _report("push", push_s, raw_push, PUSH_GOAL, "raw = one SDK import_tasks call") and same

        # 2. pull: the bare JSON export of the annotated project, before and after ours
        start = time.perf_counter()
        pull_pid = annotated_project(conn, tmp / "pull.duckdb", tasks, "bench annotated")
        print(f"annotated project of {TASKS} tasks imported in {time.perf_counter() - start:.1f} s", flush=True)
        raw_pull = []
        for when in ("before", "after"):
            exported, seconds = _timed(f"raw export ({when})", lambda: raw_export(sdk, pull_pid))
            assert len(exported) == TASKS, len(exported)
            raw_pull.append(seconds)
            if when == "before":
                (pulled, export_s), pull_s = _timed("pull", lambda: ours_pull(conn, tmp / "pull.duckdb"))
        assert pulled.accepted == TASKS and not pulled.quarantined, (pulled.accepted, pulled.quarantine_reasons[:3])
        print(f"pull: {pulled.accepted} gold, {pulled.rejected} rejected, {pulled.quarantined} quarantined; its "
              f"export took {export_s:.2f} s, the rest {pull_s - export_s:.2f} s "
              f"({(pull_s - export_s) / TASKS * 1000:.1f} ms per annotation)", flush=True)  # fmt: skip
        pull_ok = _report("pull", pull_s, raw_pull, PULL_GOAL, "raw = SDK JSON export + json.loads")
    finally:
        server.down(home)
        shutil.rmtree(tmp, ignore_errors=True)
    ok = push_ok and pull_ok
    print(f"goals -> {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
