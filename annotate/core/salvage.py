"""Keep what is usable of an answer a small model got partly wrong, and say what was dropped.

Two failures are common with small models and are not worth a re-ask that costs minutes on a CPU:

* the answer hit ``max_tokens`` (the model looped, or the chunk was too dense): the JSON stops
  mid-way. Everything before the cut is still a record; ``parse_partial`` reads it.
* one list item has a wrong type (``"seq": "三"``) while fifty others are right.

``prune_invalid`` drops the list items whose validation fails — found from the error locations,
so the rest of the record survives — and unsets optional fields with a wrong type. Every drop is
returned as a note, so that nothing disappears silently: the notes travel with the prediction.
"""

from __future__ import annotations

import copy
from typing import Any

import jiter
from pydantic import BaseModel, ValidationError

from annotate.core.token_confidence import find_json

_MAX_ROUNDS = 200


def without_trailing_commas(text: str) -> str:
    """``text`` without the commas that stand right before a ``}`` or ``]`` (outside strings).

    The JSON error small models make most (seen on seed 003 in md_json mode: ``"answer": "…",\n    },``).
    """
    out: list[str] = []
    in_string = escaped = False
    pending = ""  # a comma (and the whitespace after it) not yet known to be trailing
    for ch in text:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if pending:
            if ch in " \t\r\n":
                pending += ch
                continue
            if ch in "}]":
                out.append(pending[1:])  # drop the comma, keep the layout
            else:
                out.append(pending)
            pending = ""
        if ch == ",":
            pending = ch
            continue
        out.append(ch)
        if ch == '"':
            in_string = True
    out.append(pending)
    return "".join(out)


def parse_partial(answer: str) -> Any:
    """The JSON value at the start of a truncated answer (an incomplete last string is dropped)."""
    start = find_json(answer)
    return jiter.from_json(answer[start:].encode("utf-8"), partial_mode="on")


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def prune_invalid(model: type[BaseModel], data: Any) -> tuple[BaseModel, list[tuple[str, str]]]:
    """Validate ``data``, dropping the smallest failing pieces until it validates.

    Returns the validated model and ``(path, reason)`` per drop. Raises the last ``ValidationError`` when
    the record cannot be saved this way (a required top-level field is missing or wrong).
    """
    try:  # the usual case, and the copy below is most of this function's cost
        return model.model_validate(data), []
    except ValidationError:
        if not isinstance(data, dict):
            raise
    data = copy.deepcopy(data)
    dropped: list[tuple[str, str]] = []
    for _ in range(_MAX_ROUNDS):
        try:
            return model.model_validate(data), dropped
        except ValidationError as exc:
            if not isinstance(data, dict):
                raise
            error = exc.errors()[0]
            loc = tuple(error["loc"])
            if not _drop(data, loc):
                raise
            dropped.append((_dotted(_cut(loc)), error["msg"]))
    raise ValueError("the answer could not be pruned to a valid record")  # pragma: no cover - defensive


def _cut(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The piece to drop for an error at ``loc``: the innermost list item, else the top-level field."""
    last_index = max((i for i, part in enumerate(loc) if isinstance(part, int)), default=None)
    return loc[: last_index + 1] if last_index is not None else loc[:1]


def _drop(data: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    target = _cut(loc)
    node: Any = data
    for part in target[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = target[-1]
    if isinstance(last, int) and isinstance(node, list) and 0 <= last < len(node):
        del node[last]
        return True
    if isinstance(last, str) and isinstance(node, dict) and last in node and node[last] is not None:
        node[last] = None  # an optional field falls back to null; a required one fails again
        return True
    if isinstance(last, str) and isinstance(node, dict) and last in node:
        del node[last]  # null where a default list/object is expected: use the default
        return True
    return False
