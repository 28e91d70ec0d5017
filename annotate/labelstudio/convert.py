"""Record + groundings -> Label Studio result list: the push mapping (its exact inverse is
:mod:`annotate.labelstudio.readback`).

Pure functions (no HTTP, no store), so the round trip ``record -> result -> record`` can be
property-tested on every seed fixture without a server. The layout they produce is described in
:mod:`annotate.labelstudio.config`: span regions for evidence, block regions for list items
(children belong to the innermost containing block; an explicit relation child -> block wins when
blocks overlap), per-region / document-level controls for scalars, a ``value`` note when the
record's value differs from the highlighted characters, ``path = value`` lines for values
that are not in the text, and the 待核 mark (an id suffix) on regions whose confidence is low.

Groundings come back with the same path, value, span, quote and status; the status of a span
whose value differs from its quote is re-derived (normalised when the folded forms agree, else
fuzzy), and its score recomputed, because Label Studio keeps no per-region score for annotators.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from annotate.core.types import Grounding
from annotate.labelstudio.config import (
    ACCEPT,
    DOUBT_MARK,
    LABELS,
    REVIEW,
    TEXT,
    UNALIGNED,
    VALUE_NOTE,
    LabelSpec,
    ModelNode,
    ScalarField,
    doubtful,
)

_SENTENCE_END = "。！？!?；;\n"


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
        if doubtful(score):  # the editor styles the highlight by its id: the config's 待核 mark
            rid += DOUBT_MARK
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
            enclosed = _enclosed(extents)
            for i, (item, ext) in enumerate(zip(items, extents, strict=True)):
                item_path = f"{prefix}{name}[{i}]"
                if ext is None:
                    self.lines.append(unaligned_line(item_path, item))
                    continue
                # an item inside a sibling's block keeps a block of its own: drawn as its key span
                # alone, readback would give that span to the sibling (the innermost block)
                key = None if i in enclosed else self.key_span(child.pattern, item_path, item)
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
        guessed = innermost_block(r, [b for b in regions if b["value"]["labels"][0] == parent_pattern])
        if true_parent is not None and guessed is not true_parent:
            results.append(
                {"type": "relation", "from_id": r["id"], "to_id": true_parent["id"], "direction": "right", "labels": []}
            )


# --------------------------------------------------------------------------- shared with readback


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
            bad.append(f"region {label} {quoted(t)} no longer matches the text at {s}:{e} ({quoted(text[s:e])})")
    return bad


def quoted(s: Any, n: int = 24) -> str:
    s = str(s)
    return "「" + (s if len(s) <= n else s[:n] + "…") + "」"


def _enclosed(extents: list[tuple[int, int] | None]) -> set[int]:
    """Items whose extent lies within another item's of the same list."""
    return {
        i
        for i, e in enumerate(extents)
        if e is not None and any(j != i and f is not None and f[0] <= e[0] and e[1] <= f[1] for j, f in enumerate(extents))
    }


def innermost_block(region: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The innermost candidate block that contains the region (ties: the later one)."""
    s, e = region["value"]["start"], region["value"]["end"]
    inside = [b for b in candidates if b["value"]["start"] <= s and e <= b["value"]["end"] and b is not region]
    if not inside:
        return None
    return min(inside, key=lambda b: (b["value"]["end"] - b["value"]["start"], -b["value"]["start"], str(b["id"])))


def normalise(spec: LabelSpec | type[BaseModel], record: dict[str, Any]) -> dict[str, Any]:
    """The record as the schema dumps it (defaults filled): the form the round trip preserves."""
    model = spec.model if isinstance(spec, LabelSpec) else spec
    return model.model_validate(record).model_dump(mode="json")
