"""Shared test set-up. Each real server the tests need is a plugin of its own in tests/plugins/."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.plugins.openai_server",
    "tests.plugins.label_studio",
    "tests.plugins.store_scenario",
    "tests.plugins.local_llm",
    "tests.plugins.postgres",
]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = ROOT / "seeds"


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh, real DuckDB file per test."""
    return tmp_path / "review.duckdb"
