"""Pins what the LLM client takes from instructor's and openai's non-public modules
(``annotate.extraction.instructor_adapter``) against their public path, so an upgrade that
changes it fails here rather than in a user's run.

The public path is ``instructor.from_openai(client, mode=...).chat.completions.create(...)``; its
request is caught on the wire by ``httpx.MockTransport`` (no socket needed to see a body).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import instructor
import openai
import pytest

from annotate.extraction.instructor_adapter import Hooks, abandon_client, request_preparer
from annotate.extraction.llm_settings import MODES
from annotate.schema_registry import get_schema

ANSWER = {"title": "示例"}


def _reply(mode: str, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if mode == "tools":
        name = body["tools"][0]["function"]["name"]
        message["tool_calls"] = [{"id": "c1", "type": "function",
                                  "function": {"name": name, "arguments": json.dumps(answer)}}]  # fmt: skip
    elif mode == "md_json":
        message["content"] = "```json\n" + json.dumps(answer, ensure_ascii=False) + "\n```"
    else:
        message["content"] = json.dumps(answer, ensure_ascii=False)
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}  # fmt: skip


def _client(handler: Any) -> openai.AsyncOpenAI:
    transport = httpx.MockTransport(handler)
    return openai.AsyncOpenAI(api_key="k", base_url="http://llm.test/v1", max_retries=0,
                              http_client=httpx.AsyncClient(transport=transport))  # fmt: skip


@pytest.mark.parametrize("logprobs", [False, True], ids=["plain", "logprobs"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_the_prepared_request_is_what_instructor_public_path_sends(mode: str, logprobs: bool) -> None:
    model = get_schema("public_report").model  # a real genre: nested models, lists, Literal, Derived
    kwargs: dict[str, Any] = {
        "model": "m",
        "messages": [{"role": "system", "content": "抽取记录。"}, {"role": "user", "content": "<document>\n正文\n</document>"}],
        "temperature": 0.0,
        "max_tokens": 512,
    }
    if logprobs:
        kwargs["logprobs"] = True
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        return httpx.Response(200, json=_reply(mode, body, ANSWER))

    async def public() -> Any:
        client = instructor.from_openai(_client(handler), mode=MODES[mode])
        return await client.chat.completions.create(response_model=model, max_retries=0, **json.loads(json.dumps(kwargs)))

    record = asyncio.run(public())
    ours = request_preparer(MODES[mode])(model, json.loads(json.dumps(kwargs)))
    assert len(sent) == 1
    assert json.dumps(ours, sort_keys=True, ensure_ascii=False) == json.dumps(sent[0], sort_keys=True, ensure_ascii=False)
    assert record.title == "示例"


def test_the_hooks_are_instructor_own_so_user_handlers_see_our_events() -> None:
    from instructor.core.hooks import Hooks as PublicHooks

    assert Hooks is PublicHooks
    seen: list[dict[str, Any]] = []
    hooks = Hooks()
    hooks.on("completion:kwargs", lambda **kw: seen.append(kw))
    hooks.emit_completion_arguments(model="m", messages=[])
    assert seen == [{"model": "m", "messages": []}]


def test_an_abandoned_client_counts_as_closed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_reply("json", {}, ANSWER))

    client = _client(handler)

    async def one_call() -> None:
        await client.post("/chat/completions", body={"model": "m", "messages": []}, cast_to=bytes)

    asyncio.run(one_call())  # its loop is gone now, with a pooled connection of that loop
    assert not client.is_closed()
    abandon_client(client)
    assert client.is_closed()  # openai's __del__ will not schedule an aclose on a dead loop
