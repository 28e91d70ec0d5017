"""Layouts of the ninth development round (issue 13): structure, not words of the texts.

Made-up snippets in the shapes of real pages the rules did not read: 主办/协办 fields on the line
under "(1)…" rows, a task running over bulleted lines to the "(X牽頭,…配合)" that closes it, pipe
sub-rows with their own cells and a completion-rate column, a short header one row per line with
several units on lines of their own, a target reported below its level; Q&A labels with Q/A glued
to the name, "[name]:" labels with timestamps, greetings that answer a welcome. Reverting a rule
turns its test red.
"""

from __future__ import annotations

from annotate.extraction.rules.status import status_of
from tests.support.rules_record import grounded_record


def test_host_fields_under_rows_and_a_task_running_over_bulleted_lines() -> None:
    host = (
        "2021年为民办实事工作计划\n\n一、人居环境提升工程\n\n"
        "(1)实施老旧小区改造提升。改造凤园西侧片区老旧小区。\n\n主办单位:县城投公司,协办单位:住建局、凤城镇。\n\n"
        "(2)提升人行桥景观。美化亮化两岸绿地景观。\n\n主办单位:县建发公司,协办单位:住建局。\n"
    )
    record = grounded_record(host)
    assert [(i["seq"], i["category"], i["lead_units"]) for i in record["items"]] == [
        (1, "人居环境提升工程", ["县城投公司"]),
        (2, "人居环境提升工程", ["县建发公司"]),
    ]
    assert record["title"] == "2021年为民办实事工作计划"
    bullets = (
        "一、基礎設施互聯互通\n"
        "(一)道路暢通工程。加快建設都市圈快速通道。\n"
        "?2019年建成典農河至沙湖旅遊公路;\n"
        "?加快建設銀川東線公路等項目。\n"
        "進一步規范道路限高設施。(自治區交通運輸廳牽頭,自治區發展改革委配合)\n"
        "(二)城際公交工程。加快城際公交一體化進程。\n"
        "?制定都市圈城際公交開通實施方案,研究建立"
    )
    items = grounded_record(bullets)["items"]
    assert [(i["seq"], i["lead_units"]) for i in items] == [(1, ["自治區交通運輸廳"]), (2, [])]
    assert items[0]["task"].startswith("道路暢通工程。") and items[0]["task"].endswith("進一步規范道路限高設施。")


def test_pipe_sub_rows_keep_their_own_cells_and_a_rate_column_joins_the_progress() -> None:
    text = (
        "2024年为民办实事项目完成情况\n"
        "序号 | 实事项目名称 | 完成情况 | 占全年计划 |\n"
        "1 | 新增4000张养老床位 | 4385 | 110% |\n"
        "新增800张养护床位 | 810 | 101% | |\n"
        "2 | 新增30个社区长者食堂 | 27 | 90% |\n"
    )
    rows = [(i["seq"], i["task"], i["progress"], i["status"]) for i in grounded_record(text)["items"]]
    assert rows == [
        (1, "新增4000张养老床位", "4385 | 110%", "completed"),
        (1, "新增800张养护床位", "810 | 101%", "completed"),
        (2, "新增30个社区长者食堂", "27 | 90%", "in_progress"),
    ]


def test_a_short_header_one_row_per_line_with_unit_lines() -> None:
    text = (
        "2025年区政府工作报告目标任务上半年推进情况汇总表\n"
        "序号 目标任务 责任单位 上半年推进情况\n"
        "一、经济社会发展主要预期目标\n"
        "1 地区生产总值增长6%以上。 区发展改革委 地区生产总值同比增长2.9%。\n"
        "2 第一产业增加值增长5%。 区农业农村委\n区林业局\n区供销联社\n第一产业增加值同比增长3.4%。\n"
        "二、重点工作\n"
        "3 工业投资增长12%。 区经济信息委 工业投资同比增长23.5%。\n"
    )
    rows = [
        (i["seq"], i["category"], i["lead_units"], i["progress"], i["status"]) for i in grounded_record(text)["items"]
    ]
    assert rows == [
        (1, "经济社会发展主要预期目标", [], "地区生产总值同比增长2.9%。", "in_progress"),
        (2, "经济社会发展主要预期目标", [], "第一产业增加值同比增长3.4%。", "in_progress"),  # a 责任单位 column
        (3, "重点工作", [], "工业投资同比增长23.5%。", "completed"),
    ]
    assert status_of("同比增长2.9%。", "增长6%以上。") == "in_progress"  # below its target's level


def test_question_and_answer_glued_to_names_and_bracket_labels_with_times() -> None:
    glued = (
        "大文记者精彩提问\n\n2024-03-09 04:03:39大公报\n\n  全国政协新闻发布会\n\n"
        "  Q马静:请问全国政协做了哪些工作?\n\n  A全国政协副秘书长兼新闻发言人刘结一:一年来,委员们建言献策。\n\n"
        "  Q朱烨:今年春运的人员流动量有多少?\n\n  A交通运输部部长李小鹏:春运40天,流动总量达到84.2亿。\n"
    )
    record = grounded_record(glued, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("请问全国政协做了哪些工作?", "一年来,委员们建言献策。"),
        ("今年春运的人员流动量有多少?", "春运40天,流动总量达到84.2亿。"),
    ]
    assert record["speakers"] == ["刘结一", "李小鹏"]
    assert record["date"] == "2024-03-09"
    bracketed = (
        "眉山市长接受人民网专访\n\n"
        " [人民网]:眉山市长李静将于3月3日10:00做客人民网进行访谈,敬请关注。 [11:18]\n"
        "[主持人]:各位网友上午好!欢迎收看访谈。 [10:00]\n \n"
        "[李静]:网友朋友们,大家好!我们时隔一年又见面了。 [10:00]\n \n"
        "[主持人]:请您用几个关键词解读眉山五年的发展? [10:01]\n \n"
        "[李静]:民生得到了极大的改善。 [10:02]\n"
    )
    record = grounded_record(bracketed, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("请您用几个关键词解读眉山五年的发展?", "民生得到了极大的改善。")  # the greeting is no answer
    ]
