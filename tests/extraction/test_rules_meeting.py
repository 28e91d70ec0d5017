"""Meeting-review rules: the genre's structure, read on texts of every variant form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.core.grounding import check_invariant
from annotate.documents import load_document
from annotate.extraction.rules import meeting, prelabel
from annotate.schema_registry import get_schema


def _extract(path: Path) -> dict:
    doc = load_document(path)
    record, groundings = prelabel(doc.text, get_schema("meeting_review"), doc.metadata)
    assert check_invariant(doc.text, groundings) == []
    return record


def test_snippet_gives_the_recorded_units(fixtures_dir: Path) -> None:
    record = _extract(fixtures_dir / "documents" / "meeting_snippet.txt")
    expected = json.loads((fixtures_dir / "documents" / "meeting_snippet.record.json").read_text())
    assert record["chair"] == expected["chair"]
    assert record["units"] == expected["units"]


@pytest.mark.parametrize(
    "case", json.loads((Path(__file__).parents[1] / "fixtures/rules/shortcomings.json").read_text())
)
def test_shortcoming_sentence_variants(case: dict) -> None:
    sentence = case["sentence"]
    found = meeting.shortcoming(sentence, 0, len(sentence))
    areas = [str(a) for a in found[1]] if found else []
    assert areas == case["areas"]
    for a in found[1] if found else []:
        assert sentence[a.start : a.end] == a


def test_truncated_last_unit_keeps_what_is_there(fixtures_dir: Path) -> None:
    record = _extract(fixtures_dir / "meetings" / "donggang_truncated.txt")
    last = record["units"][-1]
    assert last["unit"] == "区人力社保局"
    assert last["achievements"][-1].endswith("为重点群体提供")
    assert last["shortcomings"] == []
    assert record["meeting_date"] == "2024-07-02"  # 昨天 + 发布时间：2024-07-03


def test_ascii_punctuation_splits_like_full_width(fixtures_dir: Path) -> None:
    record = _extract(fixtures_dir / "meetings" / "beichuan_ascii_punct.txt")
    first = record["units"][0]
    assert first["unit"] == "清河街道"
    assert len(first["achievements"]) == 3  # split at ASCII ';'
    assert all(not a.endswith((";", "。", ".")) for a in first["achievements"])
    assert record["units"][3]["shortcomings"][0] == "养老服务供给不均衡"  # 但存在…等不足


def test_units_without_a_speaker_list_come_from_shortcoming_sentences(fixtures_dir: Path) -> None:
    record = _extract(fixtures_dir / "rules" / "meeting_no_list.txt")
    assert [u["unit"] for u in record["units"]] == ["柳湾街道", "区商务局"]
    assert record["units"][1]["shortcomings"] == ["招商储备不足", "服务企业不够精准"]
    assert record["directives"] == ["各单位要对照问题清单逐项整改"]


def test_heading_style_units_and_front_matter_date(fixtures_dir: Path) -> None:
    record = _extract(fixtures_dir / "rules" / "meeting_heading_style.md")
    assert record["meeting_date"] == "2021-01-04"
    assert record["organizer"] == "县委"
    assert record["reviewer"] == "郑文远"
    assert [u["unit"] for u in record["units"]] == ["石桥镇", "白沙乡"]
    assert record["units"][0]["shortcomings"] == ["集体经济增收", "人居环境整治"]
    assert record["units"][1]["achievements"] == ["建成村级养老服务站4个", "河道清淤12公里"]


def test_people_briefings_and_directives(seeds_dir: Path) -> None:
    record = _extract(seeds_dir / "000_bc3a7675d392fb2c.txt")
    assert record["chair"] == "孙硕" and record["reviewer"] == "孙硕"
    assert {"name": "刘东伟", "title": "区委副书记、区长"} in record["attendees"]
    assert all(a["name"] != "孙硕" for a in record["attendees"])  # the chair is not an attendee
    assert record["briefings"][0]["topic"] == "3月份接诉即办工作情况"
    assert record["exchange_speakers"] == ["什刹海街道大红罗社区党委书记"]
    assert record["directives"][0].startswith("要持续狠抓")
    assert record["meeting_date"] is None  # "4月8日" without any year in the document
