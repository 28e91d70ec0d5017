"""Pull submitted annotations back: accepted -> a new gold version, rejected -> recorded, invalid -> quarantine.

Every submission is identified by (server, annotation id, Label Studio's ``updated_at``), so a
second pull is a no-op and an annotator who edits a submitted annotation produces exactly one new
gold version. Each annotation is handled in its own transaction: one bad annotation is
quarantined with its reason and never blocks the others.
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
from annotate.labelstudio.convert import ConversionError, from_results, region_stats
from annotate.schema_registry import get_schema
from annotate.store import labelstudio as ls_store
from annotate.store import review
from annotate.store.gold import add_gold_version


@dataclass
class PullStats:
    accepted: int = 0
    rejected: int = 0
    quarantined: int = 0
    unchanged: int = 0
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
    for proj in ls_store.list_projects(con, url):
        name, pid = proj["schema_name"], proj["project_id"]
        spec = label_spec(name, get_schema(name).model)
        tasks = client.export_annotated(pid)
        for n, task in enumerate(tasks, 1):
            anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
            for ann in sorted(anns, key=lambda a: (str(a.get("updated_at")), a["id"])):
                updated = _ts(ann.get("updated_at"))
                if review.seen(con, url, ann["id"], updated):
                    stats.unchanged += 1
                    continue
                if users is None:
                    users = client.users()
                _file(con, url, spec, name, task, ann, users, proj.get("model_version"), stats)
            if progress:
                progress(name, n, len(tasks))
    stats.seconds = time.perf_counter() - started
    return stats


def _file(
    con: duckdb.DuckDBPyConnection,
    url: str,
    spec: Any,
    name: str,
    task: dict[str, Any],
    ann: dict[str, Any],
    users: dict[int, str],
    model_version: str | None,
    stats: PullStats,
) -> None:
    data = task.get("data") or {}
    doc_id = data.get("doc_id") or (ls_store.task_doc(con, url, task["id"]) or ("?", ""))[0]
    result = ann.get("result") or []
    annotator = _annotator(ann, users)
    created, updated = _ts(ann.get("created_at")), _ts(ann.get("updated_at"))
    stored_text = ls_store.document_text(con, doc_id)
    text = stored_text if stored_text is not None else data.get("text", "")
    con.execute("BEGIN TRANSACTION")
    try:
        try:
            if stored_text is not None and data.get("text") != stored_text:
                raise ConversionError("the task's text differs from the stored document text")
            converted = from_results(spec, text, result)
        except ConversionError as exc:
            outcome = "quarantined"
            review.add_quarantine(
                con, server_url=url, annotation_id=ann["id"], doc_id=doc_id, schema_name=name, reason=str(exc),
                result=result,
            )  # fmt: skip
            stats.quarantined += 1
            stats.quarantine_reasons.append(f"{doc_id} (annotation {ann['id']}): {exc}")
        else:
            if converted.review == REJECT:
                outcome = "rejected"
                review.add_rejected(
                    con, server_url=url, annotation_id=ann["id"], doc_id=doc_id, schema_name=name,
                    annotator=annotator, reason=converted.review_note,
                )  # fmt: skip
                stats.rejected += 1
            else:
                outcome = "accepted"
                start = _started_from(task, ann, model_version)
                gold = add_gold_version(
                    con,
                    doc_id=doc_id,
                    schema_name=name,
                    record=converted.record,
                    groundings=[g.model_dump(mode="json") for g in converted.groundings],
                    annotation_id=ann["id"],
                    annotator=annotator,
                    lead_time=ann.get("lead_time"),
                    annotation_created=created,
                    annotation_updated=updated,
                    prediction_version_key=start.get("model_version") if start else None,
                    region_stats=region_stats(start.get("result") if start else None, result),
                )
                stats.accepted += 1
                stats.gold_ids.append(gold.gold_id)
        review.record_annotation(
            con, server_url=url, annotation_id=ann["id"], task_id=task["id"], doc_id=doc_id, schema_name=name,
            annotator=annotator, result=result, lead_time=ann.get("lead_time"), created_at=created,
            updated_at=updated, outcome=outcome,
        )  # fmt: skip
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
