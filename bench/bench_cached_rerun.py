"""Cached re-run of the whole seeds/ corpus: zero LLM calls, wall time including interpreter start.

A person re-running ``annotate prelabel seeds/`` after a finished run should wait about as long as
the program takes to start. Measured as subprocesses (what the person runs), against the project's
test server in its own process; the figure is a ratio to baselines measured in this same run:
``python -c "import annotate.cli"`` (the CLI's own start-up) and a bare interpreter.
Goal: under 3 s wall, and zero calls.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ANNOTATE = str(Path(sys.executable).parent / "annotate")
GOAL_S = 3.0
REPEAT = 3


def start_server(latency: float = 0.0) -> tuple[subprocess.Popen[str], str]:
    """The test server in its own process (so its threads do not share our CPU accounting)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.openai_server", "--port", "0", "--latency", str(latency),
         "--fixtures", str(ROOT / "tests" / "fixtures")],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise RuntimeError(f"test server did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def server_stats(base_url: str) -> dict[str, Any]:
    root = base_url.rsplit("/v1", 1)[0]
    with urllib.request.urlopen(f"{root}/_stats", timeout=5) as response:
        return dict(json.load(response))


def server_completions(base_url: str) -> int:
    return int(server_stats(base_url)["completions"])


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - start, result


def main() -> int:
    server, base_url = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANNOTATE_"))}
            env.update(OPENAI_BASE_URL=base_url, OPENAI_API_KEY="sk-bench-not-a-secret", ANNOTATE_DB=str(Path(tmp) / "b.duckdb"))
            prelabel = [ANNOTATE, "prelabel", str(ROOT / "seeds"), "--backend", "llm", "--json"]
            first_s, first = timed(prelabel, env)
            if first.returncode != 0:
                print(f"first run failed ({first.returncode}): {first.stderr.strip().splitlines()[-1:]}")
                return 1
            calls_first = json.loads(first.stdout)["calls"]
            before = server_completions(base_url)
            bare = [timed([sys.executable, "-c", "pass"], env)[0] for _ in range(REPEAT)]
            cli = [timed([sys.executable, "-c", "import annotate.cli"], env)[0] for _ in range(REPEAT)]
            runs, calls = [], []
            for _ in range(REPEAT):
                seconds, result = timed(prelabel, env)
                if result.returncode != 0:
                    print(f"cached run failed ({result.returncode}): {result.stderr.strip().splitlines()[-1:]}")
                    return 1
                runs.append(seconds)
                calls.append(json.loads(result.stdout)["calls"])
            reached = server_completions(base_url) - before
    finally:
        server.terminate()
        server.wait(10)
    wall, base_cli, base_bare = statistics.median(runs), statistics.median(cli), statistics.median(bare)
    print(f"first run: {first_s:.2f} s wall, {calls_first} calls")
    print(f"cached re-run of seeds/ (median of {REPEAT}): {wall:.2f} s wall incl. interpreter start; "
          f"calls reported {max(calls)}, requests reaching the server {reached}")
    print(f"baseline `python -c 'import annotate.cli'`: {base_cli:.2f} s -> ratio {wall / base_cli:.1f}x")
    print(f"baseline bare interpreter: {base_bare:.3f} s -> ratio {wall / base_bare:.0f}x")
    ok = wall < GOAL_S and max(calls) == 0 and reached == 0
    print(f"goal: < {GOAL_S:.0f} s and zero calls -> {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
