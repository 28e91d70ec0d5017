"""The LLM path's measured quality, from the recorded cassettes: ``python -m tests.support.llm_report``.

Replays every cassette through the pipeline (seconds, no model needed), scores it against the
expected records, and prints the README's tables (markdown): per mode, field F1 per schema, how
values aligned, re-asks and failures, seconds and tokens per document with the cost at priced
endpoints, and the AUROC of the values' confidence. Also writes ``test-artifacts/llm_quality.json``
and the HTML report ``test-artifacts/llm_quality.html`` (one column per schema and mode).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from annotate.evaluation.llm_quality import ModeQuality, load_prices
from annotate.evaluation.report import write_live_report
from annotate.extraction.llm import LLMSettings
from tests.support.cassettes import CassetteLibrary
from tests.support.llm_cases import CASSETTES, PROJECT_ROOT, load_cases, run_case
from tests.support.openai_server import OpenAITestServer

OUT = PROJECT_ROOT / "test-artifacts"
FIELDS = {
    "meeting_review": ["units[].unit", "units[].achievements[]", "units[].shortcomings[]", "attendees[].name",
                       "briefings[].topic", "directives[]"],
    "public_report": ["qa[].question", "qa[].answer", "sections[].heading", "sections[].highlights[]"],
    "task_progress": ["items[].seq", "items[].task", "items[].lead_units[]", "items[].progress", "items[].status",
                      "items[].indicators[].text"],
}  # fmt: skip


def replay_all(folder: Path = CASSETTES) -> dict[tuple[str, str], ModeQuality]:
    cases = {c.name: c for c in load_cases()}
    library = CassetteLibrary(folder)
    out: dict[tuple[str, str], ModeQuality] = {}
    with OpenAITestServer(cassettes=library) as server:
        for path in sorted(folder.glob("*/*/*.json")):
            meta = json.loads(path.read_text(encoding="utf-8"))
            case = cases.get(meta.get("case", ""))
            if case is None:
                continue
            outcome = run_case(case, LLMSettings(**meta["settings"], base_url=server.base_url, api_key="replay"))
            run = outcome.case_run(meta)
            run_label = meta.get("label", meta["mode"])
            out.setdefault((meta["model"], run_label), ModeQuality(run_label)).runs.append(run)
    if library.misses:
        print(f"warning: {len(library.misses)} request(s) had no cassette: {library.misses[0]}", file=sys.stderr)
    return out


def _f(x: Any) -> str:
    return "—" if x is None else f"{x:.2f}"


def markdown(figures: dict[str, dict[str, Any]]) -> str:
    modes = list(figures)
    lines = ["| F1 (P/R) | " + " | ".join(m.split("/")[-1] for m in modes) + " |", "|---|" + "---|" * len(modes)]
    for schema, fields in FIELDS.items():
        for name in ["total", *fields]:
            row = []
            for m in modes:
                sc = figures[m]["fields"].get(schema)
                c = (sc["total"] if name == "total" else sc["fields"].get(name)) if sc else None
                row.append(f"{_f(c['f1'])} ({_f(c['precision'])}/{_f(c['recall'])})" if c else "—")
            label = f"**{schema}** (all fields)" if name == "total" else f"`{name}`"
            lines.append(f"| {label} | " + " | ".join(row) + " |")
    lines.append("")
    lines.append("| per mode | " + " | ".join(m.split("/")[-1] for m in modes) + " |")
    lines.append("|---|" + "---|" * len(modes))

    def row(label: str, fn: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(fn(figures[m]) for m in modes) + " |")

    row("documents (failed)", lambda f: f"{f['documents']} ({f['failed']})")
    row("re-asked documents / re-asks", lambda f: f"{f['reasked_documents']} / {f['reasks']}")
    row("values exact / normalised / fuzzy / unaligned",
        lambda f: " / ".join(str(f["alignment"][k]) for k in ("exact", "normalised", "fuzzy", "unaligned")))
    row("seconds per document", lambda f: f"{f['seconds_per_document']:.0f}")
    row("tokens per document in / out", lambda f: f"{f['prompt_tokens_per_document']} / {f['completion_tokens_per_document']}")
    for model in next(iter(figures.values())).get("cost_per_1000_documents", {}):
        row(f"USD per 1,000 such documents at {model} prices", lambda f, m=model: f"{f['cost_per_1000_documents'][m]:.2f}")
    row("AUROC of value confidence", lambda f: _f(f["auroc"]))
    return "\n".join(lines)


def propose_thresholds(results: dict[tuple[str, str], ModeQuality], slack: float = 0.05) -> str:
    """TOML floors per mode, case and field: what the recorded answers achieved, less ``slack``.

    For review and commit as ``<model>/thresholds.toml``, never written by the tests themselves:
    floors that followed each recording would pass a worse prompt.
    """
    lines = ["# Per-field F1 floors: what the recorded answers achieved, less 0.05 (python -m tests.support.llm_report",
             "# --propose-thresholds). The replay and live tests assert them; review before changing.", ""]  # fmt: skip
    for (_, mode), q in sorted(results.items()):
        pairs = q.confidences()
        auroc = q.summary().get("auroc")
        if auroc is not None and pairs:
            lines += [f"[{mode}]", f"auroc = {max(0.0, round(auroc - slack, 2))}", ""]
        for run in sorted(q.runs, key=lambda r: r.case):
            score = ModeQuality(mode, [run]).scores()[run.schema]
            lines.append(f'[{mode}."{run.case}"]')
            lines.append(f"total = {max(0.0, round((score.total.f1 or 0.0) - slack, 2))}")
            for name in FIELDS[run.schema]:
                c = score.fields.get(name)
                if c is not None and c.support and (c.f1 or 0.0) > slack:
                    lines.append(f'"{name}" = {round((c.f1 or 0.0) - slack, 2)}')
            lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cassettes", type=Path, default=CASSETTES)
    parser.add_argument("--propose-thresholds", action="store_true", help="print thresholds.toml from the recordings")
    args = parser.parse_args(argv)
    results = replay_all(args.cassettes)
    if args.propose_thresholds:
        print(propose_thresholds(results))
        return 0
    prices = load_prices()
    figures = {f"{model}/{mode}": q.summary(prices) for (model, mode), q in sorted(results.items())}
    OUT.mkdir(exist_ok=True)
    (OUT / "llm_quality.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    scores, pairs, docs = {}, {}, {}
    for (_, mode), q in sorted(results.items()):
        for schema, sc in q.scores().items():
            key = f"{schema} ({mode})"
            scores[key] = sc
            docs[key] = sc.documents
            pairs[key] = ModeQuality(mode, [r for r in q.runs if r.schema == schema]).confidences()
    write_live_report(OUT / "llm_quality.html", scores, confidences=pairs, documents=docs,
                      title="Recorded local-model answers, per schema and mode",
                      command="python -m tests.support.llm_report")  # fmt: skip
    print(markdown(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
