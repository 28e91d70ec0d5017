"""`make demo` installs the runtime only; `make test` adds the dev extra, into the same .venv.

Read from the Makefile and pyproject.toml (running make here would rebuild the venv the tests run in).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _rules() -> dict[str, tuple[list[str], list[str]]]:
    """target -> (prerequisites, recipe lines), variables left as written."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] | None = None
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("\t") and current is not None:
            current.append(line.strip())
            continue
        m = re.match(r"^([^\s:=#][^:=]*):(?!=)\s*(.*)$", line)
        if m:
            current = []
            for target in m.group(1).split():
                rules[target] = (m.group(2).split(), current)
        elif not line.startswith("#"):
            current = None
    return rules


def _installs(rules: dict[str, tuple[list[str], list[str]]], target: str, seen: set[str] | None = None) -> list[str]:
    """The pip/uv install lines run to make ``target``, prerequisites first."""
    seen = set() if seen is None else seen
    if target in seen or target not in rules:
        return []
    seen.add(target)
    prereqs, recipe = rules[target]
    lines = [line for p in prereqs for line in _installs(rules, p, seen)]
    return lines + [line for line in recipe if " install " in line]


def test_demo_installs_the_runtime_dependencies_only() -> None:
    lines = _installs(_rules(), "demo")
    assert lines, "make demo installs nothing?"
    assert not any("[" in line for line in lines), lines  # no extra: no pytest, playwright, datasets
    assert any(line.endswith("install -q --python $(BIN)/python -e .") for line in lines), lines


def test_test_and_lint_add_the_dev_extra_to_the_same_venv() -> None:
    rules = _rules()
    for target in ("test", "lint", "bench"):
        lines = _installs(rules, target)
        assert any("-e '.[dev]'" in line for line in lines), (target, lines)
        assert lines[: len(_installs(rules, "demo"))] == _installs(rules, "demo")  # the runtime first
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    names = {re.split(r"[<>=\[ ]", d, maxsplit=1)[0] for d in dev}
    assert {"pytest", "playwright", "ruff", "datasets", "pip"} <= names


def test_uv_is_bootstrapped_with_pip_then_does_the_installs() -> None:
    lines = _installs(_rules(), "demo")
    assert "pip install" in lines[0] and "uv" in lines[0]
    assert all(line.startswith("$(UV) pip install") for line in lines[1:])
