"""Layouts of the sixth development round (issue 13): structure, not words of the texts.

Made-up snippets in the shapes of real pages the rules did not read: a one-cell-per-line table whose
header cells the page broke over lines, a table flattened onto one line with its cells separated by
spaces, two levels of lead units in one bracket with a 完成情况 line under each row, a row number
followed by a figure ("6、98年…"), 牵头责任单位 fields, rows closed by a bracketed lead-unit field
with pinyin glosses and no Arabic numbers; and for Q&A pages: media labels taking turns with the
official, questions as headlines (on their own lines, or numbered inside one flattened line), a
transcript cut before any question, and the page furniture a report reader must not take for
sections or titles. Reverting a rule turns its test red.
"""

from __future__ import annotations

from annotate.extraction.rules.dates import publication_date
from annotate.extraction.rules.row_cells import LEAD_FIELD
from annotate.extraction.rules.status import status_of
from tests.support.rules_record import grounded_record

BROKEN_HEADER = (
    "某镇2024年度重点工作二季度执行情况\n\n序号\n\n重点工作\n\n责任\n\n领导\n\n责任\n\n科室\n\n攻坚目标\n\n任务\n\n"
    "工作任务安排\n\n第二季度\n\n完成情况\n\n"
    "1\n\n水库工程政策处理\n\n张三\n\n工作领导小组\n\n完成政策处理。\n\n推进迁移工作。\n\n迁移进度达60%。\n\n"
    "2\n\n美丽城镇建设\n\n李四\n\n乡村振兴办\n\n创建美丽城镇。\n\n开展项目建设。\n\n总投资6000万元的项目完成投资3000万元。\n"
)


def test_a_header_broken_over_lines_is_fitted_to_the_rows_width() -> None:
    record = grounded_record(BROKEN_HEADER)
    rows = [(i["seq"], i["task"], i["lead_units"], i["progress"], i["status"]) for i in record["items"]]
    assert rows == [
        (1, "水库工程政策处理", [], "迁移进度达60%。", "in_progress"),
        (2, "美丽城镇建设", [], "总投资6000万元的项目完成投资3000万元。", "in_progress"),  # half the total
    ]
    assert record["year"] == "2024"


SPACED = (
    "2022上半年重点工作进展统计表\n\n"
    "统计表 序号 承担的重点工作 完成状态 工作进展情况 牵头责任单位 一、完成主要预期目标 "
    "1 生产总值增长x%。 序时推进 上半年,召开调度会。 研究制定 实施意见。 市发展改革委 "
    "2 消费增长xx%以上。 序时推进 消费市场稳定恢复。 市商务局 二、推进改革 "
    "3 建成政务服务大厅。 已完成 大厅投入使用,全部办结。 市政务服务局 4 优化营商环境。 序时推进 正在"
)


def test_a_table_on_one_line_is_read_from_its_header_and_aligned_from_both_ends() -> None:
    record = grounded_record(SPACED)
    rows = [(i["seq"], i["category"], i["task"], i["lead_units"], i["progress"]) for i in record["items"]]
    assert rows == [
        (1, "完成主要预期目标", "生产总值增长x%。", ["市发展改革委"], "上半年,召开调度会。 研究制定 实施意见。"),
        (2, "完成主要预期目标", "消费增长xx%以上。", ["市商务局"], "消费市场稳定恢复。"),
        (3, "推进改革", "建成政务服务大厅。", ["市政务服务局"], "大厅投入使用,全部办结。"),
        (4, "推进改革", "优化营商环境。", [], "正在"),  # cut: no lead unit taken from the progress
    ]
    assert [i["status"] for i in record["items"]] == ["in_progress", "in_progress", "completed", "in_progress"]
    assert record["year"] == "2022"  # "2022上半年"


TWO_LEVELS = (
    "名  称: 2021《市政府工作报告》半年完成情况通报 发布机构: 区政府督查室\n"
    "公开日期: 2021年08月03日\n\n"
    "2021《市政府工作报告》半年完成情况通报\n\n"
    "一、《市政府工作报告》半年完成情况\n\n"
    "1.地区生产总值增长10%。(市级牵头单位:市发展改革委;区级牵头单位:区发改局)\n\n"
    "完成情况:上半年,地区生产总值同比增长 22.3%。\n\n"
    "2.社会消费品零售总额增长15%。(市级牵头单位:市商务局;区级牵头单位:区商务局)\n\n"
    "完成情况:1-5月全区累计完成社会消费品零售总额257.54亿元。\n"
)


def test_two_levels_of_lead_units_in_one_bracket_and_a_completion_line_under_the_row() -> None:
    record = grounded_record(TWO_LEVELS)
    rows = [(i["seq"], i["task"], i["lead_units"], i["progress"]) for i in record["items"]]
    assert rows == [
        (1, "地区生产总值增长10%。", ["市发展改革委", "区发改局"], "上半年,地区生产总值同比增长 22.3%。"),
        (2, "社会消费品零售总额增长15%。", ["市商务局", "区商务局"], "1-5月全区累计完成社会消费品零售总额257.54亿元。"),
    ]
    assert record["items"][0]["status"] == "completed"  # 22.3% beats the 10% target
    assert record["title"] == "2021《市政府工作报告》半年完成情况通报"  # not the metadata field


PAREN_BUREAUS = (
    "第9次主管會報縣長裁示事項\n\n  • 2008-12-18\n"
    " 1、年節將近,要準備寒冬送暖事宜。(民政局)\n"
    " 2、98年元旦升旗活動相關事宜,應事先做好規劃辦理。(教育局)\n"
    " 3、路樹及雜草應及時清理。(建設局)\n"
)


def test_a_row_number_followed_by_a_figure_is_still_a_row_and_a_date_line_gives_the_year() -> None:
    record = grounded_record(PAREN_BUREAUS)
    assert [(i["seq"], i["lead_units"]) for i in record["items"]] == [(1, ["民政局"]), (2, ["教育局"]), (3, ["建設局"])]
    assert record["items"][1]["task"] == "98年元旦升旗活動相關事宜,應事先做好規劃辦理。"
    assert record["year"] == "2008"


LEAD_DUTY = (
    "某市人民政府关于2021年重点工作及责任分解的通知\n\n"
    "各县区人民政府:\n\n现将重点工作任务分解下达给你们。\n\n"
    "一、确保完成全年主要预期目标\n\n"
    "1.地区生产总值增长8.5%左右。\n\n牵头负责领导:张三。\n\n牵头责任单位:市发展和改革委员会。\n\n"
    "协同责任单位:市政府各部门。\n\n"
    "2.一般公共预算收入增长5%左右。\n\n牵头负责领导:张三。\n\n牵头责任单位:市财政局。\n\n"
    "协同责任单位:市税务局。\n"
)


def test_a_lead_duty_unit_field_names_the_lead_unit_not_the_leader_or_the_partners() -> None:
    record = grounded_record(LEAD_DUTY)
    assert [i["lead_units"] for i in record["items"]] == [["市发展和改革委员会"], ["市财政局"]]
    assert record["title"] == "某市人民政府关于2021年重点工作及责任分解的通知"
    assert LEAD_FIELD.match("牵头责任单位") and not LEAD_FIELD.match("牵头负责领导")  # the block reader's label


MARKED = (
    "關(guān)于印發(fā)重點工作事項的通知\n"
    "2006年重點做好的工作事項\n"
    "一、構(gòu)建現(xiàn)代產(chǎn)業(yè)體系\n"
    "(一)建設(shè)汽車產(chǎn)業(yè)基地。(牽頭單位:市經(jīng)貿(mào)委;配合單位:市發(fā)改委、規(guī)劃局)\n"
    "?。ǘ┩七M(jìn)石化基地建設(shè)。(牽頭單位:市發(fā)改委;配合單位:市經(jīng)貿(mào)委)\n"
    "二、推進(jìn)民生\n"
    "(三)建設(shè)物流園區(qū)。(牽頭單位:市交委;配合單位:市經(jīng)貿(mào)委)\n"
)


def test_rows_closed_by_a_lead_field_are_read_in_order_and_glosses_do_not_close_the_field() -> None:
    record = grounded_record(MARKED)
    rows = [(i["seq"], i["category"], i["task"], i["lead_units"]) for i in record["items"]]
    assert rows == [
        (1, "構(gòu)建現(xiàn)代產(chǎn)業(yè)體系", "建設(shè)汽車產(chǎn)業(yè)基地。", ["市經(jīng)貿(mào)委"]),
        (
            2,
            "構(gòu)建現(xiàn)代產(chǎn)業(yè)體系",
            "?。ǘ┩七M(jìn)石化基地建設(shè)。",
            ["市發(fā)改委"],
        ),  # garbled marker kept
        (3, "推進(jìn)民生", "建設(shè)物流園區(qū)。", ["市交委"]),
    ]


def test_status_words_and_totals() -> None:
    assert status_of("达序推进") == "in_progress"
    assert status_of("总投资6000万元的19个项目完成投资3000万元。") == "in_progress"
    assert status_of("总投资6000万元的项目完成投资6000万元。") == "completed"


MEDIA_TURNS = (
    "深圳市代市長談熱點話題 稱有辦法調(diào)控房價(2)\n"
    "網(wǎng)絡(luò)問政\n"
    "羊城晚報:您為什么要采取這種互動形式?\n"
    "王榮:其實在平時的工作中,網(wǎng)民也提供意見。\n"
    "這是第二段。\n"
    "羊城晚報:網(wǎng)民的意見主要集中在哪些方面?\n"
    "王榮:民生問題反映得比較多。\n"
    "相關(guān)專題:全民大討論:房價之道\n"
    "免責(zé)聲明:本文僅代表作者個人觀點。\n"
)


def test_a_media_label_taking_turns_with_the_official_asks_and_page_furniture_is_no_section() -> None:
    record = grounded_record(MEDIA_TURNS, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("您為什么要采取這種互動形式?", "其實在平時的工作中,網(wǎng)民也提供意見。"),
        ("網(wǎng)民的意見主要集中在哪些方面?", "民生問題反映得比較多。"),
    ]
    assert record["speakers"] == ["王榮"]
    assert record["sections"] == []
    assert record["title"] == "深圳市代市長談熱點話題 稱有辦法調(diào)控房價"  # page number (2) dropped


HEADLINES = (
    "人社部關於條例修訂情況的説明\n\n"
    "近日,人社部就條例公開徵求意見,現做如下説明。\n\n"
    "我國失業保險制度發揮了哪些作用?\n\n"
    "失業保險是國家通過立法強制實施的制度。\n\n"
    "現行條例實施17年來,發揮了重要作用。\n"
)
FLATTENED = (
    "UZ&bT'>;9g 3月15日上午,總理會見中外記者。 总理回应 bg[q8IBCd 1、就业压力如何缓解? &|Z:8]'P "
    "我们一直在实施积极的就业政策。 tse(iX/D 总理回应 0(-'L\\<>x 2、简政放权如何深入? Y.jg\n"
    "}oV 简政放权是三位一体的。 Fi(_A 3、雾霾问题如何解决? x 会坚定地推进五条措施。"
)


def test_questions_as_headlines_pair_with_the_paragraph_under_them() -> None:
    record = grounded_record(HEADLINES, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("我國失業保險制度發揮了哪些作用?", "失業保險是國家通過立法強制實施的制度。")
    ]
    assert record["sections"] == []
    record = grounded_record(FLATTENED, "public_report")
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("就业压力如何缓解?", "我们一直在实施积极的就业政策。"),
        ("简政放权如何深入?", "简政放权是三位一体的。"),
        ("雾霾问题如何解决?", "会坚定地推进五条措施。"),
    ]


CUT_BEFORE_QUESTIONS = (
    "文字实录|某省生态环境厅召开10月新闻发布会\n\n"
    "主持人(省生态环境厅宣教处处长杨正国):各位记者朋友,上午好!今天的发布会通报有关情况。\n\n"
    "国务院新闻办新闻局副局长、新闻发言人寿小丽:\n\n女士们、先生们,欢迎大家出席吹风会。\n"
)


def test_a_transcript_cut_before_any_question_names_the_officials_who_spoke() -> None:
    record = grounded_record(CUT_BEFORE_QUESTIONS, "public_report")
    assert record["qa"] == []
    assert sorted(record["speakers"]) == ["寿小丽", "杨正国"]


NUMBERED_SUMMARY = (
    "3月2日,全國政協新聞發布會在人民大會堂舉行,中國正式進入兩會時間。\n"
    "發布會現場\n"
    "發言人王國慶回答了熱點問題。\n"
    "1、經濟日報:中國經濟增速26年最低?\n"
    "王國慶:2016年增速6.7%,基本面不變。\n"
    "2、中國日報:政協如何推進扶貧?\n"
    "王國慶:政協委員調研產業扶貧。\n"
)


def test_a_transcript_is_not_a_section_and_a_caption_after_the_lead_is_not_the_title() -> None:
    record = grounded_record(NUMBERED_SUMMARY, "public_report")
    assert len(record["qa"]) == 2
    assert record["sections"] == []
    assert record["title"] is None


def test_dates_of_a_council_record_and_of_a_press_reception() -> None:
    assert str(publication_date("日期:108 年 5 月 27 日\n時間:上午")) == "2019-05-27"  # ROC calendar
    text = (
        "佤邦政府副主席答外媒記者問現場文字實錄\n\n2021-02-20 佤邦之音\n\n"
        "  2019年4月18日下午,佤邦人民政府副主席趙國安記者招待會上回答記者提問的文字記錄。\n\n"
        "  記者:請問和平進程如何?\n\n  趙國安:我們一直堅持和平。\n"
    )
    assert grounded_record(text, "public_report")["date"] == "2019-04-18"
