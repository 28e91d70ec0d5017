"""Layouts of the eleventh development round (issue 13): structure, not words of the texts.

Made-up snippets in the shapes of real pages the rules did not read: a leader's field before the
lead unit's in one closing bracket; one cell per line with part headings between rows, a row
missing a cell, merged lead-unit cells, a verdict and a report over several lines, a page cut in a
lead cell; a letter-spaced header; a forum post's rows among anti-scraping junk; mailbox forms with
a cell bar after the label; a two-line answer label (name, then office); a letter and its reply with
no labels at all. Reverting a rule turns its test red.
"""

from __future__ import annotations

from tests.support.rules_record import grounded_record


def test_a_leaders_field_before_the_lead_units_in_one_bracket() -> None:
    text = (
        "一、经济社会发展主要预期目标\n"
        "(一) 地区生产总值增长7.5%左右。(牵头领导:谢瑞武,牵头单位:市发改委,数据提供单位:市统计局)\n"
        "(二) 社会消费品零售总额增长9%。(牵头领导:刘筱柳,牵头单位:市商务局,数据提供单位:市统计局)\n"
    )
    assert [(i["seq"], i["task"], i["lead_units"]) for i in grounded_record(text)["items"]] == [
        (1, "地区生产总值增长7.5%左右。", ["市发改委"]),
        (2, "社会消费品零售总额增长9%。", ["市商务局"]),
    ]


def test_one_cell_per_line_with_part_headings_and_a_row_missing_a_cell() -> None:
    text = (
        "2024年政府工作报告主要工作任务分解表\n序号\n主要工作举措\n牵头单位\n配合单位\n责任领导\n"
        "一、做大做强主导产业\n1\n加快构建现代化产业体系。\n区农业农村局\n区发展改革局、区工业和信息化局\n"
        "2\n加快在建项目的建设进度。\n区工业和信息化局\n区发展改革局\n冯冬昌\n"
        "二、提升城市品质\n3\n推进老旧小区改造。\n区住建局\n区财政局\n李明\n"
        "4\n实施道路提升工程。\n沈"
    )
    items = grounded_record(text)["items"]
    assert [(i["seq"], i["category"], i["task"], i["lead_units"]) for i in items] == [
        (1, "做大做强主导产业", "加快构建现代化产业体系。", ["区农业农村局"]),
        (2, "做大做强主导产业", "加快在建项目的建设进度。", ["区工业和信息化局"]),
        (3, "提升城市品质", "推进老旧小区改造。", ["区住建局"]),
        (4, "提升城市品质", "实施道路提升工程。", []),  # the page cut the lead cell: no unit, not the row above's
    ]


def test_one_cell_per_line_with_merged_lead_cells_and_a_verdict_over_the_report() -> None:
    text = (
        "民生实事项目进展情况汇总表\n序号\n项目内容\n牵头单位\n落实情况\n"
        "1\n完成结对帮扶学校1所。\n教育局\n基本完成。\n完成结对帮扶任务,待省教育厅审核。\n"
        "2\n1)完成成人学历提升416人;\n2)完成大专学历提升902人。\n提前完成年度任务。\n1)完成学历提升895人;\n2)完成大专学历提升1937人。\n"
        "3\n新建ICU床位10张。\n县卫生健康局\n提前完成年度任务。\n完成新建ICU床位10张。\n"
        "4\n新建村卫生室3个。\n提前完成年度任务。\n完成3个村卫生室建设。\n"
        "5\n1)为老年人接种疫苗;\n2)为高危人群筛查。\n提前完成年度任务。\n1)接种6818例;\n2)筛查1200人;\n3)随访"
    )
    items = grounded_record(text)["items"]
    assert [(i["seq"], i["lead_units"], i["status"]) for i in items] == [
        (1, ["教育局"], "in_progress"),
        (2, ["教育局"], "completed"),  # the merged cell: the row above's unit
        (3, ["县卫生健康局"], "completed"),
        (4, ["县卫生健康局"], "completed"),
        (5, ["县卫生健康局"], "completed"),  # cut by the page past its unit cell: still the merged unit
    ]
    assert items[4]["progress"] == "1)接种6818例;\n2)筛查1200人;\n3)随访"  # a cut row keeps every line it has
    assert items[1]["task"] == "1)完成成人学历提升416人;\n2)完成大专学历提升902人。"
    assert items[1]["progress"] == "1)完成学历提升895人;\n2)完成大专学历提升1937人。"
    assert items[0]["progress"] == "完成结对帮扶任务,待省教育厅审核。"


def test_a_letter_spaced_task_header_and_a_heading_closed_by_its_leaders() -> None:
    text = (
        "2023年区政府工作目标任务落实责任分解表\n序号\n目  标  任  务\n牵 头 单 位\n责任单位\n责任人\n"
        "一、主要经济社会发展指标工作目标(牵头领导:成坤、柯相国)\n1\n★地区生产总值增长15%。\n区发改局\n区统计局\n王俊\n"
        "2\n固定资产投资增长20%。\n区发改局\n区住建局\n王俊\n"
    )
    items = grounded_record(text)["items"]
    assert [(i["category"], i["task"], i["lead_units"]) for i in items] == [
        ("主要经济社会发展指标工作目标", "★地区生产总值增长15%。", ["区发改局"]),
        ("主要经济社会发展指标工作目标", "固定资产投资增长20%。", ["区发改局"]),
    ]


def test_rows_of_a_forum_post_among_anti_scraping_junk() -> None:
    text = (
        '下面是民生实事里面提到的部分:\n) Y3 J/ M3 J" R! Z\n'
        ", I% H9 r: m2 |* {对7个老旧小区进行基础性改造(住建局牵头) x& L1 ]8 N) l6 J( k\n"
        "马厂七期396套安置房完成主体工程(三水街道牵头)' l1 J8 n9 Y9 x\n"
        "兴梁公寓312套安置房完成正负零 (梁徐街道牵头)9 @! _2 C* M0 C% r+ U' q\n"
    )
    assert [(i["seq"], i["task"], i["lead_units"]) for i in grounded_record(text)["items"]] == [
        (1, "对7个老旧小区进行基础性改造", ["住建局"]),
        (2, "马厂七期396套安置房完成主体工程", ["三水街道"]),
        (3, "兴梁公寓312套安置房完成正负零", ["梁徐街道"]),
    ]


def test_a_mailbox_form_with_cell_bars_after_its_labels() -> None:
    text = (
        "信件信息\n信件名称: | 施工挖断路不方便出行 | ||\n提交时间: | 2015-09-22 | ||\n信件内容: | 施工挖断路不方便出行 |\n"
        "回复信息\n回复部门: | 办结时间 | 2015-10-08 | |\n回复内容: |\n王女士您好: 感谢您关注区长信箱栏目,现答复如下:工程年底完工。 |\n"
    )
    record = grounded_record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("施工挖断路不方便出行", "感谢您关注区长信箱栏目,现答复如下:工程年底完工。")
    ]
    assert (record["title"], record["date"]) == ("施工挖断路不方便出行", "2015-10-08")


def test_an_answer_label_on_two_lines_name_then_office() -> None:
    text = (
        "国家发展改革委12月新闻发布会\n12月16日上午,国家发展改革委举行新闻发布会。\n"
        "中国战略新兴产业记者:\n黄河流域规划纲要近期发布,请问将如何平衡保护和发展的关系?\n"
        "孟玮\n国家发展改革委新闻发言人\n规划纲要是指导黄河流域发展的纲领性文件。\n"
    )
    record = grounded_record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("黄河流域规划纲要近期发布,请问将如何平衡保护和发展的关系?", "规划纲要是指导黄河流域发展的纲领性文件。")
    ]
    assert record["speakers"] == ["孟玮"]


def test_a_letter_and_its_reply_with_no_labels() -> None:
    text = (
        "我家住和平区云集街11号,多年来该公司供暖极差,前三天至今暖气冰凉,请有关部门帮助彻底解决。\n"
        "尊敬的市民:\n您好!收到您的来信,现将有关情况回复如下:\n目前故障已抢修完毕,恢复正常供暖。\n"
        "感谢您的信任和支持!\n和平区人民政府\n2020年1月17日\n"
    )
    record = grounded_record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        (
            "我家住和平区云集街11号,多年来该公司供暖极差,前三天至今暖气冰凉,请有关部门帮助彻底解决。",
            "收到您的来信,现将有关情况回复如下:\n目前故障已抢修完毕,恢复正常供暖。",
        )
    ]
    assert (record["date"], record["sections"]) == ("2020-01-17", [])
    flattened = (
        "信件基本信息\n标题 申请五社公路硬化\n写信时间 2015-12-17\n"
        "尊敬的陈书记 您好!我们是王家镇文星村五社社员,来信申请五社公路的硬化,期盼着您的回信。 此致,祝身体健康! 吴明清 2015年12月17日\n"
        "信件的处理结果\n• 村民同志: 您好! 您的信件已转我镇办理,已安排实施道路硬化1.9公里。 感谢您的理解和支持。 王家镇人民政府 2015年12月23日\n"
    )
    record = grounded_record(flattened, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        (
            "我们是王家镇文星村五社社员,来信申请五社公路的硬化,期盼着您的回信。",
            "您的信件已转我镇办理,已安排实施道路硬化1.9公里。",
        )
    ]
    assert (record["title"], record["date"]) == ("申请五社公路硬化", "2015-12-23")


def test_a_short_first_row_does_not_narrow_the_table() -> None:
    text = (
        "重点工作完成情况表\n序号\n工作任务\n完成情况\n责任领导\n"
        "1\n建设产业园区。\n已立项备案。\n"
        "2\n改造老旧小区。\n正在施工。\n李明\n"
        "3\n新建公园2个。\n已建成。\n王俊\n"
    )
    assert [(i["task"], i["progress"]) for i in grounded_record(text)["items"]] == [
        ("建设产业园区。", "已立项备案。"),
        ("改造老旧小区。", "正在施工。"),
        ("新建公园2个。", "已建成。"),
    ]
