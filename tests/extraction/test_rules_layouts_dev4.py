"""Layouts of real progress notices and press pages the rules first missed (issue 13, dev4 texts).

Each text is small and made up, in the layout of a real page: what is asserted is that the rules
read the structure (a "牵头部门:X。" field with the progress after it on the same line, a speaker
label in brackets with no colon, numbered turns whose labels are media names answered by one
recurring official).
"""

from __future__ import annotations

import annotate


def _record(text: str, schema: str) -> dict:
    return annotate.extract(text, schema=schema, backend="rules").record


def test_a_lead_field_ends_at_its_sentence_and_the_rest_of_the_row_is_its_progress() -> None:
    text = (
        "二、部分项目进展情况\n1、农村道路工程,牵头部门:市交通局。建设进度较慢的县区为甲县。\n"
        "2、饮水安全工程,牵头部门:市水利局。未完成任务的县区为乙县、丙县。\n"
    )
    items = _record(text, "task_progress")["items"]
    assert [i["lead_units"] for i in items] == [["市交通局"], ["市水利局"]]
    assert [i["task"] for i in items] == ["农村道路工程", "饮水安全工程"]
    assert [i["progress"] for i in items] == ["建设进度较慢的县区为甲县。", "未完成任务的县区为乙县、丙县。"]


def test_a_speaker_label_in_brackets_without_a_colon_is_a_turn() -> None:
    text = "吹风会实录\n\n[某通讯社记者]今年的风险在哪里?\n\n[研究室司长 张三]风险主要在两个方面。\n"
    qa = _record(text, "public_report")["qa"]
    assert [(p["question"], p["answer"]) for p in qa] == [("今年的风险在哪里?", "风险主要在两个方面。")]


def test_numbered_media_turns_answered_by_one_recurring_official_are_questions() -> None:
    text = (
        "发布会一分钟版本:\n1、大会议程:\n大会3日开幕。\n2、甲日报:经济增速如何?\n王五:增速平稳。\n"
        "3、乙电台:改革会放缓吗?\n王五:不会放缓。\n"
    )
    qa = _record(text, "public_report")["qa"]
    assert [(p["question"], p["answer"]) for p in qa] == [
        ("经济增速如何?", "增速平稳。"),
        ("改革会放缓吗?", "不会放缓。"),
    ]
