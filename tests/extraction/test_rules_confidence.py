"""The rules' confidence: each value scored by the evidence behind it, the task by the mean.

The texts are small and made up on purpose: each pair differs only in the cue under test.
"""

from __future__ import annotations

import re

import annotate

MEETING = "区委召开月度工作点评会。{speakers}\n{body}\n"
LISTED = "东城区、西城区依次发言。"


def _scores(text: str, schema: str) -> dict[str, list[float]]:
    ex = annotate.extract(text, schema=schema, backend="rules")
    out: dict[str, list[float]] = {}
    for g in ex.groundings:
        out.setdefault(re.sub(r"\[\d+\]", "[]", g.path), []).append(g.confidence)
    return out


def test_a_full_shortcoming_sentence_scores_above_a_need_to_strengthen() -> None:
    full = _scores(
        MEETING.format(
            speakers=LISTED,
            body="东城区推进了老旧小区改造，但在垃圾分类、停车管理等方面仍存在不足。"
            "西城区完成了背街小巷整治，但在营商环境等方面仍存在不足。",
        ),
        "meeting_review",
    )
    need = _scores(
        MEETING.format(
            speakers=LISTED,
            body="东城区推进了老旧小区改造，但垃圾分类、停车管理仍需加强。"
            "西城区完成了背街小巷整治，但营商环境仍需加强。",
        ),
        "meeting_review",
    )
    assert min(full["units[].shortcomings[]"]) > max(need["units[].shortcomings[]"])


def test_units_named_in_the_speaker_list_score_above_inferred_ones() -> None:
    body = "东城区推进了老旧小区改造，但在垃圾分类等方面仍存在不足。\n西城区完成了背街小巷整治，但在营商环境等方面仍存在不足。"
    listed = _scores(MEETING.format(speakers=LISTED, body=body), "meeting_review")
    inferred = _scores(MEETING.format(speakers="", body=body), "meeting_review")
    assert len(listed["units[].unit"]) == len(inferred["units[].unit"]) == 2
    assert min(listed["units[].unit"]) > max(inferred["units[].unit"])


def test_a_row_number_glued_to_its_task_scores_below_a_clean_one() -> None:
    header = "2023年重点工作完成情况\n类别序号重点督办内容牵头单位全年完成情况\n"
    second = "经济发展2优化营商环境。区商务局已完成。\n"
    clean = _scores(header + "经济发展1推进产业升级。区发展改革委已完成。\n" + second, "task_progress")
    glued = _scores(header + "经济发展12023年推进产业升级。区发展改革委已完成。\n" + second, "task_progress")
    assert clean["items[].task"][0] > glued["items[].task"][0]
    assert clean["items[].task"][1] == glued["items[].task"][1]  # the next row is not blamed


def test_the_task_score_is_the_mean_of_its_values() -> None:
    ex = annotate.extract(MEETING.format(speakers=LISTED, body="东城区推进了改造，但在垃圾分类等方面仍存在不足。"),
                          schema="meeting_review", backend="rules")  # fmt: skip
    values = [g.confidence for g in ex.groundings]
    assert ex.confidence == round(sum(values) / len(values), 4) and len(set(values)) > 1


def test_an_indicator_name_that_opens_with_a_verb_scores_below_a_metric_name() -> None:
    from annotate.extraction.rules.numbers import indicators

    text = "养老服务覆盖率达到95%，实现覆盖率98%。"
    names = {str(i["name"]): i["name"].score for i in indicators(text, 0, len(text)) if i["name"] is not None}
    assert names["养老服务覆盖率"] > names["实现覆盖率"]


def test_a_unit_not_shaped_like_an_institution_scores_below_a_named_one() -> None:
    from annotate.extraction.rules.evidence import weigh

    text = "区发改局牵头。区发改局负责。按期配合落实工作。按期配合落实工作。"
    named = weigh(text, "items[0].lead_units[0]", "区发改局", 0.8)
    prose = weigh(text, "items[0].lead_units[0]", "按期配合落实工作", 0.8)
    assert named == 0.8 and prose < named


def test_a_cell_opening_with_another_columns_label_scores_below_a_plain_cell() -> None:
    from annotate.extraction.rules.evidence import weigh

    text = "1 推进改造 已完成 责任单位:区住建委"
    assert weigh(text, "items[0].progress", "责任单位:区住建委", 0.8) < weigh(text, "items[0].progress", "已完成", 0.8)


def test_a_name_said_once_scores_below_a_name_said_again() -> None:
    from annotate.extraction.rules.evidence import weigh

    text = "镇党委书记即时点评。镇党委书记王明在每人述职后点评,王明表示要整改。"
    assert weigh(text, "reviewer", "即时", 0.8) < weigh(text, "reviewer", "王明", 0.8) == 0.8


def test_a_value_opening_with_a_row_number_or_a_date_scores_below_a_clean_one() -> None:
    from annotate.extraction.rules.evidence import weigh

    text = "一、发展目标\n(二)工业增长\n2021-02-20 本站\n"
    assert weigh(text, "items[0].category", "(二)工业增长", 0.8) < weigh(text, "items[0].category", "发展目标", 0.8)
    dated, plain = (weigh(text, "sections[0].heading", h, 0.8) for h in ("2021-02-20 本站", "发展目标"))
    assert dated < plain


def _lead_scores(lines: list[str]) -> list[float]:
    from annotate.extraction.rules.table_layouts import alternative_rows

    _title, items = alternative_rows("\n".join(["一、经济发展", *lines]) + "\n")
    return [u.score for it in items for u in it["lead_units"]]


def test_a_row_that_restarts_the_sequence_scores_below_one_that_continues_it() -> None:
    rows = ["1.推进产业升级。(区发改局牵头)", "2.优化营商环境。(区商务局牵头)", "3.建设智慧城市。(区数据局牵头)"]
    continued = _lead_scores([*rows, "4.整治背街小巷。(区城管委牵头)"])
    restarted = _lead_scores([*rows, "1.整治背街小巷。(区城管委牵头)"])
    assert len(continued) == len(restarted) == 4
    assert restarted[3] < continued[3] and restarted[:3] == continued[:3]  # only the breaking row


def test_a_lead_unit_form_seen_in_one_row_scores_below_the_same_form_seen_in_most() -> None:
    rows = ["1.推进产业升级。", "牵头单位:区发改局", "2.优化营商环境。", "牵头单位:区商务局", "3.建设智慧城市。"]
    consistent = _lead_scores([*rows, "牵头单位:区数据局", "4.整治背街小巷。", "牵头单位:区城管委"])
    mixed = _lead_scores([*rows, "部门分工:区数据局牵头", "4.整治背街小巷。", "牵头单位:区城管委"])
    assert len(consistent) == len(mixed) == 4
    assert mixed[2] < consistent[2] and mixed[3] == consistent[3]


def _qa_scores(text: str) -> list[tuple[float, float]]:
    from annotate.extraction.rules.dialogue import labelled_qa
    from annotate.extraction.rules.spans import lines, trim

    spans = [sp for sp in (trim(text, s, e) for s, e in lines(text)) if sp[1] > sp[0]]
    return [(p["question"].score, p["answer"].score) for p in labelled_qa(text, spans)]


def test_a_pair_after_an_unanswered_question_scores_below_a_pair_in_rhythm() -> None:
    rhythm = _qa_scores("记者:第一个问题是什么?\n发言人:第一个回答。\n记者:第二个问题是什么?\n发言人:第二个回答。\n")
    broken = _qa_scores("记者:第一个问题是什么?\n记者:第二个问题是什么?\n发言人:第二个回答。\n")
    assert broken[0][0] < rhythm[1][0] and broken[0][1] < rhythm[1][1]


def test_a_pair_followed_by_an_answer_with_no_question_scores_below_a_pair_in_rhythm() -> None:
    rhythm = _qa_scores("记者:第一个问题?\n发言人:第一个回答。\n记者:第二个问题?\n发言人:第二个回答。\n")
    followed = _qa_scores(
        "记者:第一个问题?\n发言人:第一个回答。\n主任:补充回答。\n记者:第二个问题?\n发言人:第二个回答。\n主任:补充。\n"
    )
    assert followed[0][0] < rhythm[0][0] and followed[0][1] < rhythm[0][1]


def test_a_long_or_clause_marked_lead_unit_scores_below_a_short_name() -> None:
    from annotate.extraction.rules.evidence import weigh

    text = "区发改局牵头。区发改局负责。区发展和改革局会同区商务局区财政局。区发改局，区商务局。"
    short = weigh(text, "items[0].lead_units[0]", "区发改局", 0.9)
    assert weigh(text, "items[0].lead_units[0]", "区发展和改革局会同区商务局区财政局", 0.9) < short
    assert weigh(text, "items[0].lead_units[0]", "区发改局，区商务局", 0.9) < short
