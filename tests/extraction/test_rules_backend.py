"""The rules backend behind the Backend protocol: version key, Extraction shape, unknown schemas."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from annotate.core.evidence import iter_evidence
from annotate.core.types import ExtractionFailure
from annotate.documents import load_document
from annotate.extraction.base import ExtractContext, ExtractStats
from annotate.extraction.rules import RulesBackend, code_hash
from annotate.schema_registry import get_schema


def test_extract_returns_grounded_extraction(seeds_dir: Path) -> None:
    doc = load_document(seeds_dir / "002_f24e79617b591595.txt")
    schema = get_schema("meeting_review")
    backend = RulesBackend()
    ex = asyncio.run(backend.extract(doc, schema, ExtractContext(), ExtractStats()))
    assert ex.doc_id == doc.doc_id and ex.schema_name == "meeting_review"
    assert ex.model_version == backend.version_key(schema)
    assert ex.confidence == 1.0
    paths = [p for p, _ in iter_evidence(schema.model, ex.record)]
    assert paths == [g.path for g in ex.groundings]
    assert ex.public_dict()["schema"] == "meeting_review"
    schema.model.model_validate(ex.record)


def test_version_key_names_the_rules_and_their_code() -> None:
    schema = get_schema("task_progress")
    key = RulesBackend().version_key(schema)
    assert key.startswith(f"task_progress/rules@{code_hash()[:8]}/rules/s{schema.hash[:8]}/")
    assert RulesBackend.name == "rules"


def test_unknown_schema_is_a_clear_failure(seeds_dir: Path) -> None:
    doc = load_document(seeds_dir / "000_bc3a7675d392fb2c.txt")
    other = replace(get_schema("meeting_review"), name="invoice")
    with pytest.raises(ExtractionFailure, match="knows no schema 'invoice'"):
        asyncio.run(RulesBackend().extract(doc, other, ExtractContext(), ExtractStats()))
