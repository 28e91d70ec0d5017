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
