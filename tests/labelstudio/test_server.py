"""The local server: installed into its own venv, bound to 127.0.0.1, secrets kept private, idempotent."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from annotate.cli import app
from annotate.labelstudio import server
from annotate.labelstudio.client import LabelStudioError, resolve
from annotate.processes import alive

pytestmark = pytest.mark.labelstudio


def _root(info: server.ServerInfo) -> Path:
    return info.data_dir.parent


def test_server_answers_on_loopback_with_generated_credentials(label_studio: server.ServerInfo) -> None:
    assert label_studio.url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{label_studio.url}/health", timeout=5).json() == {"status": "UP"}
    creds = _root(label_studio) / "credentials.json"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    data = json.loads(creds.read_text())
    assert data["password"] == label_studio.password and len(data["token"]) >= 32
    port = int(label_studio.url.rsplit(":", 1)[1])
    listening = _listeners(port)
    assert listening and all(addr == "127.0.0.1" for addr in listening)


def _listeners(port: int) -> list[str]:
    """Local addresses of the IPv4/IPv6 sockets listening on ``port`` (from /proc/net)."""
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                out.append(socket.inet_ntoa(bytes.fromhex(addr)[::-1]) if len(addr) == 8 else addr)
    return out


def test_up_on_a_running_server_just_reports_it(label_studio: server.ServerInfo) -> None:
    again = server.up(_root(label_studio))
    assert (again.url, again.pid, again.token) == (label_studio.url, label_studio.pid, label_studio.token)
    assert server.status(_root(label_studio)).running


def test_cli_up_and_status_report_the_running_server(
    label_studio: server.ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANNOTATE_HOME", str(_root(label_studio).parent))
    monkeypatch.setattr(server, "home", lambda base=None: _root(label_studio))
    res = CliRunner().invoke(app, ["ls", "up"])
    assert res.exit_code == 0, res.output
    assert label_studio.url in res.stdout and label_studio.password in res.stdout
    res = CliRunner().invoke(app, ["ls", "status", "--json"])
    shown = json.loads(res.stdout)
    assert shown["running"] and shown["pid"] == label_studio.pid
    assert label_studio.password not in res.stdout and label_studio.token not in res.stdout


def test_local_server_is_the_default_connection(
    label_studio: server.ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    conn = resolve(_root(label_studio))
    assert (conn.url, conn.api_key, conn.local) == (label_studio.url, label_studio.token, True)
    assert label_studio.token not in repr(conn)
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://team.example:8080")
    with pytest.raises(LabelStudioError, match="both"):
        resolve(_root(label_studio))


def test_busy_port_is_not_used(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        assert server.free_port(busy) != busy


def test_down_stops_only_our_process_and_up_restarts_with_the_same_credentials(
    label_studio: server.ServerInfo, ls_client: Any
) -> None:
    """Runs last (file order): restarts the session server on the same port (~5 s)."""
    root = _root(label_studio)
    assert server.down(root) is True
    assert not alive(label_studio.pid)
    assert not server.status(root).running
    assert server.down(root) is False
    again = server.up(root, port=int(label_studio.url.rsplit(":", 1)[1]))
    assert again.url == label_studio.url and again.token == label_studio.token and again.pid != label_studio.pid
    assert ls_client.whoami()["email"] == label_studio.username
