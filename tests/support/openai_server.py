"""A real OpenAI-compatible HTTP server for tests, benchmarks and offline demos (standard library only).

Why a real server: openai 3.x sends requests through its own httpx fork, so mock libraries that
patch ``httpx`` never see them; and retry, keep-alive and concurrency behaviour can only be tested
over real sockets. The server binds 127.0.0.1 only. What it answers from (fixtures, echo records,
faulty variants) is :mod:`tests.support.answer_sources`, the Batch API :mod:`tests.support.openai_batches`;
this module is over ~400 lines because it is one server and its manual: the state it counts and
its faults share one lock, and splitting the class from its handler would only add indirection.

Endpoints
---------
- ``POST /v1/chat/completions``: the request's response model is recognised from ``tools`` (tools
  mode: the answer is a ``tool_calls`` entry), ``response_format`` (json_schema / json_object: the
  answer is ``content``) or the JSON schema instructor puts in the system message (json / md_json;
  md_json answers in a fenced code block). ``usage`` counts tokens with
  ``annotate.core.chunking.estimate_tokens`` over the messages plus tools/response_format.
- ``GET /v1/models``: one model.
- The Batch API (``/v1/files``, ``/v1/batches``): ``tests.support.openai_batches``; each line is
  answered like a live completion, faults via ``server.batches.configure(...)``.
- ``POST /_control`` (JSON body = keyword arguments of ``configure``) and ``GET /_stats``.

Which answer
------------
1. A reference response: the text between ``<document>\\n`` and ``\\n</document>`` in the last user
   message that has the markers is hashed (sha256); fixture files ``**/responses/*.json`` under the
   fixtures folder(s) store ``chunk_sha256``, ``response_model`` (e.g. ``TaskProgress``) and
   ``record`` (see ``tests.support.ideal_responses``).
2. With ``cassettes`` (``tests.support.cassettes``): the answer a real model gave to this very
   request, replayed strictly (or fetched from the real model and recorded).
3. Otherwise an *echo*: a small record valid for the requested JSON schema whose strings quote real
   lines of the document, so that any generated document extracts and grounds.

Faults (reproducible with ``seed``)
-----------------------------------
``configure(latency=0.2, fault_rate=0.2, faults=["429", "500", "timeout", "malformed",
"schema_invalid", "ungrounded"], seed=7, retry_after=0.1, timeout_hold=5.0, fail_next=0,
api_key=None)``. ``fault_rate`` draws a fault per completion request; ``fail_next=N`` faults the
next N completion requests for sure (cycling through ``faults``), which makes "fails once, then
succeeds" tests deterministic. Kinds: ``429`` (with ``Retry-After``), ``500``, ``timeout`` (holds
the connection ``timeout_hold`` seconds — longer than the client's timeout — then closes it without
answering), ``malformed`` (model output that is not JSON), ``schema_invalid`` (JSON whose every
field has the wrong type), ``ungrounded`` (the right record with every quote replaced by text that
is not in the document). ``api_key`` set: requests with another bearer token get 401.
``hold_after=N`` holds every completion request after the N-th (counted since the last reset) unanswered
until ``configure(hold_after=None)``: a test can kill a client while its requests are provably in
flight, however slowly the machine schedules the test's own threads.
``reset()`` (or ``configure(reset=True)``) clears faults and statistics.

Logprobs: a request with ``logprobs: true`` gets one token per character of the answer, each with
logprob -0.02, except the characters of any ``doubt`` string (-2.5), so a test can tell which values
the "model" was unsure of.

Python API (stable; the batch tests rely on it)::

    with OpenAITestServer(fixtures=Path("tests/fixtures"), latency=0.0) as server:
        os.environ["OPENAI_BASE_URL"] = server.base_url     # http://127.0.0.1:PORT/v1
        server.configure(fault_rate=0.2, faults=["429", "500"], seed=1)
        ...
        server.stats()   # {"requests": .., "completions": .., "fixture_hits": .., "echo": ..,
                         #  "faults": {"429": ..}, "prompt_tokens": .., "completion_tokens": ..,
                         #  "in_flight": .., "max_in_flight": .., "overshoot_ms_mean": .., ...}

``latency`` runs from a request's arrival to its answer, the server's own work included (as a
real endpoint's would); ``overshoot_ms_mean``/``overshoot_ms_max`` say by how much it answered
later than that, so a benchmark can tell the server's delay from the client's.

CLI: ``python -m tests.support.openai_server --port 0 --latency 0.2 --fixtures tests/fixtures``
prints ``READY <base_url>`` on one line and runs until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import signal
import socket
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from annotate.core.chunking import estimate_tokens
from tests.support.answer_sources import (
    FixtureIndex,
    document_in,
    echo_record,
    map_strings,
    message_text,
    requested_schema,
    wrong_types,
)
from tests.support.cassettes import CassetteLibrary
from tests.support.openai_batches import BatchEndpoints

FAULT_KINDS = ("429", "500", "timeout", "malformed", "schema_invalid", "ungrounded")
KNOWN_FAULTS = (*FAULT_KINDS, "truncated")
"""``truncated`` (the answer cut off at 60 %, ``finish_reason: length``) is asked for by name only."""
DEFAULT_MODEL = "annotate-test-model"


# --------------------------------------------------------------------------- server


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def get_request(self) -> tuple[socket.socket, Any]:
        # Without TCP_NODELAY a keep-alive request/response pair waits on Nagle + delayed ACK (~40 ms).
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr


class OpenAITestServer:
    """See the module docstring. Thread-safe; one instance serves many concurrent clients."""

    def __init__(
        self,
        fixtures: Path | Iterable[Path] | None = None,
        latency: float = 0.0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        model: str = DEFAULT_MODEL,
        cassettes: CassetteLibrary | None = None,
        **faults: Any,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the test server binds loopback only")
        folders: list[Path] = []
        if isinstance(fixtures, (str, Path)):
            folders = [Path(fixtures)]
        elif fixtures is not None:
            folders = [Path(f) for f in fixtures]
        self.index = FixtureIndex(folders)
        self.cassettes = cassettes
        self.host = host
        self.port = port
        self.model = model
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_latency = latency
        self.batches = BatchEndpoints(self)
        self.reset()
        self.configure(latency=latency, **faults)

    # ----------------------------------------------------------- configuration and statistics

    def reset(self) -> None:
        """No faults, base latency, zeroed statistics."""
        with self._lock:
            self.latency = self._base_latency
            self.fault_rate = 0.0
            self.faults: tuple[str, ...] = FAULT_KINDS
            self.retry_after = 0.1
            self.timeout_hold = 5.0
            self.fail_next = 0
            self.api_key: str | None = None
            self.doubt: tuple[str, ...] = ()
            self.hold_after: int | None = None
            self._released.set()
            self._rng = random.Random(0)
            self._cycle = 0
            self._stats: Counter[str] = Counter()
            self._fault_counts: Counter[str] = Counter()
            self.log: deque[dict[str, Any]] = deque(maxlen=2000)
        self.batches.reset()

    def configure(self, **options: Any) -> None:
        """Change latency/faults at run time (also reachable as ``POST /_control``)."""
        if options.pop("reset", False):
            self.reset()
        unknown = set(options) - {
            "latency",
            "fault_rate",
            "faults",
            "seed",
            "retry_after",
            "timeout_hold",
            "fail_next",
            "api_key",
            "doubt",
            "hold_after",
        }
        if unknown:
            raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))}")
        with self._lock:
            if "latency" in options:
                self.latency = float(options["latency"])
            if "fault_rate" in options:
                self.fault_rate = float(options["fault_rate"])
            if "faults" in options:
                kinds = options["faults"]
                if isinstance(kinds, str):
                    kinds = [k for k in kinds.split(",") if k]
                bad = [k for k in kinds if k not in KNOWN_FAULTS]
                if bad:
                    raise ValueError(f"unknown fault kind(s) {bad}; known: {', '.join(KNOWN_FAULTS)}")
                self.faults = tuple(kinds) or FAULT_KINDS
            if "seed" in options:
                self._rng = random.Random(options["seed"])
                self._cycle = 0
            if "retry_after" in options:
                self.retry_after = float(options["retry_after"])
            if "timeout_hold" in options:
                self.timeout_hold = float(options["timeout_hold"])
            if "fail_next" in options:
                self.fail_next = int(options["fail_next"])
            if "api_key" in options:
                self.api_key = options["api_key"]
            if "doubt" in options:
                self.doubt = tuple(options["doubt"])
            if "hold_after" in options:
                held = options["hold_after"]
                self.hold_after = None if held is None else int(held)
                (self._released.set if held is None else self._released.clear)()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = {
                k: self._stats.get(k, 0)
                for k in (
                    "requests",
                    "completions",
                    "fixture_hits",
                    "echo",
                    "prompt_tokens",
                    "completion_tokens",
                    "in_flight",
                    "max_in_flight",
                    "batch_lines",
                    "held",
                )
            }
            out["faults"] = dict(self._fault_counts)
            out["faults_total"] = sum(self._fault_counts.values())
            timed = self._stats.get("timed", 0)
            # time beyond ``latency`` from a request's arrival to its last byte written: the
            # server's own delay, which a benchmark must not count against the client
            out["overshoot_ms_mean"] = round(self._stats.get("overshoot_us", 0) / timed / 1000, 3) if timed else 0.0
            out["overshoot_ms_max"] = round(self._stats.get("overshoot_max_us", 0) / 1000, 3)
            return out

    def _draw_fault(self) -> str | None:
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                kind = self.faults[self._cycle % len(self.faults)]
                self._cycle += 1
            elif self.fault_rate > 0 and self._rng.random() < self.fault_rate:
                kind = self._rng.choice(self.faults)
            else:
                return None
            self._fault_counts[kind] += 1
            return kind

    def _in_flight(self, change: int) -> None:
        """Completions being answered right now; the high-water mark shows a client's real concurrency."""
        with self._lock:
            self._stats["in_flight"] = max(0, self._stats["in_flight"] + change)  # a reset() may race
            self._stats["max_in_flight"] = max(self._stats["max_in_flight"], self._stats["in_flight"])

    def wait_if_held(self) -> None:
        """Hold a completion past ``hold_after`` until released (at most a minute: a forgotten gate
        must not hang a test session)."""
        with self._lock:
            held = self.hold_after is not None and self._stats["completions"] > self.hold_after
            if held:
                self._stats["held"] += 1
        if held:
            self._released.wait(60)

    def _count(self, **amounts: int) -> None:
        with self._lock:
            self._stats.update(amounts)

    # ----------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}/v1"

    def start(self) -> OpenAITestServer:
        if self._httpd is not None:
            return self
        handler = type("Handler", (_Handler,), {"app": self})
        self._httpd = _HTTPServer((self.host, self.port), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="openai-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> OpenAITestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------- the completion itself

    def complete(self, body: dict[str, Any], arrived: float | None = None) -> tuple[int, dict[str, str], bytes | None]:
        """Answer one chat completion request: (status, headers, body or None to drop the connection).

        ``latency`` is the time from the request's arrival (``arrived``, ``time.perf_counter()``)
        to the answer, as a real endpoint's latency includes its own work: the answer is built
        first and the server sleeps only for what is left. Sleeping the full latency *after*
        building it made every call slower than configured by the server's own CPU time (and by
        its threads' GIL contention at concurrency 32), which benchmarks then blamed on the client.
        """
        arrived = time.perf_counter() if arrived is None else arrived
        status, headers, payload = self._answer(body)
        remaining = arrived + self.latency - time.perf_counter()
        if remaining > 0:
            time.sleep(remaining)
        if payload is None:  # injected timeout: hold the connection past the client's timeout
            time.sleep(self.timeout_hold)
        return status, headers, payload

    def transport(self) -> Any:
        """The same answers, faults and statistics without a socket: an ``httpx.MockTransport`` for
        unit tests (``LLMBackend(..., transport=server.transport())``). No latency is applied, and an
        injected ``timeout`` raises ``httpx.ReadTimeout`` at once; what needs real connections
        (concurrency, keep-alive, dropped sockets) is tested over the server's socket instead."""
        import httpx

        def handle(request: httpx.Request) -> httpx.Response:
            self._count(requests=1)
            if not request.url.path.rstrip("/").endswith("/chat/completions"):
                return httpx.Response(404, content=_error(f"no route {request.url.path}", "not_found"))
            if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
                return httpx.Response(
                    401, content=_error("Incorrect API key provided (test server)", "invalid_api_key")
                )
            self._count(completions=1)
            status, headers, payload = self._answer(json.loads(request.content or b"{}"))
            if payload is None:
                raise httpx.ReadTimeout("no answer (injected timeout)", request=request)
            return httpx.Response(status, headers=headers, content=payload)

        return httpx.MockTransport(handle)

    def record_service_time(self, seconds: float) -> None:
        """How long a completion took from arrival to the last byte written (see ``stats()``)."""
        overshoot_us = max(0, round((seconds - self.latency) * 1e6))
        with self._lock:
            self._stats["timed"] += 1
            self._stats["overshoot_us"] += overshoot_us
            self._stats["overshoot_max_us"] = max(self._stats["overshoot_max_us"], overshoot_us)

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes | None]:
        if self.cassettes is not None:  # real answers, replayed (or recorded): no faults, no echo
            return self.cassettes.answer(body)
        fault = self._draw_fault()
        messages = body.get("messages") or []
        mode, model_name, schema = requested_schema(body)
        document = document_in(messages)
        sha = hashlib.sha256(document.encode("utf-8")).hexdigest() if document is not None else None
        self.log.append({"model_name": model_name, "mode": mode, "sha": sha, "fault": fault, "messages": len(messages)})
        if fault == "timeout":
            return 0, {}, None
        if fault == "429":
            return 429, {"Retry-After": f"{self.retry_after:g}"}, _error("Rate limit reached (injected)", "rate_limit")
        if fault == "500":
            return 500, {}, _error("Internal server error (injected)", "server_error")

        record = self.index.lookup(sha, model_name) if sha is not None else None
        if record is not None:
            self._count(fixture_hits=1)
        else:
            self._count(echo=1)
            record = echo_record(schema or {"type": "object", "properties": {}}, document or "")
        defs = (schema or {}).get("$defs", {})
        if fault == "ungrounded":
            counter = iter(range(10**9))
            record = map_strings(schema, record, lambda _s: f"虚构内容{next(counter)}号", defs)
        elif fault == "schema_invalid":
            record = wrong_types(schema, record)
        payload = "这不是JSON {" if fault == "malformed" else json.dumps(record, ensure_ascii=False)
        if fault == "truncated":
            payload = payload[: int(len(payload) * 0.6)]

        prompt_tokens = sum(estimate_tokens(message_text(m)) for m in messages)
        for key in ("tools", "response_format"):
            if body.get(key):
                prompt_tokens += estimate_tokens(json.dumps(body[key], ensure_ascii=False))
        completion_tokens = estimate_tokens(payload)
        self._count(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)

        message: dict[str, Any] = {"role": "assistant", "content": None}
        finish = "length" if fault == "truncated" else "stop"
        if mode == "tools":
            message["tool_calls"] = [
                {
                    "id": f"call_{self._stats['completions']}",
                    "type": "function",
                    "function": {"name": model_name or "record", "arguments": payload},
                }
            ]
            finish = "length" if fault == "truncated" else "tool_calls"
        elif mode == "md_json":
            message["content"] = f"```json\n{payload}\n```"
        else:
            message["content"] = payload
        logprobs = {"content": _logprobs(payload, self.doubt)} if body.get("logprobs") else None
        response = {
            "id": f"chatcmpl-test-{self._stats['completions']}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": logprobs}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        return 200, {}, json.dumps(response, ensure_ascii=False).encode("utf-8")


def _logprobs(answer: str, doubt: tuple[str, ...]) -> list[dict[str, Any]]:
    """One token per character, all near-certain except the characters of the ``doubt`` strings."""
    unsure = [False] * len(answer)
    for text in doubt:
        at = answer.find(text)
        while text and at >= 0:
            unsure[at : at + len(text)] = [True] * len(text)
            at = answer.find(text, at + 1)
    return [{"token": ch, "bytes": list(ch.encode("utf-8")), "logprob": -2.5 if u else -0.02, "top_logprobs": []}
            for ch, u in zip(answer, unsure, strict=True)]  # fmt: skip


def _error(message: str, kind: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": kind, "code": kind}}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app: OpenAITestServer

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    def _authorised(self) -> bool:
        key = self.app.api_key
        if key is None:
            return True
        if self.headers.get("Authorization") == f"Bearer {key}":
            return True
        self._send(401, _error("Incorrect API key provided (test server)", "invalid_api_key"))
        return False

    def do_GET(self) -> None:
        self.app._count(requests=1)
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/_stats":
            self._send(200, json.dumps(self.app.stats()).encode())
        elif self.app.batches.handles(path):
            if self._authorised():
                self.app.batches.get(self, path)
        elif path.endswith("/models"):
            if not self._authorised():
                return
            data = {"object": "list", "data": [{"id": self.app.model, "object": "model", "owned_by": "annotate"}]}
            self._send(200, json.dumps(data).encode())
        else:
            self._send(404, _error(f"no route {self.path}", "not_found"))

    def do_POST(self) -> None:
        arrived = time.perf_counter()
        self.app._count(requests=1)
        path = self.path.split("?", 1)[0].rstrip("/")
        if self.app.batches.handles(path):  # multipart uploads: not JSON
            if self._authorised():
                self.app.batches.post(self, path)
            return
        try:
            body = self._read_json()
        except ValueError:
            self._send(400, _error("request body is not JSON", "invalid_request_error"))
            return
        if path == "/_control":
            try:
                self.app.configure(**body)
            except (TypeError, ValueError) as exc:
                self._send(400, _error(str(exc), "invalid_request_error"))
                return
            self._send(200, json.dumps(self.app.stats()).encode())
            return
        if not path.endswith("/chat/completions"):
            self._send(404, _error(f"no route {self.path}", "not_found"))
            return
        if not self._authorised():
            return
        self.app._count(completions=1)
        self.app._in_flight(+1)
        try:
            self.app.wait_if_held()
            status, headers, payload = self.app.complete(body, arrived)
        finally:
            self.app._in_flight(-1)
        if payload is None:  # injected timeout: drop the connection without an answer
            self.close_connection = True
            return
        try:
            self._send(status, payload, headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        self.app.record_service_time(time.perf_counter() - arrived)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="OpenAI-compatible test server (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every completion")
    parser.add_argument("--fixtures", type=Path, action="append", default=[], help="folder(s) with */responses/*.json")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--faults", default=",".join(FAULT_KINDS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--api-key", default=None, help="reject other bearer tokens with 401")
    args = parser.parse_args(argv)
    server = OpenAITestServer(
        args.fixtures or None,
        latency=args.latency,
        port=args.port,
        fault_rate=args.fault_rate,
        faults=args.faults,
        seed=args.seed,
        api_key=args.api_key,
    )
    stop = threading.Event()

    def _stop(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server.start()
    print(f"READY {server.base_url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
