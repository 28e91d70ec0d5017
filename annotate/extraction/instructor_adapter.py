"""Everything the LLM client takes from instructor's and openai's insides, in one place.

Why not only the public path (``instructor.from_openai(client).chat.completions.create(...)``):
it rebuilds the request and runs openai's recursive body transform on every call — the largest
client-side CPU cost at concurrency 32 (``bench/bench_throughput.py``). The backend instead asks
instructor's mode handler *once per schema* for the request it would send, keeps the body as
plain JSON, and posts it with openai's public ``client.post``. The three things used from
non-public modules are wrapped here, and ``tests/extraction/test_instructor_adapter.py`` pins
them against the public path: the request prepared here is, byte for byte in its JSON, the body
that ``from_openai(...).create`` puts on the wire, for every mode; the hooks are instructor's
own ``Hooks`` (so a user's handlers see our events); and an abandoned client is quiet. An
instructor or openai upgrade that changes any of this fails that test, not a user's run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
from instructor import Mode
from instructor.core.hooks import Hooks
from instructor.v2.core.providers import Provider
from instructor.v2.core.registry import mode_registry
from pydantic import BaseModel

__all__ = ["Hooks", "abandon_client", "request_preparer"]

RequestPreparer = Callable[[type[BaseModel], dict[str, Any]], dict[str, Any]]


def request_preparer(mode: Mode) -> RequestPreparer:
    """``(response_model, kwargs) -> kwargs`` as instructor's OpenAI handler for ``mode`` makes them:
    tools / response_format added, or the JSON schema written into the system message."""
    handlers = mode_registry.get_handlers(Provider.OPENAI, mode)

    def prepare(response_model: type[BaseModel], kwargs: dict[str, Any]) -> dict[str, Any]:
        _, prepared = handlers.request_handler(response_model=response_model, kwargs=kwargs)
        return prepared

    return prepare


def abandon_client(client: openai.AsyncOpenAI) -> None:
    """Forget a client whose event loop has ended (a new ``asyncio.run``).

    Its connections belong to the closed loop and cannot be closed from the new one; marking the
    httpx client closed stops openai's ``__del__`` from scheduling an ``aclose`` that would fail
    noisily. The sockets are released when the objects are collected.
    """
    try:
        inner = client._client
        inner._state = type(inner._state).CLOSED
    except AttributeError:  # the pinning test fails first when openai changes this
        pass
