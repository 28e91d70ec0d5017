"""Noise (pinyin glosses, forum junk) taken out before the rules read a text, and put back into what they found.

Made-up snippets in the shape of reposted Traditional pages ("責(zé)任單位", "推進(jìn)情況"): a row
closed by a glossed unit field is a row, its values keep their glosses as written, and every
grounding slices the original text. Also the task-page structures the glossed page showed: status
headings that sort the rows ("已完成任務共2項"), and the labelled progress line under a row.
"""

from __future__ import annotations

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.extraction.rules.reading_view import reading_view
from annotate.extraction.rules.spans import Quote
from annotate.schema_registry import get_schema

GLOSSED_ROWS = (
    "州2023年度民生實事推進(jìn)情況\n"
    "(一)已完成任務(wù)共2項\n"
    "1.安置就業(yè)困難人員6100人。(責(zé)任單位:州人力資源局)\n"
    "推進(jìn)情況:累計安置6415人,完成年度任務(wù)的105.16%。\n"
    "2.新開工棚戶區(qū)改造1666套。(責(zé)任單位:州住房局)\n"
    "推進(jìn)情況:已完成改造1666套。\n"
    "(二)已開工建設(shè)任務(wù)共15項\n"
    "1.完成5550畝礦山生態(tài)修復(fù)。(責(zé)任單位:州自然資源局)\n"
    "推進(jìn)情況:已完成修復(fù)1200畝,完成年度任務(wù)的21.6%。\n"
)


def _record(text: str, genre: str = "task_progress") -> tuple[dict, list]:
    record, groundings = prelabel(text, get_schema(genre), None)
    assert check_invariant(text, groundings) == []
    return record, groundings


def test_the_view_drops_glosses_and_maps_every_kept_character_back() -> None:
    text = "推進(jìn)情況:已完成任務(wù)。"
    view = reading_view(text)
    assert view is not None
    assert view.text == "推進情況:已完成任務。"
    assert all(text[view.origin[i]] == ch for i, ch in enumerate(view.text))
    cut = view.recut({"a": [Quote(view.text, 0, 4)], "b": 3})
    assert cut == {"a": ["推進(jìn)情況"], "b": 3}  # the gloss inside the value stays, as written
    assert (cut["a"][0].start, cut["a"][0].end) == (0, 9)
    assert reading_view("沒有注音的文字(2)") is None  # a bracketed figure or word after no Han is no gloss


def test_rows_closed_by_a_glossed_unit_field_are_read_and_keep_their_glosses() -> None:
    record, groundings = _record(GLOSSED_ROWS)
    items = record["items"]
    assert [(i["seq"], i["task"]) for i in items] == [
        (1, "安置就業(yè)困難人員6100人。"),
        (2, "新開工棚戶區(qū)改造1666套。"),
        (1, "完成5550畝礦山生態(tài)修復(fù)。"),
    ]
    assert [i["lead_units"] for i in items] == [[], [], []]  # 責任單位 is no lead field
    assert record["title"] == "州2023年度民生實事推進(jìn)情況"
    assert all(GLOSSED_ROWS[g.start : g.end] == g.value for g in groundings)


def test_a_labelled_progress_line_under_a_row_is_its_progress() -> None:
    record, _ = _record(GLOSSED_ROWS)
    assert [i["progress"] for i in record["items"]] == [
        "累計安置6415人,完成年度任務(wù)的105.16%。",
        "已完成改造1666套。",
        "已完成修復(fù)1200畝,完成年度任務(wù)的21.6%。",
    ]


def test_status_headings_state_the_status_of_their_rows_and_are_no_category() -> None:
    record, _ = _record(GLOSSED_ROWS)
    assert [(i["category"], i["status"]) for i in record["items"]] == [
        (None, "completed"),
        (None, "completed"),
        (None, "in_progress"),
    ]
    plain = GLOSSED_ROWS.replace("(一)已完成任務(wù)共2項", "(一)社會保障").replace(
        "(二)已開工建設(shè)任務(wù)共15項", "(二)生態(tài)環(huán)境"
    )
    record, _ = _record(plain)
    assert [i["category"] for i in record["items"]] == ["社會保障", "社會保障", "生態(tài)環(huán)境"]


def test_a_photo_caption_with_its_credit_is_no_title() -> None:
    text = (
        "國務院今日上午舉行吹風會,請起草組負責人沈(shen)丹陽解讀報告,並答記者問。\n"
        "起草組負責人沈(shen)丹陽回答記者提問(中(zhong)國網 楊佳 攝(she))\n"
        "記者:三中全會對深化改革作出了部署,報告如何落實?\n"
        "沈丹陽:報告把改革放在突出位置。\n"
    )
    record, _ = _record(text, "public_report")
    assert record["title"] is None
    assert [q["question"] for q in record["qa"]] == ["三中全會對深化改革作出了部署,報告如何落實?"]


def test_numbering_that_restarts_under_a_new_status_heading_is_no_break() -> None:
    _, groundings = _record(GLOSSED_ROWS)
    tasks = {g.path: g.confidence for g in groundings if g.path.endswith(".task")}
    assert tasks["items[2].task"] == tasks["items[0].task"]  # row 1 of the second group: not in doubt
