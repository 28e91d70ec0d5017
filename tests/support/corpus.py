"""Generate many distinct documents from templates, for fault tests and benchmarks.

Hundreds of documents are needed to exercise concurrency, retries and resume, but they must not
be literals in tests nor cut from ``seeds/`` (the seeds are what prompts are judged on). So the
texts come from ``tests/fixtures/batch/templates/*.txt`` filled with values from ``vocab.json``;
every document carries its index, so no two texts (and no two doc ids) are the same.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "batch"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def fill(template: str, vocab: dict[str, list[str]], index: int, rng: random.Random) -> str:
    """One document: words drawn from ``vocab``, numbers derived from ``index`` (hence unique)."""
    numbers: dict[str, Any] = {
        "seq": index + 1,
        "seq_b": index + 2,
        "seq_c": index + 3,
        "month": 1 + index % 12,
        "day": 1 + index % 28,
        "year": 2015 + index % 8,
        "year_next": 2016 + index % 8,
        "amount": 10 + index,
        "jobs": 1000 + 7 * index,
        "cases": 500 + 13 * index,
        "cases_done": 400 + 11 * index,
        "rate": 90 + index % 10,
    }
    values: dict[str, Any] = {}
    for name in _fields(template):
        base = name.split(":")[0]
        if base in numbers:
            values[base] = numbers[base]
        elif base in vocab:
            values[base] = rng.choice(vocab[base])
        elif base.startswith(("unit_", "lead_")):
            values[base] = rng.choice(vocab["district"]) + ("区" if base.startswith("unit_") else "区发展改革委")
        else:
            raise KeyError(f"template field {base!r} has no value (add it to vocab.json)")
    return template.format(**values)


def generate_corpus(
    folder: Path, count: int, *, fixtures: Path = DEFAULT_FIXTURES, seed: int = 0, suffix: str = ".txt"
) -> list[Path]:
    """Write ``count`` documents (templates in turn) into ``folder``; returns their paths in order."""
    templates = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((fixtures / "templates").glob("*.txt"))]
    if not templates:
        raise FileNotFoundError(f"no templates in {fixtures / 'templates'}")
    vocab = json.loads((fixtures / "vocab.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name, template = templates[i % len(templates)]
        path = folder / f"{i:04d}_{name}{suffix}"
        path.write_text(fill(template, vocab, i, rng), encoding="utf-8")
        paths.append(path)
    return paths
