"""The project's OpenAI-compatible test server for the test session (real HTTP on 127.0.0.1).

* ``openai_server`` (session): one server for the whole session, serving the reference responses
  under ``tests/fixtures`` (``**/responses/*.json``) and echo records for anything else.
* ``llm_server`` (function): the same server with faults, latency and statistics reset before and
  after the test, so a test that injects faults cannot leak them into the next one.
* ``llm_env`` (function): ``OPENAI_BASE_URL``/``OPENAI_API_KEY``/``ANNOTATE_MODEL`` pointing at it,
  for code that reads the environment (the CLI, ``choose_backend("auto")``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.openai_server import OpenAITestServer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
TEST_API_KEY = "sk-test-annotate-0123456789"
TEST_MODEL = "annotate-test-model"


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
