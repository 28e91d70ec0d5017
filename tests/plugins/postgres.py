"""A throwaway PostgreSQL for the session (``postgres_server``), shared by the team Label Studio
and the team store tests: ``initdb`` + ``pg_ctl`` as the ``postgres`` user (it refuses to run as
root) on 127.0.0.1 and a free port, stopped by the PID it records. Each test module makes its own
role and database on it with :meth:`PostgresServer.new_database`; roles log in by password over
TCP, so the password really travels.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotate.labelstudio.server import free_port
from annotate.processes import alive


@dataclass(frozen=True)
class Postgres:
    """One database on the session's server, and the role that owns it."""

    bin: Path
    host: str
    port: int
    user: str
    password: str
    dbname: str
    pid: int

    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    def conninfo(self) -> str:
        """libpq key=value form, as ``ducklake:postgres:<conninfo>`` takes it."""
        return f"host={self.host} port={self.port} user={self.user} password={self.password} dbname={self.dbname}"

    def query(self, sql: str) -> str:
        """``sql`` through psql over TCP as this database's role (password from PGPASSWORD)."""
        env = {**os.environ, "PGPASSWORD": self.password}
        args = ["-h", self.host, "-p", str(self.port), "-U", self.user, "-d", self.dbname, "-XAtq"]
        out = subprocess.run([str(self.bin / "psql"), *args, "-c", sql], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()


@dataclass(frozen=True)
class PostgresServer:
    bin: Path
    socket_dir: Path
    port: int
    pid: int
    as_postgres: tuple[str, ...]

    def new_database(self, user: str, dbname: str) -> Postgres:
        """A role with a random password owning a new database (the password goes on stdin, not argv)."""
        password = secrets.token_urlsafe(18)
        sql = f"CREATE ROLE {user} LOGIN PASSWORD '{password}';\nCREATE DATABASE {dbname} OWNER {user};\n"
        psql = [*self.as_postgres, str(self.bin / "psql"), "-h", str(self.socket_dir), "-p", str(self.port),
                "-U", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"]  # fmt: skip
        subprocess.run(psql, input=sql, text=True, check=True, capture_output=True)
        return Postgres(self.bin, "127.0.0.1", self.port, user, password, dbname, self.pid)


def _bin_dir() -> Path:
    """Where initdb and pg_ctl are (Debian keeps them out of PATH)."""
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for d in candidates:
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    raise RuntimeError("PostgreSQL (initdb, pg_ctl) is not installed: `make postgres` installs it")


def start_postgres() -> PostgresServer:
    """Start a throwaway server (also used by ``bench/bench_team_store.py``); stop it with :func:`stop_postgres`."""
    bindir = _bin_dir()
    as_pg = ("runuser", "-u", "postgres", "--") if os.geteuid() == 0 else ()
    base = Path(tempfile.mkdtemp(prefix="annotate-pg-"))  # not under pytest's tmp: root-only
    if as_pg:
        shutil.chown(base, "postgres")
    data, port = base / "data", free_port()
    subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", "--no-sync",
                    "--auth-local=trust", "--auth-host=scram-sha-256"], check=True, capture_output=True)  # fmt: skip
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={base} -c fsync=off"
    subprocess.run([*as_pg, str(bindir / "pg_ctl"), "start", "-w", "-D", str(data), "-l", str(base / "log"),
                    "-o", opts], check=True, capture_output=True)  # fmt: skip
    pid = int((data / "postmaster.pid").read_text().split()[0])
    return PostgresServer(bindir, base, port, pid, as_pg)


def stop_postgres(server: PostgresServer) -> None:
    os.kill(server.pid, signal.SIGINT)  # "fast" shutdown of the postmaster we started
    deadline = time.monotonic() + 30
    while alive(server.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    shutil.rmtree(server.socket_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        stop_postgres(server)
