"""The labeling config generated from each schema is valid and names every evidence field."""

from __future__ import annotations

import pytest
from label_studio_sdk.label_interface import LabelInterface

from annotate.labelstudio.config import (
    LABELS,
    REVIEW,
    UNALIGNED,
    VALUE_NOTE,
    ConfigError,
    build_config,
    config_hash,
    control_name,
    label_spec,
)
from annotate.schema_registry import load_schemas

SCHEMAS = sorted(load_schemas())


@pytest.mark.parametrize("name", SCHEMAS)
def test_config_is_valid_and_covers_every_evidence_field(name: str) -> None:
    spec = load_schemas()[name]
    ls = label_spec(name, spec.model)
    xml = build_config(ls, spec.description)
    li = LabelInterface(xml)
    li.validate()
    labels = set(li.get_control(LABELS).labels)
    assert set(spec.evidence_fields) <= labels
    assert {REVIEW, UNALIGNED, VALUE_NOTE} <= {c.name for c in li.controls}
    assert li.get_control(REVIEW).labels == ["accept", "reject"]
    assert config_hash(xml) == config_hash(build_config(ls, spec.description))


def test_nesting_is_kept_by_block_labels() -> None:
    meeting = label_spec("meeting_review", load_schemas()["meeting_review"].model)
    assert meeting.spans["units[].shortcomings[]"].block == "units[]"
    assert "units[]" in meeting.blocks and meeting.blocks["units[]"].parent is None
    tasks = label_spec("task_progress", load_schemas()["task_progress"].model)
    assert tasks.blocks["items[].indicators[]"].parent == "items[]"
    assert tasks.spans["items[].lead_units[]"].block == "items[]"
    report = label_spec("public_report", load_schemas()["public_report"].model)
    assert report.spans["qa[].answer"].block == "qa[]"


def test_scalars_are_controls_per_region_or_per_document() -> None:
    spec = load_schemas()["task_progress"]
    ls = label_spec("task_progress", spec.model)
    status = ls.scalars[control_name("items[].status")]
    assert (status.kind, status.block) == ("choices", "items[]")
    assert status.choices == ("completed", "adjusted", "in_progress", "not_completed", "unclear")
    assert ls.scalars["f_items__seq"].integer
    assert ls.scalars["f_year"].block is None
    li = LabelInterface(build_config(ls))
    assert li.get_control("f_items__status").attr.get("perRegion") == "true"
    assert "perRegion" not in li.get_control("f_year").attr
    meeting = label_spec("meeting_review", load_schemas()["meeting_review"].model)
    assert meeting.scalars["f_meeting_date"].kind == "text"


def test_unsupported_field_types_are_refused_with_the_field_named() -> None:
    from pydantic import BaseModel

    class Odd(BaseModel):
        scores: list[int] = []

    with pytest.raises(ConfigError, match="scores"):
        label_spec("odd", Odd)
