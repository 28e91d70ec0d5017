"""A government's public work report with a Q&A session (Simplified or Traditional Chinese)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from annotate.core.evidence import Derived

from ._common import Indicator, indicator_labels

RULES = "annotate.extraction.rules.report:extract"
"""The offline pre-labeler (``--backend rules``) for this genre."""
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

TITLE = ("工作報告", "報告標題、發言人、各章節的要點與指標，以及逐組問答")
"""What annotators read above the text in Label Studio: the genre's (title, hint)."""

LABELS = {  # the genre's documents are in Traditional Chinese; the stored value stays the path
    "sections[]": ("章節", "一個章節：從標題到下一個標題之前，標題、要點、指標畫在其中"),
    "sections[].heading": ("章節標題", "章節標題原文"),
    "sections[].highlights[]": ("要點", "本章節的一句要點，照原文"),
    **indicator_labels("sections[].indicators[]", traditional=True),
    "qa[]": ("問答", "一組問與答的整段"),
    "qa[].question": ("問", "“問”之後的問題原文"),
    "qa[].answer": ("答", "“答”之後的回答原文"),
    "title": ("報告標題", "報告標題原文"),
    "date": ("日期", "YYYY-MM-DD，僅當原文寫明時填寫"),
    "speakers[]": ("發言人", "介紹或答問的官員姓名，照原文"),
}
