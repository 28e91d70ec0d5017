"""Token logprobs -> per-value probabilities: only the value's own tokens count."""

from __future__ import annotations

import math

from annotate.core.token_confidence import string_spans, token_spans, value_confidences


def tokens_of(text: str, pieces: list[tuple[str, float]]) -> list[tuple[bytes, float]]:
    """Tokens given as (text, logprob); checks they spell ``text``."""
    assert "".join(p for p, _ in pieces) == text
    return [(p.encode("utf-8"), lp) for p, lp in pieces]


def test_string_spans_give_paths_and_raw_offsets_through_escapes() -> None:
    answer = '```json\n{"a": "x\\"y", "units": [{"unit": "天桥", "n": 3}, {"unit": "\\u4e59街道"}], "ok": true}\n```'
    spans = {s.path: s for s in string_spans(answer)}
    assert set(spans) == {"a", "units[0].unit", "units[1].unit"}
    a = spans["a"]
    assert a.value == 'x"y' and answer[a.offsets[0]] == "x" and answer[a.offsets[1]] == "\\"
    assert spans["units[1].unit"].value == "乙街道"


def test_a_truncated_answer_still_yields_its_complete_strings() -> None:
    spans = string_spans('{"units": [{"unit": "天桥街道", "achievements": ["完成改造", "建成食')
    assert [s.path for s in spans] == ["units[0].unit", "units[0].achievements[0]", "units[0].achievements[1]"]


def test_bytes_of_a_character_split_over_two_tokens_map_to_that_character() -> None:
    answer = '"天"'
    raw = "天".encode()
    tokens = [(b'"', -0.1), (raw[:2], -1.0), (raw[2:], -2.0), (b'"', -0.1), (b"<|im_end|>", 0.0)]
    spans = token_spans(answer, tokens)
    assert [(s.start, s.end) for s in spans] == [(0, 1), (1, 2), (1, 2), (2, 3)]


def test_value_probability_is_its_least_likely_token_and_ignores_json_punctuation() -> None:
    answer = '{"unit": "区委组织部"}'
    pieces = [('{"', -9.0), ("unit", -0.01), ('":', -9.0), (' "', -9.0), ("区委", -0.01), ("组织", -2.0),
              ("部", -0.1), ('"}', -9.0)]  # fmt: skip
    got = value_confidences(answer, tokens_of(answer, pieces), [("unit", "区委组织部")])
    assert math.isclose(got["unit"], math.exp(-2.0))


def test_a_value_the_clean_up_split_out_scores_on_its_own_tokens() -> None:
    answer = '{"shortcomings": ["但在接诉即办、大气污染治理等方面仍存不足"]}'
    pieces = [('{"shortcomings": ["', 0.0), ("但在", -0.2), ("接诉即办", -0.01), ("、", -0.3), ("大气污染", -1.5),
              ("治理", -0.01), ("等方面仍存不足", -0.05), ('"]}', 0.0)]  # fmt: skip
    got = value_confidences(answer, tokens_of(answer, pieces),
                            [("shortcomings[0]", "接诉即办"), ("shortcomings[1]", "大气污染治理")])  # fmt: skip
    assert math.isclose(got["shortcomings[0]"], math.exp(-0.01))
    assert math.isclose(got["shortcomings[1]"], math.exp(-1.5))


def test_a_value_not_in_the_answer_gets_no_probability() -> None:
    answer = '{"unit": "天桥街道"}'
    got = value_confidences(answer, tokens_of(answer, [(answer, -0.1)]), [("unit", "新街口街道")])
    assert got == {}
