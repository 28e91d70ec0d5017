"""Which fields of a schema are evidence, and walking a record's evidence values with their paths.

A string field is evidence — a verbatim quote of the source — unless it is marked ``Derived``
(a value the model computes, such as an ISO date) or is a closed vocabulary (Literal/Enum).
Schema authors therefore only mark the exceptions, and a new schema file grounds without code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from annotate.core.field_tree import DERIVED, Derived, FieldNode, field_tree, is_derived, unwrap

__all__ = ["DERIVED", "Derived", "drop_empty", "evidence_fields", "get_at", "is_derived", "iter_evidence",
           "parse_path", "pattern_of", "set_at", "unwrap"]  # fmt: skip

_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def iter_evidence(model: type[BaseModel], data: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(path, value)`` for every evidence string in ``data``, in schema field order."""
    return _walk_model(field_tree(model), data, prefix)


def _walk_model(node: FieldNode, data: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if not isinstance(data, dict):
        return
    for child in node.children:
        if not child.has_evidence:
            continue
        value = data.get(child.key, data.get(child.name))
        if value is None:
            continue
        yield from _walk(child, value, f"{prefix}.{child.name}" if prefix else child.name)


def _walk(node: FieldNode, value: Any, path: str) -> Iterator[tuple[str, str]]:
    if node.is_evidence and isinstance(value, str):
        yield path, value
    elif node.kind == "model":
        yield from _walk_model(node, value, path)
    elif node.item is not None and isinstance(value, list):
        for i, item in enumerate(value):
            if item is not None:
                yield from _walk(node.item, item, f"{path}[{i}]")


def drop_empty(model: type[BaseModel], data: Any) -> Any:
    """The record with blank evidence strings treated as missing values (in place, and returned).

    Small models write ``""`` for a value they did not find. That is a missing value, not a quote
    the text fails to support: an optional field becomes null, a blank list item goes, and
    nothing is re-asked for it. A required field keeps its blank (validation decides).
    """
    return _drop_model(field_tree(model), data)


def _drop_model(node: FieldNode, data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    for child in node.children:
        if child.key in data:
            data[child.key] = _drop_blank(child, data[child.key])
    return data


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _drop_blank(node: FieldNode, value: Any) -> Any:
    if not node.has_evidence:
        return value
    if node.is_evidence and _blank(value) and not node.required:
        return None
    if node.kind == "model":
        return _drop_model(node, value)
    if node.item is not None and isinstance(value, list):
        item = node.item
        return [v for v in (_drop_blank(item, v) for v in value) if not (item.is_evidence and _blank(v))]
    return value


def evidence_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Evidence field paths as patterns with ``[]`` for list positions (e.g. ``units[].unit``).

    Used to generate labeling configs and to score per field.
    """
    return [f"{prefix}.{n.path}" if prefix else n.path for n in field_tree(model).evidence()]


def parse_path(path: str) -> list[str | int]:
    """``units[1].shortcomings[0]`` -> ``['units', 1, 'shortcomings', 0]``."""
    out: list[str | int] = []
    for name, index in _PATH_TOKEN.findall(path):
        out.append(int(index) if index else name)
    return out


def pattern_of(path: str) -> str:
    """``units[1].shortcomings[0]`` -> ``units[].shortcomings[]`` (the field, not the position)."""
    return re.sub(r"\[\d+\]", "[]", path)


def get_at(record: Any, path: str) -> Any:
    node = record
    for part in parse_path(path):
        node = node[part]
    return node


def set_at(record: Any, path: str, value: Any) -> None:
    parts = parse_path(path)
    node = record
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value
