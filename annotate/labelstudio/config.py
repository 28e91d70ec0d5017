"""The labeling config of a schema, generated from its Pydantic model (one project per schema).

Design — what the annotator sees, and why:

* The document is one ``<Text>``; every evidence field is a span label on it, named by its field
  pattern (``units[].shortcomings[]``), so the label says exactly which record field a highlight
  fills and a new schema file needs no config work.
* Nesting is kept by **parent block regions**: each list of objects (``units[]``, ``items[]``,
  ``items[].indicators[]``, ``qa[]`` …) has a block label. A block region spans the whole
  paragraph / table row of one item, and an evidence region belongs to the innermost block of its
  parent's pattern that contains it. Highlighting "this row" and then the pieces inside it is what
  a reader does anyway. A pushed top-level block is stretched to the end of the sentence its
  last child ends in (never into the next block), so a shortcoming the model missed in
  "但在A、B、C等方面仍存不足。" already lies inside its unit's block when the annotator adds it.
  Relations (arrows between regions) as the main mechanism were rejected because on a 136-row
  table they become an unreadable web and are easy to forget; the push adds one (child -> block)
  only where blocks overlap and containment alone would pick the wrong parent. A child outside every block of its
  parent's kind is an *orphan* and its annotation is quarantined rather than guessed.
* Order within a list is text order (the order the annotator reads).
* Scalars that are not quoted from the text (ISO dates, ``seq``, ``status``, indicator numbers)
  are controls: top-level ones are document-level, those of a list item are per-region controls
  shown when that item's block region is selected.
* A per-region ``value`` note carries the record's value when it differs from the highlighted
  characters (a normalised or fuzzy match); values the model gave that are nowhere in the text
  are listed in the document-level ``unaligned`` box as ``path = value`` lines, never dropped.
* A document-level ``review`` choice (accept / reject, pre-filled with accept) lets the
  annotator reject a document, with an optional reason.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin
from xml.sax.saxutils import quoteattr

from pydantic import BaseModel

from annotate.core.evidence import is_derived, unwrap

TEXT = "text"
LABELS = "label"
REVIEW = "review"
REVIEW_NOTE = "review_note"
UNALIGNED = "unaligned"
VALUE_NOTE = "value"
ACCEPT = "accept"
REJECT = "reject"

_PALETTE = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324",
    "#469990", "#800000", "#808000", "#000075", "#bfef45", "#fabed4", "#dcbeff", "#ffd8b1",
]  # fmt: skip


@dataclass(frozen=True)
class Block:
    """A list of objects: one region per item. ``pattern`` like ``items[].indicators[]``."""

    pattern: str
    parent: str | None
    description: str = ""


@dataclass(frozen=True)
class SpanField:
    """An evidence field: a span label. ``is_list`` for ``list[str]`` fields."""

    pattern: str
    block: str | None
    name: str
    is_list: bool
    required: bool
    description: str = ""


@dataclass(frozen=True)
class ScalarField:
    """A field that is not quoted from the text, entered through a control."""

    pattern: str
    block: str | None
    name: str
    kind: Literal["choices", "number", "text"]
    control: str
    choices: tuple[str, ...] = ()
    integer: bool = False
    description: str = ""


@dataclass(frozen=True)
class ModelNode:
    """One object level of the schema: the root record or the item of a block."""

    block: str | None
    model: type[BaseModel]
    spans: list[SpanField] = field(default_factory=list)
    scalars: list[ScalarField] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)
    nested: dict[str, ModelNode] = field(default_factory=dict)  # single nested objects by field name


@dataclass(frozen=True)
class LabelSpec:
    """Everything both directions of the conversion need to know about a schema's config."""

    schema_name: str
    model: type[BaseModel]
    root: ModelNode
    blocks: dict[str, Block]
    nodes: dict[str, ModelNode]  # block pattern -> item node
    spans: dict[str, SpanField]
    scalars: dict[str, ScalarField]  # control name -> field

    def label_values(self) -> list[str]:
        return list(self.blocks) + list(self.spans)


class ConfigError(Exception):
    """A schema construct this generator cannot express as a labeling config."""


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip Optional/Annotated; report whether the field was marked Derived."""
    inner, meta = unwrap(annotation)
    return inner, is_derived(meta)


def control_name(pattern: str) -> str:
    """A Label Studio-safe control name for a scalar field (``items[].status`` -> ``f_items__status``)."""
    return "f_" + pattern.replace("[]", "").replace(".", "__")


def _node(model: type[BaseModel], prefix: str, block: str | None, spec: dict[str, Any]) -> ModelNode:
    node = ModelNode(block=block, model=model)
    for name, info in model.model_fields.items():
        pattern = f"{prefix}.{name}" if prefix else name
        derived_meta = is_derived(list(info.metadata))
        ann, derived = _unwrap(info.annotation)
        derived = derived or derived_meta
        desc = info.description or ""
        origin = get_origin(ann)
        if not derived and ann is str:
            span = SpanField(pattern, block, name, False, info.is_required(), desc)
            node.spans.append(span)
            spec["spans"][pattern] = span
        elif not derived and origin is list:
            (inner,) = get_args(ann) or (Any,)
            inner, inner_derived = _unwrap(inner)
            if inner is str and not inner_derived:
                span = SpanField(pattern + "[]", block, name, True, False, desc)
                node.spans.append(span)
                spec["spans"][span.pattern] = span
            elif isinstance(inner, type) and issubclass(inner, BaseModel):
                child = Block(pattern + "[]", block, desc)
                node.children.append(child)
                spec["blocks"][child.pattern] = child
                spec["nodes"][child.pattern] = _node(inner, child.pattern, child.pattern, spec)
            else:
                raise ConfigError(f"{pattern}: lists of {inner!r} are not supported in a labeling config")
        elif not derived and isinstance(ann, type) and issubclass(ann, BaseModel):
            node.nested[name] = _node(ann, pattern, block, spec)
        else:
            scalar = _scalar(pattern, block, name, ann, derived, desc)
            node.scalars.append(scalar)
            spec["scalars"][scalar.control] = scalar
    return node


def _scalar(pattern: str, block: str | None, name: str, ann: Any, derived: bool, desc: str) -> ScalarField:
    ctl = control_name(pattern)
    if derived or ann is str:
        return ScalarField(pattern, block, name, "text", ctl, description=desc)
    if get_origin(ann) is Literal:
        return ScalarField(pattern, block, name, "choices", ctl, tuple(str(a) for a in get_args(ann)), description=desc)
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return ScalarField(pattern, block, name, "choices", ctl, tuple(str(m.value) for m in ann), description=desc)
    if ann is bool:
        return ScalarField(pattern, block, name, "choices", ctl, ("true", "false"), description=desc)
    if ann is int:
        return ScalarField(pattern, block, name, "number", ctl, integer=True, description=desc)
    if ann is float:
        return ScalarField(pattern, block, name, "number", ctl, description=desc)
    raise ConfigError(f"{pattern}: field type {ann!r} has no labeling control")


def label_spec(schema_name: str, model: type[BaseModel]) -> LabelSpec:
    """Walk the schema once; both the XML and the converters read the result."""
    acc: dict[str, Any] = {"spans": {}, "blocks": {}, "nodes": {}, "scalars": {}}
    root = _node(model, "", None, acc)
    return LabelSpec(schema_name, model, root, acc["blocks"], acc["nodes"], acc["spans"], acc["scalars"])


def _attrs(**kw: Any) -> str:
    return " ".join(f"{k}={quoteattr(str(v))}" for k, v in kw.items() if v is not None)


def _scalar_xml(s: ScalarField) -> str:
    common: dict[str, Any] = {"name": s.control, "toName": TEXT}
    if s.block:
        common.update(perRegion="true")
    header = f"<Header {_attrs(value=s.pattern + (' — ' + s.description if s.description else ''), size='6')}/>"
    if s.kind == "choices":
        opts = "".join(f"<Choice {_attrs(value=c)}/>" for c in s.choices)
        return f"{header}<Choices {_attrs(**common, choice='single', showInline='true')}>{opts}</Choices>"
    if s.kind == "number":
        return f"{header}<Number {_attrs(**common, step='1' if s.integer else 'any')}/>"
    return f"{header}<TextArea {_attrs(**common, maxSubmissions='1', editable='true', rows='1')}/>"


def _region_views(scalars: list[ScalarField]) -> list[str]:
    """Per-region controls grouped by block, each group shown only when such a block is selected."""
    out = []
    for block in dict.fromkeys(s.block for s in scalars):
        view = _attrs(visibleWhen="region-selected", whenTagName=LABELS, whenLabelValue=block)
        out.append(f"      <View {view}>")
        out.extend(f"        {_scalar_xml(s)}" for s in scalars if s.block == block)
        out.append("      </View>")
    return out


def build_config(spec: LabelSpec, description: str = "") -> str:
    """The labeling config XML for a schema."""
    labels = []
    for i, value in enumerate(spec.label_values()):
        if value in spec.blocks:
            hint = f"block: select one whole item of {value} (its paragraph or row); its fields go inside"
            labels.append(f"<Label {_attrs(value=value, background=_PALETTE[i % len(_PALETTE)], hint=hint)}/>")
        else:
            hint = spec.spans[value].description or value
            labels.append(f"<Label {_attrs(value=value, background=_PALETTE[i % len(_PALETTE)], hint=hint)}/>")
    doc_scalars = [s for s in spec.scalars.values() if s.block is None]
    region_scalars = [s for s in spec.scalars.values() if s.block is not None]
    title = f"{spec.schema_name}: {description}" if description else spec.schema_name
    return "\n".join(
        [
            "<View>",
            f"  <Header {_attrs(value=title)}/>",
            '  <View style="display: flex; gap: 1em; align-items: flex-start">',
            '    <View style="flex: 3; min-width: 0">',
            f"      <Labels {_attrs(name=LABELS, toName=TEXT, showInline='true')}>",
            *(f"        {x}" for x in labels),
            "      </Labels>",
            f"      <Text {_attrs(name=TEXT, value='$text', granularity='symbol')}/>",
            "    </View>",
            '    <View style="flex: 1; min-width: 16em; position: sticky; top: 0">',
            f"      <Header {_attrs(value='Review this document', size='5')}/>",
            f"      <Choices {_attrs(name=REVIEW, toName=TEXT, choice='single', showInline='true', required='true')}>",
            f"        <Choice {_attrs(value=ACCEPT)}/><Choice {_attrs(value=REJECT)}/>",
            "      </Choices>",
            f"      <TextArea {_attrs(name=REVIEW_NOTE, toName=TEXT, maxSubmissions='1', editable='true', rows='2', placeholder='why rejected (optional)', visibleWhen='choice-selected', whenTagName=REVIEW, whenChoiceValue=REJECT)}/>",
            *(f"      {_scalar_xml(s)}" for s in doc_scalars),
            f"      <Header {_attrs(value='Model values not found in the text (path = value); delete a line to drop it', size='6')}/>",
            f"      <TextArea {_attrs(name=UNALIGNED, toName=TEXT, editable='true', rows='3')}/>",
            f"      <View {_attrs(visibleWhen='region-selected')}>",
            f"        <Header {_attrs(value='Selected region', size='5')}/>",
            f"        <Header {_attrs(value='value: the record value when it differs from the highlighted text', size='6')}/>",
            f"        <TextArea {_attrs(name=VALUE_NOTE, toName=TEXT, perRegion='true', maxSubmissions='1', editable='true', rows='1')}/>",
            "      </View>",
            *_region_views(region_scalars),
            "    </View>",
            "  </View>",
            "</View>",
        ]
    )


def config_hash(xml: str) -> str:
    return hashlib.sha256(xml.encode()).hexdigest()[:12]
