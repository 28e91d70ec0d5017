"""Large documents as pages: one Label Studio task per group of whole top-level items.

Label Studio's editor renders every region of a task at once: the 136-row key-task table
(3,082 results) froze the page for 8 s. A document whose prediction has more than
``PAGE_RESULTS`` results is therefore cut into pages that hold whole top-level items (table
rows, a report's sections, a meeting's units), each its own task with its own slice of the text.

Pure functions on result lists, so the record <-> result mapping in :mod:`convert` stays the only
one: push converts the whole document and :func:`split_results` deals its results out to the
pages (offsets shifted, per-region controls and relations following their region); pull deals
them back with :func:`join_results` and converts the whole document once. Cuts sit at line
starts outside every region, and are remembered by the store, so a later version key's
prediction lands on the same pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from annotate.labelstudio.config import ACCEPT, REJECT, REVIEW, REVIEW_NOTE, TEXT, UNALIGNED

PAGE_RESULTS = 150
"""Most results on one task before a document is paged: ~8 table rows, ~80 regions drawn.

Measured in Chromium on 2 cores: pages of ~200 regions kept the main thread busy 1.0-1.4 s in
one task; ~80 regions, 0.4-0.7 s. The seed meetings (60-90 results) stay whole."""


class PageError(Exception):
    """A prediction that does not fit the document's pages (a region across a page boundary)."""


@dataclass(frozen=True)
class Page:
    """One task's share of a document: ``text[start:end]``, numbered from 1 of ``count``."""

    number: int
    count: int
    start: int
    end: int


def _regions(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if r.get("type") == "labels" and isinstance(r.get("value"), dict)]


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def plan_pages(
    text: str, results: Sequence[dict[str, Any]], top_blocks: set[str], *, limit: int = PAGE_RESULTS
) -> list[Page]:
    """The pages a document is shown as: one page when its results fit ``limit``.

    Top-level blocks are taken in text order and grouped into pages of about equal weight (the
    block, everything inside it and their controls), as few as keep each near ``limit``; a group
    never splits an item. Each cut is the start of the line holding the group's first item, and is
    dropped if a region spans it.
    """
    if len(results) <= limit:
        return [Page(1, 1, 0, len(text))]
    regions = _regions(results)
    per_id: dict[str, int] = {}
    for r in results:
        if "id" in r:
            per_id[r["id"]] = per_id.get(r["id"], 0) + 1
    blocks = sorted(
        (r for r in regions if (r["value"].get("labels") or [""])[0] in top_blocks), key=lambda r: r["value"]["start"]
    )
    if len(blocks) < 2:
        return [Page(1, 1, 0, len(text))]

    def weight(block: dict[str, Any]) -> int:
        s, e = block["value"]["start"], block["value"]["end"]
        return sum(per_id.get(r["id"], 1) for r in regions if s <= r["value"]["start"] and r["value"]["end"] <= e)

    weights = [weight(b) for b in blocks]
    target = sum(weights) / -(-sum(weights) // limit)  # even pages, none over the limit when rows allow
    cuts: list[int] = []
    done = 0.0  # weight of the blocks before this one
    for block, w in zip(blocks, weights, strict=True):
        if done + w / 2 > target * (len(cuts) + 1):  # this block's middle is past the page's share
            cut = _line_start(text, block["value"]["start"])
            if (not cuts or cut > cuts[-1]) and cut > 0 and not _spans(regions, cut):
                cuts.append(cut)
        done += w
    bounds = [0, *cuts, len(text)]
    n = len(bounds) - 1
    return [Page(i + 1, n, bounds[i], bounds[i + 1]) for i in range(n)]


def _spans(regions: list[dict[str, Any]], cut: int) -> bool:
    return any(r["value"]["start"] < cut < r["value"]["end"] for r in regions)


def _shift(result: dict[str, Any], by: int) -> dict[str, Any]:
    value = result.get("value")
    if not isinstance(value, dict) or "start" not in value:
        return result
    return {**result, "value": {**value, "start": value["start"] + by, "end": value["end"] + by}}


def page_of(pages: Sequence[Page], start: int) -> Page:
    return next((p for p in pages if p.start <= start < p.end), pages[-1])


def split_results(text: str, results: Sequence[dict[str, Any]], pages: Sequence[Page]) -> list[list[dict[str, Any]]]:
    """The whole document's results dealt out to ``pages``, offsets relative to each page.

    A region goes to the page its start is on and brings its per-region controls and its
    relations; the review choice goes to every page (each is accepted or rejected on its own);
    other document-level results (scalars, values not in the text) go to the first page.
    """
    if len(pages) == 1:
        return [list(results)]
    home: dict[str, Page] = {}
    for r in _regions(results):
        start, end = r["value"]["start"], r["value"]["end"]
        page = page_of(pages, start)
        if end > page.end:
            raise PageError(
                f"region {r['value'].get('labels')} at {start}:{end} crosses the end of page {page.number}"
                f" ({page.end}); the document's pages were cut for an earlier prediction"
            )
        home[r["id"]] = page
    out: list[list[dict[str, Any]]] = [[] for _ in pages]
    for r in results:
        if r.get("type") == "relation":
            page = home.get(str(r.get("from_id")))
            if page is None or home.get(str(r.get("to_id"))) is not page:
                raise PageError(f"relation {r.get('from_id')} -> {r.get('to_id')} joins regions on two pages")
            out[page.number - 1].append(r)
        elif r.get("id") in home:
            page = home[r["id"]]
            out[page.number - 1].append(_shift(r, -page.start))
        elif r.get("from_name") == REVIEW:
            for share in out:
                share.append(r)
        else:
            out[0].append(r)
    return out


def join_results(pages: Sequence[Page], shares: Sequence[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The inverse of :func:`split_results`: one result list over the whole document.

    Document-level answers are merged: values-not-in-the-text lines of every page are kept, the
    document is rejected if any page is, and each page's rejection note is kept with its number.
    """
    joined: list[dict[str, Any]] = []
    unaligned: list[str] = []
    rejected = False
    notes: list[str] = []
    for page, share in zip(pages, shares, strict=True):
        for r in share:
            name = r.get("from_name")
            if r.get("type") == "relation":
                joined.append(r)
            elif name == REVIEW:
                rejected = rejected or REJECT in ((r.get("value") or {}).get("choices") or [])
            elif name == REVIEW_NOTE:
                text = (r.get("value") or {}).get("text") or []
                note = "\n".join([text] if isinstance(text, str) else text).strip()
                if note:
                    notes.append(note if len(pages) == 1 else f"第{page.number}页: {note}")
            elif name == UNALIGNED:
                text = (r.get("value") or {}).get("text") or []
                unaligned.extend([text] if isinstance(text, str) else text)
            else:
                joined.append(_shift(r, page.start))
    joined.append({"id": "review", "from_name": REVIEW, "to_name": TEXT, "type": "choices",
                   "value": {"choices": [REJECT if rejected else ACCEPT]}})  # fmt: skip
    if notes:
        joined.append({"id": "review_note", "from_name": REVIEW_NOTE, "to_name": TEXT, "type": "textarea",
                       "value": {"text": notes}})  # fmt: skip
    if unaligned:
        joined.append({"id": "unaligned", "from_name": UNALIGNED, "to_name": TEXT, "type": "textarea",
                       "value": {"text": unaligned}})  # fmt: skip
    return joined
