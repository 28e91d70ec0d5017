"""A review store built from the scenario fixture once per session, copied per test."""

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
