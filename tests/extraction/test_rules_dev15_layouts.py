"""Task layouts of the dev15 round (texts taken in query order): made-up pages in the shapes of
real ones. Reverting a rule turns its test red."""

from __future__ import annotations

from tests.support.rules_record import grounded_record


def test_numbered_projects_under_a_part_heading_end_at_the_next_part() -> None:
    """ "二、重点项目进展情况" over "1. XX项目" lines each with a paragraph: the heading is the rows'
    category, and "三、存在的问题" closes the last row's report (dev15 t88)."""
    text = (
        "项目推进情况汇报\n"
        "一、总体进展概况\n"
        "截至目前,本年度立项的项目整体推进节奏基本符合预期。\n"
        "二、重点项目进展情况\n"
        "1. 基础设施建设项目\n"
        "目前已完成施工图设计审查,并进入施工招标阶段。\n"
        "2. 公共服务设施建设\n"
        "已完成土地征用和前期手续办理,施工单位已进场。\n"
        "3. 数字化升级项目\n"
        "该项目正在稳步推进,正在进行平台开发。\n"
        "三、存在的问题与困难\n"
        "部分项目因涉及多部门联合审批,前期手续办理周期较长。\n"
    )
    items = grounded_record(text)["items"]
    assert [(i["category"], i["task"]) for i in items] == [
        ("重点项目进展情况", "基础设施建设项目"),
        ("重点项目进展情况", "公共服务设施建设"),
        ("重点项目进展情况", "数字化升级项目"),
    ]
    assert items[-1]["progress"] == "该项目正在稳步推进,正在进行平台开发。"
