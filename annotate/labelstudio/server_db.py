"""Label Studio on PostgreSQL: ``annotate ls up --postgres <conninfo>`` for a team's server.

Label Studio reads its database from ``DJANGO_DB=default`` and ``POSTGRE_NAME``/``USER``/
``PASSWORD``/``HOST``/``PORT``; this module turns a libpq conninfo (``host=… dbname=…`` or a
``postgresql://`` URL) into those variables and nothing else.

The password is a secret of the team's database, so it is never written: the state file keeps the
conninfo *without* it (:meth:`Postgres.public`), and the server gets it only through its
environment. It comes from the conninfo when one is given there; otherwise ``POSTGRE_PASSWORD`` is
left empty, Django then passes no password and libpq finds it itself in ``PGPASSWORD`` or
``~/.pgpass`` — which is also how a later plain ``ls up`` reconnects to the remembered database.

The Community edition has no job workers: if it saw a Redis server it would queue jobs nobody runs
(Label Studio PR #8884). :func:`scrub` drops every Redis/RQ and database variable Label Studio
could read (it looks each name up bare and with ``LABEL_STUDIO_``/``HEARTEX_`` in front) before
the chosen database's variables are set.
"""

from __future__ import annotations

import getpass
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from annotate.processes import ServiceError

__all__ = ["MIGRATING_SECONDS", "Postgres", "ensure_driver", "is_migrated", "parse", "scrub"]

# Seconds of a first start on an empty PostgreSQL database: Label Studio applies its ~400
# migrations there itself (a SQLite template cannot be copied into PostgreSQL). Measured on a
# 2-core machine with a test run beside it (README, "Team Label Studio"): 58-65 s, most of it
# the migrations (a start on a migrated database takes ~10 s).
MIGRATING_SECONDS = 65

# Conninfo keys Label Studio's settings have no slot for, passed as the libpq variables libpq
# reads itself (so sslmode and friends still work).
_LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
}
_KEYS = {"host", "port", "dbname", "user", "password", *_LIBPQ_ENV}
_PREFIXES = ("LABEL_STUDIO_", "HEARTEX_", "")
_SCRUBBED = ("DJANGO_DB", "DATABASE_NAME", "POSTGRE_", "MYSQL_", "REDIS", "RQ_")
_PAIR = re.compile(r"\s*(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']+)\s*")
_USAGE = "--postgres: expected a libpq conninfo ('host=… port=… dbname=… user=…') or a postgresql:// URL"
_DRIVER = "psycopg[binary]>=3.1.8,<4"  # what Django 5 needs; Label Studio itself does not pin one


@dataclass(frozen=True)
class Postgres:
    """One PostgreSQL database for Label Studio; ``password`` None: libpq looks it up."""

    host: str
    port: int
    dbname: str
    user: str
    password: str | None = field(default=None, repr=False)
    extra: tuple[tuple[str, str], ...] = ()

    def public(self) -> str:
        """The conninfo without the password: what state files and messages may hold."""
        pairs = [("host", self.host), ("port", str(self.port)), ("dbname", self.dbname), ("user", self.user)]
        return " ".join(f"{k}={_quote(v)}" for k, v in [*pairs, *self.extra])

    def env(self) -> dict[str, str]:
        """The variables that put Label Studio (and the probe) on this database."""
        env = {
            "DJANGO_DB": "default",
            "POSTGRE_NAME": self.dbname,
            "POSTGRE_USER": self.user,
            "POSTGRE_PASSWORD": self.password or "",  # empty: libpq reads PGPASSWORD / ~/.pgpass
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
        }
        env.update({_LIBPQ_ENV[k]: v for k, v in self.extra})
        return env


def _quote(value: str) -> str:
    if value and not re.search(r"[\s'\\]", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pairs(conninfo: str) -> list[tuple[str, str]]:
    if conninfo.startswith(("postgresql://", "postgres://")):
        url = urlsplit(conninfo)
        try:
            port = url.port
        except ValueError:
            raise ServiceError(_USAGE) from None
        pairs = [("host", unquote(url.hostname or "")), ("port", str(port or "")),
                 ("dbname", unquote(url.path.lstrip("/"))), ("user", unquote(url.username or "")),
                 ("password", unquote(url.password or ""))]  # fmt: skip
        return [(k, v) for k, v in pairs if v] + parse_qsl(url.query)
    pairs, pos = [], 0
    while pos < len(conninfo.rstrip()):
        m = _PAIR.match(conninfo, pos)
        if not m:
            raise ServiceError(_USAGE)  # the text is not echoed: it may hold the password
        value = m.group(2)
        if value.startswith("'"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        pairs.append((m.group(1), value))
        pos = m.end()
    return pairs


def parse(conninfo: str) -> Postgres:
    """A conninfo or URL -> :class:`Postgres`; what it leaves out comes from PGHOST etc., as in libpq."""
    values = dict(_pairs(conninfo.strip()))
    unknown = sorted(set(values) - _KEYS)
    if unknown:
        raise ServiceError(
            f"--postgres: Label Studio cannot use {', '.join(unknown)} (it takes {', '.join(sorted(_KEYS))})"
        )
    user = values.get("user") or os.environ.get("PGUSER") or getpass.getuser()
    port = values.get("port") or os.environ.get("PGPORT") or "5432"
    if not port.isdigit():
        raise ServiceError(f"--postgres: port must be a number, not {port!r}")
    return Postgres(
        host=values.get("host") or os.environ.get("PGHOST") or "localhost",
        port=int(port),
        dbname=values.get("dbname") or os.environ.get("PGDATABASE") or user,
        user=user,
        password=values.get("password") or None,
        extra=tuple((k, v) for k, v in values.items() if k in _LIBPQ_ENV),
    )


def scrub(env: dict[str, str]) -> dict[str, str]:
    """``env`` without any database, Redis or RQ setting Label Studio would read."""

    def read_by_ls(name: str) -> bool:
        bare = next(name[len(p) :] for p in _PREFIXES if name.startswith(p))
        return bare.startswith(_SCRUBBED)

    return {k: v for k, v in env.items() if not read_by_ls(k)}


# Run by the Label Studio venv's Python with the database in its environment (never in argv,
# which every user can read): exit 4 without a driver, 3 with libpq's one-line error.
_IMPORT = """
import os, sys
try:
    import psycopg as db
except ImportError:
    try:
        import psycopg2 as db
    except ImportError:
        sys.exit(4)
"""
_PROBE = (
    _IMPORT
    + """
e = os.environ
kw = dict(host=e["POSTGRE_HOST"], port=e["POSTGRE_PORT"], dbname=e["POSTGRE_NAME"], user=e["POSTGRE_USER"])
if e.get("POSTGRE_PASSWORD"):
    kw["password"] = e["POSTGRE_PASSWORD"]
try:
    con = db.connect(**kw)
    cur = con.cursor()
    cur.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
    print(cur.fetchone()[0])
    con.close()
except db.Error as exc:
    lines = [x.strip() for x in str(exc).splitlines() if x.strip()]
    print(lines[-1] if lines else type(exc).__name__)
    sys.exit(3)
"""
)


def _probe(venv: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "python"), "-c", _PROBE], env=env, capture_output=True, text=True,
                          check=False, timeout=60)  # fmt: skip


def ensure_driver(venv: Path, install: list[str], log: Callable[[str], None]) -> None:
    """Install a PostgreSQL driver into Label Studio's venv if it has neither psycopg nor psycopg2.

    ``install`` is the installer command (uv or pip, as for Label Studio itself) without the package.
    """
    check = subprocess.run([str(venv / "bin" / "python"), "-c", _IMPORT], capture_output=True, text=True, check=False)
    if check.returncode != 4:
        return
    log(f"installing the PostgreSQL driver ({_DRIVER}) into {venv}")
    proc = subprocess.run([*install, _DRIVER], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ServiceError(f"installing {_DRIVER} into {venv} failed: {tail[0]}")


def is_migrated(venv: Path, env: dict[str, str], pg: Postgres) -> bool:
    """Whether Label Studio has already migrated this database; one line if it cannot be reached."""
    proc = _probe(venv, env)
    if proc.returncode == 0:
        return proc.stdout.strip() == "True"
    if proc.returncode == 3:
        said = proc.stdout.strip() or "no answer"
        hint = "" if pg.password else " (password: from PGPASSWORD or ~/.pgpass)"
        raise ServiceError(f"cannot connect to PostgreSQL {pg.public()}{hint}: {said}")
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
    raise ServiceError(f"checking PostgreSQL {pg.public()} failed: {tail[0]}")
