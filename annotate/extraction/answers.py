"""Read one model answer into a record, its groundings, and the faults a re-ask could fix.

Reading never raises for what a model does wrong; it describes it, because what to do next (keep,
re-ask, give up) is the caller's decision and every case must end in a record or a reason:

* blank strings are missing values, not faults (``core.evidence.drop_empty``);
* the genre's own clean-up runs as the schema's validators (a shortcoming sentence split into
  its areas), so near-misses become right answers before anything is judged;
* an answer cut off at ``max_tokens`` keeps its complete part (``core.salvage.parse_partial``) and
  is not re-asked: the same request would run out of room again; trailing commas are forgiven,
  and JSON that breaks mid-way keeps what came before the break, like a cut-off answer;
* list items with a wrong type are dropped, each with a note, and named as faults;
* values the text does not contain are kept, flagged ``unaligned``, and named as faults;
* a value that lands on the very span another item's value of the same field already took is a
  copy of its neighbour's (a small model fills a unit it invented with the next unit's clauses):
  kept, named as a fault, and scored confidence 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from annotate.core.evidence import drop_empty, pattern_of
from annotate.core.grounding import ground_record
from annotate.core.salvage import parse_partial, prune_invalid, without_trailing_commas
from annotate.core.token_confidence import find_json
from annotate.core.types import Grounding

FAULT_KINDS = ("ungrounded", "copied", "invalid", "not_json", "empty")
_LABELS = {"ungrounded": "ungrounded", "copied": "copied", "invalid": "schema"}


@dataclass(frozen=True)
class Fault:
    """Something a re-ask should fix: where (a record path, ``$`` for the whole answer) and what."""

    path: str
    kind: str
    value: str = ""
    detail: str = ""


@dataclass
class Answer:
    """One answer, read. ``record`` is None when nothing usable came back."""

    record: dict[str, Any] | None
    groundings: list[Grounding] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    truncated: bool = False
    text: str = ""
    tokens: list[tuple[bytes, float]] = field(default_factory=list)

    @property
    def signature(self) -> frozenset[tuple[str, str, str]]:
        """What identifies the faults: an answer with the same signature as the last repeats it."""
        return frozenset((f.path, f.kind, f.value) for f in self.faults)

    @property
    def reaskable(self) -> bool:
        return bool(self.faults) and not self.truncated

    @property
    def copied(self) -> set[str]:
        return {f.path for f in self.faults if f.kind == "copied"}

    @property
    def support(self) -> int:
        """How much of the answer the text backs: values found verbatim (not copies) less its faults.

        Used to keep the best of several answers. Fewest faults alone favours an answer that says
        little (measured on 001_dongcheng: 2 faults but 15 values, F1 0.11, against 6 faults,
        16 values, F1 0.26 for the first answer).
        """
        copied = self.copied
        return sum(1 for g in self.groundings if g.aligned and g.path not in copied) - len(self.faults)

    @property
    def usable(self) -> bool:
        """A record to keep: parsed, and with at least one value unless it may be empty."""
        return self.record is not None and not any(f.kind == "empty" for f in self.faults)

    def summary(self) -> str:
        """One line for the call log and failure reasons, led by the kind of fault."""
        if not self.faults:
            return ""
        kinds: dict[str, list[Fault]] = {}
        for f in self.faults:
            kinds.setdefault(f.kind, []).append(f)
        parts = []
        for kind, items in kinds.items():
            if kind in ("not_json", "empty"):
                parts.append(items[0].detail)
                continue
            shown = "; ".join(f"{f.path}={f.value!r}" if kind == "ungrounded" else f"{f.path}: {f.detail}"
                              for f in items[:6])  # fmt: skip
            more = f" (+{len(items) - 6} more)" if len(items) > 6 else ""
            what = {"ungrounded": "value(s) not verbatim in the text", "copied": "value(s) copied from another item",
                    "invalid": "invalid piece(s)"}[kind]  # fmt: skip
            parts.append(f"{_LABELS[kind]}: {len(items)} {what}: {shown}{more}")
        prefix = "truncated at max_tokens; " if self.truncated else ""
        return prefix + " | ".join(parts)


def answer_text(response: Any) -> str:
    """The answer as the model wrote it: a tool call's arguments, else the message content."""
    message = response.choices[0].message
    calls = getattr(message, "tool_calls", None) or []
    if calls and calls[0].function.arguments:
        return calls[0].function.arguments
    return message.content or ""


def answer_tokens(response: Any) -> list[tuple[bytes, float]]:
    """``(bytes, logprob)`` per generated token, when the endpoint returned logprobs (else [])."""
    kept = getattr(response, "annotate_tokens", None)  # read_completion took them out already
    if kept is not None:
        return list(kept)
    logprobs = getattr(response.choices[0], "logprobs", None)
    content = getattr(logprobs, "content", None) or []
    out = []
    for t in content:
        raw = bytes(t.bytes) if t.bytes is not None else t.token.encode("utf-8")
        out.append((raw, float(t.logprob)))
    return out


def _load(text: str, notes: list[str]) -> Any:
    """The JSON object in an answer; trailing commas forgiven, and past a syntax error the part before it."""
    body = text[find_json(text) :]
    try:
        return json.JSONDecoder().raw_decode(body)[0]
    except ValueError:
        pass
    repaired = without_trailing_commas(body)
    try:
        value = json.JSONDecoder().raw_decode(repaired)[0]
        notes.append("the answer's JSON had trailing commas; read without them")
        return value
    except json.JSONDecodeError as exc:
        value = parse_partial(repaired[: exc.pos]) if exc.pos > 1 else None
        if not isinstance(value, dict) or not value:
            raise
        notes.append(f"the answer's JSON broke at character {exc.pos} ({exc.msg}); kept what came before")
        return value


def _cut(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def validate(model: type[BaseModel], data: Any) -> tuple[BaseModel | None, list[str], list[Fault]]:
    """Validate (blank values dropped, failing list items pruned): the model, notes, faults."""
    data = drop_empty(model, data) if isinstance(data, dict) else data
    try:
        validated, dropped = prune_invalid(model, data)
    except (ValidationError, ValueError, TypeError) as exc:
        detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        return None, [], [Fault("$", "invalid", detail=_cut(detail, 200))]
    notes = [f"dropped {path}: {reason}" for path, reason in dropped]
    return validated, notes, [Fault(path, "invalid", detail=reason) for path, reason in dropped]


Clean = Callable[[dict[str, Any], str], dict[str, Any]]


def _cleaned(
    model: type[BaseModel], record: dict[str, Any], text: str, clean: Clean, notes: list[str]
) -> dict[str, Any]:
    """The genre's text-aware clean-up; a clean-up that fails keeps the record as it was, with a note."""
    try:
        return model.model_validate(clean(json.loads(json.dumps(record)), text)).model_dump(mode="json")
    except Exception as exc:  # a schema file's own code: never let it lose the answer
        notes.append(f"the schema's clean-up failed and was skipped: {type(exc).__name__}: {_cut(str(exc), 120)}")
        return record


def _copies(groundings: list[Grounding]) -> list[Fault]:
    """Values of one field placed on a span another item's value of that field already holds."""
    taken: dict[tuple[str, int | None, int | None], str] = {}
    out = []
    for g in groundings:
        if not g.aligned:
            continue
        key = (pattern_of(g.path), g.start, g.end)
        if key in taken:
            out.append(Fault(g.path, "copied", _cut(g.value), detail=f"the same text as {taken[key]}"))
        else:
            taken[key] = g.path
    return out


def read_answer(
    response: Any, model: type[BaseModel], text: str | None, *, require_values: bool, clean: Clean | None = None
) -> Answer:
    """Read ``response`` as a ``model`` record grounded in ``text`` (no grounding when ``text`` is None).

    ``clean`` is the schema file's ``clean(record, text)``, run before grounding.
    """
    raw = answer_text(response)
    tokens = answer_tokens(response)
    truncated = getattr(response.choices[0], "finish_reason", None) == "length"
    read_notes: list[str] = []
    try:
        data = parse_partial(raw) if truncated else _load(raw, read_notes)
    except ValueError as exc:
        what = "truncated at max_tokens before any JSON" if truncated else f"not JSON: {_cut(str(exc), 120)}"
        return Answer(None, faults=[Fault("$", "not_json", detail=what)], truncated=truncated, text=raw, tokens=tokens)
    broken = any("broke at character" in n for n in read_notes)
    validated, notes, faults = validate(model, data)
    notes = read_notes + notes
    if truncated:
        notes = ["the answer hit max_tokens; kept its complete part", *notes]
    truncated = truncated or broken  # a re-ask would break the same way: keep what there is
    if validated is None:
        return Answer(None, faults=faults, notes=notes, truncated=truncated, text=raw, tokens=tokens)
    record = validated.model_dump(mode="json")
    if clean is not None and text is not None:
        record = _cleaned(model, record, text, clean, notes)
    groundings = ground_record(text, model, record) if text is not None else []
    faults += [Fault(g.path, "ungrounded", _cut(g.value)) for g in groundings if not g.aligned]
    faults += _copies(groundings)
    if require_values and text is not None and not groundings:
        faults.append(Fault("$", "empty", detail="empty: no value was extracted"))
    return Answer(record, groundings, faults, notes, truncated, raw, tokens)
