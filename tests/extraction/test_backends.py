"""choose_backend: auto picks the LLM only when an endpoint is configured, and says so once."""

from __future__ import annotations

import pytest

from annotate.extraction.backends import BackendError, choose_backend

KEY = "sk-test-secret-do-not-print-4242"


def test_auto_without_endpoint_is_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert choose_backend("auto", announce=False).name == "rules"


def test_auto_with_endpoint_is_llm_and_said_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ANNOTATE_MODEL", "said-once-model")
    first = choose_backend("auto", mode="md_json")
    second = choose_backend("auto", mode="md_json")
    assert first.name == second.name == "llm"
    assert first.settings.mode == "md_json"  # type: ignore[attr-defined]
    err = capsys.readouterr().err
    assert err.count("said-once-model") == 1
    assert KEY not in err


def test_explicit_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert choose_backend("llm", announce=False).name == "llm"
    assert choose_backend("rules", announce=False).name == "rules"
    with pytest.raises(BackendError, match="unknown backend"):
        choose_backend("gpt")
    with pytest.raises(ValueError, match="unknown instructor mode"):
        choose_backend("llm", announce=False, mode="xml")
