"""Prompt tokens sent to extract seed 004 (119 KB, 136 rows), as a ratio to the tokens of 004 itself.

The overhead is what every chunk repeats — instructions, examples, the response schema (as a tool
definition, or in the system message for the json modes) — plus any chunk overlap. Goal <= 1.3 in
the default mode. Tokens are counted with ``annotate.core.chunking.estimate_tokens`` (one per
non-ASCII character, one per four ASCII characters), the same estimator the test server reports in
``usage``, so the numerator and the denominator are measured alike. The prompt tokens come from the
server's ``usage`` of real calls over HTTP, summed by the backend's ``ExtractStats``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "004_da9373b7adbb6a20.txt"
GOAL = 1.3
MODES = ("tools", "json", "json_schema", "md_json")


def main() -> int:
    from annotate.core.chunking import estimate_tokens
    from annotate.documents import load_document
    from annotate.extraction.base import ExtractContext, ExtractStats
    from annotate.extraction.llm import LLMBackend, LLMSettings
    from annotate.schema_registry import get_schema
    from tests.support.openai_server import OpenAITestServer

    doc = load_document(SEED)
    spec = get_schema("task_progress")
    doc_tokens = estimate_tokens(doc.text)
    print(f"004: {len(doc.text)} characters, {doc_tokens} tokens (estimate)")
    ratios: dict[str, float] = {}
    with OpenAITestServer(ROOT / "tests" / "fixtures") as server:
        for mode in MODES:
            backend = LLMBackend(LLMSettings(base_url=server.base_url, api_key="sk-bench", model="bench", mode=mode))
            stats = ExtractStats()

            async def run(backend: LLMBackend = backend, stats: ExtractStats = stats) -> int:
                try:
                    result = await backend.extract(doc, spec, ExtractContext(), stats)
                finally:
                    await backend.aclose()
                return len(result.record["items"])

            rows = asyncio.run(run())
            chunks = len(backend.chunks(doc.text))
            ratios[mode] = stats.prompt_tokens / doc_tokens
            print(f"  mode {mode:<11} {chunks} chunks, {stats.calls} calls, {rows} rows, prompt tokens "
                  f"{stats.prompt_tokens} -> ratio {ratios[mode]:.3f}")
    default = LLMSettings().mode
    ok = ratios[default] <= GOAL
    print(f"default mode ({default}) ratio {ratios[default]:.3f}; goal <= {GOAL} -> {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
