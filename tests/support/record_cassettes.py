"""Record real model answers for the test cases: ``make record`` (``python -m tests.support.record_cassettes``).

Starts the local model (``annotate llm up``) unless ``--upstream`` names another OpenAI-compatible
endpoint, puts the project's test server in front of it in record mode, and runs every case of
``tests/fixtures/llm_cases.toml`` through the real pipeline once per mode. Each case's exchanges
(re-asks included) become one cassette, with what the run cost. A case that fails is recorded too:
its failure is a real outcome the replay test must reproduce.

``--stale`` re-records only the cases whose cassette no longer replays (a prompt, schema or
setting changed since): each recording takes minutes on a CPU.

On 2 cores, all ten cases in one mode take 20–40 min; three modes, 1–2 hours.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from annotate.extraction.llm import LLMSettings
from tests.support.cassettes import CassetteLibrary
from tests.support.llm_cases import (
    CASSETTES,
    MODES,
    PROJECT_ROOT,
    Case,
    cassette_path,
    label,
    load_cases,
    run_case,
    settings_for_record,
)
from tests.support.openai_server import OpenAITestServer


def replays(case: Case, path: Path) -> bool:
    """Whether ``path`` answers every request the pipeline makes for ``case`` today, to the same outcome."""
    if not path.exists():
        return False
    meta = json.loads(path.read_text(encoding="utf-8"))
    library = CassetteLibrary(path.parent)
    with OpenAITestServer(cassettes=library) as server:
        outcome = run_case(case, LLMSettings(**meta["settings"], base_url=server.base_url, api_key="replay"))
    return not library.misses and outcome.summary()["outcome"] == meta.get("outcome")


def record(case: Case, settings: LLMSettings, upstream: str, out: Path) -> dict:
    library = CassetteLibrary(out / "_none_", upstream=upstream)
    with OpenAITestServer(cassettes=library) as server:
        library.start({"case": case.name, "document": str(case.document.resolve().relative_to(PROJECT_ROOT)),
                       "schema": case.schema, "model": settings.model, "mode": settings.mode, "label": label(settings),
                       "settings": settings_for_record(settings)})  # fmt: skip
        outcome = run_case(case, LLMSettings(**{**settings.__dict__, "base_url": server.base_url}))
        return library.save(cassette_path(case, settings.model, label(settings), out), **outcome.summary())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default=",".join(MODES), help="instructor modes, comma-separated")
    parser.add_argument("--cases", default="", help="only these case names, comma-separated")
    parser.add_argument("--stale", action="store_true", help="only cases whose cassette no longer replays")
    parser.add_argument("--upstream", default=None, help="an OpenAI-compatible base URL (default: the local model)")
    parser.add_argument("--model", default=None, help="model name at --upstream")
    parser.add_argument("--context", type=int, default=None, help="the model's context in tokens")
    parser.add_argument("--confidence", default="logprobs", help="logprobs | agreement | none")
    parser.add_argument("--out", type=Path, default=CASSETTES)
    args = parser.parse_args(argv)
    if args.upstream:
        upstream, model, context, timeout = args.upstream, args.model or "model", args.context, 1800.0
    else:
        from annotate.localmodel import server

        info = server.up(log=lambda m: print(m, file=sys.stderr))
        upstream, model, context, timeout = info.base_url, info.model, args.context or info.context, server.LOCAL_TIMEOUT
    wanted = {c for c in args.cases.split(",") if c}
    cases = [c for c in load_cases() if not wanted or c.name in wanted]
    started = time.monotonic()
    for mode in [m for m in args.modes.split(",") if m]:
        settings = LLMSettings(model=model, mode=mode, context_tokens=context, timeout=timeout, concurrency=1,
                               api_key="local", confidence=args.confidence)  # fmt: skip
        for case in cases:
            path = cassette_path(case, model, label(settings), args.out)
            if args.stale and replays(case, path):
                print(f"{mode:8} {case.name:16} current", flush=True)
                continue
            data = record(case, settings, upstream, args.out)
            print(f"{label(settings):8} {case.name:16} {data['outcome'][:60]:60} {data['seconds']:7.1f} s, "
                  f"{data['calls']} call(s), {data['completion_tokens']} tokens out", flush=True)  # fmt: skip
    print(f"done in {(time.monotonic() - started) / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
