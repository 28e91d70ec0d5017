"""A schema's chat request, built once: the one builder of what is sent to the model.

instructor's mode handler turns (response model, messages) into the request for tools / json /
json_schema / md_json. Doing that per call showed in profiles, so it runs once per schema and
prompt with a placeholder for the user message; each call then only fills the slot (and a re-ask
note) and sizes ``max_tokens`` from what is left of the context. The live call and a Batch API
submit both send bodies built here, so they carry the same cache and version keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from annotate.core.chunking import estimate_tokens
from annotate.extraction.llm_settings import LLMSettings, output_budget

_PLACEHOLDER = "\u0000ANNOTATE-USER-MESSAGE\u0000"


@dataclass
class PreparedRequest:
    """A schema's request, prepared once: messages with a slot for the user message."""

    kwargs: dict[str, Any]
    slot: int
    prefix: str
    suffix: str
    fixed_tokens: int
    """Estimated tokens of the request without the user message's variable part."""

    def request(self, user: str, settings: LLMSettings, note: str | None = None) -> dict[str, Any]:
        messages = list(self.kwargs["messages"])
        messages[self.slot] = {**messages[self.slot], "content": self.prefix + user + self.suffix}
        if note:
            messages.append({"role": "user", "content": note})
        body = {**self.kwargs, "messages": messages}
        budget = output_budget(settings, self.fixed_tokens + estimate_tokens(user) + estimate_tokens(note or ""))
        if budget:
            body["max_tokens"] = budget
        return body


def _request_tokens(kwargs: dict[str, Any]) -> int:
    text = json.dumps({k: v for k, v in kwargs.items() if k != "messages"}, ensure_ascii=False)
    text += "".join(str(m.get("content") or "") for m in kwargs["messages"]).replace(_PLACEHOLDER, "")
    return estimate_tokens(text)


def prepare_request(
    prepare: Callable[[type[BaseModel], dict[str, Any]], dict[str, Any]],
    settings: LLMSettings,
    model: type[BaseModel],
    system: str,
) -> PreparedRequest:
    """The request for ``model`` with ``system``, prepared by ``prepare`` (instructor's handler for the mode)."""
    kwargs: dict[str, Any] = {
        "model": settings.model,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": _PLACEHOLDER}],
        "temperature": settings.temperature,
    }
    if settings.max_tokens:
        kwargs["max_tokens"] = settings.max_tokens
    if settings.confidence == "logprobs":
        kwargs["logprobs"] = True
    new_kwargs = prepare(model, kwargs)
    messages = new_kwargs["messages"]
    slot = next(i for i, m in enumerate(messages) if _PLACEHOLDER in (m.get("content") or ""))
    prefix, suffix = messages[slot]["content"].split(_PLACEHOLDER, 1)
    return PreparedRequest(new_kwargs, slot, prefix, suffix, _request_tokens(new_kwargs))
