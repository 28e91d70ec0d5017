"""The real-model test cases (``tests/fixtures/llm_cases.toml``) and running one through the pipeline.

Shared by the recorder (``record_cassettes``), the replay test and the live test, so that what is
recorded, what is replayed and what is asked live is the same extraction of the same document.
"""

from __future__ import annotations

import asyncio
import json
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotate.core.types import Extraction, ExtractionFailure
from annotate.documents import load_document
from annotate.evaluation.llm_quality import CaseRun
from annotate.extraction.base import ExtractContext, ExtractStats, MemoryCallLog
from annotate.extraction.llm import LLMBackend, LLMSettings
from annotate.schema_registry import get_schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
CASES_FILE = PROJECT_ROOT / "tests" / "fixtures" / "llm_cases.toml"
CASSETTES = PROJECT_ROOT / "tests" / "fixtures" / "cassettes"
MODES = ("tools", "json", "md_json")


@dataclass(frozen=True)
class Case:
    name: str
    document: Path
    expected: Path
    schema: str
    live: bool = False
    injected_unit: str | None = None

    def expected_record(self) -> dict[str, Any]:
        raw = json.loads(self.expected.read_text(encoding="utf-8"))
        return get_schema(self.schema).model.model_validate(raw).model_dump(mode="json")


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Case(
            name=c["name"], document=PROJECT_ROOT / c["document"], expected=PROJECT_ROOT / c["expected"],
            schema=c["schema"], live=bool(c.get("live")), injected_unit=c.get("injected_unit"),
        )
        for c in data["case"]
    ]


def label(settings: LLMSettings) -> str:
    """The cassette folder of a run: its mode, plus the confidence method when it is not the default."""
    return settings.mode if settings.confidence == "logprobs" else f"{settings.mode}+{settings.confidence}"


def cassette_path(case: Case, model: str, run_label: str, folder: Path = CASSETTES) -> Path:
    return folder / model / run_label / f"{case.name}.json"


def settings_for_record(settings: LLMSettings) -> dict[str, Any]:
    """What a cassette keeps of the settings to rebuild the same backend (no URL, no key)."""
    out = {k: v for k, v in settings.__dict__.items() if k not in ("base_url", "api_key")}
    return out


@dataclass
class Outcome:
    """One case through the pipeline: the extraction or the failure, and what it cost."""

    case: Case
    extraction: Extraction | None
    failure: str | None
    seconds: float
    calls: int
    reasks: int
    prompt_tokens: int
    completion_tokens: int

    def case_run(self, recorded: dict[str, Any] | None = None) -> CaseRun:
        """For the quality figures; ``recorded`` (a cassette's header) supplies the recording's cost."""
        e, cost = self.extraction, recorded or self.summary()
        return CaseRun(
            case=self.case.name, schema=self.case.schema, model=get_schema(self.case.schema).model,
            expected=self.case.expected_record(), record=e.record if e else None, groundings=e.groundings if e else [],
            failure=self.failure, seconds=cost["seconds"], calls=cost["calls"], reasks=cost.get("reasks", 0),
            prompt_tokens=cost["prompt_tokens"], completion_tokens=cost["completion_tokens"],
        )  # fmt: skip

    def summary(self) -> dict[str, Any]:
        e = self.extraction
        return {
            "outcome": "predicted" if e else f"failed: {self.failure}",
            "seconds": round(self.seconds, 1),
            "calls": self.calls,
            "reasks": self.reasks,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "values": len(e.groundings) if e else 0,
            "notes": e.notes if e else [],
        }


def run_case(case: Case, settings: LLMSettings) -> Outcome:
    """Extract ``case``'s document with its schema through the real pipeline (prompt, HTTP, re-asks, grounding)."""
    backend = LLMBackend(settings)
    log, stats = MemoryCallLog(), ExtractStats()
    doc = load_document(case.document)

    async def go() -> Extraction:
        try:
            return await backend.extract(doc, get_schema(case.schema), ExtractContext(log=log), stats)
        finally:
            await backend.aclose()

    started = time.monotonic()
    extraction, failure = None, None
    try:
        extraction = asyncio.run(go())
    except ExtractionFailure as exc:
        failure = exc.reason
    return Outcome(case, extraction, failure, time.monotonic() - started, stats.calls, stats.reasks,
                   stats.prompt_tokens, stats.completion_tokens)  # fmt: skip
