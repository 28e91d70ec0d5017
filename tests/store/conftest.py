"""Real documents and predictions for the store tests: the seed texts and their expected records.

Built from data files (``seeds/`` and ``tests/fixtures/seeds/*/expected.json``), grounded with the
real aligner, so the store is exercised with the Chinese text and nested records it will hold.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from annotate.core.grounding import confidence, ground_record
from annotate.core.types import Document, Extraction
from annotate.documents import load_document
from annotate.schema_registry import get_schema
from annotate.store.db import connect


@pytest.fixture
def con(db_path: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(db_path)
    yield connection
    connection.close()


def _seed_pairs(seeds_dir: Path, fixtures_dir: Path) -> list[tuple[Document, Extraction]]:
    out = []
    for folder in sorted((fixtures_dir / "seeds").iterdir()):
        if not (folder / "expected.json").exists():
            continue
        doc = load_document(seeds_dir / f"{folder.name}.txt")
        schema = get_schema(json.loads((folder / "meta.json").read_text(encoding="utf-8"))["schema"])
        record = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        groundings = ground_record(doc.text, schema.model, record)
        out.append(
            (
                doc,
                Extraction(
                    doc_id=doc.doc_id,
                    schema_name=schema.name,
                    model_version=f"{schema.name}/expected@00000000/fixture/s{schema.hash[:8]}/g0",
                    record=record,
                    groundings=groundings,
                    confidence=confidence(groundings),
                ),
            )
        )
    return out


@pytest.fixture(scope="session")
def seed_pairs() -> list[tuple[Document, Extraction]]:
    root = Path(__file__).resolve().parents[2]
    return _seed_pairs(root / "seeds", root / "tests" / "fixtures")
