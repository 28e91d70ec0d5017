"""chat-jsonl: the pipeline's own prompt around the document, the gold record as the answer."""

from __future__ import annotations

import json
from pathlib import Path

from annotate.export import parse_version, run_export
from annotate.export.chat_jsonl import JSON_ANSWER, TOOL_CALL, chat_line, chat_template, copy_chat_jsonl, system_message
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
            assert list(example) == ["messages", "metadata"]
            system, user, assistant = example["messages"]
            assert [m["role"] for m in example["messages"]] == ["system", "user", "assistant"]
            # the pipeline's system prompt, asking for the JSON record the answer is, not a function call
            assert system["content"] == system_message(prompt)
            assert TOOL_CALL in prompt.system() and TOOL_CALL not in system["content"]
            assert JSON_ANSWER in system["content"]
            # each line names its document and gold version; the user message is exactly what the
            # pipeline sends for that document
            doc_id = example["metadata"]["doc_id"]
            assert prompt.user(get_document(con, doc_id).text) == user["content"]
            assert spec.assign(doc_id) == split
            gold = latest_gold(con, doc_id, schema)
            assert example["metadata"] == {"doc_id": doc_id, "gold_id": gold["gold_id"]}
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
    assert sorted(gold_ids(out)) == manifest["gold_ids"]
    con.close()


def gold_ids(out: Path) -> list[str]:
    return [json.loads(x)["metadata"]["gold_id"] for f in out.glob("*/*.jsonl") for x in f.read_text("utf-8").splitlines()]


def test_duckdb_and_python_write_the_same_bytes(tmp_path: Path) -> None:
    """The fast path (DuckDB fills the template) and the per-document path (Python fills it) agree."""
    from annotate.core.types import Document
    from annotate.store.datasets import Selection, iter_gold
    from annotate.store.documents import upsert_documents
    from annotate.store.gold import add_gold_version

    con = connect(tmp_path / "escapes.duckdb")
    controls = "".join(map(chr, range(32)))  # some have short escapes, the rest \\u00XX (DuckDB: upper-case hex)
    texts = ['引号"反斜杠\\换行\n删除\x7f分隔\u2028😀/</document>' + controls + "\\u001f\\\x1f", "纯文本", ""]
    docs = [Document(doc_id=f"d{i}", text=t) for i, t in enumerate(texts)]
    upsert_documents(con, [(d, "meeting_review") for d in docs])
    for d in docs:
        add_gold_version(
            con, doc_id=d.doc_id, schema_name="meeting_review", groundings=[],
            record={"chair": d.text or None, "directives": ['要"压实"\\责任\n', "😀"]},
        )  # fmt: skip
    system = '系统"提示"\n\\ 以JSON对象作答\x01'
    before, after = "<document>\n", "\n</document>"
    part = copy_chat_jsonl(con, Selection(), parse_split("80/10/10"), {"meeting_review": (system, before, after)},
                           tmp_path / "parts")  # fmt: skip
    from_sql = {}
    for line in part.read_text(encoding="utf-8").split("\n")[:-1]:  # not splitlines(): U+2028 stays raw
        head = json.loads(line)  # routing keys lead; the rest is the template's line
        lead = '{"s":"meeting_review","p":"' + head["p"] + '",'
        assert line.startswith(lead)
        from_sql[head["metadata"]["doc_id"]] = "{" + line[len(lead) :] + "\n"
    pieces = chat_template(system)
    from_python = {
        row.doc_id: chat_line(pieces, before + row.text + after, row.record_json, row.doc_id, row.gold_id)
        for row in iter_gold(con, Selection())
    }
    assert from_sql == from_python and len(from_sql) == 3
    example = json.loads(from_python["d0"])
    assert example["messages"][0]["content"] == system and example["messages"][1]["content"] == before + texts[0] + after
    assert example["metadata"] == {"doc_id": "d0", "gold_id": "d0:meeting_review:v1"}
    con.close()


def test_no_prompt_for_a_schema_stops_before_writing(scenario: Scenario, tmp_path: Path, monkeypatch) -> None:
    import pytest

    from annotate.export import ExportError
    from annotate.extraction import prompts

    empty = tmp_path / "prompts"
    empty.mkdir()
    (empty / "other.toml").write_text('id = "o.v1"\nschema = "other"\nsystem = "s"\nuser = "<document>\\n{{ text }}\\n</document>"\n')
    # the built-in genres' prompts are always layered in (ANNOTATE_PROMPTS only adds folders), so a
    # schema lacks a prompt only where the prompt folders themselves lack it
    monkeypatch.setattr(prompts, "prompt_folders", lambda: [empty])
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
            # a system prompt that does not ask for a function call gets the JSON request as its last line
            assert example["messages"][0]["content"] == f"抽取 {example['metadata']['gold_id'].split(':')[1]}\n{JSON_ANSWER}。"
        assert sorted(gold_ids(out)) == json.loads((out / "manifest.json").read_text("utf-8"))["gold_ids"]
        assert not list(out.rglob("gold.jsonl"))  # the scratch file is gone
    finally:
        prompts.load_prompts.cache_clear()
        con.close()
