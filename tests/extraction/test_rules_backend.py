"""The rules backend behind the Backend protocol: version key, Extraction shape, unknown schemas."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate.core.evidence import iter_evidence
from annotate.core.types import ExtractionFailure
from annotate.documents import load_document
from annotate.extraction.base import ExtractContext, ExtractStats
from annotate.extraction.rules import RulesBackend, code_hash, prelabel
from annotate.schema_registry import get_schema


def test_extract_returns_grounded_extraction(seeds_dir: Path) -> None:
    doc = load_document(seeds_dir / "002_f24e79617b591595.txt")
    schema = get_schema("meeting_review")
    backend = RulesBackend()
    ex = asyncio.run(backend.extract(doc, schema, ExtractContext(), ExtractStats()))
    assert ex.doc_id == doc.doc_id and ex.schema_name == "meeting_review"
    assert ex.model_version == backend.version_key(schema)
    values = [g.confidence for g in ex.groundings]
    assert all(v is not None and 0.0 < v <= 1.0 for v in values)
    assert ex.confidence == round(sum(values) / len(values), 4)  # the task's score: the mean of its values'
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
    other = replace(get_schema("meeting_review"), name="invoice", rules=None)
    with pytest.raises(ExtractionFailure, match=r"no offline rules for genre 'invoice'.*use an LLM backend"):
        asyncio.run(RulesBackend().extract(doc, other, ExtractContext(), ExtractStats()))


_TEXTS = [
    (Path(__file__).parents[2] / "seeds" / f"{stem}.txt", schema)
    for stem, schema in [
        ("000_bc3a7675d392fb2c", "meeting_review"),
        ("001_7fbc296d44d6aab6", "meeting_review"),
        ("003_ad073e54fd368939", "public_report"),
        ("004_da9373b7adbb6a20", "task_progress"),
    ]
]
_DOCS = [(load_document(p), s) for p, s in _TEXTS]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(_DOCS) - 1), cut=st.floats(0.01, 1.0))
def test_texts_cut_anywhere_still_give_aligned_records(which: int, cut: float) -> None:
    """A text cut off mid-sentence (mid-character run, mid-row) never crashes and stays 100% aligned."""
    doc, schema_name = _DOCS[which]
    text = doc.text[: max(1, int(len(doc.text) * cut))]
    try:
        record, groundings = prelabel(text, get_schema(schema_name), doc.metadata)
    except ExtractionFailure as exc:  # too little text left to hold anything: a clear failure, not a crash
        assert "found nothing" in exc.reason
        return
    assert all(g.aligned and text[g.start : g.end] == g.value for g in groundings)
    get_schema(schema_name).model.model_validate(record)


def test_a_text_of_another_genre_is_a_clear_failure(fixtures_dir: Path) -> None:
    doc = load_document(fixtures_dir / "rules" / "report_simplified.txt")
    with pytest.raises(ExtractionFailure, match="found nothing of a task_progress record"):
        prelabel(doc.text, get_schema("task_progress"), doc.metadata)
