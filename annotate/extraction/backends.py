"""Pick the extraction backend: the LLM when an endpoint is configured, else the offline rules.

``auto`` means: ``OPENAI_BASE_URL`` or ``OPENAI_API_KEY`` set -> LLM; otherwise the rules
pre-labeler, so that a fresh checkout without any model still produces pre-annotations. The choice
is said once on stderr, because a silent fallback would make a run look like an LLM run.

Backends are plug-ins: every ``annotate.backends`` entry point (this package declares ``llm`` and
``rules``) names a factory that takes the backend options as keywords and returns a
:class:`~annotate.extraction.base.Backend`. The two built-ins are also known here by name, so a
checkout put on the path without being installed still has them.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from annotate.extraction.base import Backend
from annotate.genre_sources import BACKEND_GROUP

BUILTIN = {"llm": "annotate.extraction.llm:LLMBackend", "rules": "annotate.extraction.rules:RulesBackend"}
_announced: set[str] = set()


class BackendError(Exception):
    """An unknown backend name (one line)."""


def llm_configured() -> bool:
    return bool(os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY"))


def backend_names() -> dict[str, str]:
    """Every backend by name -> its factory (``module:attribute``); plug-ins may not replace a built-in."""
    found = {ep.name: ep.value for ep in entry_points(group=BACKEND_GROUP)}
    return {**found, **BUILTIN}


def _factory(name: str, ref: str) -> Callable[..., Backend]:
    module, _, attr = ref.partition(":")
    try:
        return getattr(importlib.import_module(module.strip()), attr.strip())
    except (ImportError, AttributeError) as exc:
        raise BackendError(f"backend plug-in {name!r} ({ref}) cannot be loaded: {exc}") from exc


def choose_backend(name: str = "auto", *, announce: bool = True, **options: Any) -> Backend:
    """A backend by name (``auto`` picks ``llm`` or ``rules``). ``options`` go to the LLM backend
    (``LLMSettings`` fields) or a plug-in's factory; the offline rules take none."""
    known = backend_names()
    if name != "auto" and name not in known:
        raise BackendError(f"unknown backend {name!r}; choose one of auto, {', '.join(sorted(known))}")
    chosen = name
    if name == "auto":
        chosen = "llm" if llm_configured() else "rules"
    factory = _factory(chosen, known[chosen])
    # The offline rules take no options: an LLM option given to ``auto`` is moot when it falls back.
    backend: Backend = factory() if chosen == "rules" else factory(**options)
    describe = getattr(backend, "describe", None)
    line = describe() if callable(describe) else f"{chosen} backend ({known[chosen]})"
    if announce and line not in _announced:
        _announced.add(line)
        reason = " (auto)" if name == "auto" else ""
        print(f"annotate: using {line}{reason}", file=sys.stderr)
    return backend
