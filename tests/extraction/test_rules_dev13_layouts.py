"""Layouts of the thirteenth development round (issue 13): structure, not words of the texts.

Made-up tables in the shapes of real pages the rules did not read, one cell per paragraph: a
header whose leader column broke into a qualifier and a name ("市政府" / "分管领导") before an
empty notes column, a sentence heading above the parts and a part marker on a line of its own;
a progress table whose unit name broke over two cells, with a target column, flagged row numbers
("9*"), rows whose unit cell is merged above, and a verdict closing each row after its figures.
Reverting a rule turns its test red.
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
        "3*", "开展农村青年技能培训(人)", "400", "团市委", "1876", "469", "超额完成",
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
