"""The offline pre-labeler: deterministic rules per genre, behind the Backend protocol.

A genre names its rules in its schema file (``RULES``, a callable or ``"module:function"``); the
built-in genres point at the modules of this package. A genre without rules gets one clear line
saying so, and the LLM backend still serves it.

It exists so the product does its whole job without an API key, and so every prompt has a baseline
to be measured against. Its records have the same schema and the same groundings as the LLM's; its
version key carries a hash of this package's source, so changing a rule makes a new version that is
cached, pushed and evaluated like a new prompt would be.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from annotate.core.evidence import iter_evidence
from annotate.core.grounding import check_invariant, document_confidence, ground_values
from annotate.core.types import AlignmentStatus, Document, Extraction, ExtractionFailure, Grounding
from annotate.core.versioning import version_key
from annotate.extraction.base import ExtractContext, ExtractStats
from annotate.extraction.rules.evidence import weigh
from annotate.extraction.rules.reading_view import reading_view
from annotate.extraction.rules.spans import Quote
from annotate.schema_registry import SchemaSpec

NAME = "rules"

Rules = Callable[[str, dict[str, Any] | None], dict[str, Any]]


def rules_of(schema: SchemaSpec) -> Rules:
    """The genre's rules function, or ExtractionFailure saying there are none."""
    ref = schema.rules
    if ref is None:
        raise ExtractionFailure(
            f"no offline rules for genre {schema.name!r} (its schema file, from {schema.origin or 'a folder'}, defines no RULES); "
            "use an LLM backend (--backend llm)",
            stage="rules",
        )
    if callable(ref):
        return ref
    module, _, attr = ref.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ExtractionFailure(
            f"genre {schema.name!r}: RULES = {ref!r} cannot be loaded ({exc})", stage="config"
        ) from exc


@lru_cache(maxsize=1)
def code_hash() -> str:
    """sha256 over this package's source files, so any rule change changes the version key."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def rules_hash(schema: SchemaSpec) -> str:
    """This package's hash, plus the rules' own file when a genre brings its rules from elsewhere."""
    fn = rules_of(schema)
    source = inspect.getsourcefile(fn)
    if source is None or Path(source).resolve().parent == Path(__file__).resolve().parent:
        return code_hash()
    own = hashlib.sha256(Path(source).read_bytes()).hexdigest()
    return hashlib.sha256((code_hash() + own).encode()).hexdigest()


def _plain(value: Any) -> Any:
    """The record with Quotes turned into plain ``str`` (what is stored and exported)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str.__str__(value)
    return value


def groundings_of(text: str, model: Any, record: dict[str, Any]) -> list[Grounding]:
    """One Grounding per evidence value, taken from the Quote's own offsets.

    A value that somehow is not a Quote (a rule bug) is grounded by search instead, so it is
    still reported — flagged by its status — rather than silently trusted.
    """
    out: list[Grounding] = []
    stray: list[tuple[int, str, str]] = []
    for path, value in iter_evidence(model, record):
        if isinstance(value, Quote):
            out.append(
                Grounding(
                    path=path,
                    value=str.__str__(value),
                    start=value.start,
                    end=value.end,
                    quote=text[value.start : value.end],
                    status=AlignmentStatus.EXACT,
                    score=100.0,
                    confidence=weigh(text, path, value, value.score),
                )
            )
        else:
            stray.append((len(out), path, value))
            out.append(Grounding(path=path, value=value))
    if stray:
        found = ground_values(text, [(p, v) for _, p, v in stray])
        for (pos, _, _), g in zip(stray, found, strict=True):
            out[pos] = g
    return out


def prelabel(
    text: str, schema: SchemaSpec, metadata: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[Grounding]]:
    """Pure core of the backend: ``(record, groundings)`` for one text, or ExtractionFailure."""
    view = reading_view(text)
    if view is None:
        raw = rules_of(schema)(text, metadata)
    else:
        raw = view.recut(rules_of(schema)(view.text, metadata))
    groundings = groundings_of(text, schema.model, raw)
    if not groundings:
        raise ExtractionFailure(
            f"the rules found nothing of a {schema.name} record in the text (is it that genre?)", stage="rules"
        )
    try:
        record = schema.model.model_validate(_plain(raw)).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ExtractionFailure(
            f"rules produced an invalid {schema.name} record: {first['loc']}: {first['msg']}", stage="rules"
        ) from exc
    bad = check_invariant(text, groundings)
    if bad:
        raise ExtractionFailure(f"rules produced spans that do not slice to their quote: {bad[:3]}", stage="rules")
    return record, groundings


class RulesBackend:
    """Backend protocol implementation; synchronous work behind the async signature."""

    name = NAME

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], str] = {}

    def describe(self) -> str:
        return "rules backend: offline pre-labeler (set OPENAI_BASE_URL or OPENAI_API_KEY to use an LLM)"

    def version_key(self, schema: SchemaSpec) -> str:
        """Asked per document: computed once per schema (hashing the rules' source is not free)."""
        key = (schema.name, schema.hash)
        cached = self._keys.get(key)
        if cached is None:
            cached = self._keys[key] = self._version_key(schema)
        return cached

    def _version_key(self, schema: SchemaSpec) -> str:
        return version_key(
            schema=schema.name,
            schema_hash=schema.hash,
            producer=NAME,
            producer_hash=rules_hash(schema),
            model=NAME,
            settings={},
        )

    async def extract(self, doc: Document, schema: SchemaSpec, ctx: ExtractContext, stats: ExtractStats) -> Extraction:
        record, groundings = prelabel(doc.text, schema, doc.metadata)
        return Extraction(
            doc_id=doc.doc_id,
            schema_name=schema.name,
            model_version=self.version_key(schema),
            record=record,
            groundings=groundings,
            confidence=document_confidence(groundings),
        )


__all__ = ["NAME", "RulesBackend", "code_hash", "prelabel", "rules_of"]
