"""``chat-jsonl``: one OpenAI chat fine-tuning example per document.

A line is ``{"messages": [system, user, assistant], "metadata": {"doc_id", "gold_id"}}``. The
user message is rendered by the very prompt the pipeline uses (``annotate.extraction.prompts``),
so a model fine-tuned on this file sees at training time the document exactly as it will see it
at inference time; the assistant message is the gold record as JSON text. The system message is
the pipeline's too, with one change: the pipeline asks the model to call a function (tool
calling), while here the answer is the JSON record as plain content, so the system message says
to answer with the JSON record (:func:`system_message`). ``metadata`` ties each example back to
its document and gold version (the manifest lists the same gold ids).

The line is defined once (:func:`chat_template`): fixed JSON text around four JSON-encoded
strings. DuckDB writes the lines itself from that template: the user template is rendered once
around a marker to learn what goes before and after the document, DuckDB concatenates that with
each text and JSON-escapes it (``to_json``), and Python only routes finished lines to their
schema/split file. That keeps 100k documents to seconds in flat memory. A user template that
transforms the document (a filter on ``text``) cannot be split that way; it is rendered per
document in Python instead and filled into the same template, which is slower but never wrong.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb

from annotate.export.base import ExportError, ExportJob, FormatResult, LineRouter, SplitFiles
from annotate.export.sql import pass_file
from annotate.extraction.prompts import Prompt, PromptError, get_prompt
from annotate.store.datasets import (
    GOLD_WITH_TEXT,
    KeyRange,
    Selection,
    SplitSpec,
    iter_gold,
    key_ranges,
    literal,
    selected,
    split_sql,
)

_MARK = "\x00annotate-document\x00"
_PROBE = " \u3000<b>{{ x }}</b>\r\n文本\t"

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_LOWER_HEX = re.compile(r"(?<!\\)((?:\\\\)*\\u00[01])([a-f])")
"""The last hex digit of a ``\\u000b``-style escape, not preceded by an escaped backslash."""


def encode(value: str) -> str:
    """``value`` as a JSON string, byte for byte as DuckDB's ``to_json`` writes it: Python's escapes,
    except that the nine control characters without a short escape get upper-case hex (``\\u001F``)."""
    text = _dumps(value)
    return _LOWER_HEX.sub(lambda m: m.group(1) + m.group(2).upper(), text) if "\\u00" in text else text


SLOTS = ("user", "assistant", "doc_id", "gold_id")
"""The per-document strings of a line, in the order they appear in it."""

TOOL_CALL = "调用给定的函数返回"
"""How the pipeline's system prompts ask for the answer: by calling the given function."""

JSON_ANSWER = "以JSON对象输出这条记录，不要输出其他内容"
"""What the training examples' system message says instead: the answer is the JSON record itself."""


def system_message(prompt: Prompt) -> str:
    """The pipeline's system message, asking for the JSON record the assistant message holds.

    The phrase asking for a function call is replaced; a prompt without it gets the request
    appended as its last line.
    """
    system = prompt.system()
    if TOOL_CALL in system:
        return system.replace(TOOL_CALL, JSON_ANSWER)
    return f"{system.rstrip()}\n{JSON_ANSWER}。"


def chat_template(system: str) -> tuple[str, ...]:
    """The one definition of a line: ``len(SLOTS) + 1`` pieces of fixed JSON text around the slots.

    ``pieces[0] + json(user) + pieces[1] + json(assistant) + pieces[2] + json(doc_id) + pieces[3]
    + json(gold_id) + pieces[4]`` is the line (without its newline), whoever does the encoding.
    """
    marks = {slot: f"\x00{slot}\x00" for slot in SLOTS}
    skeleton = _dumps({
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": marks["user"]},
            {"role": "assistant", "content": marks["assistant"]},
        ],
        "metadata": {"doc_id": marks["doc_id"], "gold_id": marks["gold_id"]},
    })  # fmt: skip
    pieces = []
    for slot in SLOTS:
        # an encoded mark (quotes and \u0000 escapes) cannot occur inside another encoded string
        head, rest = skeleton.split(_dumps(marks[slot]))
        pieces.append(head)
        skeleton = rest
    return (*pieces, skeleton)


def chat_line(pieces: tuple[str, ...], user: str, assistant: str, doc_id: str, gold_id: str) -> str:
    """One JSONL line from :func:`chat_template`'s pieces, the same bytes DuckDB writes for it."""
    values = (user, assistant, doc_id, gold_id)
    return "".join(piece + encode(value) for piece, value in zip(pieces, values, strict=False)) + pieces[-1] + "\n"


def load_prompts(schemas: list[str]) -> dict[str, Prompt]:
    """The pipeline's prompt per schema; a missing one stops the export before anything is written."""
    out = {}
    for name in schemas:
        try:
            out[name] = get_prompt(name)
        except PromptError as exc:
            raise ExportError(f"chat-jsonl needs the extraction prompt: {exc}") from exc
    return out


def around_document(prompt: Prompt) -> tuple[str, str] | None:
    """``(before, after)`` with ``prompt.user(text) == before + text + after`` for any text, or None."""
    rendered = prompt.user(_MARK)
    if rendered.count(_MARK) != 1:
        return None
    before, after = rendered.split(_MARK)
    if prompt.user(_PROBE) != before + _PROBE + after:
        return None
    return before, after


def copy_chat_jsonl(
    con: duckdb.DuckDBPyConnection,
    sel: Selection,
    spec: SplitSpec,
    prompts: dict[str, tuple[str, str, str]],
    out_dir: Path,
    key_range: KeyRange = (None, None),
    pass_no: int = 0,
) -> Path:
    """One :func:`chat_template` line per document, led by the routing keys ``s``/``p``; returns the pass file.

    ``prompts[schema] = (system, before, after)``: the user message is ``before + text + after``
    (the pipeline's user template rendered around the document). Each line is assembled as text:
    the template's pieces (the system message among them) are encoded once here, DuckDB
    JSON-escapes only the slots (``to_json``, whose Python twin is :func:`encode`: a test keeps the
    two paths byte-identical), and its CSV writer, with quoting off, writes each line as is (a
    JSON-escaped line holds no newline, quote-free delimiter or control character). That is
    markedly faster than building the nested value for the JSON writer.
    """
    where, params = selected(sel, key_range)
    names = sorted(prompts)
    pieces = [chat_template(prompts[n][0]) for n in names]
    pieces = [(p[0].removeprefix("{"), *p[1:]) for p in pieces]  # the routing keys open the object
    slots = {"user": "concat(p.before, d.text, p.after)", "assistant": "g.record::VARCHAR", "doc_id": "g.doc_id",
             "gold_id": "g.gold_id"}  # fmt: skip
    # a piece the same for every schema (all but the one holding the system message) is a constant
    same = [len({p[i] for p in pieces}) == 1 for i in range(len(SLOTS) + 1)]
    piece = [literal(pieces[0][i]) if same[i] else f"p.piece{i}" for i in range(len(SLOTS) + 1)]
    lead = ["""'{"s":"'""", "g.schema_name", """'","p":"'""", split_sql(spec, "g.doc_id"), """'",'"""]
    body = [sql for i, slot in enumerate(SLOTS) for sql in (piece[i], f"to_json({slots[slot]})")]
    line = f"concat({', '.join([*lead, *body, piece[-1]])})"  # one allocation per line, unlike a chain of ||
    varying = [i for i in range(len(SLOTS) + 1) if not same[i]]
    columns = "".join(f", unnest(?::VARCHAR[]) AS piece{i}" for i in varying)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = pass_file(out_dir, pass_no)
    con.execute(
        f"COPY (SELECT {line}"
        f" FROM {GOLD_WITH_TEXT}"
        " JOIN (SELECT unnest(?::VARCHAR[]) AS schema_name, unnest(?::VARCHAR[]) AS before,"
        f" unnest(?::VARCHAR[]) AS after{columns}) p ON p.schema_name = g.schema_name"
        f" WHERE {where})"
        f" TO {literal(str(path))} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')",
        [names, [prompts[n][1] for n in names], [prompts[n][2] for n in names],
         *([p[i] for p in pieces] for i in varying), *params],
    )  # fmt: skip
    return path


def write(job: ExportJob) -> FormatResult:
    prompts = load_prompts(sorted(job.schemas))
    systems = {name: system_message(p) for name, p in prompts.items()}
    split_around = {name: around_document(p) for name, p in prompts.items()}
    files: dict[str, int] = {}
    if all(v is not None for v in split_around.values()):
        parts = job.out / ".parts"
        messages = {name: (systems[name], *split_around[name]) for name in prompts}
        with LineRouter(job.out) as router:
            # one pass at a time: the join already keeps both cores busy, and a second pass alongside
            # would only double the memory; routing pass N overlaps writing pass N+1
            for pass_no, key_range in enumerate(key_ranges(job.con, job.selection, groundings=False)):
                router.route_async(
                    copy_chat_jsonl(job.con, job.selection, job.split, messages, parts, key_range, pass_no)  # type: ignore[arg-type]
                )
            for (schema, split), path in router.wait().items():
                files[str(path.relative_to(job.out))] = job.rows_of(schema, split)
        shutil.rmtree(parts, ignore_errors=True)
        job.on_rows(job.summary.total)
    else:
        pieces = {name: chat_template(system) for name, system in systems.items()}
        with SplitFiles(job.out, ".jsonl") as out:
            for row in iter_gold(job.con, job.selection, scratch=job.out):
                split = job.split.assign(row.doc_id)
                user = prompts[row.schema_name].user(row.text)
                out.get(row.schema_name, split).write(
                    chat_line(pieces[row.schema_name], user, row.record_json, row.doc_id, row.gold_id)
                )
                out.count(row.schema_name, split)
                job.on_rows(1)
        files = out.rows
    return FormatResult(
        files=files,
        info={"prompts": {name: {"id": p.id, "hash": p.hash, "file": p.path.name} for name, p in prompts.items()}},
    )
