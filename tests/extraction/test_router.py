"""The router: right and sure on all five seeds; unsure on a weak document, where the LLM decides."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from annotate.documents import load_document
from annotate.extraction.base import ExtractContext, ExtractStats
from annotate.extraction.llm import LLMBackend, LLMSettings
from annotate.extraction.router import classify, route
from tests.support.openai_server import OpenAITestServer

SEED_DIRS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "seeds").glob("0*"))


@pytest.mark.parametrize("folder", SEED_DIRS, ids=lambda p: p.name)
def test_keywords_route_every_seed_surely(folder: Path, seeds_dir: Path) -> None:
    want = json.loads((folder / "meta.json").read_text(encoding="utf-8"))["schema"]
    doc = load_document(next(seeds_dir.glob(folder.name + ".*")))
    schema, score, unsure = classify(doc.text)
    assert schema == want
    assert not unsure
    assert score > 0


def test_weak_document_is_unsure_without_llm(fixtures_dir: Path) -> None:
    doc = load_document(fixtures_dir / "router" / "ambiguous.txt")
    result = asyncio.run(route(doc, backend=None))
    assert result.unsure
    assert result.method == "keywords"
    assert "UNSURE" in result.explain()


def test_unsure_document_is_routed_by_the_llm(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    doc = load_document(fixtures_dir / "router" / "ambiguous.txt")
    backend = LLMBackend(LLMSettings(base_url=llm_server.base_url, api_key="k", model="m"))
    stats = ExtractStats()
    result = asyncio.run(route(doc, backend, ExtractContext(), stats))
    assert (result.schema, result.unsure, result.method) == ("public_report", False, "llm")
    assert stats.calls == 1
    assert llm_server.stats()["fixture_hits"] == 1


def test_sure_documents_make_no_llm_call(seeds_dir: Path, llm_server: OpenAITestServer) -> None:
    backend = LLMBackend(LLMSettings(base_url=llm_server.base_url, api_key="k", model="m"))
    for path in sorted(seeds_dir.glob("*.txt")):
        result = asyncio.run(route(load_document(path), backend))
        assert result.method == "keywords"
    assert llm_server.stats()["completions"] == 0
