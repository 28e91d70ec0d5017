"""Layouts of the thirteenth development round (issue 13): structure, not words of the texts.

Made-up tables in the shapes of real pages the rules did not read, one cell per paragraph: a
header whose leader column broke into a qualifier and a name ("市政府" / "分管领导") before an
empty notes column, a sentence heading above the parts and a part marker on a line of its own;
a progress table whose unit name broke over two cells, with a target column, flagged row numbers
("9*"), rows whose unit cell is merged above, and a verdict closing each row after its figures
(the next part's category cell after it). Q&A pages: a party deputy's proposal printed above the
reply, a hotline paper's citizen and official, a message board's office reply, forum posts with
the replies under them. Reverting a rule turns its test red.
"""

from __future__ import annotations

from tests.support.rules_record import grounded_record


def _cells(*lines: str) -> str:
    return "\n\n".join(lines) + "\n"


def test_a_marker_alone_heads_the_next_line_and_a_qualifier_joins_its_column() -> None:
    text = _cells(
        "2021年重点工作责任分工",
        "序号", "重点工作", "市政府", "分管领导", "牵头单位", "配合单位", "备注",
        "推进科技创新。",
        "(一)",
        "加强实验室建设。",
        "1", "建设省实验室两个。", "王 东", "市科技局", "甲区、乙区政府",
        "2", "新建研发平台。", "王 东", "市工信局", "市财政局",
        "3", "加快建设创新中心。", "李 西", "市科",
    )  # fmt: skip
    items = grounded_record(text)["items"]
    assert [(i["seq"], i["category"], i["task"], i["lead_units"]) for i in items] == [
        (1, "加强实验室建设", "建设省实验室两个。", ["市科技局"]),
        (2, "加强实验室建设", "新建研发平台。", ["市工信局"]),
        (3, "加强实验室建设", "加快建设创新中心。", []),  # the page cut its unit cell
    ]


def test_a_unit_broken_over_cells_target_cells_and_a_closing_verdict() -> None:
    text = _cells(
        "2017年民生工程项目实施进度表",
        "序号", "项 目 内 容", "目标任务", "市级牵头", "责任单位", "进度", "完成目标", "(%)", "备注",
        "1", "促进就业创业", "城镇新增就业(人)", "26000", "市人力资源", "社会保障局", "32095", "123.4", "超额完成",
        "2", "城镇失业人员再就业(人)", "4000", "3200", "80", "达到时间进度",
        "3*", "开展农村青年技能培训(人)", "400", "团市委", "1876", "469", "超额完成", "扶贫解困工程",
        "4", "扶持大学生创业", "应补尽补", "市人社局、市教体局、", "团市委", "发放创业补贴262万元。", "已完成",
    )  # fmt: skip
    items = grounded_record(text)["items"]
    assert [i["seq"] for i in items] == [1, 2, 3, 4]
    assert [i["task"] for i in items] == [
        "促进就业创业\n\n城镇新增就业(人)",  # the merged project cell and its item
        "城镇失业人员再就业(人)",
        "开展农村青年技能培训(人)",
        "扶持大学生创业",  # "应补尽补" is the target, not part of the task
    ]
    assert [i["lead_units"] for i in items] == [
        ["市人力资源\n\n社会保障局"],
        ["市人力资源\n\n社会保障局"],  # merged above
        ["团市委"],
        ["市人社局", "市教体局", "团市委"],
    ]
    assert [i["progress"] for i in items] == ["32095\n\n123.4", "3200\n\n80", "1876\n\n469", "发放创业补贴262万元。"]
    assert [i["status"] for i in items] == ["completed", "in_progress", "completed", "completed"]


def _qa(text: str) -> list[tuple[str, str]]:
    record = grounded_record(text, "public_report")
    return [(p["question"], p["answer"]) for p in record["qa"]]


def test_a_proposal_printed_above_its_reply_is_the_question() -> None:
    """The proposal's own text under its "领衔代表:" fields, then "提案答复" and the reply naming it
    by its 《》 title from a long "你们在…会议上提出的…已收悉": the text is the question, not the title."""
    text = (
        "领衔代表:张一\n附议代表:李二、王三\n"
        "今年道路保洁单位已调整,作业一月有余,但路面清洁仍不理想,落叶随处可见,建议尽快完成清理。\n"
        "提案答复\n张一等代表:\n"
        "你们在镇第十四次党代表大会一次会议上提出的《关于道路清洁情况不理想的提案》已收悉,现答复如下:\n"
        "我镇已联系相关部门对道路进行定期清扫。\n"
        "感谢你对镇政府工作的关心和支持!\n"
    )
    assert _qa(text) == [
        (
            "今年道路保洁单位已调整,作业一月有余,但路面清洁仍不理想,落叶随处可见,建议尽快完成清理。",
            "你们在镇第十四次党代表大会一次会议上提出的《关于道路清洁情况不理想的提案》已收悉,现答复如下:\n"
            "我镇已联系相关部门对道路进行定期清扫。",
        )
    ]
    without = text.replace(
        "今年道路保洁单位已调整,作业一月有余,但路面清洁仍不理想,落叶随处可见,建议尽快完成清理。\n", ""
    )
    assert _qa(without)[0][0] == "关于道路清洁情况不理想的提案"  # only the title names it


def test_a_citizen_named_by_surname_and_honorific_asks_and_the_official_titled_answers() -> None:
    text = (
        "热线问政\n版面:第A07版:政风行风热线\n\n王女士:\n\n小区门口的路灯坏了一个多月,晚上出行很不方便。\n\n"
        "市城市管理局市政处\n\n处长赵六:\n\n您反映的路灯问题我们已经派人查看,本周内修复。\n"
    )
    assert _qa(text) == [
        ("小区门口的路灯坏了一个多月,晚上出行很不方便。", "您反映的路灯问题我们已经派人查看,本周内修复。")
    ]
    assert grounded_record(text, "public_report")["speakers"] == ["赵六"]  # "处长赵六:": the name after the title


def test_a_board_reply_under_the_office_name_answers_the_letter_opening_the_page() -> None:
    text = (
        "广场周围有很多小区,入住率已很高,可广场晚上基本上都是黑乎乎的一片,存在安全隐患,请相关部门及时改善照明\n"
        "广场无照明设施 请合理改善\n网友甲\n2019-08-15 10:22\n[此内容为网友反映问题,不得转载。]\n已受理\n2019-08-15 10:22\n已转交\n"
        "2019-08-16 11:00\n"
        "某区城市管理局回复:您好!您反映的广场照明问题已收悉。\n相关部门已安排线路铺设工作。\n"
    )
    record = grounded_record(text, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        (
            "广场周围有很多小区,入住率已很高,可广场晚上基本上都是黑乎乎的一片,存在安全隐患,请相关部门及时改善照明",
            "您反映的广场照明问题已收悉。\n相关部门已安排线路铺设工作。",
        )
    ]
    assert record["date"] == "2019-08-16"


def test_replies_printed_under_forum_posts_answer_the_line_above() -> None:
    text = (
        "局长再答网友\n\n"
        "    【贴号:450】jiajia 关于某路居民楼下雨积水的情况\n\n"
        "    某路56号居民楼下雨积水\n\n"
        "     答复:您好,您反映的问题我局已安排人员现场查看,建议联系社区对楼院路面进行改造。\n\n"
        "    工程建设方面\n\n"
        "    【贴号:343】留言板 能否介绍一下今年实事的进展情况?\n\n"
        "    局长,能否介绍一下今年实事的进展情况?谢谢\n\n"
        "    答复:感谢您的关心和支持。现将进展情况介绍如下:\n\n"
        "    一、新增供热面积810万平方米。\n\n"
        "     供热方面:\n\n"
        "    【贴号:83】夏某: 供热\n\n"
        "    请问市场三路附近什么时候供热?\n\n"
        "    答复:您好,该区域属于华电"
    )
    assert _qa(text) == [
        ("某路56号居民楼下雨积水", "您反映的问题我局已安排人员现场查看,建议联系社区对楼院路面进行改造。"),
        (
            "局长,能否介绍一下今年实事的进展情况?谢谢",
            "感谢您的关心和支持。现将进展情况介绍如下:\n\n    一、新增供热面积810万平方米。",
        ),
        ("请问市场三路附近什么时候供热?", "该区域属于华电"),
    ]


def test_a_leaders_name_before_the_unit_cell_is_no_part_of_the_unit() -> None:
    """A row that lost a cell is typed by content; the leader's name in the cell before the unit
    ("李西" / "市工信局") is not the first half of a unit broken over two cells."""
    text = _cells(
        "序号", "重点工作", "责任领导", "牵头单位", "配合单位",
        "1", "建设省实验室两个。", "王东", "市科技局", "甲区、乙区政府",
        "2", "新建研发平台。", "李西", "市工信局",
        "3", "加快建设创新中心。", "张北", "市发改委", "市财政局",
    )  # fmt: skip
    assert [i["lead_units"] for i in grounded_record(text)["items"]] == [["市科技局"], ["市工信局"], ["市发改委"]]


def test_a_header_cell_broken_in_two_joins_before_a_notes_column_is_dropped() -> None:
    """ "牵头" / "单位" is one column; the 备注 column after the report holds cells, and stays."""
    text = _cells(
        "序号", "工作任务", "牵头", "单位", "进展情况", "备注",
        "1", "新建幼儿园5所。", "区教委", "已建成3所,2所在建。", "民生实事",
        "2", "改造道路10条。", "区交通局", "已全部完工。", "民生实事",
    )  # fmt: skip
    items = grounded_record(text)["items"]
    assert [(i["lead_units"], i["progress"], i["category"]) for i in items] == [
        (["区教委"], "已建成3所,2所在建。", "民生实事"),
        (["区交通局"], "已全部完工。", "民生实事"),
    ]


def test_a_name_between_the_task_and_the_unit_is_not_part_of_the_task() -> None:
    """A leader's column the header does not name: "王东" sits between the task and the unit, and
    is no sub-task cell of the task (as "城镇新增就业(人)" is)."""
    text = _cells(
        "序号", "重点工作", "牵头单位", "进展情况",
        "1", "建设省实验室两个。", "王东", "市科技局", "已建成一个。",
        "2", "新建研发平台。", "李西", "市工信局", "已完成。",
    )  # fmt: skip
    items = grounded_record(text)["items"]
    assert [(i["task"], i["lead_units"]) for i in items] == [
        ("建设省实验室两个。", ["市科技局"]),
        ("新建研发平台。", ["市工信局"]),
    ]
