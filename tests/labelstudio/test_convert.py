"""record -> Label Studio result -> record is the identity; invalid results become clear errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from label_studio_sdk.label_interface import LabelInterface

from annotate.core.grounding import ground_record
from annotate.core.types import AlignmentStatus, Grounding
from annotate.documents import load_document
from annotate.labelstudio.config import ACCEPT, LABELS, REJECT, REVIEW, UNALIGNED, VALUE_NOTE, build_config, label_spec
from annotate.labelstudio.convert import ConversionError, check_spans, normalise, to_results
from annotate.labelstudio.readback import from_results, region_stats
from annotate.schema_registry import get_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEEDS = sorted(p for p in (FIXTURES / "seeds").iterdir() if (p / "expected.json").exists())
CASES = json.loads((FIXTURES / "labelstudio" / "roundtrip_cases.json").read_text(encoding="utf-8"))


def _seed(stem_dir: Path) -> tuple[str, str, dict[str, Any]]:
    schema = json.loads((stem_dir / "meta.json").read_text())["schema"]
    text = load_document(FIXTURES.parent.parent / "seeds" / f"{stem_dir.name}.txt").text
    return schema, text, json.loads((stem_dir / "expected.json").read_text(encoding="utf-8"))


def _key(g: Grounding) -> tuple[Any, ...]:
    return (g.value, g.start, g.end, g.quote, g.status)


def _assert_round_trip(schema: str, text: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    spec = get_schema(schema)
    ls = label_spec(schema, spec.model)
    record = normalise(ls, record)
    groundings = ground_record(text, spec.model, record)
    results = to_results(ls, text, record, groundings)
    assert check_spans(text, results) == []
    assert (
        LabelInterface(build_config(ls)).validate_prediction({"result": results, "score": 0.5}, return_errors=True)
        == []
    )
    back = from_results(ls, text, results)
    assert back.record == record
    assert back.review == ACCEPT
    # Same groundings, path by path; identical values may trade places when the grounder put
    # them out of text order (the annotator sees text order), so compare per value as well.
    assert [g.path for g in back.groundings] == [g.path for g in groundings]
    assert [g.value for g in back.groundings] == [g.value for g in groundings]
    assert sorted(map(_key, back.groundings), key=str) == sorted(map(_key, groundings), key=str)
    return results


@pytest.mark.parametrize("stem_dir", SEEDS, ids=[p.name for p in SEEDS])
def test_round_trip_is_identity_on_every_seed_fixture(stem_dir: Path) -> None:
    assert SEEDS, "no seed fixtures found"
    schema, text, record = _seed(stem_dir)
    results = _assert_round_trip(schema, text, record)
    assert any(r["type"] == "labels" for r in results)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_round_trip_keeps_unaligned_and_normalised_values(case: dict[str, Any]) -> None:
    results = _assert_round_trip(case["schema"], case["text"], case["record"])
    lines = [r for r in results if r["from_name"] == UNALIGNED]
    notes = [r for r in results if r["from_name"] == VALUE_NOTE]
    assert lines or notes, "each case exercises the unaligned box or the value note"


def test_unaligned_values_are_shown_not_dropped(fixtures_dir: Path) -> None:
    text = (fixtures_dir / "labelstudio" / "review_meeting.txt").read_text(encoding="utf-8")
    record = json.loads((fixtures_dir / "labelstudio" / "review_meeting.prediction.json").read_text(encoding="utf-8"))
    spec = get_schema("meeting_review")
    ls = label_spec("meeting_review", spec.model)
    groundings = ground_record(text, spec.model, record)
    assert [g.path for g in groundings if g.status is AlignmentStatus.UNALIGNED] == ["directives[1]"]
    results = to_results(ls, text, record, groundings)
    (box,) = [r for r in results if r["from_name"] == UNALIGNED]
    assert box["value"]["text"] == ["directives[1] = 要抓好安全生产工作"]


def test_scalars_become_per_region_and_document_controls() -> None:
    case = CASES[0]
    spec = get_schema("task_progress")
    ls = label_spec("task_progress", spec.model)
    results = to_results(ls, case["text"], case["record"], ground_record(case["text"], spec.model, case["record"]))
    by_name: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_name.setdefault(r["from_name"], []).append(r)
    assert by_name["f_year"][0]["value"] == {"text": ["2020"]}
    blocks = {r["id"]: r for r in results if r["type"] == "labels" and r["value"]["labels"] == ["items[]"]}
    statuses = by_name["f_items__status"]
    assert {s["id"] for s in statuses} <= set(blocks)
    assert sorted(s["value"]["choices"][0] for s in statuses) == ["completed", "in_progress"]
    assert sorted(n["value"]["number"] for n in by_name["f_items__seq"]) == [1, 2]


def test_a_grounding_that_does_not_slice_to_its_quote_is_refused() -> None:
    spec = get_schema("meeting_review")
    ls = label_spec("meeting_review", spec.model)
    text = "甲街道发言。"
    bad = [Grounding(path="chair", value="甲街道", start=1, end=4, quote="甲街道", status=AlignmentStatus.EXACT)]
    with pytest.raises(ConversionError, match="chair"):
        to_results(ls, text, {"chair": "甲街道"}, bad)


@pytest.fixture
def meeting() -> tuple[Any, str, list[dict[str, Any]]]:
    text = (FIXTURES / "labelstudio" / "review_meeting.txt").read_text(encoding="utf-8")
    record = json.loads((FIXTURES / "labelstudio" / "review_meeting.gold.json").read_text(encoding="utf-8"))
    spec = get_schema("meeting_review")
    ls = label_spec("meeting_review", spec.model)
    return ls, text, to_results(ls, text, record, ground_record(text, spec.model, record))


def _region(results: list[dict[str, Any]], label: str, text: str) -> dict[str, Any]:
    return next(
        r for r in results if r["type"] == "labels" and r["value"]["labels"] == [label] and r["value"]["text"] == text
    )


def test_orphan_child_region_is_an_error(meeting: tuple[Any, str, list[dict[str, Any]]]) -> None:
    ls, text, results = meeting
    results = copy.deepcopy(results)
    s = text.index("王明")
    results.append({"id": "orphan1", "from_name": LABELS, "to_name": "text", "type": "labels",
                    "value": {"start": s, "end": s + 2, "text": "王明", "labels": ["units[].shortcomings[]"]}})  # fmt: skip
    with pytest.raises(
        ConversionError, match=r"orphan region units\[\]\.shortcomings\[\] 「王明」.*outside every units\[\]"
    ):
        from_results(ls, text, results)


def test_span_that_no_longer_matches_the_text_is_an_error(meeting: tuple[Any, str, list[dict[str, Any]]]) -> None:
    ls, text, results = meeting
    results = copy.deepcopy(results)
    _region(results, "chair", "王明")["value"]["start"] += 1
    with pytest.raises(ConversionError, match="no longer matches the text"):
        from_results(ls, text, results)


def test_missing_required_field_is_an_error(meeting: tuple[Any, str, list[dict[str, Any]]]) -> None:
    ls, text, results = meeting
    results = [r for r in results if not (r["type"] == "labels" and r["value"]["labels"] == ["units[].unit"])]
    with pytest.raises(ConversionError, match=r"invalid record: units\[0\]\.unit: field required"):
        from_results(ls, text, results)


def test_review_reject_and_note(meeting: tuple[Any, str, list[dict[str, Any]]]) -> None:
    ls, text, results = meeting
    results = [r for r in results if r["from_name"] != REVIEW] + [
        {"id": "rv", "from_name": REVIEW, "to_name": "text", "type": "choices", "value": {"choices": [REJECT]}},
        {
            "id": "rn",
            "from_name": "review_note",
            "to_name": "text",
            "type": "textarea",
            "value": {"text": ["不是点评会"]},
        },
    ]
    out = from_results(ls, text, results)
    assert (out.review, out.review_note) == (REJECT, "不是点评会")


def test_overlapping_blocks_are_disambiguated_by_a_relation() -> None:
    spec = get_schema("meeting_review")
    ls = label_spec("meeting_review", spec.model)
    text = "甲街道：问题A。乙街道：问题C、问题B。"
    record = normalise(
        ls,
        {
            "units": [
                {"unit": "甲街道", "shortcomings": ["问题A", "问题C"]},
                {"unit": "乙街道", "shortcomings": ["问题B"]},
            ]
        },
    )
    groundings = ground_record(text, spec.model, record)
    results = to_results(ls, text, record, groundings)
    assert any(r["type"] == "relation" for r in results)
    assert from_results(ls, text, results).record == record


def test_region_stats_counts_kept_edited_added_deleted(meeting: tuple[Any, str, list[dict[str, Any]]]) -> None:
    _, text, prediction = meeting
    ann = copy.deepcopy(prediction)
    edited = _region(ann, "chair", "王明")
    edited["value"].update(
        start=edited["value"]["start"] - 2, text=text[edited["value"]["start"] - 2 : edited["value"]["end"]]
    )
    ann.remove(_region(ann, "units[].shortcomings[]", "垃圾分类"))
    ann.append({"id": "new1", "from_name": LABELS, "to_name": "text", "type": "labels",
                "value": {"start": 0, "end": 2, "text": text[:2], "labels": ["meeting"]}})  # fmt: skip
    labels = sum(1 for r in prediction if r["type"] == "labels")
    assert region_stats(prediction, ann) == {"kept": labels - 2, "edited": 1, "added": 1, "deleted": 1}


@pytest.mark.parametrize("stem_dir", SEEDS, ids=[p.name for p in SEEDS])
def test_no_nested_block_repeats_its_only_span(stem_dir: Path) -> None:
    """An indicator that is only its number is drawn as the number: one region, not two on top of each other."""
    schema, text, record = _seed(stem_dir)
    spec = get_schema(schema)
    ls = label_spec(schema, spec.model)
    results = to_results(ls, text, normalise(ls, record), ground_record(text, spec.model, normalise(ls, record)))
    spans = {(r["value"]["start"], r["value"]["end"]) for r in results
             if r["type"] == "labels" and r["value"]["labels"][0] in ls.spans}  # fmt: skip
    nested = [r for r in results if r["type"] == "labels" and r["value"]["labels"][0] in ls.blocks
              and ls.blocks[r["value"]["labels"][0]].parent is not None]  # fmt: skip
    assert not [b for b in nested if (b["value"]["start"], b["value"]["end"]) in spans]


def test_a_number_marked_inside_a_row_is_a_new_indicator_with_its_controls() -> None:
    (stem_dir,) = [p for p in SEEDS if p.name.startswith("004_")]
    schema, text, record = _seed(stem_dir)
    spec = get_schema(schema)
    ls = label_spec(schema, spec.model)
    record = normalise(ls, record)
    results = to_results(ls, text, record, ground_record(text, spec.model, record))
    item = record["items"][0]
    at = text.index(item["task"])
    row = next(r for r in results if r["type"] == "labels" and r["value"]["labels"] == ["items[]"]
               and r["value"]["start"] <= at < r["value"]["end"])  # fmt: skip
    taken = {(r["value"]["start"], r["value"]["end"]) for r in results if r["type"] == "labels"}
    s = next(i for i in range(row["value"]["start"], row["value"]["end"] - 2)
             if text[i].isdigit() and not text[i - 1].isdigit()
             and not any(a <= i < b for a, b in taken if (a, b) != (row["value"]["start"], row["value"]["end"])))  # fmt: skip
    e = s
    while text[e].isdigit():
        e += 1
    control = next(c for c, f in ls.scalars.items() if f.pattern == "items[].indicators[].value")
    results += [
        {"id": "new1", "from_name": LABELS, "to_name": "text", "type": "labels",
         "value": {"start": s, "end": e, "text": text[s:e], "labels": ["items[].indicators[].text"]}},
        {"id": "new1", "from_name": control, "to_name": "text", "type": "number",
         "value": {"start": s, "end": e, "text": text[s:e], "number": float(text[s:e])}},
    ]  # fmt: skip
    back = from_results(ls, text, results).record
    added = [i for i in back["items"][0]["indicators"] if i["text"] == text[s:e]]
    assert added == [{"name": None, "value": float(text[s:e]), "unit": None, "text": text[s:e]}]


def test_an_indicator_inside_another_indicators_span_keeps_its_own_block() -> None:
    """Seed 003's pre-label: ``500米`` is an indicator of its own inside ``公園綠地500米服務半徑覆蓋率…97%``.
    Drawn as its number alone, readback gave it to the enclosing indicator (two ``.text`` regions,
    quarantined when the annotator accepted the pre-label unchanged)."""
    text = "一、城市環境\n新建綠地2.3公頃，公園綠地500米服務半徑覆蓋率有望實現97%。\n"
    record = {
        "sections": [{
            "heading": "一、城市環境",
            "indicators": [
                {"name": "新建綠地", "value": 2.3, "unit": "公頃", "text": "2.3公頃"},
                {"name": "公園綠地500米服務半徑覆蓋率", "value": 97, "unit": "%", "text": "97%"},
                {"name": None, "value": 500, "unit": "米", "text": "500米"},
            ],
        }]
    }  # fmt: skip
    results = _assert_round_trip("public_report", text, record)
    blocks = [r for r in results if r["type"] == "labels" and r["value"]["labels"] == ["sections[].indicators[]"]]
    assert "500米" in [b["value"]["text"] for b in blocks]
