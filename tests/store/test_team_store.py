"""The team store: ``--db ducklake:postgres:<conninfo>`` with several real ``annotate`` processes.

Run as a team would: PostgreSQL started by the session (the catalog), a data folder for the
Parquet files, and ``annotate`` from the team venv (``make team``: DuckDB 1.5.5, the only version
the DuckLake extension is built for). Two prelabel processes share documents, one is SIGKILLed
mid-run and run again; the lake must then hold exactly what one local run into a DuckDB file holds,
every document once, and the re-run must ask the model only for what nobody finished.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from annotate.batch import BatchOptions, run_batch
from annotate.labelstudio.client import Connection, LSClient
from annotate.labelstudio.server import ServerInfo
from tests.labelstudio.test_two_annotators import _draft
from tests.plugins.postgres import Postgres, PostgresServer
from tests.support.corpus import generate_corpus
from tests.support.openai_server import OpenAITestServer
from tests.support.store_probe import probe

ROOT = Path(__file__).resolve().parents[2]
TEAM_BIN = ROOT / ".team-venv" / "bin"
_names = itertools.count(1)


@pytest.fixture
def lake(postgres_server: PostgresServer, tmp_path: Path, llm_env: OpenAITestServer) -> dict[str, Any]:
    """A fresh catalog database and data folder, and the environment every process of the team gets."""
    if not (TEAM_BIN / "annotate").is_file():
        pytest.fail("the team venv is missing: `make team` builds .team-venv (make test does it)")
    n = next(_names)
    pg = postgres_server.new_database(f"team_{os.getpid()}_{n}", f"lake_{os.getpid()}_{n}")
    env = {
        **os.environ,
        "ANNOTATE_DB": f"ducklake:postgres:{pg.conninfo()}",
        "ANNOTATE_DATA_PATH": str(tmp_path / "lake-data"),
        "ANNOTATE_EXTENSION_DIR": str(tmp_path.parent / "duckdb-extensions"),
    }
    return {"pg": pg, "env": env, "url": env["ANNOTATE_DB"]}


def _annotate(lake: dict[str, Any], *args: str) -> subprocess.Popen[str]:
    """``annotate`` from the team venv; its output goes to a file (a full pipe would stall it)."""
    log = Path(lake["env"]["ANNOTATE_DATA_PATH"]).parent / f"run-{next(_names)}.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(TEAM_BIN / "annotate"), *args], env=lake["env"], stdout=out, stderr=out, text=True)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def _finish(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str]:
    proc.wait(timeout)
    return proc.returncode, proc.log.read_text()  # type: ignore[attr-defined]


def _probe(lake: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [str(TEAM_BIN / "python"), "-m", "tests.support.store_probe", lake["url"]],
        env=lake["env"], cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    """Two folders sharing 12 documents: A has 30, B has A's first 12 and 12 of its own."""
    a, b = tmp_path / "a", tmp_path / "b"
    shared = generate_corpus(a, 30, seed=3)[:12]
    generate_corpus(b, 12, seed=4)
    for path in shared:
        shutil.copy(path, b / f"shared_{path.name}")
    return a, b


def _predictions(content: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Predictions as comparable values: the JSON read back, not its spelling by one DuckDB version."""
    return [(d, s, v, json.loads(r), json.loads(g)) for d, s, v, r, g in content["predictions"]]


def test_two_writers_and_a_killed_one_leave_what_one_local_run_leaves(
    lake: dict[str, Any], llm_env: OpenAITestServer, tmp_path: Path
) -> None:
    a, b = _folders(tmp_path)
    asyncio.run(run_batch([a, b], BatchOptions(backend="llm", concurrency=4), db=tmp_path / "local.duckdb"))
    reference = probe(str(tmp_path / "local.duckdb"))
    assert len(reference["predictions"]) == 42

    llm_env.configure(latency=0.05, hold_after=llm_env.stats()["completions"] + 14)
    args = ("--backend", "llm", "--concurrency", "4")
    first, second = _annotate(lake, "prelabel", str(a), *args), _annotate(lake, "prelabel", str(b), *args)
    try:
        deadline = time.monotonic() + 120
        while llm_env.stats()["held"] < 6:  # both runs are mid-way, requests unanswered
            assert first.poll() is None and second.poll() is None, [p.log.read_text() for p in (first, second)]  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, llm_env.stats()
            time.sleep(0.05)
        time.sleep(1.0)  # the answered documents reach the lake
        status = subprocess.run(
            [str(TEAM_BIN / "annotate"), "status"], env=lake["env"], capture_output=True, text=True, timeout=60
        )
        assert status.returncode == 0, status.stderr  # readers never wait for the writers
        first.kill()
        assert first.wait(10) == -9
    finally:
        llm_env.configure(hold_after=None)
    code, log = _finish(second)
    assert code == 0, log

    before = _probe(lake)
    done = {d for d, *_ in before["predictions"]}
    asked = llm_env.stats()["completions"]
    code, rerun_log = _finish(_annotate(lake, "prelabel", str(a), *args))
    assert code == 0, rerun_log
    a_docs = {d for d, *_ in reference["predictions"]} - done
    assert 0 < llm_env.stats()["completions"] - asked <= len(a_docs)  # only what nobody finished

    asked = llm_env.stats()["completions"]
    code, again = _finish(_annotate(lake, "prelabel", str(a), str(b), *args))
    assert code == 0, again
    assert llm_env.stats()["completions"] == asked  # everything a cache hit or already predicted

    content = _probe(lake)
    assert content["duplicates"] == {k: [] for k in content["duplicates"]}
    assert content["documents"] == reference["documents"]
    assert _predictions(content) == _predictions(reference)
    assert content["open_failures"] == []
    assert content["cache_rows"] == reference["cache_rows"]
    pg: Postgres = lake["pg"]
    assert pg.password not in log + rerun_log + again + status.stdout + status.stderr


def _run(lake: dict[str, Any], *args: str) -> str:
    code, log = _finish(_annotate(lake, *args))
    assert code == 0, log
    return log


def _accept(client: LSClient, project_ids: list[int], task_ids: set[int]) -> int:
    """Annotate these tasks as a user would who accepts the pre-labels (through the API)."""
    done = 0
    for project_id in project_ids:
        for pred in client.list_predictions(project_id):
            if pred["task"] in task_ids:
                client.create_annotation(pred["task"], _draft(pred), lead_time=5.0, parent_prediction=pred["id"])
                done += 1
    return done


@pytest.mark.labelstudio
def test_two_pulls_at_once_make_each_gold_version_once_and_exports_travel_in_time(
    ls_env: ServerInfo, lake: dict[str, Any], tmp_path: Path
) -> None:
    lake["env"].update(LABEL_STUDIO_URL=ls_env.url, LABEL_STUDIO_API_KEY=ls_env.token)
    seeds = sorted((ROOT / "seeds").glob("00[0-3]_*.txt"))
    _run(lake, "prelabel", *map(str, seeds), "--backend", "rules")
    _run(lake, "push")
    pushed = _probe(lake)
    project_ids, tasks = pushed["projects"], pushed["tasks"]
    client = LSClient(Connection(ls_env.url, ls_env.token))
    single = next(t for t, _, pages in tasks if pages == 1)  # one whole document: gold after one task
    assert _accept(client, project_ids, {single}) == 1
    _run(lake, "pull")
    first = tmp_path / "export-1"
    _run(lake, "export", "--format", "spans-jsonl", "--out", str(first))
    early = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert early["documents"] == 1 and isinstance(early["store_snapshot"], int)

    rest = {t for t, _, _ in tasks} - {single}
    assert _accept(client, project_ids, rest) == len(rest)
    pulls = [_annotate(lake, "pull") for _ in range(2)]
    logs = [_finish(p) for p in pulls]
    assert [code for code, _ in logs] == [0, 0], logs
    content = _probe(lake)
    assert content["duplicates"] == {k: [] for k in content["duplicates"]}
    assert [(v, a is not None) for _, v, a, _ in content["gold"]] == [(1, True)] * len(seeds), (
        content["gold"],
        content["tasks"],
        logs,
    )

    latest = tmp_path / "export-2"
    _run(lake, "export", "--format", "spans-jsonl", "--out", str(latest))
    assert json.loads((latest / "manifest.json").read_text(encoding="utf-8"))["documents"] == len(seeds)
    again = tmp_path / "export-as-of"
    _run(lake, "export", "--format", "spans-jsonl", "--out", str(again), "--as-of", str(early["store_snapshot"]))
    assert json.loads((again / "manifest.json").read_text(encoding="utf-8"))["gold_ids"] == early["gold_ids"]
    for name in early["files"]:
        assert (again / name).read_bytes() == (first / name).read_bytes(), name
    for command in (["eval"], ["status"], ["show", content["gold"][0][0]]):
        _run(lake, *command)


def _descendants(pid: int) -> list[int]:
    """Processes below ``pid`` (from /proc): the Ray cluster a CLI run started is its own."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    out, frontier = [], [pid]
    while frontier:
        children = [c for c, p in parents.items() if p in frontier]
        out += children
        frontier = children
    return out


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    except OSError:
        return ""


def test_ray_workers_write_to_the_lake_as_they_go(
    lake: dict[str, Any], llm_env: OpenAITestServer, tmp_path: Path
) -> None:
    """``prelabel --engine ray`` on a lake: each worker commits its documents itself. Shown while the
    server holds every request after the 12th: no shard of 24 can have finished, so predictions
    already in the lake were written by the workers (a driver writes a shard only when it ends).
    Then one worker is SIGKILLed mid-shard: Ray runs its shard again, which skips what it committed."""
    folder = tmp_path / "docs"
    generate_corpus(folder, 48, seed=8)
    asyncio.run(run_batch([folder], BatchOptions(backend="llm", concurrency=2), db=tmp_path / "local.duckdb"))
    reference = probe(str(tmp_path / "local.duckdb"))

    llm_env.configure(latency=0.05, hold_after=llm_env.stats()["completions"] + 12)
    args = ("--backend", "llm", "--concurrency", "2", "--engine", "ray", "--ray-cpus", "2", "--ray-shard-size", "24")
    run = _annotate(lake, "prelabel", str(folder), *args)
    try:
        deadline = time.monotonic() + 120
        while not (llm_env.stats()["held"] >= 2 and _probe(lake)["predictions"]):
            assert run.poll() is None, run.log.read_text()  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, (llm_env.stats(), run.log.read_text())  # type: ignore[attr-defined]
            time.sleep(0.5)
        written = len(_probe(lake)["predictions"])
        workers = [p for p in _descendants(run.pid) if _title(p) == "ray::run_shard"]
        assert workers, [_title(p) for p in _descendants(run.pid)]
        os.kill(workers[0], signal.SIGKILL)
        asked = llm_env.stats()["completions"]
    finally:
        llm_env.configure(hold_after=None)
    code, log = _finish(run)
    assert code == 0, log
    content = _probe(lake)
    assert content["duplicates"] == {k: [] for k in content["duplicates"]}
    assert _predictions(content) == _predictions(reference)
    # at most the documents not yet committed were asked again (the held ones included)
    assert llm_env.stats()["completions"] - asked <= 48 - written
