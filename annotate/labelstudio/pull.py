"""Pull submitted annotations back: accepted -> a new gold version, rejected -> recorded, invalid -> quarantine.

Every submission is identified by (server, annotation id, Label Studio's ``updated_at``), so a
second pull is a no-op and an annotator who edits a submitted annotation produces exactly one new
gold version. Annotations are filed a chunk of tasks per transaction (:data:`TASKS_PER_TRANSACTION`);
one that cannot become a valid record is quarantined with its reason and never blocks the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from annotate.labelstudio.client import LSClient
from annotate.labelstudio.config import REJECT, label_spec
from annotate.labelstudio.convert import ConversionError, to_results
from annotate.labelstudio.pages import Page, join_results
from annotate.labelstudio.readback import from_results, region_stats
from annotate.schema_registry import get_schema
from annotate.store import labelstudio as ls_store
from annotate.store import review
from annotate.store.db import transaction
from annotate.store.gold import GoldAppender
from annotate.store.predictions import get_prediction


@dataclass
class PullStats:
    accepted: int = 0
    rejected: int = 0
    quarantined: int = 0
    unchanged: int = 0
    pages: int = 0  # page annotations of paged documents (gold is filed when a document's pages are all in)
    seconds: float = 0.0
    gold_ids: list[str] = field(default_factory=list)
    quarantine_reasons: list[str] = field(default_factory=list)


def _ts(value: Any) -> datetime | None:
    """Label Studio's ISO timestamps as naive UTC (what DuckDB TIMESTAMP columns hold)."""
    if not value:
        return None
    dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def _annotator(ann: dict[str, Any], users: dict[int, str]) -> str | None:
    who = ann.get("completed_by")
    if isinstance(who, dict):
        return who.get("email") or who.get("username") or (str(who["id"]) if "id" in who else None)
    if isinstance(who, int):
        return users.get(who, str(who))
    return None


def _started_from(task: dict[str, Any], ann: dict[str, Any], model_version: str | None) -> dict[str, Any] | None:
    """The prediction the annotator's draft was pre-filled with."""
    embedded = ann.get("prediction")
    if isinstance(embedded, dict) and embedded.get("result") is not None:
        return embedded  # the JSON export embeds it
    preds = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
    parent = ann.get("parent_prediction")
    for p in preds:
        if parent is not None and p.get("id") == parent:
            return p
    for p in preds:
        if model_version and p.get("model_version") == model_version:
            return p
    return preds[-1] if preds else None


def pull(
    con: duckdb.DuckDBPyConnection,
    client: LSClient,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> PullStats:
    """Fetch every project this store pushed to ``client``'s server and file each new submission."""
    started = time.perf_counter()
    stats = PullStats()
    url = client.url
    users: dict[int, str] | None = None
    seen = review.seen_annotations(con, url)
    for proj in ls_store.list_projects(con, url):
        name, pid = proj["schema_name"], proj["project_id"]
        spec = label_spec(name, get_schema(name).model)
        tasks = client.export_annotated(pid)
        for done in range(0, len(tasks), TASKS_PER_TRANSACTION):
            todo = []
            for task in tasks[done : done + TASKS_PER_TRANSACTION]:
                anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
                for ann in sorted(anns, key=lambda a: (str(a.get("updated_at")), a["id"])):
                    if (int(ann["id"]), _ts(ann.get("updated_at"))) in seen:
                        stats.unchanged += 1
                    else:
                        todo.append((task, ann))
            if todo:
                users = users if users is not None else client.users()
                _file_chunk(con, url, spec, name, todo, users, proj.get("model_version"), stats)
                seen.update((int(ann["id"]), _ts(ann.get("updated_at"))) for _, ann in todo)
            if progress:
                progress(name, min(done + TASKS_PER_TRANSACTION, len(tasks)), len(tasks))
    stats.seconds = time.perf_counter() - started
    return stats


TASKS_PER_TRANSACTION = 200
"""Annotations are filed a chunk of tasks per transaction, their rows inserted in bulk at its end:
a commit, a version query and three inserts per annotation were most of a pull's own time. Killed
or failing midway, the open chunk rolls back and a re-run files exactly it again (it is unseen)."""


class _Filing:
    """The writes of one chunk, and what it reads once for all its annotations."""

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str, doc_ids: list[str]) -> None:
        self.texts = ls_store.document_texts(con, doc_ids)
        self.gold = GoldAppender(con, name, doc_ids)
        self.review = review.ReviewRows(con)

    def flush(self) -> None:
        self.gold.flush()
        self.review.flush()


def _file_chunk(
    con: duckdb.DuckDBPyConnection, url: str, spec: Any, name: str, todo: list[tuple[dict[str, Any], dict[str, Any]]],
    users: dict[int, str], model_version: str | None, stats: PullStats,
) -> None:  # fmt: skip
    """File ``todo`` (task, annotation) pairs in one transaction."""
    with transaction(con):
        # asked again inside the transaction: another pull of a shared store may have filed some
        filed = review.filed_among(con, url, [int(ann["id"]) for _, ann in todo])
        fresh = [(t, a) for t, a in todo if (int(a["id"]), _ts(a.get("updated_at"))) not in filed]
        stats.unchanged += len(todo) - len(fresh)
        doc_ids = [_doc_id(con, url, task) for task, _ in fresh]
        filing = _Filing(con, name, doc_ids)
        for (task, ann), doc_id in zip(fresh, doc_ids, strict=True):
            _file(con, url, spec, name, task, doc_id, ann, users, model_version, stats, filing)
        filing.flush()


def _doc_id(con: duckdb.DuckDBPyConnection, url: str, task: dict[str, Any]) -> str:
    """The task's document: named in its data by push, else looked up by task id."""
    return (task.get("data") or {}).get("doc_id") or (ls_store.task_doc(con, url, task["id"]) or ("?", ""))[0]


@dataclass
class _Submission:
    """What files one document: its annotation's result over the whole text, and who made it when.

    A paged document's submission is its pages' latest annotations joined; its id is the page
    annotation whose pull completed the document.
    """

    doc_id: str
    annotation_id: int
    result: list[dict[str, Any]]
    annotator: str | None
    lead_time: float | None
    created: datetime | None
    updated: datetime | None
    version_key: str | None  # of the prediction the annotator started from
    predicted: list[dict[str, Any]] | None  # that prediction's result, for the region counts


def _file_outcome(
    filing: _Filing, url: str, spec: Any, name: str, text: str, sub: _Submission, stats: PullStats,
    problem: str | None = None,
) -> str:  # fmt: skip
    """File a submission as gold, a rejection or a quarantine entry (``problem``: quarantine it)."""
    try:
        if problem:
            raise ConversionError(problem)
        converted = from_results(spec, text, sub.result)
    except ConversionError as exc:
        filing.review.quarantined(server_url=url, annotation_id=sub.annotation_id, doc_id=sub.doc_id,
                              schema_name=name, reason=str(exc), result=sub.result)  # fmt: skip
        stats.quarantined += 1
        stats.quarantine_reasons.append(f"{sub.doc_id} (annotation {sub.annotation_id}): {exc}")
        return "quarantined"
    if converted.review == REJECT:
        filing.review.rejected(server_url=url, annotation_id=sub.annotation_id, doc_id=sub.doc_id,
                               schema_name=name, annotator=sub.annotator, reason=converted.review_note)  # fmt: skip
        stats.rejected += 1
        return "rejected"
    gold = filing.gold.add(
        doc_id=sub.doc_id,
        record=converted.record,
        groundings=[g.model_dump(mode="json") for g in converted.groundings],
        annotation_id=sub.annotation_id,
        annotator=sub.annotator,
        lead_time=sub.lead_time,
        annotation_created=sub.created,
        annotation_updated=sub.updated,
        prediction_version_key=sub.version_key,
        region_stats=region_stats(sub.predicted, sub.result),
    )
    stats.accepted += 1
    stats.gold_ids.append(gold.gold_id)
    return "accepted"


def _file(
    con: duckdb.DuckDBPyConnection,
    url: str,
    spec: Any,
    name: str,
    task: dict[str, Any],
    doc_id: str,
    ann: dict[str, Any],
    users: dict[int, str],
    model_version: str | None,
    stats: PullStats,
    filing: _Filing,
) -> None:
    """One annotation, a whole document's or one page of a paged one, inside the caller's transaction."""
    data = task.get("data") or {}
    paged = int(data.get("pages") or 1) > 1
    result = ann.get("result") or []
    annotator = _annotator(ann, users)
    created, updated = _ts(ann.get("created_at")), _ts(ann.get("updated_at"))
    stored_text = filing.texts.get(doc_id)
    text = stored_text if stored_text is not None else data.get("text", "")
    shown = data.get("text") or ""
    start = int(data.get("offset") or 0)
    problem = None
    if stored_text is not None and shown != (stored_text[start : start + len(shown)] if paged else stored_text):
        problem = "the task's text differs from the stored document text"
    started_from = _started_from(task, ann, model_version)
    if paged:
        outcome = "page"
        filing.review.annotation(
            server_url=url, annotation_id=ann["id"], task_id=task["id"], doc_id=doc_id, schema_name=name,
            annotator=annotator, result=result, lead_time=ann.get("lead_time"), created_at=created,
            updated_at=updated, outcome=outcome,
        )  # fmt: skip
        stats.pages += 1
        if problem:
            problem = f"page {data.get('page')}: {problem}"
            _file_outcome(filing, url, spec, name, text, _page_only(doc_id, ann, result), stats, problem)
            return
        filing.review.flush()  # the pages' annotations are read back from the table
        if (sub := _joined_pages(con, url, spec, text, doc_id, ann["id"], started_from)) is not None:
            _file_outcome(filing, url, spec, name, text, sub, stats)
    else:
        sub = _Submission(
            doc_id, ann["id"], result, annotator, ann.get("lead_time"), created, updated,
            started_from.get("model_version") if started_from else None,
            started_from.get("result") if started_from else None,
        )  # fmt: skip
        outcome = _file_outcome(filing, url, spec, name, text, sub, stats, problem)
        filing.review.annotation(
            server_url=url, annotation_id=ann["id"], task_id=task["id"], doc_id=doc_id, schema_name=name,
            annotator=annotator, result=result, lead_time=ann.get("lead_time"), created_at=created,
            updated_at=updated, outcome=outcome,
        )  # fmt: skip


def _page_only(doc_id: str, ann: dict[str, Any], result: list[dict[str, Any]]) -> _Submission:
    return _Submission(doc_id, ann["id"], result, None, None, None, None, None, None)


def _joined_pages(
    con: duckdb.DuckDBPyConnection, url: str, spec: Any, text: str, doc_id: str, annotation_id: int,
    started_from: dict[str, Any] | None,
) -> _Submission | None:  # fmt: skip
    """The document's submission once every page has an annotation (None while a page waits).

    The latest annotation of each page is joined into one result over the whole text and
    converted once, so gold is one record per document, and every later edit of any page
    makes the next gold version.
    """
    tasks = ls_store.document_pages(con, url, doc_id)
    latest = review.latest_on_tasks(con, url, [t.task_id for t in tasks])
    if not tasks or len(tasks) != tasks[0].pages or not all(t.task_id in latest for t in tasks):
        return None
    pages = [Page(t.page, t.pages, t.start, len(text) if t.end is None else t.end) for t in tasks]
    anns = [latest[t.task_id] for t in tasks]
    version_key = started_from.get("model_version") if started_from else None
    stored = get_prediction(con, doc_id, version_key) if version_key else None
    lead_times = [a["lead_time"] for a in anns if a["lead_time"] is not None]
    return _Submission(
        doc_id=doc_id,
        annotation_id=annotation_id,
        result=join_results(pages, [a["result"] for a in anns]),
        annotator=", ".join(sorted({a["annotator"] for a in anns if a["annotator"]})) or None,
        lead_time=sum(lead_times) if lead_times else None,
        created=min((a["created_at"] for a in anns if a["created_at"]), default=None),
        updated=max((a["updated_at"] for a in anns if a["updated_at"]), default=None),
        version_key=version_key,
        predicted=to_results(spec, text, stored.record, stored.to_extraction().groundings) if stored else None,
    )
