"""Pieces shared by several genre schemas."""

from __future__ import annotations

from pydantic import BaseModel, Field

from annotate.core.evidence import Derived


class Indicator(BaseModel):
    """A reported number such as "89.62%", "12.1万余平方米" or "50610595万元"."""

    name: str | None = Field(None, description="What is measured, quoted from the text (e.g. 热线问题解决率).")
    value: float | None = Field(None, description="The number as a plain number (89.62 for 89.62%).")
    unit: Derived | None = Field(None, description="The unit as written after the number (%, 万元, 平方米).")
    text: str = Field(description="The number with its unit exactly as written in the text.")
