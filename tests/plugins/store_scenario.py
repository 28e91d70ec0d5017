"""``scenario``: a review store replayed from the scenario fixture, built once per session and
copied per test (building it runs the whole push/pull path; the export, evaluation and CLI tests
all read the same one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.export.store_scenario import Scenario, build, copy_of


@pytest.fixture(scope="session")
def scenario_template(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return build(tmp_path_factory.mktemp("scenario") / "template.duckdb")


@pytest.fixture
def scenario(scenario_template: Scenario, db_path: Path) -> Scenario:
    return copy_of(scenario_template, db_path)
