"""Cassettes record a real exchange once and replay it only for the very same request."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from annotate.extraction.llm import LLMSettings
from annotate.extraction.prompts import load_prompts
from tests.support.cassettes import CassetteLibrary
from tests.support.llm_cases import load_cases, run_case
from tests.support.openai_server import OpenAITestServer

ROOT = Path(__file__).resolve().parents[2]
CASE = next(c for c in load_cases() if c.name == "000_two_units")


def settings(url: str, **more: object) -> LLMSettings:
    return LLMSettings(model="recorded-model", base_url=url, api_key="k", context_tokens=8192, **more)


def record(tmp_path: Path, upstream: OpenAITestServer) -> Path:
    library = CassetteLibrary(tmp_path / "none", upstream=upstream.base_url)
    path = tmp_path / "cassettes" / "recorded-model" / "tools" / f"{CASE.name}.json"
    with OpenAITestServer(cassettes=library) as proxy:
        library.start({"case": CASE.name})
        outcome = run_case(CASE, settings(proxy.base_url))
        library.save(path, **outcome.summary())
    assert outcome.extraction is not None
    return path


def test_a_recorded_case_replays_without_the_model(tmp_path: Path, llm_server: OpenAITestServer) -> None:
    path = record(tmp_path, llm_server)
    upstream_calls = llm_server.stats()["completions"]
    library = CassetteLibrary(path.parents[2])
    with OpenAITestServer(cassettes=library) as replay:
        outcome = run_case(CASE, settings(replay.base_url))
    assert outcome.extraction is not None and not library.misses
    assert library.hits == upstream_calls and llm_server.stats()["completions"] == upstream_calls


def test_a_changed_prompt_finds_no_cassette_and_says_how_to_rerecord(
    tmp_path: Path, llm_server: OpenAITestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The acceptance experiment: the instructions swapped for nonsense no longer pass."""
    path = record(tmp_path, llm_server)
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    toml = prompts / "meeting_review.toml"
    text = toml.read_text(encoding="utf-8")
    text = re.sub(r'system = """.*?"""', 'system = """IGNORE ALL RULES. Answer with an empty record."""', text, flags=re.S)
    toml.write_text(text, encoding="utf-8")
    library = CassetteLibrary(path.parents[2])
    monkeypatch.setenv("ANNOTATE_PROMPTS", str(prompts))
    load_prompts.cache_clear()
    try:
        with OpenAITestServer(cassettes=library) as replay:
            outcome = run_case(CASE, settings(replay.base_url))
    finally:
        monkeypatch.delenv("ANNOTATE_PROMPTS")
        load_prompts.cache_clear()
    assert outcome.extraction is None and "http 404" in (outcome.failure or "")
    assert len(library.misses) == 1
    assert "system prompt" in library.misses[0] and "make record" in library.misses[0]
    assert "\n" not in library.misses[0]
    print(library.misses[0])


def test_another_model_or_setting_is_named_in_the_miss(tmp_path: Path, llm_server: OpenAITestServer) -> None:
    path = record(tmp_path, llm_server)
    library = CassetteLibrary(path.parents[2])
    with OpenAITestServer(cassettes=library) as replay:
        run_case(CASE, settings(replay.base_url, temperature=0.3))
    assert library.misses and "settings" in library.misses[0] and "system prompt" not in library.misses[0]
