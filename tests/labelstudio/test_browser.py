"""An annotator in a real browser: log in, see the pre-annotated regions, submit, pull -> gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annotate.cli import app
from annotate.core.grounding import confidence, ground_record
from annotate.core.types import Extraction
from annotate.documents import load_document
from annotate.labelstudio.convert import normalise
from annotate.schema_registry import get_schema
from annotate.store import connect
from annotate.store.gold import latest_gold
from annotate.store.predictions import save_result

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (make browser)")
def test_annotator_submits_a_pushed_task_and_pull_makes_gold(ls_env: Any, tmp_path: Path, fixtures_dir: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    db = tmp_path / "review.duckdb"
    doc = load_document(fixtures_dir / "labelstudio" / "review_meeting.txt")
    spec = get_schema("meeting_review")
    record = normalise(
        spec.model, json.loads((fixtures_dir / "labelstudio" / "review_meeting.gold.json").read_text("utf-8"))
    )
    groundings = ground_record(doc.text, spec.model, record)
    con = connect(db)
    save_result(con, doc, Extraction(doc_id=doc.doc_id, schema_name=spec.name, model_version="meeting_review/browser@v1",
                                     record=record, groundings=groundings, confidence=confidence(groundings)),
                backend="rules")  # fmt: skip
    con.close()
    res = CliRunner().invoke(app, ["push", "--db", str(db)])
    assert res.exit_code == 0, res.output
    con = connect(db, read_only=True)
    ((project_id, task_id),) = con.execute("SELECT project_id, task_id FROM ls_tasks").fetchall()
    con.close()

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{ls_env.url}/user/login/")
            page.fill("input[name=email]", ls_env.username)
            page.fill("input[name=password]", ls_env.password)
            page.click("button[type=submit], input[type=submit]")
            page.wait_for_url(lambda u: "/user/login" not in u)
            page.goto(f"{ls_env.url}/projects/{project_id}/data?task={task_id}")
            regions = page.locator(".htx-highlight")
            expect(regions.first).to_be_visible()
            page.wait_for_timeout(500)
            shown = regions.count()
            text = page.locator(".lsf-main-view, .lsf-main-content, body").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "labelstudio-task.png"), full_page=True)
            assert shown >= len(groundings), f"{shown} highlighted regions on the page, {len(groundings)} pre-annotated"
            assert "背街小巷治理" in text and "甲街道" in text
            # labels read as words, in Chinese, on the buttons and on the highlights; no code paths
            buttons = " ".join(page.locator(".lsf-label").all_inner_texts())
            assert all(t in buttons for t in ("单位点评", "成绩", "不足", "出席领导")), buttons
            assert "[]" not in buttons and "shortcomings" not in buttons, f"a raw field path is visible: {buttons}"
            drawn = [page.locator(".htx-highlight[data-label]").nth(i).get_attribute("data-label") or ""
                     for i in range(min(5, page.locator(".htx-highlight[data-label]").count()))]  # fmt: skip
            assert drawn and all(any("\u4e00" <= ch <= "\u9fff" for ch in d) for d in drawn), drawn
            # the rejection note shows only with reject, and the review keys are alt+x / alt+a
            note = page.get_by_placeholder("退回原因 why rejected (optional)")
            expect(note).to_be_hidden()
            page.keyboard.press("Alt+x")
            expect(note).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "labelstudio-reject.png"), full_page=True)
            page.keyboard.press("Alt+a")
            expect(note).to_be_hidden()
            page.get_by_role("button", name="Submit").click()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ARTIFACTS / "labelstudio-submitted.png"), full_page=True)
        finally:
            browser.close()

    res = CliRunner().invoke(app, ["pull", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "1 gold" in res.output
    con = connect(db, read_only=True)
    gold = latest_gold(con, doc.doc_id)
    con.close()
    assert gold is not None
    assert gold["record"] == record
    assert gold["annotator"] == ls_env.username
    assert gold["prediction_version_key"] == "meeting_review/browser@v1"
    assert gold["region_stats"]["kept"] > 0 and gold["region_stats"]["deleted"] == 0
    assert gold["lead_time"] and gold["lead_time"] > 0
