"""``annotate extract FILE``: one document through the whole extraction path, for people trying it.

Thin: loading is ``annotate.documents``, routing and extraction ``annotate.extraction.pipeline``.
What lives here is presentation and the mapping of every known failure to ONE line on stderr
naming the file, with a non-zero exit status (1 bad input or failed extraction, 2 unusable
endpoint), never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from annotate.cli.conventions import EXIT_FAILED, EXIT_FATAL, fail
from annotate.core.types import Extraction


async def _run(path: Path, schema: str, backend_name: str, options: dict[str, Any]) -> Extraction:
    from annotate.documents import load_document
    from annotate.extraction.backends import choose_backend
    from annotate.extraction.pipeline import extract_document

    doc = load_document(path)
    backend = choose_backend(backend_name, **options)

    def say(route: Any) -> None:
        if route.unsure:
            print(f"annotate: {path}: {route.explain()}; pass --schema to override", file=sys.stderr)

    try:
        return await extract_document(doc, schema, backend, on_route=say)
    finally:
        close = getattr(backend, "aclose", None)
        if close is not None:
            await close()


def extract_command(
    file: Annotated[Path, typer.Argument(help="A .txt, .md or .html document.")],
    schema: Annotated[str, typer.Option(help="Schema name, or 'auto' to route the document.")] = "auto",
    backend: Annotated[str, typer.Option(help="auto | llm | rules (auto: llm when OPENAI_BASE_URL/KEY is set)")] = "auto",
    mode: Annotated[
        str | None, typer.Option(help="instructor mode for the LLM: tools | json | json_schema | md_json")
    ] = None,
    chunk_chars: Annotated[int | None, typer.Option(min=200, help="Chunk budget in characters (LLM).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")] = False,
) -> None:
    """Extract one document and print the record with its groundings."""
    from annotate.core.types import ExtractionFailure
    from annotate.documents import DocumentError
    from annotate.extraction.backends import BackendError
    from annotate.extraction.prompts import PromptError
    from annotate.schema_registry import SchemaError

    options = {k: v for k, v in {"mode": mode, "chunk_chars": chunk_chars}.items() if v is not None}
    try:
        result = asyncio.run(_run(file, schema, backend, options))
    except DocumentError as exc:
        raise fail(str(exc), EXIT_FAILED) from None
    except (SchemaError, BackendError, PromptError, ValueError) as exc:
        raise fail(f"{file}: {exc}", EXIT_FAILED) from None
    except ExtractionFailure as exc:
        code = EXIT_FATAL if exc.stage == "endpoint" else EXIT_FAILED
        raise fail(f"{file}: {exc.stage} failed: {exc.reason}", code) from None
    except ImportError as exc:
        raise fail(f"{file}: backend unavailable ({exc})", EXIT_FAILED) from None
    payload = result.public_dict()
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    aligned = sum(1 for g in result.groundings if g.aligned)
    print(json.dumps(payload["record"], ensure_ascii=False, indent=2))
    print(
        f"{file}: schema {result.schema_name}, {aligned}/{len(result.groundings)} evidence spans aligned, "
        f"confidence {result.confidence}, version {result.model_version}",
        file=sys.stderr,
    )


def register(app: typer.Typer) -> None:
    """Add ``extract`` to the app."""
    app.command("extract")(extract_command)
