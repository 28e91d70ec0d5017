"""Where genres come from, in the order they layer (a later source overrides an earlier one by name).

A genre is a schema file (``NAME``, ``MODEL``, optionally ``RULES``, ``LABELS`` …) and a prompt file
(``<schema>.toml``). They are found, lowest priority first, in:

1. the built-in genres, which ship inside the package as ``annotate.genres.schemas`` and
   ``annotate/genres/prompts`` (in this repository those are the top-level ``schemas/`` and
   ``prompts/``, mapped there at build time, so the layout stays the one people read);
2. installed plug-ins: a distribution that declares an ``annotate.genres`` entry point naming a
   package of schema files (its prompts in a ``prompts/`` folder inside it, or beside the schemas);
3. the working directory's ``./schemas`` and ``./prompts``;
4. ``ANNOTATE_SCHEMAS`` and ``ANNOTATE_PROMPTS`` (``os.pathsep``-separated folders). A schemas folder's
   sibling ``prompts/`` is searched too, so one folder with ``schemas/`` and ``prompts/`` is a genre pack.

Folders that are not installed packages are imported under a private module name derived from
their path, so two projects' ``schemas`` never collide and nothing overwrites ``sys.modules["schemas"]``;
schema files share pieces with relative imports (``from ._common import Indicator``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path

BUILTIN_PACKAGE = "annotate.genres.schemas"
GENRE_GROUP = "annotate.genres"
BACKEND_GROUP = "annotate.backends"


class GenreSourceError(Exception):
    """A genre folder or plug-in that cannot be read (one line naming it)."""


@dataclass(frozen=True)
class SchemaFolder:
    """A folder of schema files and the package name it is imported as."""

    folder: Path
    package: str
    origin: str
    """Said in messages: ``built-in``, ``plug-in NAME``, ``./schemas``, ``ANNOTATE_SCHEMAS``."""

    @property
    def private(self) -> bool:
        """Imported from its path under a private name, not as an installed package."""
        return self.package == private_package(self.folder)


def _folder_of_package(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


@lru_cache(maxsize=1)
def builtin_schemas() -> Path:
    """The built-in schema folder: inside the installed package, or this checkout's ``schemas/``
    when the package was put on the path without being installed."""
    found = _folder_of_package(BUILTIN_PACKAGE)
    if found is not None:
        return found
    checkout = Path(__file__).resolve().parent.parent / "schemas"
    if (checkout / "__init__.py").is_file():
        return checkout
    raise GenreSourceError(f"the built-in genres are missing: no package {BUILTIN_PACKAGE} and no {checkout}")


def builtin_prompts() -> Path:
    """Beside the built-in schemas, both in the wheel (``annotate/genres/``) and in the checkout."""
    return builtin_schemas().parent / "prompts"


def private_package(folder: Path) -> str:
    """The module name a local schema folder is imported as: private and unique per path."""
    return "_annotate_genres_" + hashlib.sha256(str(folder).encode()).hexdigest()[:10]


def _has_schema_files(folder: Path) -> bool:
    return folder.is_dir() and any(not f.name.startswith("_") for f in folder.glob("*.py"))


def _env_folders(var: str) -> list[Path]:
    return [Path(p).expanduser().resolve() for p in os.environ.get(var, "").split(os.pathsep) if p.strip()]


@lru_cache(maxsize=1)
def _plugin_packages() -> tuple[tuple[str, str], ...]:
    """(entry point name, package name) of every installed genre plug-in: read once per process
    (scanning the installed distributions costs ~0.3 ms, and schemas are looked up per document)."""
    return tuple((ep.name, ep.value.split(":")[0].strip()) for ep in entry_points(group=GENRE_GROUP))


def schema_folders() -> list[SchemaFolder]:
    """Every schema folder, lowest priority first, each once.

    Cached per working directory and ``ANNOTATE_SCHEMAS`` (schemas are looked up per document):
    a new ``./schemas`` folder is seen from a new working directory or process.
    """
    return list(_schema_folders(os.getcwd(), os.environ.get("ANNOTATE_SCHEMAS", "")))


@lru_cache(maxsize=16)
def _schema_folders(cwd: str, env: str) -> tuple[SchemaFolder, ...]:
    out: list[SchemaFolder] = []
    seen: set[Path] = set()

    def add(folder: Path, package: str | None, origin: str) -> None:
        folder = folder.resolve()
        if folder in seen:
            return
        seen.add(folder)
        out.append(SchemaFolder(folder, package or private_package(folder), origin))

    add(builtin_schemas(), BUILTIN_PACKAGE if _folder_of_package(BUILTIN_PACKAGE) else None, "built-in")
    for name, package in _plugin_packages():
        folder = _folder_of_package(package)
        if folder is None:
            raise GenreSourceError(f"genre plug-in {name!r}: {package} is not an importable package of schema files")
        add(folder, package, f"plug-in {name}")
    local = Path(cwd) / "schemas"
    if _has_schema_files(local):
        add(local, None, "./schemas")
    for folder in _env_folders("ANNOTATE_SCHEMAS"):
        if not folder.is_dir():
            raise GenreSourceError(f"ANNOTATE_SCHEMAS: {folder} is not a folder")
        add(folder, None, "ANNOTATE_SCHEMAS")
    return tuple(out)


def prompt_folders() -> list[Path]:
    """Every folder prompts are read from, lowest priority first, each once (missing ones skipped).

    Cached like :func:`schema_folders`, per working directory and environment."""
    env = (os.environ.get("ANNOTATE_SCHEMAS", ""), os.environ.get("ANNOTATE_PROMPTS", ""))
    return list(_prompt_folders(os.getcwd(), *env))


@lru_cache(maxsize=16)
def _prompt_folders(cwd: str, schemas_env: str, prompts_env: str) -> tuple[Path, ...]:
    candidates: list[Path] = [builtin_prompts()]
    for source in schema_folders()[1:]:
        candidates += [source.folder / "prompts", source.folder.parent / "prompts", source.folder]
    candidates += [Path(cwd) / "prompts", *_env_folders("ANNOTATE_PROMPTS")]
    out: list[Path] = []
    for folder in candidates:
        folder = folder.resolve()
        if folder not in out and folder.is_dir() and any(folder.glob("*.toml")):
            out.append(folder)
    return tuple(out)
