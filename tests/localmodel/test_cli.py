"""``annotate llm up|status|env|down`` against the session's real local model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotate.localmodel.server import DEFAULT_MODE, LocalModelInfo

pytestmark = [pytest.mark.live, pytest.mark.timeout(3600)]
ROOT = Path(__file__).resolve().parents[2]


def annotate(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANNOTATE_HOME": str(home), "ANNOTATE_LLM_VENV": str(ROOT / ".llm-venv")}
    return subprocess.run([sys.executable, "-c", "from annotate.cli import main; main()", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600, check=False)  # fmt: skip


def test_status_names_the_checked_file_the_port_and_the_pid(local_llm: LocalModelInfo, local_llm_home: Path) -> None:
    proc = annotate(["llm", "status", "--json"], local_llm_home)
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    assert status["running"] and status["pid"] == local_llm.pid and status["port"] == local_llm.port
    assert status["weights"].startswith("ok: sha256 cc324af070c2") and status["runtime"] == "0.3.36"


def test_up_is_idempotent_and_prints_the_settings_to_use(local_llm: LocalModelInfo, local_llm_home: Path) -> None:
    proc = annotate(["llm", "up"], local_llm_home)
    assert proc.returncode == 0, proc.stderr
    assert f"(pid {local_llm.pid}," in proc.stdout, "the running server is kept, not restarted"
    for line in (f"export OPENAI_BASE_URL={local_llm.base_url}", f"export ANNOTATE_MODEL={local_llm.model}",
                 f"export ANNOTATE_LLM_MODE={DEFAULT_MODE}", f"export ANNOTATE_CONTEXT_TOKENS={local_llm.context}"):  # fmt: skip
        assert line in proc.stdout
    env = annotate(["llm", "env"], local_llm_home)
    assert env.stdout.strip().splitlines() == [ln for ln in proc.stdout.splitlines() if ln.startswith("export ")]
