"""Layouts of the seventh development round (issue 13): structure, not words of the texts.

Made-up snippets in the shapes of real pages the rules did not read: task lines told from headings
by a unit field (bracketed after the task, or on a line of its own below it), decisions listed under
dated meeting headings, tables printed one row per line with spaces between cells, "Y牵头,Z配合"
inside a row, "(1)…" rows in a report's prose; Q&A pages where a host asks, a surname-and-title
label names the official, "记者:…?答:…" run together in one paragraph, a reporter's label that lost
its colon, and a title set on two lines. Reverting a rule turns its test red.
"""

from __future__ import annotations

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.extraction.rules.numbers import FIGURE_SCORE, TARGET_FIGURE, indicators
from annotate.schema_registry import get_schema


def _record(text: str, genre: str = "task_progress") -> tuple[dict, list]:
    record, groundings = prelabel(text, get_schema(genre), None)
    assert check_invariant(text, groundings) == []
    return record, groundings


FIELDS_BELOW = (
    "某市关于印发优化营商环境若干措施的通知\n\n某府办〔2019〕10号\n\n"
    "一、破除不合理门槛\n\n"
    "(一)推进完善PPP长效机制建设,确保项目协议落实到位。\n\n"
    "责任单位:市发改委、市财政局(第一责任单位为牵头单位,下同)\n\n时限要求:持续推进\n\n"
    "(二)严格落实招投标政策,消除不合理限制。\n\n责任单位:市建设局\n\n时限要求:持续推进\n\n"
    "(三)畅通货币信贷政策传导机制,综合运用多种工具"
)


def test_task_lines_are_told_from_headings_by_the_unit_field_below_them() -> None:
    record, _ = _record(FIELDS_BELOW)
    rows = [(i["seq"], i["category"], i["lead_units"]) for i in record["items"]]
    assert rows == [
        (1, "破除不合理门槛", ["市发改委"]),  # the text says the first unit listed leads
        (2, "破除不合理门槛", ["市建设局"]),
        (3, "破除不合理门槛", []),  # cut by the page before its field
    ]
    assert record["items"][2]["task"] == "畅通货币信贷政策传导机制,综合运用多种工具"
    assert record["year"] == "2019"  # the document number's year
    without = FIELDS_BELOW.replace("(第一责任单位为牵头单位,下同)", "")
    assert all(i["lead_units"] == [] for i in _record(without)[0]["items"])  # 责任单位 alone leads nothing


MEETINGS = (
    "现将市政府常务会议议定事项落实情况通报如下:\n"
    "一、尚未完全落实事项\n"
    "(一)2019年11月21日市政府第16次常务会议\n"
    "审议《粮食收购贷款资金管理办法》的落实情况。(责任单位:市发改委、市财政局)\n"
    "《粮食收购贷款资金管理办法》正在按程序送审。\n"
    "(二)2020年4月15日市政府第5次常务会议\n"
    "听取政银担合作机制推进情况的汇报。(责任单位:市金投集团)\n"
    "7家银行已经签署合作协议,累计完成担保业务38笔。\n"
    "二、已基本完成事项\n"
    "(一)2020年1月20日市政府第1次常务会议\n"
    "审议国有企业集中统一监管实施意见的落实情况。(责任单位:市国资委)\n"
    "经研究,决定不再单独出台实施意见。\n"
)


def test_decisions_under_dated_meeting_headings_take_the_headings_number_and_text() -> None:
    record, groundings = _record(MEETINGS)
    rows = [(i["seq"], i["category"], i["lead_units"], i["progress"]) for i in record["items"]]
    assert rows == [
        (1, "2019年11月21日市政府第16次常务会议", [], "《粮食收购贷款资金管理办法》正在按程序送审。"),
        (2, "2020年4月15日市政府第5次常务会议", [], "7家银行已经签署合作协议,累计完成担保业务38笔。"),
        (1, "2020年1月20日市政府第1次常务会议", [], "经研究,决定不再单独出台实施意见。"),
    ]
    task_scores = {g.path: g.confidence for g in groundings if g.path.endswith("].task")}
    assert task_scores["items[2].task"] == task_scores["items[0].task"]  # a restart under a new heading: no doubt


LINES = (
    "某区2017年1-8月重点民生实事完成情况表\n"
    "序号 实事项目名称 责任单位 目标任务 实际完成   完成率% 备注\n"
    "1 农村饮用水安全巩固提升 水务局 1300人 700 54% 已解决700人的饮水问题\n"
    "2 新增城镇就业   人社局 8950 7356 82%\n"
    "3 新增社会治安视频监控摄像头 公安分局 100个 设备购进中\n"
    "4 质量强市战略和食品安全行动 培养省、市名牌产品各一个 质监分局 2 申报省名牌产品5家。\n"
    "开展食品安全九查九扫 食药监管局 11098 14001 126%\n"
)
REMARKS = (
    "某市1-11月重点民生实事工作落实情况\n\n"
    "序号 考核指标 单 位 工作目标 已完成数 占年任务之比 备  注\n"
    "1 城镇新增就业 万人 5.2 7.23  139.1% 人力资源社会保障局\n"
    "2 自然村通水泥路 公里  1360 1361.92  100.1% 交通局\n"
    "提质改造农村公路 公里  168 171.70  102.2%\n"
    "3 农村适龄妇女两癌免费检查 93215 106345 114.1% 妇联\n"
)


def test_a_table_one_row_per_line_aligns_its_cells_by_the_target_figure() -> None:
    record, _ = _record(LINES)
    rows = [(i["seq"], i["category"], i["task"], i["progress"], i["status"]) for i in record["items"]]
    assert rows == [
        (1, None, "农村饮用水安全巩固提升", "700 54% 已解决700人的饮水问题", "in_progress"),
        (2, None, "新增城镇就业", "7356 82%", "in_progress"),
        (3, None, "新增社会治安视频监控摄像头", "设备购进中", "in_progress"),
        (4, "质量强市战略和食品安全行动", "培养省、市名牌产品各一个", "申报省名牌产品5家。", "unclear"),
        (4, "质量强市战略和食品安全行动", "开展食品安全九查九扫", "14001 126%", "completed"),
    ]
    assert all(i["lead_units"] == [] for i in record["items"])  # a 责任单位 column: no lead units
    record, groundings = _record(REMARKS)
    rows = [(i["seq"], i["task"], i["lead_units"], i["progress"]) for i in record["items"]]
    scores = {g.path: g.confidence for g in groundings}
    assert scores["items[2].task"] == scores["items[1].task"]  # a sub-task line is no break in the numbering
    assert rows == [
        (1, "城镇新增就业", ["人力资源社会保障局"], "7.23  139.1%"),
        (2, "自然村通水泥路", ["交通局"], "1361.92  100.1%"),
        (2, "提质改造农村公路", ["交通局"], "171.70  102.2%"),  # the sub-task line repeats its row's unit
        (3, "农村适龄妇女两癌免费检查", ["妇联"], "106345 114.1%"),
    ]


def test_a_lead_unit_said_inside_the_row_and_report_rows_numbered_in_brackets() -> None:
    text = (
        "1、在兰州设立综合配套改革试验区事宜\n"
        "由张副市长负责,市发改委牵头,相关部门配合,尽快完成实施方案。\n"
        "2、大气污染防治对策研究项目\n"
        "由李副市长负责,市环保局牵头,相关部门配合,尽快完成项目报批。\n"
    )
    assert [i["lead_units"] for i in _record(text)[0]["items"]] == [["市发改委"], ["市环保局"]]
    prose = (
        "2018年全省民生工程完成情况\n\n一、项目完成情况\n\n(一)十项民生工程。\n\n1.就业促进工程。\n\n"
        "(1)促进城乡劳动者就业。全省城镇新增就业107.5万人,占目标任务的126.5%。\n\n"
        "(2)帮扶下岗失业人员再就业。下岗失业"
    )
    rows = [(i["seq"], i["category"], i["task"], i["progress"]) for i in _record(prose)[0]["items"]]
    assert rows == [
        (1, "就业促进工程", "促进城乡劳动者就业。", "全省城镇新增就业107.5万人,占目标任务的126.5%。"),
        (2, "就业促进工程", "帮扶下岗失业人员再就业。", "下岗失业"),
    ]


def test_a_yardstick_figure_is_doubted() -> None:
    text = "登记失业率为3.5%,控制在4.5%的年度目标以内;年初计划监督检查11098家,实际检查14001家。"
    scores = {i["text"]: i["text"].score for i in indicators(text, 0, len(text), name_mode="phrase")}
    assert scores == {"3.5%": FIGURE_SCORE, "4.5%": TARGET_FIGURE, "11098家": TARGET_FIGURE, "14001家": FIGURE_SCORE}


HOST = (
    "某区将建最长隧道\n\n12.11.2015  18:20\n\n"
    "  主持人:让我们欢迎区委书记周平,欢迎周书记。\n\n"
    "  周书记:大家好,我是周平,很高兴在这里倾听大家的建议。\n\n"
    "  主持人:周书记,你们最满意的一件事儿是什么?\n\n"
    "  周书记:我觉得最满意的是社会事业的发展。\n\n"
    "  主持人:看来学校和看病是你们特别关心的?\n\n"
    "  周书记:这是民生大事。\n"
)


def test_a_host_who_asks_is_an_asker_and_a_surname_label_names_the_official_in_full() -> None:
    record, _ = _record(HOST, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("周书记,你们最满意的一件事儿是什么?", "我觉得最满意的是社会事业的发展。"),
        ("看来学校和看病是你们特别关心的?", "这是民生大事。"),
    ]
    assert record["speakers"] == ["周平"]


def test_labels_run_together_or_without_their_colon_and_a_title_on_two_lines() -> None:
    run_on = "<正>近日,中央农办负责人就有关情况进行了说明。明确责任记者:《意见》出台有何背景?答:我国脱贫攻坚战取得了全面胜利。"
    record, _ = _record(run_on, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("《意见》出台有何背景?", "我国脱贫攻坚战取得了全面胜利。")
    ]
    colonless = (
        "在九屆全國人大四次會議記者招待會上\n\n基總理答中外記者問\n\n\n"
        "新華社記者您在報告中提出要繼續實施積極的財政政策,請問如何看待財政赤字?\n\n"
        "基答:1997年亞洲發生金融危機,中國經濟面臨很大的困難。\n"
    )
    record, _ = _record(colonless, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        (
            "您在報告中提出要繼續實施積極的財政政策,請問如何看待財政赤字?",
            "1997年亞洲發生金融危機,中國經濟面臨很大的困難。",
        )
    ]
    assert record["title"] == "在九屆全國人大四次會議記者招待會上\n\n基總理答中外記者問"
