"""Plain data types shared by every stage of the pipeline.

These are deliberately free of I/O and of any provider (openai, duckdb, Label Studio) so that
the pure algorithms in ``annotate.core`` can be tested on their own and reused by every edge.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AlignmentStatus(StrEnum):
    """How a quoted value was found in the source text.

    ``normalised`` and ``fuzzy`` spans still satisfy ``text[start:end] == quote``; the *value* the
    model wrote may differ from the quote, which is why both are kept.
    """

    EXACT = "exact"
    NORMALISED = "normalised"
    FUZZY = "fuzzy"
    UNALIGNED = "unaligned"


class Span(BaseModel):
    """A half-open range of Python string indices (code points) into the document text."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int


class Grounding(BaseModel):
    """Where one evidence value of a record sits in the source text.

    Kept beside the record, never inside it, so the record stays what a training set wants.
    ``quote`` is always ``text[start:end]`` for aligned groundings; ``value`` is what the record says.
    """

    path: str
    value: str
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    status: AlignmentStatus = AlignmentStatus.UNALIGNED
    score: float = 0.0
    confidence: float | None = None
    """How likely the value is right, in [0, 1]: alignment quality times the model's own probability
    for the value where the backend measured one (``None``: not measured; alignment alone counts)."""

    @property
    def aligned(self) -> bool:
        return self.status is not AlignmentStatus.UNALIGNED


class Document(BaseModel):
    """A cleaned source document. ``text`` is THE text: every offset in the system indexes it."""

    doc_id: str
    text: str
    source: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)


class Extraction(BaseModel):
    """One prediction: a schema record plus the groundings of its evidence values."""

    doc_id: str
    schema_name: str = Field(serialization_alias="schema", validation_alias="schema_name")
    model_version: str
    record: dict[str, Any]
    groundings: list[Grounding] = Field(default_factory=list)
    confidence: float | None = None
    notes: list[str] = Field(default_factory=list)
    """What the pipeline had to do to get this record (a truncated answer salvaged, items dropped,
    re-asks): nothing is dropped silently."""

    model_config = ConfigDict(populate_by_name=True)

    def public_dict(self) -> dict[str, Any]:
        """The shape `annotate extract --json` prints (a contract read by other tools)."""
        return {
            "doc_id": self.doc_id,
            "schema": self.schema_name,
            "model_version": self.model_version,
            "record": self.record,
            "groundings": [g.model_dump(mode="json") for g in self.groundings],
            "confidence": self.confidence,
            "notes": self.notes,
        }


class ExtractionFailure(Exception):
    """Raised when a document could not be turned into a valid record; ``stage`` names where."""

    def __init__(self, reason: str, *, stage: str = "extract") -> None:
        super().__init__(reason)
        self.reason = reason
        self.stage = stage
