"""A review store pre-labeled from ``seeds/`` with the offline rules backend, as a user makes one.

Built once per session by the real CLI and copied per test; the copy keeps the paths the way
``prelabel`` stored them (relative to the repository root, where the tests run the commands).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from annotate.cli import app

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args: str, columns: int = 80) -> Result:
    """The real command in-process, in a terminal of ``columns`` columns."""
    env = {"COLUMNS": str(columns), "OPENAI_BASE_URL": None, "OPENAI_API_KEY": None}  # None: unset
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def error_line(result: Result) -> str:
    """A failed command's stderr: exactly one error line, never a traceback."""
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    errors = [line for line in result.stderr.splitlines() if line.startswith("annotate: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def assert_fits(text: str, width: int = 80) -> None:
    """Every line fits the terminal and no value was cut short with an ellipsis."""
    for line in text.splitlines():  # cells, not characters: 会 takes two
        assert cell_len(line) <= width, f"{cell_len(line)} > {width}: {line!r}"
    assert "…" not in text, text


@pytest.fixture(scope="session")
def rules_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("rules-store") / "review.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        result = invoke("prelabel", "seeds", "--backend", "rules", "--db", db)
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def rules_store(rules_store_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the seeds store; the commands run from the repository root."""
    db = tmp_path / "review.duckdb"
    shutil.copy(rules_store_template, db)
    monkeypatch.chdir(ROOT)
    yield db
