"""Structural rules for the layouts of issue 13 part 2: speaker-labelled Q&A and other table forms.

Each text is made up (two or three lines of the form), so a rule is tested by its shape alone.
"""

from __future__ import annotations

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema


def _record(text: str, genre: str) -> dict:
    record, groundings = prelabel(text, get_schema(genre), None)
    assert check_invariant(text, groundings) == []
    return record


def test_speaker_labelled_turns_are_question_and_answer() -> None:
    text = (
        "发布会实录\n▲某报记者:明年的重点是什么?\n张三:重点是民生。\n主持人:下一位。\n记者:还有吗?\n主持人:时间到了。\n"
    )
    record = _record(text, "public_report")
    assert [(q["question"], q["answer"]) for q in record["qa"]] == [("明年的重点是什么?", "重点是民生。")]
    assert record["speakers"] == ["张三"]


def test_a_question_cut_before_its_answer_is_no_pair() -> None:
    record = _record("答问\n記者:第一問?\n行政長官:第一答。\n記者:第二", "public_report")
    assert [q["question"] for q in record["qa"]] == ["第一問?"]


def test_one_cell_per_line_table_is_read_by_its_header() -> None:
    text = "进度表\n\n序号\n\n项目内容\n\n上月进度\n\n当前进度\n\n牵头单位\n\n备注\n\n1\n\n建设道路5公里。\n\n70%\n\n80%\n\n县交通局\n\n县实事\n\n2.\n\n新建学校2所。\n\n90%\n\n100%\n\n县教育局\n\n县实事\n"
    items = _record(text, "task_progress")["items"]
    assert [(i["seq"], i["task"], i["lead_units"], i["progress"], i["category"]) for i in items] == [
        (1, "建设道路5公里。", ["县交通局"], "80%", "县实事"),
        (2, "新建学校2所。", ["县教育局"], "100%", "县实事"),
    ]
    assert [i["status"] for i in items] == ["in_progress", "completed"]


def test_pipe_table_with_merged_cells_repeats_the_number_and_lead_unit() -> None:
    text = (
        "清单\n重点工作 | 细化任务 | 分管领导 | 牵头单位 | 落实情况 |\n"
        "7.做好环卫。 | ①建设中心。 | 王五 | 城管局 | 已开工。 |\n"
        "②撤桶并点。 | 推进缓慢。 | ||\n"
        "8.治理违建。 | 削减违建。 | 王五 | 城管局 | 已削减。 |\n"
    )
    items = _record(text, "task_progress")["items"]
    assert [(i["seq"], i["category"], i["task"], i["lead_units"], i["progress"]) for i in items] == [
        (7, "做好环卫", "①建设中心。", ["城管局"], "已开工。"),
        (7, "做好环卫", "②撤桶并点。", ["城管局"], "推进缓慢。"),
        (8, "治理违建", "削减违建。", ["城管局"], "已削减。"),
    ]


def test_allocation_lines_take_the_labelled_lead_unit_and_the_part_heading() -> None:
    text = "一、主要目标\n\n1.增长6%。\n\n牵头单位:区发改局\n\n责任单位:各街道\n\n2.收入增长8%。\n\n牵头单位:区财政局、区税务局\n"
    items = _record(text, "task_progress")["items"]
    assert [(i["seq"], i["category"], i["task"], i["lead_units"]) for i in items] == [
        (1, "主要目标", "增长6%。", ["区发改局"]),
        (2, "主要目标", "收入增长8%。", ["区财政局", "区税务局"]),
    ]
    assert all(i["progress"] is None and i["status"] == "unclear" for i in items)


def test_bold_lead_ins_head_sections_and_a_byline_names_the_speaker() -> None:
    text = (
        "工作报告全文\n政 府 工 作 报 告\n——2022年12月27日在某某区第十届人民代表大会第二次全体会议上\n区人民政府区长 李四\n各位代表:\n"
        "现在,我代表区人民政府报告工作。\n一、工作回顾\n一年来,我们完成了任务。\n"
        "——经济运行向好。地区生产总值564亿元,同比下降2%;投资增长。\n"
    )
    record = _record(text, "public_report")
    assert record["title"] == "政 府 工 作 报 告" and record["date"] == "2022-12-27"
    assert record["speakers"] == ["李四"]
    assert [(s["heading"], s["highlights"]) for s in record["sections"]] == [
        ("一、工作回顾", ["一年来,我们完成了任务"]),
        ("经济运行向好", ["地区生产总值564亿元,同比下降2%", "投资增长"]),
    ]
    assert [(i["name"], i["text"]) for i in record["sections"][1]["indicators"]] == [
        ("地区生产总值", "564亿元"),
        (None, "2%"),  # a change names no metric
    ]


def test_a_transcript_block_is_no_section_and_its_lead_dates_the_event() -> None:
    text = (
        "据报道,2016年3月2日下午,新闻发布会在北京举行。记者提问踊跃。\n发布会答记者问(附图)\n"
        "▲某报记者:明年的重点是什么?\n张三:重点是民生。\n"
    )
    record = _record(text, "public_report")
    assert record["title"] == "发布会答记者问" and record["date"] == "2016-03-02"
    assert record["sections"] == [] and len(record["qa"]) == 1


def test_markdown_rows_with_a_number_column_and_the_later_of_two_progress_columns() -> None:
    text = "完成情况表\n| 序号 | 工作任务 | 牵头单位 | 1-10月进展 | 1-11月进展 |\n|---|---|---|---|---|\n| 1 | 修路 | 区交通局 | 完成80% | 完成90% |\n| 2 | 建园 | 区园林局 | 完成50% | 完成60% |\n"
    items = _record(text, "task_progress")["items"]
    assert [(i["seq"], i["task"], i["lead_units"], i["progress"]) for i in items] == [
        (1, "修路", ["区交通局"], "完成90%"),
        (2, "建园", ["区园林局"], "完成60%"),
    ]


def test_a_target_list_takes_the_bureaus_in_parentheses_as_lead_units() -> None:
    text = "某区2023年主要目标分解\n一、主要指标\n1.地区生产总值增长6%(区发改局/区统计局)\n2.财政收入增长8%(区财政局)\n"
    record = _record(text, "task_progress")
    assert record["title"] == "某区2023年主要目标分解"
    assert [(i["seq"], i["category"], i["task"], i["lead_units"]) for i in record["items"]] == [
        (1, "主要指标", "地区生产总值增长6%", ["区发改局", "区统计局"]),
        (2, "主要指标", "财政收入增长8%", ["区财政局"]),
    ]


def test_a_greeting_to_the_audience_asks_nothing() -> None:
    from annotate.extraction.rules import report

    assert report.extract("工作报告\n各位代表:现在我报告工作。\n区长:好。\n")["qa"] == []
