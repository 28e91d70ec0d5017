"""One document in, one Extraction out: route (unless a schema is given), then extract.

This is the single entry point the CLI and the batch runner share, so ``annotate extract`` and
``annotate prelabel`` cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable

from annotate.core.types import Document, Extraction
from annotate.extraction.base import Backend, ExtractContext, ExtractStats
from annotate.extraction.router import Route, route
from annotate.schema_registry import get_schema, load_schemas


async def resolve_schema(
    doc: Document,
    schema: str,
    backend: Backend | None = None,
    ctx: ExtractContext | None = None,
    stats: ExtractStats | None = None,
) -> Route:
    """``auto`` -> the router's answer; a name -> that schema (checked), marked ``forced``."""
    if schema == "auto":
        return await route(doc, backend, ctx, stats, load_schemas())
    spec = get_schema(schema)
    return Route(spec.name, 0.0, False, "forced", {})


async def extract_document(
    doc: Document,
    schema: str = "auto",
    backend: Backend | None = None,
    ctx: ExtractContext | None = None,
    stats: ExtractStats | None = None,
    on_route: Callable[[Route], None] | None = None,
) -> Extraction:
    """Route and extract. Raises ``ExtractionFailure`` (with a reason) or ``SchemaError``.

    ``on_route`` receives the routing decision, so a caller can say when the router was unsure.
    """
    if backend is None:
        from annotate.extraction.backends import choose_backend

        backend = choose_backend("auto")
    ctx = ctx or ExtractContext()
    stats = stats or ExtractStats()
    decided = await resolve_schema(doc, schema, backend, ctx, stats)
    if on_route is not None:
        on_route(decided)
    return await backend.extract(doc, get_schema(decided.schema), ctx, stats)
