"""A private OpenAI-compatible test server per test (faults configured here never leak into
other tests), and the environment that points the LLM backend at it with short timeouts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.openai_server import OpenAITestServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SECRET = "sk-annotate-test-SECRET-7d41c9"


@pytest.fixture
def llm_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAITestServer]:
    with OpenAITestServer(fixtures=FIXTURES) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        monkeypatch.setenv("ANNOTATE_LLM_TIMEOUT", "0.5")
        monkeypatch.delenv("ANNOTATE_MODEL", raising=False)
        yield server
