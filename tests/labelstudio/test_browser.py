"""An annotator in a real browser: log in, see the pre-annotated regions, submit, pull -> gold."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annotate.cli import app
from annotate.core.grounding import confidence, ground_record
from annotate.core.types import Extraction
from annotate.documents import load_document
from annotate.labelstudio.config import header as config_header
from annotate.labelstudio.config import label_spec
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


_POINT_AT = """(needle) => {
  const nodes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let all = "";
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
  for (let at = all.indexOf(needle); at >= 0; at = all.indexOf(needle, at + 1)) {
    const [node, offset] = nodes.filter(([n, o]) => o <= at && at < o + n.data.length)[0];
    const range = document.createRange();
    range.setStart(node, at - offset);
    range.setEnd(node, Math.min(node.data.length, at - offset + 2));
    const box = range.getBoundingClientRect();
    const x = box.x + box.width / 2, y = box.y + box.height / 2;
    if (box.width > 0 && document.elementFromPoint(x, y)?.closest(".htx-highlight")) return [x, y];
  }
  throw new Error("no visible highlighted text " + needle);
}"""
"""Viewport centre of the first two characters of ``needle`` (a text node inside a highlight)."""

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (make browser)")


def _login(page: Any, ls_env: Any) -> None:
    page.set_default_timeout(60_000)
    page.goto(f"{ls_env.url}/user/login/")
    page.fill("input[name=email]", ls_env.username)
    page.fill("input[name=password]", ls_env.password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda u: "/user/login" not in u)


_SHOWN = """() => ({
  text: document.body.innerText,
  buttons: [...document.querySelectorAll(".lsf-label")].map((el) => el.innerText.trim()),
  drawn: [...document.querySelectorAll(".htx-highlight[data-label]")].map((el) => el.getAttribute("data-label")),
})"""
"""What the annotator can read: the page's visible text, the label buttons, the title on each highlight."""


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def assert_readable_labels(page: Any, schema: str) -> None:
    """Labels read as words on an open task of ``schema``: the genre's Chinese title above the
    text (not ``meeting_review: Work-review…``), every label's title on the buttons, a Chinese
    title on every highlight, and no field path (``units[].shortcomings[]``) anywhere visible."""
    spec = get_schema(schema)
    lspec = label_spec(schema, spec.model, spec.labels, spec.choice_labels)
    shown = page.evaluate(_SHOWN)
    text, buttons, drawn = shown["text"], shown["buttons"], shown["drawn"]
    header = config_header(schema, spec.description, spec.title)
    assert _chinese(header) and header in text, f"the genre's Chinese title {header!r} is not above the text"
    assert f"{schema}:" not in text and spec.description not in text, "the schema's name and English description show"
    paths = {*lspec.label_values(), *(f.pattern for f in lspec.scalars.values())}
    visible, rest = set(), text  # longest first: units[] is part of units[].unit
    for path in sorted((p for p in paths if "[]" in p or "." in p), key=len, reverse=True):
        if path in rest:
            visible.add(path)
            rest = rest.replace(path, " ")
    # a button reads "不足\nw" (title, hotkey), a highlight "7:不足": a bare name (chair) is a path too
    visible |= {p for p in paths if any(x.split("\n")[0].split(":")[-1] == p for x in buttons + drawn)}
    assert not visible, f"raw field paths are visible: {sorted(visible)}"
    titles = [lspec.title(v) for v in lspec.label_values()]
    missing = [t for t in titles if not any(b.startswith(t) for b in buttons)]
    assert not missing, f"labels without their title on a button: {missing} (buttons: {buttons})"
    assert all(_chinese(b) for b in buttons), f"a label button reads as code: {buttons}"
    assert drawn and all(_chinese(d) for d in drawn), f"a highlight without a Chinese title: {sorted(set(drawn))}"


@dataclass
class Pushed:
    doc: Any
    record: dict[str, Any]
    groundings: list[Any]
    project_id: int
    task_id: int


def _push_review_meeting(
    db: Path, fixtures_dir: Path, version_key: str, confidences: dict[str, float] | None = None
) -> Pushed:
    """The small meeting fixture, predicted as its gold record, pushed to the session's Label Studio.

    ``confidences``: {value: confidence} for values the model is to be unsure of.
    """
    doc = load_document(fixtures_dir / "labelstudio" / "review_meeting.txt")
    spec = get_schema("meeting_review")
    gold_file = fixtures_dir / "labelstudio" / "review_meeting.gold.json"
    record = normalise(spec.model, json.loads(gold_file.read_text("utf-8")))
    groundings = [
        g.model_copy(update={"confidence": (confidences or {})[g.value]}) if g.value in (confidences or {}) else g
        for g in ground_record(doc.text, spec.model, record)
    ]
    con = connect(db)
    save_result(con, doc, Extraction(doc_id=doc.doc_id, schema_name=spec.name, model_version=version_key,
                                     record=record, groundings=groundings, confidence=confidence(groundings)),
                backend="rules")  # fmt: skip
    con.close()
    res = CliRunner().invoke(app, ["push", "--db", str(db)])
    assert res.exit_code == 0, res.output
    con = connect(db, read_only=True)
    ((project_id, task_id),) = con.execute("SELECT project_id, task_id FROM ls_tasks").fetchall()
    con.close()
    ARTIFACTS.mkdir(exist_ok=True)
    return Pushed(doc, record, groundings, project_id, task_id)


@contextmanager
def _task_page(ls_env: Any, pushed: Pushed) -> Iterator[Any]:
    """A logged-in headless Chromium page open on the pushed task."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            _login(page, ls_env)
            page.goto(f"{ls_env.url}/projects/{pushed.project_id}/data?task={pushed.task_id}")
            yield page
        finally:
            browser.close()


@needs_chromium
def test_annotator_moves_a_shortcoming_to_another_unit_without_redrawing(
    ls_env: Any, tmp_path: Path, fixtures_dir: Path
) -> None:
    """Select the region, alt+r, click the other unit's block: the relation files it there on pull."""
    from playwright.sync_api import expect

    pushed = _push_review_meeting(tmp_path / "review.duckdb", fixtures_dir, "meeting_review/move@v1")
    db, doc = tmp_path / "review.duckdb", pushed.doc
    with _task_page(ls_env, pushed) as page:
        child = page.locator(".htx-highlight").filter(has_text=re.compile("^垃圾分类$")).first
        expect(child).to_be_visible()
        page.wait_for_timeout(500)
        child.click()
        page.keyboard.press("Alt+r")
        # the second unit's block where no child covers it: the "但在" before 背街小巷治理
        page.wait_for_timeout(300)
        x, y = page.evaluate(_POINT_AT, "但在背街")
        page.mouse.move(x - 3, y)
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "labelstudio-move.png"), full_page=True)
        page.get_by_role("button", name="Submit").click()
        page.wait_for_timeout(1500)
    res = CliRunner().invoke(app, ["pull", "--db", str(db)])
    assert res.exit_code == 0, res.output
    con = connect(db, read_only=True)
    gold = latest_gold(con, doc.doc_id)
    con.close()
    assert gold is not None, res.output
    units = gold["record"]["units"]
    assert units[0]["shortcomings"] == ["接诉即办", "安全生产"]
    assert units[1]["shortcomings"] == ["垃圾分类", "背街小巷治理", "安全生产"]


@needs_chromium
def test_annotator_submits_a_pushed_task_and_pull_makes_gold(ls_env: Any, tmp_path: Path, fixtures_dir: Path) -> None:
    from playwright.sync_api import expect

    db = tmp_path / "review.duckdb"
    pushed = _push_review_meeting(db, fixtures_dir, "meeting_review/browser@v1")
    doc, record, groundings = pushed.doc, pushed.record, pushed.groundings
    with _task_page(ls_env, pushed) as page:
        regions = page.locator(".htx-highlight")
        expect(regions.first).to_be_visible()
        page.wait_for_timeout(500)
        shown = regions.count()
        text = page.locator(".lsf-main-view, .lsf-main-content, body").first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "labelstudio-task.png"), full_page=True)
        assert shown >= len(groundings), f"{shown} highlighted regions on the page, {len(groundings)} pre-annotated"
        assert "背街小巷治理" in text and "甲街道" in text
        assert_readable_labels(page, "meeting_review")
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


_MARK = """(el) => ({ decoration: getComputedStyle(el).textDecorationStyle + " " + getComputedStyle(el).textDecorationColor,
              label: getComputedStyle(el, "::after").content })"""
"""How a highlight is drawn: its underline and the label text after it."""


@needs_chromium
def test_a_low_confidence_region_is_marked_on_its_highlight(ls_env: Any, tmp_path: Path, fixtures_dir: Path) -> None:
    """垃圾分类 at 0.3 shows the wavy underline and 待核 before its title; 背街小巷治理 (1.0) does not."""
    from playwright.sync_api import expect

    pushed = _push_review_meeting(
        tmp_path / "review.duckdb", fixtures_dir, "meeting_review/doubt@v1", {"垃圾分类": 0.3}
    )
    with _task_page(ls_env, pushed) as page:
        low = page.locator(".htx-highlight").filter(has_text=re.compile("^垃圾分类$")).first
        high = page.locator(".htx-highlight").filter(has_text=re.compile("^背街小巷治理$")).first
        expect(low).to_be_visible()
        expect(high).to_be_visible()
        page.wait_for_timeout(500)
        low_drawn, high_drawn = low.evaluate(_MARK), high.evaluate(_MARK)
        low.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "labelstudio-doubt.png"), full_page=True)
        box = low.bounding_box()
        assert box is not None
        page.screenshot(path=str(ARTIFACTS / "labelstudio-doubt-closeup.png"),
                        clip={"x": max(0, box["x"] - 260), "y": max(0, box["y"] - 90), "width": 760, "height": 200})  # fmt: skip
        legend = page.locator("body").inner_text()
    assert low_drawn["decoration"].startswith("wavy"), low_drawn
    assert "待核" in low_drawn["label"] and "不足" in low_drawn["label"], low_drawn
    assert not high_drawn["decoration"].startswith("wavy"), high_drawn
    assert "待核" not in high_drawn["label"] and "不足" in high_drawn["label"], high_drawn
    assert "波浪红线、待核" in legend


def _gold_lead_time(db: Path, doc_id: str) -> float:
    res = CliRunner().invoke(app, ["pull", "--db", str(db)])
    assert res.exit_code == 0, res.output
    con = connect(db, read_only=True)
    gold = latest_gold(con, doc_id)
    con.close()
    assert gold is not None and gold["lead_time"] is not None, res.output
    return float(gold["lead_time"])


def _drop_a_region(page: Any) -> None:
    """A correction: select 背街小巷治理 and delete it (the editor enables Update only after a change)."""
    page.locator(".htx-highlight").filter(has_text=re.compile("^背街小巷治理$")).first.click()
    page.keyboard.press("Backspace")
    page.wait_for_timeout(300)


@needs_chromium
@pytest.mark.parametrize("first_session", ["submitted", "left as a draft"])
def test_lead_time_sums_every_session_on_a_task(
    ls_env: Any, tmp_path: Path, fixtures_dir: Path, first_session: str
) -> None:
    """Two browser sessions on one task; the gold's lead_time counts both.

    Submitted: read 5 s, submit; come back, read 3 s, correct, update (the editor adds the
    annotation's lead_time to the update's). Left as a draft: read 2 s, correct, leave once the
    editor has saved its draft (5 s after a change); come back, read 3 s, submit (the editor adds
    the draft's lead_time to the submission's). Pull stores Label Studio's figure as it is.
    """
    from playwright.sync_api import expect

    db = tmp_path / "review.duckdb"
    pushed = _push_review_meeting(db, fixtures_dir, f"meeting_review/lead-{first_session[0]}@v1")
    with _task_page(ls_env, pushed) as page:
        expect(page.locator(".htx-highlight").first).to_be_visible()
        if first_session == "submitted":
            page.wait_for_timeout(5000)
            page.get_by_role("button", name="Submit").click()
            page.wait_for_timeout(1500)
            first = _gold_lead_time(db, pushed.doc.doc_id)
        else:
            page.wait_for_timeout(2000)
            _drop_a_region(page)
            page.wait_for_timeout(7000)  # the editor saves a draft 5 s after a change; then the annotator leaves
            first = 7.0
    with _task_page(ls_env, pushed) as page:
        expect(page.locator(".htx-highlight").first).to_be_visible()
        page.wait_for_timeout(3000)
        if first_session == "submitted":
            _drop_a_region(page)
        page.locator("button", has_text="Update" if first_session == "submitted" else "Submit").first.click()
        page.wait_for_timeout(1500)  # Update's accessible name is "submit": found by its text
    both = _gold_lead_time(db, pushed.doc.doc_id)
    print(f"\nlead_time, first session {first_session}: after it {first} s (draft: at least), after both {both} s")
    assert first >= 5, first
    assert both >= first + 3, f"the gold's lead_time {both} s does not cover the first session's {first} s"
