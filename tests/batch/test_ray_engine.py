"""``prelabel --engine ray`` on a real local Ray cluster (2 CPUs) against the real test server:
the store must equal a local run's, a SIGKILLed worker or driver must lose and duplicate nothing,
and without Ray the command says in one line how to get it.

One cluster for the module: Ray takes ~10 s to start on two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# set before Ray is imported (read at import): advertise 127.0.0.1, do not report usage home
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import ray  # isort: skip
import psutil  # isort: skip  (Ray ships it in ray/thirdparty_files and puts that on sys.path)
from typer.testing import CliRunner

from annotate.batch import BatchOptions, run_batch
from annotate.batch.ray_engine import prelabel_ray
from annotate.cli import app
from annotate.store.db import connect
from annotate.store.progress import read_progress
from tests.support.corpus import generate_corpus
from tests.support.openai_server import OpenAITestServer

ANNOTATE = str(Path(sys.executable).parent / "annotate")
OPTIONS = BatchOptions(backend="llm", concurrency=2)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A real local Ray cluster of 2 CPUs; yields its address for drivers in other processes."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def _corpus(folder: Path, count: int) -> None:
    generate_corpus(folder, count, seed=5)
    (folder / "zz_copy.txt").write_bytes(sorted(folder.glob("0003_*"))[0].read_bytes())  # a duplicate
    (folder / "zz_empty.txt").write_text("", encoding="utf-8")  # fails to load: a recorded failure


def _content(db: Path) -> dict[str, object]:
    """What must not depend on the engine nor on kills: rows, and the absence of duplicates."""
    con = connect(db, read_only=True)
    try:
        q = con.execute
        return {
            "documents": q("SELECT doc_id, source, text, schema_name FROM documents ORDER BY doc_id").fetchall(),
            "predictions": q(
                "SELECT doc_id, schema_name, version_key, backend, record, groundings, confidence "
                "FROM predictions ORDER BY doc_id, version_key"
            ).fetchall(),
            "duplicate_predictions": q(
                "SELECT count(*) - count(DISTINCT (doc_id, version_key)) FROM predictions"
            ).fetchone(),
            "open_failures": q(
                "SELECT stage, reason, source FROM failures WHERE NOT resolved ORDER BY source"
            ).fetchall(),
            "calls_per_doc": q(
                "SELECT doc_id, count(*) FROM llm_calls GROUP BY doc_id HAVING count(*) <> 1"
            ).fetchall(),
            "cache_rows": q("SELECT count(*) FROM response_cache").fetchone(),
        }
    finally:
        con.close()


def _local(folder: Path, db: Path) -> dict[str, object]:
    summary = asyncio.run(run_batch([folder], OPTIONS, db=db))
    assert summary.failed == 1 and summary.duplicates == 1
    return _content(db)


def test_ray_run_stores_what_a_local_run_stores(cluster: str, llm_server: OpenAITestServer, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    _corpus(folder, 24)
    reference = _local(folder, tmp_path / "local.duckdb")
    assert len(reference["predictions"]) == 24  # type: ignore[arg-type]

    summary = prelabel_ray([folder], OPTIONS, db=tmp_path / "ray.duckdb")
    assert (summary.predicted, summary.duplicates, summary.failed) == (24, 1, 1)
    assert _content(tmp_path / "ray.duckdb") == reference

    before = llm_server.stats()["completions"]
    again = prelabel_ray([folder], OPTIONS, db=tmp_path / "ray.duckdb")
    assert (again.cached, again.predicted, again.calls) == (24, 0, 0)  # skipped before sharding
    assert llm_server.stats()["completions"] == before
    assert _content(tmp_path / "ray.duckdb") == reference


def _title(proc: psutil.Process) -> str:
    try:
        return (proc.cmdline() or [""])[0]
    except psutil.Error:
        return ""


def _kill_shards_while_held(server: OpenAITestServer, killed: list[int]) -> threading.Thread:
    """SIGKILL every Ray worker process running a shard (its title is ``ray::run_shard``) while a
    request of that run is held unanswered by the server, then release the server: only processes
    this test started. The gate makes "mid-run" certain however late this thread is scheduled, and
    killing every running shard makes "answers lost" certain: each answer so far went to a shard
    still running (none can have finished), where killing one worker could pick the shard that had
    none yet."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline and not killed:
                if server.stats()["held"]:
                    for proc in psutil.Process().children(recursive=True):
                        if _title(proc) == "ray::run_shard":
                            with contextlib.suppress(psutil.Error):
                                proc.send_signal(signal.SIGKILL)
                                killed.append(proc.pid)
                    if killed:
                        return
                time.sleep(0.01)
        finally:
            server.configure(hold_after=None)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_killed_worker_is_retried_and_nothing_is_lost_or_duplicated(
    cluster: str, llm_server: OpenAITestServer, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    _corpus(folder, 48)
    llm_server.configure(latency=0.1)
    reference = _local(folder, tmp_path / "local.duckdb")

    before = llm_server.stats()["completions"]
    # shards of 24: no shard can finish while at most 12 requests are answered, so the killed
    # workers certainly die mid-shard, with the 12 answers in hand, lost with them
    llm_server.configure(hold_after=before + 12)
    killed: list[int] = []
    watcher = _kill_shards_while_held(llm_server, killed)
    summary = prelabel_ray([folder], OPTIONS, db=tmp_path / "ray.duckdb", shard_size=24)
    watcher.join(5)
    assert killed, "no Ray worker was running a shard to kill"
    for pid in killed:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert (summary.predicted, summary.failed) == (48, 1)
    assert llm_server.stats()["completions"] - before > 48  # the killed shard was asked again
    assert _content(tmp_path / "ray.duckdb") == reference


def _stored_predictions(db: Path) -> int:
    """Documents predicted in the store, as a running prelabel last published them (0 before that)."""
    report = (read_progress(db) or {}).get("report") or {}
    return int(report.get("predicted") or 0)


def _cli(folder: Path, db: Path, address: str) -> subprocess.Popen[bytes]:
    args = [ANNOTATE, "prelabel", str(folder), "--backend", "llm", "--concurrency", "2", "--db", str(db)]
    return subprocess.Popen(
        [*args, "--engine", "ray", "--ray-address", address],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )


def test_a_killed_driver_then_a_rerun_equals_a_local_run(
    cluster: str, llm_server: OpenAITestServer, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    _corpus(folder, 48)
    llm_server.configure(latency=0.1)
    reference = _local(folder, tmp_path / "local.duckdb")
    db = tmp_path / "ray.duckdb"

    # half way: 24 answers, then the server holds every request until the driver is dead, and the
    # driver is killed only once its progress file shows shards written (certain, not timed)
    llm_server.configure(hold_after=llm_server.stats()["completions"] + 24)
    driver = _cli(folder, db, cluster)
    deadline = time.monotonic() + 90
    try:
        while not (llm_server.stats()["held"] and _stored_predictions(db) > 0):
            assert driver.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no shard was written while the server held requests"
            time.sleep(0.05)
        driver.kill()
        assert driver.wait(10) == -9
    finally:
        llm_server.configure(hold_after=None)
    deadline = time.monotonic() + 30  # Ray stops the dead driver's tasks: none may answer late
    while any(_title(p) == "ray::run_shard" for p in psutil.Process().children(recursive=True)):
        assert time.monotonic() < deadline, "the killed driver's shards still run"
        time.sleep(0.05)
    partial = _content(db)
    assert 0 < len(partial["predictions"]) < 48  # type: ignore[arg-type]
    assert partial["duplicate_predictions"] == (0,)

    before = llm_server.stats()["completions"]
    rerun = _cli(folder, db, cluster)
    assert rerun.wait(120) == 1, rerun.stderr.read().decode() if rerun.stderr else ""  # 1: the empty file
    assert llm_server.stats()["completions"] - before <= 48 - len(partial["predictions"])  # type: ignore[arg-type]
    assert _content(db) == reference


def test_without_ray_the_command_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    generate_corpus(tmp_path / "docs", 1)
    result = CliRunner().invoke(
        app, ["prelabel", str(tmp_path / "docs"), "--engine", "ray", "--db", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("annotate: error:")]
    assert errors == ["annotate: error: --engine ray needs Ray, which is not installed: pip install 'annotate[ray]'"]
    assert "Traceback" not in result.stderr
