"""The LLM path's quality on test cases with expected records: what the README's figures come from.

Per mode: field-level precision/recall/F1 (the shared scorer), how the values aligned (exact /
normalised / fuzzy / unaligned), how often an answer was re-asked and a document failed, seconds
and tokens per document, what those tokens would cost at a priced endpoint, and how well the
values' confidence separates right from wrong ones (AUROC).

Pure: it takes finished runs (records, groundings, counts) and returns numbers; running the cases
is the caller's business (``tests.support.llm_cases``).
"""

from __future__ import annotations

import os
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from annotate.core.scoring import Score, aggregate, score_record
from annotate.core.types import AlignmentStatus, Grounding
from annotate.evaluation import metrics


@dataclass(frozen=True)
class CaseRun:
    """One document's run: its prediction (None when it failed) and what it cost."""

    case: str
    schema: str
    model: type[BaseModel]
    expected: dict[str, Any]
    record: dict[str, Any] | None
    groundings: list[Grounding]
    failure: str | None
    seconds: float
    calls: int
    reasks: int
    prompt_tokens: int
    completion_tokens: int


@dataclass
class ModeQuality:
    mode: str
    runs: list[CaseRun] = field(default_factory=list)

    def scores(self) -> dict[str, Score]:
        """Per schema, the field scores summed over its documents (a failed one scores as empty)."""
        by_schema: dict[str, list[Score]] = {}
        for r in self.runs:
            by_schema.setdefault(r.schema, []).append(score_record(r.model, r.record or {}, r.expected))
        return {name: aggregate(scores) for name, scores in by_schema.items()}

    def alignment(self) -> dict[str, int]:
        counts = Counter(g.status.value for r in self.runs for g in r.groundings)
        return {s.value: counts.get(s.value, 0) for s in AlignmentStatus}

    def confidences(self) -> list[tuple[float, bool]]:
        pairs: list[tuple[float, bool]] = []
        for r in self.runs:
            if r.record is not None:
                dumped = [g.model_dump(mode="json") for g in r.groundings]
                pairs += metrics.value_confidences(r.model, r.expected, r.record, dumped)
        return pairs

    def summary(self, prices: dict[str, dict[str, float]] | None = None) -> dict[str, Any]:
        n = len(self.runs) or 1
        pairs = self.confidences()
        out: dict[str, Any] = {
            "mode": self.mode,
            "documents": len(self.runs),
            "failed": sum(1 for r in self.runs if r.record is None),
            "reasked_documents": sum(1 for r in self.runs if r.reasks),
            "reasks": sum(r.reasks for r in self.runs),
            "calls": sum(r.calls for r in self.runs),
            "seconds_per_document": round(sum(r.seconds for r in self.runs) / n, 1),
            "prompt_tokens_per_document": round(sum(r.prompt_tokens for r in self.runs) / n),
            "completion_tokens_per_document": round(sum(r.completion_tokens for r in self.runs) / n),
            "alignment": self.alignment(),
            "values": len(pairs),
            "auroc": metrics.auroc(pairs),
            "fields": {name: s.as_dict() for name, s in self.scores().items()},
        }
        if prices:
            out["cost_per_1000_documents"] = {
                model: round(1000 * (out["prompt_tokens_per_document"] * p["input"]
                                     + out["completion_tokens_per_document"] * p["output"]) / 1e6, 2)
                for model, p in prices.items()
            }  # fmt: skip
        return out


def _price_table(path: Path | None) -> dict[str, Any]:
    env = os.environ.get("ANNOTATE_PRICES")
    if path is None and env:
        path = Path(env)
    text = path.read_text(encoding="utf-8") if path else (resources.files("annotate.evaluation") / "prices.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_prices(path: Path | None = None) -> dict[str, dict[str, float]]:
    """USD per million tokens by model: ``ANNOTATE_PRICES`` (a TOML file), else the shipped table."""
    return {name: {"input": float(p["input"]), "output": float(p["output"])}
            for name, p in _price_table(path).get("models", {}).items()}  # fmt: skip


def batch_discount(path: Path | None = None) -> float:
    """The share a Batch API takes off the list price (``[batch] discount``; 0 when the table has none)."""
    return float(_price_table(path).get("batch", {}).get("discount", 0.0))
