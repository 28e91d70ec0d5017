"""The team store's cost: a DuckLake catalog on PostgreSQL against a DuckDB file, in one run.

Both stores are driven the same way, by the real ``annotate`` CLI from the team venv (``make
team``; DuckDB 1.5.5 for both, so only the store differs), against the project's OpenAI-compatible
test server at 0.2 s latency, on the same generated documents:

- ``prelabel``: wall time of one ``annotate prelabel --concurrency 32`` over N documents, lake / file.
- ``prelabel, 2 writers``: the lake with the same documents split between two processes at once,
  against one process on the lake: what a second machine buys when the model is not the limit
  (on one 2-core box both processes share the CPU, so expect little).
- ``export``: wall time of ``annotate export --format parquet`` of the same gold (copied from the
  predictions, so both stores hold identical rows), lake / file. The lake's export reads one
  pinned snapshot and runs sequentially (its cursors would not see the snapshot).

PostgreSQL is started by the bench as in the tests (``tests/plugins/postgres.py``) and stopped by
its PID. Figures are ratios against the DuckDB file measured in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEAM = ROOT / ".team-venv" / "bin"
N = int(os.environ.get("BENCH_TEAM_DOCS", "240"))
COPY_GOLD = (
    "import sys; from annotate.store.db import connect, transaction\n"
    "con = connect(sys.argv[1])\n"
    "with transaction(con):\n"
    '    con.execute("INSERT INTO gold (gold_id, doc_id, schema_name, version, record, groundings)'
    " SELECT 'g-' || doc_id, doc_id, schema_name, 1, record, groundings FROM predictions\")\n"
)


def _timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    out = subprocess.run(args, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])}: exit {out.returncode}: {out.stderr.strip()[-500:]}")
    return time.perf_counter() - start


def _prelabel(folders: list[Path], db: str, env: dict[str, str]) -> float:
    args = [str(TEAM / "annotate"), "prelabel", *map(str, folders), "--backend", "llm", "--concurrency", "32"]
    return _timed([*args, "--db", db], env)


def _two_writers(halves: list[Path], db: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [str(TEAM / "annotate"), "prelabel", str(h), "--backend", "llm", "--concurrency", "32", "--db", db],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for h in halves
    ]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"prelabel (2 writers): exit {p.returncode}: {err.strip()[-500:]}")
    return time.perf_counter() - start


def _export(db: str, out: Path, env: dict[str, str]) -> float:
    subprocess.run([str(TEAM / "python"), "-c", COPY_GOLD, db], env=env, check=True, capture_output=True)
    return _timed([str(TEAM / "annotate"), "export", "--format", "parquet", "--out", str(out), "--db", db], env)


def main() -> int:
    if not (TEAM / "annotate").is_file():
        print("the team venv is missing: `make team` builds it", file=sys.stderr)
        return 1
    sys.path.insert(0, str(ROOT))
    from bench.bench_batch_throughput import point_at, restore
    from tests.plugins.postgres import start_postgres, stop_postgres
    from tests.support.corpus import generate_corpus
    from tests.support.openai_server import OpenAITestServer

    server = start_postgres()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-team-") as tmp,
            OpenAITestServer(ROOT / "tests" / "fixtures", latency=0.2) as llm,
        ):
            base = Path(tmp)
            saved = point_at(llm.base_url)
            try:
                docs = base / "docs"
                generate_corpus(docs, N, seed=11)
                halves = [base / "half-a", base / "half-b"]
                for i, path in enumerate(sorted(docs.iterdir())):
                    halves[i % 2].mkdir(exist_ok=True)
                    (halves[i % 2] / path.name).write_bytes(path.read_bytes())
                env = {**os.environ, "ANNOTATE_EXTENSION_DIR": str(base / "ext")}
                lakes = [server.new_database(f"bench_{i}", f"bench_lake_{i}") for i in range(2)]
                stores = {
                    "file": str(base / "file.duckdb"),
                    "lake": f"ducklake:postgres:{lakes[0].conninfo()}",
                    "lake2": f"ducklake:postgres:{lakes[1].conninfo()}",
                }
                env_for = {
                    "file": env,
                    "lake": {**env, "ANNOTATE_DATA_PATH": str(base / "lake-data")},
                    "lake2": {**env, "ANNOTATE_DATA_PATH": str(base / "lake2-data")},
                }
                pre = {name: _prelabel([docs], stores[name], env_for[name]) for name in ("file", "lake")}
                two = _two_writers(halves, stores["lake2"], env_for["lake2"])
                exp = {name: _export(stores[name], base / f"out-{name}", env_for[name]) for name in ("file", "lake")}
            finally:
                restore(saved)
    finally:
        stop_postgres(server)
    print(f"{N} documents, test server latency 0.2 s, concurrency 32, DuckDB 1.5.5 for both stores")
    print(
        f"prelabel   file {pre['file']:6.2f} s   lake {pre['lake']:6.2f} s   lake/file {pre['lake'] / pre['file']:.2f}"
    )
    print(f"prelabel   lake, 2 writers on halves {two:6.2f} s   2 writers / 1 writer {two / pre['lake']:.2f}")
    print(
        f"export     file {exp['file']:6.2f} s   lake {exp['lake']:6.2f} s   lake/file {exp['lake'] / exp['file']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
