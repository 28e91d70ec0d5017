"""Merge the records extracted from the chunks of one document into one record.

Pure: works on plain dicts shaped by a schema model plus their groundings. Lists are
concatenated in chunk order; an item a later chunk repeats (chunk overlap, or a heading the model
restates) is recognised and merged rather than duplicated; a scalar takes the first non-null value.
Groundings computed per chunk are shifted back to whole-document offsets and re-pathed to the
merged positions, so ``text[start:end] == quote`` keeps holding on the whole text.

Two list items are "the same object" when they agree on their first evidence field and on every
numeric field (``items[].seq``, ``indicators[].value``): the first evidence field alone is not
enough for tables whose first column repeats (004's ``category``). Items are only matched against
items from *other* chunks, so merging a single chunk is the identity.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from annotate.core.evidence import iter_evidence
from annotate.core.field_tree import FieldNode, field_tree
from annotate.core.grounding import shift
from annotate.core.types import Grounding

ChunkPart = tuple[dict[str, Any], list[Grounding], int]
"""(record extracted from a chunk, its groundings on the chunk text, the chunk's start offset)."""


@lru_cache(maxsize=256)
def _identity_fields(model: type[BaseModel]) -> tuple[str | None, tuple[str, ...]]:
    fields = field_tree(model).children
    direct = [c.name for c in fields if c.is_evidence]
    numbers = tuple(c.name for c in fields if c.annotation in (int, float))
    return (direct[0] if direct else None), numbers


def _identity(model: type[BaseModel] | None, item: Any) -> Any:
    """What makes two list items the same object: first evidence field + numeric fields.

    Scalars (strings in an evidence list) are their own identity.
    """
    if model is None or not isinstance(item, dict):
        return ("__value__", item if isinstance(item, (str, int, float, bool)) else repr(item))
    first_name, number_names = _identity_fields(model)
    first = item.get(first_name) if first_name else None
    numbers = tuple((n, item.get(n)) for n in number_names if item.get(n) is not None)
    if first is None and not numbers:
        return ("__whole__", repr(sorted(item.items())))
    return (first, *numbers)


class _Merger:
    def __init__(self) -> None:
        # merged path -> (chunk index, path in that chunk's record)
        self.provenance: dict[str, tuple[int, str]] = {}

    def merge_object(
        self,
        node: FieldNode,
        target: dict[str, Any],
        source: dict[str, Any],
        tpath: str,
        spath: str,
        chunk: int,
        origins: dict[int, dict[Any, list[tuple[int, int]]]],
    ) -> None:
        for field in node.children:
            name = field.name
            if name not in source:
                continue
            value = source[name]
            tp = f"{tpath}.{name}" if tpath else name
            sp = f"{spath}.{name}" if spath else name
            if field.item is not None:
                self.merge_list(field.item, target, name, value, tp, sp, chunk, origins)
            elif field.kind == "model":
                if value is None:
                    target.setdefault(name, None)
                    continue
                if target.get(name) is None:
                    target[name] = {}
                self.merge_object(field, target[name], value, tp, sp, chunk, origins)
            elif target.get(name) is None:
                target[name] = copy.deepcopy(value)
                if isinstance(value, str):
                    self.provenance[tp] = (chunk, sp)
            else:
                target.setdefault(name, None)

    def merge_list(
        self,
        inner: FieldNode,
        target: dict[str, Any],
        name: str,
        items: Any,
        tpath: str,
        spath: str,
        chunk: int,
        origins: dict[int, dict[Any, list[tuple[int, int]]]],
    ) -> None:
        if items is None:
            target.setdefault(name, None)
            return
        existing = target.get(name)
        if existing is None:
            existing = target[name] = []
        index = origins.setdefault(id(existing), {})
        sub = inner.model if inner.kind == "model" else None
        for si, item in enumerate(items):
            sp = f"{spath}[{si}]"
            match = None
            key = _identity(sub, item) if item is not None else None
            if item is not None:
                for ti, owner in index.get(key, []):
                    if owner != chunk:
                        match = ti
                        break
            if match is not None:
                if sub is not None and isinstance(item, dict):
                    self.merge_object(inner, existing[match], item, f"{tpath}[{match}]", sp, chunk, origins)
                continue
            ti = len(existing)
            if key is not None:
                index.setdefault(key, []).append((ti, chunk))
            tp = f"{tpath}[{ti}]"
            if sub is not None and isinstance(item, dict):
                existing.append({})
                self.merge_object(inner, existing[ti], item, tp, sp, chunk, origins)
            else:
                existing.append(copy.deepcopy(item))
                if isinstance(item, str):
                    self.provenance[tp] = (chunk, sp)


def merge_records(model: type[BaseModel], parts: list[ChunkPart]) -> tuple[dict[str, Any], list[Grounding]]:
    """Merge per-chunk ``(record, groundings, offset)`` into one record and whole-document groundings.

    Groundings come out in the merged record's evidence order, one per evidence value; a value
    without a grounding in its chunk (should not happen) gets an unaligned one rather than none.
    """
    merger = _Merger()
    merged: dict[str, Any] = {}
    origins: dict[int, dict[Any, list[tuple[int, int]]]] = {}
    for ci, (record, _, _) in enumerate(parts):
        merger.merge_object(field_tree(model), merged, record, "", "", ci, origins)
    by_chunk: list[dict[str, Grounding]] = []
    for _, groundings, offset in parts:
        by_chunk.append({g.path: g for g in shift(groundings, offset)})
    out: list[Grounding] = []
    for path, value in iter_evidence(model, merged):
        src = merger.provenance.get(path)
        g = by_chunk[src[0]].get(src[1]) if src is not None else None
        if g is None:
            out.append(Grounding(path=path, value=value))
        else:
            out.append(g.model_copy(update={"path": path}))
    return merged, out
