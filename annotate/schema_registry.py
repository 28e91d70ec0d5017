"""Load the genre schemas: Python files in the folders :mod:`annotate.genre_sources` finds.

Schemas are files, not code in this package, so a team adds a genre by dropping a file in a folder
(or installing a plug-in) — no edit here. Each folder is imported as a package, so schema files
share pieces with relative imports (``from ._common import Indicator``).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from annotate.core.field_tree import FieldNode
from annotate.core.field_tree import field_tree as build_field_tree
from annotate.genre_sources import GenreSourceError, SchemaFolder, private_package, schema_folders


class SchemaError(Exception):
    """An unknown schema name or a schema file that does not define what it must."""


@dataclass(frozen=True)
class SchemaSpec:
    """A loaded schema: its name, Pydantic model and the cues the router scores with."""

    name: str
    model: type[BaseModel]
    description: str
    keywords: dict[str, float] = field(default_factory=dict)
    clean: Callable[[dict[str, Any], str], dict[str, Any]] | None = field(default=None, compare=False)
    """The genre's clean-up of a model's answer with the text it came from (optional)."""
    source_hash: str = ""
    """Hash of the schema file: validators and ``clean`` change predictions without changing the JSON schema."""
    labels: dict[str, str | tuple[str, str]] = field(default_factory=dict, compare=False)
    """What annotators read for each field pattern: a title, or (title, hint), in the documents' language."""
    choice_labels: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    """Titles of a choice field's values: {pattern: {stored value: title}}."""
    title: str | tuple[str, str] | None = field(default=None, compare=False)
    """The genre's name for annotators, or (name, hint), shown above the text; None shows the schema name."""
    rules: Callable[..., dict[str, Any]] | str | None = field(default=None, compare=False)
    """The genre's offline pre-labeler ``(text, metadata) -> record`` or ``"module:function"`` (optional)."""
    origin: str = field(default="", compare=False)
    """Where the genre came from (built-in, a plug-in, a local folder): said in messages."""

    @cached_property
    def json_schema(self) -> dict:
        return self.model.model_json_schema()

    @cached_property
    def hash(self) -> str:
        """Content hash of the JSON schema and the schema file: part of every version key."""
        blob = json.dumps(self.json_schema, sort_keys=True, ensure_ascii=False) + self.source_hash
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    @cached_property
    def field_tree(self) -> FieldNode:
        """The schema's field tree, built once by :mod:`annotate.core.field_tree`: what grounding,
        merge, scoring, the labeling config, the Parquet types and the metrics walk."""
        return build_field_tree(self.model)

    @cached_property
    def evidence_fields(self) -> list[str]:
        """Paths of the fields quoted from the text (``core.evidence.evidence_fields`` of the model)."""
        return [node.path for node in self.field_tree.evidence()]


def _import_package(source: SchemaFolder) -> ModuleType:
    """The folder as a package, so its files import each other relatively; an ``__init__.py`` is optional."""
    existing = sys.modules.get(source.package)
    if existing is not None:
        return existing
    if not source.private:
        return importlib.import_module(source.package)  # installed: the built-ins or a plug-in
    module = ModuleType(source.package, f"genres from {source.folder}")
    module.__path__ = [str(source.folder)]
    init = source.folder / "__init__.py"
    module.__file__ = str(init)
    sys.modules[source.package] = module
    if init.is_file():
        exec(compile(init.read_bytes(), init, "exec"), module.__dict__)
    return module


def _load_file(source: SchemaFolder, file: Path, shared: bytes) -> SchemaSpec:
    try:
        module = importlib.import_module(f"{source.package}.{file.stem}")
    except Exception as exc:  # a genre file is user code: any error is that file's, said in one line
        raise SchemaError(f"{file}: cannot load this schema file ({type(exc).__name__}: {exc})") from exc
    try:
        return SchemaSpec(
            name=module.NAME,
            model=module.MODEL,
            description=getattr(module, "DESCRIPTION", ""),
            keywords=dict(getattr(module, "KEYWORDS", {})),
            clean=getattr(module, "clean", None),
            labels=dict(getattr(module, "LABELS", {})),
            choice_labels=dict(getattr(module, "CHOICE_LABELS", {})),
            title=getattr(module, "TITLE", None),
            source_hash=hashlib.sha256(file.read_bytes() + shared).hexdigest()[:12],
            rules=getattr(module, "RULES", None),
            origin=source.origin,
        )
    except AttributeError as exc:
        raise SchemaError(f"{file}: a schema file must define NAME and MODEL ({exc})") from exc


@lru_cache(maxsize=8)
def _load(sources: tuple[SchemaFolder, ...]) -> dict[str, SchemaSpec]:
    out: dict[str, SchemaSpec] = {}
    for source in sources:
        _import_package(source)
        shared = b"".join(f.read_bytes() for f in sorted(source.folder.glob("_*.py")))
        for file in sorted(source.folder.glob("*.py")):
            if not file.name.startswith("_"):
                spec = _load_file(source, file, shared)
                out[spec.name] = spec  # a later source overrides a genre of the same name
    return out


def load_schemas(folder: Path | None = None) -> dict[str, SchemaSpec]:
    """All genres by name: every source layered (see :mod:`annotate.genre_sources`), or one folder.

    The source list is re-read on each call (cheap), so a changed ``ANNOTATE_SCHEMAS`` or working
    directory is seen; the loading itself is cached per source list.
    """
    try:
        if folder is not None:
            folder = folder.resolve()
            return _load((SchemaFolder(folder, private_package(folder), str(folder)),))
        return _load(tuple(schema_folders()))
    except GenreSourceError as exc:
        raise SchemaError(str(exc)) from exc


load_schemas.cache_clear = _load.cache_clear  # type: ignore[attr-defined]


def get_schema(name: str) -> SchemaSpec:
    schemas = load_schemas()
    if name not in schemas:
        raise SchemaError(f"unknown schema {name!r}; known: {', '.join(sorted(schemas))}")
    return schemas[name]
