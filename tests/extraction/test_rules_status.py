"""A task row's status from the structure of its completion wording (issue 13, status vocabularies).

Each case is a made-up cell in the shape of a real one: a laggard report, a completion rate, a
percentage target beaten by the same measure. Reverting the rule turns its case red.
"""

from __future__ import annotations

import pytest

from annotate.extraction.rules.status import status_of


@pytest.mark.parametrize(
    "progress",
    [
        "施工进度相对较慢的乡镇为甲镇。",
        "推进缓慢,协调不了。",
        "全市未完成安置任务的县区为乙县、丙县。",
        "全县未开工建设的乡镇为丁镇。",
    ],
)
def test_a_laggard_report_is_under_way_not_done(progress: str) -> None:
    assert status_of(progress, "建设农村道路") == "in_progress"


def test_a_completion_rate_below_the_whole_is_under_way() -> None:
    progress = "设备安装等工作整体进度已完成年度目标任务的55%。"
    assert status_of(progress, "新增安装设备300套。") == "in_progress"
    assert status_of("整体进度已完成年度目标任务的100%。", "新增安装设备300套。") == "completed"


def test_a_percentage_target_beaten_by_the_same_measure_is_completed() -> None:
    assert status_of("截至目前,削减违建42.21%。", "削减违建至30%。") == "completed"
    assert status_of("截至目前,削减违建22.5%。", "削减违建至30%。") != "completed"
    # another measure's percentage settles nothing
    assert status_of("绿化覆盖率42%。", "削减违建至30%。") == "unclear"


def test_a_completed_deliverable_is_still_completed() -> None:
    assert status_of("一期工程已于5月30日通车试运营。", "一期工程投入试运营。") == "completed"


def test_a_share_of_the_plan_sets_the_status_by_whether_it_reaches_the_whole() -> None:
    """ "占总计划的99.2%" is short of the plan although the cell says 已完成 (dev6 t34); every share
    at or above 100% ("占目标任务的126.5%", dev6 t36) is the plan met."""
    assert status_of("上半年已完成建设402公里,累计解决撤并村通公路,占总计划的99.2%。", "新建公路") == "in_progress"
    progress = "城镇新增就业10.7万人,占目标任务的126.5%;再就业3.3万人,占目标任务的137.7%。"
    assert status_of(progress, "促进就业") == "completed"
    assert status_of("新增就业1万人,占目标任务的126%;再就业1万人,占目标任务的80%。", "促进就业") == "in_progress"


def test_a_deliverable_still_expected_is_under_way_even_beside_finished_parts() -> None:
    """ "预计…竣工" says the headline deliverable is ahead, whatever parts are 均已完成 (dev10 t53)."""
    progress = "截至目前,该项目屋面工程、门窗工程均已完成,预计在7月中旬整体竣工投入使用。"
    assert status_of(progress, "建设便民服务中心") == "in_progress"
    assert status_of("该项目屋面工程、门窗工程均已完成。", "建设便民服务中心") == "completed"


@pytest.mark.parametrize(
    ("progress", "status"),
    [
        ("预算已完成,因方案变更,项目目前暂停实施。", "not_completed"),
        ("60  达到目标60元", "completed"),
        ("已完成并长期坚持。认真做好人员健康监测。", "completed"),
        ("县中心幼儿园已启动扩建前期工作。", "in_progress"),
        ("各相关部门正合力推进省级开发区申报工作。", "in_progress"),
        ("目前已有10家企业提出需求,其中4家企业的资质已在办理。", "in_progress"),  # dev15 t87
    ],
)
def test_status_cues_of_the_development_rounds(progress: str, status: str) -> None:
    """The task is open-ended ("加强…"), so a plain 已完成 alone would leave the row unclear."""
    assert status_of(progress, "加强基础设施建设。") == status


def test_a_figure_short_of_the_target_is_under_way_even_when_the_cell_says_done() -> None:
    """ "上半年已完成610公里" of a 3000公里 task, "完工52台" of 200 (dev7 t34, dev9 t50): the verb
    finished something, the commitment is not met."""
    assert status_of("上半年已完成610公里。", "3000公里农村公路安装安全设施。") == "in_progress"
    assert status_of("新增81台,完工52台。", "加装电梯新增400台、完工200台") == "in_progress"
    assert status_of("新增400台,完工200台。", "加装电梯新增400台、完工200台") == "completed"
