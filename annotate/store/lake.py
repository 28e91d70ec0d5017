"""The team store: the same tables in a DuckLake catalog several processes write at once.

``--db ducklake:postgres:<libpq conninfo>`` (Parquet files under ``ANNOTATE_DATA_PATH``) or
``--db ducklake:<catalog file>`` (one process, like a DuckDB file, but with snapshots). Measured
facts behind the design are in ``docs/team-store.md``; in short:

* DuckLake has no keys, ``UNIQUE`` or sequences, so nothing in the lake keeps a key unique, and
  two transactions that update one table abort at commit. Every write of every process therefore
  runs under one PostgreSQL advisory lock (:func:`write_lock`): writes are milliseconds next to a
  document's LLM calls, so the processes still work in parallel, and under the lock an upsert
  (``MERGE``) is exact. Readers take no lock: a DuckLake reader sees the last committed snapshot.
* The lake is opened as the connection's *default* database (``duckdb.connect("ducklake:…")``),
  not ``ATTACH`` + ``USE``: ``USE`` is per connection and the store's cursors would not see it.
* The extensions come from pip packages (``annotate[team]``), built for DuckDB 1.5.5 only; they
  are copied once into an extension directory of our own, the Postgres one under the file name
  DuckDB derives its entry point from (``postgres_scanner``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

PREFIX = "ducklake:"
LOCK_KEY = 0x616E6E6F  # "anno": the advisory lock every annotate writer of one catalog shares
INSTALL_HINT = "pip install 'annotate[team]' (DuckDB 1.5.5 with its DuckLake and Postgres extensions)"
_EXTENSIONS = {"ducklake": "duckdb_extension_ducklake", "postgres_scanner": "duckdb_extension_postgres"}


class LakeError(Exception):
    """A team-store problem a user can act on; ``str()`` is one line."""


@dataclass(frozen=True)
class LakeURL:
    """``ducklake:postgres:<conninfo>`` or ``ducklake:<catalog file>``, and where its files go."""

    catalog: str
    data_path: str | None

    @property
    def postgres(self) -> bool:
        return self.catalog.startswith("postgres:")

    @property
    def conninfo(self) -> str:
        return self.catalog.removeprefix("postgres:")

    def __str__(self) -> str:
        """The URL without a password: what logs, errors and status may show."""
        return PREFIX + re.sub(r"(password\s*=\s*)\S+", r"\1***", self.catalog)


def is_lake_url(target: str | Path | None) -> bool:
    return isinstance(target, str) and target.startswith(PREFIX)


def parse(url: str, data_path: str | None = None) -> LakeURL:
    """``data_path`` (else ``ANNOTATE_DATA_PATH``) is required for a PostgreSQL catalog; a file
    catalog keeps its files beside it (``<file>.files/``) unless told otherwise."""
    catalog = url.removeprefix(PREFIX)
    if not catalog or catalog == "postgres:":
        raise LakeError(f"{url!r}: expected ducklake:postgres:<conninfo> or ducklake:<catalog file>")
    data = data_path or os.environ.get("ANNOTATE_DATA_PATH") or None
    if data is None and not catalog.startswith("postgres:"):
        data = catalog + ".files/"
    if data is not None and "://" not in data and not data.endswith("/"):
        data += "/"
    return LakeURL(catalog, data)


def extension_directory() -> Path:
    """DuckDB's layout (``v<version>/<platform>/<name>.duckdb_extension``) filled from the pip packages."""
    base = Path(os.environ.get("ANNOTATE_EXTENSION_DIR") or Path.home() / ".cache" / "annotate" / "duckdb-extensions")
    platform = duckdb.execute("PRAGMA platform").fetchone()[0]  # type: ignore[index]
    target = base / f"v{duckdb.__version__}" / platform
    for name, package in _EXTENSIONS.items():
        wanted = target / f"{name}.duckdb_extension"
        if wanted.is_file():
            continue
        spec = importlib.util.find_spec(package)
        found = (
            [
                f
                for d in spec.submodule_search_locations
                for f in Path(d).rglob(f"v{duckdb.__version__}/*.duckdb_extension")
            ]
            if spec and spec.submodule_search_locations
            else []
        )
        if not found:
            raise LakeError(f"the team store needs the {package} build for DuckDB {duckdb.__version__}: {INSTALL_HINT}")
        target.mkdir(parents=True, exist_ok=True)
        partial = wanted.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(found[0], partial)
        os.replace(partial, wanted)  # atomic: a concurrent first run never loads half a file
    return base


def _config(read_only: bool) -> dict[str, Any]:
    config: dict[str, Any] = {
        "extension_directory": str(extension_directory()),
        "autoinstall_known_extensions": False,  # never the network: the packages are the source
        "autoload_known_extensions": True,
    }
    if read_only:
        config["access_mode"] = "READ_ONLY"
    return config


def open_lake(lake: LakeURL, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the lake (created on first use with its data path).

    A PostgreSQL catalog is first attached under the writers' lock: two processes creating the
    same new catalog at once would both try to create DuckLake's metadata tables.
    """
    lake = _password_to_environment(lake)
    lock = _lock_for(lake.conninfo) if lake.postgres else None
    try:
        with lock.held() if lock is not None else contextlib.nullcontext():
            if lake.data_path is not None and not read_only:
                if "://" not in lake.data_path:
                    Path(lake.data_path).mkdir(parents=True, exist_ok=True)
                with duckdb.connect(":memory:", config=_config(False)) as boot:  # creates the catalog if new
                    boot.execute(
                        f"ATTACH '{PREFIX}{_quote(lake.catalog)}' AS lake (DATA_PATH '{_quote(lake.data_path)}')"
                    )
            con = duckdb.connect(PREFIX + lake.catalog, config=_config(read_only))
    except duckdb.Error as exc:
        raise LakeError(f"{lake}: cannot open the DuckLake catalog ({str(exc).splitlines()[0]})") from exc
    global _opened
    _opened = True
    if lock is not None:
        _LOCKS.setdefault(_database(con), lock)
    return con


def open_snapshot(lake: LakeURL, as_of: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection that sees one snapshot of the lake: ``as_of`` (a snapshot id, or a
    time: the last snapshot at or before it), else the newest. Exports read through this, so
    other processes' writes cannot land between an export's statements, and its manifest can
    name the snapshot (:func:`pinned_snapshot`) that reproduces it.

    Attached and ``USE``d rather than opened as the default database (a snapshot cannot be given
    that way): such a connection must not hand its work to cursors, which would not see the lake.
    """
    lake = _password_to_environment(lake)
    try:
        with duckdb.connect(PREFIX + lake.catalog, config=_config(True)) as latest:
            snapshot = _resolve(latest, as_of)
        con = duckdb.connect(":memory:", config=_config(False))
        con.execute(f"ATTACH '{PREFIX}{_quote(lake.catalog)}' AS lake (SNAPSHOT_VERSION {snapshot}, READ_ONLY)")
        con.execute("USE lake")
    except duckdb.Error as exc:
        raise LakeError(f"{lake}: cannot open the DuckLake catalog ({str(exc).splitlines()[0]})") from exc
    global _opened
    _opened = True
    _PINNED[con] = snapshot
    return con


def _resolve(con: duckdb.DuckDBPyConnection, as_of: str | None) -> int:
    snapshots = f"ducklake_snapshots('{_quote(_database(con))}')"
    if as_of is None:
        row = con.execute(f"SELECT max(snapshot_id) FROM {snapshots}").fetchone()
    elif as_of.strip().isdigit():
        row = con.execute(f"SELECT max(snapshot_id) FROM {snapshots} WHERE snapshot_id = ?", [int(as_of)]).fetchone()
    else:
        try:
            row = con.execute(
                f"SELECT max(snapshot_id) FROM {snapshots} WHERE snapshot_time <= ?::TIMESTAMPTZ", [as_of]
            ).fetchone()
        except duckdb.ConversionException as exc:
            raise LakeError(f"--as-of {as_of!r}: give a snapshot id or a time like 2026-12-01T09:00") from exc
    if not row or row[0] is None:
        raise LakeError(f"--as-of {as_of}: the lake has no such snapshot (annotate status lists the newest)")
    return int(row[0])


def pinned_snapshot(con: duckdb.DuckDBPyConnection) -> int | None:
    """The snapshot a connection from :func:`open_snapshot` sees (``None``: not pinned)."""
    return _PINNED.get(con)


_PINNED: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, int] = weakref.WeakKeyDictionary()
"""Weak: a closed connection's entry goes with it (an id could be reused by another)."""


def _password_to_environment(lake: LakeURL) -> LakeURL:
    """Move a conninfo's ``password=`` to ``PGPASSWORD`` (libpq reads it, for DuckDB and psycopg):
    DuckDB quotes the whole conninfo in its connection errors, which reach logs and failure rows."""
    conninfo = lake.conninfo
    found = re.search(r"(?:^|\s)password\s*=\s*(\S+)", conninfo) if lake.postgres else None
    if not found:
        return lake
    os.environ["PGPASSWORD"] = found.group(1)
    rest = " ".join((conninfo[: found.start()] + " " + conninfo[found.end() :]).split())
    return LakeURL("postgres:" + rest, lake.data_path)


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _database(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_database()").fetchone()[0])  # type: ignore[index]


class WriteLock:
    """One writer at a time across processes (PostgreSQL advisory lock) and threads (an RLock).

    Re-entrant, so a function that locks may be called inside a locked transaction. A killed
    process's lock ends with its PostgreSQL session: nobody waits for the dead.
    """

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._pg: Any = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            if self._depth == 0:
                self._session().execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._session().execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])

    def _session(self) -> Any:
        if self._pg is None or self._pg.closed:
            try:
                import psycopg
            except ImportError as exc:
                raise LakeError(f"the team store needs psycopg: {INSTALL_HINT}") from exc
            self._pg = psycopg.connect(self.conninfo, autocommit=True)
        return self._pg


_opened = False
"""Whether this process opened a lake at all: DuckDB-file runs skip every lake check."""
_LOCKS: dict[str, WriteLock] = {}
"""Per catalog (DuckDB's name for the lake database) this process opened."""


def _lock_for(conninfo: str) -> WriteLock:
    """This process's lock for a catalog: one PostgreSQL session however often the lake is opened."""
    return next((lock for lock in _LOCKS.values() if lock.conninfo == conninfo), None) or WriteLock(conninfo)


def write_lock(con: duckdb.DuckDBPyConnection) -> contextlib.AbstractContextManager[None]:
    """The writers' lock when ``con`` writes to a shared lake; nothing to take for a DuckDB file."""
    if not _LOCKS:
        return contextlib.nullcontext()
    lock = _LOCKS.get(_database(con))
    return lock.held() if lock is not None else contextlib.nullcontext()


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con``'s default database is a DuckLake catalog (file or PostgreSQL)."""
    if not _opened:
        return False
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return bool(row and row[0] == "ducklake")


# ------------------------------------------------------------------ the schema on a lake

_SEQUENCE = re.compile(r"^\s*CREATE SEQUENCE \w+;\s*$", re.M)
_SERIAL = re.compile(r"CREATE TABLE (\w+) \((?:\s*--[^\n]*)?\s*(\w+)\s+\w+\s+PRIMARY KEY DEFAULT nextval\('\w+'\)")
_TABLE_KEY = re.compile(r",\s*(?:--[^\n]*\n\s*)?(?:PRIMARY KEY|UNIQUE)\s*\([^)]*\)", re.M)


def lake_migration(sql: str) -> str:
    """A migration as DuckLake accepts it: no sequences, keys or ``UNIQUE`` (the writers' lock and
    ``MERGE`` keep keys unique instead; see the module docstring)."""
    sql = _SEQUENCE.sub("", sql)
    sql = re.sub(r"\s+DEFAULT nextval\('\w+'\)", "", sql)
    sql = _TABLE_KEY.sub("", sql)
    return re.sub(r"\s+(?:PRIMARY KEY|UNIQUE)(?=\s*[,\n-])", "", sql)


def serial_columns(migrations: list[str]) -> dict[str, str]:
    """Tables whose id a sequence makes in a DuckDB file: on a lake the writer makes it."""
    return {table: column for sql in migrations for table, column in _SERIAL.findall(sql)}
