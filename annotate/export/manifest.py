"""``manifest.json``: what an export holds and how to make it again.

A training set that cannot be traced back is a liability: the manifest names every gold version
it contains (so ``--version manifest.json`` reproduces it exactly), the schema and prompt versions
the records follow, how documents were split, and the command that produced it. The gold ids are
streamed into the file, so even a 100k-document manifest never sits in memory as a list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class ManifestError(ValueError):
    """A manifest that cannot be read; ``str()`` is one line naming the file."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def write_manifest(path: Path, head: dict[str, Any], gold_ids: Iterable[str]) -> int:
    """Write ``head`` plus a streamed ``gold_ids`` list; returns how many ids were written."""
    if "gold_ids" in head:
        raise ValueError("gold_ids are streamed, not part of the head")
    body = json.dumps({"manifest_version": FORMAT_VERSION, **head}, ensure_ascii=False, indent=2)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(body[:-2])  # drop the closing "\n}"
        fh.write(',\n  "gold_ids": [')
        for gold_id in gold_ids:
            fh.write(("\n    " if n == 0 else ",\n    ") + json.dumps(gold_id, ensure_ascii=False))
            n += 1
        fh.write("\n  ]\n}\n" if n else "]\n}\n")
    return n


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read manifest ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: not a JSON manifest ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("gold_ids"), list):
        raise ManifestError(f"{path}: not an export manifest (no gold_ids list)")
    if not all(isinstance(g, str) for g in data["gold_ids"]):
        raise ManifestError(f"{path}: gold_ids must be strings")
    return data
