"""Install and run a local Label Studio, the way one runs a local database server.

Label Studio is an application with its own pinned dependencies (it pins ``label-studio-sdk``
exactly and pulls ~1 GB), so it gets its own virtual environment (``.ls-venv``) instead of sharing
the tool's. Its data lives under ``.annotate/label-studio/`` in the working directory
(``ANNOTATE_HOME`` overrides ``.annotate``) together with a credentials file readable only by the
owner; the admin password and API token are generated at first start because a fixed default
password on a server holding a team's documents is a leak waiting to happen.

Only the process recorded in the PID file (and the process group it leads) is ever stopped.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
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

__all__ = ["HOST", "ServerError", "ServerInfo", "down", "ensure_installed", "free_port", "status", "up"]

LS_VERSION = "1.23.2"
ADMIN_USER = "admin@annotate.local"
_NEEDLES = ("label-studio", "label_studio")


@dataclass(frozen=True)
class ServerInfo:
    url: str
    username: str
    password: str
    token: str
    pid: int | None
    running: bool
    data_dir: Path

    def public(self) -> dict[str, object]:
        """What ``ls status`` may show without revealing the secrets."""
        return {"url": self.url, "username": self.username, "pid": self.pid, "running": self.running,
                "data_dir": str(self.data_dir)}  # fmt: skip


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


def ensure_installed(venv: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Create ``venv`` and pip-install the pinned Label Studio into it unless it is already there.

    Takes ~50 s and ~1 GB the first time; every later call is a version check. A half-finished
    install (killed run) is detected by the version check and redone.
    """
    venv = venv or venv_dir()
    if _installed_version(venv) == LS_VERSION:
        return venv
    python = shutil.which("python3") or sys.executable
    log(f"installing label-studio=={LS_VERSION} into {venv} (first time only, ~1 min)")
    steps = [
        [python, "-m", "venv", "--clear", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"label-studio=={LS_VERSION}"],
    ]  # fmt: skip
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ServerError(f"installing Label Studio failed: {' '.join(cmd[:3])}…: {tail[0]}")
    if _installed_version(venv) != LS_VERSION:
        raise ServerError(f"installing Label Studio into {venv} did not produce label-studio {LS_VERSION}")
    return venv


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
                      pid if alive(pid) else None, running, root / "data")  # fmt: skip


def _server_env(root: Path, creds: dict) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("USERNAME", "PASSWORD", "PORT", "HOST")}
    env.pop("LABEL_STUDIO_URL", None)
    env.pop("LABEL_STUDIO_API_KEY", None)
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(root / "data"),
        LABEL_STUDIO_USERNAME=creds["username"],
        LABEL_STUDIO_PASSWORD=creds["password"],
        LABEL_STUDIO_USER_TOKEN=creds["token"],
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def up(root: Path | None = None, *, venv: Path | None = None, port: int | None = None, timeout: float = 240.0,
       log: Callable[[str], None] = print) -> ServerInfo:  # fmt: skip
    """Start the local server (installing it if needed), or report the one already running."""
    root = root or home()
    current = status(root)
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
    port = free_port(port or state.get("port"))
    url = f"http://{HOST}:{port}"
    (root / "data").mkdir(parents=True, exist_ok=True)
    cmd = [str(_executable(venv)), "start", "--no-browser", "--internal-host", HOST, "--port", str(port)]
    proc = start_detached(cmd, cwd=root, env=_server_env(root, creds), log=root / "server.log")
    write_private(root / "server.json", {"pid": proc.pid, "port": port, "url": url, "started": time.time()})
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise ServerError(f"Label Studio exited with code {proc.returncode}; see {root / 'server.log'}")
        if _answers(url, creds["token"], creds["username"]):
            return ServerInfo(url, creds["username"], creds["password"], creds["token"], proc.pid, True, root / "data")
        time.sleep(0.5)
    stop(proc.pid)
    raise ServerError(f"Label Studio did not answer at {url} within {timeout:.0f} s; see {root / 'server.log'}")


def down(root: Path | None = None) -> bool:
    """Stop the server this data dir started (by its recorded PID); False if none was running."""
    return stop_recorded((root or home()) / "server.json", _NEEDLES)
