"""Repeated values are placed by their structural context, the way a reader would place them."""

from __future__ import annotations

import itertools
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


def _meeting_fixtures(seeds_dir, fixtures_dir):
    for stem in ("000_bc3a7675d392fb2c", "001_7fbc296d44d6aab6", "002_f24e79617b591595"):
        yield seeds_dir / f"{stem}.txt", fixtures_dir / "seeds" / stem / "expected.json"
    for text in sorted((fixtures_dir / "meetings").glob("*.txt")):
        yield text, text.with_suffix(".expected.json")


def test_meeting_values_sit_in_their_units_paragraph_and_organizer_before_meeting(seeds_dir, fixtures_dir) -> None:
    for text_path, record_path in _meeting_fixtures(seeds_dir, fixtures_dir):
        text = load_document(text_path).text
        record = json.loads(record_path.read_text(encoding="utf-8"))
        by_path = {g.path: g for g in ground_record(text, get_schema("meeting_review").model, record)}
        starts = [by_path[f"units[{i}].unit"].start for i in range(len(record["units"]))] + [len(text)]
        for path, g in by_path.items():
            if path.startswith("units["):
                i = int(path[6 : path.index("]")])
                assert starts[i] <= g.start < starts[i + 1], f"{text_path.name}: {path} outside its unit"
        if record.get("organizer") and record.get("meeting"):
            assert by_path["organizer"].end <= by_path["meeting"].start, text_path.name


def test_sibling_spans_are_in_text_order_and_never_overlap(seeds_dir, fixtures_dir) -> None:
    stem = "003_ad073e54fd368939"
    text = load_document(seeds_dir / f"{stem}.txt").text
    record = json.loads((fixtures_dir / "seeds" / stem / "expected.json").read_text(encoding="utf-8"))
    groundings = ground_record(text, get_schema("public_report").model, record)
    for s, section in enumerate(record["sections"]):
        spans = [(g.start, g.end) for g in groundings if g.path.startswith(f"sections[{s}].indicators[") and g.path.endswith(".text")]
        assert len(spans) == len(section["indicators"])
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), f"section {s}"
