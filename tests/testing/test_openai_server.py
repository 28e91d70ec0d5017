"""The test server itself: OpenAI wire format, keep-alive, concurrency, echo validity, faults, CLI."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from annotate.core.evidence import iter_evidence
from annotate.extraction.prompts import get_prompt
from annotate.schema_registry import load_schemas
from tests.support.answer_sources import echo_record
from tests.support.openai_server import OpenAITestServer

ROOT = Path(__file__).resolve().parents[2]


def post(conn: http.client.HTTPConnection, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], Any]:
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    raw = resp.read()
    return resp.status, dict(resp.getheaders()), json.loads(raw)


def tools_request(schema_name: str, text: str) -> dict[str, Any]:
    spec = load_schemas()[schema_name]
    prompt = get_prompt(schema_name)
    return {
        "model": "m",
        "messages": prompt.messages(text),
        "tools": [{"type": "function", "function": {"name": spec.model.__name__, "parameters": spec.json_schema}}],
    }


def connect(server: OpenAITestServer) -> http.client.HTTPConnection:
    url = urlparse(server.base_url)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10)


def test_models_and_stats_endpoints(llm_server: OpenAITestServer) -> None:
    with urllib.request.urlopen(llm_server.base_url + "/models") as resp:
        assert json.load(resp)["data"][0]["id"]
    root = llm_server.base_url.rsplit("/v1", 1)[0]
    req = urllib.request.Request(root + "/_control", data=json.dumps({"latency": 0.01}).encode(), method="POST")
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200
    assert llm_server.latency == 0.01
    with urllib.request.urlopen(root + "/_stats") as resp:
        assert json.load(resp)["requests"] >= 2


def test_keep_alive_connection_serves_many_requests(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    text = (fixtures_dir / "llm" / "template_syntax.txt").read_text(encoding="utf-8")
    conn = connect(llm_server)
    for _ in range(5):
        status, _, body = post(conn, "/v1/chat/completions", tools_request("meeting_review", text))
        assert status == 200
        assert body["choices"][0]["finish_reason"] == "tool_calls"
        assert body["usage"]["prompt_tokens"] > 0
    conn.close()
    assert llm_server.stats()["completions"] == 5


def test_concurrent_clients_are_all_answered(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    text = (fixtures_dir / "llm" / "template_syntax.txt").read_text(encoding="utf-8")
    llm_server.configure(latency=0.1)

    def one(_: int) -> int:
        conn = connect(llm_server)
        try:
            return post(conn, "/v1/chat/completions", tools_request("meeting_review", text))[0]
        finally:
            conn.close()

    with ThreadPoolExecutor(64) as pool:
        assert list(pool.map(one, range(64))) == [200] * 64
    stats = llm_server.stats()
    assert 1 < stats["max_in_flight"] <= 64 and stats["in_flight"] == 0


def test_latency_runs_from_arrival_and_overshoot_is_reported(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    """The configured latency includes the server's own work; what it adds beyond is in stats."""
    text = (fixtures_dir / "llm" / "template_syntax.txt").read_text(encoding="utf-8")
    llm_server.configure(latency=0.2)
    conn = connect(llm_server)
    start = time.perf_counter()
    status, _, _ = post(conn, "/v1/chat/completions", tools_request("meeting_review", text))
    elapsed = time.perf_counter() - start
    conn.close()
    assert status == 200
    assert elapsed >= 0.2  # never early
    stats = llm_server.stats()
    assert 0 <= stats["overshoot_ms_mean"] <= stats["overshoot_ms_max"]
    assert stats["overshoot_ms_max"] < (elapsed - 0.2) * 1000 + 1  # the server's part of any lateness


@pytest.mark.parametrize("name", sorted(load_schemas()))
def test_echo_record_is_valid_and_quotes_the_text(name: str, fixtures_dir: Path) -> None:
    spec = load_schemas()[name]
    text = (fixtures_dir / "llm" / "template_syntax.txt").read_text(encoding="utf-8")
    record = spec.model.model_validate(echo_record(spec.json_schema, text)).model_dump(mode="json")
    values = list(iter_evidence(spec.model, record))
    assert values
    assert all(v in text for _, v in values)


def test_faults_are_reproducible_with_a_seed(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    text = (fixtures_dir / "llm" / "template_syntax.txt").read_text(encoding="utf-8")

    def sequence() -> list[int]:
        llm_server.reset()
        llm_server.configure(fault_rate=0.5, faults=["429", "500"], seed=5)
        conn = connect(llm_server)
        out = [post(conn, "/v1/chat/completions", tools_request("meeting_review", text))[0] for _ in range(12)]
        conn.close()
        return out

    first = sequence()
    assert first == sequence()
    assert {429, 500} & set(first) and 200 in first


def test_malformed_and_schema_invalid_answers(fixtures_dir: Path, llm_server: OpenAITestServer) -> None:
    text = (fixtures_dir / "llm" / "template_syntax.txt").read_text(encoding="utf-8")
    spec = load_schemas()["meeting_review"]
    conn = connect(llm_server)
    llm_server.configure(faults=["malformed", "schema_invalid", "ungrounded"], fail_next=3)
    answers = [post(conn, "/v1/chat/completions", tools_request("meeting_review", text))[2] for _ in range(3)]
    args = [a["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] for a in answers]
    with pytest.raises(ValueError):
        json.loads(args[0])
    with pytest.raises(ValueError):
        spec.model.model_validate_json(args[1])
    ungrounded = spec.model.model_validate_json(args[2]).model_dump(mode="json")
    assert all(v not in text for _, v in iter_evidence(spec.model, ungrounded))


def test_cli_prints_ready_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.openai_server", "--port", "0", "--latency", "0.01"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        assert line.startswith("READY http://127.0.0.1:")
        with urllib.request.urlopen(line.split()[1] + "/models") as resp:
            assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
