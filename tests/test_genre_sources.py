"""Genres added from outside the repository, with no code edit: a folder of schema and prompt files.

The pack under ``tests/fixtures/genre_pack`` (an office memo) is copied to a temporary folder, as a
team would keep it in its own project, and used through ``./schemas``, ``ANNOTATE_SCHEMAS`` and the
real CLI — with the offline rules (which it has none of: one clear line) and with an LLM backend.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotate.extraction.prompts import get_prompt, load_prompts
from annotate.localmodel.server import LocalModelInfo
from annotate.schema_registry import SchemaError, get_schema, load_schemas
from tests.support.openai_server import OpenAITestServer

PACK = Path(__file__).resolve().parent / "fixtures" / "genre_pack"
BUILT_IN = {"meeting_review", "task_progress", "public_report"}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "memo-project"
    shutil.copytree(PACK, folder)
    return folder


@pytest.fixture(autouse=True)
def _fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANNOTATE_SCHEMAS", "ANNOTATE_PROMPTS"):
        monkeypatch.delenv(name, raising=False)


def annotate(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from annotate.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANNOTATE_"))}
    env.update(extra)
    return env


def test_a_pack_in_annotate_schemas_adds_its_genre_on_top_of_the_built_ins(
    pack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANNOTATE_SCHEMAS", str(pack / "schemas"))
    schemas = load_schemas()
    assert BUILT_IN | {"memo"} <= set(schemas)
    memo = schemas["memo"]
    assert memo.origin == "ANNOTATE_SCHEMAS" and schemas["meeting_review"].origin == "built-in"
    assert memo.rules is None
    assert memo.model.model_json_schema()["$defs"]["Point"]  # the shared piece, imported relatively
    assert get_prompt("memo").id == "memo.v1"  # found in the pack's prompts/, beside its schemas/
    assert get_prompt("meeting_review").path.parent.name == "prompts"  # the built-in prompts stay
    assert "schemas" not in sys.modules or "memo" not in dir(sys.modules["schemas"])


def test_the_working_directory_schemas_folder_is_a_genre_source(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(pack)
    assert get_schema("memo").origin == "./schemas"
    assert "memo" in load_prompts()
    monkeypatch.chdir(pack.parent)
    assert "memo" not in load_schemas()  # seen again as soon as the folder is no longer here


def test_a_local_genre_of_a_built_in_name_overrides_it(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = pack / "schemas" / "memo.py"
    file.write_text(file.read_text(encoding="utf-8").replace('NAME = "memo"', 'NAME = "public_report"'), "utf-8")
    monkeypatch.setenv("ANNOTATE_SCHEMAS", str(pack / "schemas"))
    assert get_schema("public_report").origin == "ANNOTATE_SCHEMAS"
    assert set(get_schema("public_report").model.model_fields) == {"subject", "points"}


def test_two_folders_both_named_schemas_do_not_collide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    shutil.copytree(PACK, first)
    shutil.copytree(PACK, second)
    memo = second / "schemas" / "memo.py"
    memo.write_text(memo.read_text(encoding="utf-8").replace('NAME = "memo"', 'NAME = "memo2"'), "utf-8")
    pieces = second / "schemas" / "_pieces.py"
    pieces.write_text(pieces.read_text(encoding="utf-8").replace("text: str", "words: str"), "utf-8")
    monkeypatch.setenv("ANNOTATE_SCHEMAS", os.pathsep.join([str(first / "schemas"), str(second / "schemas")]))
    schemas = load_schemas()
    assert set(schemas["memo"].model.model_json_schema()["$defs"]["Point"]["properties"]) == {"text"}
    assert set(schemas["memo2"].model.model_json_schema()["$defs"]["Point"]["properties"]) == {"words"}


def test_a_broken_schema_file_is_one_line_naming_it(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (pack / "schemas" / "broken.py").write_text("NAME = 'broken'\nMODEL = undefined_name\n", "utf-8")
    monkeypatch.setenv("ANNOTATE_SCHEMAS", str(pack / "schemas"))
    with pytest.raises(SchemaError, match=r"broken\.py: cannot load") as info:
        load_schemas()
    assert "\n" not in str(info.value)


def test_the_cli_says_one_line_when_a_genre_has_no_offline_rules(pack: Path) -> None:
    proc = annotate(["extract", "memo.txt", "--backend", "rules"], pack, clean_env())
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert errors == [
        "annotate: error: memo.txt: rules failed: no offline rules for genre 'memo' (its schema file, from "
        "./schemas, defines no RULES); use an LLM backend (--backend llm)"
    ]
    assert "Traceback" not in proc.stderr


def test_the_cli_extracts_a_local_genre_with_an_llm_backend(pack: Path, llm_server: OpenAITestServer) -> None:
    env = clean_env(OPENAI_BASE_URL=llm_server.base_url, OPENAI_API_KEY="sk-genre-test", ANNOTATE_MODEL="m")
    proc = annotate(["extract", "memo.txt", "--json"], pack, env)  # routed to the memo genre by its KEYWORDS
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["schema"] == "memo"
    assert out["model_version"].startswith("memo/memo.v1@")  # the pack's own prompt was sent
    text = (pack / "memo.txt").read_text(encoding="utf-8")
    assert out["groundings"] and all(text[g["start"] : g["end"]] == g["quote"] for g in out["groundings"])


@pytest.mark.live
def test_a_real_model_extracts_a_genre_added_from_outside(pack: Path, local_llm: LocalModelInfo) -> None:
    env = clean_env(**local_llm.env())  # what `eval "$(annotate llm env)"` sets
    proc = annotate(["extract", "memo.txt", "--schema", "memo", "--json"], pack, env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert "办公楼开放时间" in out["record"]["subject"]
    assert len(out["record"]["points"]) >= 1
    assert all(g["status"] != "unaligned" for g in out["groundings"])
