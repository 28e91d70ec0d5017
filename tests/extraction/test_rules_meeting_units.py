"""Structural rules for meeting units (issue 13 part 2), each on a made-up text of its form."""

from __future__ import annotations

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema

LEAD = "5月6日上午,县委召开月度工作点评会。"


def _units(text: str) -> list[tuple[str, list[str], list[str]]]:
    record, groundings = prelabel(text, get_schema("meeting_review"), None)
    assert check_invariant(text, groundings) == []
    return [(u["unit"], u["achievements"], u["shortcomings"]) for u in record["units"]]


def test_he_inside_a_name_does_not_split_it_but_between_names_does() -> None:
    text = (
        LEAD + "区科技和信息化局、甲街道工委书记和区商务局主要负责同志依次发言。"
        "区科技和信息化局建成平台。但在甲、乙等方面仍存不足。甲街道修路。区商务局办展。"
    )
    assert [u for u, _, _ in _units(text)] == ["区科技和信息化局", "甲街道", "区商务局"]


def test_an_abbreviated_speaker_list_takes_the_reviews_full_names() -> None:
    text = LEAD + "东城、西城两位区委书记依次发言。东城区修路;建园。但在甲、乙等方面仍存不足。西城区办展。"
    assert _units(text) == [("东城区", ["修路", "建园"], ["甲", "乙"]), ("西城区", ["办展"], [])]


def test_abbreviations_joined_by_he_are_two_units() -> None:
    text = LEAD + "东城和西城两位区委书记依次发言。东城区修路。西城区办展。"
    assert [u for u, _, _ in _units(text)] == ["东城区", "西城区"]


def test_a_listed_unit_without_its_review_is_kept_empty() -> None:
    text = LEAD + "甲镇、乙镇、区水务局主要负责同志依次发言。甲镇修路。但在甲、乙等方面仍存不足。乙镇建"
    assert _units(text) == [("甲镇", ["修路"], ["甲", "乙"]), ("乙镇", ["建"], []), ("区水务局", [], [])]


def test_a_review_naming_a_unit_shorter_is_found_and_next_steps_are_not_achievements() -> None:
    text = (
        LEAD + "重点道路建设项目组、科技赋能项目组代表依次发言。"
        "重点道路建设组完成月度任务。下一步,要加强协调。科技赋能项目组整合群组。"
    )
    assert _units(text) == [("重点道路建设组", ["完成月度任务"], []), ("科技赋能项目组", ["整合群组"], [])]


def test_a_shortcoming_sentence_cut_by_the_page_keeps_its_visible_areas() -> None:
    text = LEAD + "甲镇、乙镇主要负责同志依次发言。甲镇修路。但在甲、乙等方面仍存不足。乙镇建园。但在丙、丁等"
    assert _units(text)[1] == ("乙镇", ["建园"], ["丙", "丁"])


def test_heading_lines_name_units_when_there_is_no_speaker_list() -> None:
    text = LEAD + "\n一、石桥镇\n完成农田建设2000亩。\n二、区水务局:\n河道清淤12公里。\n"
    assert [u for u, _, _ in _units(text)] == ["石桥镇", "区水务局"]


def _record(text: str) -> dict:
    record, groundings = prelabel(text, get_schema("meeting_review"), None)
    assert check_invariant(text, groundings) == []
    return record


def test_a_shared_title_goes_to_every_name_and_the_reviewer_is_no_attendee() -> None:
    text = LEAD + "甲镇主要负责同志依次发言,县委书记王五现场点评。县领导李四、赵六等参加。\n县委书记王五参加。"
    record = _record(text)
    assert [(a["name"], a["title"]) for a in record["attendees"]] == [("李四", "县领导"), ("赵六", "县领导")]
    assert record["reviewer"] == "王五"


def test_chair_from_the_title_line_and_reviewer_before_de() -> None:
    record = _record("县委召开月度工作点评会 王五主持并点评\n" + LEAD + "甲镇依次发言,并接受县委书记王五的现场点评。")
    assert record["chair"] == "王五" and record["reviewer"] == "王五"


def test_agency_briefings_split_at_semicolons_and_exchange_speakers_before_jiu() -> None:
    text = (
        LEAD
        + "会上,县考核办通报分析了测评成绩,全县排名第二;县发改委通报了项目进展;各乡镇负责人就下步工作进行了交流发言。"
    )
    record = _record(text)
    assert [(b["topic"], b["details"]) for b in record["briefings"]] == [
        ("测评成绩", "全县排名第二"),
        ("项目进展", None),
    ]
    assert record["exchange_speakers"] == ["各乡镇负责人"]


def test_a_leaders_requirements_and_the_lead_sentences_are_directives_without_a_meeting_block() -> None:
    text = "5月6日,县委召开月度工作点评会,要求抓好落实。\n县长王五要求,各部门要稳增长;要保民生。\n县领导李四参加。"
    assert _record(text)["directives"] == ["抓好落实", "各部门要稳增长;要保民生"]
    with_block = text + "\n会议强调,要守住底线。"
    assert _record(with_block)["directives"] == ["要守住底线"]


def test_a_bare_time_line_dates_the_page_for_the_meeting_date() -> None:
    text = "县委召开月度工作点评会\n\n时间:2018-10-27\n\n10月26日下午,县委召开月度工作点评会。甲镇依次发言。"
    assert _record(text)["meeting_date"] == "2018-10-26"


def test_a_review_meeting_named_pingyi_dahui_is_the_meeting() -> None:
    record = _record("3月12日上午,茶镇召开2020年度书记述职评议大会。镇党委书记易超针对各支部书记的述职进行了逐一点评。")
    assert record["meeting"] == "2020年度书记述职评议大会" and record["organizer"] == "茶镇"
    assert record["reviewer"] == "易超"  # the person stops before 针对


def test_a_contrast_clause_list_gives_one_shortcoming_per_clause() -> None:
    text = (
        LEAD
        + "甲镇、乙镇主要负责同志依次发言。甲镇推进改革,建成平台,但宣传不够深入,经费仍不充足。乙镇修路,但效果很好。"
    )
    assert _units(text) == [
        ("甲镇", ["推进改革,建成平台"], ["宣传不够深入", "经费仍不充足"]),
        ("乙镇", ["修路,但效果很好"], []),  # a contrast that names no shortfall is no shortcoming
    ]


def test_bodies_reviewed_jointly_are_one_unit() -> None:
    text = LEAD + "市科委、中关村管委会、区水务局主要负责同志依次发言。市科委、中关村管委会建成平台。区水务局治河。"
    assert [u for u, _, _ in _units(text)] == ["市科委、中关村管委会", "区水务局"]


def test_an_abbreviated_list_of_towns_takes_the_count_suffix_and_heading_marks_open_reviews() -> None:
    text = LEAD + "雁翅、斋堂、清水三镇主要负责同志依次发言。\n【雁翅镇】修路。\n【斋堂镇】建园。\n【清水镇】治河。"
    assert _units(text) == [("雁翅镇", ["修路"], []), ("斋堂镇", ["建园"], []), ("清水镇", ["治河"], [])]


def test_a_count_with_a_suffix_ends_an_abbreviated_list() -> None:
    from annotate.extraction.rules.meeting_units import _listed_units

    text = "雁翅、斋堂、清水三镇主要负责同志依次发言。"
    items, _ = _listed_units(text)
    assert [(text[a:b], suffix) for a, b, suffix in items] == [("雁翅", "镇"), ("斋堂", "镇"), ("清水", "镇")]


def test_short_lines_of_institution_names_without_paragraphs_are_no_units() -> None:
    text = LEAD + "\n区委办公室\n区政府办公室\n"
    assert _units(text) == []
