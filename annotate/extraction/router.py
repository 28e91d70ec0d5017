"""Decide which genre schema a document is (``--schema auto``).

First a cheap keyword classifier: each schema file declares weighted cues (``KEYWORDS``), a
document scores ``sum(weight * min(count, 3))`` per schema (capped so one repeated word cannot
dominate), and the best schema wins. It is *unsure* when the best score is low or the runner-up is
close; then, if the LLM backend is active, the router prompt asks the model, and otherwise the
classifier's guess is kept and the caller is told it is a guess. Either way the answer says how it
was reached, so a wrong genre is visible rather than silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, create_model

from annotate.core.types import Document, ExtractionFailure
from annotate.core.versioning import version_key
from annotate.extraction.base import ExtractContext, ExtractStats
from annotate.schema_registry import SchemaSpec, load_schemas

if TYPE_CHECKING:
    from annotate.extraction.llm import LLMBackend

MIN_SCORE = 6.0
"""Below this the document carries too few genre cues to trust the keywords."""
MIN_MARGIN = 0.4
"""The winner must lead the runner-up by this share of its own score."""
CAP = 3
ROUTER_CHARS = 3000
"""The router sees the beginning of a document only: the genre shows early, and it keeps routing cheap."""


@dataclass
class Route:
    """``schema, score, unsure = route`` unpacks; ``method`` and ``scores`` say how it was decided."""

    schema: str
    score: float
    unsure: bool
    method: str = "keywords"
    scores: dict[str, float] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.schema, self.score, self.unsure))

    def explain(self) -> str:
        ranked = ", ".join(f"{k} {v:g}" for k, v in sorted(self.scores.items(), key=lambda kv: -kv[1]))
        state = "UNSURE" if self.unsure else "sure"
        return f"routed to {self.schema} by {self.method} ({state}; keyword scores: {ranked})"


def keyword_scores(text: str, schemas: dict[str, SchemaSpec]) -> dict[str, float]:
    return {
        name: float(sum(w * min(text.count(k), CAP) for k, w in spec.keywords.items()))
        for name, spec in schemas.items()
    }


def classify(text: str, schemas: dict[str, SchemaSpec] | None = None) -> Route:
    """The keyword classifier alone: pure and instant."""
    schemas = schemas or load_schemas()
    scores = keyword_scores(text, schemas)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    best, best_score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (best_score - second) / best_score if best_score > 0 else 0.0
    unsure = best_score < MIN_SCORE or margin < MIN_MARGIN
    return Route(best, best_score, unsure, "keywords", scores)


def _choice_model(names: list[str]) -> type[BaseModel]:
    return create_model(
        "GenreChoice",
        genre=(Literal[tuple(names)], Field(description="The genre name, one of: " + ", ".join(names))),
    )


async def ask_llm(
    doc: Document,
    backend: LLMBackend,
    schemas: dict[str, SchemaSpec],
    ctx: ExtractContext,
    stats: ExtractStats,
) -> str:
    """Ask the model with the router prompt; cached like extraction calls (chunk -1)."""
    from annotate.extraction.llm_http import Attempt

    names = sorted(schemas)
    prompt = backend.prompt("router")
    model = _choice_model(names)
    vkey = version_key(
        schema="router",
        schema_hash="-".join(names),
        producer=prompt.id,
        producer_hash=prompt.hash,
        model=backend.settings.model,
        settings={"mode": backend.settings.mode, "chars": ROUTER_CHARS},
    )
    if not ctx.force:
        hit = ctx.cache.get(doc.doc_id, -1, vkey)
        if hit is not None and hit.get("genre") in schemas:
            stats.cache_hits += 1
            return hit["genre"]
    system = prompt.system(schemas=[schemas[n] for n in names])
    prepared = backend.prepared(f"router:{','.join(names)}", model, system)
    attempt = Attempt(ctx, stats, doc.doc_id, -1, vkey, backend.settings.mode)
    sent, _ = backend.as_sent(doc.text[:ROUTER_CHARS])
    answer = await backend.ask(prepared, prompt, prompt.user(sent), model, attempt, text=None)
    genre = (answer.record or {}).get("genre")
    if genre not in schemas:
        raise ExtractionFailure(f"router: the model answered {genre!r}, not a known schema", stage="route")
    ctx.cache.put(doc.doc_id, -1, vkey, {"genre": genre})
    return genre


async def route(
    doc: Document,
    backend: Any = None,
    ctx: ExtractContext | None = None,
    stats: ExtractStats | None = None,
    schemas: dict[str, SchemaSpec] | None = None,
) -> Route:
    """Keywords first; the backend only when the keywords are unsure and it can route (it has an
    async ``route_genre(doc, schemas, ctx, stats) -> name``, as the LLM backend does)."""
    schemas = schemas or load_schemas()
    result = classify(doc.text, schemas)
    if not result.unsure:
        return result
    route_genre = getattr(backend, "route_genre", None)
    if route_genre is not None:
        genre = await route_genre(doc, schemas, ctx or ExtractContext(), stats or ExtractStats())
        return Route(genre, result.scores.get(genre, 0.0), False, "llm", result.scores)
    return result
