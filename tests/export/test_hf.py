"""hf: `datasets` is an optional extra; without it the export says so in one line and writes nothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from annotate.export import ExportError, parse_version, run_export
from annotate.export.hf import MISSING
from annotate.store.db import connect
from tests.export.store_scenario import Scenario


def test_missing_datasets_is_one_clear_line(scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(  # a machine without the extra, even where it is installed
        importlib.util, "find_spec", lambda name, *a: None if name == "datasets" else real_find_spec(name, *a)
    )
    con = connect(scenario.db, read_only=True)
    out = tmp_path / "hf"
    with pytest.raises(ExportError) as info:
        run_export(con, fmt="hf", out=out, selection=parse_version("latest"))
    message = str(info.value)
    assert message == MISSING and "\n" not in message
    assert "pip install 'annotate[hf]'" in message
    assert not out.exists() and not list(tmp_path.glob(".hf.*"))
    con.close()


@pytest.mark.skipif(importlib.util.find_spec("datasets") is None, reason="needs the optional 'datasets' extra")
def test_dataset_dict_round_trip(scenario: Scenario, tmp_path: Path) -> None:
    import datasets

    con = connect(scenario.db, read_only=True)
    out = tmp_path / "hf"
    run_export(con, fmt="hf", out=out, selection=parse_version("latest"), split="100")
    loaded = datasets.load_from_disk(str(out / "task_progress"))
    assert list(loaded) == ["train"] and loaded["train"].num_rows == 1
    assert loaded["train"][0]["spans"]
    con.close()
