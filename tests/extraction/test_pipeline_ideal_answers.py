"""Pipeline tests: each seed through the full extraction path (prompt rendering, real HTTP, parse,
chunk, merge, ground), served the *ideal* model's answers, compared field by field with the
hand-written expected record; every span must align.

The test server answers with ``tests/fixtures/seeds/<stem>/responses``: for each chunk, the items of
``expected.json`` whose text lies in it (``tests.support.ideal_responses``). So the comparison is
exact, and these tests say nothing about the prompts — they pass whatever a prompt says. What a
real model answers is tested in ``test_prompt_cassettes.py`` (recorded) and ``test_live.py`` (live).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from annotate.core.grounding import check_invariant
from annotate.documents import load_document
from annotate.extraction.llm import LLMBackend, LLMSettings
from annotate.extraction.pipeline import extract_document
from annotate.schema_registry import get_schema
from tests.support.ideal_responses import offline_responses, seed_cases
from tests.support.openai_server import OpenAITestServer

ROOT = Path(__file__).resolve().parents[2]
CASES = list(seed_cases(ROOT / "tests" / "fixtures" / "seeds", ROOT / "seeds"))


def diff(got: Any, want: Any, path: str = "") -> list[str]:
    """Paths where two records differ, field by field (lists item by item)."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for key in sorted(set(want) | set(got)):
            out += diff(got.get(key), want.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(want, list) and isinstance(got, list):
        out = [f"{path}: {len(got)} items, expected {len(want)}"] if len(got) != len(want) else []
        for i, (g, w) in enumerate(zip(got, want, strict=False)):
            out += diff(g, w, f"{path}[{i}]")
        return out
    return [] if got == want else [f"{path}: got {got!r}, expected {want!r}"]


def test_every_seed_has_fixtures() -> None:
    assert len(CASES) == 5, [c[0] for c in CASES]


@pytest.mark.parametrize(("stem", "seed", "folder"), CASES, ids=[c[0] for c in CASES])
def test_seed_extracts_as_expected_from_ideal_answers(stem: str, seed: Path, folder: Path, llm_server: OpenAITestServer) -> None:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    spec = get_schema(meta["schema"])
    expected = spec.model.model_validate(json.loads((folder / "expected.json").read_text(encoding="utf-8")))
    expected_record = expected.model_dump(mode="json")
    responses = sorted((folder / "responses").glob("chunk-*.json"))
    doc = load_document(seed)
    backend = LLMBackend(LLMSettings(base_url=llm_server.base_url, api_key="k", model="test-model"))

    async def go() -> Any:
        try:
            return await extract_document(doc, "auto", backend)
        finally:
            await backend.aclose()

    result = asyncio.run(go())
    stats = llm_server.stats()
    assert (stats["fixture_hits"], stats["echo"]) == (len(responses), 0), "every chunk answered from its reference"
    assert result.schema_name == spec.name
    assert result.doc_id == doc.doc_id
    problems = diff(result.record, expected_record)
    assert not problems, "\n".join(problems[:20])
    assert result.groundings, "no evidence grounded"
    unaligned = [g.path for g in result.groundings if not g.aligned]
    assert not unaligned, f"{len(unaligned)} unaligned: {unaligned[:10]}"
    assert check_invariant(doc.text, result.groundings) == []
    assert result.confidence > 0.95  # every value aligned, every token near-certain (the server says -0.02)
    if spec.name == "task_progress":
        assert [item["seq"] for item in result.record["items"]] == list(range(1, 137))


@pytest.mark.parametrize(("stem", "seed", "folder"), CASES, ids=[c[0] for c in CASES])
def test_reference_responses_are_current(stem: str, seed: Path, folder: Path) -> None:
    """The ideal answers must match expected.json and today's chunking (else regenerate them)."""
    files = sorted((folder / "responses").glob("chunk-*.json"))
    stored = [json.loads(p.read_text(encoding="utf-8")) for p in files]
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    spec = get_schema(meta["schema"])
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    fresh = offline_responses(load_document(seed), spec, expected, LLMBackend(LLMSettings()))
    hint = "stale: run `python -m tests.support.ideal_responses`"
    assert [(s["chunk_sha256"], s["record"]) for s in stored] == [(f["chunk_sha256"], f["record"]) for f in fresh], hint
