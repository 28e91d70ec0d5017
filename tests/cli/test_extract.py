"""``annotate extract`` as a user runs it: a real subprocess against the test server over HTTP.

These tests stay on the socket server, not ``httpx.MockTransport``: each one runs the CLI in a
child process, which reaches the server only through ``OPENAI_BASE_URL`` (a transport object cannot
cross the process boundary, and the CLI has no hook to inject one), and
``test_unreachable_endpoint_is_one_clear_message`` needs a real refused connection.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotate.schema_registry import get_schema
from tests.support.ideal_responses import seed_cases
from tests.support.openai_server import OpenAITestServer

ROOT = Path(__file__).resolve().parents[2]
CASES = list(seed_cases(ROOT / "tests" / "fixtures" / "seeds", ROOT / "seeds"))
KEY = "sk-cli-test-key-77"


def annotate(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from annotate.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def llm_env(server: OpenAITestServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANNOTATE_"))}
    env.update({"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": KEY, "ANNOTATE_MODEL": "test-model"})
    return env


@pytest.mark.parametrize(("stem", "seed", "folder"), CASES, ids=[c[0] for c in CASES])
def test_extract_json_reproduces_the_expected_record(
    stem: str, seed: Path, folder: Path, llm_server: OpenAITestServer
) -> None:
    proc = annotate(["extract", str(seed), "--json"], llm_env(llm_server))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"doc_id", "schema", "model_version", "record", "groundings", "confidence", "notes"}
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    spec = get_schema(meta["schema"])
    expected = spec.model.model_validate(json.loads((folder / "expected.json").read_text(encoding="utf-8")))
    assert out["schema"] == spec.name
    assert out["record"] == expected.model_dump(mode="json")
    text_of = {"start", "end", "quote", "status", "path", "value", "score", "confidence"}
    assert all(set(g) == text_of for g in out["groundings"])
    assert all(0 <= g["confidence"] <= 1 for g in out["groundings"])
    assert all(g["status"] != "unaligned" for g in out["groundings"])
    assert "using LLM backend" in proc.stderr and KEY not in proc.stderr + proc.stdout


def test_explicit_schema_and_mode(llm_server: OpenAITestServer) -> None:
    seed = CASES[0][1]
    proc = annotate(["extract", str(seed), "--schema", "meeting_review", "--mode", "json_schema", "--json"],
                    llm_env(llm_server))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema"] == "meeting_review"
    assert llm_server.log[-1]["mode"] == "json_schema"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["extract", "missing-file.txt", "--json"], "missing-file.txt"),
        (["extract", "seeds", "--json"], "seeds"),
        (["extract", "SEED", "--schema", "nope", "--json"], "unknown schema"),
        (["extract", "SEED", "--backend", "gpt", "--json"], "unknown backend"),
        (["extract", "SEED", "--mode", "xml", "--json"], "unknown instructor mode"),
    ],
)
def test_bad_input_is_one_line_on_stderr(args: list[str], needle: str, llm_server: OpenAITestServer) -> None:
    args = [str(CASES[0][1]) if a == "SEED" else a for a in args]
    proc = annotate(args, llm_env(llm_server))
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("annotate: using")]
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreachable_endpoint_is_one_clear_message(llm_server: OpenAITestServer) -> None:
    env = llm_env(llm_server)
    env["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
    proc = annotate(["extract", str(CASES[0][1]), "--json"], env)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("annotate: error:")
    assert "cannot reach the LLM endpoint" in proc.stderr
