"""Monthly work-review meetings (月度工作点评会): units speak in turn and are reviewed one by one."""

from __future__ import annotations

from pydantic import BaseModel, Field

from annotate.core.evidence import Derived

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


MODEL = MeetingReview
