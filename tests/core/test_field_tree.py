"""Every schema walker agrees with the one field tree, on the real schemas and their seed records.

The walkers (grounding, merge, scoring, the labeling config, evaluation, the Parquet types) each
used to walk Pydantic types with their own list rule. They now read ``field_tree``; these tests
pin each walker's output to the tree, so a walker that grows its own rule again goes red.
"""

from __future__ import annotations

import enum
import json
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_origin

import pytest
from pydantic import BaseModel, Field

from annotate.core import scoring
from annotate.core.evidence import DERIVED, Derived, evidence_fields, get_at, iter_evidence, pattern_of
from annotate.core.field_tree import FieldNode, field_tree
from annotate.core.merge import merge_records
from annotate.evaluation.metrics import value_hits
from annotate.labelstudio.config import control_name, label_spec
from annotate.schema_registry import load_schemas

SCHEMAS = sorted(load_schemas())
SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def _seeds() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for folder in sorted(p for p in SEEDS.iterdir() if (p / "expected.json").exists()):
        schema = json.loads((folder / "meta.json").read_text(encoding="utf-8"))["schema"]
        out.append((schema, json.loads((folder / "expected.json").read_text(encoding="utf-8"))))
    return out


SEED_RECORDS = _seeds()


def _paths(nodes: list[FieldNode]) -> list[str]:
    return [n.path for n in nodes]


def _concrete(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON value with its concrete path — a walk that knows no schema."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _concrete(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _concrete(v, f"{path}[{i}]")
    else:
        yield path, value


# --- the walkers agree with the tree on the real schemas -----------------------------------------


@pytest.mark.parametrize("name", SCHEMAS)
def test_evidence_fields_are_the_tree_evidence_leaves(name: str) -> None:
    spec = load_schemas()[name]
    tree = field_tree(spec.model)
    assert evidence_fields(spec.model) == _paths(tree.evidence())
    assert spec.evidence_fields == _paths(tree.evidence())
    assert all(n.kind == "scalar" and n.annotation is str and not n.derived for n in tree.evidence())


@pytest.mark.parametrize("name", SCHEMAS)
def test_score_fields_are_the_tree_leaves(name: str) -> None:
    model = load_schemas()[name].model
    leaves = _paths(field_tree(model).leaves())
    assert scoring.leaf_fields(model) == leaves
    assert set(scoring.score_record(model, {}, {}).fields) >= {p for p in leaves if "[]" not in p}


@pytest.mark.parametrize("name", SCHEMAS)
def test_config_labels_are_the_tree_blocks_and_evidence_and_controls_the_rest(name: str) -> None:
    spec = load_schemas()[name]
    tree = field_tree(spec.model)
    ls = label_spec(name, spec.model, spec.labels, spec.choice_labels)
    assert list(ls.spans) == _paths(tree.evidence())
    assert set(ls.blocks) == set(_paths(tree.blocks()))
    evidence = set(_paths(tree.evidence()))
    others = [n for n in tree.leaves() if n.path not in evidence]
    assert sorted(s.pattern for s in ls.scalars.values()) == sorted(_paths(others))
    for node in others:
        scalar = ls.scalars[control_name(node.path)]
        if node.choices is not None:
            assert scalar.choices == tuple(str(c) for c in node.choices)
    for block in tree.blocks():  # a block's parent is the innermost list of objects above it
        above = [b.path for b in tree.blocks() if block.path.startswith(b.path + ".")]
        assert ls.blocks[block.path].parent == (max(above, key=len) if above else None)


@pytest.mark.parametrize("name", SCHEMAS)
def test_labels_and_choice_labels_name_tree_nodes(name: str) -> None:
    spec = load_schemas()[name]
    tree = field_tree(spec.model)
    nodes = {n.path: n for n in tree.walk()}
    assert set(spec.labels) <= set(nodes)
    for pattern, titles in spec.choice_labels.items():
        assert set(titles) == {str(c) for c in nodes[pattern].choices or ()}


@pytest.mark.parametrize(("name", "record"), SEED_RECORDS, ids=[f"seed{i}" for i in range(len(SEED_RECORDS))])
def test_record_walkers_agree_with_the_tree_on_seed_records(name: str, record: dict[str, Any]) -> None:
    model = load_schemas()[name].model
    tree = field_tree(model)
    evidence = set(_paths(tree.evidence()))
    pairs = list(iter_evidence(model, record))
    # grounding walks exactly the strings a schema-blind walk finds at evidence patterns
    blind = [(p, v) for p, v in _concrete(record) if isinstance(v, str) and pattern_of(p) in evidence]
    assert sorted(pairs) == sorted(blind) and len(pairs) == len(blind)
    assert all(get_at(record, p) == v for p, v in pairs)
    # scoring counts every leaf of the tree, and a record is all right against itself
    score = scoring.score_record(model, record, record)
    assert set(score.fields) == set(_paths(tree.leaves()))
    assert score.total.fp == score.total.fn == 0
    # evaluation finds every evidence value right against itself
    assert all(value_hits(model, record, record, [p for p, _ in pairs]))
    # merging one chunk is the identity, its groundings on the same paths
    merged, groundings = merge_records(model, [(record, [], 0)])
    assert merged == record and [g.path for g in groundings] == [p for p, _ in pairs]


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_parquet_types_follow_the_tree(name: str) -> None:
    from annotate.export.parquet import record_structure

    model = load_schemas()[name].model

    def shape(node: FieldNode) -> Any:
        if node.item is not None:
            return [shape(node.item)]
        return {c.name: shape(c) for c in node.children} if node.kind == "model" else "leaf"

    def kinds(structure: Any) -> Any:
        if isinstance(structure, list):
            return [kinds(structure[0])]
        return {k: kinds(v) for k, v in structure.items()} if isinstance(structure, dict) else "leaf"

    assert kinds(record_structure(model)) == shape(field_tree(model))


# --- the tree's rules, on a model that uses every construct -------------------------------------


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Part(BaseModel):
    label: str = Field(description="A quote.")
    grade: Literal[1, 2, 3] | None = None


class Odd(BaseModel):
    quote: str | None = Field(None, title="引文", description="Quoted.")
    iso: Derived | None = None
    pieces: tuple[str, ...] = ()
    tags: set[str] = set()
    frozen: frozenset[str] = frozenset()
    grid: list[list[str]] = []
    computed: list[Derived] = []
    whole_derived: Annotated[list[str], DERIVED] = []
    part: Part | None = None
    parts: list[Part] = []
    hidden_part: Annotated[Part, DERIVED] | None = None
    colour: Colour = Colour.RED
    either: int | str | None = None
    aliased: str = Field("", alias="Aliased")


def test_optional_and_annotated_are_unwrapped_and_derived_is_not_evidence() -> None:
    tree = field_tree(Odd)
    quote, iso = tree.child("quote"), tree.child("iso")
    assert quote is not None and iso is not None
    assert (quote.kind, quote.annotation, quote.is_evidence, quote.title, quote.description) == (
        "scalar", str, True, "引文", "Quoted.")  # fmt: skip
    assert (iso.annotation, iso.derived, iso.is_evidence) == (str, True, False)
    assert evidence_fields(Odd) == _paths(tree.evidence()) == [
        "quote", "pieces[]", "tags[]", "frozen[]", "grid[][]", "part.label", "parts[].label", "aliased"]  # fmt: skip


def test_every_json_array_type_is_a_list_and_lists_of_lists_nest() -> None:
    tree = field_tree(Odd)
    for name in ("pieces", "tags", "frozen"):
        node = tree.child(name)
        assert node is not None and node.kind == "scalar_list" and node.item is not None
        assert (node.item.path, node.item.annotation, node.item.is_evidence) == (f"{name}[]", str, True)
    grid = tree.child("grid")
    assert grid is not None and grid.item is not None and grid.item.item is not None
    assert (grid.kind, grid.item.kind, grid.item.item.path) == ("scalar_list", "scalar_list", "grid[][]")
    # scoring compares a list of lists as one leaf of whole values; grounding quotes the strings
    assert "grid[]" in _paths(tree.leaves()) and "grid[][]" in _paths(tree.evidence())


def test_nothing_below_a_derived_field_is_evidence() -> None:
    tree = field_tree(Odd)
    for name in ("computed", "whole_derived", "hidden_part"):
        node = tree.child(name)
        assert node is not None and not node.has_evidence
    hidden = tree.child("hidden_part")
    assert hidden is not None and hidden.kind == "model" and _paths(list(hidden.walk())) == [
        "hidden_part.label", "hidden_part.grade"]  # fmt: skip


def test_models_choices_and_keys() -> None:
    tree = field_tree(Odd)
    parts, colour, either, aliased = (tree.child(n) for n in ("parts", "colour", "either", "aliased"))
    assert parts is not None and parts.item is not None
    assert (parts.kind, parts.model, parts.item.kind, parts.item.path) == ("model_list", Part, "model", "parts[]")
    assert _paths(list(parts.item.children)) == ["parts[].label", "parts[].grade"]
    grade = parts.item.child("grade")
    assert grade is not None and grade.choices == (1, 2, 3) and not grade.is_evidence
    assert colour is not None and colour.is_enum and colour.choices == ("red", "blue")
    assert either is not None and either.kind == "scalar" and get_origin(either.annotation) in (Union, types.UnionType)
    assert aliased is not None and (aliased.name, aliased.key) == ("aliased", "Aliased")
    assert list(iter_evidence(Odd, {"Aliased": "a", "parts": [{"label": "l"}]})) == [
        ("parts[0].label", "l"),
        ("aliased", "a"),
    ]


def test_the_tree_is_built_once_per_model() -> None:
    assert field_tree(Odd) is field_tree(Odd)


def test_a_recursive_model_is_refused_by_name() -> None:
    class Node(BaseModel):
        text: str
        children: list[Node] = []

    Node.model_rebuild()
    with pytest.raises(TypeError, match="Node contains itself"):
        field_tree(Node)


class Tupled(BaseModel):
    pieces: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()
    when: Derived | None = None


def test_the_labeling_config_follows_the_tree_list_rule() -> None:
    tree = field_tree(Tupled)
    ls = label_spec("tupled", Tupled)
    assert list(ls.spans) == _paths(tree.evidence()) == ["pieces[]", "parts[].label"]
    assert list(ls.blocks) == _paths(tree.blocks()) == ["parts[]"]
    assert sorted(s.pattern for s in ls.scalars.values()) == ["parts[].grade", "when"]
