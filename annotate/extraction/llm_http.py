"""One LLM request over HTTP: retries, back-off, and one logged attempt per request.

Why not the SDK's ``chat.completions.create``: the body is plain JSON prepared once per schema
(instructor's mode handler did that), and the SDK's per-call recursive transform of that body was
the largest client-side CPU cost at concurrency 32 (see ``bench/bench_throughput.py``). The SDK's
own retries are off (the client has ``max_retries=0``) because they are invisible: here HTTP
408/409/429/5xx, timeouts and dropped connections are retried (up to ``http_retries``) with
back-off honouring ``Retry-After``/``retry-after-ms``, and every attempt is logged. An endpoint
nobody listens on (connection refused) or a rejected key (401/403) raises ``EndpointUnavailable``
at once — one clear message, no retry loop — so a batch can stop instead of failing every document.

Logging goes through instructor's hooks (``completion:kwargs``, ``completion:response``,
``completion:error``, ``parse:error``), so a user's own hook handlers see the same events.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import random
import time
from dataclasses import dataclass
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from annotate.core.types import ExtractionFailure
from annotate.extraction.base import ExtractContext, ExtractStats, LLMCall
from annotate.extraction.instructor_adapter import Hooks

_RETRY_STATUS = {408, 409, 429}
_MAX_RETRY_AFTER = 60.0
_NO_LIMIT = contextlib.nullcontext()


class EndpointUnavailable(ExtractionFailure):
    """The endpoint cannot be used at all (unreachable, bad key): stop, don't retry every document."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, stage="endpoint")


@dataclass
class Attempt:
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


_CURRENT: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar("annotate_llm_attempt", default=None)


def short(exc: BaseException | str, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _backoff(n: int, base: float = 0.5) -> float:
    return min(base * 2**n, 8.0) * (1 - 0.25 * random.random())


def note(exc: BaseException, reason: str) -> None:
    """Attach the one-line reason the ``completion:error``/``parse:error`` handler logs."""
    try:
        exc.annotate_reason = reason  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - exception types without a __dict__
        pass


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


def finish(attempt: Attempt, error: str | None = None) -> None:
    """Close the attempt in flight (with ``error`` when its answer was rejected) and log it."""
    call = attempt.call
    if call is None:
        return
    if error is not None:
        call.error = error
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
    finish(attempt, getattr(error, "annotate_reason", None) or f"{type(error).__name__}: {short(error)}")


def make_hooks() -> Hooks:
    hooks = Hooks()
    hooks.on("completion:kwargs", _on_kwargs)
    hooks.on("completion:response", _on_response)
    hooks.on("completion:error", _on_error)
    hooks.on("parse:error", _on_error)
    return hooks


@contextlib.contextmanager
def attempt_scope(attempt: Attempt) -> Any:
    """Make ``attempt`` the one the hooks fill; an attempt left open (cancelled, crashed) is still logged."""
    token = _CURRENT.set(attempt)
    try:
        yield attempt
    finally:
        if attempt.call is not None:
            finish(attempt, attempt.call.error or "interrupted before an answer")
        _CURRENT.reset(token)


def read_completion(raw: bytes) -> ChatCompletion:
    """The endpoint's answer, its token logprobs kept as plain ``(bytes, logprob)`` pairs.

    Left to the SDK, every generated token becomes a pydantic object (hundreds per answer): that
    alone tripled the client's CPU per call and cut the batch to half its throughput (measured,
    ``make bench``). The pipeline reads only each token's bytes and logprob, so the logprobs are
    taken out before the rest is validated, and kept as ``annotate_tokens`` on the completion.
    """
    data = json.loads(raw)
    tokens: list[tuple[bytes, float]] = []
    for n, choice in enumerate(data.get("choices") or []):
        logprobs = choice.get("logprobs")
        content = logprobs.get("content") if isinstance(logprobs, dict) else None
        if n == 0 and content:
            tokens = [(bytes(t["bytes"]) if t.get("bytes") is not None else str(t.get("token", "")).encode("utf-8"),
                       float(t["logprob"])) for t in content]  # fmt: skip
        choice["logprobs"] = None
    completion = ChatCompletion.model_validate(data)
    completion.annotate_tokens = tokens  # type: ignore[attr-defined]  # an extra field (the SDK's models allow them)
    return completion


async def send(
    client: openai.AsyncOpenAI,
    body: dict[str, Any],
    *,
    hooks: Hooks,
    attempt: Attempt,
    slots: tuple[asyncio.Semaphore | None, ...],
    http_retries: int,
    backoff: float,
    timeout: float,
    where: str,
) -> ChatCompletion:
    """POST one chat completion, retrying what is worth retrying; every try is a logged attempt.

    ``slots`` (the run's and the backend's limits) are held for the request only — not during a
    back-off nor while the answer is validated — so that they count requests in flight, which is
    what endpoints rate-limit and what keeps the pipe full.
    """
    failures = 0
    while True:
        hooks.emit_completion_arguments(**body)
        try:
            async with contextlib.AsyncExitStack() as stack:
                for slot in slots:
                    await stack.enter_async_context(slot or _NO_LIMIT)
                response = read_completion(await client.post("/chat/completions", body=body, cast_to=bytes))
        except openai.APIStatusError as exc:
            note(exc, f"http {exc.status_code}: {short(exc)}")
            hooks.emit_completion_error(exc)
            attempt.stats.calls += 1
            if exc.status_code in (401, 403):
                raise EndpointUnavailable(
                    f"the LLM endpoint rejected the API key (HTTP {exc.status_code}); check OPENAI_API_KEY"
                ) from None
            retryable = exc.status_code in _RETRY_STATUS or exc.status_code >= 500
            if not retryable or failures >= http_retries:
                raise ExtractionFailure(
                    f"http {exc.status_code} after {failures + 1} attempt(s): {short(exc, 200)}", stage="llm"
                ) from None
            delay = _retry_after(exc.response.headers)
            await asyncio.sleep(delay if delay is not None else _backoff(failures, backoff))
        except openai.APITimeoutError as exc:
            note(exc, f"timeout after {timeout:g}s")
            hooks.emit_completion_error(exc)
            attempt.stats.calls += 1
            if failures >= http_retries:
                raise ExtractionFailure(
                    f"timeout: no answer within {timeout:g}s after {failures + 1} attempt(s)", stage="llm"
                ) from None
            await asyncio.sleep(_backoff(failures, backoff))
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            note(exc, f"connection error: {type(cause).__name__}: {short(cause)}")
            hooks.emit_completion_error(exc)
            attempt.stats.calls += 1
            if type(cause).__name__ == "ConnectError" or failures >= http_retries:
                # nothing listens there (or it keeps dropping us): no retry loop, one clear message
                raise EndpointUnavailable(
                    f"cannot reach the LLM endpoint {where} ({short(cause, 120)}); is it running? check OPENAI_BASE_URL"
                ) from None
            await asyncio.sleep(_backoff(failures, backoff))  # a dropped connection: retry
        else:
            attempt.stats.calls += 1
            hooks.emit_completion_response(response)
            return response
        failures += 1
