"""Reading real answers of a small model: each behaviour seen ends in a grounded record or a reason.

The answers under ``tests/fixtures/llm/observed/`` are raw responses of the local model
(Qwen2.5-Coder-1.5B-Instruct) to real prompts, kept as they came (logprobs removed for size).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from annotate.core.types import AlignmentStatus
from annotate.documents import load_document
from annotate.extraction.answers import read_answer
from annotate.schema_registry import get_schema

ROOT = Path(__file__).resolve().parents[2]
OBSERVED = ROOT / "tests" / "fixtures" / "llm" / "observed"


def observed(name: str) -> tuple[ChatCompletion, str, Any]:
    data = json.loads((OBSERVED / f"{name}.json").read_text(encoding="utf-8"))
    return ChatCompletion.model_validate(data["response"]), load_document(ROOT / data["document"]).text, get_schema(
        data["schema"]
    ).model


def fake(content: str, finish: str = "stop") -> ChatCompletion:
    return ChatCompletion.model_validate({
        "id": "x", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": content}}],
    })  # fmt: skip


def test_whole_shortcoming_sentences_become_their_areas_each_grounded() -> None:
    response, text, model = observed("seed000_tools_v1")
    answer = read_answer(response, model, text, require_values=True)
    units = {u["unit"]: u for u in answer.record["units"]}
    assert units["天桥街道"]["shortcomings"] == ["接诉即办", "大气污染治理", "背街小巷环境提升"]
    assert units["新街口街道"]["shortcomings"] == ["接诉即办", "维护安全稳定", "提升社区治理能力和水平"]
    for g in answer.groundings:
        if ".shortcomings[" in g.path and g.aligned:
            assert text[g.start : g.end] == g.value


def test_a_speaker_s_title_is_not_part_of_the_unit_and_empty_details_are_missing() -> None:
    response, text, model = observed("seed000_tools_v1")
    record = read_answer(response, model, text, require_values=True).record
    assert "区委教育工委" in [u["unit"] for u in record["units"]]
    assert "区委教育工委书记" not in [u["unit"] for u in record["units"]]
    assert {b["details"] for b in record["briefings"]} == {None}


def test_an_invented_unit_is_kept_flagged_and_named_for_a_reask() -> None:
    response, text, model = observed("seed000_tools_v1")
    answer = read_answer(response, model, text, require_values=True)
    invented = [g for g in answer.groundings if g.value == "区委组织部"]
    assert invented and invented[0].status is AlignmentStatus.UNALIGNED
    assert [(f.path, f.kind) for f in answer.faults] == [(invented[0].path, "ungrounded")]
    assert answer.reaskable


def test_run_together_directives_are_split_and_a_paraphrase_is_flagged() -> None:
    response, text, model = observed("seed000_json_v1")
    answer = read_answer(response, model, text, require_values=True)
    directives = answer.record["directives"]
    assert "提速加力抓好“每月一题”工作，坚持牵头抓总、强化统筹协调，结合实际情况，以热线集中诉求点位为抓手，持续跟进、评估效果、梳理经验" in directives
    assert not any("。" in d for d in directives)
    # the model rewrote one sentence ("要持续推进大气污染防治工作，把…"): kept, flagged, named for a re-ask
    unaligned = [g.path for g in answer.groundings if g.path.startswith("directives") and not g.aligned]
    assert unaligned == ["directives[3]"]
    assert ("directives[3]", "ungrounded") in [(f.path, f.kind) for f in answer.faults]


def test_a_cut_off_answer_keeps_its_complete_part_and_is_not_reasked() -> None:
    text = "甲街道完成老旧小区改造12个；建成社区食堂3家。乙街道推进背街小巷整治。"
    cut = '{"units": [{"unit": "甲街道", "achievements": ["完成老旧小区改造12个", "建成社区食堂5家"]}, {"unit": "乙街'
    answer = read_answer(fake(cut, "length"), get_schema("meeting_review").model, text, require_values=True)
    assert [u["unit"] for u in answer.record["units"]] == ["甲街道"]
    assert answer.truncated and answer.notes[0].startswith("the answer hit max_tokens")
    assert answer.faults and not answer.reaskable, "a re-ask would run out of room the same way"


def test_an_answer_that_is_not_json_is_a_fault_with_its_reason() -> None:
    answer = read_answer(fake("好的，以下是抽取结果：没有"), get_schema("meeting_review").model, "原文", require_values=True)
    assert answer.record is None and not answer.usable
    assert answer.summary().startswith("not JSON")


def test_a_unit_with_a_wrong_type_is_dropped_with_a_note() -> None:
    text = "甲街道完成改造。乙街道推进整治。"
    raw = '{"units": [{"unit": "甲街道", "achievements": ["完成改造"]}, {"unit": ["乙街道"], "achievements": "推进整治"}]}'
    answer = read_answer(fake(raw), get_schema("meeting_review").model, text, require_values=True)
    assert [u["unit"] for u in answer.record["units"]] == ["甲街道"]
    assert answer.notes and answer.notes[0].startswith("dropped units[1]")
    assert [f.kind for f in answer.faults] == ["invalid"] and answer.usable


def test_a_neighbour_s_value_copied_into_another_item_is_named_and_scores_zero() -> None:
    text = "甲街道完成改造。但在垃圾分类等方面仍存不足。乙街道推进整治。"
    raw = ('{"units": [{"unit": "甲街道", "achievements": ["完成改造"], "shortcomings": ["垃圾分类"]},'
           ' {"unit": "乙街道", "achievements": ["推进整治"], "shortcomings": ["垃圾分类"]}]}')  # fmt: skip
    answer = read_answer(fake(raw), get_schema("meeting_review").model, text, require_values=True)
    assert [(f.path, f.kind) for f in answer.faults] == [("units[1].shortcomings[0]", "copied")]
    assert answer.copied == {"units[1].shortcomings[0]"} and answer.reaskable
    assert "the same text as units[0].shortcomings[0]" in answer.summary()


def test_trailing_commas_are_forgiven_with_a_note() -> None:
    response, text, model = observed("seed003_md_json_trailing_commas")
    answer = read_answer(response, model, text, require_values=True)
    assert answer.record is not None and answer.record["qa"], answer.summary()
    assert "trailing commas" in answer.notes[0]
    assert all(g.aligned for g in answer.groundings if g.path.startswith("qa["))


def test_json_that_breaks_midway_keeps_what_came_before() -> None:
    text = "甲街道完成改造。乙街道推进整治。"
    raw = '```json\n{"units": [{"unit": "甲街道", "achievements": ["完成改造"]}, {"unit": "乙街道" "achievements": []}]}\n```'
    answer = read_answer(fake(raw), get_schema("meeting_review").model, text, require_values=True)
    assert [(u["unit"], u["achievements"]) for u in answer.record["units"]] == [("甲街道", ["完成改造"]), ("乙街道", [])]
    assert "broke at character" in answer.notes[0] and not answer.reaskable


def test_a_piece_of_a_completion_cell_becomes_the_whole_cell_and_a_borrowed_cell_is_named() -> None:
    response, text, model = observed("rows004_md_json_partial_cells")
    spec = get_schema("task_progress")
    answer = read_answer(response, model, text, require_values=True, clean=spec.clean)
    expected = json.loads((ROOT / "tests/fixtures/excerpts/004_rows_01_04.expected.json").read_text(encoding="utf-8"))
    got = {i["seq"]: i["progress"] for i in answer.record["items"]}
    want = {i["seq"]: i["progress"] for i in expected["items"]}
    assert got[2] == want[2] and got[4] == want[4], "pieces widened to their whole cells"
    assert got[1] != want[1], "a paraphrased piece (全年 for 2020年度) is not in the text: left as it is"
    assert ("items[3].progress", "copied") in [(f.path, f.kind) for f in answer.faults], "row 4's cell given for row 3"
