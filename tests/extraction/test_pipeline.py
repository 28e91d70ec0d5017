"""extract_document: a forced schema is used as given; auto routes and reports the decision.

The backend gets the test server's answers through ``httpx.MockTransport`` (``answers.transport()``;
the server object is never started, so no socket). No test here stays on the socket: none is a
concurrency, timeout, kill or dropped-connection test (those are in ``tests/batch`` and ``test_faults.py``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from annotate.documents import load_document
from annotate.extraction.llm import LLMBackend, LLMSettings
from annotate.extraction.pipeline import extract_document
from annotate.extraction.router import Route
from annotate.schema_registry import SchemaError
from tests.support.openai_server import OpenAITestServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run(doc: Any, schema: str, backend: LLMBackend, routes: list[Route]) -> Any:
    async def go() -> Any:
        try:
            return await extract_document(doc, schema, backend, on_route=routes.append)
        finally:
            await backend.aclose()

    return asyncio.run(go())


@pytest.fixture
def answers() -> OpenAITestServer:
    """The test server's answers (the reference responses under tests/fixtures), never started."""
    return OpenAITestServer(FIXTURES)


@pytest.fixture
def backend(answers: OpenAITestServer) -> LLMBackend:
    settings = LLMSettings(base_url="http://llm.test/v1", api_key="k", model="m")
    return LLMBackend(settings, transport=answers.transport())


def test_forced_schema(fixtures_dir: Path, backend: LLMBackend) -> None:
    routes: list[Route] = []
    doc = load_document(fixtures_dir / "router" / "ambiguous.txt")
    result = run(doc, "task_progress", backend, routes)
    assert result.schema_name == "task_progress"
    assert [(r.schema, r.method) for r in routes] == [("task_progress", "forced")]


def test_auto_routes_an_unsure_document_through_the_llm(
    fixtures_dir: Path, backend: LLMBackend, answers: OpenAITestServer
) -> None:
    routes: list[Route] = []
    doc = load_document(fixtures_dir / "router" / "ambiguous.txt")
    result = run(doc, "auto", backend, routes)
    assert result.schema_name == "public_report"
    assert [(r.schema, r.method, r.unsure) for r in routes] == [("public_report", "llm", False)]
    assert answers.stats()["completions"] == 2  # the router call, then the extraction


def test_unknown_schema(fixtures_dir: Path, backend: LLMBackend) -> None:
    with pytest.raises(SchemaError, match="unknown schema"):
        run(load_document(fixtures_dir / "router" / "ambiguous.txt"), "nope", backend, [])
