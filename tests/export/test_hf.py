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


@pytest.mark.skipif(importlib.util.find_spec("datasets") is None, reason="needs the optional 'datasets' extra")
def test_record_is_nested_like_the_schema_and_the_export_is_quiet(
    scenario: Scenario, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    import datasets
    import pyarrow as pa

    from annotate.export.parquet import record_structure
    from annotate.schema_registry import get_schema
    from annotate.store.gold import latest_gold

    con = connect(scenario.db, read_only=True)
    out = tmp_path / "hf"
    capfd.readouterr()
    run_export(con, fmt="hf", out=out, selection=parse_version("latest"), split="100")
    assert capfd.readouterr() == ("", "")  # no progress bars, no cache messages
    assert datasets.is_progress_bar_enabled()  # and the caller's setting is back
    for schema in ("meeting_review", "task_progress"):
        train = datasets.load_from_disk(str(out / schema))["train"]
        record_type = train.data.schema.field("record").type
        assert pa.types.is_struct(record_type)  # nested columns, not a JSON string
        assert [f.name for f in record_type] == list(record_structure(get_schema(schema).model))
        for row in train:
            gold = latest_gold(con, row["doc_id"], schema)
            assert row["gold_id"] == gold["gold_id"]
            assert _present(row["record"]) == _present(gold["record"])
    items = datasets.load_from_disk(str(out / "task_progress"))["train"][0]["record"]["items"]
    assert isinstance(items, list) and isinstance(items[0]["seq"], int) and isinstance(items[0]["lead_units"], list)
    con.close()


def _present(value: object) -> object:
    """``value`` without null fields: a nested column has every field of the schema, null when absent."""
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_present(v) for v in value]
    return value


@pytest.mark.skipif(importlib.util.find_spec("datasets") is None, reason="needs the optional 'datasets' extra")
def test_record_features_follow_the_duckdb_types() -> None:
    import datasets

    from annotate.export.hf import feature, json_as_text

    structure = json_as_text({"a": "JSON", "n": ["BIGINT"], "x": {"v": "DOUBLE", "ok": "BOOLEAN", "s": "VARCHAR"}})
    assert structure == {"a": "VARCHAR", "n": ["BIGINT"], "x": {"v": "DOUBLE", "ok": "BOOLEAN", "s": "VARCHAR"}}
    got = datasets.Features({"record": feature(datasets, structure)})
    want = datasets.Features({"record": {
        "a": datasets.Value("string"), "n": [datasets.Value("int64")],
        "x": {"v": datasets.Value("float64"), "ok": datasets.Value("bool"), "s": datasets.Value("string")},
    }})  # fmt: skip
    assert got == want


@pytest.mark.skipif(importlib.util.find_spec("datasets") is None, reason="needs the optional 'datasets' extra")
def test_several_passes_write_the_same_datasets(scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets as hf

    from annotate.store import datasets

    con = connect(scenario.db, read_only=True)
    one = run_export(con, fmt="hf", out=tmp_path / "one", selection=parse_version("1"))
    monkeypatch.setattr(datasets, "PASS_BYTES", 20_000)  # a few documents per pass, some passes miss a split
    assert len(datasets.key_ranges(con, parse_version("1"))) >= 3
    many = run_export(con, fmt="hf", out=tmp_path / "many", selection=parse_version("1"))
    assert one.files == many.files and one.documents == many.documents == 5

    def rows(root: Path) -> list[str]:
        return sorted(
            str(sorted(row.items())) for key in one.files for row in hf.load_from_disk(str(root / key.split("/")[0]))[key.split("/")[1]]
        )

    assert rows(tmp_path / "one") == rows(tmp_path / "many")
    con.close()
