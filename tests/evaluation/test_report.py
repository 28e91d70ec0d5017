"""The HTML report: self-contained (nothing to fetch), charts carry the numbers of the tables."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from annotate.core import scoring
from annotate.evaluation.report import live_evaluation, render_report, write_live_report, write_report
from annotate.evaluation.run import evaluate
from annotate.store.db import connect
from tests.export.store_scenario import Scenario

LIVE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "evaluation" / "live_scores.json").read_text("utf-8"))


class Elements(HTMLParser):
    """Every start tag with its attributes (the standard library parser: no extra dependency)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def assert_self_contained(html: str) -> None:
    tags = elements(html)
    assert not [t for t, a in tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    assert not [a for _, a in tags if "src" in a or "href" in a]
    assert not re.search(r"url\(|@import|https?://|//cdn", html, re.I)


@pytest.fixture
def report_html(scenario: Scenario, tmp_path: Path) -> tuple[str, Any]:
    con = connect(scenario.db, read_only=True)
    ev = evaluate(con, source=str(scenario.db), command="annotate eval --report r.html")
    con.close()
    path = write_report(ev, tmp_path / "out" / "report.html")
    return path.read_text(encoding="utf-8"), ev


def test_report_is_self_contained_with_three_kinds_of_chart(report_html: tuple[str, Any]) -> None:
    html, ev = report_html
    assert_self_contained(html)
    tags = elements(html)
    charts = {a["data-chart"] for t, a in tags if t == "figure"}
    assert charts == {"f1-meeting_review", "f1-task_progress", "effort", "calibration"}
    bars = [a for t, a in tags if t == "rect" and a.get("class") == "bar"]
    # one bar per version and field with data, plus the micro total per version
    n_expected = sum(
        len([f for f, c in v.fields_normalised.items() if c.tp + c.fp + c.fn]) + 1 for v in ev.versions
    )
    assert len(bars) == n_expected


def test_chart_numbers_match_the_evaluation(report_html: tuple[str, Any]) -> None:
    html, ev = report_html
    tags = elements(html)
    labels = {v.version_key: f"V{i + 1}" for i, v in enumerate(ev.versions)}
    for v in ev.versions:
        [micro] = [
            a for t, a in tags
            if t == "rect" and a.get("data-field") == "(all fields, micro)" and a.get("data-version") == labels[v.version_key]
        ]  # fmt: skip
        assert float(micro["data-f1"]) == pytest.approx(v.micro_normalised.f1, abs=1e-4)
        assert float(micro["width"]) == pytest.approx(v.micro_normalised.f1 * 380, abs=0.01)
    segments = [a for t, a in tags if t == "rect" and a.get("class") == "seg"]
    assert len(segments) == 4 * len(ev.effort)
    for key, effort in ev.effort.items():
        label = {**labels}.get(key)
        if label is None:
            continue
        mine = {a["data-kind"]: a for a in segments if a["data-version"] == label}
        assert {k: int(a["data-count"]) for k, a in mine.items()} == effort.counts
    points = [a for t, a in tags if t == "circle" and "data-n" in a]
    assert sum(int(p["data-n"]) for p in points) == sum(len(v.confidences) for v in ev.versions)


def test_report_escapes_what_comes_from_the_store(tmp_path: Path) -> None:
    ev = live_evaluation(
        LIVE["scores"], version_keys={"meeting_review": "<script>alert(1)</script>"}, title="x<img src=x>"
    )
    html = render_report(ev)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert_self_contained(html)


def test_live_report_from_plain_counts_and_from_scores(tmp_path: Path) -> None:
    path = write_live_report(
        tmp_path / "live.html", LIVE["scores"], version_keys=LIVE["version_keys"], thresholds=LIVE["thresholds"]
    )
    html = path.read_text(encoding="utf-8")
    assert_self_contained(html)
    assert LIVE["version_keys"]["meeting_review"] in html
    # achievements: 2*40/(80+9+8) = 0.825 < 0.9 -> fail; shortcomings 60/65 = 0.923 -> pass
    assert html.count('class="fail"') == 1 and html.count('class="pass"') == 2
    score = scoring.aggregate(
        [scoring.Score(mode="normalised", fields={k: scoring.Counts(**v) for k, v in LIVE["scores"]["meeting_review"].items()})]
    )
    ev = live_evaluation({"meeting_review": score})
    [v] = ev.versions
    assert v.documents == 1 and v.micro_normalised.tp == 131
    with pytest.raises(ValueError, match="tp/fp/fn"):
        live_evaluation({"meeting_review": {"units[].unit": {"f1": 0.9}}})
