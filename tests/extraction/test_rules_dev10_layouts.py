"""Layouts of the tenth development round (issue 13): structure, not words of the texts.

Made-up snippets in the shapes of real pages the rules did not read: rows grouped under headings
that name their lead unit, a notice flattened onto one line with "(X、Y按职责分工负责)" brackets, a
unit column whose lead was marked in bold, a mailbox letter and its reply as form fields (colon or
table cell labels, a follow-up exchange), the press asking a named deputy, a letter-spaced
"記 者:" label. Reverting a rule turns its test red.
"""

from __future__ import annotations

from annotate.core.types import ExtractionFailure
from tests.support.rules_record import grounded_record


def test_rows_under_a_heading_naming_their_lead_unit_take_it() -> None:
    text = (
        "2025年县政府工作报告任务清单\n"
        "一、县农业农村局牵头工作(2项)\n"
        "1.建设高标准农田2万亩。\n"
        "2.打造食用菌生产基地。\n"
        "二、县住建局、县城管局牵头工作(1项)\n"
        "1.改造老旧小区12个。\n"
    )
    record = grounded_record(text)
    assert [(i["seq"], i["task"], i["lead_units"], i["category"]) for i in record["items"]] == [
        (1, "建设高标准农田2万亩。", ["县农业农村局"], None),
        (2, "打造食用菌生产基地。", ["县农业农村局"], None),
        (1, "改造老旧小区12个。", ["县住建局", "县城管局"], None),
    ]


def test_a_notice_flattened_onto_one_line_splits_at_its_markers() -> None:
    text = (
        "省人民政府 关于明确2023年 重点工作责任单位的通知 现将重点工作任务予以分解。 一、提振市场信心 (一)促进消费增长。 "
        "1.创新消费场景。(省商务厅、财政厅等相关部门按职责分工负责) "
        "2.落实提振信心措施。(省发展改革委牵头,省商务厅等相关部门按职责分工负责) "
        "3.满足刚性住房需求。(省住房城乡建设厅、地方金融监管局按职责分工负责)"
    )
    record = grounded_record(text)
    assert [(i["seq"], i["task"], i["lead_units"]) for i in record["items"]] == [
        (1, "创新消费场景。", ["省商务厅", "财政厅"]),
        (2, "落实提振信心措施。", ["省发展改革委"]),
        (3, "满足刚性住房需求。", ["省住房城乡建设厅", "地方金融监管局"]),
    ]
    assert {i["category"] for i in record["items"]} == {"促进消费增长"}
    assert record["title"] == "省人民政府 关于明确2023年 重点工作责任单位的通知"


def test_a_unit_column_whose_lead_was_marked_in_bold_names_no_lead() -> None:
    table = (
        "序号 | 重点任务 | 完成情况 | 责任单位 (加黑为牵头单位) |\n"
        "1 | 建设产业园区。 | 已立项备案。 | 区发展改革局、区财政局 |\n"
        "2 | 改造老旧小区。 | 正在施工。 | 区住建局、区城管局 |\n"
    )
    assert [i["lead_units"] for i in grounded_record(table)["items"]] == [[], []]
    plain = table.replace("责任单位 (加黑为牵头单位)", "牵头单位")
    assert [i["lead_units"] for i in grounded_record(plain)["items"]] == [
        ["区发展改革局", "区财政局"],
        ["区住建局", "区城管局"],
    ]


def test_a_mailbox_letter_and_its_reply_are_a_pair_without_their_salutations() -> None:
    text = (
        "我有话对区长说\n\n信件公示\n\n标题: 村里的路要修整了\n来信人: 开心茶\n来信时间: 2018-03-28 18:04:57\n内容:\n\n"
        "尊敬的市长,村道已被碾压得坑坑洼洼,希望有关部门修整。\n\n受理回复\n\n回复部门: 区人民政府\n"
        "回复时间: 2018-04-10 11:34:01\n回复内容:\n\n经核实,待铁路施工完毕后,会将道路修复完整。\n\n"
        "再次反馈: 谢谢回复!现在可不可以稍微修补下?\n再次回复:\n\n经核实,近期会将道路修复完整。\n\n2018年4月16日\n"
    )
    record = grounded_record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("村道已被碾压得坑坑洼洼,希望有关部门修整。", "经核实,待铁路施工完毕后,会将道路修复完整。"),
        ("谢谢回复!现在可不可以稍微修补下?", "经核实,近期会将道路修复完整。"),
    ]
    assert (record["title"], record["date"], record["sections"]) == ("村里的路要修整了", "2018-04-10", [])


def test_a_mailbox_laid_out_as_table_cells() -> None:
    text = (
        "信件编号 | 3109 | 类型 | 意见建议 | 提交日期 | 2019-08-06 |\n"
        "标题 | 建议去除街北侧的小铁屋 | ||||\n"
        "内容 | 县长好:街北零散分布着几个小铁屋,建议拆移到别处。 | ||||\n"
        "答复内容 | |\n---|---|\n"  # the reply table's header cell: no reply yet
        "回复人 | 住建局 | 回复日期 | 2019-08-15 | ||\n"
        "答复内容 |\n"
        "网友您好: 经现场勘查,铁屋均为审批的零售点。 |\n"
    )
    record = grounded_record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("街北零散分布着几个小铁屋,建议拆移到别处。", "经现场勘查,铁屋均为审批的零售点。")
    ]
    assert (record["title"], record["date"]) == ("建议去除街北侧的小铁屋", "2019-08-15")


def test_the_press_asks_a_named_deputy_and_a_spaced_reporter_label_asks() -> None:
    text = (
        "河北团接受采访\n\n代表团举行媒体开放日活动,省长回答了记者提问。\n\n"
        "人民日报:河北有些什么样的新举措来应对环境污染治理?\n\n"
        "陈国鹰代表:非常感谢记者朋友对河北环保工作的关心。\n"
    )
    record = grounded_record(text, "public_report")
    assert [p["question"] for p in record["qa"]] == ["河北有些什么样的新举措来应对环境污染治理?"]
    assert record["speakers"] == ["陈国鹰"]
    spaced = (
        "趙克志接受專題采訪\n\n1月13日,省長趙克志接受了聯合采訪。\n\n"
        "記 者:您到貴州工作之前來過貴州嗎?\n\n趙克志:我是8月20日到貴州的。\n"
    )
    record = grounded_record(spaced, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("您到貴州工作之前來過貴州嗎?", "我是8月20日到貴州的。")
    ]
    assert record["speakers"] == ["趙克志"]


def test_unnumbered_rows_whose_reports_open_alike_are_a_table() -> None:
    text = (
        "2015年重点民生实事上半年完成投资156.92亿元。主要进度如下:\n"
        "2606个撤并村通公路(2013—2017年)。上半年已完成建设4022公里,占总计划的99.2%。\n"
        "完成7.4万口山坪塘整治(2013—2017年)。上半年已全部完工。\n"
        "50万人高山生态扶贫搬迁(2013—2017年)。上半年已完成搬迁安置6.4万人。\n"
    )
    record = grounded_record(text)
    assert [(i["seq"], i["task"], i["progress"]) for i in record["items"]] == [
        (1, "2606个撤并村通公路(2013—2017年)。", "上半年已完成建设4022公里,占总计划的99.2%。"),
        (2, "完成7.4万口山坪塘整治(2013—2017年)。", "上半年已全部完工。"),
        (3, "50万人高山生态扶贫搬迁(2013—2017年)。", "上半年已完成搬迁安置6.4万人。"),
    ]
    varied = text.replace("上半年已全部完工", "目前已全部完工")  # two alike are no table
    assert not _has_items(varied)


def _has_items(text: str) -> bool:
    try:
        return bool(grounded_record(text)["items"])
    except ExtractionFailure:  # the rules found no record at all
        return False


def test_rows_glued_after_a_unit_bracket_split_at_the_next_row_number() -> None:
    text = (
        "一、推进产业项目建设\n"
        "1.抓好600个省级重点产业项目。(省发改委主办,省工信委协办)2.重点抓好燃气轮机项目。(省工信委主办,省发改委协办)\n"
        "3.围绕绿色食品产业建设项目。(省农委主办)\n"
    )
    assert [(i["seq"], i["task"], i["lead_units"]) for i in grounded_record(text)["items"]] == [
        (1, "抓好600个省级重点产业项目。", ["省发改委"]),
        (2, "重点抓好燃气轮机项目。", ["省工信委"]),
        (3, "围绕绿色食品产业建设项目。", ["省农委"]),
    ]


def test_a_lead_cell_keeps_names_only_and_reads_the_next_levels_field() -> None:
    levels = (
        "一、《市政府工作报告》半年完成情况\n\n"
        "1.建设科学城。(市级牵头单位:市科技局;区级牵头单位:区科经局)\n\n完成情况:已启动建设。\n\n"
        "2.扩大有效投资。(市级牵头单位:市发展改革委;区级牵头单位:区发改局)\n\n完成情况:同比增长12%。\n"
    )
    assert [i["lead_units"] for i in grounded_record(levels)["items"]] == [
        ["市科技局", "区科经局"],
        ["市发展改革委", "区发改局"],
    ]
    table = (
        "序号 | 项目 | 牵头单位 | 进展情况 |\n"
        "1 | 建设社区卫生中心 | 县卫生健康局 | 已完工。 |\n"
        "2 | 随迁子女入学 | 3-4月:联系公安户籍部门统一登记 | 正在推进。 |\n"
    )
    assert [i["lead_units"] for i in grounded_record(table)["items"]] == [["县卫生健康局"], []]
    cut = "序号 | 项目 | 牵头单位 | 进展情况 |\n1 | 改造老旧小区 | 县城投公司 | 已完工。 |\n2 | 建设公路 | 连江交通建设发展有"
    assert [i["lead_units"] for i in grounded_record(cut)["items"]] == [["县城投公司"], []]  # a name the page cut


def test_a_question_mark_inside_a_word_is_mojibake_not_a_title_breaker() -> None:
    text = (
        "陳寶生\n央視新聞?lì)l道《決策者說》節目文稿:蘭州治庸風暴\n嘉賓:陳寶生 蘭州市委書記\n張旭利 蘭州電視臺副臺長\n"
        "主持人:觀眾朋友您好,歡迎您收看。請問這場風暴是怎麼來的?\n陳寶生:是從群眾的意見來的。\n"
    )
    assert grounded_record(text, "public_report")["title"] == "央視新聞?lì)l道《決策者說》節目文稿:蘭州治庸風暴"
