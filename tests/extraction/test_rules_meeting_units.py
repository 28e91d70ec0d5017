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
