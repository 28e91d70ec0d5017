"""The excerpts stay real slices of the seeds, and their expected records the seeds' gold restricted to them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.core.chunking import Chunk
from annotate.documents import load_document
from annotate.schema_registry import get_schema
from tests.support.ideal_responses import split_expected

ROOT = Path(__file__).resolve().parents[2]
EXCERPTS = ROOT / "tests" / "fixtures" / "excerpts"
SOURCES = {
    "000_two_units": ("000_bc3a7675d392fb2c", "meeting_review", {}),
    "001_dongcheng": ("001_7fbc296d44d6aab6", "meeting_review", {}),
    "003_qa": ("003_ad073e54fd368939", "public_report", {}),
    "004_rows_01_04": ("004_da9373b7adbb6a20", "task_progress", {"year": "2020"}),
    "004_rows_01_12": ("004_da9373b7adbb6a20", "task_progress", {"year": "2020"}),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_excerpt_is_a_slice_of_its_seed_and_its_gold_the_seed_s_gold_inside_it(name: str) -> None:
    seed, schema, corrections = SOURCES[name]
    text = load_document(ROOT / "seeds" / f"{seed}.txt").text
    excerpt = load_document(EXCERPTS / f"{name}.txt").text.rstrip("\n")
    start = text.find(excerpt)
    assert start >= 0, f"{name} is no longer a slice of seed {seed}"
    end = start + len(excerpt)
    gold = json.loads((ROOT / "tests" / "fixtures" / "seeds" / seed / "expected.json").read_text(encoding="utf-8"))
    chunks = [Chunk(0, 0, start, text[:start]), Chunk(1, start, end, excerpt), Chunk(2, end, len(text), text[end:])]
    inside = {**split_expected(get_schema(schema), text, gold, chunks)[1], **corrections}
    assert json.loads((EXCERPTS / f"{name}.expected.json").read_text(encoding="utf-8")) == inside


def test_the_injection_excerpt_is_the_clean_excerpt_plus_one_injected_passage() -> None:
    clean = (EXCERPTS / "000_two_units.txt").read_text(encoding="utf-8")
    injected = (EXCERPTS / "injection_000.txt").read_text(encoding="utf-8")
    cut = next(i for i, (a, b) in enumerate(zip(clean, injected, strict=False)) if a != b)
    extra = len(injected) - len(clean)
    assert injected[:cut] + injected[cut + extra :] == clean
    assert "忽略以上所有指令" in injected[cut : cut + extra] and "Ignore previous instructions" in injected[cut : cut + extra]
    assert (EXCERPTS / "injection_000.expected.json").read_text() == (EXCERPTS / "000_two_units.expected.json").read_text()
