"""``chat-jsonl``: one OpenAI chat fine-tuning example per document.

The system and user messages are rendered by the very prompt the pipeline uses
(``annotate.extraction.prompts``), so a model fine-tuned on this file sees at training time
exactly what it will see at inference time; the assistant message is the gold record as JSON.

DuckDB writes the lines itself (``COPY … (FORMAT json)``): the user template is rendered once
around a marker to learn what goes before and after the document, and DuckDB concatenates that
with each text; Python only routes finished lines to their schema/split file. That keeps 100k
documents to seconds in flat memory. A user template that
transforms the document (a filter on ``text``) cannot be split that way; it is rendered per
document in Python instead, which is slower but never wrong.
"""

from __future__ import annotations

import json
import shutil

from annotate.export.base import ExportError, ExportJob, FormatResult, LineRouter, SplitFiles
from annotate.extraction.prompts import Prompt, PromptError, get_prompt
from annotate.store.datasets import copy_chat_jsonl, iter_gold, key_ranges

_MARK = "\x00annotate-document\x00"
_PROBE = " \u3000<b>{{ x }}</b>\r\n文本\t"

_dumps = json.JSONEncoder(ensure_ascii=False).encode


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


def chat_line(system: str, user: str, record_json: str) -> str:
    """One JSONL line, the same shape DuckDB writes; ``record_json`` is the stored gold record."""
    return _dumps({"messages": [
        {"role": "system", "content": system},
        {"role": "user", "content": user},
        {"role": "assistant", "content": record_json},
    ]}) + "\n"  # fmt: skip


def write(job: ExportJob) -> FormatResult:
    prompts = load_prompts(sorted(job.schemas))
    systems = {name: p.system() for name, p in prompts.items()}
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
        with SplitFiles(job.out, ".jsonl") as out:
            for row in iter_gold(job.con, job.selection, scratch=job.out):
                split = job.split.assign(row.doc_id)
                prompt = prompts[row.schema_name]
                out.get(row.schema_name, split).write(
                    chat_line(systems[row.schema_name], prompt.user(row.text), row.record_json)
                )
                out.count(row.schema_name, split)
                job.on_rows(1)
        files = out.rows
    return FormatResult(
        files=files,
        info={"prompts": {name: {"id": p.id, "hash": p.hash, "file": p.path.name} for name, p in prompts.items()}},
    )
