"""Prompt files: one per schema plus the router, fixed part first, document last, id + hash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotate.extraction.prompts import (
    DOC_CLOSE,
    DOC_OPEN,
    PromptError,
    document_of,
    get_prompt,
    load_prompt_file,
    load_prompts,
)
from annotate.schema_registry import load_schemas

ROOT = Path(__file__).resolve().parents[2]


def test_every_schema_and_the_router_have_a_prompt() -> None:
    prompts = load_prompts(ROOT / "prompts")
    assert set(load_schemas()) | {"router"} <= set(prompts)
    ids = [p.id for p in prompts.values()]
    assert len(ids) == len(set(ids))
    for p in prompts.values():
        assert p.id.startswith(p.schema + ".v")
        assert len(p.hash) == 12


def test_document_comes_last_between_markers() -> None:
    prompt = get_prompt("meeting_review", ROOT / "prompts")
    text = "甲街道完成改造。{{ not_a_variable }} {% if x %}"
    messages = prompt.messages(text)
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[-1]["content"]
    assert user.endswith(DOC_OPEN + text + DOC_CLOSE)
    assert document_of(user) == text, "template syntax inside a document must pass through untouched"
    assert text not in messages[0]["content"], "the fixed part must not depend on the document"


def test_few_shot_examples_are_not_cut_from_the_seeds(seeds_dir: Path) -> None:
    seeds = [p.read_text(encoding="utf-8") for p in seeds_dir.glob("*.txt")]
    for prompt in load_prompts(ROOT / "prompts").values():
        system = prompt.system(schemas=list(load_schemas().values()))
        # any 12-character run of the fixed part found verbatim in a seed would be leaked test data
        for i in range(0, max(len(system) - 12, 0)):
            piece = system[i : i + 12]
            assert not any(piece in s for s in seeds), f"{prompt.id} quotes the seeds: {piece!r}"


def test_hash_changes_with_any_edit(tmp_path: Path) -> None:
    src = ROOT / "prompts" / "meeting_review.toml"
    copy = tmp_path / "meeting_review.toml"
    shutil.copy(src, copy)
    before = load_prompt_file(copy).hash
    copy.write_text(copy.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert load_prompt_file(copy).hash != before


def test_bad_prompt_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text('id = "x.v1"\nsystem = "s"\nuser = "no markers {{ text }}"\n', encoding="utf-8")
    with pytest.raises(PromptError, match=r"broken\.toml"):
        load_prompt_file(bad)
    with pytest.raises(PromptError, match="no prompt for schema"):
        get_prompt("nonexistent", ROOT / "prompts")
