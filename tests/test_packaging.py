"""The tool as a user installs it: the wheel in a fresh venv, used from an unrelated folder, extended by
a plug-in distribution that registers a genre and a backend through entry points.

The wheels are built from a copy of this checkout with uv (``uv build``, setuptools from the package
registry) and installed into a fresh venv with ``uv pip install``, which resolves their declared
dependencies from the package registry: nothing is borrowed from the project's venv, so a runtime
dependency missing from ``pyproject.toml`` fails here (as it would for a user) instead of being
found beside the tests. uv's cache (the one ``make`` fills) keeps this to seconds; the only network
use is the index's metadata. uv is the one ``make`` installs beside the project's Python (as
``annotate ls up`` finds it), or on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_bc3a7675d392fb2c.txt"
PLUGIN = ROOT / "tests" / "fixtures" / "genre_plugin"
MEMO = ROOT / "tests" / "fixtures" / "genre_pack" / "memo.txt"


def run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANNOTATE_", "PYTHON"))}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env={**clean, **env}, timeout=600)


def uv(*args: str, cwd: Path) -> None:
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.is_file() else shutil.which("uv")
    assert found, "uv is needed: `make setup` installs it into .venv (or put it on PATH)"
    proc = run([found, *args], cwd)
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with the wheel of this checkout, the memo plug-in and the dependencies they
    declare (resolved from the package registry) installed; yields its bin/."""
    work = tmp_path_factory.mktemp("packaging")
    dist, source = work / "dist", work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("annotate", "schemas", "prompts"):  # a copy: no stale build/ or egg-info leaks into the wheel
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    uv("build", "-q", "--wheel", "-o", str(dist), str(source), cwd=work)
    plugin = work / "plugin"
    shutil.copytree(PLUGIN, plugin)
    uv("build", "-q", "--wheel", "-o", str(dist), str(plugin), cwd=work)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    wheels = sorted(dist.glob("*.whl"))
    assert {w.name.split("-")[0] for w in wheels} == {"annotate", "annotate_memo"}
    uv("pip", "install", "-q", "--python", str(venv / "bin" / "python"), *map(str, wheels), cwd=work)
    yield venv / "bin"


def test_every_package_of_the_source_tree_is_listed_for_the_wheel() -> None:
    """The package list in pyproject.toml is written out (the genres are mapped in from the top
    level), so a new subpackage must be added there; this says which one was forgotten."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "annotate").rglob("__init__.py")}
    assert found - listed == set()


def test_the_wheel_ships_the_built_in_genres(installed: Path, tmp_path: Path) -> None:
    code = (
        "import json; from annotate.schema_registry import load_schemas; "
        "from annotate.extraction.prompts import load_prompts; "
        "s = load_schemas(); p = load_prompts(); "
        "print(json.dumps({'schemas': {k: str(v.model.__module__) for k, v in s.items()}, "
        "'prompts': {k: str(v.path) for k, v in p.items()}}))"
    )
    proc = run([str(installed / "python"), "-c", code], tmp_path)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert {"meeting_review", "task_progress", "public_report", "memo"} <= set(found["schemas"])
    assert found["schemas"]["meeting_review"] == "annotate.genres.schemas.meeting_review"
    assert {"router", "meeting_review", "task_progress", "public_report", "memo"} <= set(found["prompts"])
    venv = str(installed.parent)
    assert all(path.startswith(venv) for path in found["prompts"].values()), found["prompts"]


def test_the_installed_tool_extracts_a_seed_from_an_unrelated_folder(installed: Path, tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / SEED.name)
    proc = run([str(installed / "annotate"), "extract", SEED.name, "--backend", "rules", "--json"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["schema"] == "meeting_review" and out["record"]["units"]
    assert out["model_version"].startswith("meeting_review/rules@")


def test_a_plug_in_registers_a_genre_and_a_backend(installed: Path, tmp_path: Path) -> None:
    shutil.copy(MEMO, tmp_path / "memo.txt")
    annotate = str(installed / "annotate")
    proc = run([annotate, "extract", "memo.txt", "--backend", "subject-line", "--json"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["schema"] == "memo" and out["record"]["subject"] == "关于调整办公楼开放时间的通知"
    rules = run([annotate, "extract", "memo.txt", "--backend", "rules"], tmp_path)
    assert rules.returncode == 1
    assert "no offline rules for genre 'memo' (its schema file, from plug-in memo, defines no RULES)" in rules.stderr
    unknown = run([annotate, "extract", "memo.txt", "--backend", "nope"], tmp_path)
    assert unknown.returncode == 1 and "choose one of auto, llm, rules, subject-line" in unknown.stderr


def test_the_installed_tool_folds_traditional_characters(installed: Path, tmp_path: Path) -> None:
    """opencc is imported only when a Traditional character is folded for alignment, which the seed
    above never needs: this is what fails when that dependency is missing from pyproject.toml."""
    code = "from annotate.core.alignment import fold_char; print(fold_char('們'))"
    proc = run([str(installed / "python"), "-c", code], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "们"
