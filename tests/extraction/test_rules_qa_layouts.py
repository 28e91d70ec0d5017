"""Q&A layouts of press and council pages the rules first missed (issue 13, dev5 round).

Each text is made up in the shape of a real page: a transcript flattened onto one line, a council
record hard-wrapped mid-sentence with labels on their own lines, a question and answer in reported
speech. Reverting a rule turns its test red.
"""

from __future__ import annotations

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema


def _record(text: str) -> dict:
    record, groundings = prelabel(text, get_schema("public_report"), None)
    assert check_invariant(text, groundings) == []
    return record


def test_a_transcript_flattened_onto_one_line_splits_at_its_inline_labels() -> None:
    text = (
        "日期:2023-03-13\n以下为文字实录:\n各位好,请总理回答提问。 张主持: 下面开始提问。 "
        "某台记者: 今年的目标是什么?重点在哪里? 李某: 谢谢提问。 目标是稳中求进,重点是就业。"
    )
    record = _record(text)
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [
        ("今年的目标是什么?重点在哪里?", "谢谢提问。 目标是稳中求进,重点是就业。")
    ]
    assert record["speakers"] == ["李某"]
    assert record["title"] is None  # "日期:…" is a field of page metadata, not a title


def test_labels_glued_to_their_turns_split_where_repeated_and_the_next_heading_is_left_out() -> None:
    """The dev8 r29 shape: an interview flattened with inline headings, labels with no space after
    the colon (" 记者:…? 区长名:…。 heading 记者:…"); a label said once ("一句话:") cuts nothing."""
    text = (
        "本报讯 来源:晚报 区长王明近日接受了本报记者采访。 一百户将搬迁 记者:山区发展是否要先加快?"
        " 王明:今年我们将加快搬迁,一百户将实现搬迁愿望。 山区发展将有规划 记者:怎样帮他们致富? 王明:还是那 一句话:搬得出、富得起。"
    )
    assert [(p["question"], p["answer"]) for p in _record(text)["qa"]] == [
        ("山区发展是否要先加快?", "今年我们将加快搬迁,一百户将实现搬迁愿望。"),
        ("怎样帮他们致富?", "还是那 一句话:搬得出、富得起。"),
    ]


def test_a_hard_wrapped_turn_runs_to_the_next_label_and_an_answer_keeps_its_first_paragraph() -> None:
    text = (
        "王議員大明市政總質詢\n王議員大明:\n謝謝議長,市長、各位局處首長,大家好。本席今天想先請\n"
        "教市長關於停車位不足的問題,市民反映很多。\n另外,公車路線調整以後,偏遠里民要\n怎麼搭車?\n"
        "李市長小華:\n謝謝議員關心,停車位今年會增加五百格,公車路線\n也會再檢討。\n我們也會開說明會。\n"
    )
    record = _record(text)
    qa = record["qa"]
    assert len(qa) == 1
    assert qa[0]["question"].startswith("謝謝議長") and qa[0]["question"].endswith("怎麼搭車?")
    assert qa[0]["answer"] == "謝謝議員關心,停車位今年會增加五百格,公車路線\n也會再檢討。"
    assert record["speakers"] == ["李市長小華"]  # the label "姓+title+名" names the person


def test_a_question_and_answer_in_reported_speech_pair_up() -> None:
    text = (
        "总理赵某与网友在线交流。\n有网友问,总理,您明年还来吗?\n赵某回答说,我明年还来,谢谢大家。\n"
        "我们有很多网民,倾听他们的意见很重要。\n"
    )
    record = _record(text)
    assert [(p["question"], p["answer"]) for p in record["qa"]] == [("总理,您明年还来吗?", "我明年还来,谢谢大家。")]
    assert record["speakers"] == ["赵某"]


def test_a_body_answering_under_its_own_label_names_no_speaker() -> None:
    text = "记者:报告是怎么起草的?\n起草组:去年十月成立了起草组。\n"
    assert _record(text)["speakers"] == []


def test_a_word_after_a_title_in_prose_is_a_speaker_only_when_it_recurs_beside_a_title() -> None:
    text = "王議員質詢\n王議員:\n韓市長還未就任,還未有成績,市長你會接受嗎?\n林市長:\n不會。\n"
    assert _record(text)["speakers"] == []
