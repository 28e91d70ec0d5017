"""Layouts of the twelfth development round (issue 13): structure, not words of the texts.

Made-up snippets in the shapes of real pages the rules did not read: one paragraph per heading,
closed by "(X、Y牵头;…配合)", the last one cut by the page; numbered targets each followed by a
"督查结果:" line, the unit named inline; a mailbox's "网民咨询:"/"部门回复:" with a signed reply;
an office's reply to a deputy's suggestion or a member's proposal. Reverting a rule turns its test
red.
"""

from __future__ import annotations

from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema
from tests.support.rules_record import grounded_record


def test_one_paragraph_per_heading_closed_by_its_lead_units_the_last_cut() -> None:
    text = (
        "各州、市人民政府:现提出以下意见:\n"
        "一、推进重大项目建设\n"
        "建立领导联系重点项目制度,全力推进20个重点项目;加快资金拨付进度,确保实现财政收入增长4%的目标。"
        "(省发展改革委、财政厅牵头;省直有关部门配合)\n"
        "二、加强城市基础设施投入\n"
        "省财政筹措3亿元资金支持城市重大基础设施建设。按照"
    )
    items = grounded_record(text)["items"]
    assert [(i["seq"], i["category"], i["lead_units"]) for i in items] == [
        (1, "推进重大项目建设", ["省发展改革委", "财政厅"]),
        (2, "加强城市基础设施投入", []),  # cut before its bracket: no unit
    ]
    assert items[1]["task"] == "省财政筹措3亿元资金支持城市重大基础设施建设。按照"
    marker = text.replace(
        "省财政筹措3亿元资金支持城市重大基础设施建设。按照",
        "加大城市基础设施投入。(住房城乡建设厅牵头)\n三、强化保障\n(一",
    )
    assert len(grounded_record(marker)["items"]) == 2  # a marker the page cut ("(一") is no row


def test_numbered_targets_with_a_supervision_verdict_line_and_an_inline_unit() -> None:
    text = (
        "7月1日至4日,市督查办对完成时间节点在6月底的项目进行了督查,现将结果通报如下:\n"
        "1.科技园项目,要求6月底完成地面附属物清理。责任单位:高新区。\n"
        "督查结果:任务完成较好。已完成清理任务,并圈建起围墙。\n"
        "2.水产业园项目,要求6月底完成物探。责任单位:高新区。\n"
        "督查结果:工作推进缓慢。物探未做。\n"
        "3.印刷产业化项目,要求6月底完成厂房主体框架。责任单位:宛城区。\n"
        "督查结果:工作推进中。中、西段已完工。\n"
    )
    items = grounded_record(text)["items"]
    assert [(i["task"], i["lead_units"], i["progress"]) for i in items] == [
        ("科技园项目,要求6月底完成地面附属物清理。", [], "任务完成较好。已完成清理任务,并圈建起围墙。"),
        ("水产业园项目,要求6月底完成物探。", [], "工作推进缓慢。物探未做。"),
        ("印刷产业化项目,要求6月底完成厂房主体框架。", [], "工作推进中。中、西段已完工。"),
    ]
    assert [i["status"] for i in items] == ["completed", "in_progress", "in_progress"]


def test_a_netizens_suggestion_and_a_signed_department_reply() -> None:
    text = (
        "网友之声\n解决交通堵塞问题\n"
        "网友建议:人民路一天大概有12个小时是拥堵的。希望相关管理部门下决心改造人民路!\n"
        "部门回复:谢谢你的建议。关于道路的扩建问题,请市规划建设局提出意见。 ——副市长谢春森(来源:公仆信箱)\n"
    )
    record = grounded_record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        (
            "人民路一天大概有12个小时是拥堵的。希望相关管理部门下决心改造人民路!",
            "谢谢你的建议。关于道路的扩建问题,请市规划建设局提出意见。",
        )
    ]
    assert record["speakers"] == ["谢春森"]


def test_a_reply_to_a_deputys_suggestion_and_to_a_members_proposal() -> None:
    deputy = (
        "对第三次会议第31号建议的答复\n\n纪占斌等3名代表:\n\n"
        "您提出的关于“关于老邢峰线进行改造”的建议收悉。现答复如下:\n\n"
        "现邢峰线白塔段道路已列入交通厅动态管理系统,待省厅终审后实施。\n\n"
        "感谢您对我局工作的关心、理解和支持!\n\n沙河市交通运输局\n\n2023年7月18日\n"
    )
    record = grounded_record(deputy, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        (
            "关于老邢峰线进行改造",
            "您提出的关于“关于老邢峰线进行改造”的建议收悉。现答复如下:\n\n"
            "现邢峰线白塔段道路已列入交通厅动态管理系统,待省厅终审后实施。",
        )
    ]
    assert record["date"] == "2023-07-18"
    member = (
        "郭胜利、陈爱珍委员:\n你们提出的关于完善商业区公共基础设施的提案已收悉。现答复如下:\n"
        "首先十分感谢你们对我市城市基础设施建设工作的关心和支持!\n下一步,我们将逐步实施。\n"
        "在此、对你们提出的意见和建议再次表示感谢。\n2022年9月23日\n"
    )
    record = grounded_record(member, "public_report")
    assert [p["question"] for p in record["qa"]] == ["关于完善商业区公共基础设施"]
    assert record["qa"][0]["answer"].endswith("下一步,我们将逐步实施。")  # the closing thanks is no part
    assert record["date"] == "2022-09-23"


def test_a_monthly_plan_table_whose_unit_cells_wrap_onto_the_next_line() -> None:
    text = (
        "一、政府投資類\n"
        "序號 | 項目名稱 | 9月 工作計劃 | 目前進展情況 | 是否達到 進度要求 | 10月 工作計劃 | 掛點領導 | 責任單位 |\n"
        "4 | 示范幼兒園 | 投入使用。 | 基本完成項目建設。 | 是 | 完成項目建設。 |\n"
        "| 教體局 發改委 住建局 |\n"
        "15 | 城東新區路網建設 | 完成施工圖審。 | 施工圖審已完成。 | 是 | 開始進行施工圖預算。 |\n"
        "| 發投集團 自然資源局 |\n"
    )
    record = grounded_record(text)
    assert [(i["seq"], i["category"], i["task"], i["progress"]) for i in record["items"]] == [
        (4, "示范幼兒園", "投入使用。", "基本完成項目建設。"),  # the name is the category, the plan the task
        (15, "城東新區路網建設", "完成施工圖審。", "施工圖審已完成。"),
    ]
    assert [i["status"] for i in record["items"]] == ["in_progress", "completed"]  # not from the yes/no column
    assert record["title"] is None  # "一、政府投資類" heads the first part: no caption


def test_a_letter_and_reply_quoted_as_lines_in_a_story() -> None:
    text = (
        "市民建議重建 政府官網回復了\n\n2016年10月27日 來源:澎湃新聞\n\n"
        "  10月25日,有網友在市長信箱欄目中向市政府抱怨。內容如下:\n\n"
        "  每一年都在修路\n\n  該修的不修\n\n  強烈建議重建吧\n\n"
        "  這本是市民抱怨之辭,沒想到市政府網站竟然回復了。內容如下:\n\n"
        "  您好,您的來信已收到\n\n  請說明詳細情況\n\n  謝謝\n\n網友評論\n"
    )
    record = grounded_record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("每一年都在修路\n\n  該修的不修\n\n  強烈建議重建吧", "您的來信已收到\n\n  請說明詳細情況")
    ]
    assert record["sections"] == []


def test_a_letter_spaced_field_label_and_a_metadata_row_are_no_title() -> None:
    reply = (
        "郭胜利、陈爱珍委员:\n你们提出的关于完善商业区公共基础设施的提案已收悉。现答复如下:\n"
        "下一步,我们将依照市政府的建设规划逐步实施。\n2022年9月23日\n抄 报:市督查局 市政协提案委\n"
    )
    assert grounded_record(reply, "public_report")["title"] is None
    rows = (
        "主题分类 | 政府办文件 | 体裁分类 | 服务对象 |\n一、重点工作\n(一)加快项目建设\n"
        "1.推进工业园区建设。\n牵头单位:市发改委\n责任单位:市财政局\n2.加快道路建设。\n牵头单位:市交通局\n"
    )
    assert grounded_record(rows)["title"] != "主题分类 | 政府办文件 | 体裁分类 | 服务对象 |"


def test_a_mailbox_page_without_a_title_field_has_its_title_guessed() -> None:
    text = (
        "网友之声\n解决交通堵塞问题\n"
        "网友建议:人民路一天大概有12个小时是拥堵的。希望相关管理部门下决心改造人民路!\n"
        "部门回复:谢谢你的建议。请市规划建设局提出意见。\n"
    )
    _, groundings = prelabel(text, get_schema("public_report"), None)
    assert [g.confidence for g in groundings if g.path == "title"] == [0.6]
