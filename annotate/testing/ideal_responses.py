"""Write the reference model responses the test server serves for the seed documents.

Layout: ``tests/fixtures/seeds/<stem>/responses/chunk-NN.json``, one file per chunk the LLM backend
sends for that seed, each holding ``chunk_sha256`` (the key the server looks the answer up by),
``response_model`` (the schema model's class name), the prompt id/hash it was made for, and
``record`` — the answer.

Two sources:

* **offline (default)**: there is no model on this machine, so the answers are derived from the
  hand-written ``expected.json``: they are *the ideal model's answers* — for each chunk, exactly the
  items of the expected record whose text lies in that chunk. Tests over them check the whole
  extraction path (prompt rendering, HTTP, parsing, chunking, merging, grounding), not a model's
  quality; that is what the ``live`` tests measure.
* **live** (``--live``, or pytest ``--record``): each chunk is sent to the configured model
  (``OPENAI_BASE_URL``/``OPENAI_API_KEY``/``ANNOTATE_MODEL``) with the current prompt, and its
  validated answer is stored, marked with the model name.

``python -m annotate.testing.record_fixtures [--live] [--fixtures tests/fixtures/seeds] [--seeds seeds]``
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotate.core.chunking import Chunk
from annotate.core.grounding import ground_record
from annotate.core.types import Document, Grounding
from annotate.documents import load_document
from annotate.schema_registry import SchemaSpec, get_schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
OFFLINE_SOURCE = "offline: the ideal model's answer, derived from expected.json"


def seed_cases(fixtures: Path, seeds: Path) -> Iterator[tuple[str, Path, Path]]:
    """(stem, seed file, fixture folder) for every seed that has ``expected.json`` and ``meta.json``."""
    for folder in sorted(p for p in fixtures.iterdir() if p.is_dir()):
        if not (folder / "expected.json").exists() or not (folder / "meta.json").exists():
            continue
        matches = sorted(seeds.glob(folder.name + ".*"))
        if matches:
            yield folder.name, matches[0], folder


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _inside(groundings: list[Grounding], chunk: Chunk) -> bool:
    aligned = [g for g in groundings if g.aligned and g.start is not None and g.end is not None]
    return bool(aligned) and all(chunk.start <= g.start and g.end <= chunk.end for g in aligned)  # type: ignore[operator]


def _first_chunk(groundings: list[Grounding], chunks: list[Chunk]) -> int:
    for g in groundings:
        if g.aligned and g.start is not None:
            for c in chunks:
                if c.start <= g.start < c.end:
                    return c.index
    return 0


def split_expected(spec: SchemaSpec, text: str, expected: dict[str, Any], chunks: list[Chunk]) -> list[dict[str, Any]]:
    """The ideal per-chunk answers: each chunk gets the expected items whose text lies inside it.

    Top-level list items go to every chunk that contains all their evidence (several, when chunks
    overlap); an item no chunk contains whole goes to the chunk of its first value. Scalars go to
    the chunk holding their evidence; scalars that are not evidence (an ISO date, a year) to the
    first chunk.
    """
    model = spec.model
    record = model.model_validate(expected).model_dump(mode="json")
    groundings = ground_record(text, model, record)
    by_prefix: dict[str, list[Grounding]] = {}
    for g in groundings:
        by_prefix.setdefault(g.path.split(".", 1)[0], []).append(g)
    empty = model.model_validate({}).model_dump(mode="json")
    parts = [json.loads(json.dumps(empty)) for _ in chunks]
    for name, value in record.items():
        if isinstance(value, list):
            for i, item in enumerate(value):
                gs = by_prefix.get(f"{name}[{i}]", [])
                homes = [c.index for c in chunks if _inside(gs, c)] or [_first_chunk(gs, chunks)]
                for h in homes:
                    parts[h][name].append(item)
        elif value is not None:
            gs = by_prefix.get(name, [])
            homes = [c.index for c in chunks if _inside(gs, c)] or [_first_chunk(gs, chunks)]
            for h in homes:
                parts[h][name] = value
    return parts


def offline_responses(doc: Document, spec: SchemaSpec, expected: dict[str, Any], backend: Any) -> list[dict[str, Any]]:
    """The fixture files' contents for one seed, for the chunking and prompt of ``backend``."""
    chunks = backend.chunks(doc.text)
    prompt = backend.prompt(spec)
    records = split_expected(spec, doc.text, expected, chunks)
    return [
        _fixture(c, spec, prompt, record, OFFLINE_SOURCE)
        for c, record in zip(chunks, records, strict=True)
    ]


def _fixture(chunk: Chunk, spec: SchemaSpec, prompt: Any, record: dict[str, Any], source: str) -> dict[str, Any]:
    return {
        "source": source,
        "schema": spec.name,
        "response_model": spec.model.__name__,
        "prompt_id": prompt.id,
        "prompt_hash": prompt.hash,
        "chunk": chunk.index,
        "chunk_start": chunk.start,
        "chunk_end": chunk.end,
        "chunk_sha256": _sha(chunk.text),
        "record": record,
    }


async def live_responses(doc: Document, spec: SchemaSpec, backend: Any) -> list[dict[str, Any]]:
    """Ask the configured model for every chunk with the current prompt (the ``--record`` path)."""
    from annotate.extraction.base import ExtractContext, ExtractStats
    from annotate.extraction.llm import _Attempt

    prompt = backend.prompt(spec)
    prepared = backend.prepared(spec.name, spec.model, prompt.system(schema=spec))
    out = []
    ctx, stats = ExtractContext(), ExtractStats()
    source = f"recorded: {backend.settings.model} (mode {backend.settings.mode})"
    for chunk in backend.chunks(doc.text):
        attempt = _Attempt(ctx, stats, doc.doc_id, chunk.index, "record", backend.settings.mode)
        parsed, _ = await backend.call(prepared, prompt.user(chunk.text), attempt)
        out.append(_fixture(chunk, spec, prompt, parsed.model_dump(mode="json"), source))
    await backend.aclose()
    return out


def write_responses(folder: Path, responses: list[dict[str, Any]]) -> list[Path]:
    """Replace ``folder/responses/`` with these files (stale chunk files are removed)."""
    out_dir = folder / "responses"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("chunk-*.json"):
        old.unlink()
    paths = []
    for r in responses:
        path = out_dir / f"chunk-{r['chunk']:02d}.json"
        path.write_text(json.dumps(r, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def record_all(fixtures: Path, seeds: Path, *, live: bool = False, backend: Any = None) -> dict[str, int]:
    """Write responses for every seed; returns {stem: number of chunk files}."""
    from annotate.extraction.llm import LLMBackend

    backend = backend or LLMBackend()
    written: dict[str, int] = {}
    for stem, seed, folder in seed_cases(fixtures, seeds):
        doc = load_document(seed)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        spec = get_schema(meta["schema"])
        if live:
            responses = asyncio.run(live_responses(doc, spec, backend))
        else:
            expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
            responses = offline_responses(doc, spec, expected, backend)
        written[stem] = len(write_responses(folder, responses))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, default=PROJECT_ROOT / "tests" / "fixtures" / "seeds")
    parser.add_argument("--seeds", type=Path, default=PROJECT_ROOT / "seeds")
    parser.add_argument("--live", action="store_true", help="ask the configured model instead of expected.json")
    args = parser.parse_args(argv)
    from annotate.extraction.llm import LLMBackend, LLMSettings

    # Offline answers must match the chunks the tests send, so they use the default settings.
    backend = LLMBackend() if args.live else LLMBackend(LLMSettings())
    written = record_all(args.fixtures, args.seeds, live=args.live, backend=backend)
    for stem, n in written.items():
        print(f"{stem}: {n} response file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
