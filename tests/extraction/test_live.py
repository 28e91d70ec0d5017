"""The real prompts against a real model, scored field by field against the expected records.

Skipped unless ``OPENAI_BASE_URL`` or ``OPENAI_API_KEY`` is set (``ANNOTATE_MODEL`` picks the
model). Thresholds are per field: names and headings a model should copy almost perfectly; long
verbatim clauses and judgement fields (status, indicator names) less so.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from annotate.core.scoring import Score, aggregate, format_table, score_record
from annotate.documents import load_document
from annotate.evaluation.report import write_live_report
from annotate.extraction.llm import LLMBackend
from annotate.extraction.pipeline import extract_document
from annotate.schema_registry import get_schema
from annotate.testing.record_fixtures import seed_cases

ROOT = Path(__file__).resolve().parents[2]
CASES = list(seed_cases(ROOT / "tests" / "fixtures" / "seeds", ROOT / "seeds"))

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY")),
        reason="live model not configured (set OPENAI_BASE_URL / OPENAI_API_KEY)",
    ),
]

THRESHOLDS: dict[str, dict[str, float]] = {
    "meeting_review": {
        "units[].unit": 0.9,
        "units[].shortcomings[]": 0.7,
        "units[].achievements[]": 0.5,
        "attendees[].name": 0.8,
        "directives[]": 0.4,
    },
    "public_report": {"title": 0.8, "sections[].heading": 0.7, "qa[].question": 0.7, "qa[].answer": 0.6},
    "task_progress": {
        "items[].seq": 0.95,
        "items[].category": 0.9,
        "items[].lead_units[]": 0.8,
        "items[].task": 0.7,
        "items[].status": 0.5,
    },
}
MIN_ALIGNED = 0.9
REPORT = ROOT / "test-artifacts" / "live_report.html"
_SCORES: dict[str, list[Score]] = {}
_VERSION_KEYS: dict[str, str] = {}


@pytest.mark.parametrize(("stem", "seed", "folder"), CASES, ids=[c[0] for c in CASES])
def test_live_model_scores_above_thresholds(stem: str, seed: Path, folder: Path) -> None:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    spec = get_schema(meta["schema"])
    expected = spec.model.model_validate(json.loads((folder / "expected.json").read_text(encoding="utf-8")))
    backend = LLMBackend()

    async def go() -> Any:
        try:
            return await extract_document(load_document(seed), spec.name, backend)
        finally:
            await backend.aclose()

    result = asyncio.run(go())
    score = score_record(spec.model, result.record, expected.model_dump(mode="json"))
    print(format_table(score, title=f"{stem} ({backend.settings.model})"))
    # The run so far as the standard quality report, so a prompt change is judged by numbers.
    _SCORES.setdefault(spec.name, []).append(score)
    _VERSION_KEYS[spec.name] = result.model_version
    REPORT.parent.mkdir(exist_ok=True)
    write_live_report(
        REPORT,
        {name: aggregate(scores) for name, scores in _SCORES.items()},
        version_keys=_VERSION_KEYS,
        thresholds=THRESHOLDS,
        command="pytest -m live",
    )
    low = {
        field: score.get(field).f1
        for field, minimum in THRESHOLDS[spec.name].items()
        if (score.get(field).f1 or 0.0) < minimum
    }
    assert not low, f"fields under their F1 threshold: {low}"
    aligned = sum(g.aligned for g in result.groundings) / max(len(result.groundings), 1)
    assert aligned >= MIN_ALIGNED, f"only {aligned:.0%} of the model's quotes are in the text"
