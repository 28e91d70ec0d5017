"""The project's OpenAI-compatible test server for the test session (real HTTP on 127.0.0.1).

* ``openai_server`` (session): one server for the whole session, serving the reference responses
  under ``tests/fixtures`` (``**/responses/*.json``) and echo records for anything else.
* ``llm_server`` (function): the same server with faults, latency and statistics reset before and
  after the test, so a test that injects faults cannot leak them into the next one.
* ``llm_env`` (function): ``OPENAI_BASE_URL``/``OPENAI_API_KEY``/``ANNOTATE_MODEL`` pointing at it,
  for code that reads the environment (the CLI, ``choose_backend("auto")``).
* ``--record``: before the tests run, refresh the seed reference responses from the live model
  configured in the environment (``annotate.testing.record_fixtures``), instead of the offline
  ideal answers that are committed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotate.testing.openai_server import OpenAITestServer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
TEST_API_KEY = "sk-test-annotate-0123456789"
TEST_MODEL = "annotate-test-model"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record",
        action="store_true",
        default=False,
        help="refresh tests/fixtures/seeds/*/responses from the live model (OPENAI_BASE_URL/OPENAI_API_KEY)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--record", default=False):
        return
    if not (os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY")):
        raise pytest.UsageError("--record needs a live model: set OPENAI_BASE_URL and/or OPENAI_API_KEY")
    from annotate.testing.record_fixtures import record_all

    written = record_all(FIXTURES / "seeds", ROOT / "seeds", live=True)
    print(f"--record: refreshed reference responses {written}")


@pytest.fixture(scope="session")
def openai_server() -> Iterator[OpenAITestServer]:
    server = OpenAITestServer(FIXTURES, model=TEST_MODEL)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llm_server(openai_server: OpenAITestServer) -> Iterator[OpenAITestServer]:
    openai_server.reset()
    try:
        yield openai_server
    finally:
        openai_server.reset()


@pytest.fixture
def llm_env(llm_server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch) -> OpenAITestServer:
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("ANNOTATE_MODEL", TEST_MODEL)
    for name in ("ANNOTATE_LLM_MODE", "ANNOTATE_CHUNK_CHARS", "ANNOTATE_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return llm_server
