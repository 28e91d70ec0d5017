"""Open the HTML report in real headless Chromium with the network blocked, and check the charts drew.

Every request the page makes is recorded; anything but the report file itself is aborted and
fails the test — the report must work on a machine with no network. The screenshot goes to
``test-artifacts/eval_report.png`` for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotate.evaluation.report import write_report
from annotate.evaluation.run import evaluate
from annotate.store.db import connect
from tests.export.store_scenario import Scenario

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_report_renders_offline_in_chromium(scenario: Scenario, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    con = connect(scenario.db, read_only=True)
    ev = evaluate(con, source=str(scenario.db), command="annotate eval --report eval.html")
    con.close()
    report = write_report(ev, tmp_path / "eval.html").resolve()
    url = report.as_uri()

    requests: list[str] = []
    blocked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))

            def guard(route, request) -> None:
                if request.url == url:
                    route.continue_()
                else:
                    blocked.append(request.url)
                    route.abort()

            context.route("**/*", guard)
            page.goto(url, wait_until="load")

            # The charts are there and drawn (non-empty boxes), with the numbers in data attributes.
            assert page.locator("figure[data-chart]").count() == 4
            bars = page.locator("figure[data-chart^='f1-'] rect.bar")
            assert bars.count() >= 10
            widths = [float(w) for w in bars.evaluate_all("els => els.map(e => e.getBBox().width)")]
            assert max(widths) > 300 and all(w >= 0 for w in widths)
            micro = page.locator("rect.bar[data-field='(all fields, micro)']")
            assert micro.count() == len(ev.versions)
            segments = page.locator("figure[data-chart='effort'] rect.seg")
            assert segments.count() == 4 * len(ev.effort)
            assert sum(float(s) for s in segments.evaluate_all("els => els.map(e => e.dataset.share)")) == pytest.approx(
                len(ev.effort), abs=1e-3
            )
            points = page.locator("figure[data-chart='calibration'] circle.point")
            assert points.count() >= 2
            box = page.locator("figure[data-chart='calibration'] svg").bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 200
            # Chinese field names and version keys render as text, not as missing-glyph boxes we cannot see here;
            # the summary table holds one row per version.
            assert page.locator("#summary tbody tr").count() == len(ev.versions)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "eval_report.png"), full_page=True)
        finally:
            browser.close()

    assert blocked == [], f"the report tried to fetch: {blocked}"
    assert requests == [url]
