"""Low-confidence regions carry the 待核 mark; the mark is in no stored value, so gold is unchanged.

The browser test shows the mark on the highlight; these check what the push sends and what the
pull reads, without a server.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from label_studio_sdk.label_interface import LabelInterface

from annotate.core.grounding import ground_record
from annotate.core.types import Grounding
from annotate.labelstudio.config import (
    DOUBT_BELOW,
    DOUBT_MARK,
    LABELS,
    UNALIGNED,
    build_config,
    doubtful,
    label_spec,
)
from annotate.labelstudio.convert import normalise, to_results
from annotate.labelstudio.readback import from_results, region_stats
from annotate.schema_registry import get_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "labelstudio"
LOW = "垃圾分类"
"""The one shortcoming the model is unsure of in these tests."""


def _meeting(low: float, prediction: bool = False) -> tuple[Any, str, dict[str, Any], list[Grounding]]:
    """The review meeting with every aligned value at 0.95 except ``LOW`` at ``low``."""
    text = (FIXTURES / "review_meeting.txt").read_text(encoding="utf-8")
    name = "review_meeting.prediction.json" if prediction else "review_meeting.gold.json"
    model = get_schema("meeting_review").model
    ls = label_spec("meeting_review", model)
    record = normalise(ls, json.loads((FIXTURES / name).read_text(encoding="utf-8")))
    groundings = [
        g if not g.aligned else g.model_copy(update={"confidence": low if g.value == LOW else 0.95})
        for g in ground_record(text, model, record)
    ]
    return ls, text, record, groundings


def _regions(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if r["type"] == "labels"]


def test_only_regions_below_the_threshold_are_marked() -> None:
    ls, text, record, groundings = _meeting(0.3)
    results = to_results(ls, text, record, groundings)
    marked = [r for r in _regions(results) if r["id"].endswith(DOUBT_MARK)]
    assert [(r["value"]["text"], r["score"]) for r in marked] == [(LOW, 0.3)]
    assert all(r.get("score", 1.0) >= DOUBT_BELOW for r in _regions(results) if r not in marked)
    # the region's own controls and any relation follow its id
    rid = marked[0]["id"]
    assert all(r["id"] == rid for r in results if r.get("id", "").startswith(rid.removesuffix(DOUBT_MARK)))
    assert (
        LabelInterface(build_config(ls)).validate_prediction({"result": results, "score": 0.5}, return_errors=True)
        == []
    )


def test_the_threshold_is_strict_and_a_region_without_a_score_is_never_doubted() -> None:
    assert doubtful(DOUBT_BELOW - 0.01) and not doubtful(DOUBT_BELOW) and not doubtful(None)
    ls, text, record, groundings = _meeting(DOUBT_BELOW)
    assert not any(r["id"].endswith(DOUBT_MARK) for r in _regions(to_results(ls, text, record, groundings)))
    blocks = [
        r for r in _regions(to_results(ls, text, record, _meeting(0.0)[3])) if r["value"]["labels"] == ["units[]"]
    ]
    assert blocks and not any(r["id"].endswith(DOUBT_MARK) or "score" in r for r in blocks)


def test_the_mark_is_no_stored_value_and_pull_reads_the_same_gold() -> None:
    ls, text, record, low = _meeting(0.3)
    _, _, _, high = _meeting(0.95)
    marked, plain = to_results(ls, text, record, low), to_results(ls, text, record, high)
    assert sum(r["id"].endswith(DOUBT_MARK) for r in _regions(marked)) == 1

    def stored(results: list[dict[str, Any]]) -> list[Any]:
        """What Label Studio keeps of a region apart from its id and the model's score."""
        return [(r["from_name"], r["type"], r["value"]) for r in results]

    assert stored(marked) == stored(plain)
    a, b = from_results(ls, text, marked), from_results(ls, text, plain)
    assert a.record == b.record == record
    assert [g.model_dump() for g in a.groundings] == [g.model_dump() for g in b.groundings]
    # accepted as drawn: every region kept, the marked one too
    assert region_stats(marked, copy.deepcopy(marked))["kept"] == len(_regions(marked))


def test_an_annotator_who_redraws_a_marked_region_changes_nothing_in_gold() -> None:
    """A region drawn by hand gets the editor's own id, so no mark; the record is the same."""
    ls, text, record, groundings = _meeting(0.3)
    results = to_results(ls, text, record, groundings)
    ann = copy.deepcopy(results)
    region = next(r for r in _regions(ann) if r["id"].endswith(DOUBT_MARK))
    for r in ann:
        if r.get("id") == region["id"]:
            r["id"] = "Xk3_hand"
        if r.get("type") == "relation" and region["id"] in (r["from_id"], r["to_id"]):
            r.update({k: "Xk3_hand" for k in ("from_id", "to_id") if r[k] == region["id"]})
    assert from_results(ls, text, ann).record == from_results(ls, text, results).record == record
    assert region_stats(results, ann) | {"kept": 0} == {"kept": 0, "edited": 0, "added": 1, "deleted": 1}


def test_unaligned_values_stay_in_the_document_box_and_carry_no_mark() -> None:
    ls, text, record, groundings = _meeting(0.3, prediction=True)
    unaligned = [g for g in groundings if not g.aligned]
    assert [g.path for g in unaligned] == ["directives[1]"]
    results = to_results(ls, text, record, groundings)
    (box,) = [r for r in results if r["from_name"] == UNALIGNED]
    assert box["value"]["text"] == ["directives[1] = 要抓好安全生产工作"]
    assert not any(r["value"]["text"] == unaligned[0].value for r in _regions(results))


@pytest.mark.parametrize("rid", ["s0007_doubt", "s0012"])
def test_the_config_style_selects_the_class_the_editor_gives_a_marked_region(rid: str) -> None:
    """The editor's highlight class is ``htx-highlight-<region id>-<n>``; the style's selector
    is a substring match on it, so it must match a marked id and never a plain one."""
    xml = build_config(label_spec("meeting_review", get_schema("meeting_review").model))
    LabelInterface(xml).validate()
    root = ElementTree.fromstring(xml)
    (style,) = [e.text or "" for e in root.iter("Style")]
    selector = f"[class*={DOUBT_MARK}-]"
    assert selector in style and "待核" in style and "wavy" in style
    assert (selector.removeprefix("[class*=").removesuffix("]") in f"htx-highlight-{rid}-3") == rid.endswith(DOUBT_MARK)
    legend = [h.get("value", "") for h in root.iter("Header") if "待核" in h.get("value", "")]
    assert legend and str(DOUBT_BELOW) in legend[0]
    assert LABELS in {e.get("name") for e in root.iter("Labels")}
