"""Record + groundings <-> Label Studio result list: the push mapping and its exact inverse.

Pure functions (no HTTP, no store), so the round trip ``record -> result -> record`` can be
property-tested on every seed fixture without a server. The layout they produce is described in
:mod:`annotate.labelstudio.config`: span regions for evidence, block regions for list items
(children belong to the innermost containing block; an explicit relation child -> block wins when
blocks overlap), per-region / document-level controls for scalars, a ``value`` note when the
record's value differs from the highlighted characters, and ``path = value`` lines for values
that are not in the text.

Groundings come back with the same path, value, span, quote and status; the status of a span
whose value differs from its quote is re-derived (normalised when the folded forms agree, else
fuzzy), and its score recomputed, because Label Studio keeps no per-region score for annotators.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
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
    TEXT,
    UNALIGNED,
    VALUE_NOTE,
    LabelSpec,
    ModelNode,
    ScalarField,
)

_SENTENCE_END = "。！？!?；;\n"
_LINE = re.compile(r"^\s*([A-Za-z_][\w.\[\]]*)\s=\s(.*)$", re.S)


class ConversionError(Exception):
    """A record that cannot be turned into regions, or regions that do not make a valid record.

    ``str()`` is one line: it becomes a quarantine reason or a push failure.
    """


@dataclass
class Converted:
    """What an annotation result means: the record, its groundings and the review decision."""

    record: dict[str, Any]
    groundings: list[Grounding]
    review: str = ACCEPT
    review_note: str | None = None


# --------------------------------------------------------------------------- record -> result


def _scalar_value(s: ScalarField, v: Any) -> dict[str, Any]:
    if s.kind == "choices":
        return {"choices": [("true" if v else "false") if isinstance(v, bool) else str(v)]}
    if s.kind == "number":
        return {"number": v}
    return {"text": [str(v)]}


def _line_value(v: Any) -> str:
    """Plain text for an ordinary string, JSON when plain text would be ambiguous."""
    if isinstance(v, str) and v and "\n" not in v and v == v.strip() and v[0] not in '{["':
        return v
    return json.dumps(v, ensure_ascii=False)


def unaligned_line(path: str, value: Any) -> str:
    return f"{path} = {_line_value(value)}"


@dataclass
class _Emitter:
    spec: LabelSpec
    text: str
    by_path: dict[str, Grounding]
    results: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    blocks: list[tuple[str, int, int]] = field(default_factory=list)  # (id, start, end) of emitted blocks
    collapsed: dict[str, str] = field(default_factory=dict)  # span region id -> the block it stands for
    n: int = 0

    def next_id(self, kind: str) -> str:
        self.n += 1
        return f"{kind}{self.n:04d}"

    def region(self, rid: str, label: str, start: int, end: int, score: float | None = None) -> dict[str, Any]:
        r: dict[str, Any] = {
            "id": rid,
            "from_name": LABELS,
            "to_name": TEXT,
            "type": "labels",
            "value": {"start": start, "end": end, "text": self.text[start:end], "labels": [label]},
        }
        if score is not None:  # the value's confidence: Label Studio shows it per region
            r["score"] = score
        self.results.append(r)
        return r

    def per_region(self, region: dict[str, Any], control: str, kind: str, value: dict[str, Any]) -> None:
        span = {k: region["value"][k] for k in ("start", "end")}
        if kind != "textarea":
            span["text"] = region["value"]["text"]
        self.results.append(
            {"id": region["id"], "from_name": control, "to_name": TEXT, "type": kind, "value": {**span, **value}}
        )

    def doc_level(self, control: str, kind: str, value: dict[str, Any]) -> None:
        self.results.append(
            {"id": self.next_id("d"), "from_name": control, "to_name": TEXT, "type": kind, "value": value}
        )

    def extent(self, prefix: str) -> tuple[int, int] | None:
        spans = [
            (g.start, g.end)
            for p, g in self.by_path.items()
            if p.startswith(prefix) and p[len(prefix) : len(prefix) + 1] in (".", "[") and g.aligned
        ]
        spans = [(s, e) for s, e in spans if s is not None and e is not None]
        if not spans:
            return None
        return min(s for s, _ in spans), max(e for _, e in spans)

    def span(self, pattern: str, path: str, value: str) -> None:
        g = self.by_path.get(path)
        if g is None or not g.aligned or g.start is None or g.end is None:
            self.lines.append(unaligned_line(path, value))
            return
        self.spanned(pattern, path, value)

    def spanned(self, pattern: str, path: str, value: str) -> dict[str, Any]:
        g = self.by_path[path]
        assert g.start is not None and g.end is not None
        quote = self.text[g.start : g.end]
        if g.quote is not None and quote != g.quote:
            raise ConversionError(f"{path}: text[{g.start}:{g.end}] is {quote!r}, not the grounded quote {g.quote!r}")
        region = self.region(self.next_id("s"), pattern, g.start, g.end, g.confidence)
        if value != quote:
            self.per_region(region, VALUE_NOTE, "textarea", {"text": [value]})
        return region

    def node(self, node: ModelNode, data: dict[str, Any], prefix: str, block: dict[str, Any] | None) -> None:
        for s in node.spans:
            v = data.get(s.name)
            if v is None:
                continue
            if s.is_list:
                for i, item in enumerate(v):
                    self.span(s.pattern, f"{prefix}{s.name}[{i}]", item)
            else:
                self.span(s.pattern, f"{prefix}{s.name}", v)
        for name, nested in node.nested.items():
            if isinstance(data.get(name), dict):
                self.node(nested, data[name], f"{prefix}{name}.", block)
        for s in node.scalars:
            v = data.get(s.name)
            if v is None:
                continue
            kind = {"choices": "choices", "number": "number", "text": "textarea"}[s.kind]
            if block is None:
                self.doc_level(s.control, kind, _scalar_value(s, v))
            else:
                self.per_region(block, s.control, kind, _scalar_value(s, v))
        for child in node.children:
            name = child.pattern.rsplit(".", 1)[-1].removesuffix("[]")
            items = data.get(name) or []
            extents = [self.extent(f"{prefix}{name}[{i}]") for i in range(len(items))]
            if child.parent is None:
                extents = self.widen(extents)
            for i, (item, ext) in enumerate(zip(items, extents, strict=True)):
                item_path = f"{prefix}{name}[{i}]"
                if ext is None:
                    self.lines.append(unaligned_line(item_path, item))
                    continue
                key = self.key_span(child.pattern, item_path, item)
                if key is not None:  # the item is its key span alone: no block repeating it
                    name_ = key.rsplit(".", 1)[-1]
                    region = self.spanned(key, f"{item_path}.{name_}", item[name_])
                    self.collapsed[region["id"]] = child.pattern
                    rest = {k: v for k, v in item.items() if k != name_}
                    self.node(self.spec.nodes[child.pattern], rest, f"{item_path}.", region)
                    continue
                region = self.region(self.next_id("b"), child.pattern, *ext)
                self.node(self.spec.nodes[child.pattern], item, f"{item_path}.", region)

    def key_span(self, block: str, item_path: str, item: dict[str, Any]) -> str | None:
        """The block's key span pattern when it is the item's only aligned evidence."""
        key = self.spec.key_spans.get(block)
        if key is None or not isinstance(item.get(key.rsplit(".", 1)[-1]), str):
            return None
        prefix = item_path + "."
        aligned = [p for p, g in self.by_path.items() if p.startswith(prefix) and g.aligned]
        return key if aligned == [prefix + key.rsplit(".", 1)[-1]] else None

    def widen(self, extents: list[tuple[int, int] | None]) -> list[tuple[int, int] | None]:
        """Stretch each top-level block to the end of its sentence, short of the next block.

        A unit's block then covers the whole "但在A、B、C等方面仍存不足。" sentence, so an
        annotator who adds a missed shortcoming finds it already inside the right block.
        """
        starts = sorted(e[0] for e in extents if e is not None)
        out: list[tuple[int, int] | None] = []
        for ext in extents:
            if ext is None:
                out.append(None)
                continue
            start, end = ext
            cap = min([s for s in starts if s > start] + [len(self.text)])
            stop = end
            while stop < cap and self.text[stop - 1] not in _SENTENCE_END and self.text[stop] != "\n":
                stop += 1
            out.append((start, max(end, stop)))
        return out


def to_results(spec: LabelSpec, text: str, record: dict[str, Any], groundings: list[Grounding]) -> list[dict[str, Any]]:
    """The Label Studio result list (prediction) for a record; raises ConversionError if it cannot
    be expressed faithfully (a grounding that does not slice to its quote)."""
    record = normalise(spec, record)
    em = _Emitter(spec, text, {g.path: g for g in groundings})
    em.node(spec.root, record, "", None)
    em.doc_level(REVIEW, "choices", {"choices": [ACCEPT]})
    if em.lines:
        em.doc_level(UNALIGNED, "textarea", {"text": em.lines})
    bad = check_spans(text, em.results)
    if bad:
        raise ConversionError(bad[0])
    _add_disambiguating_relations(spec, em.results, em.collapsed)
    return em.results


def _add_disambiguating_relations(spec: LabelSpec, results: list[dict[str, Any]], collapsed: dict[str, str]) -> None:
    """Where containment would pick the wrong parent block (overlapping blocks), say it explicitly.

    The emitter knows each region's true parent (the block emitted just before its subtree); a
    relation child -> parent is added only when the containment rule would disagree.
    """
    regions = [r for r in results if r.get("type") == "labels"]
    stack: dict[str, dict[str, Any]] = {}
    for r in regions:
        label = collapsed.get(r["id"], r["value"]["labels"][0])  # a key span stands for its block
        parent_pattern = spec.blocks[label].parent if label in spec.blocks else spec.spans[label].block
        if label in spec.blocks:
            stack[label] = r
            for key in [k for k in stack if k.startswith(label + ".")]:
                del stack[key]
        if parent_pattern is None:
            continue
        true_parent = stack.get(parent_pattern)
        guessed = _containing(r, [b for b in regions if b["value"]["labels"][0] == parent_pattern])
        if true_parent is not None and guessed is not true_parent:
            results.append(
                {"type": "relation", "from_id": r["id"], "to_id": true_parent["id"], "direction": "right", "labels": []}
            )


# --------------------------------------------------------------------------- result -> record


def check_spans(text: str, results: list[dict[str, Any]]) -> list[str]:
    """One message per span region whose offsets no longer slice to its text (empty = all good)."""
    bad = []
    for r in results:
        if r.get("type") != "labels":
            continue
        v = r.get("value") or {}
        s, e, t = v.get("start"), v.get("end"), v.get("text")
        label = (v.get("labels") or ["?"])[0]
        if not isinstance(s, int) or not isinstance(e, int) or not 0 <= s < e <= len(text):
            bad.append(f"region {label} has invalid offsets {s}:{e}")
        elif text[s:e] != t:
            bad.append(f"region {label} {_short(t)} no longer matches the text at {s}:{e} ({_short(text[s:e])})")
    return bad


def _short(s: Any, n: int = 24) -> str:
    s = str(s)
    return "「" + (s if len(s) <= n else s[:n] + "…") + "」"


def _containing(region: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The innermost candidate block that contains the region (ties: the later one)."""
    s, e = region["value"]["start"], region["value"]["end"]
    inside = [b for b in candidates if b["value"]["start"] <= s and e <= b["value"]["end"] and b is not region]
    if not inside:
        return None
    return min(inside, key=lambda b: (b["value"]["end"] - b["value"]["start"], -b["value"]["start"], str(b["id"])))


def _owner(
    r: dict[str, Any], pattern: str, regions: list[dict[str, Any]], by_id: dict[str, Any], relations: dict[str, str]
) -> dict[str, Any] | None:
    """The ``pattern`` block a region belongs to: the one its relation names, else the innermost containing one."""
    named = by_id.get(relations.get(str(r["id"]), ""))
    if named is not None and named["value"]["labels"] == [pattern]:
        return named
    return _containing(r, [b for b in regions if b["value"]["labels"] == [pattern]])


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
            raise ConversionError(f"region {_short(r['value'].get('text'))} has unknown label(s) {labels}")
        label = labels[0]
        parent_pattern = spec.blocks[label].parent if label in spec.blocks else spec.spans[label].block
        if parent_pattern is None:
            children.setdefault(None, []).append(r)
            continue
        candidates = [b for b in regions if b["value"]["labels"] == [parent_pattern]]
        parent = by_id.get(relations.get(str(r["id"]), ""))
        if parent is None or parent["value"]["labels"] != [parent_pattern]:
            parent = _containing(r, candidates)
        if parent is None and spec.key_spans.get(parent_pattern) == label:
            # an item drawn as its key span alone: the span stands for its block too
            item = {**r, "value": {**r["value"], "labels": [parent_pattern]}}
            block_parent = spec.blocks[parent_pattern].parent
            owner = None if block_parent is None else _owner(r, block_parent, regions, by_id, relations)
            if block_parent is not None and owner is None:
                raise ConversionError(
                    f"orphan region {label} {_short(r['value']['text'])} at {r['value']['start']}:{r['value']['end']}"
                    f" is outside every {block_parent} block"
                )
            children.setdefault(owner["id"] if owner else None, []).append(item)
            children.setdefault(r["id"], []).append(r)
            continue
        if parent is None:
            raise ConversionError(
                f"orphan region {label} {_short(r['value']['text'])} at {r['value']['start']}:{r['value']['end']}"
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
            raise ConversionError(f"unaligned line {_short(line, 40)} is not 'path = value'")
        path, raw = m.group(1), m.group(2)
        pattern = pattern_of(path)
        if pattern not in spec.spans and not (pattern.endswith("]") and pattern in spec.blocks):
            raise ConversionError(f"unaligned line {_short(line, 40)}: {path} is not a field of {spec.schema_name}")
        try:
            value = json.loads(raw) if raw[:1] in '{["' else raw
        except json.JSONDecodeError:
            raise ConversionError(f"unaligned line {_short(line, 40)}: the value is not valid JSON") from None
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


def normalise(spec: LabelSpec | type[BaseModel], record: dict[str, Any]) -> dict[str, Any]:
    """The record as the schema dumps it (defaults filled): the form the round trip preserves."""
    model = spec.model if isinstance(spec, LabelSpec) else spec
    return model.model_validate(record).model_dump(mode="json")


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
