"""The labeling config of a schema, generated from its Pydantic model (one project per schema).

Design — what the annotator sees, and why:

* The document is one ``<Text>``; every evidence field is a span label on it. The annotator sees
  the field's title in the language of the documents (``不足``), from the schema file's ``LABELS``;
  the stored value is the label's ``alias``, the field pattern (``units[].shortcomings[]``), so
  push and pull read paths and a new schema file without titles still works (it shows the path).
  Titles live beside the model, not in ``Field(title=...)``, because the JSON schema is part of
  every request to the model (and of its recorded answers). The title is drawn on each
  highlight (``showLabels``), and block labels get pale colours so the fields inside them stand
  out.
* The header above the text is the genre's title in the documents' language, the schema file's
  ``TITLE`` (title, hint): the annotator reads 工作点评会, not ``meeting_review: Work-review
  meeting …``. A schema without one shows its name and description.
* Hotkeys are fixed: accept ``alt+a``, reject ``alt+x``, submit Label Studio's ``ctrl+enter`` in
  every project; labels and choices get their keys in config order from the editor's own
  sequence, so no project reuses the review keys (the editor would otherwise assign them itself).
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
* A region whose value's confidence is below :data:`DOUBT_BELOW` is drawn with a wavy red
  underline and ``待核·`` before its title. The editor draws a text highlight's label from the
  region's first labeling result only, so a second ``<Labels>`` control ("doubt") would show in
  the side panel but never on the highlight; what it does put on every highlight is a class made
  from the region's id. The push gives a doubtful region an id ending in :data:`DOUBT_MARK`, and
  the config's ``<Style>`` draws the mark from that class. The mark is in no stored value:
  labels, offsets and controls are the same, so pull reads the same record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

from pydantic import BaseModel

from annotate.core.field_tree import FieldNode, field_tree

TEXT = "text"
LABELS = "label"
REVIEW = "review"
REVIEW_NOTE = "review_note"
UNALIGNED = "unaligned"
VALUE_NOTE = "value"
ACCEPT = "accept"
REJECT = "reject"

REVIEW_HOTKEYS = {ACCEPT: "alt+a", REJECT: "alt+x"}
DOUBT_BELOW = 0.75
"""A region whose value's confidence is below this is marked 待核 (check me). Measured on the rules'
output over the seeds and the real-text corpus (2,044 values, 69 wrong): the 16 % of values below
0.75 hold 62 % of the wrong ones (13 % of them wrong, against 1.5 % above); on the real texts alone
23 % are marked and hold 20 of the 43 wrong (15 % against 5 %). 0.8 marks more and catches no more,
0.85 marks 41 % to catch 78 %, 0.6 only 3 % but catches 30 %. A mark on about one value in six is
still a signal an annotator reads. The LLM's confidence (lowest token probability times alignment)
is on the same 0-1 scale; values not in the text (confidence 0) are no region but lines in the
document-level box."""
DOUBT_MARK = "_doubt"
"""Suffix of a doubtful region's id. The editor puts ``htx-highlight-<id>-<n>`` on the region's
highlight; :data:`DOUBT_STYLE` selects that class. Ids are never part of a record."""
DOUBT_STYLE = (
    f".htx-highlight[class*={DOUBT_MARK}-] {{ text-decoration: underline wavy #d4380d;"
    " text-decoration-thickness: 2px; text-underline-offset: 1px; }"
    f" .htx-highlight[class*={DOUBT_MARK}-][data-label]::after {{ content: '待核·' attr(data-label); color: #d4380d; }}"
)
"""The mark: a wavy red underline under the text and 待核· before the title drawn on the highlight."""
_KEYS = "1234567890qwetasdfgzxcvbyiopjklnm"
"""The editor's own order of automatic hotkeys; we assign from it so every key is known."""
_BLOCK_PALETTE = ["#ffe9a8", "#c9f2d0", "#cfe0ff", "#ffd6c2", "#ead1ff", "#c8f4f7"]
"""Pale: a block spans a whole paragraph or row and its fields' colours must show inside it."""
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
    titles: dict[str, str] = field(default_factory=dict)  # pattern -> what the annotator reads
    hints: dict[str, str] = field(default_factory=dict)  # pattern -> hover hint
    choice_titles: dict[str, dict[str, str]] = field(default_factory=dict)  # pattern -> value -> title
    key_spans: dict[str, str] = field(default_factory=dict)  # leaf block -> its one required span

    def label_values(self) -> list[str]:
        return list(self.blocks) + list(self.spans)

    def title(self, pattern: str) -> str:
        return self.titles.get(pattern, pattern)

    def hint(self, pattern: str) -> str:
        if pattern in self.hints:
            return self.hints[pattern]
        if pattern in self.blocks:
            return f"block: select one whole item of {pattern} (its paragraph or row); its fields go inside"
        field_ = self.spans.get(pattern)
        return (field_.description if field_ else "") or pattern


class ConfigError(Exception):
    """A schema construct this generator cannot express as a labeling config."""


def doubtful(score: float | None) -> bool:
    """Whether a region with this confidence gets the 待核 mark (no score: nothing to doubt)."""
    return score is not None and score < DOUBT_BELOW


def control_name(pattern: str) -> str:
    """A Label Studio-safe control name for a scalar field (``items[].status`` -> ``f_items__status``)."""
    return "f_" + pattern.replace("[]", "").replace(".", "__")


def _node(tree: FieldNode, block: str | None, spec: dict[str, Any]) -> ModelNode:
    """One object level: its strings become spans, its lists of objects blocks, the rest controls.

    A ``Derived`` field is a text control whatever its type: the annotator types the value.
    """
    assert tree.model is not None
    node = ModelNode(block=block, model=tree.model)
    for f in tree.children:
        desc = f.description or ""
        if not f.derived and f.kind == "scalar" and f.annotation is str:
            span = SpanField(f.path, block, f.name, False, f.required, desc)
            node.spans.append(span)
            spec["spans"][f.path] = span
        elif not f.derived and f.item is not None:
            item = f.item
            if item.annotation is str and not item.derived:
                span = SpanField(item.path, block, f.name, True, False, desc)
                node.spans.append(span)
                spec["spans"][span.pattern] = span
            elif item.kind == "model":
                child = Block(item.path, block, desc)
                node.children.append(child)
                spec["blocks"][child.pattern] = child
                spec["nodes"][child.pattern] = _node(item, child.pattern, spec)
            else:
                raise ConfigError(f"{f.path}: lists of {item.annotation!r} are not supported in a labeling config")
        elif not f.derived and f.kind == "model":
            node.nested[f.name] = _node(f, block, spec)
        else:
            scalar = _scalar(f, block, desc)
            node.scalars.append(scalar)
            spec["scalars"][scalar.control] = scalar
    return node


def _scalar(f: FieldNode, block: str | None, desc: str) -> ScalarField:
    pattern, name, ann = f.path, f.name, f.annotation
    ctl = control_name(pattern)
    if f.derived or ann is str:
        return ScalarField(pattern, block, name, "text", ctl, description=desc)
    if f.choices is not None:
        return ScalarField(pattern, block, name, "choices", ctl, tuple(str(c) for c in f.choices), description=desc)
    if ann is bool:
        return ScalarField(pattern, block, name, "choices", ctl, ("true", "false"), description=desc)
    if ann is int:
        return ScalarField(pattern, block, name, "number", ctl, integer=True, description=desc)
    if ann is float:
        return ScalarField(pattern, block, name, "number", ctl, description=desc)
    raise ConfigError(f"{pattern}: field type {ann!r} has no labeling control")


def label_spec(
    schema_name: str,
    model: type[BaseModel],
    labels: dict[str, str | tuple[str, str]] | None = None,
    choice_labels: dict[str, dict[str, str]] | None = None,
) -> LabelSpec:
    """Walk the schema once; both the XML and the converters read the result.

    ``labels`` maps a field pattern to its title, or to (title, hint); ``choice_labels`` a
    choice field's pattern to {stored value: title}. Both come from the schema file.
    """
    acc: dict[str, Any] = {"spans": {}, "blocks": {}, "nodes": {}, "scalars": {}}
    root = _node(field_tree(model), None, acc)
    titles: dict[str, str] = {}
    hints: dict[str, str] = {}
    known = {*acc["blocks"], *acc["spans"], *(s.pattern for s in acc["scalars"].values())}
    for pattern, entry in (labels or {}).items():
        if pattern not in known:
            raise ConfigError(f"{schema_name}: LABELS names {pattern!r}, which is not a field of the schema")
        title, hint = (entry, "") if isinstance(entry, str) else entry
        titles[pattern] = title
        if hint:
            hints[pattern] = hint
    shown = [titles.get(v, v) for v in [*acc["blocks"], *acc["spans"]]]
    twice = sorted({t for t in shown if shown.count(t) > 1})
    if twice:
        raise ConfigError(f"{schema_name}: two labels would read the same: {', '.join(twice)}")
    return LabelSpec(schema_name, model, root, acc["blocks"], acc["nodes"], acc["spans"], acc["scalars"],
                     titles, hints, dict(choice_labels or {}), _key_spans(acc["nodes"]))  # fmt: skip


def _key_spans(nodes: dict[str, ModelNode]) -> dict[str, str]:
    """Blocks whose item can be drawn as its one required span alone (an indicator as its number).

    Only nested leaf blocks (inside another block, no lists inside) with exactly one required
    single span qualify: such an item whose only evidence is that span would otherwise be a block
    region repeating the span region exactly (510 of them on the key-task table), and a click
    would land on the block. Top-level blocks keep their region: it is what an annotator adds a
    missed field into.
    """
    out = {}
    for pattern, node in nodes.items():
        required = [s for s in node.spans if s.required and not s.is_list]
        if pattern.count("[]") > 1 and not node.children and len(required) == 1:
            out[pattern] = required[0].pattern
    return out


def _attrs(**kw: Any) -> str:
    return " ".join(f"{k}={quoteattr(str(v))}" for k, v in kw.items() if v is not None)


def _scalar_xml(spec: LabelSpec, s: ScalarField, keys: list[str]) -> str:
    common: dict[str, Any] = {"name": s.control, "toName": TEXT}
    if s.block:
        common.update(perRegion="true")
    hint = spec.hints.get(s.pattern) or s.description
    header = f"<Header {_attrs(value=spec.title(s.pattern) + (' — ' + hint if hint else ''), size='6')}/>"
    if s.kind == "choices":
        names = spec.choice_titles.get(s.pattern, {})
        opts = "".join(f"<Choice {_choice_attrs(c, names.get(c), keys)}/>" for c in s.choices)
        return f"{header}<Choices {_attrs(**common, choice='single', showInline='true')}>{opts}</Choices>"
    if s.kind == "number":
        return f"{header}<Number {_attrs(**common, step='1' if s.integer else 'any')}/>"
    return f"{header}<TextArea {_attrs(**common, maxSubmissions='1', editable='true', rows='1')}/>"


def _choice_attrs(value: str, title: str | None, keys: list[str]) -> str:
    """A choice shows its title and stores its value; it takes the next free hotkey."""
    shown = {"value": title, "alias": value} if title and title != value else {"value": value}
    return _attrs(**shown, hotkey=keys.pop(0) if keys else None)


def _region_views(spec: LabelSpec, scalars: list[ScalarField], keys: list[str]) -> list[str]:
    """Per-region controls grouped by block, each group shown only when such a block is selected."""
    out = []
    for block in dict.fromkeys(s.block for s in scalars):
        # the editor compares stored label values, i.e. the alias (the pattern), not the title
        # and an item drawn as its key span alone carries them on that span
        shown_on = ",".join(x for x in (block, spec.key_spans.get(block or "")) if x)
        view = _attrs(visibleWhen="region-selected", whenTagName=LABELS, whenLabelValue=shown_on)
        out.append(f"      <View {view}>")
        out.extend(f"        {_scalar_xml(spec, s, keys)}" for s in scalars if s.block == block)
        out.append("      </View>")
    return out


def _label_xml(spec: LabelSpec, index: int, value: str, keys: list[str]) -> str:
    title = spec.title(value)
    palette = _BLOCK_PALETTE if value in spec.blocks else _PALETTE
    attrs = {"value": title, "alias": value if title != value else None, "background": palette[index % len(palette)],
             "hint": spec.hint(value), "hotkey": keys.pop(0) if keys else None}  # fmt: skip
    return f"<Label {_attrs(**attrs)}/>"


def header(schema_name: str, description: str = "", title: str | tuple[str, str] | None = None) -> str:
    """What the annotator reads above the text: the genre's ``title`` (or (title, hint)), else its name."""
    if title:
        name, hint = (title, "") if isinstance(title, str) else title
        return f"{name}：{hint}" if hint else name
    return f"{schema_name}: {description}" if description else schema_name


def build_config(spec: LabelSpec, description: str = "", title: str | tuple[str, str] | None = None) -> str:
    """The labeling config XML for a schema; ``title`` is the genre's (title, hint), see :func:`header`."""
    keys = list(_KEYS)
    labels = [_label_xml(spec, i, value, keys) for i, value in enumerate(spec.blocks)]
    labels += [_label_xml(spec, i, value, keys) for i, value in enumerate(spec.spans)]
    doc_scalars = [s for s in spec.scalars.values() if s.block is None]
    region_scalars = [s for s in spec.scalars.values() if s.block is not None]
    return "\n".join(
        [
            "<View>",
            f"  <Style>{DOUBT_STYLE}</Style>",
            f"  <Header {_attrs(value=header(spec.schema_name, description, title))}/>",
            f"  <Header {_attrs(value='$page_title', size='5')}/>",
            f"  <Header {_attrs(value='$rows', size='6')}/>",
            '  <View style="display: flex; gap: 1em; align-items: flex-start">',
            '    <View style="flex: 3; min-width: 0">',
            f"      <Labels {_attrs(name=LABELS, toName=TEXT, showInline='true')}>",
            *(f"        {x}" for x in labels),
            "      </Labels>",
            f"      <Text {_attrs(name=TEXT, value='$text', granularity='symbol', showLabels='true')}/>",
            "    </View>",
            '    <View style="flex: 1; min-width: 16em; position: sticky; top: 0">',
            f"      <Header {_attrs(value='审核本文档 Review (接受 alt+a · 退回 alt+x · 提交 ctrl+enter)', size='5')}/>",
            f"      <Choices {_attrs(name=REVIEW, toName=TEXT, choice='single', showInline='true', required='true')}>",
            f"        <Choice {_choice_attrs(ACCEPT, '接受 accept', [REVIEW_HOTKEYS[ACCEPT]])}/>"
            f"<Choice {_choice_attrs(REJECT, '退回 reject', [REVIEW_HOTKEYS[REJECT]])}/>",
            "      </Choices>",
            f"      <Header {_attrs(value=f'波浪红线、待核：模型把握低（置信度 < {DOUBT_BELOW}），先核对 / wavy red, 待核: low confidence, check first', size='6')}/>",
            f"      <View {_attrs(visibleWhen='choice-selected', whenTagName=REVIEW, whenChoiceValue=REJECT)}>",
            f"        <TextArea {_attrs(name=REVIEW_NOTE, toName=TEXT, maxSubmissions='1', editable='true', rows='2', placeholder='退回原因 why rejected (optional)')}/>",
            "      </View>",
            *(f"      {_scalar_xml(spec, s, keys)}" for s in doc_scalars),
            f"      <Header {_attrs(value='模型给出但原文中找不到的值（字段 = 值）；删掉一行即舍弃 / model values not in the text', size='6')}/>",
            f"      <TextArea {_attrs(name=UNALIGNED, toName=TEXT, editable='true', rows='3')}/>",
            f"      <View {_attrs(visibleWhen='region-selected')}>",
            f"        <Header {_attrs(value='选中的区域 Selected region', size='5')}/>",
            f"        <Header {_attrs(value='值：与划出的文字不同时填写记录中的值 / value when it differs from the highlight', size='6')}/>",
            f"        <TextArea {_attrs(name=VALUE_NOTE, toName=TEXT, perRegion='true', maxSubmissions='1', editable='true', rows='1')}/>",
            "      </View>",
            *_region_views(spec, region_scalars, keys),
            "    </View>",
            "  </View>",
            "</View>",
        ]
    )


def config_hash(xml: str) -> str:
    return hashlib.sha256(xml.encode()).hexdigest()[:12]
