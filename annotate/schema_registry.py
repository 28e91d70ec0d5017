"""Find and load the genre schemas, which live as Python files in a folder (``schemas/``).

Schemas are files, not code in this package, so a team adds a genre by dropping a file in. The
folder is imported as the package ``schemas`` so that schema files can share pieces
(``from schemas._common import Indicator``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from annotate.core.evidence import evidence_fields

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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

    @cached_property
    def json_schema(self) -> dict:
        return self.model.model_json_schema()

    @cached_property
    def hash(self) -> str:
        """Content hash of the JSON schema and the schema file: part of every version key."""
        blob = json.dumps(self.json_schema, sort_keys=True, ensure_ascii=False) + self.source_hash
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    @cached_property
    def evidence_fields(self) -> list[str]:
        return evidence_fields(self.model)


def schemas_dir() -> Path:
    """``ANNOTATE_SCHEMAS``, else ``./schemas`` in the working directory, else the project's own."""
    env = os.environ.get("ANNOTATE_SCHEMAS")
    if env:
        return Path(env).resolve()
    local = Path.cwd() / "schemas"
    if (local / "__init__.py").exists():
        return local.resolve()
    return PROJECT_ROOT / "schemas"


def _import_package(folder: Path) -> ModuleType:
    existing = sys.modules.get("schemas")
    if existing is not None and Path(getattr(existing, "__file__", "") or "").parent == folder:
        return existing
    spec = importlib.util.spec_from_file_location(
        "schemas", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:
        raise SchemaError(f"{folder}: not a schemas folder (no __init__.py)")
    module = importlib.util.module_from_spec(spec)
    sys.modules["schemas"] = module
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=4)
def load_schemas(folder: Path | None = None) -> dict[str, SchemaSpec]:
    """All schemas in the folder, by name."""
    folder = (folder or schemas_dir()).resolve()
    _import_package(folder)
    shared = b"".join(f.read_bytes() for f in sorted(folder.glob("_*.py")))
    out: dict[str, SchemaSpec] = {}
    for file in sorted(folder.glob("*.py")):
        if file.name.startswith("_"):
            continue
        module = importlib.import_module(f"schemas.{file.stem}")
        try:
            spec = SchemaSpec(
                name=module.NAME,
                model=module.MODEL,
                description=getattr(module, "DESCRIPTION", ""),
                keywords=dict(getattr(module, "KEYWORDS", {})),
                clean=getattr(module, "clean", None),
                labels=dict(getattr(module, "LABELS", {})),
                choice_labels=dict(getattr(module, "CHOICE_LABELS", {})),
                source_hash=hashlib.sha256(file.read_bytes() + shared).hexdigest()[:12],
            )
        except AttributeError as exc:
            raise SchemaError(f"{file}: a schema file must define NAME and MODEL ({exc})") from exc
        out[spec.name] = spec
    return out


def get_schema(name: str) -> SchemaSpec:
    schemas = load_schemas()
    if name not in schemas:
        raise SchemaError(f"unknown schema {name!r}; known: {', '.join(sorted(schemas))}")
    return schemas[name]
