"""Opening the review store: path resolution, the single-writer lock, migrations, transactions.

DuckDB lets one process write a database file. Rather than a traceback, a second ``annotate``
process waits a little for the lock and then says which process holds it. ``--db ducklake:…``
opens the team store instead (``annotate.store.lake``): the same tables, many writers.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb

from annotate.store import lake

DEFAULT_DB = "review.duckdb"
LATEST = "latest"
"""``connect(as_of=LATEST)``: what exports read, one consistent snapshot of a lake."""
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


def store_url(path: str | Path | None = None) -> str | Path:
    """The store to open: a ``ducklake:`` URL as given, else the DuckDB file's path."""
    given = str(path) if path is not None else os.environ.get("ANNOTATE_DB")
    return given if lake.is_lake_url(given) else db_path(path)


def store_label(path: str | Path | None = None) -> str:
    """The store as reports and logs may name it: a lake URL's password is masked."""
    target = store_url(path)
    return str(lake.parse(target)) if isinstance(target, str) else str(target)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction; on a shared lake also the writers' lock, taken *before* it begins so the
    transaction reads what the previous writer committed (see ``annotate.store.lake``)."""
    with lake.write_lock(con):
        con.execute("BEGIN TRANSACTION")
        try:
            yield
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise


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
    """Apply the migrations this database has not seen; each in its own transaction.

    On a lake the same files run without keys and sequences, each under the writers' lock, so
    processes starting at once apply every migration exactly once.
    """
    on_lake = lake.is_lake(con)
    adapt = lake.lake_migration if on_lake else (lambda sql: sql)
    applied = []
    with lake.write_lock(con):
        con.execute(
            adapt(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied TIMESTAMP NOT NULL DEFAULT current_timestamp)"
            )
        )
        done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
        for number, name, sql in migrations():
            if number in done:
                continue
            with transaction(con):
                con.execute(adapt(sql))
                con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
            applied.append(name)
    return applied


def connect(
    path: str | Path | None = None, *, read_only: bool = False, wait: float | None = None, as_of: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating if needed) the store, waiting up to ``wait`` s for the lock.

    ``as_of`` (a lake's snapshot id or a time) opens the lake read-only as it was then;
    :data:`LATEST` pins a lake's newest snapshot and means nothing for a DuckDB file, which
    a read-only reader has to itself anyway.
    """
    url = store_url(path)
    if as_of == LATEST and not isinstance(url, str):
        as_of = None
    if as_of is not None and not isinstance(url, str):
        raise StoreError(f"--as-of needs a DuckLake store (ducklake:…); {url} is a DuckDB file, which keeps no snapshots")
    if isinstance(url, str):
        try:
            if as_of is not None:
                return lake.open_snapshot(lake.parse(url), None if as_of == LATEST else as_of)
            con = lake.open_lake(lake.parse(url), read_only=read_only)
            if not read_only:
                migrate(con)
        except lake.LakeError as exc:
            raise StoreError(str(exc)) from exc
        return con
    target = url
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
