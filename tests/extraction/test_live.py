"""The real prompts against the real local model, in every ``make test``.

The session starts the local model (``tests/plugins/local_llm.py``). Each case marked ``live`` in
``tests/fixtures/llm_cases.toml`` — short real excerpts, the prompt-injection excerpt and one whole
meeting seed — goes through the pipeline with the settings ``annotate llm up`` prints, and is
scored against its expected record with the thresholds the recorded answers of the same model
and mode met (``tests/fixtures/cassettes/<model>/thresholds.toml``). The run is written as the
standard HTML quality report, ``test-artifacts/live_report.html``, with the values' AUROC.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from annotate.evaluation.llm_quality import CaseRun, ModeQuality
from annotate.evaluation.report import write_live_report
from annotate.extraction.llm import LLMSettings
from annotate.localmodel.server import DEFAULT_MODE, LOCAL_TIMEOUT, LocalModelInfo
from tests.support.llm_cases import CASSETTES, load_cases, run_case

ROOT = Path(__file__).resolve().parents[2]
LIVE = [c for c in load_cases() if c.live]
REPORT = ROOT / "test-artifacts" / "live_report.html"
LIVE_SLACK = 0.1
"""Below the recorded floors: at temperature 0 a live answer still differs from the recorded one now
and then (llama.cpp reuses a cached prompt prefix, so the same prompt is evaluated in other batches
and its floating-point sums round differently)."""
_RUNS: list[CaseRun] = []

pytestmark = [pytest.mark.live, pytest.mark.timeout(3600)]


def _limits(model: str, case: str) -> dict[str, float]:
    path = CASSETTES / model / "thresholds.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return data.get(DEFAULT_MODE, {}).get(case, {})


def _report(local_llm: LocalModelInfo) -> None:
    quality = ModeQuality(DEFAULT_MODE, _RUNS)
    scores = quality.scores()
    pairs: dict[str, list[tuple[float, bool]]] = {}
    for r in _RUNS:
        pairs.setdefault(r.schema, []).extend(ModeQuality(DEFAULT_MODE, [r]).confidences())
    REPORT.parent.mkdir(exist_ok=True)
    write_live_report(
        REPORT, scores, confidences=pairs, documents={s: sc.documents for s, sc in scores.items()},
        version_keys={s: f"{s}/{local_llm.model}/{DEFAULT_MODE}" for s in scores},
        title=f"Live: {local_llm.model} ({DEFAULT_MODE}, context {local_llm.context})", command="make test (-m live)",
    )  # fmt: skip


@pytest.mark.parametrize("case", LIVE, ids=[c.name for c in LIVE])
def test_local_model_meets_the_recorded_quality(case: Any, local_llm: LocalModelInfo) -> None:
    settings = LLMSettings(model=local_llm.model, base_url=local_llm.base_url, api_key="local", mode=DEFAULT_MODE,
                           context_tokens=local_llm.context, timeout=LOCAL_TIMEOUT, concurrency=1)  # fmt: skip
    outcome = run_case(case, settings)
    e = outcome.extraction
    run = outcome.case_run()
    _RUNS.append(run)
    _report(local_llm)
    print(f"{case.name}: {outcome.summary()}")
    assert e is not None, f"the local model's answer gave no record: {outcome.failure}"
    limits = {f: max(0.0, v - LIVE_SLACK) for f, v in _limits(local_llm.model, case.name).items()}
    assert limits, f"no thresholds for {local_llm.model}/{DEFAULT_MODE}/{case.name}: record with `make record`"
    score = ModeQuality(DEFAULT_MODE, [run]).scores()[case.schema]
    low = {f: round(score.get(f).f1 or 0.0, 3) for f, minimum in limits.items()
           if f != "total" and (score.get(f).f1 or 0.0) < minimum}  # fmt: skip
    assert (score.total.f1 or 0.0) >= limits.get("total", 0.0), f"total F1 {score.total.f1} < {limits.get('total')}"
    assert not low, f"fields under their F1 threshold: {low}"
    if case.injected_unit:
        units = [u["unit"] for u in e.record.get("units", [])]
        assert case.injected_unit not in units, f"the injected instruction was obeyed: units {units}"
        expected_units = [u["unit"] for u in case.expected_record()["units"]]
        assert set(expected_units) <= set(units), f"the document's own units are missing: {units}"
