"""Public-report rules: headed sections, 问/答 pairs, Simplified or Traditional characters."""

from __future__ import annotations

from pathlib import Path

from annotate.core.grounding import check_invariant
from annotate.documents import load_document
from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema


def _extract(path: Path) -> dict:
    doc = load_document(path)
    record, groundings = prelabel(doc.text, get_schema("public_report"), doc.metadata)
    assert check_invariant(doc.text, groundings) == []
    return record


def test_simplified_report_with_full_width_and_ascii_colons(fixtures_dir: Path) -> None:
    record = _extract(fixtures_dir / "rules" / "report_simplified.txt")
    assert record["title"] == "区政府向公众报告工作"
    assert record["speakers"] == ["林晓东"]
    assert [s["heading"] for s in record["sections"]] == ["推动经济高质量发展", "改善民生福祉"]
    assert record["sections"][0]["highlights"][0] == "上半年全区地区生产总值增长4.5%"  # attribution cut
    assert [i["text"] for i in record["sections"][1]["indicators"]] == ["800个", "150张"]
    assert [q["question"] for q in record["qa"]] == ["下一步如何解决停车难？", "老旧小区改造有什么安排?"]
    assert record["qa"][1]["answer"] == "年内启动改造小区10个。"


def test_traditional_seed_keeps_its_characters(seeds_dir: Path) -> None:
    record = _extract(seeds_dir / "003_ad073e54fd368939.txt")
    assert record["title"] == "堅持發展為民共創美好生活"
    assert record["speakers"] == ["孫碩"]
    assert len(record["qa"]) == 6
    assert "重點工作與未來方向" not in [s["heading"] for s in record["sections"]]  # a caption, not a heading
    assert record["date"] is None
