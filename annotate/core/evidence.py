"""Which fields of a schema are evidence, and walking a record's evidence values with their paths.

A string field is evidence — a verbatim quote of the source — unless it is marked ``Derived``
(a value the model computes, such as an ISO date) or is a closed vocabulary (Literal/Enum).
Schema authors therefore only mark the exceptions, and a new schema file grounds without code.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel


class _DerivedMarker:
    """Metadata marker: this string is produced by the model, not quoted from the text."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "Derived"


DERIVED = _DerivedMarker()
Derived = Annotated[str, DERIVED]
"""A string field that is *not* evidence (e.g. an ISO date the model resolved)."""

_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip Optional / Annotated layers, collecting Annotated metadata on the way.

    Every module that walks a schema (grounding, merge, scoring, the labeling config, Parquet
    types) needs the same answer to "what type is this field, really?" — this is it.
    """
    meta: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            args = get_args(annotation)
            annotation, meta = args[0], meta + list(args[1:])
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, meta


def is_derived(meta: list[Any]) -> bool:
    """Whether Annotated metadata marks a field ``Derived`` (not quoted from the text)."""
    return any(isinstance(m, _DerivedMarker) for m in meta)


def _kind(annotation: Any, meta: list[Any]) -> tuple[str, Any]:
    """Classify a field: ('evidence'|'model'|'list'|'other', inner)."""
    ann, more = unwrap(annotation)
    meta = meta + more
    if any(isinstance(m, _DerivedMarker) for m in meta):
        return "other", None
    origin = get_origin(ann)
    if origin in (list, typing.List, tuple, set):  # noqa: UP006 - runtime check
        (inner,) = get_args(ann)[:1] or (Any,)
        return "list", inner
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return "model", ann
    if ann is str:
        return "evidence", None
    if origin is Literal or (isinstance(ann, type) and issubclass(ann, enum.Enum)):
        return "other", None
    return "other", None


def iter_evidence(model: type[BaseModel], data: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(path, value)`` for every evidence string in ``data``, in schema field order."""
    if not isinstance(data, dict):
        return
    for name, info in model.model_fields.items():
        key = info.alias or name
        value = data.get(key, data.get(name))
        if value is None:
            continue
        path = f"{prefix}.{name}" if prefix else name
        yield from _walk(info.annotation, list(info.metadata), value, path)


def _walk(annotation: Any, meta: list[Any], value: Any, path: str) -> Iterator[tuple[str, str]]:
    kind, inner = _kind(annotation, meta)
    if kind == "evidence" and isinstance(value, str):
        yield path, value
    elif kind == "model":
        yield from iter_evidence(inner, value, path)
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            if item is not None:
                yield from _walk(inner, [], item, f"{path}[{i}]")


def drop_empty(model: type[BaseModel], data: Any) -> Any:
    """The record with blank evidence strings treated as missing values (in place, and returned).

    Small models write ``""`` for a value they did not find. That is a missing value, not a quote
    the text fails to support: an optional field becomes null, a blank list item goes, and
    nothing is re-asked for it. A required field keeps its blank (validation decides).
    """
    if not isinstance(data, dict):
        return data
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        data[key] = _drop_blank(info.annotation, list(info.metadata), data[key], required=info.is_required())
    return data


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _drop_blank(annotation: Any, meta: list[Any], value: Any, *, required: bool) -> Any:
    kind, inner = _kind(annotation, meta)
    if kind == "evidence" and _blank(value) and not required:
        return None
    if kind == "model":
        return drop_empty(inner, value)
    if kind == "list" and isinstance(value, list):
        items = [_drop_blank(inner, [], item, required=True) for item in value]
        inner_kind, _ = _kind(inner, [])
        return [item for item in items if not (inner_kind == "evidence" and _blank(item))]
    return value


def evidence_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Evidence field paths as patterns with ``[]`` for list positions (e.g. ``units[].unit``).

    Used to generate labeling configs and to score per field.
    """
    out: list[str] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        out.extend(_fields(info.annotation, list(info.metadata), path))
    return out


def _fields(annotation: Any, meta: list[Any], path: str) -> list[str]:
    kind, inner = _kind(annotation, meta)
    if kind == "evidence":
        return [path]
    if kind == "model":
        return evidence_fields(inner, path)
    if kind == "list":
        return _fields(inner, [], f"{path}[]")
    return []


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
