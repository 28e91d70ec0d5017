"""Label Studio result list -> record + groundings + review decision: the exact inverse of
:func:`annotate.labelstudio.convert.to_results` (pull reads annotations with it).

Pure, like the push side, so ``record -> result -> record`` is property-tested on every seed
without a server. Children belong to the innermost containing block unless a relation names
their block; ``path = value`` lines bring back values that are not in the text; a span whose
value differs from its quote keeps the value, and its grounding's status is re-derived.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError
from rapidfuzz import fuzz

from annotate.core.alignment import fold
from annotate.core.evidence import iter_evidence, parse_path, pattern_of
from annotate.core.types import AlignmentStatus, Grounding
from annotate.labelstudio.config import (
    ACCEPT,
    LABELS,
    REJECT,
    REVIEW,
    REVIEW_NOTE,
    UNALIGNED,
    VALUE_NOTE,
    LabelSpec,
    ModelNode,
    ScalarField,
)
from annotate.labelstudio.convert import ConversionError, Converted, check_spans, innermost_block, quoted

_LINE = re.compile(r"^\s*([A-Za-z_][\w.\[\]]*)\s=\s(.*)$", re.S)
"""An unaligned value's line: ``path = value`` (the value as JSON)."""


def _owner(
    r: dict[str, Any], pattern: str, regions: list[dict[str, Any]], by_id: dict[str, Any], relations: dict[str, str]
) -> dict[str, Any] | None:
    """The ``pattern`` block a region belongs to: the one its relation names, else the innermost containing one."""
    named = by_id.get(relations.get(str(r["id"]), ""))
    if named is not None and named["value"]["labels"] == [pattern]:
        return named
    return innermost_block(r, [b for b in regions if b["value"]["labels"] == [pattern]])


class _Val(str):
    """A string value that remembers the region it came from (to rebuild groundings after insertions)."""

    region: dict[str, Any]


def _parse_scalar(s: ScalarField, value: dict[str, Any]) -> Any:
    if s.kind == "choices":
        choices = value.get("choices") or []
        if not choices:
            return None
        c = choices[0]
        return {"true": True, "false": False}.get(c, c) if s.choices == ("true", "false") else c
    if s.kind == "number":
        n = value.get("number")
        if n is None:
            return None
        return int(n) if s.integer and float(n).is_integer() else n
    texts = [t for t in (value.get("text") or []) if t is not None]
    return "\n".join(texts) if texts else None


def _text_of(value: dict[str, Any]) -> str | None:
    texts = value.get("text") or []
    if isinstance(texts, str):
        return texts
    return "\n".join(texts) if texts else None


def from_results(spec: LabelSpec, text: str, results: list[dict[str, Any]]) -> Converted:
    """The record an annotation result describes; ConversionError (one line) when it is invalid."""
    bad = check_spans(text, results)
    if bad:
        raise ConversionError(bad[0])
    regions = [r for r in results if r.get("type") == "labels" and r.get("from_name") == LABELS]
    region_ids = {r.get("id") for r in regions}
    per_region: dict[str, dict[str, dict[str, Any]]] = {}
    doc: dict[str, dict[str, Any]] = {}
    relations: dict[str, str] = {}
    for r in results:
        if r.get("type") == "relation":
            relations[str(r.get("from_id"))] = str(r.get("to_id"))
        elif r.get("type") == "labels":
            continue
        elif r.get("id") in region_ids and r.get("from_name") != LABELS:
            per_region.setdefault(r["id"], {})[r["from_name"]] = r.get("value") or {}
        else:
            doc[r.get("from_name", "")] = r.get("value") or {}

    known = set(spec.blocks) | set(spec.spans)
    by_id = {r["id"]: r for r in regions}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for r in regions:
        labels = r["value"].get("labels") or []
        if len(labels) != 1 or labels[0] not in known:
            raise ConversionError(f"region {quoted(r['value'].get('text'))} has unknown label(s) {labels}")
        label = labels[0]
        parent_pattern = spec.blocks[label].parent if label in spec.blocks else spec.spans[label].block
        if parent_pattern is None:
            children.setdefault(None, []).append(r)
            continue
        candidates = [b for b in regions if b["value"]["labels"] == [parent_pattern]]
        parent = by_id.get(relations.get(str(r["id"]), ""))
        if parent is None or parent["value"]["labels"] != [parent_pattern]:
            parent = innermost_block(r, candidates)
        if parent is None and spec.key_spans.get(parent_pattern) == label:
            # an item drawn as its key span alone: the span stands for its block too
            item = {**r, "value": {**r["value"], "labels": [parent_pattern]}}
            block_parent = spec.blocks[parent_pattern].parent
            owner = None if block_parent is None else _owner(r, block_parent, regions, by_id, relations)
            if block_parent is not None and owner is None:
                raise ConversionError(
                    f"orphan region {label} {quoted(r['value']['text'])} at {r['value']['start']}:{r['value']['end']}"
                    f" is outside every {block_parent} block"
                )
            children.setdefault(owner["id"] if owner else None, []).append(item)
            children.setdefault(r["id"], []).append(r)
            continue
        if parent is None:
            raise ConversionError(
                f"orphan region {label} {quoted(r['value']['text'])} at {r['value']['start']}:{r['value']['end']}"
                f" is outside every {parent_pattern} block"
            )
        children.setdefault(parent["id"], []).append(r)

    def build(node: ModelNode, block: dict[str, Any] | None, prefix_pattern: str) -> dict[str, Any]:
        mine = children.get(block["id"] if block else None, [])
        mine = sorted(mine, key=lambda r: (r["value"]["start"], r["value"]["end"], str(r["id"])))
        data: dict[str, Any] = {}
        for s in node.spans:
            vals = []
            for r in mine:
                if r["value"]["labels"][0] != s.pattern:
                    continue
                note = _text_of(per_region.get(r["id"], {}).get(VALUE_NOTE, {}))
                v = _Val(note if note is not None else r["value"]["text"])
                v.region = r
                vals.append(v)
            if s.is_list:
                if vals:
                    data[s.name] = vals
            elif len(vals) > 1:
                raise ConversionError(f"{len(vals)} regions for the single field {s.pattern}: keep one")
            elif vals:
                data[s.name] = vals[0]
        for name, nested in node.nested.items():
            sub = build(nested, block, f"{prefix_pattern}{name}.")
            if sub:
                data[name] = sub
        for s in node.scalars:
            value = per_region.get(block["id"], {}).get(s.control) if block else doc.get(s.control)
            if value is not None:
                v = _parse_scalar(s, value)
                if v is not None:
                    data[s.name] = v
        for child in node.children:
            name = child.pattern.rsplit(".", 1)[-1].removesuffix("[]")
            items = [r for r in mine if r["value"]["labels"][0] == child.pattern]
            if items:
                data[name] = [build(spec.nodes[child.pattern], b, child.pattern + ".") for b in items]
        return data

    data = build(spec.root, None, "")
    _insert_unaligned(spec, data, _text_lines(doc.get(UNALIGNED, {})))

    review_choices = (doc.get(REVIEW) or {}).get("choices") or [ACCEPT]
    review = REJECT if REJECT in review_choices else ACCEPT
    note = _text_of(doc.get(REVIEW_NOTE, {}))

    spans: dict[str, dict[str, Any]] = {}
    for path, v in iter_evidence(spec.model, data):
        if isinstance(v, _Val):
            spans[path] = v.region
    try:
        record = spec.model.model_validate(_plain(data)).model_dump(mode="json")
    except ValidationError as exc:
        raise ConversionError(_validation_reason(exc)) from None
    groundings = [_grounding(text, path, value, spans.get(path)) for path, value in iter_evidence(spec.model, record)]
    return Converted(record=record, groundings=groundings, review=review, review_note=note)


def _text_lines(value: dict[str, Any]) -> list[str]:
    out: list[str] = []
    texts = value.get("text") or []
    for t in [texts] if isinstance(texts, str) else texts:
        for line in str(t).split("\n"):
            if line.strip():
                out.append(line.rstrip("\r"))
    return out


def _insert_unaligned(spec: LabelSpec, data: dict[str, Any], lines: list[str]) -> None:
    """Put ``path = value`` lines back at their positions, shallow and low indices first."""
    parsed = []
    for line in lines:
        m = _LINE.match(line)
        if not m:
            raise ConversionError(f"unaligned line {quoted(line, 40)} is not 'path = value'")
        path, raw = m.group(1), m.group(2)
        pattern = pattern_of(path)
        if pattern not in spec.spans and not (pattern.endswith("]") and pattern in spec.blocks):
            raise ConversionError(f"unaligned line {quoted(line, 40)}: {path} is not a field of {spec.schema_name}")
        try:
            value = json.loads(raw) if raw[:1] in '{["' else raw
        except json.JSONDecodeError:
            raise ConversionError(f"unaligned line {quoted(line, 40)}: the value is not valid JSON") from None
        parsed.append((parse_path(path), path, value))
    parsed.sort(key=lambda t: [(0, p) if isinstance(p, int) else (1, p) for p in t[0]])
    for parts, path, value in parsed:
        node: Any = data
        for k, part in enumerate(parts[:-1]):
            nxt = parts[k + 1]
            if isinstance(part, str):
                if part not in node or node[part] is None:
                    node[part] = [] if isinstance(nxt, int) else {}
                node = node[part]
            else:
                if part >= len(node):
                    raise ConversionError(f"unaligned line for {path}: there is no item {part} to put it in")
                node = node[part]
        last = parts[-1]
        if isinstance(last, int):
            node.insert(min(last, len(node)), value)
        else:
            node[last] = value


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, _Val):
        return str.__str__(data)
    return data


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        parts.append(f"{loc}: {err['msg'].lower()}")
    more = f" (+{exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return "invalid record: " + "; ".join(parts) + more


def _grounding(text: str, path: str, value: str, region: dict[str, Any] | None) -> Grounding:
    if region is None:
        return Grounding(path=path, value=value)
    s, e = region["value"]["start"], region["value"]["end"]
    quote = text[s:e]
    if value == quote:
        status, score = AlignmentStatus.EXACT, 100.0
    elif value.strip() == quote or fold(value) == fold(quote):
        status, score = AlignmentStatus.NORMALISED, 100.0
    else:
        status, score = AlignmentStatus.FUZZY, float(fuzz.ratio(value, quote))
    return Grounding(path=path, value=value, start=s, end=e, quote=quote, status=status, score=score)


# --------------------------------------------------------------------------- helpers


def region_signatures(results: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """id -> what the annotator can change about a span/block region (offsets, label, its controls)."""
    regions = {r["id"]: r for r in results if r.get("type") == "labels" and "id" in r}
    extra: dict[str, list[tuple[str, str]]] = {}
    for r in results:
        if r.get("type") not in ("labels", "relation") and r.get("id") in regions:
            v = {k: x for k, x in (r.get("value") or {}).items() if k not in ("start", "end", "text")}
            extra.setdefault(r["id"], []).append(
                (r.get("from_name", ""), json.dumps(v, sort_keys=True, ensure_ascii=False))
            )
    return {
        rid: (
            r["value"].get("start"),
            r["value"].get("end"),
            tuple(r["value"].get("labels") or ()),
            tuple(sorted(extra.get(rid, []))),
        )
        for rid, r in regions.items()
    }


def region_stats(prediction: list[dict[str, Any]] | None, annotation: list[dict[str, Any]]) -> dict[str, int]:
    """How many predicted regions the annotator kept, edited, deleted, and how many they added."""
    before = region_signatures(prediction or [])
    after = region_signatures(annotation)
    kept = sum(1 for rid, sig in after.items() if before.get(rid) == sig)
    edited = sum(1 for rid, sig in after.items() if rid in before and before[rid] != sig)
    added = sum(1 for rid in after if rid not in before)
    deleted = sum(1 for rid in before if rid not in after)
    return {"kept": kept, "edited": edited, "added": added, "deleted": deleted}
