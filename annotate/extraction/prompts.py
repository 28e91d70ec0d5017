"""Versioned prompt templates, kept as files in ``prompts/`` so that wording changes are reviewed as data.

A prompt file is TOML with ``id`` (e.g. ``meeting_review.v1``), ``schema``, ``system`` and ``user``
(Jinja2 templates), and optionally ``reask``: the note sent when an answer had faults, rendered
with ``faults`` (each has ``path``, ``kind`` — ungrounded / copied / invalid / not_json / empty —, ``value``
and ``detail``). A re-ask repeats the first request and adds this note; it never carries the
conversation so far, so it fits wherever the first request fit. ``system_variant`` is a second,
differently worded system part, asked for the same chunk when confidence is measured by the
agreement of two extractions (``ANNOTATE_CONFIDENCE=agreement``, for endpoints without logprobs). The fixed part (instructions, examples) is the system message and the document
comes last, wrapped in ``<document>`` markers: providers cache a shared prefix, and the project's
test server finds the document text between the markers to look up reference responses.

The prompt's content hash is the hash of the whole file, so any edit — even a comment — yields a
new version key and therefore a cache miss; that is deliberate (nothing stale is ever served).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from annotate.core.versioning import content_hash
from annotate.genre_sources import prompt_folders

DOC_OPEN = "<document>\n"
DOC_CLOSE = "\n</document>"
"""The exact markers around the document in the user message (the test server splits on them)."""

DEFAULT_REASK = """Your previous answer had these problems:
{% for f in faults %}- {{ f.path }}{% if f.value %} = "{{ f.value }}"{% endif %}: {% if f.kind == "ungrounded" %}not found verbatim in the document{% elif f.kind == "copied" %}{{ f.detail }}, it does not belong here{% elif f.kind == "empty" %}nothing was extracted{% else %}{{ f.detail }}{% endif %}
{% endfor %}Read the text between <document> markers again and answer again in full, copying every value exactly as written; leave out what the document does not say."""

_ENV = jinja2.Environment(
    autoescape=False,
    keep_trailing_newline=False,
    undefined=jinja2.StrictUndefined,
)


class PromptError(Exception):
    """A missing or malformed prompt file (the message names the file)."""


@dataclass(frozen=True)
class Prompt:
    """One loaded prompt. ``hash`` covers the whole file, so it changes with any edit."""

    id: str
    schema: str
    system_template: str
    user_template: str
    hash: str
    path: Path
    description: str = ""
    reask_template: str = DEFAULT_REASK
    variant_template: str | None = None
    _compiled: dict[str, jinja2.Template] = field(default_factory=dict, compare=False, repr=False)

    def _template(self, which: str) -> jinja2.Template:
        tpl = self._compiled.get(which)
        if tpl is None:
            source = {"system": self.system_template, "user": self.user_template, "reask": self.reask_template,
                      "variant": self.variant_template or ""}[which]  # fmt: skip
            tpl = _ENV.from_string(source)
            self._compiled[which] = tpl
        return tpl

    def system(self, **variables: Any) -> str:
        """The fixed part; rendered once per backend and schema, not per call."""
        return self._template("system").render(**variables)

    def variant(self, **variables: Any) -> str:
        """The differently worded system part for agreement confidence."""
        if self.variant_template is None:
            raise PromptError(f"{self.path}: confidence by agreement needs a system_variant in this prompt file")
        return self._template("variant").render(**variables)

    def user(self, text: str, **variables: Any) -> str:
        """The document part. Jinja never re-evaluates variable values, so ``{{`` in a document is safe."""
        return self._template("user").render(text=text, **variables)

    def reask(self, faults: Any) -> str:
        """The note that names an answer's faults (see the module docstring)."""
        return self._template("reask").render(faults=faults).strip()

    def messages(self, text: str, **variables: Any) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system(**variables)},
            {"role": "user", "content": self.user(text, **variables)},
        ]


def load_prompt_file(path: Path) -> Prompt:
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PromptError(f"{path}: not a valid TOML prompt ({exc})") from exc
    missing = [k for k in ("id", "system", "user") if not isinstance(data.get(k), str)]
    if missing:
        raise PromptError(f"{path}: prompt file lacks {', '.join(missing)}")
    if "<document>" not in data["user"]:
        raise PromptError(f"{path}: the user template must wrap the document in <document> markers")
    reask = data.get("reask")
    if reask is not None and not isinstance(reask, str):
        raise PromptError(f"{path}: reask must be a string template")
    return Prompt(
        id=data["id"],
        schema=data.get("schema", path.stem),
        system_template=data["system"],
        user_template=data["user"],
        # The default note is part of what the prompt sends, so it is part of the hash too.
        hash=content_hash(raw if reask is not None else raw + DEFAULT_REASK.encode(), 12),
        path=path,
        description=data.get("description", ""),
        reask_template=reask if reask is not None else DEFAULT_REASK,
        variant_template=data.get("system_variant") if isinstance(data.get("system_variant"), str) else None,
    )


@lru_cache(maxsize=8)
def _load(folders: tuple[Path, ...]) -> dict[str, Prompt]:
    out: dict[str, Prompt] = {}
    for folder in folders:
        if not folder.is_dir():
            raise PromptError(f"{folder}: prompts folder not found")
        for file in sorted(folder.glob("*.toml")):
            prompt = load_prompt_file(file)
            out[prompt.schema] = prompt  # a later folder overrides a genre's prompt
    return out


def load_prompts(folder: Path | None = None) -> dict[str, Prompt]:
    """Prompts keyed by the schema they serve (``router`` for the router): from one folder, or
    layered from every genre source (:func:`annotate.genre_sources.prompt_folders`)."""
    return _load((folder.resolve(),) if folder is not None else tuple(prompt_folders()))


load_prompts.cache_clear = _load.cache_clear  # type: ignore[attr-defined]


def get_prompt(schema: str, folder: Path | None = None) -> Prompt:
    prompts = load_prompts(folder)
    if schema not in prompts:
        where = str(folder) if folder is not None else ", ".join(str(f) for f in prompt_folders())
        raise PromptError(f"no prompt for schema {schema!r} in {where} (have: {', '.join(sorted(prompts))})")
    return prompts[schema]


def document_of(user_message: str) -> str | None:
    """The document text inside a rendered user message (what the test server hashes), or None."""
    start = user_message.find(DOC_OPEN)
    end = user_message.rfind(DOC_CLOSE)
    if start < 0 or end < start + len(DOC_OPEN):
        return None
    return user_message[start + len(DOC_OPEN) : end]
