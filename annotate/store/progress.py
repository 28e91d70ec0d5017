"""A run's progress beside the database file, so ``annotate status`` works while a prelabel writes.

DuckDB lets one process open a file for writing and then no other process can open it at all,
not even to read. Handing the file back and forth between batches would make every commit of the
run wait for readers; instead the run publishes: a thread with its own cursor (reads never block
the writer thread's commits) writes the full ``status`` report plus the run's own figures to
``<db>.progress.json`` about once a second, by atomic rename. ``status`` reads the database when
it can and this file when a live run holds it.

A SIGKILLed run leaves its file saying ``running``; it is only believed while its PID is alive
*and* is the process DuckDB names as the lock holder, so a dead run (or a reused PID) shows as
``stopped``, never as running forever.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from annotate.store.db import StoreBusy, connect, db_path, store_url
from annotate.store.status import status_report

INTERVAL = 1.0
"""Seconds between snapshots at least (15-25 ms of CPU each for a 2,048-document store)."""
BUDGET = 0.05
"""At most this share of the time goes to snapshots: a big store's slower report is taken less often."""


def progress_path(db: str | Path) -> Path:
    return Path(db).with_name(Path(db).name + ".progress.json")


def database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind a connection (``None`` in memory, or a lake, whose readers need no snapshot
    file: they never wait for its writers): a run given a connection still publishes."""
    row = con.execute(
        "SELECT path, type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0]) if row and row[0] and row[1] != "ducklake" else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def write_progress(path: Path, data: dict[str, Any]) -> None:
    """Atomic: a reader sees the previous snapshot or this one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_progress(db: str | Path) -> dict[str, Any] | None:
    """The last snapshot a run published for this database, if any (unreadable counts as none)."""
    try:
        data = json.loads(progress_path(db).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ProgressPublisher:
    """Publishes ``figures()`` (the run's counters) and the store's status report until closed.

    ``figures`` is called from this thread: it must only read plain attributes (the run's
    counters are ints the event loop updates; a torn read is impossible for them).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        figures: Callable[[], dict[str, Any]],
        *,
        interval: float = INTERVAL,
    ) -> None:
        target = database_file(con)
        self.path = progress_path(target) if target is not None else None
        self._cur = con.cursor()
        self._figures = figures
        self._interval = interval
        self._stop = threading.Event()
        self._started = _now()
        self._report: dict[str, Any] | None = None
        self.errors: list[str] = []
        self.snapshots = 0
        self.cpu_s = 0.0  # this thread's CPU so far: what publishing costs the run
        self._thread = threading.Thread(target=self._loop, name="annotate-progress", daemon=True)
        if self.path is not None:
            self._thread.start()

    def _snapshot(self, state: str) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "state": state,
            "started": self._started,
            "updated": _now(),
            **self._figures(),
            "report": self._report,
        }

    def _loop(self) -> None:
        assert self.path is not None
        while True:
            start = time.thread_time()  # CPU, not wall: waiting for the GIL is not the snapshot's cost
            try:
                self._report = status_report(self._cur)
                write_progress(self.path, self._snapshot("running"))
            except Exception as exc:  # progress is a courtesy: it must never stop the run
                self.errors.append(f"{type(exc).__name__}: {exc}")
            self.snapshots += 1
            self.cpu_s = time.thread_time()
            if self._stop.wait(max(self._interval, (time.thread_time() - start) / BUDGET)):
                return

    def close(self, state: str) -> None:
        """Stop publishing and leave the run's final ``state`` (finished/interrupted/failed)."""
        self._stop.set()
        if self.path is None:
            return
        self._thread.join()
        with contextlib.suppress(duckdb.Error):
            self._cur.close()
        with contextlib.suppress(OSError):
            write_progress(self.path, self._snapshot(state))


def _run_view(run: dict[str, Any], state: str) -> dict[str, Any]:
    view = {k: v for k, v in run.items() if k != "report"}
    view["state"] = state
    return view


def live_status(db: str | Path | None = None, *, wait: float | None = None) -> dict[str, Any]:
    """What ``annotate status`` shows: the store's report, or a live run's last snapshot of it.

    Tries the database without waiting; while it is busy, a snapshot is used only if its run is
    alive and is the lock holder (a run that is finishing has published another state: wait for
    the file then). The answer's ``run`` says which (``None``: no run ever published here).
    Raises :class:`StoreBusy` after ``wait`` s (``ANNOTATE_DB_WAIT``, default 5) of neither.
    """
    if isinstance(url := store_url(db), str):  # a lake: its readers never wait for its writers
        con = connect(url, read_only=True)
        try:
            return {**status_report(con), "run": None}
        finally:
            con.close()
    target = db_path(db)
    if wait is None:
        wait = float(os.environ.get("ANNOTATE_DB_WAIT", "5"))
    deadline = time.monotonic() + wait
    while True:
        run = read_progress(target)
        try:
            con = connect(target, read_only=True, wait=0)
            break
        except StoreBusy as exc:
            if (
                run is not None
                and run.get("state") == "running"
                and isinstance(run.get("report"), dict)
                and exc.pid in (None, run["pid"])
                and pid_alive(run["pid"])
            ):
                return {**run["report"], "run": _run_view(run, "running")}
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
    try:
        report = status_report(con)
    finally:
        con.close()
    if run is not None:
        # nobody holds the file, so a run that still says "running" died without closing
        report["run"] = _run_view(run, "stopped" if run.get("state") == "running" else str(run.get("state")))
    else:
        report["run"] = None
    return report
