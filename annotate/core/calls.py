"""The record of one LLM attempt: a plain value shared by the extraction backends and the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class LLMCall:
    """One attempt at one chunk — failed attempts included. Never carries secrets."""

    doc_id: str
    chunk: int
    version_key: str
    attempt: int
    request: dict[str, Any]
    response: dict[str, Any] | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    run_id: str | None = None



