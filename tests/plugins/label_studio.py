"""A real Label Studio for the test session: its own venv, a temporary data dir, a random port.

One server for the whole session (first start ~20 s from the migrated database template the
install prepares, ~420 MB), started lazily by the first test that asks for it, and stopped by PID at the end. Tests that need it are marked ``labelstudio``.
The server is installed with the same code ``annotate ls up`` uses (into ``.ls-venv`` or
``ANNOTATE_LS_VENV``), so CI on a fresh machine exercises the install too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotate.labelstudio import server
from annotate.labelstudio.client import Connection, LSClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.ServerInfo]:
    """A running Label Studio: ``.url``, ``.username``, ``.password``, ``.token``, ``.pid``."""
    venv = Path(os.environ.get("ANNOTATE_LS_VENV") or ROOT / ".ls-venv")
    server.ensure_installed(venv, log=lambda m: print(f"[label-studio] {m}"))
    home = tmp_path_factory.mktemp("label-studio-home")
    info = server.up(home, venv=venv, port=server.free_port())
    try:
        yield info
    finally:
        server.down(home)


@pytest.fixture(scope="session")
def ls_client(label_studio: server.ServerInfo) -> LSClient:
    return LSClient(Connection(label_studio.url, label_studio.token))


@pytest.fixture
def ls_env(label_studio: server.ServerInfo, monkeypatch: pytest.MonkeyPatch) -> server.ServerInfo:
    """Point the CLI (push/pull) at the session server through the team-server variables."""
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
    return label_studio
