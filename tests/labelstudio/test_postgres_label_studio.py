"""A team's Label Studio on PostgreSQL: ``annotate ls up --postgres`` against a real, throwaway server.

The session starts its own PostgreSQL (``initdb`` + ``pg_ctl`` as the ``postgres`` user, since it
refuses to run as root, on 127.0.0.1 and a free port), with a role that logs in by password over
TCP, so the password really travels. The round trip is the team's: prelabel with the offline rules,
push for two annotators, two real users annotate through the API, pull. What makes it a PostgreSQL
test and not another SQLite one is read from PostgreSQL itself: Label Studio's tables, and the two
annotations, are rows in that database, and the data dir holds no SQLite file.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annotate.cli import app
from annotate.labelstudio import server, server_db
from annotate.labelstudio.client import Connection, LSClient
from annotate.processes import alive
from annotate.store import connect
from annotate.store.gold import latest_gold
from tests.labelstudio.test_two_annotators import _draft, _sign_up
from tests.plugins.postgres import Postgres, PostgresServer

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_bc3a7675d392fb2c.txt"
LEAKED = {"REDIS_URL": "redis://127.0.0.1:6379/0", "LABEL_STUDIO_REDIS_LOCATION": "redis://127.0.0.1:6379/1",
          "RQ_QUEUES": "default", "HEARTEX_REDIS_HOST": "127.0.0.1", "DJANGO_DB": "sqlite"}  # fmt: skip
"""Settings a shell might carry that must not reach the Community edition (no job workers: PR #8884)."""


@pytest.fixture(scope="module")
def postgres(postgres_server: PostgresServer) -> Postgres:
    """Label Studio's own role and database on the session's PostgreSQL."""
    return postgres_server.new_database("annotate_ls", "label_studio")


def _run(*args: str) -> Any:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res


def test_conninfo_and_url_give_label_studio_its_settings_and_keep_the_password_out_of_public() -> None:
    url = server_db.parse("postgresql://ls%40team:s%20cret@db.example:6543/labels?sslmode=require")
    kv = server_db.parse("host=db.example port=6543 dbname=labels user='ls@team' password='s cret' sslmode=require")
    assert url == kv and kv.password == "s cret"
    assert kv.env() == {"DJANGO_DB": "default", "POSTGRE_NAME": "labels", "POSTGRE_USER": "ls@team",
                        "POSTGRE_PASSWORD": "s cret", "POSTGRE_HOST": "db.example", "POSTGRE_PORT": "6543",
                        "PGSSLMODE": "require"}  # fmt: skip
    assert "cret" not in kv.public() and "cret" not in repr(kv)
    assert server_db.parse(kv.public()) == server_db.Postgres("db.example", 6543, "labels", "ls@team", None,
                                                              (("sslmode", "require"),))  # fmt: skip
    # no password given: an empty one, so Django passes none and libpq reads PGPASSWORD / ~/.pgpass
    assert server_db.parse(kv.public()).env()["POSTGRE_PASSWORD"] == ""
    with pytest.raises(server_db.ServiceError, match="cannot use hostaddr") as bad:
        server_db.parse("hostaddr=10.0.0.1 password=hunter2")
    assert "hunter2" not in str(bad.value)
    with pytest.raises(server_db.ServiceError, match="expected a libpq conninfo") as bad:
        server_db.parse("host=x password='hunter2")
    assert "hunter2" not in str(bad.value)


def test_label_studio_sees_no_redis_rq_or_database_setting_of_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = {"PATH": "/usr/bin", "PGPASSWORD": "x", "LABEL_STUDIO_BASE_DATA_DIR": "/d", "HOME": "/root"}
    assert server_db.scrub({**LEAKED, "POSTGRE_HOST": "h", "LABEL_STUDIO_DATABASE_NAME": "f", **kept}) == kept
    for name, value in {**LEAKED, "POSTGRE_PASSWORD": "p"}.items():
        monkeypatch.setenv(name, value)
    sqlite = server._server_env(Path("/tmp/x"), None)
    assert sqlite["DJANGO_DB"] == "sqlite" and not any("REDIS" in k or "POSTGRE" in k for k in sqlite)


@pytest.mark.labelstudio
def test_team_label_studio_on_postgres_two_annotators_push_pull(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = time.monotonic()
    home = tmp_path / "home"
    monkeypatch.setenv("ANNOTATE_HOME", str(home))
    monkeypatch.setenv("ANNOTATE_LS_VENV", os.environ.get("ANNOTATE_LS_VENV") or str(ROOT / ".ls-venv"))
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in LEAKED.items():
        monkeypatch.setenv(name, value)
    root = server.home()
    try:
        up_started = time.monotonic()
        res = _run("ls", "up", "--postgres", postgres.url())
        first_start = time.monotonic() - up_started
        print(f"\n[postgres] first Label Studio start on an empty PostgreSQL database: {first_start:.1f} s")
        info = server.status(root)
        assert info.running, info
        assert info.database == f"host=127.0.0.1 port={postgres.port} dbname=label_studio user=annotate_ls"
        tables = int(postgres.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
        assert tables > 50, f"{tables} tables in PostgreSQL: Label Studio's database is elsewhere"
        environ = dict(
            line.split("=", 1) for line in Path(f"/proc/{info.pid}/environ").read_text().split("\0") if "=" in line
        )
        assert environ["DJANGO_DB"] == "default" and environ["POSTGRE_PORT"] == str(postgres.port)
        assert not [k for k in environ if "REDIS" in k or k.endswith("RQ_QUEUES")], sorted(environ)
        # the password reached the server's environment and nowhere else: not the output, state, logs
        assert postgres.password not in res.output
        written = [p for p in home.rglob("*") if p.is_file() and postgres.password.encode() in p.read_bytes()]
        assert written == [], written
        assert not list(home.rglob("*.sqlite3")), "Label Studio fell back to SQLite"

        monkeypatch.setenv("LABEL_STUDIO_URL", info.url)
        monkeypatch.setenv("LABEL_STUDIO_API_KEY", info.token)
        db = tmp_path / "review.duckdb"
        _run("prelabel", str(SEED), "--backend", "rules", "--db", str(db))
        _run("push", "--db", str(db), "--annotators", "2")
        con = connect(db, read_only=True)
        ((project_id, task_id),) = con.execute("SELECT project_id, task_id FROM ls_tasks").fetchall()
        (doc_id,) = con.execute("SELECT DISTINCT doc_id FROM predictions").fetchone()
        con.close()

        a = LSClient(Connection(info.url, info.token))
        email_a = a.whoami()["email"]
        email_b, token_b = _sign_up(info.url, a)
        b = LSClient(Connection(info.url, token_b))
        (pred,) = [p for p in a.list_predictions(project_id) if p["task"] == task_id]
        a_ann = a.create_annotation(task_id, _draft(pred), lead_time=30.0, parent_prediction=pred["id"])
        assert b._raw("GET", f"api/projects/{project_id}/next")["id"] == task_id  # overlap 2: B gets it too
        mine = _draft(pred)
        # B reads the document differently: one item fewer in a list of strings (e.g. briefings[].points[])
        items = [r for r in mine if r["type"] == "labels" and re.search(r"\.\w+\[\]$", r["value"]["labels"][0])]
        assert items, [r["value"].get("labels") for r in mine]
        mine.remove(items[-1])
        b_ann = b.create_annotation(task_id, mine, lead_time=45.0, parent_prediction=pred["id"])
        assert a_ann["completed_by"] != b_ann["completed_by"]

        res = _run("pull", "--db", str(db))
        assert "2 gold" in res.output, res.output
        con = connect(db, read_only=True)
        versions = con.execute("SELECT version, annotator, annotation_id FROM gold WHERE doc_id = ? ORDER BY version",
                               [doc_id]).fetchall()  # fmt: skip
        gold = latest_gold(con, doc_id)
        con.close()
        assert versions == [(1, email_a, a_ann["id"]), (2, email_b, b_ann["id"])]
        assert gold is not None and (gold["annotator"], gold["annotation_id"]) == (email_b, b_ann["id"])

        # ...and all of it lives in PostgreSQL: the two annotations, both users, the task
        rows = postgres.query(f"SELECT completed_by_id, id FROM task_completion WHERE task_id = {task_id} ORDER BY id")
        assert rows.splitlines() == [f"{a_ann['completed_by']}|{a_ann['id']}", f"{b_ann['completed_by']}|{b_ann['id']}"]
        emails = postgres.query("SELECT email FROM htx_user ORDER BY id").splitlines()
        assert {email_a, email_b} <= set(emails), emails
        assert json.loads(postgres.query(f"SELECT data FROM task WHERE id = {task_id}"))
    finally:
        stopped = server.down(root)
        print(f"[postgres] test wall time: {time.monotonic() - started:.1f} s (Label Studio stopped: {stopped})")
    assert not alive(info.pid)
