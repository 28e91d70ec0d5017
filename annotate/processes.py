"""Local server processes the tool starts and stops (Label Studio, the local LLM).

Both are run the way one runs a database server: detached in their own session, bound to
127.0.0.1, their PID and port kept in a state file readable only by the owner. Only the process
recorded there — and the process group it leads — is ever stopped, and only after its command
line shows it is still the program we started (PIDs get reused).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

HOST = "127.0.0.1"


class ServiceError(Exception):
    """A local-server problem the user can act on; ``str()`` is one line."""


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def write_private(path: Path, data: dict) -> None:
    """Write a file only the owner can read, without a window where it is world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def free_port(preferred: int | None = None) -> int:
    """``preferred`` if it is free (a stable URL across restarts), else one the OS picks."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            # Like the server itself: a port whose last connections are in TIME_WAIT is free.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise ServiceError("no free TCP port on 127.0.0.1")


def alive(pid: int | None) -> bool:
    """Whether ``pid`` is a live process (a zombie child of ours is not)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def runs(pid: int, needles: Sequence[str]) -> bool:
    """Guard against PID reuse: the process's command line mentions one of ``needles``."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return any(n in cmdline for n in needles)


def start_detached(cmd: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a server in its own session (so stopping its group stops its children), output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop(pid: int, grace: float = 20.0) -> None:
    """SIGTERM the process group ``pid`` leads, then SIGKILL after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                waited, _ = os.waitpid(pid, os.WNOHANG)
                if waited == pid:
                    return
            except ChildProcessError:
                pass
            if not alive(pid):
                return
            time.sleep(0.2)


def stop_recorded(state_file: Path, needles: Sequence[str]) -> bool:
    """Stop the server whose PID ``state_file`` records, if it still runs one of ``needles``.

    The PID is then forgotten (the port is kept, for a stable URL on the next start). Returns
    whether a process was stopped.
    """
    state = read_json(state_file)
    pid = state.get("pid")
    stopped = False
    if pid and alive(pid) and runs(pid, needles):
        stop(pid)
        stopped = True
    if state:
        state.pop("pid", None)
        write_private(state_file, state)
    return stopped
