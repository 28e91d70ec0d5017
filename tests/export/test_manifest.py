"""manifest.json: the head plus a streamed gold id list, valid JSON either way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.export.manifest import ManifestError, read_manifest, write_manifest


def test_streamed_ids_make_valid_json(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    ids = (f"{i:016x}:meeting_review:v1" for i in range(2500))  # a generator: never a list
    assert write_manifest(path, {"format": "parquet", "counts": {"meeting_review": {"train": 2500}}}, ids) == 2500
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["manifest_version"] == 1 and data["format"] == "parquet"
    assert len(data["gold_ids"]) == 2500 and data["gold_ids"][1] == "0000000000000001:meeting_review:v1"
    assert read_manifest(path)["counts"] == {"meeting_review": {"train": 2500}}


def test_no_ids_and_unicode(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    write_manifest(path, {"command": "annotate export --out 导出"}, iter(()))
    data = read_manifest(path)
    assert data["gold_ids"] == [] and data["command"] == "annotate export --out 导出"
    with pytest.raises(ValueError):
        write_manifest(path, {"gold_ids": []}, [])


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "not a JSON manifest"), ('{"format": "x"}', "no gold_ids"), ('{"gold_ids": [1]}', "must be strings")],
)
def test_bad_manifests_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=message) as info:
        read_manifest(path)
    assert str(path) in str(info.value)
    with pytest.raises(ManifestError, match="cannot read"):
        read_manifest(tmp_path / "missing.json")
