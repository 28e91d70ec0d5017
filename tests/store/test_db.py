"""The store's connection layer: migrations converge, and a busy database is a clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from annotate.store.db import StoreBusy, connect, db_path, migrate, migrations


def _schema(path: Path) -> list[tuple[str, str, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_name <> 'schema_migrations' ORDER BY table_name, column_name"
        ).fetchall()
    finally:
        con.close()


def _applied(path: Path) -> list[int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    finally:
        con.close()


def test_fresh_database_gets_every_migration(db_path: Path) -> None:
    connect(db_path).close()
    assert _applied(db_path) == [number for number, _, _ in migrations()]
    tables = {t for t, _, _ in _schema(db_path)}
    assert {"documents", "llm_calls", "response_cache", "predictions", "failures", "gold", "quarantine"} <= tables


def test_reopening_applies_nothing_and_keeps_the_schema(db_path: Path) -> None:
    connect(db_path).close()
    before = _schema(db_path)
    con = connect(db_path)
    try:
        assert migrate(con) == []
    finally:
        con.close()
    assert _schema(db_path) == before


def test_an_old_database_converges_to_the_fresh_schema(tmp_path: Path) -> None:
    """A database made by the first migration only ends at the same schema as a fresh one."""
    fresh, old = tmp_path / "fresh.duckdb", tmp_path / "old.duckdb"
    connect(fresh).close()
    number, name, sql = migrations()[0]
    con = duckdb.connect(str(old))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    con.execute(sql)
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
    con.close()
    connect(old).close()
    assert _schema(old) == _schema(fresh)
    assert _applied(old) == _applied(fresh)


def test_db_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ANNOTATE_DB", raising=False)
    assert db_path() == Path("review.duckdb")
    monkeypatch.setenv("ANNOTATE_DB", str(tmp_path / "env.duckdb"))
    assert db_path() == tmp_path / "env.duckdb"
    assert db_path(tmp_path / "flag.duckdb") == tmp_path / "flag.duckdb"


def test_busy_database_names_the_holding_process(db_path: Path) -> None:
    connect(db_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from annotate.store.db import connect\n"
            "con = connect(sys.argv[1])\n"
            "print('READY', flush=True)\n"
            "time.sleep(60)\n",
            str(db_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "READY"
        with pytest.raises(StoreBusy) as info:
            connect(db_path, wait=0.3)
        message = str(info.value)
        assert "\n" not in message
        assert f"process {holder.pid}" in message
        assert str(db_path) in message
    finally:
        holder.kill()
        holder.wait()
    connect(db_path, wait=2).close()  # released: opens again, file intact


def test_tasks_pushed_before_pages_become_page_one_of_one(tmp_path: Path) -> None:
    """0003 re-keys ls_tasks by page; a store with tasks from before keeps them, as whole documents."""
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    for number, name, sql in migrations()[:2]:
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
    con.execute("INSERT INTO ls_tasks (server_url, project_id, task_id, doc_id, schema_name) VALUES ('u', 1, 7, 'd', 's')")
    con.close()
    connect(old).close()
    con = duckdb.connect(str(old), read_only=True)
    try:
        rows = con.execute("SELECT task_id, doc_id, page, pages, page_start, page_end FROM ls_tasks").fetchall()
    finally:
        con.close()
    assert rows == [(7, "d", 1, 1, 0, None)]
