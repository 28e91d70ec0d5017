"""Install and run a local Label Studio, the way one runs a local database server.

Label Studio is an application with its own pinned dependencies (it pins ``label-studio-sdk``
exactly and pulls ~1 GB), so it gets its own virtual environment (``.ls-venv``) instead of sharing
the tool's. Its data lives under ``.annotate/label-studio/`` in the working directory
(``ANNOTATE_HOME`` overrides ``.annotate``) together with a credentials file readable only by the
owner; the admin password and API token are generated at first start because a fixed default
password on a server holding a team's documents is a leak waiting to happen.

The install uses uv when there is one (``make`` puts it in ``.venv``; ~40 s instead of pip's ~3 min)
and then applies Label Studio's ~400 database migrations once, into a template database that every
fresh data dir starts from: migrations are most of a first start, so ``up`` on a new data dir (a
new project, each test session) takes seconds instead of minutes. The estimates the messages give
are the constants below, measured on a 2-core machine (README, "First run").

``up(postgres=…)`` runs it on a PostgreSQL database instead (a team's server; see
:mod:`annotate.labelstudio.server_db`): the conninfo, without its password, is remembered in the
state file so a later ``up`` comes back on the same database.

Only the process recorded in the PID file (and the process group it leads) is ever stopped.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from annotate.processes import (
    HOST,
    alive,
    free_port,
    read_json,
    runs,
    start_detached,
    stop,
    stop_recorded,
    write_private,
)
from annotate.processes import ServiceError as ServerError

from . import server_db

__all__ = [
    "HOST",
    "ServerError",
    "ServerInfo",
    "about",
    "down",
    "ensure_installed",
    "free_port",
    "installer",
    "start_estimate",
    "status",
    "up",
]

LS_VERSION = "1.23.2"
ADMIN_USER = "admin@annotate.local"
_NEEDLES = ("label-studio", "label_studio")
_DB = "label_studio.sqlite3"

# What the messages promise, in seconds, measured on a 2-core machine with other work running
# (README, "First run", has the commands): the install with each installer (cold package cache),
# preparing the template database (Python compiling Label Studio's modules + ~400 migrations), a
# start on a data dir that has its database, and one whose database Label Studio must migrate
# itself (no template: a venv installed before templates existed).
INSTALL_SECONDS = {"uv": 40, "pip": 190}
PREPARE_SECONDS = 90
START_SECONDS = 20
MIGRATING_START_SECONDS = 90


def about(seconds: float) -> str:
    """``~40 s`` under two minutes, else ``~3 min``: how the messages say an estimate."""
    return f"~{seconds:.0f} s" if seconds < 120 else f"~{seconds / 60:.0f} min"


@dataclass(frozen=True)
class ServerInfo:
    url: str
    username: str
    password: str
    token: str
    pid: int | None
    running: bool
    data_dir: Path
    database: str = "SQLite"  # or the PostgreSQL conninfo without its password

    def public(self) -> dict[str, object]:
        """What ``ls status`` may show without revealing the secrets."""
        return {"url": self.url, "username": self.username, "pid": self.pid, "running": self.running,
                "data_dir": str(self.data_dir), "database": self.database}  # fmt: skip


def home(base: Path | None = None) -> Path:
    """``<ANNOTATE_HOME or ./.annotate>/label-studio``: per project, like the DuckDB file."""
    root = base or Path(os.environ.get("ANNOTATE_HOME") or Path.cwd() / ".annotate")
    return Path(root) / "label-studio"


def venv_dir() -> Path:
    return Path(os.environ.get("ANNOTATE_LS_VENV") or Path.cwd() / ".ls-venv")


def _executable(venv: Path) -> Path:
    return venv / "bin" / "label-studio"


def _installed_version(venv: Path) -> str | None:
    py = venv / "bin" / "python"
    if not py.exists() or not _executable(venv).exists():
        return None
    out = subprocess.run(
        [str(py), "-c", "import importlib.metadata as m; print(m.version('label-studio'))"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return out.stdout.strip() if out.returncode == 0 else None


def _uv() -> str | None:
    """uv beside this Python (``make`` installs it into ``.venv``) or on PATH; None: use pip."""
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


def installer() -> str:
    """``uv`` or ``pip``: which one ``ensure_installed`` will use (and so which estimate holds)."""
    return "uv" if _uv() else "pip"


def _pip_install(venv: Path, uv: str | None) -> list[str]:
    """The command that installs packages into ``venv`` (append the specs)."""
    if uv:
        return [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    return [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]


def _install_steps(venv: Path, python: str, uv: str | None) -> list[list[str]]:
    spec = f"label-studio=={LS_VERSION}"
    if uv:  # uv does not compile bytecode: Python does it for the modules Label Studio imports
        return [
            [uv, "venv", "--quiet", "--clear", "--no-python-downloads", "--python", python, str(venv)],
            [*_pip_install(venv, uv), spec],
        ]
    return [[python, "-m", "venv", "--clear", str(venv)], [*_pip_install(venv, None), spec]]


def ensure_installed(venv: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Create ``venv`` with the pinned Label Studio and its template database unless it is there.

    Takes ``INSTALL_SECONDS + PREPARE_SECONDS`` and ~1 GB the first time; every later call is a
    version check. A half-finished install (killed run) is detected by the version check and redone.
    """
    venv = venv or venv_dir()
    if _installed_version(venv) == LS_VERSION:
        return venv
    python = shutil.which("python3") or sys.executable
    uv = _uv()
    how = "uv" if uv else "pip"
    log(f"installing label-studio=={LS_VERSION} into {venv} with {how} "
        f"(first time only, {about(INSTALL_SECONDS[how])})")  # fmt: skip
    for cmd in _install_steps(venv, python, uv):
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ServerError(f"installing Label Studio failed: {' '.join(cmd[:3])}…: {tail[0]}")
    if _installed_version(venv) != LS_VERSION:
        raise ServerError(f"installing Label Studio into {venv} did not produce label-studio {LS_VERSION}")
    log(f"preparing Label Studio's database (first time only, {about(PREPARE_SECONDS)})")
    _prepare_template(venv, log)
    return venv


def template(venv: Path) -> Path:
    """The database with every migration applied that a fresh data dir starts from (per install)."""
    return venv / "annotate-template" / _DB


# What ``label-studio start`` does first, without serving: set Django up, apply the migrations.
_MIGRATE = "from label_studio.server import _setup_env as s, _apply_database_migrations as m; s(); m()"


def _prepare_template(venv: Path, log: Callable[[str], None]) -> None:
    """Let Label Studio migrate an empty data dir once and keep its database as the template.

    It runs the two steps ``label-studio start`` begins with (Django set-up, then the migrations)
    and exits. The database then holds only the schema (no user, no secret key: that is in the
    data dir's ``.env``, not copied). A failure is not fatal: without a template, Label Studio
    migrates each new data dir itself at its first start.
    """
    target = template(venv)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        env = _server_env(Path(work), None)
        env["LABEL_STUDIO_BASE_DATA_DIR"] = work
        proc = subprocess.run([str(venv / "bin" / "python"), "-c", _MIGRATE], cwd=work, env=env,
                              capture_output=True, text=True, check=False)  # fmt: skip
        made = Path(work) / _DB
        if proc.returncode != 0 or not made.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            log(f"could not prepare Label Studio's database ({tail[0]}); its first start will migrate it")
            return
        os.replace(made, target)


def _seed_database(root: Path, venv: Path) -> None:
    """A data dir without a database gets a copy of the install's template (if there is one)."""
    db, source = root / "data" / _DB, template(venv)
    if not db.exists() and source.is_file():
        tmp = db.with_suffix(".tmp")
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o600)
        tmp.replace(db)


def _start_seconds(root: Path, venv: Path) -> float:
    migrated = (root / "data" / _DB).exists() or template(venv).is_file()
    return START_SECONDS if migrated else MIGRATING_START_SECONDS


def start_estimate(root: Path | None = None, venv: Path | None = None) -> float:
    """Seconds ``up`` is expected to take from here (install included), for the messages."""
    root, venv = root or home(), venv or venv_dir()
    if _installed_version(venv) != LS_VERSION:
        return INSTALL_SECONDS[installer()] + PREPARE_SECONDS + START_SECONDS
    return _start_seconds(root, venv)


def credentials(root: Path) -> dict:
    """The admin credentials of this data dir, generated (and saved chmod 600) the first time."""
    path = root / "credentials.json"
    creds = read_json(path)
    if not {"username", "password", "token"} <= creds.keys():
        creds = {
            "username": ADMIN_USER,
            "password": secrets.token_urlsafe(12),
            "token": secrets.token_hex(20),
        }
        write_private(path, creds)
    elif path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return creds


def _answers(url: str, token: str, username: str, timeout: float = 3.0) -> bool:
    """True when OUR server answers at ``url``: health is up and the token logs in as our admin."""
    try:
        if httpx.get(f"{url}/health", timeout=timeout).status_code != 200:
            return False
        r = httpx.get(f"{url}/api/current-user/whoami", headers={"Authorization": f"Token {token}"}, timeout=timeout)
        return r.status_code == 200 and r.json().get("email") == username
    except (httpx.HTTPError, ValueError):
        return False


def status(root: Path | None = None) -> ServerInfo:
    root = root or home()
    state = read_json(root / "server.json")
    creds = read_json(root / "credentials.json")
    pid = state.get("pid")
    url = state.get("url", "")
    running = bool(pid and alive(pid) and url and _answers(url, creds.get("token", ""), creds.get("username", "")))
    return ServerInfo(url, creds.get("username", ""), creds.get("password", ""), creds.get("token", ""),
                      pid if alive(pid) else None, running, root / "data",
                      state.get("postgres") or "SQLite")  # fmt: skip


def _server_env(root: Path, creds: dict | None, pg: server_db.Postgres | None = None) -> dict[str, str]:
    """Label Studio's environment; ``creds`` None: no admin user (preparing the template).

    No database, Redis or RQ variable of ours reaches it: SQLite in the data dir, or ``pg``.
    """
    env = server_db.scrub({k: v for k, v in os.environ.items() if k not in ("USERNAME", "PASSWORD", "PORT", "HOST")})
    for name in (
        "LABEL_STUDIO_URL",
        "LABEL_STUDIO_API_KEY",
        "LABEL_STUDIO_USERNAME",
        "LABEL_STUDIO_PASSWORD",
        "LABEL_STUDIO_USER_TOKEN",
    ):
        env.pop(name, None)
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(root / "data"),
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(pg.env() if pg else {"DJANGO_DB": "sqlite"})
    if creds:
        env.update(
            LABEL_STUDIO_USERNAME=creds["username"],
            LABEL_STUDIO_PASSWORD=creds["password"],
            LABEL_STUDIO_USER_TOKEN=creds["token"],
        )
    return env


def _on_postgres(venv: Path, root: Path, pg: server_db.Postgres, log: Callable[[str], None]) -> float:
    """Driver installed, database reachable: the start estimate (a first start migrates it)."""
    server_db.ensure_driver(venv, _pip_install(venv, _uv()), log)
    migrated = server_db.is_migrated(venv, _server_env(root, None, pg), pg)
    if not migrated:
        log(f"first start on PostgreSQL {pg.public()}: Label Studio creates its tables there "
            f"({about(server_db.MIGRATING_SECONDS)})")  # fmt: skip
    return START_SECONDS if migrated else server_db.MIGRATING_SECONDS


def up(root: Path | None = None, *, venv: Path | None = None, port: int | None = None, timeout: float = 240.0,
       postgres: str | None = None, log: Callable[[str], None] = print) -> ServerInfo:  # fmt: skip
    """Start the local server (installing it if needed), or report the one already running.

    ``postgres``: a libpq conninfo or URL to run on instead of SQLite; None: the database this data
    dir last ran on (its conninfo, without password, is in ``server.json``), else SQLite.
    """
    root = root or home()
    current = status(root)
    if current.running and postgres and server_db.parse(postgres).public() != current.database:
        raise ServerError(f"Label Studio is already running at {current.url} on {current.database}; "
                          "run `annotate ls down` first")  # fmt: skip
    if current.running:
        return current
    if current.pid and runs(current.pid, _NEEDLES):
        raise ServerError(
            f"Label Studio process {current.pid} is running but does not answer at {current.url}; "
            "wait for it or run `annotate ls down`"
        )
    venv = ensure_installed(venv, log=log)
    creds = credentials(root)
    state = read_json(root / "server.json")
    pg = server_db.parse(postgres or state["postgres"]) if postgres or state.get("postgres") else None
    port = free_port(port or state.get("port"))
    url = f"http://{HOST}:{port}"
    (root / "data").mkdir(parents=True, exist_ok=True)
    if pg:
        estimate = _on_postgres(venv, root, pg, log)
    else:
        estimate = _start_seconds(root, venv)
        _seed_database(root, venv)
    log(f"starting Label Studio at {url} ({about(estimate)})")
    cmd = [str(_executable(venv)), "start", "--no-browser", "--internal-host", HOST, "--port", str(port)]
    proc = start_detached(cmd, cwd=root, env=_server_env(root, creds, pg), log=root / "server.log")
    database = pg.public() if pg else "SQLite"
    write_private(root / "server.json", {"pid": proc.pid, "port": port, "url": url, "started": time.time(),
                                         **({"postgres": database} if pg else {})})  # fmt: skip
    started = time.monotonic()
    said = 0.0
    while (waited := time.monotonic() - started) < timeout:
        if proc.poll() is not None:
            raise ServerError(f"Label Studio exited with code {proc.returncode}; see {root / 'server.log'}")
        if _answers(url, creds["token"], creds["username"]):
            return ServerInfo(url, creds["username"], creds["password"], creds["token"], proc.pid, True, root / "data",
                              database)  # fmt: skip
        if waited - said >= 30:  # a plain line now and then: no tty shows a spinner
            said = waited
            log(f"Label Studio still starting ({waited:.0f} s of {about(estimate)}; log: {root / 'server.log'})")
        time.sleep(0.5)
    stop(proc.pid)
    raise ServerError(f"Label Studio did not answer at {url} within {timeout:.0f} s; see {root / 'server.log'}")


def down(root: Path | None = None) -> bool:
    """Stop the server this data dir started (by its recorded PID); False if none was running."""
    return stop_recorded((root or home()) / "server.json", _NEEDLES)
