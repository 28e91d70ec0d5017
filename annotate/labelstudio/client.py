"""A thin wrapper over ``label_studio_sdk``: which server, and one clear message when it fails.

The SDK raises a different exception for every failure (connection refused, 401 with a JSON
body, timeouts) with multi-line reprs that include headers. Commands need one line a person can
act on — "not reachable, run `annotate ls up`" or "the token was rejected" — and must never echo
the token, so every call goes through :meth:`LSClient._call`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.labelstudio import server

T = TypeVar("T")


class LabelStudioError(Exception):
    """Label Studio is down, refused the token or rejected a request; ``str()`` is one line."""


@dataclass(frozen=True)
class Connection:
    url: str
    api_key: str = field(repr=False)
    local: bool = False


def resolve(root: Path | None = None) -> Connection:
    """``LABEL_STUDIO_URL``/``LABEL_STUDIO_API_KEY`` (a team server) beat the local server's files."""
    url = os.environ.get("LABEL_STUDIO_URL")
    key = os.environ.get("LABEL_STUDIO_API_KEY")
    if url and key:
        return Connection(url.rstrip("/"), key)
    if url or key:
        raise LabelStudioError("set both LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY, or neither to use `annotate ls up`")
    info = server.status(root)
    if not info.url or not info.token:
        raise LabelStudioError(
            "no Label Studio configured: run `annotate ls up`, or set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY"
        )
    return Connection(info.url, info.token, local=True)


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "validation_errors", "message", "error"):
            if body.get(key):
                return json.dumps(body[key], ensure_ascii=False)[:300]
    return str(body)[:300]


class LSClient:
    """The calls push/pull/tests make, each returning plain JSON-like data."""

    def __init__(self, conn: Connection, timeout: float = 120.0) -> None:
        self.conn = conn
        self.url = conn.url
        self.sdk = LabelStudio(base_url=conn.url, api_key=conn.api_key, timeout=timeout)

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        hint = " (run `annotate ls up`)" if self.conn.local else ""
        try:
            return fn()
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise LabelStudioError(f"Label Studio is not reachable at {self.url}{hint}") from exc
        except httpx.TimeoutException as exc:
            raise LabelStudioError(f"Label Studio at {self.url} timed out while trying to {what}") from exc
        except httpx.HTTPError as exc:
            raise LabelStudioError(f"Label Studio at {self.url}: {what} failed ({type(exc).__name__})") from exc
        except ApiError as exc:
            if exc.status_code in (401, 403):
                raise LabelStudioError(
                    f"Label Studio at {self.url} rejected the API token (check LABEL_STUDIO_API_KEY"
                    f" or `annotate ls status`)"
                ) from None
            raise LabelStudioError(
                f"Label Studio at {self.url}: {what} failed: HTTP {exc.status_code} {_detail(exc.body)}"
            ) from None

    def _raw(self, method: str, path: str, **kw: Any) -> Any:
        """A plain HTTP call through the SDK's authenticated client, for endpoints it lacks.

        A JSON body is encoded here with ``json.dumps``: the SDK's ``jsonable_encoder`` walks every
        value of a 17 MB import in Python (3.2 s against 0.4 s), and our bodies are plain JSON types.
        """
        if "json" in kw:
            kw["content"] = json.dumps(kw.pop("json"), ensure_ascii=False).encode()
            kw["headers"] = {**kw.get("headers", {}), "Content-Type": "application/json"}
        wrapper = self.sdk._client_wrapper
        resp = wrapper.httpx_client.request(path.lstrip("/"), method=method, **kw)
        if resp.status_code >= 400:
            try:
                body = resp.json()
            except ValueError:
                body = resp.text
            raise ApiError(status_code=resp.status_code, body=body)
        return resp.json() if resp.content else None

    # -- checks ----------------------------------------------------------------------------
    def whoami(self) -> dict[str, Any]:
        """Fails fast (before any work) when the server is down or the token wrong."""
        return self._call("check the API token", lambda: self._raw("GET", "api/current-user/whoami"))

    def users(self) -> dict[int, str]:
        out = self._call("list users", lambda: self.sdk.users.list())
        return {u.id: (u.email or u.username or str(u.id)) for u in out if u.id is not None}

    # -- projects --------------------------------------------------------------------------
    def create_project(self, title: str, label_config: str, description: str = "") -> int:
        def go() -> int:
            p = self.sdk.projects.create(title=title, label_config=label_config, description=description)
            assert p.id is not None
            return p.id

        return self._call("create a project", go)

    def get_project(self, project_id: int) -> dict[str, Any] | None:
        try:
            return self._call("read a project", lambda: self._raw("GET", f"api/projects/{project_id}"))
        except LabelStudioError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise

    def update_project(self, project_id: int, **fields: Any) -> None:
        self._call("update a project", lambda: self._raw("PATCH", f"api/projects/{project_id}", json=fields))

    def ensure_first_view(self, project_id: int, title: str, ordering: list[str]) -> int:
        """The project's first Data Manager tab, titled ``title`` and sorted by ``ordering``."""

        def go() -> int:
            views = self._raw("GET", "api/dm/views/", params={"project": project_id}) or []
            data = {"title": title, "ordering": ordering, "filters": {"conjunction": "and", "items": []}}
            mine = next((v for v in views if (v.get("data") or {}).get("title") == title), None)
            if mine is None:
                mine = self._raw("POST", "api/dm/views/", json={"project": project_id, "data": data})
            elif (mine.get("data") or {}).get("ordering") != ordering:
                self._raw("PATCH", f"api/dm/views/{mine['id']}/", json={"project": project_id, "data": data})
            rest = [v["id"] for v in views if v["id"] != mine["id"]]
            self._raw("POST", "api/dm/views/order/", json={"project": project_id, "ids": [mine["id"], *rest]})
            return int(mine["id"])

        return self._call("set the task order", go)

    # -- tasks & predictions ---------------------------------------------------------------
    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
        """Import tasks (with their predictions) in one call; returns the new task ids in order."""

        def go() -> list[int]:
            resp = self._raw(
                "POST", f"api/projects/{project_id}/import", params={"return_task_ids": "true"}, json=tasks
            )
            return list(resp.get("task_ids") or [])

        return self._call("import tasks", go)

    def import_predictions(self, project_id: int, predictions: list[dict[str, Any]]) -> None:
        self._call(
            "import predictions",
            lambda: self._raw("POST", f"api/projects/{project_id}/import/predictions", json=predictions),
        )

    def list_predictions(self, project_id: int) -> list[dict[str, Any]]:
        return self._call(
            "list predictions", lambda: self._raw("GET", "api/predictions/", params={"project": project_id})
        )

    def task_pages(self, project_id: int) -> dict[tuple[str, int], dict[str, int]]:
        """(doc_id, page) -> {id, pages, start, end} of every task in the project (to reconcile
        with a lost or new store); a task without page fields shows its whole document."""

        def go() -> dict[tuple[str, int], dict[str, int]]:
            out: dict[tuple[str, int], dict[str, int]] = {}
            page = 1
            while True:
                resp = self._raw(
                    "GET",
                    "api/tasks/",
                    params={"project": project_id, "page": page, "page_size": 500, "fields": "task_only"},
                )
                for t in resp.get("tasks", []):
                    data = t.get("data") or {}
                    if data.get("doc_id"):
                        start = int(data.get("offset") or 0)
                        out.setdefault(
                            (data["doc_id"], int(data.get("page") or 1)),
                            {"id": t["id"], "pages": int(data.get("pages") or 1), "start": start,
                             "end": start + len(data.get("text") or "")},
                        )  # fmt: skip
                if not resp.get("tasks") or len(out) >= resp.get("total", 0) or len(resp["tasks"]) < 500:
                    return out
                page += 1

        return self._call("list tasks", go)

    # -- annotations -----------------------------------------------------------------------
    def export_annotated(self, project_id: int) -> list[dict[str, Any]]:
        """Every task that has at least one submitted annotation, with annotations and predictions.

        The JSON export is used because ``tasks.list(only_annotated=True)`` is ignored by the
        server; without ``download_all_tasks`` it returns only annotated tasks.
        """

        def go() -> list[dict[str, Any]]:
            chunks: Iterable[bytes] = self.sdk.projects.exports.download_sync(project_id, export_type="JSON")
            return json.loads(b"".join(chunks) or b"[]")

        return self._call("export annotations", go)

    def create_annotation(self, task_id: int, result: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        """Submit an annotation as the API user (tests use it to simulate annotators)."""
        body = {"result": result, **fields}
        return self._call(
            "create an annotation", lambda: self._raw("POST", f"api/tasks/{task_id}/annotations/", json=body)
        )

    def update_annotation(self, annotation_id: int, result: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        body = {"result": result, **fields}
        return self._call(
            "update an annotation", lambda: self._raw("PATCH", f"api/annotations/{annotation_id}/", json=body)
        )

    def task(self, task_id: int) -> dict[str, Any]:
        return self._call("read a task", lambda: self._raw("GET", f"api/tasks/{task_id}"))
