"""Layouts of the eighth development round (issue 13): structure, not words of the texts.

Made-up snippets in the shapes of real pages the rules did not read: a pipe table whose 序号 is the
second column (the category cell merged over the rows below), a lead-unit cell holding a unit and
its official, a row one cell short because its lead-unit cell was merged with the row above, rows
whose numbers skip (an excerpt of a longer list), tasks closed by "(X主办,Y协办)" / "(X负责)" with
rows glued onto one line, numbered targets each followed by its report line; Q&A labelled 【问】/【答】,
a news page's "date 来源:" line, a question wrapped after a comma; and the evidence that doubts a row
text cut across the layout. Reverting a rule turns its test red.
"""

from __future__ import annotations

from annotate.extraction.rules.evidence import CUT_ACROSS_STRUCTURE, weigh
from tests.support.rules_record import grounded_record

INNER_SEQ = (
    "大类 | 序号 | 工作任务 | 分管 市领导 | 牵头单位及 主要负责人 | 落实进展情况 |\n"
    "一、提高底线民生保障水平 | 1 | 将低保补差水平提高到每人每月609元。 | 陈某 | 市民政局 伍泽国 | 已完成。 已提高到835元/人月。 |\n"
    "2 | 提高特困人员供养标准。 | 陈某 | 市民政局 伍泽国 | 已完成。 已提高供养最低标准。 |\n"
    "二、促进就业 | 3 | 城镇新增就业3万人。 | 李某 | 市人社局 张三 | 新增就业2.1万人,完成70%。 |\n"
)


def test_a_seq_column_after_the_category_and_a_unit_cell_holding_its_official() -> None:
    record = grounded_record(INNER_SEQ)
    rows = [(i["seq"], i["category"], i["lead_units"], i["status"]) for i in record["items"]]
    assert rows == [
        (1, "提高底线民生保障水平", ["市民政局"], "completed"),
        (2, "提高底线民生保障水平", ["市民政局"], "completed"),  # the merged category repeated
        (3, "促进就业", ["市人社局"], "in_progress"),
    ]
    assert record["items"][0]["indicators"][0]["unit"] == "元/人月"


MERGED_LEAD = (
    "2024年4月民生实事项目进展情况汇总表\n"
    "序号 | 项目内容 | 月度工作计划 | 牵头单位 | 落实情况 |\n"
    "1 | 为老年人免费接种流感疫苗24723人。 | 4月:制定工作方案。 | 县卫生健康局 | 已完成。 已制定并下发工作方案。 |\n"
    "2 | 为重点人群免费开展结直肠癌筛查7400人。 | 4月:完成筛查人数1480人。 | 已完成。 完成筛查人数3495人,完成率47.23%。 | |\n"
    "3 | 培训应急救护人员235人。 | 4月:完成培训65人。 | 县红十字会 | 已完成。 已培训188人,完成进度80%。 |\n"
)


def test_a_row_that_lost_its_merged_lead_cell_takes_the_row_aboves_unit() -> None:
    items = grounded_record(MERGED_LEAD)["items"]
    assert [(i["seq"], i["lead_units"], i["progress"]) for i in items] == [
        (1, ["县卫生健康局"], "已完成。 已制定并下发工作方案。"),
        (2, ["县卫生健康局"], "已完成。 完成筛查人数3495人,完成率47.23%。"),
        (3, ["县红十字会"], "已完成。 已培训188人,完成进度80%。"),
    ]


SPARSE = (
    "【落实情况】某局2025年政府工作报告主要任务上半年落实情况\n"
    "序号 |\n主要任务 |\n牵头单位 |\n落实情况 |\n"
    "145 |\n严格执行城市公共空间规划建设治理导则。 |\n市自规局、市城管局 市商务局 |\n扎实开展道路、游园等建设。 |\n"
    "249 |\n支持志愿服务等事业发展。 |\n市委社会工作部 市气象局 |\n运行率达99.69%。 |\n"
)


def test_rows_of_an_excerpt_may_skip_numbers() -> None:
    record = grounded_record(SPARSE)
    assert [(i["seq"], i["lead_units"]) for i in record["items"]] == [
        (145, ["市自规局", "市城管局", "市商务局"]),
        (249, ["市委社会工作部", "市气象局"]),
    ]
    assert record["title"] == "某局2025年政府工作报告主要任务上半年落实情况"  # the site's 【tag】 dropped


VERB_FIELDS = (
    "某省人民政府关于落实《政府工作报告》重点工作责任分工的意见\n\n"
    "  一、全省经济社会发展主要目标\n\n"
    "  (一)地区生产总值增长11%左右。(省发改委负责)(二)公共财政收入增长13%左右。(省财政厅主办,省国税局、地税局协办)\n\n"
    "  (三)城镇居民人均可支配收入增长12%以上。(省发改委、农委、统计局分别负责)\n"
)


def test_units_with_their_verb_close_a_task_and_glued_rows_are_split() -> None:
    record = grounded_record(VERB_FIELDS)
    rows = [(i["seq"], i["task"], i["lead_units"]) for i in record["items"]]
    assert rows == [
        (1, "地区生产总值增长11%左右。", ["省发改委"]),
        (2, "公共财政收入增长13%左右。", ["省财政厅"]),  # 协办 units do not lead
        (3, "城镇居民人均可支配收入增长12%以上。", ["省发改委", "农委", "统计局"]),
    ]
    assert record["title"] == "某省人民政府关于落实《政府工作报告》重点工作责任分工的意见"


def test_numbered_targets_each_followed_by_its_report_line() -> None:
    text = (
        "现将工作落实情况汇报如下:\n"
        "1.全社会固定资产投资增速高于全省平均水平。\n1-11月固定资产投资同比增长6.3%。\n"
        "2.规模以上工业增加值增速高于全省平均水平。\n1-11月累计增速4.9%。\n"
        "3.新建中心敬老院1所。\n建成中心敬老院,护理型床位达到100%。\n"
    )
    rows = [(i["seq"], i["task"], i["progress"], i["lead_units"]) for i in grounded_record(text)["items"]]
    assert rows == [
        (1, "全社会固定资产投资增速高于全省平均水平。", "1-11月固定资产投资同比增长6.3%。", []),
        (2, "规模以上工业增加值增速高于全省平均水平。", "1-11月累计增速4.9%。", []),
        (3, "新建中心敬老院1所。", "建成中心敬老院,护理型床位达到100%。", []),
    ]


def test_bracketed_question_and_answer_labels_a_sourced_date_line_and_a_wrapped_question() -> None:
    text = (
        "盘点总理记者会要点\n\n2015-03-15 12:40:00 来源:央广网\n\n"
        "  1、谈海外投资:愿看到中国企业走出去\n\n"
        "  【问】中国政府如何看待居民在海外买房?\n\n"
        "  【答】中国在逐步推进资本项下人民币可兑换。\n\n"
        "  2、谈房地产市场\n\n  【问】是否会出台新政?\n\n  【答】住房既是经济问题,更是民生问题。\n"
    )
    record = grounded_record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("中国政府如何看待居民在海外买房?", "中国在逐步推进资本项下人民币可兑换。"),
        ("是否会出台新政?", "住房既是经济问题,更是民生问题。"),
    ]
    assert record["date"] == "2015-03-15"
    wrapped = (
        "王某邀请参加市长峰会\n\n  本报讯 众多网民围绕市长峰会的诸多问题提问,王鸿举一一作答。\n\n"
        "  市长峰会的筹备已近尾声。\n\n"
        "  网友:据说市长将穿土家族的服装,请问,\n为什么要选择土家族服装?\n\n"
        "  王鸿举:这个说法不太准确。\n\n  网友:这是不是面子工程?\n\n  王鸿举:我不认为这是面子工程。\n"
    )
    record = grounded_record(wrapped, "public_report")
    assert record["qa"][0]["question"] == "据说市长将穿土家族的服装,请问,\n为什么要选择土家族服装?"
    assert "峰会的" not in record["speakers"]  # ("峰会" itself is still taken for a name: a known error)


def test_a_row_text_cut_across_the_layout_is_doubted() -> None:
    for path, value in (
        ("items[0].progress", ")"),
        ("items[0].progress", "6.农村沼气池工程。"),
        ("items[9].task", "抓好重点产业项目,确保年度投资达到2000亿元。("),
        ("items[0].category", "为具备接气条件的"),
        ("sections[0].heading", "答復內容 |"),
    ):
        assert weigh("", path, value, 1.0) == CUT_ACROSS_STRUCTURE, value
    assert weigh("", "items[0].task", "建成中心敬老院。", 1.0) == 1.0
