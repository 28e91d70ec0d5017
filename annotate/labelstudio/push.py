"""Push predictions to Label Studio as pre-annotations: one project per schema, one task per document
(or per page of a large one, :mod:`annotate.labelstudio.pages`).

Idempotent by construction: the store remembers which task holds which document and which version
keys a task already carries, and before importing anything the project's tasks on the server are
read back, so a store that lost track (a killed run between import and commit) never duplicates a
task. A new version key adds a prediction to the existing task and moves the project's
``model_version`` — that is what decides which prediction pre-fills an annotator's draft.

Order of doubt (the default): the task's score is its prediction's confidence, so the project
samples with Label Studio's "Uncertainty sampling" — "Label All Tasks" hands out the lowest
score of the project's ``model_version`` first — and its first Data Manager tab lists tasks by
that score, ascending. ``order="document"`` keeps import order ("Sequential sampling").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
from label_studio_sdk.label_interface import LabelInterface

from annotate.core.types import Grounding
from annotate.labelstudio.client import LSClient
from annotate.labelstudio.config import LabelSpec, build_config, config_hash, label_spec
from annotate.labelstudio.convert import ConversionError, to_results
from annotate.labelstudio.overview import row_overview
from annotate.labelstudio.pages import Page, PageError, plan_pages, split_results
from annotate.schema_registry import get_schema
from annotate.store import labelstudio as ls_store
from annotate.store.failures import record_failure, resolve_failures_many
from annotate.store.labelstudio import PushablePrediction, PushedTask

BATCH = 1000
ORDERS = {
    "doubt": ("Uncertainty sampling", "最不确定的在前 least confident first", ["tasks:predictions_score"]),
    "document": ("Sequential sampling", "按文档顺序 document order", ["tasks:id"]),
}
"""push order -> (Label Studio sampling, first tab's title, its ordering)."""


class PushError(Exception):
    """A push that cannot start as asked (an unknown order or version key)."""


@dataclass
class PushStats:
    projects_created: int = 0
    projects_updated: int = 0
    tasks_created: int = 0
    predictions_added: int = 0
    already_pushed: int = 0
    failed: int = 0
    seconds: float = 0.0
    projects: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def project_config(schema_name: str) -> tuple[LabelSpec, str]:
    """The schema's label spec and validated config XML (SDK check before any project is made)."""
    spec = get_schema(schema_name)
    lspec = label_spec(spec.name, spec.model, spec.labels, spec.choice_labels)
    xml = build_config(lspec, spec.description, spec.title)
    LabelInterface(xml).validate()
    return lspec, xml


def prediction_payload(
    li: LabelInterface, lspec: LabelSpec, p: PushablePrediction, *, validate: bool = True
) -> dict[str, Any]:
    """One Label Studio prediction; ConversionError when it would highlight the wrong characters.

    ``validate`` runs the SDK's check of the result against the labeling config (~4 ms per
    prediction). Every result is built from the same label spec as the config, so a mismatch is a
    bug of the conversion, not of one document: push checks the first prediction of each project.
    """
    groundings = [Grounding.model_validate(g) for g in p.groundings]
    result = to_results(lspec, p.text, p.record, groundings)
    pred = {"result": result, "score": p.confidence, "model_version": p.version_key}
    errors = li.validate_prediction(pred, return_errors=True) if validate else None
    if errors:
        raise ConversionError(f"Label Studio would not accept the prediction: {errors[0]}")
    return pred


def page_score(results: list[dict[str, Any]], confidence: float | None) -> float | None:
    """A page's task score: the mean confidence of its scored regions, so the least certain pages
    of a large document come first; the prediction's own confidence when no region has a score."""
    scores = [r["score"] for r in results if r.get("type") == "labels" and isinstance(r.get("score"), int | float)]
    return round(sum(scores) / len(scores), 4) if scores else confidence


def task_data(p: PushablePrediction, schema_name: str, page: Page, rows: str = "") -> dict[str, Any]:
    """What a task shows; a page says which one it is and where its text starts in the document.

    ``rows`` is the prediction's row overview (:mod:`annotate.labelstudio.overview`).
    """
    data: dict[str, Any] = {
        "text": p.text[page.start : page.end], "doc_id": p.doc_id, "schema": schema_name, "source": p.source or "",
        "rows": f"各行预测（序号 状态）/ predicted per row: {rows}" if rows else "",
    }  # fmt: skip
    if page.count > 1:
        data.update(page=page.number, pages=page.count, offset=page.start,
                    page_title=f"第 {page.number}/{page.count} 页 · page {page.number} of {page.count}")  # fmt: skip
    else:
        data["page_title"] = "全文 · whole document"
    return data


def _pages_for(
    p: PushablePrediction, results: list[dict[str, Any]], known: list[PushedTask], top: set[str]
) -> list[Page]:
    """The document's pages: those already on the server, or planned from this (its first) prediction."""
    if known and len(known) == known[0].pages:
        return [Page(t.page, t.pages, t.start, len(p.text) if t.end is None else t.end) for t in known]
    planned = plan_pages(p.text, results, top)
    for t in known:  # a run killed between two pages' imports: the plan must agree with what exists
        page = planned[t.page - 1] if t.page <= len(planned) else None
        if page is None or (page.count, page.start) != (t.pages, t.start):
            raise PageError(f"page {t.page}/{t.pages} on the server does not match the planned pages")
    return planned


def push(
    con: duckdb.DuckDBPyConnection,
    client: LSClient,
    *,
    schema_name: str | None = None,
    batch_size: int = BATCH,
    progress: Callable[[str, int, int], None] | None = None,
    order: str = "doubt",
    compare: tuple[str, str] | None = None,
    annotators: int | None = None,
) -> PushStats:
    """Create/update projects and import every prediction the server does not have yet.

    ``compare=(A, B)`` imports only those two versions' predictions, onto the same tasks, and
    makes A the one that pre-fills the annotator's draft (B is one tab away in the editor).
    ``annotators=N`` makes Label Studio hand every task to N annotators (its overlap,
    ``maximum_annotations``; the free edition's label stream stops at one otherwise), so their
    agreement can be measured; ``None`` leaves the projects' setting as it is.
    """
    if order not in ORDERS:
        raise PushError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    if annotators is not None and annotators < 1:
        raise PushError(f"annotators must be at least 1, not {annotators}")
    started = time.perf_counter()
    stats = PushStats()
    by_schema: dict[str, list[PushablePrediction]] = {}
    pending = ls_store.pending_predictions(con, schema_name)
    if compare is not None:
        missing = [k for k in compare if not any(p.version_key == k for p in pending)]
        if missing:
            raise PushError(f"--compare {missing[0]}: no predictions with this version key")
        first = compare[0]
        pending = sorted((p for p in pending if p.version_key in compare), key=lambda p: p.version_key == first)
    for p in pending:
        by_schema.setdefault(p.schema_name, []).append(p)
    for name, preds in by_schema.items():
        _push_schema(con, client, name, preds, stats, batch_size, progress)
    for proj in ls_store.list_projects(con, client.url):
        if schema_name in (None, proj["schema_name"]) and client.get_project(int(proj["project_id"])):
            _set_order(client, int(proj["project_id"]), order)
            if annotators is not None:
                client.update_project(int(proj["project_id"]), maximum_annotations=annotators,
                                      overlap_cohort_percentage=100)  # fmt: skip
    stats.seconds = time.perf_counter() - started
    return stats


def _set_order(client: LSClient, project_id: int, order: str) -> None:
    sampling, title, ordering = ORDERS[order]
    client.update_project(project_id, sampling=sampling)
    client.ensure_first_view(project_id, title, ordering)


def _ensure_project(con: duckdb.DuckDBPyConnection, client: LSClient, name: str, xml: str, stats: PushStats) -> int:
    url = client.url
    known = ls_store.get_project(con, url, name)
    h = config_hash(xml)
    if known and client.get_project(known["project_id"]) is None:
        ls_store.forget_project(con, url, name, known["project_id"])
        known = None
    if known is None:
        pid = client.create_project(f"{name} (annotate)", xml, get_schema(name).description)
        ls_store.save_project(con, url, name, pid, h, None)
        stats.projects_created += 1
        return pid
    pid = int(known["project_id"])
    if known["label_config_hash"] != h:
        client.update_project(pid, label_config=xml)
        ls_store.save_project(con, url, name, pid, h, known["model_version"])
        stats.projects_updated += 1
    return pid


def _push_schema(
    con: duckdb.DuckDBPyConnection,
    client: LSClient,
    name: str,
    preds: list[PushablePrediction],
    stats: PushStats,
    batch_size: int,
    progress: Callable[[str, int, int], None] | None,
) -> None:
    url = client.url
    lspec, xml = project_config(name)
    li = LabelInterface(xml)
    pid = _ensure_project(con, client, name, xml, stats)
    stats.projects[name] = pid

    # Reconcile with the server first: it is the truth about which tasks/predictions exist.
    tasks = ls_store.task_map(con, url, pid)
    missing = [
        PushedTask(d, t["id"], page, t["pages"], t["start"], t["end"])
        for (d, page), t in client.task_pages(pid).items()
        if (d, page) not in tasks or tasks[(d, page)].task_id != t["id"]
    ]
    if missing:
        ls_store.add_tasks(con, url, pid, name, missing)
        tasks.update({(t.doc_id, t.page): t for t in missing})
    task_ids = {t.task_id for t in tasks.values()}
    by_doc: dict[str, list[PushedTask]] = {}
    for t in sorted(tasks.values(), key=lambda t: t.page):
        by_doc.setdefault(t.doc_id, []).append(t)
    server_preds = {(p["task"], p.get("model_version")): p["id"] for p in client.list_predictions(pid)}
    pushed = ls_store.pushed_versions(con, url)
    known_preds = [(t, v, i) for (t, v), i in server_preds.items() if (t, v) not in pushed and t in task_ids]
    if known_preds:
        ls_store.add_predictions(con, url, known_preds)
        pushed |= {(t, v) for t, v, _ in known_preds}

    top = {b for b, block in lspec.blocks.items() if block.parent is None}
    new_tasks: dict[tuple[str, int], tuple[Page, dict[str, Any]]] = {}
    new_preds: list[dict[str, Any]] = []
    failed_docs: set[str] = set()
    done = 0
    checked = False
    for p in preds:
        known = by_doc.get(p.doc_id, [])
        if known and len(known) == known[0].pages and all((t.task_id, p.version_key) in pushed for t in known):
            stats.already_pushed += 1
            continue
        try:
            payload = prediction_payload(li, lspec, p, validate=not checked)
            checked = True
            pages = _pages_for(p, payload["result"], known, top)
            shares = split_results(p.text, payload["result"], pages)
        except (ConversionError, PageError, ValueError) as exc:
            stats.failed += 1
            failed_docs.add(p.doc_id)
            stats.failures.append(f"{p.doc_id}: {exc}")
            record_failure(con, stage="push", reason=str(exc), doc_id=p.doc_id, version_key=p.version_key)
            continue
        on_pages = {t.page: t for t in known}
        for page, share in zip(pages, shares, strict=True):
            pred = {
                **payload,
                "result": share,
                "score": page_score(share, p.confidence) if page.count > 1 else p.confidence,
            }
            task = on_pages.get(page.number)
            if task is None:
                key = (p.doc_id, page.number)
                if key not in new_tasks:  # the task shows its first prediction's row overview
                    new_tasks[key] = (page, {"data": task_data(p, name, page, row_overview(lspec, share)),
                                             "predictions": []})  # fmt: skip
                new_tasks[key][1]["predictions"].append(pred)
            elif (task.task_id, p.version_key) not in pushed:
                new_preds.append({"task": task.task_id, **pred})

    items = list(new_tasks.items())
    total = len(items) + len(new_preds)
    for i in range(0, len(items), batch_size):
        chunk = items[i : i + batch_size]
        ids = client.import_tasks(pid, [t for _, (_, t) in chunk])
        if len(ids) != len(chunk):  # an older server without return_task_ids: read them back
            on_server = client.task_pages(pid)
            ids = [on_server[key]["id"] for key, _ in chunk]
        rows = [
            PushedTask(doc, tid, page.number, page.count, page.start, page.end)
            for ((doc, _), (page, _)), tid in zip(chunk, ids, strict=True)
        ]
        ls_store.add_tasks(con, url, pid, name, rows)
        ls_store.add_predictions(con, url, [(tid, pr["model_version"], None)
                                            for tid, (_, (_, t)) in zip(ids, chunk, strict=True) for pr in t["predictions"]])  # fmt: skip
        tasks.update({(t.doc_id, t.page): t for t in rows})
        stats.tasks_created += len(chunk)
        stats.predictions_added += sum(len(t["predictions"]) for _, (_, t) in chunk)
        done += len(chunk)
        if progress:
            progress(name, done, total)
    for i in range(0, len(new_preds), batch_size):
        chunk_preds = new_preds[i : i + batch_size]
        client.import_predictions(pid, chunk_preds)
        ls_store.add_predictions(con, url, [(pr["task"], pr["model_version"], None) for pr in chunk_preds])
        stats.predictions_added += len(chunk_preds)
        done += len(chunk_preds)
        if progress:
            progress(name, done, total)

    if total:  # what was sent is recorded above; the server's prediction ids are not needed
        pushed_docs = {d for d, _ in tasks}
        resolve_failures_many(con, doc_ids=({p.doc_id for p in preds} - failed_docs) & pushed_docs, stages=("push",))

    newest = preds[-1].version_key
    known = ls_store.get_project(con, url, name)
    if known and known["model_version"] != newest:
        client.update_project(pid, model_version=newest)
        ls_store.save_project(con, url, name, pid, known["label_config_hash"], newest)
