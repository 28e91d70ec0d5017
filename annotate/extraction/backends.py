"""Pick the extraction backend: the LLM when an endpoint is configured, else the offline rules.

``auto`` means: ``OPENAI_BASE_URL`` or ``OPENAI_API_KEY`` set -> LLM; otherwise the rules
pre-labeler, so that a fresh checkout without any model still produces pre-annotations. The choice
is said once on stderr, because a silent fallback would make a run look like an LLM run.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from annotate.extraction.base import Backend

BACKENDS = ("auto", "llm", "rules")
_announced: set[str] = set()


class BackendError(Exception):
    """An unknown backend name (one line)."""


def llm_configured() -> bool:
    return bool(os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY"))


def choose_backend(name: str = "auto", *, announce: bool = True, **llm_options: Any) -> Backend:
    """``auto`` | ``llm`` | ``rules`` -> a Backend. ``llm_options`` override ``LLMSettings`` fields."""
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    chosen = name
    if name == "auto":
        chosen = "llm" if llm_configured() else "rules"
    backend: Backend
    if chosen == "llm":
        from annotate.extraction.llm import LLMBackend

        backend = LLMBackend(**llm_options)
        line = backend.describe()
    else:
        from annotate.extraction.rules import RulesBackend  # written by the rules helper

        backend = RulesBackend()
        line = "rules backend: offline pre-labeler (set OPENAI_BASE_URL or OPENAI_API_KEY to use an LLM)"
    if announce and line not in _announced:
        _announced.add(line)
        reason = " (auto)" if name == "auto" else ""
        print(f"annotate: using {line}{reason}", file=sys.stderr)
    return backend
