"""The rules' record for a made-up snippet, its groundings checked: what every layout test reads."""

from __future__ import annotations

from typing import Any

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema


def grounded_record(text: str, genre: str = "task_progress") -> dict[str, Any]:
    """The record the rules make of ``text``; fails the test if a value is not the span it claims."""
    record, groundings = prelabel(text, get_schema(genre), None)
    assert check_invariant(text, groundings) == []
    return record
