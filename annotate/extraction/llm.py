"""The LLM extraction backend: openai + instructor against any OpenAI-compatible endpoint.

Configuration comes from ``OPENAI_BASE_URL``, ``OPENAI_API_KEY`` and ``ANNOTATE_MODEL`` (plus
``ANNOTATE_LLM_MODE``, ``ANNOTATE_CHUNK_CHARS``, ``ANNOTATE_LLM_TIMEOUT``), or from ``LLMSettings``.

Why the attempt loop is ours and not ``client.chat.completions.create(response_model=...)``:
instructor's default path spends ~4 ms of CPU per call (request preparation, a deep copy of the
messages, tenacity, templating) and hides openai's own HTTP retries, so failed attempts could not be
logged one by one. We use instructor for what is mode-specific — its registry handlers prepare the
request for the chosen mode (tools / json / json_schema / md_json), parse and validate the answer,
and build the re-ask messages — and we emit instructor's hooks (``completion:kwargs``,
``completion:response``, ``completion:error``, ``parse:error``) for every attempt. The request for
a schema is prepared once (the document goes into a placeholder), one ``AsyncOpenAI`` client serves
every call of the backend, and a response is validated once.

Retries: validation failures and quotes that are not in the chunk are re-asked up to
``max_retries`` times; HTTP 408/409/429/5xx, timeouts and dropped connections are retried (up to
``http_retries``) with backoff honouring ``Retry-After``/``retry-after-ms``; an endpoint nobody
listens on (connection refused) or a rejected key (401/403) raises ``EndpointUnavailable`` at once
— one clear message, no retry loop — so a batch can stop instead of failing every document.

The model returns verbatim strings; offsets are computed here with ``ground_record`` on the text of
the chunk the model saw, then shifted to the whole document.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import os
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import openai
from instructor import Mode
from instructor.v2.core.errors import IncompleteOutputException
from instructor.v2.core.hooks import Hooks
from instructor.v2.core.providers import Provider
from instructor.v2.core.registry import mode_registry
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from annotate.core.chunking import DEFAULT_CHUNK_CHARS, DEFAULT_OVERLAP_CHARS, Chunk, split_text
from annotate.core.grounding import confidence, ground_record
from annotate.core.merge import merge_records
from annotate.core.types import Document, Extraction, ExtractionFailure, Grounding
from annotate.core.versioning import version_key
from annotate.extraction.base import ExtractContext, ExtractStats, LLMCall
from annotate.extraction.prompts import Prompt, get_prompt
from annotate.schema_registry import SchemaSpec

MODES: dict[str, Mode] = {
    "tools": Mode.TOOLS,
    "json": Mode.JSON,
    "json_schema": Mode.JSON_SCHEMA,
    "md_json": Mode.MD_JSON,
}
DEFAULT_MODEL = "gpt-4o-mini"
_PLACEHOLDER = "\u0000ANNOTATE-USER-MESSAGE\u0000"
_RETRY_STATUS = {408, 409, 429}
_MAX_RETRY_AFTER = 60.0
_NO_LIMIT = contextlib.nullcontext()


async def _post_chat(client: openai.AsyncOpenAI, body: dict[str, Any]) -> ChatCompletion:
    """``chat.completions.create`` without the SDK's per-call transform of the request body.

    The body is plain JSON already (instructor prepared it once per schema); the SDK's recursive
    TypedDict transform walked the whole tool JSON schema and every message on each call, the
    largest client-side CPU cost at concurrency 32 (see bench/bench_throughput.py). Same endpoint,
    same response type, same SDK retries, errors and timeouts.
    """
    return await client.post("/chat/completions", body=body, cast_to=ChatCompletion)


class EndpointUnavailable(ExtractionFailure):
    """The endpoint cannot be used at all (unreachable, bad key): stop, don't retry every document."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, stage="endpoint")


class _Reask(Exception):
    """A parsed answer the tool rejects (quotes not in the text, nothing extracted): re-ask."""

    def __init__(self, reason: str, record: dict[str, Any] | None = None, groundings: list[Grounding] | None = None):
        super().__init__(reason)
        self.record = record
        self.groundings = groundings


@dataclass(frozen=True)
class LLMSettings:
    """Everything that shapes a call. ``api_key`` and ``base_url`` never enter logs or version keys."""

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str = "tools"
    temperature: float = 0.0
    max_tokens: int | None = None
    max_retries: int = 2
    http_retries: int = 4
    timeout: float = 120.0
    chunk_chars: int = DEFAULT_CHUNK_CHARS
    overlap_chars: int = DEFAULT_OVERLAP_CHARS
    concurrency: int = 64
    backoff: float = 0.5
    """First retry delay in seconds when the server gives no Retry-After (doubles, capped at 8 s)."""

    @classmethod
    def from_env(cls, **overrides: Any) -> LLMSettings:
        env = os.environ
        values: dict[str, Any] = {
            "model": env.get("ANNOTATE_MODEL") or DEFAULT_MODEL,
            "base_url": env.get("OPENAI_BASE_URL") or None,
            "api_key": env.get("OPENAI_API_KEY") or None,
            "mode": env.get("ANNOTATE_LLM_MODE") or "tools",
        }
        if env.get("ANNOTATE_CHUNK_CHARS"):
            values["chunk_chars"] = int(env["ANNOTATE_CHUNK_CHARS"])
        if env.get("ANNOTATE_LLM_TIMEOUT"):
            values["timeout"] = float(env["ANNOTATE_LLM_TIMEOUT"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if settings.mode not in MODES:
            raise ValueError(f"unknown instructor mode {settings.mode!r}; choose one of {', '.join(MODES)}")
        return settings

    def generation(self) -> dict[str, Any]:
        """The settings that belong in the version key (what changes a prediction)."""
        return {
            "mode": self.mode,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "chunk_chars": self.chunk_chars,
            "overlap_chars": self.overlap_chars,
        }


@dataclass
class _Prepared:
    """A schema's request, prepared once: messages with a slot for the user message."""

    parse_model: Any
    kwargs: dict[str, Any]
    slot: int
    prefix: str
    suffix: str
    handlers: Any

    def request(self, user: str) -> dict[str, Any]:
        messages = list(self.kwargs["messages"])
        messages[self.slot] = {**messages[self.slot], "content": self.prefix + user + self.suffix}
        kwargs = dict(self.kwargs)
        kwargs["messages"] = messages
        return kwargs


@dataclass
class _Attempt:
    """The attempt in flight in this task; the hook handlers fill it and write it to the call log."""

    ctx: ExtractContext
    stats: ExtractStats
    doc_id: str
    chunk: int
    version_key: str
    mode: str
    number: int = 0
    call: LLMCall | None = None
    started: float = 0.0


_CURRENT: contextvars.ContextVar[_Attempt | None] = contextvars.ContextVar("annotate_llm_attempt", default=None)


def _loggable_request(kwargs: dict[str, Any], mode: str) -> dict[str, Any]:
    """The request body without secrets (there are none in the body) and without the bulky schema."""
    out = {k: v for k, v in kwargs.items() if k not in ("tools", "response_format", "messages")}
    out["messages"] = list(kwargs.get("messages", []))
    out["mode"] = mode
    tools = kwargs.get("tools")
    if tools:
        out["tool"] = tools[0].get("function", {}).get("name")
    if kwargs.get("response_format"):
        out["response_format"] = kwargs["response_format"].get("type")
    return out


def _loggable_response(response: Any) -> dict[str, Any]:
    choice = response.choices[0] if getattr(response, "choices", None) else None
    message = choice.message if choice is not None else None
    tool_calls = getattr(message, "tool_calls", None) or []
    usage = getattr(response, "usage", None)
    return {
        "id": getattr(response, "id", None),
        "model": getattr(response, "model", None),
        "finish_reason": getattr(choice, "finish_reason", None),
        "content": getattr(message, "content", None),
        "tool_arguments": [tc.function.arguments for tc in tool_calls] or None,
        "usage": {
            "prompt_tokens": getattr(usage, "prompt_tokens", 0) or 0,
            "completion_tokens": getattr(usage, "completion_tokens", 0) or 0,
        },
    }


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw) * scale
        except ValueError:
            continue
        if 0 <= value <= _MAX_RETRY_AFTER:
            return value
    return None


def _note(exc: BaseException, reason: str) -> None:
    """Attach the one-line reason the ``completion:error``/``parse:error`` handler logs."""
    try:
        exc.annotate_reason = reason  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - exception types without a __dict__
        pass


def _backoff(n: int, base: float = 0.5) -> float:
    return min(base * 2**n, 8.0) * (1 - 0.25 * random.random())


# ------------------------------------------------------------------ hook handlers (instructor events)


def _on_kwargs(**kwargs: Any) -> None:
    attempt = _CURRENT.get()
    if attempt is None:
        return
    attempt.number += 1
    attempt.started = time.perf_counter()
    attempt.call = LLMCall(
        doc_id=attempt.doc_id,
        chunk=attempt.chunk,
        version_key=attempt.version_key,
        attempt=attempt.number,
        request=_loggable_request(kwargs, attempt.mode),
        run_id=attempt.ctx.run_id,
    )


def _finish(attempt: _Attempt) -> None:
    call = attempt.call
    if call is None:
        return
    call.latency_ms = round((time.perf_counter() - attempt.started) * 1000, 2)
    attempt.ctx.log.record_call(call)
    attempt.call = None


def _on_response(response: Any) -> None:
    attempt = _CURRENT.get()
    if attempt is None or attempt.call is None:
        return
    logged = _loggable_response(response)
    call = attempt.call
    call.response = logged
    call.prompt_tokens = logged["usage"]["prompt_tokens"]
    call.completion_tokens = logged["usage"]["completion_tokens"]
    attempt.stats.prompt_tokens += call.prompt_tokens
    attempt.stats.completion_tokens += call.completion_tokens


def _on_error(error: Exception, **_: Any) -> None:
    """``completion:error`` (no answer) and ``parse:error`` (an answer we reject) both close the attempt."""
    attempt = _CURRENT.get()
    if attempt is None or attempt.call is None:
        return
    attempt.call.error = getattr(error, "annotate_reason", None) or f"{type(error).__name__}: {_short(error)}"
    _finish(attempt)


def _on_ok(attempt: _Attempt) -> None:
    _finish(attempt)


class LLMBackend:
    """Extract records with an LLM. One client per backend (and event loop), prepared requests per schema."""

    name = "llm"

    def __init__(self, settings: LLMSettings | None = None, *, prompts: Path | None = None, **overrides: Any) -> None:
        self.settings = replace(settings, **overrides) if settings else LLMSettings.from_env(**overrides)
        if self.settings.mode not in MODES:
            raise ValueError(f"unknown instructor mode {self.settings.mode!r}; choose one of {', '.join(MODES)}")
        self.mode = MODES[self.settings.mode]
        self.prompts_folder = prompts
        self.hooks = Hooks()
        self.hooks.on("completion:kwargs", _on_kwargs)
        self.hooks.on("completion:response", _on_response)
        self.hooks.on("completion:error", _on_error)
        self.hooks.on("parse:error", _on_error)
        self._handlers = mode_registry.get_handlers(Provider.OPENAI, self.mode)
        self._prepared: dict[tuple[str, str], _Prepared] = {}
        self._vkeys: dict[str, tuple[type[BaseModel], str]] = {}
        self._client: openai.AsyncOpenAI | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sem: asyncio.Semaphore | None = None

    # -------------------------------------------------------------- identity

    def prompt(self, schema: SchemaSpec | str) -> Prompt:
        return get_prompt(schema if isinstance(schema, str) else schema.name, self.prompts_folder)

    def version_key(self, schema: SchemaSpec) -> str:
        """Computed once per schema: the schema hash means generating its JSON schema (~ms)."""
        cached = self._vkeys.get(schema.name)
        if cached is not None and cached[0] is schema.model:
            return cached[1]
        prompt = self.prompt(schema)
        key = version_key(
            schema=schema.name,
            schema_hash=schema.hash,
            producer=prompt.id,
            producer_hash=prompt.hash,
            model=self.settings.model,
            settings=self.settings.generation(),
        )
        self._vkeys[schema.name] = (schema.model, key)
        return key

    def describe(self) -> str:
        """One line for humans (no secrets)."""
        where = self.settings.base_url or "https://api.openai.com/v1"
        return f"LLM backend: model {self.settings.model} at {where}, mode {self.settings.mode}"

    # -------------------------------------------------------------- plumbing

    def client(self) -> openai.AsyncOpenAI:
        """The one AsyncOpenAI client of this backend in the running event loop.

        openai's own retries are off (``max_retries=0``): ours log every attempt.
        """
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            if self._client is not None:
                _abandon(self._client)
            s = self.settings
            self._client = openai.AsyncOpenAI(
                base_url=s.base_url,
                api_key=s.api_key or "no-key",
                max_retries=0,
                timeout=openai.Timeout(s.timeout, connect=min(5.0, s.timeout)),
            )
            self._loop = loop
            self._sem = asyncio.Semaphore(s.concurrency) if s.concurrency > 0 else None
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def __del__(self) -> None:
        client = getattr(self, "_client", None)
        loop = getattr(self, "_loop", None)
        if client is not None and (loop is None or loop.is_closed()):
            _abandon(client)

    def prepared(self, key: str, model: type[BaseModel], system: str) -> _Prepared:
        """The request for a response model, prepared by instructor's handler for the mode, once."""
        cached = self._prepared.get((key, system))
        if cached is not None:
            return cached
        kwargs: dict[str, Any] = {
            "model": self.settings.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": _PLACEHOLDER}],
            "temperature": self.settings.temperature,
        }
        if self.settings.max_tokens:
            kwargs["max_tokens"] = self.settings.max_tokens
        parse_model, new_kwargs = self._handlers.request_handler(response_model=model, kwargs=kwargs)
        messages = new_kwargs["messages"]
        slot = next(i for i, m in enumerate(messages) if _PLACEHOLDER in (m.get("content") or ""))
        prefix, suffix = messages[slot]["content"].split(_PLACEHOLDER, 1)
        prepared = _Prepared(parse_model, new_kwargs, slot, prefix, suffix, self._handlers)
        self._prepared[(key, system)] = prepared
        return prepared

    # -------------------------------------------------------------- one structured call with retries

    async def _send(
        self, client: openai.AsyncOpenAI, body: dict[str, Any], slots: asyncio.Semaphore | None
    ) -> ChatCompletion:
        """One HTTP request, holding a slot of the run's (``slots``) and of this backend's limit.

        Slots are held for the request only — not during a retry's back-off nor while the answer
        is validated — so that the limit counts requests in flight, which is what endpoints
        rate-limit and what keeps the pipe full.
        """
        async with slots or _NO_LIMIT, self._sem or _NO_LIMIT:
            return await _post_chat(client, body)

    async def call(
        self,
        prepared: _Prepared,
        user: str,
        attempt: _Attempt,
        check: Any = None,
    ) -> tuple[BaseModel, Any]:
        """One chunk: HTTP retries, validation re-asks, every attempt logged through the hooks.

        ``check(parsed)`` returns the value to keep, or raises ``_Reask``; after the last re-ask a
        ``_Reask`` carrying a partial result is returned as it is (the caller decides).
        """
        client = self.client()
        s = self.settings
        kwargs = prepared.request(user)
        reasks = 0
        http_failures = 0
        token = _CURRENT.set(attempt)
        try:
            while True:
                self.hooks.emit_completion_arguments(**kwargs)
                try:
                    response = await self._send(client, kwargs, attempt.ctx.call_slots)
                except openai.APIStatusError as exc:
                    _note(exc, f"http {exc.status_code}: {_short(exc)}")
                    self.hooks.emit_completion_error(exc)
                    attempt.stats.calls += 1
                    if exc.status_code in (401, 403):
                        raise EndpointUnavailable(
                            f"the LLM endpoint rejected the API key (HTTP {exc.status_code}); check OPENAI_API_KEY"
                        ) from None
                    retryable = exc.status_code in _RETRY_STATUS or exc.status_code >= 500
                    if not retryable or http_failures >= s.http_retries:
                        raise ExtractionFailure(
                            f"http {exc.status_code} after {http_failures + 1} attempt(s): {_short(exc, 200)}",
                            stage="llm",
                        ) from None
                    delay = _retry_after(exc.response.headers)
                    await asyncio.sleep(delay if delay is not None else _backoff(http_failures, s.backoff))
                    http_failures += 1
                    continue
                except openai.APITimeoutError as exc:
                    _note(exc, f"timeout after {s.timeout:g}s")
                    self.hooks.emit_completion_error(exc)
                    attempt.stats.calls += 1
                    if http_failures >= s.http_retries:
                        raise ExtractionFailure(
                            f"timeout: no answer within {s.timeout:g}s after {http_failures + 1} attempt(s)", stage="llm"
                        ) from None
                    await asyncio.sleep(_backoff(http_failures, s.backoff))
                    http_failures += 1
                    continue
                except openai.APIConnectionError as exc:
                    cause = exc.__cause__ or exc
                    _note(exc, f"connection error: {type(cause).__name__}: {_short(cause)}")
                    self.hooks.emit_completion_error(exc)
                    attempt.stats.calls += 1
                    if type(cause).__name__ == "ConnectError" or http_failures >= s.http_retries:
                        # nothing listens there (or it keeps dropping us): no retry loop, one clear message
                        raise EndpointUnavailable(
                            f"cannot reach the LLM endpoint {s.base_url or 'https://api.openai.com/v1'} "
                            f"({_short(cause, 120)}); is it running? check OPENAI_BASE_URL"
                        ) from None
                    await asyncio.sleep(_backoff(http_failures, s.backoff))  # a dropped connection: retry
                    http_failures += 1
                    continue

                attempt.stats.calls += 1
                self.hooks.emit_completion_response(response)
                try:
                    parsed = prepared.handlers.response_parser(
                        response=response,
                        response_model=prepared.parse_model,
                        validation_context=None,
                        strict=None,
                        stream=False,
                        is_async=True,
                    )
                    result = check(parsed) if check is not None else parsed
                except IncompleteOutputException as exc:
                    _note(exc, "truncated: the answer hit the output token limit")
                    self.hooks.emit_parse_error(exc)
                    raise ExtractionFailure(
                        "truncated: the model's answer hit the output token limit (lower ANNOTATE_CHUNK_CHARS)",
                        stage="llm",
                    ) from None
                except Exception as exc:  # any bad answer is re-asked, then reported
                    reason = _reason(exc)
                    _note(exc, reason)
                    self.hooks.emit_parse_error(exc)
                    if reasks < s.max_retries:
                        reasks += 1
                        kwargs = prepared.handlers.reask_handler(kwargs=kwargs, response=response, exception=exc)
                        continue
                    if isinstance(exc, _Reask) and exc.record is not None:
                        return parsed, exc
                    raise ExtractionFailure(f"{reason} (after {reasks + 1} answers)", stage="llm") from None
                _on_ok(attempt)
                return parsed, result
        finally:
            if attempt.call is not None:  # cancelled (Ctrl-C) or an unexpected error mid-attempt: still logged
                attempt.call.error = attempt.call.error or "interrupted before an answer"
                _finish(attempt)
            _CURRENT.reset(token)

    # -------------------------------------------------------------- extraction

    async def _chunk(
        self,
        doc: Document,
        schema: SchemaSpec,
        chunk: Chunk,
        single: bool,
        vkey: str,
        ctx: ExtractContext,
        stats: ExtractStats,
    ) -> tuple[dict[str, Any], list[Grounding]]:
        model = schema.model
        if not ctx.force:
            hit = ctx.cache.get(doc.doc_id, chunk.index, vkey)
            if hit is not None and isinstance(hit.get("record"), dict):
                stats.cache_hits += 1
                return hit["record"], ground_record(chunk.text, model, hit["record"])
        prompt = self.prompt(schema)
        prepared = self.prepared(schema.name, model, prompt.system(schema=schema))

        def check(parsed: BaseModel) -> tuple[dict[str, Any], list[Grounding]]:
            record = parsed.model_dump(mode="json")
            groundings = ground_record(chunk.text, model, record)
            if not groundings:
                if single:
                    raise _Reask("empty: no value was extracted; quote the document's text")
                return record, groundings
            missing = [g for g in groundings if not g.aligned]
            if missing:
                quotes = "; ".join(f"{g.path}={g.value!r}" for g in missing[:8])
                raise _Reask(
                    f"ungrounded: {len(missing)} of {len(groundings)} value(s) are not verbatim in the document: "
                    f"{quotes}. Copy them exactly from the text between <document> markers.",
                    record,
                    groundings,
                )
            return record, groundings

        attempt = _Attempt(ctx, stats, doc.doc_id, chunk.index, vkey, self.settings.mode)
        _, result = await self.call(prepared, prompt.user(chunk.text), attempt, check)
        if isinstance(result, _Reask):
            record, groundings = result.record or {}, result.groundings or []
            if not any(g.aligned for g in groundings):
                raise ExtractionFailure(f"ungrounded: none of the {len(groundings)} value(s) is in the text", stage="llm")
        else:
            record, groundings = result
        ctx.cache.put(doc.doc_id, chunk.index, vkey, {"record": record})
        return record, groundings

    def chunks(self, text: str) -> list[Chunk]:
        return split_text(text, self.settings.chunk_chars, overlap=self.settings.overlap_chars)

    async def extract(self, doc: Document, schema: SchemaSpec, ctx: ExtractContext, stats: ExtractStats) -> Extraction:
        if not doc.text.strip():
            raise ExtractionFailure(f"{doc.source or doc.doc_id}: empty document", stage="extract")
        vkey = self.version_key(schema)
        chunks = self.chunks(doc.text)
        single = len(chunks) == 1
        results = await asyncio.gather(
            *(self._chunk(doc, schema, c, single, vkey, ctx, stats) for c in chunks), return_exceptions=True
        )
        for r in results:
            if isinstance(r, EndpointUnavailable):
                raise r
        for c, r in zip(chunks, results, strict=True):
            if isinstance(r, ExtractionFailure):
                where = "" if single else f"chunk {c.index + 1}/{len(chunks)}: "
                raise ExtractionFailure(f"{where}{r.reason}", stage=r.stage)
            if isinstance(r, BaseException):
                raise r
        if single:
            record, groundings = results[0]  # type: ignore[misc]
        else:
            parts = [(r[0], r[1], c.start) for c, r in zip(chunks, results, strict=True)]  # type: ignore[index]
            merged, groundings = merge_records(schema.model, parts)
            record = schema.model.model_validate(merged).model_dump(mode="json")
        if not groundings:  # one grounding per evidence value: none means nothing was extracted
            raise ExtractionFailure("empty: the model returned no values", stage="llm")
        return Extraction(
            doc_id=doc.doc_id,
            schema_name=schema.name,
            model_version=vkey,
            record=record,
            groundings=groundings,
            confidence=confidence(groundings),
        )

    def settings_dict(self) -> dict[str, Any]:
        """Settings without the key, for logs and reports."""
        out = asdict(self.settings)
        out.pop("api_key", None)
        return out


def _abandon(client: openai.AsyncOpenAI) -> None:
    """Forget a client whose event loop has ended (a new ``asyncio.run``).

    Its connections belong to the closed loop and cannot be closed from the new one; marking the
    httpx client closed stops openai's ``__del__`` from scheduling an ``aclose`` that would fail
    noisily. The sockets are released when the objects are collected.
    """
    try:
        inner = client._client
        inner._state = type(inner._state).CLOSED
    except AttributeError:  # pragma: no cover - depends on openai internals
        pass


def _reason(exc: BaseException) -> str:
    if isinstance(exc, _Reask):
        return str(exc)
    name = type(exc).__name__
    if isinstance(exc, json.JSONDecodeError) or "JSON" in name or "json_invalid" in str(exc):
        return f"not JSON: {_short(exc, 200)}"
    if name == "ValidationError":
        return f"schema: {_short(exc, 300)}"
    return f"bad answer ({name}): {_short(exc, 200)}"
