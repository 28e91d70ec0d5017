"""Pages of a large document: whole items per page, and split -> join is the identity on the record."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from annotate.core.grounding import ground_record
from annotate.documents import load_document
from annotate.labelstudio.config import ACCEPT, REJECT, REVIEW, REVIEW_NOTE, UNALIGNED, label_spec
from annotate.labelstudio.convert import normalise, to_results
from annotate.labelstudio.pages import PAGE_RESULTS, Page, PageError, join_results, plan_pages, split_results
from annotate.labelstudio.readback import from_results
from annotate.schema_registry import get_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEEDS = sorted(p for p in (FIXTURES / "seeds").iterdir() if (p / "expected.json").exists())


def _seed(stem_dir: Path) -> tuple[Any, str, dict[str, Any], list[dict[str, Any]]]:
    schema = json.loads((stem_dir / "meta.json").read_text())["schema"]
    spec = get_schema(schema)
    ls = label_spec(schema, spec.model)
    text = load_document(FIXTURES.parent.parent / "seeds" / f"{stem_dir.name}.txt").text
    record = normalise(ls, json.loads((stem_dir / "expected.json").read_text(encoding="utf-8")))
    return ls, text, record, to_results(ls, text, record, ground_record(text, spec.model, record))


def _top(ls: Any) -> set[str]:
    return {b for b, block in ls.blocks.items() if block.parent is None}


@pytest.mark.parametrize("stem_dir", SEEDS, ids=[p.name for p in SEEDS])
def test_split_then_join_gives_back_the_record(stem_dir: Path) -> None:
    ls, text, record, results = _seed(stem_dir)
    pages = plan_pages(text, results, _top(ls))
    shares = split_results(text, results, pages)
    for page, share in zip(pages, shares, strict=True):
        part = text[page.start : page.end]
        for r in share:  # every region slices its own page's text
            if r.get("type") == "labels":
                assert part[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]
    assert from_results(ls, text, join_results(pages, shares)).record == record


def test_the_key_task_table_is_paged_in_whole_rows_within_the_limit() -> None:
    (stem_dir,) = [p for p in SEEDS if p.name.startswith("004_")]
    ls, text, record, results = _seed(stem_dir)
    pages = plan_pages(text, results, _top(ls))
    assert 10 <= len(pages) <= 25, len(pages)
    assert pages[0].start == 0 and pages[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(pages))  # no text lost between pages
    shares = split_results(text, results, pages)
    rows_per_page = [
        sum(1 for r in s if r.get("type") == "labels" and r["value"]["labels"] == ["items[]"]) for s in shares
    ]
    assert sum(rows_per_page) == len(record["items"])
    assert all(len(s) <= PAGE_RESULTS + 50 for s in shares), [len(s) for s in shares]
    assert all(text[p.start - 1] == "\n" for p in pages[1:])  # cut at line starts, never inside a row


def test_a_small_document_is_one_page() -> None:
    (stem_dir,) = [p for p in SEEDS if p.name.startswith("000_")]
    ls, text, _, results = _seed(stem_dir)
    assert plan_pages(text, results, _top(ls)) == [Page(1, 1, 0, len(text))]


def test_rejecting_one_page_rejects_the_document_with_its_note() -> None:
    (stem_dir,) = [p for p in SEEDS if p.name.startswith("004_")]
    ls, text, _, results = _seed(stem_dir)
    pages = plan_pages(text, results, _top(ls))
    shares = split_results(text, results, pages)
    shares[2] = [r for r in shares[2] if r.get("from_name") != REVIEW] + [
        {"id": "r", "from_name": REVIEW, "to_name": "text", "type": "choices", "value": {"choices": [REJECT]}},
        {"id": "n", "from_name": REVIEW_NOTE, "to_name": "text", "type": "textarea", "value": {"text": ["行序号错"]}},
    ]
    back = from_results(ls, text, join_results(pages, shares))
    assert back.review == REJECT and back.review_note == "第3页: 行序号错"
    shares[2] = split_results(text, results, pages)[2]
    assert from_results(ls, text, join_results(pages, shares)).review == ACCEPT


def test_values_not_in_the_text_from_any_page_are_kept() -> None:
    (stem_dir,) = [p for p in SEEDS if p.name.startswith("004_")]
    ls, text, _, results = _seed(stem_dir)
    pages = plan_pages(text, results, _top(ls))
    shares = split_results(text, results, pages)
    shares[1].append({"id": "u", "from_name": UNALIGNED, "to_name": "text", "type": "textarea",
                      "value": {"text": ["title = 重点工作任务表"]}})  # fmt: skip
    assert from_results(ls, text, join_results(pages, shares)).record["title"] == "重点工作任务表"


def test_a_region_across_a_page_boundary_is_refused() -> None:
    (stem_dir,) = [p for p in SEEDS if p.name.startswith("004_")]
    ls, text, _, results = _seed(stem_dir)
    pages = plan_pages(text, results, _top(ls))
    cut = pages[1].start
    wide = {"id": "x", "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": cut - 3, "end": cut + 3, "text": text[cut - 3 : cut + 3], "labels": ["items[].task"]}}  # fmt: skip
    with pytest.raises(PageError, match="crosses the end of page 1"):
        split_results(text, [*results, wide], pages)


def test_each_page_lists_its_rows_predicted_seq_and_status() -> None:
    """Status is reviewable without selecting a row: the page's rows in one line, in text order."""
    from annotate.labelstudio.overview import row_overview

    (stem_dir,) = [p for p in SEEDS if p.name.startswith("004_")]
    ls, text, record, results = _seed(stem_dir)
    ls = label_spec(
        ls.schema_name, ls.model, get_schema(ls.schema_name).labels, get_schema(ls.schema_name).choice_labels
    )
    results = to_results(ls, text, record, ground_record(text, ls.model, record))
    pages = plan_pages(text, results, _top(ls))
    share = split_results(text, results, pages)[0]
    titles = get_schema(ls.schema_name).choice_labels["items[].status"]
    rows = [i for i in record["items"] if text.find(i["task"]) < pages[0].end]
    assert row_overview(ls, share) == " · ".join(f"{i['seq']} {titles[i['status']]}" for i in rows)
    (meeting,) = [p for p in SEEDS if p.name.startswith("000_")]
    mls, _, _, mresults = _seed(meeting)
    assert row_overview(mls, mresults) == ""  # units have no per-row values to list
