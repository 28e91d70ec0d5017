"""The Batch API of the OpenAI-compatible test server: files and batches, with faults a test selects.

Endpoints (mounted by :class:`tests.support.openai_server.OpenAITestServer`)
--------------------------------------------------------------------------
- ``POST /v1/files`` (multipart: ``purpose``, ``file``), ``GET /v1/files/{id}``,
  ``GET /v1/files/{id}/content``;
- ``POST /v1/batches`` (``input_file_id``, ``endpoint``, ``completion_window``, ``metadata``),
  ``GET /v1/batches/{id}``, ``GET /v1/batches`` (a list, newest first).

A batch is processed in a background thread: after ``delay`` seconds (status ``in_progress``
meanwhile) every line's body is answered by the server's own ``_answer`` — the machinery of live
chat completions, so fixtures, echo records and the live fault options apply — and the output file
(status 200 lines) and error file (other statuses) are written.

Faults (``server.batches.configure(...)``; ``reset()`` clears them)
----------------------------------------------------------------
- ``error_every=k``: every k-th line fails with HTTP 500 (it goes to the error file): a partial failure;
- ``expire_after=n``: only the first n lines are answered, then the batch ``expired``;
- ``malformed_every=k``: every k-th line of the output file is not JSON;
- ``delay``: seconds the batch stays ``in_progress``;
- ``faulty_batches=n``: only the first n batches created get the faults above (a follow-up then succeeds).

``stats()`` of the server counts ``batch_lines`` (lines answered) apart from live ``completions``.
"""

from __future__ import annotations

import email.parser
import json
import threading
import time
import uuid
from typing import Any

_OPTIONS = ("delay", "error_every", "expire_after", "malformed_every", "faulty_batches")


class BatchEndpoints:
    """Files and batches of one test server (thread-safe)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.delay = 0.0
            self.error_every = 0
            self.expire_after: int | None = None
            self.malformed_every = 0
            self.faulty_batches: int | None = None
            self.created = 0

    def configure(self, **options: Any) -> None:
        unknown = set(options) - set(_OPTIONS)
        if unknown:
            raise ValueError(f"unknown batch option(s): {', '.join(sorted(unknown))}")
        with self._lock:
            for k, v in options.items():
                setattr(self, k, v)

    # ----------------------------------------------------------- routing

    @staticmethod
    def handles(path: str) -> bool:
        return "/files" in path or "/batches" in path

    def get(self, handler: Any, path: str) -> None:
        parts = path.split("/v1/", 1)[-1].split("/")
        if parts[0] == "files" and len(parts) == 3 and parts[2] == "content" and parts[1] in self.contents:
            handler._send(200, self.contents[parts[1]], {"Content-Type": "application/octet-stream"})
        elif parts[0] == "files" and len(parts) == 2 and parts[1] in self.files:
            handler._send(200, _json(self.files[parts[1]]))
        elif parts == ["batches"]:
            with self._lock:
                data = sorted(self.batches.values(), key=lambda b: -b["created_at"])
            handler._send(200, _json({"object": "list", "data": data, "has_more": False}))
        elif parts[0] == "batches" and len(parts) == 2 and parts[1] in self.batches:
            with self._lock:
                handler._send(200, _json(self.batches[parts[1]]))
        else:
            handler._send(404, _error(f"no such file or batch: {path}"))

    def post(self, handler: Any, path: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if path.endswith("/files"):
            handler._send(*self._upload(handler.headers.get("Content-Type", ""), raw))
        elif path.endswith("/batches"):
            handler._send(*self._create(json.loads(raw or b"{}")))
        else:
            handler._send(404, _error(f"no route {path}"))

    # ----------------------------------------------------------- files and batches

    def _store(self, name: str, content: bytes, purpose: str) -> dict[str, Any]:
        file_id = "file-" + uuid.uuid4().hex[:20]
        info = {"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                "filename": name, "purpose": purpose, "status": "processed"}  # fmt: skip
        with self._lock:
            self.files[file_id] = info
            self.contents[file_id] = content
        return info

    def _upload(self, content_type: str, raw: bytes) -> tuple[int, bytes]:
        message = email.parser.BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.walk():
            name = part.get_param("name", header="content-disposition")
            if name:
                fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
        if "file" not in fields or fields.get("purpose", (None, b""))[1] != b"batch":
            return 400, _error("a file with purpose 'batch' is required")
        return 200, _json(self._store(fields["file"][0] or "upload.jsonl", fields["file"][1], "batch"))

    def _create(self, body: dict[str, Any]) -> tuple[int, bytes]:
        file_id = body.get("input_file_id")
        if file_id not in self.contents:
            return 400, _error(f"no input file {file_id!r}")
        if body.get("endpoint") != "/v1/chat/completions":
            return 400, _error("only /v1/chat/completions is served")
        batch = {"id": "batch_" + uuid.uuid4().hex[:20], "object": "batch", "endpoint": body["endpoint"],
                 "input_file_id": file_id, "completion_window": body.get("completion_window", "24h"),
                 "status": "validating", "created_at": int(time.time()), "metadata": body.get("metadata"),
                 "output_file_id": None, "error_file_id": None,
                 "request_counts": {"total": 0, "completed": 0, "failed": 0}}  # fmt: skip
        with self._lock:
            self.batches[batch["id"]] = batch
            self.created += 1
            faulty = self.faulty_batches is None or self.created <= self.faulty_batches
        threading.Thread(target=self._process, args=(batch["id"], faulty), daemon=True).start()
        return 200, _json(batch)

    def _set(self, batch_id: str, **values: Any) -> None:
        with self._lock:
            self.batches[batch_id].update(values)

    def _process(self, batch_id: str, faulty: bool) -> None:
        batch = self.batches[batch_id]
        lines = [json.loads(line) for line in self.contents[batch["input_file_id"]].splitlines() if line.strip()]
        self._set(batch_id, status="in_progress", in_progress_at=int(time.time()),
                  request_counts={"total": len(lines), "completed": 0, "failed": 0})  # fmt: skip
        time.sleep(float(self.delay))
        out, err = [], []
        error_every, malformed_every = (self.error_every, self.malformed_every) if faulty else (0, 0)
        expired = faulty and self.expire_after is not None and self.expire_after < len(lines)
        for n, line in enumerate(lines[: self.expire_after] if expired else lines):
            failing = error_every and n % error_every == error_every - 1
            status, _, payload = (500, {}, _error("Internal server error (injected in a batch)")) if failing \
                else self.app._answer(line["body"])  # fmt: skip
            self.app._count(batch_lines=1)
            if payload is None:  # an injected timeout: the line gets no answer
                status, payload = 408, _error("request timed out (injected)")
            item = {"id": f"batch_req_{uuid.uuid4().hex[:16]}", "custom_id": line["custom_id"],
                    "response": {"status_code": status, "request_id": uuid.uuid4().hex, "body": json.loads(payload)},
                    "error": None}  # fmt: skip
            if status == 200 and malformed_every and n % malformed_every == malformed_every - 1:
                out.append(b'{"custom_id": "' + line["custom_id"].encode() + b'", "response": {"status_co')
            else:
                (out if status == 200 else err).append(_json(item))
        done = {"status": "expired", "expired_at": int(time.time())} if expired else \
            {"status": "completed", "completed_at": int(time.time())}  # fmt: skip
        output = self._store(f"{batch_id}_output.jsonl", b"\n".join(out) + b"\n", "batch_output")["id"] if out else None
        errors = self._store(f"{batch_id}_error.jsonl", b"\n".join(err) + b"\n", "batch_output")["id"] if err else None
        self._set(batch_id, output_file_id=output, error_file_id=errors,
                  request_counts={"total": len(lines), "completed": len(out), "failed": len(err)}, **done)  # fmt: skip


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "server_error", "code": "server_error"}}).encode()
