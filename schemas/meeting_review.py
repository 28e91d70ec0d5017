"""Monthly work-review meetings (月度工作点评会): units speak in turn and are reviewed one by one.

The validators are this genre's clean-up. They turn what a small model typically writes instead of
the convention (``tests/fixtures/seeds/README.md``) into the convention, and leave values that
already follow it untouched, so they are safe on gold records too:

* a whole shortcoming sentence "但在A、B、C等方面仍存不足" (or "但存在A、B等不足") becomes its areas
  A, B, C — each still a verbatim span of the text;
* a speaker's title after a unit's name ("区委教育工委书记") is not part of the unit;
* a clause list run together ("…；…。…") is split at 。 and ；, directives at 。, and the lead-in
  "会议强调，" is not part of a directive.

``clean`` does what needs the text: an achievement cut at a comma is widened to its whole clause
(up to 。 or ；, without the unit's name), and a directive cut at commas is joined back.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator

from annotate.core.evidence import Derived

from ._common import joined_pieces, whole_clauses

RULES = "annotate.extraction.rules.meeting:extract"
"""The offline pre-labeler (``--backend rules``) for this genre."""
NAME = "meeting_review"
DESCRIPTION = "Work-review meeting: who spoke, each unit's achievements and shortcomings, briefings, directives."
KEYWORDS = {
    "点评会": 5, "點評會": 5, "依次发言": 4, "依次發言": 4, "一一点评": 4, "一一點評": 4,
    "仍存不足": 3, "仍需加强": 2, "等不足": 1, "会议强调": 2, "会议指出": 2, "会议通报": 2,
    "交流发言": 1, "主持会议": 1,
}


class Attendee(BaseModel):
    name: str = Field(description="Person's name as written (e.g. 刘东伟).")
    title: str | None = Field(None, description="The title(s) written before the name (e.g. 区委副书记、区长).")


_TAIL = r"(?:(?:等方面|方面)(?:仍存不足|仍需加强|仍有不足|存在不足|有待加强)?|等(?:不足|问题|短板)|仍存不足|仍需加强)"
_SHORTCOMING = (
    re.compile(rf"^但是?(?:在|存在)?(?P<areas>.+?){_TAIL}?[。；;]?$"),  # "但在A、B等方面仍存不足"
    re.compile(rf"^(?:在|存在)?(?P<areas>.+?){_TAIL}[。；;]?$"),  # "A、B等方面仍存不足"
)
_SPEAKER_TITLE = re.compile(r"(?<=\w{2})(?:主要负责同志|主要负责人|负责同志|负责人|书记)$")
_LEAD_IN = re.compile(r"^(?:对于下一步工作，)?会议(?:强调|指出|要求)[，,：:]")


def _split(values: list[str], separators: str) -> list[str]:
    """Each value cut at ``separators`` (kept out), blanks and final punctuation dropped."""
    out = []
    for value in values:
        for piece in re.split(f"[{separators}]", value):
            piece = piece.strip().rstrip("。；;")
            if piece:
                out.append(piece)
    return out


def shortcoming_areas(values: list[str]) -> list[str]:
    """"但在A、B、C等方面仍存不足" -> A, B, C; an area already on its own is kept as it is."""
    out = []
    for value in values:
        match = next((m for p in _SHORTCOMING if (m := p.match(value.strip()))), None)
        out.extend(_split([match.group("areas") if match else value], "、"))
    return out


class UnitReview(BaseModel):
    unit: str = Field(description="The unit that spoke, as named where its review starts (e.g. 天桥街道).")
    achievements: list[str] = Field(
        default_factory=list,
        description="Each achievement clause of the unit's paragraph, verbatim, split at 。 or ；, without the unit name.",
    )
    shortcomings: list[str] = Field(
        default_factory=list,
        description='Each area A, B, C of "但在A、B、C等方面仍存不足/仍需加强" or "但存在A、B、C等不足", verbatim.',
    )

    @field_validator("unit")
    @classmethod
    def _unit_not_speaker(cls, value: str) -> str:
        return _SPEAKER_TITLE.sub("", value.strip())

    @field_validator("achievements")
    @classmethod
    def _one_clause_each(cls, values: list[str]) -> list[str]:
        return _split(values, "。；;")

    @field_validator("shortcomings")
    @classmethod
    def _areas(cls, values: list[str]) -> list[str]:
        return shortcoming_areas(values)


class Briefing(BaseModel):
    topic: str = Field(description="What was briefed (会议通报了…), verbatim, e.g. 3月份接诉即办工作情况.")
    details: str | None = Field(None, description="The rest of that briefing sentence, verbatim, if any.")


class MeetingReview(BaseModel):
    meeting_date: Derived | None = Field(None, description="ISO date (YYYY-MM-DD) when the year is known, else null.")
    organizer: str | None = Field(None, description="Who convened the meeting (e.g. 市委), if stated.")
    meeting: str | None = Field(None, description="The meeting's name as written (…月度工作点评会).")
    chair: str | None = Field(None, description="Who chaired (主持) the meeting, name only, if stated.")
    reviewer: str | None = Field(None, description="Who reviewed the speakers (点评), name only, if stated.")
    attendees: list[Attendee] = Field(default_factory=list, description="Leaders listed as attending (出席/参加).")
    units: list[UnitReview] = Field(default_factory=list, description="Reviewed units in speaking order.")
    briefings: list[Briefing] = Field(default_factory=list, description="Topics the meeting briefed (通报).")
    exchange_speakers: list[str] = Field(
        default_factory=list, description="Who gave an experience-exchange speech (交流发言), as written."
    )
    directives: list[str] = Field(
        default_factory=list, description="Each directive sentence (会议强调/指出/要求 …), verbatim, without the lead-in."
    )

    @field_validator("directives")
    @classmethod
    def _one_sentence_each(cls, values: list[str]) -> list[str]:
        return [_LEAD_IN.sub("", v) for v in _split(values, "。")]


MODEL = MeetingReview

TITLE = ("工作点评会", "各单位依次发言、逐一点评，画出每个单位的成绩与不足，以及会议的通报和要求")
"""What annotators read above the text in Label Studio: the genre's (title, hint)."""

LABELS = {  # what annotators read in Label Studio: (title, hint); the stored value stays the path
    "attendees[]": ("出席领导", "一位出席领导：职务连同姓名整段划出，职务、姓名画在其中"),
    "attendees[].name": ("姓名", "领导姓名，照原文"),
    "attendees[].title": ("职务", "姓名前的职务原文"),
    "units[]": ("单位点评", "一个单位的整段点评：从单位名称到它的不足句；单位、成绩、不足画在段内"),
    "units[].unit": ("单位", "发言单位的名称，不含“书记”等职务"),
    "units[].achievements[]": ("成绩", "该单位的一句成绩：在“。”或“；”处切分，逗号不切"),
    "units[].shortcomings[]": ("不足", "不足句中“、”分隔的一项，只画中间内容"),
    "briefings[]": ("通报事项", "会议通报的一整句"),
    "briefings[].topic": ("通报主题", "“通报了”之后到第一个逗号或句号"),
    "briefings[].details": ("通报详情", "通报句的其余部分"),
    "organizer": ("主办方", "召开会议的机关，如市委"),
    "meeting": ("会议名称", "会议名称原文（……点评会）"),
    "chair": ("主持人", "主持会议者的姓名"),
    "reviewer": ("点评人", "点评发言者的姓名"),
    "exchange_speakers[]": ("交流发言", "作交流发言的人或单位，照原文"),
    "directives[]": ("会议要求", "会议强调、指出、要求的一句，不含“会议强调，”等引语"),
    "meeting_date": ("会议日期", "YYYY-MM-DD，仅当原文写明年份时填写"),
}


def clean(record: dict, text: str) -> dict:
    """Achievements as whole clauses, directives as whole sentences (see the module docstring)."""
    for unit in record.get("units") or []:
        unit["achievements"] = whole_clauses(unit.get("achievements") or [], text, prefix=unit.get("unit") or "")
    record["directives"] = joined_pieces(record.get("directives") or [], text)
    return record
