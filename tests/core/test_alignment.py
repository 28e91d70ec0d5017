"""Alignment works code point by code point and never breaks ``text[start:end] == quote``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.core.alignment import Aligner, fold
from annotate.core.grounding import check_invariant, ground_values
from annotate.core.types import AlignmentStatus

# Characters the issue singles out: CJK, full-width forms, ideographic space, CRLF, and
# characters outside the Basic Multilingual Plane (surrogate pairs in UTF-16, one code point here).
ALPHABET = st.sampled_from(
    [*list("西城区街道接诉即办不足，。、“”（）ＡＢＣ１２３abc123 "), "\u3000", "\r\n", "\r", "\n", "𠀀", "𪚥", "😀", "\xa0"]
)
TEXTS = st.lists(ALPHABET, min_size=1, max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, data=st.data())
def test_any_substring_aligns_exactly_with_the_invariant(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    if not quote.strip():
        return
    [g] = ground_values(text, [("v", quote)])
    assert g.status is AlignmentStatus.EXACT
    assert text[g.start : g.end] == g.quote == quote


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, data=st.data())
def test_folded_variants_align_to_original_offsets(text: str, data: st.DataObject) -> None:
    """A value written with half-width forms or without spaces still maps to the original span."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    variant = fold(text[start:end])
    if len(variant) < 1:
        return
    [g] = ground_values(text, [("v", variant)])
    assert g.status is not AlignmentStatus.UNALIGNED
    assert check_invariant(text, [g]) == []
    assert fold(g.quote) == variant


def test_fullwidth_and_traditional_values_are_normalised_matches() -> None:
    text = "一季度ＰＭ２.５累计浓度全区最低，區長孫碩介紹"
    aligner = Aligner(text)
    [m] = aligner.candidates("PM2.5")
    assert (text[m.start : m.end], m.status) == ("ＰＭ２.５", AlignmentStatus.NORMALISED)
    [m] = aligner.candidates("区长孙硕")
    assert text[m.start : m.end] == "區長孫碩"


def test_crlf_and_ideographic_space_inside_a_value() -> None:
    text = "会议指出，\r\n\u3000\u3000要持续狠抓“解决率”。"
    [m] = Aligner(text).candidates("会议指出，要持续狠抓“解决率”")
    assert m.status is AlignmentStatus.NORMALISED
    assert text[m.start : m.end] == "会议指出，\r\n\u3000\u3000要持续狠抓“解决率”"


def test_near_miss_is_fuzzy_and_nonsense_is_unaligned() -> None:
    text = "推动全区首个危旧楼改建项目桦皮厂8号楼建成封顶，首个老旧小区改造项目精彩亮相。"
    [fuzzy, missing] = ground_values(
        text, [("a", "推动全区首个危旧楼改造项目桦皮厂8号楼建成封顶"), ("b", "完全没有出现的内容句子")]
    )
    assert fuzzy.status is AlignmentStatus.FUZZY and fuzzy.score >= 85
    assert text[fuzzy.start : fuzzy.end] == fuzzy.quote
    assert missing.status is AlignmentStatus.UNALIGNED and missing.start is None
    assert missing.value == "完全没有出现的内容句子"  # kept, never dropped


def test_non_bmp_offsets_are_code_points() -> None:
    text = "𠀀𪚥甲街道完成任务"
    [g] = ground_values(text, [("u", "甲街道")])
    assert (g.start, g.end) == (2, 5)
