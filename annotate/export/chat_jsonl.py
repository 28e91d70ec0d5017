"""``chat-jsonl``: one OpenAI chat fine-tuning example per document.

The system and user messages are rendered by the very prompt the pipeline uses
(``annotate.extraction.prompts``), so a model fine-tuned on this file sees at training time
exactly what it will see at inference time; the assistant message is the gold record as JSON.
Each line is assembled from pre-encoded pieces — the system message is JSON-encoded once per
schema, not once per document — which is what keeps 100k documents well under ten seconds.
"""

from __future__ import annotations

import json

from annotate.export.base import ExportError, ExportJob, FormatResult, SplitFiles
from annotate.extraction.prompts import Prompt, PromptError, get_prompt
from annotate.store.datasets import iter_gold

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


def line_prefixes(prompts: dict[str, Prompt]) -> dict[str, str]:
    """Everything of a line before the user content, per schema (the system message included)."""
    return {
        name: '{"messages": [{"role": "system", "content": ' + _dumps(p.system()) + '}, {"role": "user", "content": '
        for name, p in prompts.items()
    }


def chat_line(prefix: str, user: str, record_json: str) -> str:
    """One JSONL line; ``record_json`` is the stored gold record, used verbatim as the answer."""
    return prefix + _dumps(user) + '}, {"role": "assistant", "content": ' + _dumps(record_json) + "}]}\n"


def write(job: ExportJob) -> FormatResult:
    prompts = load_prompts(sorted(job.schemas))
    prefixes = line_prefixes(prompts)
    pending = 0
    with SplitFiles(job.out, ".jsonl") as files:
        for row in iter_gold(job.con, job.selection):
            split = job.split.assign(row.doc_id)
            files.get(row.schema_name, split).write(
                chat_line(prefixes[row.schema_name], prompts[row.schema_name].user(row.text), row.record_json)
            )
            files.count(row.schema_name, split)
            pending += 1
            if pending == 1000:
                job.on_rows(pending)
                pending = 0
    job.on_rows(pending)
    return FormatResult(
        files=files.rows,
        info={"prompts": {name: {"id": p.id, "hash": p.hash, "file": p.path.name} for name, p in prompts.items()}},
    )
