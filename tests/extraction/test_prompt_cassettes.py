"""Prompt tests that test prompts: real answers of the local model, replayed strictly, scored.

Every cassette under ``tests/fixtures/cassettes/<model>/<mode>/`` holds what the real model
answered to the exact requests the pipeline made for one case of ``tests/fixtures/llm_cases.toml``
(recorded with ``make record``). Here the same case goes through the same pipeline against the
project's test server in replay mode:

* a request the cassette does not hold (the prompt, schema, model or a setting changed) fails the
  test with one line saying what differs and how to re-record;
* the replayed outcome must be the recorded one;
* the recorded answers are scored against the expected records, per field, with thresholds set
  from what the model achieved (``<model>/thresholds.toml``); a prompt that makes the model answer
  worse fails here after re-recording;
* the values' confidence must keep separating right from wrong (AUROC).

The quality figures of the README come from ``test-artifacts/llm_quality.json``, written here.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotate.evaluation.llm_quality import CaseRun, ModeQuality, load_prices
from annotate.extraction.llm import LLMSettings
from tests.support.cassettes import CassetteLibrary
from tests.support.llm_cases import CASSETTES, MODES, load_cases, run_case
from tests.support.openai_server import OpenAITestServer

ROOT = Path(__file__).resolve().parents[2]
CASES = {c.name: c for c in load_cases()}
FILES = sorted(CASSETTES.glob("*/*/*.json"))
MODELS = sorted({p.parts[-3] for p in FILES})
ARTIFACT = ROOT / "test-artifacts" / "llm_quality.json"
_RUNS: dict[tuple[str, str], dict[str, CaseRun]] = {}


@pytest.fixture(scope="module")
def replay() -> Iterator[tuple[OpenAITestServer, CassetteLibrary]]:
    library = CassetteLibrary(CASSETTES)
    with OpenAITestServer(cassettes=library) as server:
        yield server, library


def _thresholds(model: str) -> dict[str, Any]:
    path = CASSETTES / model / "thresholds.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _run(path: Path, replay: tuple[OpenAITestServer, CassetteLibrary]) -> tuple[dict[str, Any], CaseRun, list[str]]:
    server, library = replay
    meta = json.loads(path.read_text(encoding="utf-8"))
    case = CASES[meta["case"]]
    before = len(library.misses)
    outcome = run_case(case, LLMSettings(**meta["settings"], base_url=server.base_url, api_key="replay"))
    run = outcome.case_run(meta)
    _RUNS.setdefault((meta["model"], meta.get("label", meta["mode"])), {})[case.name] = run
    return meta, run, library.misses[before:]


def test_every_case_is_recorded_in_every_mode() -> None:
    assert MODELS, "no cassettes: record them with `make record`"
    for model in MODELS:
        for mode in MODES:
            have = {p.stem for p in (CASSETTES / model / mode).glob("*.json")}
            assert have >= set(CASES), f"{model}/{mode} lacks {sorted(set(CASES) - have)}: run `make record`"


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parts[-2]}-{p.stem}" for p in FILES])
def test_cassette_replays_and_scores(path: Path, replay: tuple[OpenAITestServer, CassetteLibrary]) -> None:
    meta, run, misses = _run(path, replay)
    assert not misses, misses[0]
    assert (f"failed: {run.failure}" if run.failure else "predicted") == meta["outcome"], "replay differs from recording"
    run_label = meta.get("label", meta["mode"])
    limits = _thresholds(meta["model"]).get(run_label, {}).get(run.case, {})
    if not limits:
        pytest.fail(f"no thresholds for {meta['model']}/{run_label}/{run.case} in thresholds.toml")
    fields = ModeQuality(meta["mode"], [run]).scores()[run.schema].fields
    low = {name: round(fields[name].f1 or 0.0, 3) for name, minimum in limits.items()
           if name != "total" and ((fields.get(name) and fields[name].f1) or 0.0) < minimum}  # fmt: skip
    total = ModeQuality(meta["mode"], [run]).scores()[run.schema].total.f1 or 0.0
    assert total >= limits.get("total", 0.0), f"total F1 {total:.3f} < {limits['total']}"
    assert not low, f"fields under their F1 threshold: {low}"


def test_confidence_separates_right_from_wrong_values() -> None:
    """Runs after the replays above (file order) and writes the quality figures."""
    if not _RUNS:
        pytest.skip("no replays ran")
    prices = load_prices()
    figures = {f"{model}/{mode}": ModeQuality(mode, list(runs.values())).summary(prices)
               for (model, mode), runs in sorted(_RUNS.items())}  # fmt: skip
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for (model, mode), _ in sorted(_RUNS.items()):
        minimum = _thresholds(model).get(mode, {}).get("auroc")
        auroc = figures[f"{model}/{mode}"]["auroc"]
        if minimum is not None:
            assert auroc is not None and auroc >= minimum, f"{model}/{mode}: AUROC {auroc} < {minimum}"
