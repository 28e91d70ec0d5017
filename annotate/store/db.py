"""Opening the DuckDB review store: path resolution, the single-writer lock, and migrations.

DuckDB lets one process write a database file. Rather than a traceback, a second ``annotate``
process waits a little for the lock and then says which process holds it.
"""

from __future__ import annotations

import os
import re
import time
from importlib import resources
from pathlib import Path

import duckdb

DEFAULT_DB = "review.duckdb"
_LOCK_PID = re.compile(r"held in (.*?) \(PID (\d+)\)")


class StoreError(Exception):
    """A store problem a user can act on; ``str()`` is one line."""


class StoreBusy(StoreError):
    """Another process holds the database's write lock; ``pid`` is that process when DuckDB says.

    ``annotate status`` compares it with the PID a running prelabel published, so a progress
    file left by a killed run is never taken for the holder's.
    """

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


def db_path(path: str | Path | None = None) -> Path:
    """``--db`` beats ``ANNOTATE_DB`` beats ``./review.duckdb``."""
    return Path(path or os.environ.get("ANNOTATE_DB") or DEFAULT_DB)


def migrations() -> list[tuple[int, str, str]]:
    """The numbered migration files, in order: ``(number, name, sql)``."""
    out = []
    folder = resources.files("annotate.store") / "migrations"
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this database has not seen; each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for number, name, sql in migrations():
        if number in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def connect(
    path: str | Path | None = None, *, read_only: bool = False, wait: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating if needed) the store, waiting up to ``wait`` s for the lock."""
    target = db_path(path)
    if wait is None:
        wait = float(os.environ.get("ANNOTATE_DB_WAIT", "5"))
    if read_only and not target.exists():
        read_only = False  # nothing to read yet: create it so readers see an empty, valid store
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(target), read_only=read_only)
            break
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise StoreError(f"{target}: cannot open database ({message.splitlines()[0]})") from exc
            if time.monotonic() >= deadline:
                m = _LOCK_PID.search(message)
                who = f"process {m.group(2)} ({Path(m.group(1)).name})" if m else "another process"
                raise StoreBusy(
                    f"{target} is in use by {who}; wait for it to finish or use --db for another file",
                    int(m.group(2)) if m else None,
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as exc:
            raise StoreError(f"{target}: cannot open database ({str(exc).splitlines()[0]})") from exc
    if not read_only:
        migrate(con)
    return con
