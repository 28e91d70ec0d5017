"""The rows of a task at a glance: each top-level item's scalar values in one line above the text.

Label Studio shows a region's per-region controls (a row's ``seq`` and ``status``) only while the
region is selected, and its region list can show only text areas. On the key-task table 62 of
136 rows were predicted ``unclear``: reviewing status meant clicking every row. This line lists
what the prediction says per row — ``17 推进中 · 18 已完成 …`` — so the annotator reads the page's
statuses in one place and opens only the rows that look wrong. It is the prediction's, labelled
so; the controls stay the place to change a value.
"""

from __future__ import annotations

from typing import Any

from annotate.labelstudio.config import LabelSpec

MAX_CHARS = 600


def row_overview(spec: LabelSpec, results: list[dict[str, Any]]) -> str:
    """``17 推进中 · 18 已完成 …`` for the top-level items in ``results`` (``""`` when they have no scalars)."""
    top = {b for b, block in spec.blocks.items() if block.parent is None}
    controls = {s.control: s for s in spec.scalars.values() if s.block in top}
    if not controls:
        return ""
    rows = sorted(
        (r for r in results if r.get("type") == "labels" and (r.get("value") or {}).get("labels", [""])[0] in top),
        key=lambda r: r["value"]["start"],
    )
    values: dict[str, list[str]] = {}
    for r in results:
        field = controls.get(r.get("from_name", ""))
        if field is None or r.get("type") == "labels":
            continue
        v = r.get("value") or {}
        if field.kind == "number" and v.get("number") is not None:
            n = v["number"]
            values.setdefault(r["id"], []).append(str(int(n)) if float(n).is_integer() else str(n))
        elif field.kind == "choices" and v.get("choices"):
            titles = spec.choice_titles.get(field.pattern, {})
            values.setdefault(r["id"], []).append("/".join(titles.get(c, c) for c in v["choices"]))
    parts = [" ".join(values[r["id"]]) for r in rows if values.get(r["id"])]
    line = " · ".join(parts)
    return line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "…"
