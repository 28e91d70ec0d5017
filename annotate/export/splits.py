"""Train/validation/test assignment from a hash of ``doc_id``.

A document's split depends on nothing but its id and the ratios, so it never moves between train
and test across exports, re-runs or new gold versions — the test set stays unseen. The bucket is
the first 32 bits of ``md5(doc_id)`` modulo 10,000, which DuckDB computes identically in SQL
(``annotate.store.datasets.split_sql``) so the Parquet export, which never leaves DuckDB, agrees with
the Python-side formats. Splits are cumulative ranges of that bucket, so raising the train share
only moves documents *into* train, never between validation and test.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

BUCKETS = 10_000
SPLIT_NAMES = ("train", "validation", "test")
DEFAULT_SPLIT = "80/10/10"


class SplitError(ValueError):
    """A ``--split`` value that cannot be read; ``str()`` is one line."""


@dataclass(frozen=True)
class SplitSpec:
    """Split names with the exclusive upper bucket bound of each, in order."""

    names: tuple[str, ...]
    bounds: tuple[int, ...]

    def assign(self, doc_id: str) -> str:
        b = bucket(doc_id)
        for name, bound in zip(self.names, self.bounds, strict=True):
            if b < bound:
                return name
        return self.names[-1]

    def label(self) -> str:
        """The spec back as ``80/10/10`` (for manifests)."""
        prev = 0
        parts = []
        for bound in self.bounds:
            parts.append(_fmt((bound - prev) * 100 / BUCKETS))
            prev = bound
        return "/".join(parts)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def bucket(doc_id: str) -> int:
    """The document's fixed position in ``[0, BUCKETS)``."""
    return int(hashlib.md5(doc_id.encode("utf-8")).hexdigest()[:8], 16) % BUCKETS


def parse_split(value: str | None) -> SplitSpec:
    """``80/10/10`` -> train/validation/test; ``90/10`` -> train/test; ``100`` -> train only.

    Percentages must be positive and add up to 100 (fractions allowed down to 0.01 %).
    """
    text = (value or DEFAULT_SPLIT).strip()
    parts = [p.strip() for p in text.split("/")]
    if not 1 <= len(parts) <= 3:
        raise SplitError(f"--split {text!r}: give one to three percentages like 80/10/10")
    try:
        shares = [float(p) for p in parts]
    except ValueError:
        raise SplitError(f"--split {text!r}: percentages must be numbers, like 80/10/10") from None
    if any(s <= 0 for s in shares):
        raise SplitError(f"--split {text!r}: every share must be above 0")
    if abs(sum(shares) - 100) > 1e-6:
        raise SplitError(f"--split {text!r}: shares add up to {_fmt(sum(shares))}, not 100")
    names = {1: ("train",), 2: ("train", "test"), 3: SPLIT_NAMES}[len(shares)]
    bounds = []
    total = 0.0
    for s in shares:
        total += s
        bounds.append(round(total * BUCKETS / 100))
    bounds[-1] = BUCKETS
    return SplitSpec(names=names, bounds=tuple(bounds))
