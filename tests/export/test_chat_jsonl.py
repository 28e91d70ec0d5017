"""chat-jsonl: the pipeline's own prompt around the document, the gold record as the answer."""

from __future__ import annotations

import json
from pathlib import Path

from annotate.export import parse_version, run_export
from annotate.export.splits import parse_split
from annotate.extraction.prompts import get_prompt
from annotate.store.db import connect
from annotate.store.documents import get_document
from annotate.store.gold import latest_gold
from tests.export.store_scenario import Scenario


def test_one_example_per_current_gold_document(scenario: Scenario, tmp_path: Path) -> None:
    con = connect(scenario.db, read_only=True)
    out = tmp_path / "chat"
    result = run_export(con, fmt="chat-jsonl", out=out, selection=parse_version("latest"), split="80/10/10")
    spec = parse_split("80/10/10")
    seen = {}
    for file in sorted(out.glob("*/*.jsonl")):
        schema, split = file.parent.name, file.stem
        prompt = get_prompt(schema)
        for line in file.read_text(encoding="utf-8").splitlines():
            example = json.loads(line)
            assert list(example) == ["messages"]
            system, user, assistant = example["messages"]
            assert [m["role"] for m in example["messages"]] == ["system", "user", "assistant"]
            assert system["content"] == prompt.system()
            # the user message is exactly what the pipeline sends for this document
            doc_id = next(d for stem, d in scenario.doc_ids.items() if prompt.user(get_document(con, d).text) == user["content"])
            assert spec.assign(doc_id) == split
            gold = latest_gold(con, doc_id, schema)
            assert json.loads(assistant["content"]) == gold["record"]
            seen[doc_id] = schema
    assert seen == {
        scenario.doc_ids[s]: scenario.schemas[s]
        for s in ("000_bc3a7675d392fb2c", "001_7fbc296d44d6aab6", "004_da9373b7adbb6a20")
    }
    assert result.documents == 3 and sum(result.files.values()) == 3
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["prompts"]["meeting_review"]["id"] == get_prompt("meeting_review").id
    assert manifest["prompts"]["meeting_review"]["hash"] == get_prompt("meeting_review").hash
    con.close()


def test_no_prompt_for_a_schema_stops_before_writing(scenario: Scenario, tmp_path: Path, monkeypatch) -> None:
    import pytest

    from annotate.export import ExportError
    from annotate.extraction import prompts

    empty = tmp_path / "prompts"
    empty.mkdir()
    (empty / "other.toml").write_text('id = "o.v1"\nschema = "other"\nsystem = "s"\nuser = "<document>\\n{{ text }}\\n</document>"\n')
    monkeypatch.setenv("ANNOTATE_PROMPTS", str(empty))
    prompts.load_prompts.cache_clear()
    con = connect(scenario.db, read_only=True)
    try:
        with pytest.raises(ExportError, match="no prompt for schema") as info:
            run_export(con, fmt="chat-jsonl", out=tmp_path / "chat", selection=parse_version("latest"))
        assert "\n" not in str(info.value)
        assert not (tmp_path / "chat").exists()
        assert not list(tmp_path.glob(".chat.partial-*"))
    finally:
        prompts.load_prompts.cache_clear()
        con.close()


def test_a_template_that_transforms_the_text_is_rendered_per_document(
    scenario: Scenario, tmp_path: Path, monkeypatch
) -> None:
    from annotate.export.chat_jsonl import around_document
    from annotate.extraction import prompts

    folder = tmp_path / "prompts"
    folder.mkdir()
    for schema in ("meeting_review", "task_progress"):
        (folder / f"{schema}.toml").write_text(
            f'id = "{schema}.t1"\nschema = "{schema}"\nsystem = "抽取 {schema}"\n'
            'user = "<document>\\n{{ text | replace(\'\\u3000\', \' \') }}\\n</document>"\n',
            encoding="utf-8",
        )
    monkeypatch.setenv("ANNOTATE_PROMPTS", str(folder))
    prompts.load_prompts.cache_clear()
    con = connect(scenario.db, read_only=True)
    try:
        prompt = get_prompt("meeting_review")
        assert around_document(prompt) is None
        assert around_document(get_prompt("task_progress")) is None
        out = tmp_path / "chat"
        result = run_export(con, fmt="chat-jsonl", out=out, selection=parse_version("latest"), split="100")
        assert result.documents == 3
        lines = [json.loads(x) for f in out.glob("*/*.jsonl") for x in f.read_text("utf-8").splitlines()]
        assert len(lines) == 3
        for example in lines:
            user = example["messages"][1]["content"]
            assert "\u3000" not in user and user.startswith("<document>\n")
        assert not list(out.rglob("gold.jsonl"))  # the scratch file is gone
    finally:
        prompts.load_prompts.cache_clear()
        con.close()
