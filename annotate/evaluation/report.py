"""The HTML quality report: one self-contained file with inline CSS and inline SVG charts.

It is opened by people on machines without network access (and attached to reviews), so nothing
is loaded from anywhere — no CDN script, no web font, no image URL. The charts are computed here
as plain shapes (pure functions, testable without a browser) and drawn by the Jinja template in
``templates/report.html.j2``; every shape carries ``data-*`` attributes with the number it shows,
so a test (or a curious reader with devtools) can check a chart against the table beside it.

``write_live_report`` is the entry point for ``pytest -m live``: the prompt-regression scores of a
live run go into the same report, so a prompt change is judged by the same numbers and charts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from annotate.core import scoring
from annotate.evaluation.metrics import PRF, REGION_KINDS, Effort
from annotate.evaluation.run import Evaluation, VersionResult

PALETTE = ("#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f")
EFFORT_COLORS = {"kept": "#16a34a", "edited": "#f59e0b", "added": "#3b82f6", "deleted": "#dc2626"}
LABEL_W = 230
PLOT_W = 380
PAD = 12


@dataclass
class Shape:
    """One SVG primitive: ``kind`` is rect/line/circle/text/polyline; ``data`` becomes ``data-*``."""

    kind: str
    attrs: dict[str, Any]
    text: str = ""
    title: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Chart:
    id: str
    title: str
    width: int
    height: int
    shapes: list[Shape] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


def _fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def short_labels(evaluation: Evaluation) -> dict[str, str]:
    """``V1``, ``V2`` … for version keys in report order (the full keys are in the legend table)."""
    keys: list[str] = []
    for v in evaluation.versions:
        if v.version_key not in keys:
            keys.append(v.version_key)
    for k in evaluation.effort:
        if k not in keys:
            keys.append(k)
    return {k: f"V{i + 1}" for i, k in enumerate(keys)}


def colors(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(labels)}


def _fields_with_data(versions: list[VersionResult]) -> list[str]:
    seen: list[str] = []
    for v in versions:
        for name, c in v.fields_normalised.items():
            if c.tp + c.fp + c.fn and name not in seen:
                seen.append(name)
    return seen


def f1_chart(schema: str, versions: list[VersionResult], labels: Mapping[str, str], palette: Mapping[str, str]) -> Chart:
    """Per-field F1 by version: a bar (normalised) with a dark tick (strict) per version and field."""
    fields = [*_fields_with_data(versions), "(all fields, micro)"]
    bar_h, gap = 12, 10
    row_h = bar_h * len(versions) + gap
    top = 30
    height = top + row_h * len(fields) + 30
    chart = Chart(id=f"f1-{schema}", title=f"Per-field F1 by version — {schema}", width=LABEL_W + PLOT_W + 60, height=height)
    x0 = LABEL_W
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = x0 + tick * PLOT_W
        chart.shapes.append(Shape("line", {"x1": x, "y1": top - 6, "x2": x, "y2": height - 24, "class": "grid"}))
        chart.shapes.append(Shape("text", {"x": x, "y": height - 8, "text-anchor": "middle", "class": "axis"}, f"{tick:g}"))
    for r, name in enumerate(fields):
        y_row = top + r * row_h
        chart.shapes.append(
            Shape("text", {"x": x0 - 8, "y": y_row + row_h / 2, "text-anchor": "end", "class": "label"}, name)
        )
        for i, v in enumerate(versions):
            if name.startswith("("):
                norm, strict = v.micro_normalised, v.micro_strict
            else:
                norm, strict = v.fields_normalised.get(name, PRF()), v.fields_strict.get(name, PRF())
            y = y_row + i * bar_h
            f1n, f1s = norm.f1, strict.f1
            label = labels[v.version_key]
            data = {"field": name, "version": label, "f1": _fmt(f1n, 4), "strict-f1": _fmt(f1s, 4)}
            title = f"{label} {name}: F1 {_fmt(f1n)} normalised, {_fmt(f1s)} strict (tp {norm.tp}, fp {norm.fp}, fn {norm.fn})"
            chart.shapes.append(
                Shape(
                    "rect",
                    {"x": x0, "y": y + 1, "width": round((f1n or 0.0) * PLOT_W, 2), "height": bar_h - 2,
                     "fill": palette[v.version_key], "class": "bar"},
                    title=title,
                    data=data,
                )
            )
            if f1s is not None:
                xs = x0 + f1s * PLOT_W
                chart.shapes.append(
                    Shape("line", {"x1": xs, "y1": y, "x2": xs, "y2": y + bar_h, "class": "strict"}, title=title)
                )
            chart.shapes.append(
                Shape("text", {"x": x0 + (f1n or 0.0) * PLOT_W + 4, "y": y + bar_h - 2, "class": "value"}, _fmt(f1n, 2))
            )
    chart.legend = [(palette[v.version_key], labels[v.version_key]) for v in versions]
    chart.note = "Bars: normalised F1 (width/space, Traditional→Simplified, whitespace). Dark ticks: strict F1."
    return chart


def effort_chart(effort: Mapping[str, Effort], labels: Mapping[str, str]) -> Chart:
    """Share of regions annotators kept / edited / added / deleted, one stacked bar per version."""
    bar_h, gap, top = 22, 12, 20
    height = top + (bar_h + gap) * max(len(effort), 1) + 30
    chart = Chart(id="effort", title="Correction effort per version", width=LABEL_W + PLOT_W + 60, height=height)
    x0 = LABEL_W
    order = {k: i for i, k in enumerate(labels)}
    for r, (key, e) in enumerate(sorted(effort.items(), key=lambda kv: order.get(kv[0], len(order)))):
        y = top + r * (bar_h + gap)
        label = labels.get(key, key)
        chart.shapes.append(
            Shape("text", {"x": x0 - 8, "y": y + bar_h / 2 + 4, "text-anchor": "end", "class": "label"},
                  f"{label} ({e.annotations} ann., {e.regions} regions)")
        )
        x = float(x0)
        for kind in REGION_KINDS:
            share = e.shares[kind] or 0.0
            w = round(share * PLOT_W, 2)
            chart.shapes.append(
                Shape(
                    "rect",
                    {"x": round(x, 2), "y": y, "width": w, "height": bar_h, "fill": EFFORT_COLORS[kind], "class": "seg"},
                    title=f"{label}: {kind} {e.counts[kind]} of {e.regions} ({share:.0%})",
                    data={"version": label, "kind": kind, "share": f"{share:.4f}", "count": e.counts[kind]},
                )
            )
            if w >= 28:
                chart.shapes.append(
                    Shape("text", {"x": x + w / 2, "y": y + bar_h / 2 + 4, "text-anchor": "middle", "class": "inbar"},
                          f"{share:.0%}")
                )
            x += w
    for tick in (0.0, 0.5, 1.0):
        chart.shapes.append(
            Shape("text", {"x": x0 + tick * PLOT_W, "y": height - 8, "text-anchor": "middle", "class": "axis"},
                  f"{tick:.0%}")
        )
    chart.legend = [(EFFORT_COLORS[k], k) for k in REGION_KINDS]
    if not effort:
        chart.note = "No gold records region counts yet (annotate pull records them)."
    return chart


def calibration_chart(versions: list[VersionResult], labels: Mapping[str, str], palette: Mapping[str, str]) -> Chart:
    """Reliability diagram: accuracy of values against their confidence, per 0.1 bin and version."""
    size, left, top = 300, 50, 20
    chart = Chart(id="calibration", title="Confidence calibration", width=left + size + 40, height=top + size + 50)

    def px(conf: float) -> float:
        return round(left + conf * size, 2)

    def py(acc: float) -> float:
        return round(top + (1 - acc) * size, 2)

    chart.shapes.append(Shape("rect", {"x": left, "y": top, "width": size, "height": size, "class": "frame"}))
    chart.shapes.append(Shape("line", {"x1": px(0), "y1": py(0), "x2": px(1), "y2": py(1), "class": "diagonal"}))
    for tick in (0.0, 0.5, 1.0):
        chart.shapes.append(Shape("text", {"x": px(tick), "y": top + size + 16, "text-anchor": "middle", "class": "axis"}, f"{tick:g}"))
        chart.shapes.append(Shape("text", {"x": left - 6, "y": py(tick) + 4, "text-anchor": "end", "class": "axis"}, f"{tick:g}"))
    chart.shapes.append(
        Shape("text", {"x": left + size / 2, "y": top + size + 36, "text-anchor": "middle", "class": "axis"}, "confidence")
    )
    chart.shapes.append(
        Shape("text", {"x": 12, "y": top + size / 2, "class": "axis", "transform": f"rotate(-90 12 {top + size / 2})",
                       "text-anchor": "middle"}, "share right")
    )
    largest = max((b.n for v in versions for b in v.calibration), default=0)
    for v in versions:
        label = labels[v.version_key]
        points = [(b.mean_confidence, b.accuracy, b) for b in v.calibration if b.n]
        if not points:
            continue
        if len(points) > 1:
            chart.shapes.append(
                Shape("polyline", {"points": " ".join(f"{px(c)},{py(a)}" for c, a, _ in points),
                                   "stroke": palette[v.version_key], "class": "curve"})
            )
        for c, a, b in points:
            r = 3 + 6 * math.sqrt(b.n / largest) if largest else 3
            chart.shapes.append(
                Shape(
                    "circle",
                    {"cx": px(c), "cy": py(a), "r": round(r, 2), "fill": palette[v.version_key], "class": "point"},
                    title=f"{label}: {b.n} values with confidence {b.lo:.1f}–{b.hi:.1f}, {a:.0%} right",
                    data={"version": label, "bin": f"{b.lo:.1f}", "n": b.n, "accuracy": f"{a:.4f}",
                          "confidence": f"{c:.4f}"},
                )
            )
    chart.legend = [(palette[v.version_key], labels[v.version_key]) for v in versions if v.confidences]
    if not any(v.confidences for v in versions):
        chart.note = "No predicted values with a confidence to calibrate."
    else:
        chart.note = "Each value's confidence comes from its alignment; the dashed line is perfect calibration."
    return chart


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("annotate.evaluation", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_ENV.filters["num"] = _fmt


def render_report(evaluation: Evaluation) -> str:
    """The report as one HTML string (no external references)."""
    labels = short_labels(evaluation)
    palette = colors(labels)
    schemas: dict[str, list[VersionResult]] = {}
    for v in evaluation.versions:
        schemas.setdefault(v.schema_name, []).append(v)
    charts = [f1_chart(name, vs, labels, palette) for name, vs in schemas.items()]
    charts.append(effort_chart(evaluation.effort, labels))
    charts.append(calibration_chart(evaluation.versions, labels, palette))
    return _ENV.get_template("report.html.j2").render(
        ev=evaluation,
        labels=labels,
        palette=palette,
        schemas=schemas,
        charts=charts,
        region_kinds=REGION_KINDS,
        effort_rows=sorted(evaluation.effort.items(), key=lambda kv: list(labels).index(kv[0])),
        fields_of=_fields_with_data,
    )


def write_report(evaluation: Evaluation, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_report(evaluation), encoding="utf-8")
    tmp.replace(path)
    return path


def _as_counts(value: Any, where: str) -> PRF:
    if isinstance(value, scoring.Counts):
        return value
    if isinstance(value, Mapping) and all(k in value for k in ("tp", "fp", "fn")):
        return PRF(int(value["tp"]), int(value["fp"]), int(value["fn"]))
    raise ValueError(f"{where}: per-field scores need tp/fp/fn counts (a scoring.Counts or a dict with tp, fp, fn)")


def _as_fields(scores: Any, where: str) -> dict[str, PRF]:
    if isinstance(scores, scoring.Score):
        return dict(scores.fields)
    if isinstance(scores, Mapping):
        return {name: _as_counts(c, f"{where} {name}") for name, c in scores.items()}
    raise ValueError(f"{where}: expected a scoring.Score or a mapping of field -> counts")


def live_evaluation(
    scores: Mapping[str, Any],
    *,
    strict: Mapping[str, Any] | None = None,
    version_keys: Mapping[str, str] | None = None,
    thresholds: Mapping[str, Mapping[str, float]] | None = None,
    documents: Mapping[str, int] | None = None,
    confidences: Mapping[str, list[tuple[float, bool]]] | None = None,
    title: str = "Live prompt regression",
    command: str = "pytest -m live",
) -> Evaluation:
    """An :class:`Evaluation` from a live run's per-field scores, keyed by schema name.

    ``scores[schema]`` is the normalised per-field result (a ``scoring.Score`` from
    ``scoring.aggregate`` or ``{field: Counts | {"tp", "fp", "fn"}}``); ``strict`` the same in strict
    mode (optional); ``version_keys[schema]`` names the prompt version that produced them;
    ``thresholds[schema][field]`` are the per-field F1 floors the live test asserts, shown pass/fail;
    ``confidences[schema]`` the ``(confidence, right)`` pairs of the predicted values (AUROC, calibration).
    """
    out = Evaluation(title=title, command=command, source="live run")
    for schema_name, sc in scores.items():
        key = (version_keys or {}).get(schema_name) or f"{schema_name}/live"
        res = VersionResult(version_key=key, schema_name=schema_name, backend="llm (live)")
        res.fields_normalised = _as_fields(sc, f"live scores for {schema_name}")
        res.fields_strict = _as_fields((strict or {}).get(schema_name, {}), f"strict scores for {schema_name}")
        if isinstance(sc, scoring.Score):
            res.documents = sc.documents
        res.documents = (documents or {}).get(schema_name, res.documents)
        res.thresholds = dict((thresholds or {}).get(schema_name, {}))
        res.confidences = list((confidences or {}).get(schema_name, []))
        out.versions.append(res)
    return out


def write_live_report(path: Path | str, scores: Mapping[str, Any], **kwargs: Any) -> Path:
    """Write a live run's scores as the standard HTML report (see :func:`live_evaluation`)."""
    return write_report(live_evaluation(scores, **kwargs), path)
