"""Repeated values are placed by their structural context, the way a reader would place them."""

from __future__ import annotations

import json

from annotate.core.grounding import check_invariant, confidence, ground_record, shift
from annotate.core.types import AlignmentStatus
from annotate.documents import load_document
from annotate.schema_registry import get_schema


def test_repeated_shortcomings_land_in_their_own_units_paragraph(fixtures_dir) -> None:
    doc = load_document(fixtures_dir / "documents" / "meeting_snippet.txt")
    record = json.loads((fixtures_dir / "documents" / "meeting_snippet.record.json").read_text(encoding="utf-8"))
    groundings = ground_record(doc.text, get_schema("meeting_review").model, record)
    by_path = {g.path: g for g in groundings}
    assert check_invariant(doc.text, groundings) == []
    assert all(g.status is AlignmentStatus.EXACT for g in groundings)
    # "接诉即办" occurs four times; each unit's must sit after that unit's paragraph start.
    first_unit = by_path["units[0].unit"].start
    second_unit = by_path["units[1].unit"].start
    assert first_unit < by_path["units[0].shortcomings[0]"].start < second_unit
    assert by_path["units[1].shortcomings[0]"].start > by_path["units[1].achievements[0]"].start
    # The unit name is placed at its paragraph, not in the list of speakers before it.
    assert doc.text[first_unit - 1] == "。"


def test_shift_and_confidence() -> None:
    text = "甲乙丙丁"
    groundings = ground_record("乙丙", get_schema("meeting_review").model, {"chair": "乙丙", "organizer": "没有"})
    moved = shift(groundings, 1)
    assert check_invariant(text, moved) == []
    assert confidence(moved) == 0.5


def test_table_rows_stay_in_their_rows_and_identical_indicators_get_distinct_spans(seeds_dir, fixtures_dir) -> None:
    """004: 136 rows, many repeated values (lead units, "100%"), indicators inside progress text."""
    doc = load_document(seeds_dir / "004_da9373b7adbb6a20.txt")
    record = json.loads((fixtures_dir / "seeds" / "004_da9373b7adbb6a20" / "expected.json").read_text(encoding="utf-8"))
    groundings = ground_record(doc.text, get_schema("task_progress").model, record)
    assert check_invariant(doc.text, groundings) == []
    rows: dict[int, list] = {}
    for g in groundings:
        if g.path.startswith("items["):
            rows.setdefault(int(g.path[6 : g.path.index("]")]), []).append(g)
    assert len(rows) == 136
    for k in range(135):
        assert max(g.end for g in rows[k]) <= min(g.start for g in rows[k + 1]), f"row {k + 1} overlaps row {k + 2}"
    for k, gs in rows.items():
        progress = [g for g in gs if g.path == f"items[{k}].progress"]
        texts = [g for g in gs if ".indicators[" in g.path and g.path.endswith(".text")]
        if progress:
            assert all(progress[0].start <= g.start and g.end <= progress[0].end for g in texts)
        assert len({(g.start, g.end) for g in texts}) == len(texts)
