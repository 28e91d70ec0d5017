"""Agreement of two extractions as a value's confidence."""

from __future__ import annotations

from annotate.core.agreement import agreement


def test_a_value_both_extractions_have_scores_one_and_a_lone_value_scores_zero() -> None:
    first = [("units[0].unit", "天桥街道"), ("units[1].unit", "新街口街道办"), ("directives[0]", "要压实责任")]
    second = [("units[0].unit", "天桥街道"), ("units[1].unit", "新街口街道")]
    got = agreement(first, second)
    assert got["units[0].unit"] == 1.0
    assert 0 < got["units[1].unit"] < 0.5, "another value of the field: partial credit at most half"
    assert got["directives[0]"] == 0.0, "the second extraction has nothing in that field"


def test_comparison_is_normalised_and_ignores_list_positions() -> None:
    got = agreement([("units[3].shortcomings[0]", "接訴即辦")], [("units[0].shortcomings[2]", " 接诉即办 ")])
    assert got == {"units[3].shortcomings[0]": 1.0}
