"""A government's public work report with a Q&A session (Simplified or Traditional Chinese)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from annotate.core.evidence import Derived
from schemas._common import Indicator

NAME = "public_report"
DESCRIPTION = "Public work report: title, speakers, headed sections with highlights and numbers, Q&A pairs."
KEYWORDS = {
    "报告工作": 4, "報告工作": 4, "问：": 3, "問:": 3, "问:": 3, "問：": 3, "答：": 2, "答:": 2,
    "互动交流": 3, "互動交流": 3, "公众代表": 2, "公眾代表": 2,
}


class Section(BaseModel):
    heading: str = Field(description="The section heading as written.")
    highlights: list[str] = Field(default_factory=list, description="Key statements of the section, verbatim sentences.")
    indicators: list[Indicator] = Field(default_factory=list, description="Numbers reported in the section.")


class QA(BaseModel):
    question: str = Field(description="The question after 问/問, verbatim.")
    answer: str = Field(description="The answer after 答, verbatim.")


class PublicReport(BaseModel):
    title: str | None = Field(None, description="The report's title as written.")
    date: Derived | None = Field(None, description="ISO date if the text states one, else null.")
    speakers: list[str] = Field(default_factory=list, description="Officials who presented or answered, names as written.")
    sections: list[Section] = Field(default_factory=list)
    qa: list[QA] = Field(default_factory=list)


MODEL = PublicReport
