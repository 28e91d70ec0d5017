"""The local instruct model for the test session: built, downloaded and served like ``annotate llm up``.

Tests marked ``live`` ask it for real. The slow first-time set-up (compiling llama.cpp, ~8.5 min
on 2 cores; downloading 1.1 GB, ~1 min) starts in a background thread as soon as the session
starts, so it overlaps the rest of the suite; the live tests are moved to the end of the run and
wait for it. The server gets a temporary home and a free port, and is stopped by its PID when the
session ends. ``-m "not live"`` skips all of it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotate.localmodel import runtime, server, weights
from annotate.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
_PREPARED: dict[str, object] = {}
_THREAD: threading.Thread | None = None
BACKGROUND_NICE = 19


def _venv() -> Path:
    return Path(os.environ.get("ANNOTATE_LLM_VENV") or ROOT / ".llm-venv")


def _prepare() -> None:
    # Lowest CPU priority for this thread and the build it starts (Linux sets niceness per thread, and
    # children inherit it): the set-up runs beside the first tests, whose clients have short timeouts,
    # and must take only the CPU they leave idle.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
    started = time.monotonic()
    try:
        runtime.ensure_runtime(_venv(), log=lambda m: print(f"[local-llm] {m}", flush=True))
        weights.ensure_weights()
        _PREPARED["seconds"] = time.monotonic() - started
    except Exception as exc:  # reported by the fixture, in the tests that need it
        _PREPARED["error"] = exc


@pytest.hookimpl(trylast=True)  # after -m/-k deselection: no build when no live test is left
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Live tests last (the set-up has the rest of the run to finish), and the set-up started now."""
    global _THREAD
    live = [i for i in items if i.get_closest_marker("live")]
    if not live:
        return
    items[:] = [i for i in items if not i.get_closest_marker("live")] + live
    _THREAD = threading.Thread(target=_prepare, name="local-llm-setup", daemon=True)
    _THREAD.start()


@pytest.fixture(scope="session")
def local_llm_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's local model keeps its state (``ANNOTATE_HOME``-style: ``<home>/llm``)."""
    return tmp_path_factory.mktemp("local-llm-home")


@pytest.fixture(scope="session")
def local_llm(local_llm_home: Path) -> Iterator[server.LocalModelInfo]:
    """A running local model: ``.base_url``, ``.model``, ``.context``, ``.pid``."""
    if _THREAD is not None:
        _THREAD.join()
    if "error" in _PREPARED:
        raise RuntimeError(f"setting up the local model failed: {_PREPARED['error']}")
    home = server.home(local_llm_home)
    info = server.up(home, venv=_venv(), port=free_port(), log=lambda m: print(f"[local-llm] {m}"))
    try:
        yield info
    finally:
        server.down(home)
