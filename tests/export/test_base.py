"""The shared export plumbing: routing DuckDB's pass files, and running COPYs side by side."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from annotate.export.base import ExportError, route_lines, run_parallel

LINES = [
    '{"s":"meeting_review","p":"train","messages":[{"role":"user","content":"天桥街道\\n"}]}\n',
    '{"s":"task_progress","p":"test","text":"x","spans":[]}\n',
    '{"s":"meeting_review","p":"train","messages":[{"role":"user","content":"second"}]}\n',
]


def test_lines_go_to_their_schema_and_split_without_their_lead_keys(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "pass-00000.jsonl").write_text("".join(LINES[:2]), encoding="utf-8")
    (parts / "pass-00001.jsonl").write_text(LINES[2] + "\n", encoding="utf-8")
    written = route_lines(parts, tmp_path / "out")
    assert list(written) == [("meeting_review", "train"), ("task_progress", "test")]
    train = written[("meeting_review", "train")].read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["messages"][0]["content"] for x in train] == ["天桥街道\n", "second"]  # pass order kept
    assert json.loads(written[("task_progress", "test")].read_text(encoding="utf-8")) == {"text": "x", "spans": []}
    assert not parts.exists()


def test_a_line_without_lead_keys_is_an_error(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "pass-00000.jsonl").write_text('{"messages":[]}\n', encoding="utf-8")
    with pytest.raises(ExportError, match="unexpected line"):
        route_lines(parts, tmp_path / "out")


def test_parallel_tasks_get_their_own_cursor_and_keep_order(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    seen: list[int] = []
    results = run_parallel(
        con,
        [lambda cur, i=i: cur.execute(f"SELECT {i} * 2").fetchone()[0] for i in range(6)],
        on_done=lambda i, r: seen.append(i),
    )
    assert results == [0, 2, 4, 6, 8, 10] and seen == list(range(6))
    with pytest.raises(duckdb.Error):
        run_parallel(con, [lambda cur: cur.execute("SELECT 1"), lambda cur: cur.execute("SELECT nope FROM nowhere")])
    con.close()
