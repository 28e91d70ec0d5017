"""``annotate prelabel``, ``status`` and ``show`` as a user runs them: real subprocesses, a real
store file, the project's real OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.corpus import generate_corpus
from tests.support.openai_server import OpenAITestServer

ANNOTATE = str(Path(sys.executable).parent / "annotate")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SECRET = "sk-annotate-cli-SECRET-93be0f1d"
STAGE_KEYS = ("documents", "predicted", "failed", "pushed", "annotated", "gold", "quarantined")


@pytest.fixture
def server() -> Iterator[OpenAITestServer]:
    with OpenAITestServer(fixtures=FIXTURES) as s:
        yield s


@pytest.fixture
def env(server: OpenAITestServer, tmp_path: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANNOTATE_"))}
    out.update(
        OPENAI_BASE_URL=server.base_url,
        OPENAI_API_KEY=SECRET,
        ANNOTATE_LLM_TIMEOUT="5",
        ANNOTATE_DB=str(tmp_path / "from-env.duckdb"),
        COLUMNS="120",
    )
    return out


def run(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ANNOTATE, *args], env=env, capture_output=True, text=True, timeout=timeout)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The stderr of a failed command: exactly one error line, never a traceback."""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("annotate: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_prelabel_status_show_and_a_free_rerun(
    env: dict[str, str], server: OpenAITestServer, seeds_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "review.duckdb"
    first = run(env, "prelabel", str(seeds_dir), "--backend", "llm", "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "prelabel summary" in first.stdout and "LLM calls" in first.stdout
    assert "5/5" in first.stderr  # the progress bar reached the end
    lines = [line for line in first.stderr.splitlines() if line.startswith("prelabel ") and " predicted " in line]
    assert len(lines) == 5 and lines[0].startswith("prelabel 1/5"), first.stderr  # stderr is a pipe: plain lines
    assert db.exists() and not (tmp_path / "from-env.duckdb").exists()  # --db beats ANNOTATE_DB
    completions = server.stats()["completions"]
    assert completions >= 5

    status = run(env, "status", "--json", "--db", str(db))
    assert status.returncode == 0, status.stderr
    counts = json.loads(status.stdout)  # exactly one JSON object, nothing else on stdout
    assert all(isinstance(counts[k], int) for k in STAGE_KEYS)
    assert (counts["documents"], counts["predicted"], counts["failed"]) == (5, 5, 0)
    table = run(env, "status", "--db", str(db))
    assert table.returncode == 0 and "predicted" in table.stdout

    again = run(env, "prelabel", str(seeds_dir), "--backend", "llm", "--db", str(db), "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["calls"], summary["cached"], summary["predicted"]) == (0, 5, 0)
    assert server.stats()["completions"] == completions  # zero LLM calls on the re-run

    doc_id = counts_doc_id(env, db)
    shown = run(env, "show", doc_id[:8], "--json", "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["doc_id"] == doc_id and data["prediction"]["record"]
    text = (seeds_dir / Path(data["source"]).name).read_text(encoding="utf-8")
    aligned = [g for g in data["prediction"]["groundings"] if g["start"] is not None]
    assert aligned
    for g in aligned:  # show's offsets index the document's cleaned text (which the source contains)
        assert g["quote"] in text
    assert data["gold"] is None
    add_gold(db, data)  # what `pull` does later: show then includes the latest gold
    with_gold = json.loads(run(env, "show", doc_id, "--json", "--db", str(db)).stdout)
    assert with_gold["gold"]["record"] == data["prediction"]["record"]
    assert with_gold["gold"]["version"] == 1
    pretty = run(env, "show", doc_id, "--db", str(db))
    assert pretty.returncode == 0 and doc_id in pretty.stdout and "groundings" in pretty.stdout
    missing = run(env, "show", "ffffffffffff", "--db", str(db))
    assert missing.returncode != 0 and "ffffffffffff" in one_error_line(missing)


def add_gold(db: Path, shown: dict) -> None:
    from annotate.store.db import connect
    from annotate.store.gold import add_gold_version

    con = connect(db)
    try:
        prediction = shown["prediction"]
        add_gold_version(
            con, doc_id=shown["doc_id"], schema_name=shown["schema"], record=prediction["record"],
            groundings=prediction["groundings"], prediction_version_key=prediction["model_version"],
        )
    finally:
        con.close()


def counts_doc_id(env: dict[str, str], db: Path) -> str:
    """A doc id from the store, found the way a user would: `status --json` lists none, so `show`
    is fed from the predictions the run just made (read with the store's own API)."""
    from annotate.store.db import connect
    from annotate.store.predictions import list_predictions

    con = connect(db, read_only=True)
    try:
        return list_predictions(con)[0].doc_id
    finally:
        con.close()


def test_env_db_is_used_without_flag(env: dict[str, str], seeds_dir: Path) -> None:
    result = run(env, "prelabel", str(seeds_dir / "002_f24e79617b591595.txt"), "--backend", "rules")
    assert result.returncode == 0, result.stderr
    assert Path(env["ANNOTATE_DB"]).exists()


def test_a_failed_document_means_nonzero_exit_and_is_listed(
    env: dict[str, str], seeds_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seeds_dir / "001_7fbc296d44d6aab6.txt", folder / "good.txt")
    (folder / "broken.txt").write_bytes(b"")
    db = tmp_path / "f.duckdb"
    result = run(env, "prelabel", str(folder), "--backend", "rules", "--db", str(db))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = [ln for ln in result.stderr.splitlines() if "broken.txt" in ln and ln.startswith("failed")]
    assert "empty" in line
    status = json.loads(run(env, "status", "--json", "--db", str(db)).stdout)
    assert (status["predicted"], status["failed"]) == (1, 1)
    assert "broken.txt" in status["open_failures"][0]["source"]
    assert "broken.txt" in run(env, "status", "--db", str(db)).stdout


def test_unreachable_endpoint_fails_fast_with_one_line(env: dict[str, str], tmp_path: Path) -> None:
    with OpenAITestServer() as gone:
        url = gone.base_url  # the port is free again once this server stopped
    env = {**env, "OPENAI_BASE_URL": url}
    generate_corpus(tmp_path / "docs", 12)
    result = run(env, "prelabel", str(tmp_path / "docs"), "--backend", "llm", "--db", str(tmp_path / "u.duckdb"))
    assert result.returncode == 2
    assert "cannot reach" in one_error_line(result)


def test_bad_key_fails_fast_with_one_line(
    env: dict[str, str], server: OpenAITestServer, seeds_dir: Path, tmp_path: Path
) -> None:
    server.configure(api_key="sk-some-other-key-000")
    result = run(env, "prelabel", str(seeds_dir), "--backend", "llm", "--db", str(tmp_path / "k.duckdb"))
    assert result.returncode == 2
    assert "API key" in one_error_line(result)
    assert SECRET not in result.stderr + result.stdout


def test_busy_database_names_the_process(env: dict[str, str], seeds_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom annotate.store.db import connect\ncon = connect(sys.argv[1])\n"
         "print('READY', flush=True)\ntime.sleep(60)\n", str(db)],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "READY"
        quick = {**env, "ANNOTATE_DB_WAIT": "0.3"}
        for args in (["status", "--json"], ["prelabel", str(seeds_dir), "--backend", "rules"]):
            result = run(quick, *args, "--db", str(db))
            assert result.returncode == 2
            line = one_error_line(result)
            assert "in use" in line and f"process {holder.pid}" in line
            assert result.stdout == ""
    finally:
        holder.kill()
        holder.wait()


def test_ctrl_c_stops_cleanly_and_keeps_finished_work(
    env: dict[str, str], server: OpenAITestServer, tmp_path: Path
) -> None:
    generate_corpus(tmp_path / "docs", 24)
    server.configure(latency=0.2)
    db = tmp_path / "c.duckdb"
    proc = subprocess.Popen(
        [ANNOTATE, "prelabel", str(tmp_path / "docs"), "--backend", "llm", "--concurrency", "2", "--db", str(db)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while server.stats()["completions"] < 6:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert "prelabel summary" in out  # what was done is still reported
    server.configure(latency=0.0)
    status = json.loads(run(env, "status", "--json", "--db", str(db)).stdout)
    assert 4 <= status["predicted"] < 24 and status["failed"] == 0
    rest = run(env, "prelabel", str(tmp_path / "docs"), "--backend", "llm", "--db", str(db), "--json")
    assert rest.returncode == 0
    done = json.loads(rest.stdout)
    assert done["cached"] >= status["predicted"] and done["cached"] + done["predicted"] == 24


def test_secrets_never_reach_db_logs_or_outputs(
    env: dict[str, str], server: OpenAITestServer, seeds_dir: Path, tmp_path: Path
) -> None:
    server.configure(api_key=SECRET, fail_next=2, faults=["500", "malformed"])  # the key is really used
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(seeds_dir / "000_bc3a7675d392fb2c.txt", work / "a.txt")
    shutil.copy(seeds_dir / "004_da9373b7adbb6a20.txt", work / "b.txt")
    (work / "bad.txt").write_bytes(b"")
    db = tmp_path / "s.duckdb"
    outputs = [run(env, "prelabel", str(work), "--backend", "llm", "--db", str(db))]
    outputs.append(run(env, "status", "--db", str(db)))
    outputs.append(run(env, "status", "--json", "--db", str(db)))
    doc_id = counts_doc_id(env, db)
    outputs.append(run(env, "show", doc_id, "--json", "--db", str(db)))
    assert outputs[0].returncode == 1  # the empty file failed; the rest were predicted with the key
    assert json.loads(outputs[2].stdout)["predicted"] == 2
    for result in outputs:
        assert SECRET not in result.stdout and SECRET not in result.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert db in files
    for path in files:  # the database (and its WAL, if any), logs, anything the run wrote
        assert SECRET.encode() not in path.read_bytes(), path
