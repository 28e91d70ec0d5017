"""The ideal model's answers for the seed documents: what the pipeline tests are served.

Layout: ``tests/fixtures/seeds/<stem>/responses/chunk-NN.json``, one file per chunk the LLM backend
sends for that seed, each holding ``chunk_sha256`` (the key the server looks the answer up by),
``response_model`` (the schema model's class name), the prompt id/hash it was made for, and
``record`` — the answer.

The answers are derived from the hand-written ``expected.json``: for each chunk, exactly the items
of the expected record whose text lies in that chunk. Tests over them check the whole extraction
path (prompt rendering, HTTP, parsing, chunking, merging, grounding) — they are pipeline tests, not
prompt tests: they pass whatever the prompt says. What a real model answers to the prompts is in
the cassettes (``tests.support.cassettes``, ``make record``) and the live tests.

``python -m tests.support.ideal_responses [--fixtures tests/fixtures/seeds] [--seeds seeds]``
"""

from __future__ import annotations

import argparse
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


def record_all(fixtures: Path, seeds: Path, *, backend: Any = None) -> dict[str, int]:
    """Write responses for every seed; returns {stem: number of chunk files}."""
    from annotate.extraction.llm import LLMBackend

    backend = backend or LLMBackend()
    written: dict[str, int] = {}
    for stem, seed, folder in seed_cases(fixtures, seeds):
        doc = load_document(seed)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        spec = get_schema(meta["schema"])
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        responses = offline_responses(doc, spec, expected, backend)
        written[stem] = len(write_responses(folder, responses))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, default=PROJECT_ROOT / "tests" / "fixtures" / "seeds")
    parser.add_argument("--seeds", type=Path, default=PROJECT_ROOT / "seeds")
    args = parser.parse_args(argv)
    from annotate.extraction.llm import LLMBackend, LLMSettings

    # The answers must match the chunks the tests send, so they use the default settings.
    written = record_all(args.fixtures, args.seeds, backend=LLMBackend(LLMSettings()))
    for stem, n in written.items():
        print(f"{stem}: {n} response file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
