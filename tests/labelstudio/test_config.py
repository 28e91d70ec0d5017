"""The labeling config generated from each schema is valid and names every evidence field."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from label_studio_sdk.label_interface import LabelInterface

from annotate.labelstudio.config import (
    LABELS,
    REVIEW,
    REVIEW_NOTE,
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


def _config(name: str) -> tuple[Any, str]:
    spec = load_schemas()[name]
    ls = label_spec(name, spec.model, spec.labels, spec.choice_labels)
    return ls, build_config(ls, spec.description, spec.title)


@pytest.mark.parametrize("name", SCHEMAS)
def test_annotators_read_titles_while_results_store_paths(name: str) -> None:
    ls, xml = _config(name)
    root = ElementTree.fromstring(xml)
    shown = {el.get("value"): el.get("alias") for el in root.iter("Label")}
    assert all(alias for alias in shown.values()), "every built-in field has a title"
    assert not [v for v in shown if "[]" in v or "." in v], "no label reads as a code path"
    assert set(shown.values()) == set(ls.label_values())
    hints = [el.get("hint") or "" for el in root.iter("Label")]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in hints), "hints are in Chinese"
    assert root.find(".//Text").get("showLabels") == "true"


def test_choice_values_are_stored_and_titles_shown() -> None:
    _, xml = _config("task_progress")
    li = LabelInterface(xml)
    assert li.get_control("f_items__status").labels == ["completed", "adjusted", "in_progress", "not_completed",
                                                        "unclear"]  # fmt: skip
    shown = [el.get("value") for el in ElementTree.fromstring(xml).iter("Choice")]
    assert "已完成" in shown and "completed" not in shown


def test_review_keys_are_the_same_in_every_project_and_never_a_label_key() -> None:
    for name in SCHEMAS:
        _, xml = _config(name)
        root = ElementTree.fromstring(xml)
        review = {el.get("alias"): el.get("hotkey") for el in root.find(".//Choices[@name='review']")}
        assert review == {"accept": "alt+a", "reject": "alt+x"}
        keys = [el.get("hotkey") for el in root.iter() if el.tag in ("Label", "Choice") and el.get("hotkey")]
        assert len(keys) == len(set(keys)), f"{name}: a hotkey is used twice"
        others = [k for k in keys if k not in review.values()]
        assert len(others) == len(keys) - 2 and "ctrl+enter" not in others


def test_rejection_note_shows_only_with_reject() -> None:
    _, xml = _config("meeting_review")
    root = ElementTree.fromstring(xml)
    (holder,) = [v for v in root.iter("View") if v.find(f"TextArea[@name='{REVIEW_NOTE}']") is not None]
    assert (holder.get("visibleWhen"), holder.get("whenTagName"), holder.get("whenChoiceValue")) == (
        "choice-selected", REVIEW, "reject")  # fmt: skip


def test_a_schema_without_titles_shows_paths_and_bad_titles_are_refused() -> None:
    spec = load_schemas()["meeting_review"]
    plain = build_config(label_spec("meeting_review", spec.model))
    assert 'value="units[].shortcomings[]"' in plain and "alias=" not in plain.split("<Choices")[0]
    with pytest.raises(ConfigError, match=r"units\[\]\.nope"):
        label_spec("meeting_review", spec.model, {"units[].nope": "无"})
    with pytest.raises(ConfigError, match="单位"):
        label_spec("meeting_review", spec.model, {"units[].unit": "单位", "units[]": "单位"})


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_header_above_the_text_is_the_genres_chinese_title(name: str) -> None:
    _, xml = _config(name)
    header = ElementTree.fromstring(xml).find("Header")
    assert header is not None
    shown = header.get("value") or ""
    title = load_schemas()[name].title
    assert isinstance(title, tuple) and shown == f"{title[0]}：{title[1]}", shown
    assert name not in shown and load_schemas()[name].description not in shown, shown
    assert all(not ch.isascii() or not ch.isalpha() for ch in shown), f"English in the header: {shown}"


def test_a_schema_without_a_genre_title_shows_its_name_above_the_text() -> None:
    spec = load_schemas()["meeting_review"]
    plain = ElementTree.fromstring(build_config(label_spec("meeting_review", spec.model), spec.description))
    header = plain.find("Header")
    assert header is not None and header.get("value") == f"meeting_review: {spec.description}"
