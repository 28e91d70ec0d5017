"""Tables fit the terminal: exact values are never cut (no ``0.9…``), columns are dropped instead
and the command says which."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from annotate.cli.tables import Col, print_table
from tests.cli.conftest import assert_fits, invoke
from tests.export.store_scenario import Scenario

COLS = (
    Col("version", keep=10), Col("path", fold=10, keep=9), Col("F1 strict", "right", keep=6),
    Col("AUROC", "right", keep=2), Col("kept/edited/ added/deleted", "right", keep=1, name="effort"),
    Col("reason", fold=12, keep=5),
)  # fmt: skip
ROWS = [
    ("V1", "seeds/000_bc3a7675d392fb2c.txt", "0.912", "0.875", "100%/0%/0%/0%", "a reason in several words"),
    ("V12", "会议/纪要.txt", "1.000", "–", "–", "原因：无法读取"),
]


def render(width: int, **options: object) -> tuple[str, list[str]]:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    dropped = print_table(console, COLS, ROWS, title="t", **options)  # type: ignore[arg-type]
    return console.file.getvalue(), dropped  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [40, 60, 80, 100, 160])
@pytest.mark.parametrize("options", [{}, {"box": None}, {"show_edge": False, "pad_edge": False}])
def test_a_table_fits_and_never_cuts_a_value(width: int, options: dict) -> None:
    out, dropped = render(width, **options)
    assert_fits(out, width)
    shown = [c for c in COLS if (c.name or c.header) not in dropped]
    for row in ROWS:
        for col, value in zip(COLS, row, strict=True):
            if col in shown and col.fold is None:
                assert value in out  # exact values whole, on one line
    if dropped:
        assert f"not shown at {width} columns: {', '.join(dropped)}" in " ".join(out.split())
        assert "effort" in dropped  # the least important goes first


def test_wide_terminals_show_every_column_unbroken() -> None:
    out, dropped = render(160)
    assert dropped == [] and "not shown" not in out
    assert "seeds/000_bc3a7675d392fb2c.txt" in out and "a reason in several words" in out


def test_eval_table_fits_80_columns(scenario: Scenario) -> None:
    narrow = invoke("eval", "--db", scenario.db, columns=80)
    assert narrow.exit_code == 0, narrow.output
    keys = [ln for ln in narrow.stdout.splitlines() if ln.startswith("  V") and " = " in ln]
    assert keys  # "V1 = <version key>": a key stays whole on its line, to copy into --version
    assert_fits("\n".join(ln for ln in narrow.stdout.splitlines() if ln not in keys))
    assert "predictions vs gold" in narrow.stdout and "F1" in narrow.stdout and "norm." in narrow.stdout
    assert "not shown at 80 columns:" in narrow.stdout and "--report has them" in narrow.stdout
    wide = invoke("eval", "--db", scenario.db, columns=200)
    assert wide.exit_code == 0 and "not shown" not in wide.stdout
    assert "AUROC" in wide.stdout and "added/deleted" in wide.stdout


def test_status_fits_80_columns_with_failures(db_path: Path, tmp_path: Path, seeds_dir: Path) -> None:
    (tmp_path / "a-file-with-a-rather-long-name-that-is-empty.txt").write_bytes(b"")
    invoke("prelabel", seeds_dir, tmp_path, "--backend", "rules", "--db", db_path)
    result = invoke("status", "--db", db_path, columns=80)
    assert result.exit_code == 0, result.output
    assert_fits(result.stdout)
    assert "open failures" in result.stdout and "empty file" in result.stdout
