"""What shapes an LLM call, and how the chunk size and output budget follow from the model's context.

Configuration comes from ``OPENAI_BASE_URL``, ``OPENAI_API_KEY`` and ``ANNOTATE_MODEL`` (plus
``ANNOTATE_LLM_MODE``, ``ANNOTATE_CONTEXT_TOKENS``, ``ANNOTATE_CHUNK_CHARS``,
``ANNOTATE_LLM_TIMEOUT``, ``ANNOTATE_LLM_RETRIES``, ``ANNOTATE_CONFIDENCE``, ``ANNOTATE_CONCURRENCY``),
or from ``LLMSettings``.

Why a context size: a small local model has a small window (the local server runs 8,192 tokens),
and a request that does not fit fails with HTTP 400 after minutes of work. Given the window, each
call is sized so that prompt + chunk + a re-ask note + the answer always fit: the chunk gets its
share of what the fixed prompt leaves, and ``max_tokens`` is whatever the request leaves over.
Token counts are estimated with ``annotate.core.chunking.estimate_tokens``, which over-counts
Chinese for current tokenizers (measured: 3,495 estimated vs 2,804 real prompt tokens for seed
000), so the estimate errs on the side of fitting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from instructor import Mode

from annotate.core.chunking import DEFAULT_CHUNK_CHARS, DEFAULT_OVERLAP_CHARS

MODES: dict[str, Mode] = {
    "tools": Mode.TOOLS,
    "json": Mode.JSON,
    "json_schema": Mode.JSON_SCHEMA,
    "md_json": Mode.MD_JSON,
}
CONFIDENCE_METHODS = ("logprobs", "agreement", "none")
"""How a value's confidence is measured: the endpoint's token logprobs (one call); agreement of two
differently worded calls (for endpoints without logprobs; twice the calls); or alignment only."""
DEFAULT_MODEL = "gpt-4o-mini"

REASK_RESERVE_TOKENS = 600
"""Room kept in every request for a re-ask note (at most ``MAX_FAULTS_NAMED`` faults, values cut)."""
MAX_FAULTS_NAMED = 12
OUTPUT_PER_INPUT = 1.0
"""Answer tokens per chunk token budgeted when sizing chunks: a verbatim extraction copies at most
about its input (measured 0.55 on seed 000, estimated tokens), plus JSON keys."""
SAFETY_TOKENS = 128


@dataclass(frozen=True)
class LLMSettings:
    """Everything that shapes a call. ``api_key`` and ``base_url`` never enter logs or version keys.

    ``chunk_chars`` and ``max_tokens`` left at None are derived: from ``context_tokens`` when the
    model's window is known, else the chunk is ``DEFAULT_CHUNK_CHARS`` and the output unbounded.
    """

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str = "tools"
    temperature: float = 0.0
    max_tokens: int | None = None
    context_tokens: int | None = None
    max_retries: int = 2
    http_retries: int = 4
    timeout: float = 120.0
    chunk_chars: int | None = None
    overlap_chars: int = DEFAULT_OVERLAP_CHARS
    concurrency: int = 64
    confidence: str = "logprobs"
    mask_injections: bool = True
    """Mask passages that address the model ("忽略以上指令…") before it sees them (``core.injection``)."""
    backoff: float = 0.5
    """First retry delay in seconds when the server gives no Retry-After (doubles, capped at 8 s)."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown instructor mode {self.mode!r}; choose one of {', '.join(MODES)}")
        if self.confidence not in CONFIDENCE_METHODS:
            raise ValueError(f"unknown confidence method {self.confidence!r}; choose one of "
                             f"{', '.join(CONFIDENCE_METHODS)}")  # fmt: skip

    @classmethod
    def from_env(cls, **overrides: Any) -> LLMSettings:
        env = os.environ
        values: dict[str, Any] = {
            "model": env.get("ANNOTATE_MODEL") or DEFAULT_MODEL,
            "base_url": env.get("OPENAI_BASE_URL") or None,
            "api_key": env.get("OPENAI_API_KEY") or None,
            "mode": env.get("ANNOTATE_LLM_MODE") or "tools",
            "confidence": env.get("ANNOTATE_CONFIDENCE") or "logprobs",
        }
        for name, key, kind in (
            ("ANNOTATE_CHUNK_CHARS", "chunk_chars", int),
            ("ANNOTATE_CONTEXT_TOKENS", "context_tokens", int),
            ("ANNOTATE_LLM_TIMEOUT", "timeout", float),
            ("ANNOTATE_LLM_RETRIES", "max_retries", int),
            ("ANNOTATE_CONCURRENCY", "concurrency", int),
        ):
            if env.get(name):
                try:
                    values[key] = kind(env[name])
                except ValueError:
                    raise ValueError(f"{name}={env[name]!r} is not a number") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def generation(self) -> dict[str, Any]:
        """The settings that belong in the version key (what changes a prediction)."""
        out: dict[str, Any] = {
            "mode": self.mode,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "chunk_chars": self.chunk_chars or (None if self.context_tokens else DEFAULT_CHUNK_CHARS),
            "overlap_chars": self.overlap_chars,
            "confidence": self.confidence,
            "mask_injections": self.mask_injections,
        }
        if self.context_tokens:
            out["context_tokens"] = self.context_tokens
        return out


def chunk_budget(settings: LLMSettings, fixed_tokens: int) -> int:
    """Characters per chunk: the given budget, else what the context leaves for input, else the default.

    ``fixed_tokens`` is the estimated size of the request without the document.
    """
    if settings.chunk_chars:
        return settings.chunk_chars
    if not settings.context_tokens:
        return DEFAULT_CHUNK_CHARS
    room = settings.context_tokens - fixed_tokens - REASK_RESERVE_TOKENS - SAFETY_TOKENS
    chunk = int(room / (1 + OUTPUT_PER_INPUT))
    if chunk < 200:
        raise ValueError(
            f"a context of {settings.context_tokens} tokens leaves no room for the document after the "
            f"{fixed_tokens}-token prompt; use a larger context (ANNOTATE_CONTEXT_TOKENS)"
        )
    return chunk


def output_budget(settings: LLMSettings, request_tokens: int) -> int | None:
    """``max_tokens`` for one request: the given one, else all the context the request leaves.

    ``request_tokens`` is the estimated size of the whole request (``estimate_tokens``).
    """
    if settings.max_tokens or not settings.context_tokens:
        return settings.max_tokens
    return max(settings.context_tokens - request_tokens - SAFETY_TOKENS, 256)
