"""Chunking: complete coverage, budget, and cuts that never split a record."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.core.chunking import estimate_tokens, split_text
from annotate.core.grounding import ground_record
from annotate.documents import load_document
from annotate.schema_registry import get_schema

SEED_004 = "004_da9373b7adbb6a20"


def _covers(text: str, chunks: list) -> None:
    assert chunks[0].start == 0
    assert chunks[-1].end == len(text)
    for a, b in itertools.pairwise(chunks):
        assert b.start <= a.end, "a gap between chunks"
        assert b.end > a.end, "no progress"
    for c in chunks:
        assert c.text == text[c.start : c.end]


def test_short_text_is_one_chunk() -> None:
    text = "短文本。\n第二行。"
    chunks = split_text(text, budget=100)
    assert [(c.start, c.end, c.text) for c in chunks] == [(0, len(text), text)]


def test_004_rows_are_never_split(seeds_dir: Path, fixtures_dir: Path) -> None:
    doc = load_document(seeds_dir / f"{SEED_004}.txt")
    expected = json.loads((fixtures_dir / "seeds" / SEED_004 / "expected.json").read_text(encoding="utf-8"))
    spec = get_schema("task_progress")
    chunks = split_text(doc.text, 8000)
    assert len(chunks) > 1
    _covers(doc.text, chunks)
    groundings = ground_record(doc.text, spec.model, expected)
    rows: dict[str, list] = {}
    for g in groundings:
        if g.path.startswith("items["):
            rows.setdefault(g.path.split(".", 1)[0], []).append(g)
    assert len(rows) == 136
    for row, gs in rows.items():
        homes = {c.index for c in chunks for g in gs if c.start <= g.start and g.end <= c.end}
        assert len(homes) == 1, f"{row} is spread over chunks {homes}"


def test_multiline_row_stays_together(fixtures_dir: Path) -> None:
    """Row 3 spans blank-line-separated lines: the cut must fall between rows (single newlines)."""
    text = (fixtures_dir / "chunking" / "multiline_row.txt").read_text(encoding="utf-8")
    for budget in range(30, len(text), 7):
        chunks = split_text(text, budget)
        _covers(text, chunks)
        row3 = text.index("类别3")
        row3_end = text.index("类别4")
        for c in chunks:
            inside = c.start < row3_end and c.end > row3
            if inside and len(text[row3:row3_end]) <= budget:
                assert c.start <= row3 and c.end >= row3_end, f"budget {budget}: row 3 cut at {c.start}-{c.end}"


def test_paragraph_text_cuts_at_blank_lines(fixtures_dir: Path) -> None:
    text = (fixtures_dir / "chunking" / "paragraphs.txt").read_text(encoding="utf-8")
    chunks = split_text(text, 60)
    _covers(text, chunks)
    for c in chunks[1:]:
        assert text[c.start - 2 : c.start] == "\n\n", f"cut at {c.start} is not a paragraph start"


def test_overlap_repeats_whole_records_only(fixtures_dir: Path) -> None:
    text = (fixtures_dir / "chunking" / "multiline_row.txt").read_text(encoding="utf-8")
    plain = split_text(text, 40)
    over = split_text(text, 40, overlap=30)
    assert [c.end for c in over] == [c.end for c in plain]
    assert any(o.start < p.start for o, p in zip(over[1:], plain[1:], strict=True))
    for c in over[1:]:
        assert text[c.start - 1] == "\n"


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("西城区") == 3
    assert estimate_tokens("西城 ab") == 3


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("西城区。\n \u3000ab\r𠀋")), max_size=400),
    st.integers(min_value=1, max_value=80),
    st.integers(min_value=0, max_value=20),
)
def test_chunks_cover_any_text(text: str, budget: int, overlap: int) -> None:
    chunks = split_text(text, budget, overlap=overlap)
    assert chunks
    if not text:
        assert chunks[0].text == ""
        return
    _covers(text, chunks)
    for c in chunks:
        assert len(c.text) <= budget + overlap
