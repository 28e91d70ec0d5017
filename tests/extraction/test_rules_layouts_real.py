"""Layouts of real task tables and Q&A pages the rules first missed (issue 13, dev2 texts).

Each text is small and made up, in the layout of a real page: what is asserted is that the rules
read the structure (a bracketed or parenthesised lead, a "…牵头" line, a cell per line with its
"|", a chair calling the next speaker, letter-spacing, a label on a line of its own, "X答:").
"""

from __future__ import annotations

import annotate


def _record(text: str, schema: str) -> dict:
    return annotate.extract(text, schema=schema, backend="rules").record


def test_a_lead_in_brackets_after_the_task_ends_the_task_and_the_nearest_heading_is_the_category() -> None:
    text = (
        "一、统筹发展\n(一)稳住经济\n1、推动项目开工。[牵头单位:区发改局、区住建局;责任单位:各街道]\n"
        "2、扩大有效投资。[牵头单位:区财政局;责任单位:各部门]\n"
    )
    items = _record(text, "task_progress")["items"]
    assert [i["task"] for i in items] == ["推动项目开工。", "扩大有效投资。"]
    assert [i["lead_units"] for i in items] == [["区发改局", "区住建局"], ["区财政局"]]
    assert {i["category"] for i in items} == {"稳住经济"}


def test_units_before_lead_in_a_closing_parenthesis_lead_and_a_cut_one_keeps_whole_names() -> None:
    text = (
        "一、优化审批\n1.推行清单管理。(市政府办公室、市审改办牵头,各县区按职责负责)\n"
        "2.深化集中审批。(市政府办公室、市审"
    )
    items = _record(text, "task_progress")["items"]
    assert [i["lead_units"] for i in items] == [["市政府办公室", "市审改办"], ["市政府办公室"]]
    assert items[0]["task"] == "推行清单管理。"


def test_a_cut_parenthesis_names_no_lead_when_the_rows_before_did_not_use_one() -> None:
    text = "1.推行清单管理。\n牵头单位:市政府办公室\n2.深化集中审批。(市政府办公室、市审"
    items = _record(text, "task_progress")["items"]
    assert [i["lead_units"] for i in items] == [["市政府办公室"], []]


def test_a_labelled_line_naming_who_leads_gives_the_lead_unit_not_the_leader() -> None:
    text = "1.地区生产总值增长6%。\n分管领导:张三\n部门分工:省发展改革委牵头,各地配合。\n2.收入增长5%。\n部门分工:省财政厅牵头,"
    items = _record(text, "task_progress")["items"]
    assert [i["lead_units"] for i in items] == [["省发展改革委"], ["省财政厅"]]


def test_a_table_with_one_cell_per_line_and_its_pipe_is_read_and_a_responsible_unit_does_not_lead() -> None:
    text = "2025年重点工作清单\n序号 |\n重点工作 |\n责任单位 |\n完成时限 |\n1 |\n建设园区道路。 |\n建设局 |\n全年 |\n2 |\n盘活存量土地。 |\n改革办 |\n全年 |\n"
    items = _record(text, "task_progress")["items"]
    assert [(i["seq"], i["task"], i["lead_units"]) for i in items] == [
        (1, "建设园区道路。", []),
        (2, "盘活存量土地。", []),
    ]


def test_a_chair_calling_the_next_speaker_sits_between_a_question_and_its_answer() -> None:
    text = (
        "答问会全文\n王明议员:特首,请问何时落实?\n\n立法会主席李四议员:行政长官。\n\n"
        "行政长官:多谢主席,年内落实。\n\n立法会主席李四议员:王明议员。\n\n王明议员:有没有时间表?\n\n"
        "立法会主席李四议员:行政长官。\n\n行政长官:下月公布。\n"
    )
    qa = _record(text, "public_report")["qa"]
    assert [(p["question"], p["answer"]) for p in qa] == [
        ("特首,请问何时落实?", "多谢主席,年内落实。"),
        ("有没有时间表?", "下月公布。"),
    ]


def test_letter_spaced_turns_are_read_and_the_answerer_is_named_from_the_lead() -> None:
    text = (
        "答 问 大 会 全 文\n\n以 下 为 行 政 长 官 董 建 华 今 日 出 席 答 问 大 会 的 全 文 :\n\n"
        "李 永 达 议 员 : 特 首 , 你 怎 样 看 ?\n\n行 政 长 官 : 香 港 今 日 很 成 功 。\n"
    )
    record = _record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("特 首 , 你 怎 样 看 ?", "香 港 今 日 很 成 功 。")
    ]
    assert record["speakers"] == ["董 建 华"]


def test_a_label_on_its_own_line_takes_the_next_line_and_timestamps_are_neither_title_nor_heading() -> None:
    text = (
        "主持人 张三:\n请大家提问。\n2024-03-08 10:49:41\n中央电视台记者:\n今年有哪些举措?谢谢。\n"
        "2024-03-08 11:39:02\n工业和信息化部部长 金壮龙:\n谢谢你的提问。\n我们将推进新型工业化。\n"
    )
    record = _record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [("今年有哪些举措?谢谢。", "谢谢你的提问。")]
    assert record["speakers"] == ["金壮龙"] and record["date"] == "2024-03-08"
    assert record["sections"] == [] and record["title"] is None


def test_a_question_after_lost_indentation_and_an_answer_after_a_label_ending_in_answer() -> None:
    text = "解读\n????问:为什么要改革?\n????国务院办公室负责人答:时机已经成熟。\n"
    qa = _record(text, "public_report")["qa"]
    assert [(p["question"], p["answer"]) for p in qa] == [("为什么要改革?", "时机已经成熟。")]
