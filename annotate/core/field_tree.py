"""One tree of a schema's fields: the answer every schema walker shares.

Grounding, merge, scoring, the labeling config, evaluation and the Parquet types all ask the same
questions of a Pydantic model — what type is this field really, is it a list, of what, is it
quoted from the text — and each used to answer them with its own walk and its own list rule. A
new walker that answered differently would quietly disagree with the rest (a field scored but
never grounded, a label for a path the converter does not know). The tree answers once, per model
class, and the walkers read it; a schema spec holds its own (``SchemaSpec.field_tree``), so code
with a spec at hand reads the tree from it.

Shape: the root is a ``model`` node with one child per field, in schema order. A list field has
one ``item`` node (path ``units[]``) describing its items; a list of objects' item is a ``model``
node whose children are the item's fields (``units[].unit``). Paths are the project's field
patterns: ``[]`` marks a list level, ``.`` a nested field.

Rules, one place:

* a list is any of ``list``, ``tuple``, ``set``, ``frozenset`` — all of them are JSON arrays in a
  record, which is all any walker ever sees;
* ``Optional`` and ``Annotated`` are unwrapped; a union of several types stays as it is (a scalar);
* a field is *evidence* (a verbatim quote of the source) when it is a ``str`` not marked
  ``Derived`` and not below a ``Derived`` field; Literal/Enum fields are closed vocabularies, not
  quotes.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

Kind = Literal["model", "model_list", "scalar_list", "scalar"]
LIST_ORIGINS: tuple[Any, ...] = (list, tuple, set, frozenset)
"""Generic origins whose values are JSON arrays in a record."""


class _DerivedMarker:
    """Metadata marker: this string is produced by the model, not quoted from the text."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "Derived"


DERIVED = _DerivedMarker()
Derived = Annotated[str, DERIVED]
"""A string field that is *not* evidence (e.g. an ISO date the model resolved)."""


def unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip Optional / Annotated layers, collecting Annotated metadata on the way.

    A union of several non-None types is returned as it is: no walker can pick one of them.
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


def is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


@dataclass(frozen=True, eq=False)
class FieldNode:
    """One field of a schema (or the items of a list field), with everything walkers ask of it.

    ``annotation`` is the field's type with Optional/Annotated removed (``list[str]`` for a list
    field, ``str`` for its item node). ``key`` is what a raw model answer stores the field under
    (its alias, else its name); records dumped by the pipeline use ``name``.
    """

    name: str
    key: str
    path: str
    kind: Kind
    annotation: Any
    required: bool = False
    title: str | None = None
    description: str | None = None
    derived: bool = False
    """Marked ``Derived`` itself (on the field, or on a list's items for an item node)."""
    is_evidence: bool = False
    has_evidence: bool = False
    """Evidence at or below this node: a walker over evidence can skip the rest."""
    model: type[BaseModel] | None = None
    """The nested model of a ``model`` node, or the item model of a ``model_list``."""
    choices: tuple[Any, ...] | None = None
    """The allowed values of a Literal (its arguments) or an Enum (its members' values)."""
    item: FieldNode | None = None
    """A list's items (path ``<path>[]``)."""
    children: tuple[FieldNode, ...] = field(default=())
    """A ``model`` node's fields, in schema order."""

    @property
    def is_list(self) -> bool:
        return self.kind in ("model_list", "scalar_list")

    @property
    def is_enum(self) -> bool:
        return isinstance(self.annotation, type) and issubclass(self.annotation, enum.Enum)

    @cached_property
    def by_name(self) -> dict[str, FieldNode]:
        """A ``model`` node's children by field name (paths in records use names)."""
        return {c.name: c for c in self.children}

    def child(self, name: str) -> FieldNode | None:
        return self.by_name.get(name)

    def walk(self) -> Iterator[FieldNode]:
        """Every node below this one, depth first in schema order (fields before their insides)."""
        for node in (*self.children, *((self.item,) if self.item is not None else ())):
            yield node
            yield from node.walk()

    def evidence(self) -> list[FieldNode]:
        """The evidence nodes below, in schema order (a ``list[str]``'s node is its item ``x[]``)."""
        return [n for n in self.walk() if n.is_evidence]

    def leaves(self) -> list[FieldNode]:
        """The value leaves below, evidence or not: scalar fields, and a scalar list's items.

        A list of scalars is one leaf (``x[]``) whatever its items are — even lists: their values
        are compared as wholes. Lists of objects and nested objects are gone through.
        """
        out: list[FieldNode] = []
        for c in self.children:
            if c.kind == "scalar":
                out.append(c)
            elif c.kind == "scalar_list" and c.item is not None:
                out.append(c.item)
            elif c.kind == "model":
                out.extend(c.leaves())
            elif c.item is not None:
                out.extend(c.item.leaves())
        return out

    def blocks(self) -> list[FieldNode]:
        """The item nodes of every list of objects below (``units[]``, ``items[].indicators[]``)."""
        return [n.item for n in self.walk() if n.kind == "model_list" and n.item is not None]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _choices(annotation: Any) -> tuple[Any, ...] | None:
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(m.value for m in annotation)
    return None


def _node(
    annotation: Any,
    meta: list[Any],
    *,
    name: str,
    key: str,
    path: str,
    info: FieldInfo | None,
    required: bool,
    below_derived: bool,
    seen: tuple[type[BaseModel], ...],
) -> FieldNode:
    """The node of one field (``info`` given) or of a list's items (``info`` None)."""
    ann, more = unwrap(annotation)
    derived = is_derived(meta + more)
    hidden = below_derived or derived
    common: dict[str, Any] = {
        "name": name, "key": key, "path": path, "annotation": ann, "required": required, "derived": derived,
        "title": info.title if info else None, "description": info.description if info else None,
    }  # fmt: skip
    if get_origin(ann) in LIST_ORIGINS:
        args = [a for a in get_args(ann) if a is not Ellipsis]
        item = _node(args[0] if args else Any, [], name=name, key=key, path=f"{path}[]", info=info,
                     required=True, below_derived=hidden, seen=seen)  # fmt: skip
        if item.kind == "model":
            return FieldNode(**common, kind="model_list", model=item.model, item=item, has_evidence=item.has_evidence)
        return FieldNode(**common, kind="scalar_list", item=item, has_evidence=item.has_evidence)
    if is_model(ann):
        children = _children(ann, path, below_derived=hidden, seen=seen)
        return FieldNode(**common, kind="model", model=ann, children=children,
                         has_evidence=any(c.has_evidence for c in children))  # fmt: skip
    evidence = ann is str and not hidden
    return FieldNode(**common, kind="scalar", choices=_choices(ann), is_evidence=evidence, has_evidence=evidence)


def _children(
    model: type[BaseModel], prefix: str, *, below_derived: bool, seen: tuple[type[BaseModel], ...]
) -> tuple[FieldNode, ...]:
    if model in seen:
        raise TypeError(f"{model.__name__} contains itself ({prefix}): recursive schemas have no finite field tree")
    out = []
    for name, info in model.model_fields.items():
        out.append(_node(info.annotation, list(info.metadata), name=name, key=info.alias or name,
                         path=_join(prefix, name), info=info, required=info.is_required(),
                         below_derived=below_derived, seen=(*seen, model)))  # fmt: skip
    return tuple(out)


@lru_cache(maxsize=256)
def field_tree(model: type[BaseModel]) -> FieldNode:
    """The field tree of ``model`` (its root node, path ``""``), built once per model class."""
    children = _children(model, "", below_derived=False, seen=())
    return FieldNode(name="", key="", path="", kind="model", annotation=model, required=True, model=model,
                     children=children, has_evidence=any(c.has_evidence for c in children))  # fmt: skip
