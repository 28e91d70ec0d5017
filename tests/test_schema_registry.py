"""Schemas are files: the registry finds them, hashes them and rejects unknown names clearly."""

from __future__ import annotations

import pytest

from annotate.schema_registry import SchemaError, get_schema, load_schemas


def test_the_three_genres_are_registered_with_stable_hashes() -> None:
    schemas = load_schemas()
    assert {"meeting_review", "task_progress", "public_report"} <= set(schemas)
    assert get_schema("meeting_review").hash == get_schema("meeting_review").hash
    assert len({s.hash for s in schemas.values()}) == len(schemas)


def test_contract_field_names() -> None:
    m = get_schema("meeting_review").model.model_fields
    assert {"meeting_date", "organizer", "chair", "attendees", "units", "briefings", "exchange_speakers", "directives"} <= set(m)
    t = get_schema("task_progress").model.model_json_schema()
    item = t["$defs"]["TaskItem"]["properties"]
    assert {"category", "seq", "task", "lead_units", "progress", "status", "indicators"} <= set(item)
    assert set(item["status"]["enum"]) == {"completed", "adjusted", "in_progress", "not_completed", "unclear"}
    p = get_schema("public_report").model.model_fields
    assert {"title", "date", "speakers", "sections", "qa"} <= set(p)


def test_unknown_schema_names_the_known_ones() -> None:
    with pytest.raises(SchemaError, match="meeting_review"):
        get_schema("no_such_schema")


def test_the_spec_carries_its_field_tree_built_once() -> None:
    from annotate.core.evidence import evidence_fields
    from annotate.core.field_tree import field_tree

    spec = get_schema("task_progress")
    assert spec.field_tree is spec.field_tree  # built once per spec
    assert spec.field_tree is field_tree(spec.model)  # the one tree core builds for the model
    assert spec.evidence_fields == evidence_fields(spec.model)
    assert "items[].lead_units[]" in spec.evidence_fields and "items[].seq" not in spec.evidence_fields
