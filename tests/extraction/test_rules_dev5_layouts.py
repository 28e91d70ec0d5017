"""Task-table layouts of the fifth development round (issue 13): structure, not words of the texts.

Made-up snippets in the shapes of real progress pages: a grouped table whose 序号 numbers groups
(一, 二) with the lead unit merged before the projects, a pipe table with a status column and merged
continuation rows, rows of labelled paragraphs with a verdict line, numbered blocks with 项目名称 /
责任单位 labels, and Traditional 第N項 rows. Reverting a rule turns its test red.
"""

from __future__ import annotations

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.extraction.rules.evidence import weigh_rows
from annotate.extraction.rules.grouped_rows import numeral
from annotate.extraction.rules.numbers import indicators
from annotate.extraction.rules.spans import Quote
from annotate.extraction.rules.status import status_of
from annotate.schema_registry import get_schema


def _record(text: str) -> dict:
    record, groundings = prelabel(text, get_schema("task_progress"), None)
    assert check_invariant(text, groundings) == []
    return record


GROUPED = (
    "某县2025年为民办实事项目进展表\n"
    "说明如下,共两组项目。\n"
    "序号 |\n牵头单位 |\n项目类别 |\n项目名称 |\n实施单位 |\n当前进展 |\n||\n"
    "一 |\n县水务局 |\n县级项目(2个) |\n(一)农村供水提升工程 |\n1.东片水厂 |\n甲公司 |\n已建成 |\n|\n"
    "2.西片管网 |\n乙公司 |\n正在铺设 |\n|||||\n"
    "二 |\n县卫健委 |\n县级项目(1个) |\n(一)村卫生室标准化 |\n县卫健委 |\n已完工 |\n||\n"
    "三 |\n县交通局 |\n县级项目(1个) |\n(一)公交站亭"
)


def test_a_grouped_table_repeats_the_groups_lead_unit_and_reads_headings_as_categories() -> None:
    record = _record(GROUPED)
    rows = [(i["seq"], i["category"], i["task"], i["lead_units"], i["progress"]) for i in record["items"]]
    assert rows == [
        (1, "农村供水提升工程", "1.东片水厂", ["县水务局"], "已建成"),
        (1, "农村供水提升工程", "2.西片管网", ["县水务局"], "正在铺设"),
        (2, "县级项目(1个)", "(一)村卫生室标准化", ["县卫健委"], "已完工"),
        (3, "县级项目(1个)", "(一)公交站亭", ["县交通局"], None),
    ]
    assert [i["status"] for i in record["items"]] == ["completed", "in_progress", "completed", "unclear"]
    assert record["title"] == "某县2025年为民办实事项目进展表"  # the caption line, not the paragraph
    assert numeral("十二") == 12 and numeral("三") == 3


STATUS_COLUMN = (
    "2024年民生实事二季度进展\n"
    "序号 | 工作任务 | 责任单位 | 季度目标 | 进展情况及下步打算 | 目标完成情况 |\n"
    "1 | 新建幼儿园2所 | 教育局 | 主体施工 | 进展情况:一所主体完工,另一所完成60%。 | 顺利推进 |\n"
    "新增学位540个 | |||||\n"
    "2 | 改造老旧小区3个 | 住建局 | 完成设计 | 进展情况:设计已完成,正在招标。 | 顺利推进 |\n"
    "改造户数1200户"
)


def test_a_status_column_decides_the_status_and_continuation_rows_repeat_merged_cells() -> None:
    items = _record(STATUS_COLUMN)["items"]
    assert [(i["seq"], i["task"]) for i in items] == [
        (1, "新建幼儿园2所"),
        (1, "新增学位540个"),
        (2, "改造老旧小区3个"),
        (2, "改造户数1200户"),
    ]
    assert items[0]["progress"] == "进展情况:一所主体完工,另一所完成60%。"  # not the verdict cell
    assert items[1]["progress"] == items[0]["progress"]  # merged cell repeated
    assert items[3]["progress"] is None  # cut after its first cell
    assert [i["status"] for i in items] == ["in_progress", "in_progress", "in_progress", "unclear"]
    assert all(i["lead_units"] == [] for i in items)  # 责任单位 is no lead unit


VERDICT_FIELDS = (
    "关于民生实事推进情况的督查报告\n\n"
    "现将督查情况报告如下:\n\n"
    "一、教育惠民工程\n\n"
    "1扩大学前教育资源\n\n牵头单位:市教育局\n\n完成情况:达到序时进度\n\n"
    "具体情况:新建幼儿园4所,完成年度任务的50%\n\n"
    "2改善办学条件\n\n牵头单位:市教育局、财政局\n\n完成情况:达到序时进度\n\n"
    "具体情况:改造校舍8处,已全部完工\n"
)


def test_rows_of_labelled_paragraphs_read_the_verdict_and_the_detail_apart() -> None:
    record = _record(VERDICT_FIELDS)
    items = record["items"]
    assert [(i["seq"], i["category"], i["task"]) for i in items] == [
        (1, "教育惠民工程", "扩大学前教育资源"),
        (2, "教育惠民工程", "改善办学条件"),
    ]
    assert [i["lead_units"] for i in items] == [["市教育局"], ["市教育局", "财政局"]]
    assert items[1]["progress"] == "改造校舍8处,已全部完工"  # the detail, not the verdict line
    assert [i["status"] for i in items] == ["in_progress", "in_progress"]  # 达到序时进度: on schedule
    assert record["title"] == "关于民生实事推进情况的督查报告"


NUMBERED_BLOCKS = (
    "全镇重点项目进展汇报\n"
    "01 项目名称:建设口袋公园\n项目内容:\n新建口袋公园3个。\n责任单位:\n城建办\n进展与成效:\n"
    "2个已开工建设。\n另1个正在选址。\n"
    "02\n项目名称:\n整治农村道路\n项目内容:\n整治道路12公里。\n责任单位\n交通办\n进展与成效:\n已完成招标,正在施工。\n"
)


def test_numbered_blocks_take_the_task_from_the_name_field_and_run_progress_over_paragraphs() -> None:
    items = _record(NUMBERED_BLOCKS)["items"]
    assert [(i["seq"], i["task"]) for i in items] == [(1, "建设口袋公园"), (2, "整治农村道路")]
    assert items[0]["progress"] == "2个已开工建设。\n另1个正在选址。"
    assert all(i["lead_units"] == [] for i in items)  # 责任单位 (with or without colon) is no lead unit
    assert [i["status"] for i in items] == ["in_progress", "in_progress"]


ITEMS = (
    "縣府召開施政進度檢討會議,各局處提報成果\n"
    " 會中逐項檢討,成果如下:\n"
    " 第一項:推動港區整建計畫。工務處第一期工程已完成。\n"
    " 第二項:改善偏鄉交通服務。\n"
    " 第三項"
)


def test_traditional_numbered_items_split_task_and_result_at_the_first_full_stop() -> None:
    record = _record(ITEMS)
    assert [(i["seq"], i["task"], i["progress"]) for i in record["items"]] == [
        (1, "推動港區整建計畫。", "工務處第一期工程已完成。"),
        (2, "改善偏鄉交通服務。", None),
    ]
    assert record["title"] == "縣府召開施政進度檢討會議,各局處提報成果"


def test_schedule_words_are_under_way() -> None:
    assert status_of("顺利推进") == "in_progress"
    assert status_of("达到序时进度") == "in_progress"


def test_a_count_of_sessions_keeps_its_whole_measure_word() -> None:
    text = "已开展放映70场次。"
    assert [i["text"] for i in indicators(text, 0, len(text))] == ["70场次"]


def test_rows_of_one_group_sharing_its_lead_unit_are_no_sequence_break() -> None:
    text = "甲局 标题一 标题二 任务一 任务二"
    lead = Quote(text, 0, 2)
    rows = [
        {"seq": 1, "category": Quote(text, 3, 6), "task": Quote(text, 11, 14), "lead_units": [lead]},
        {"seq": 1, "category": Quote(text, 7, 10), "task": Quote(text, 15, 18), "lead_units": [lead]},
    ]
    for r in rows:
        for v in (r["category"], r["task"], lead):
            v.score = 0.9
    weigh_rows(rows, ["form", "form"])
    assert rows[1]["task"].score == 0.9


INLINE = (
    "关于某县2024年民生实事督办情况的通报现将督办情况通报如下:一、基本情况(一)新建公共停车场,缓解停车难"
    "主要内容:由县住建局牵头,新建停车场2处。完成情况:1.东区停车场已完工。2.西区停车场正在施工。"
    "(二)改造农贸市场主要内容:由县商务局、县市场监管局牵头,改造市场3个..."
)


def test_inline_rows_read_marker_task_led_by_units_and_the_completion_field() -> None:
    record = _record(INLINE)
    rows = [(i["seq"], i["task"], i["lead_units"], i["progress"]) for i in record["items"]]
    assert rows == [
        (1, "新建公共停车场,缓解停车难", ["县住建局"], "1.东区停车场已完工。2.西区停车场正在施工。"),
        (2, "改造农贸市场", ["县商务局", "县市场监管局"], None),
    ]
    assert [i["status"] for i in record["items"]] == ["in_progress", "unclear"]
    assert record["title"] == "关于某县2024年民生实事督办情况的通报"
