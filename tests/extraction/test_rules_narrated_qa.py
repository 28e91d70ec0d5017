"""Questions and answers told in a news story's narration (``rules/narrated_qa.py``, round 14).

Made-up stories in the shapes of real ones: the asker named in the sentence that asks, with the
question quoted or reported; an answer after a verb of answering in the same paragraph or the next,
as reported speech or a quotation; a question standing alone; a topic answered with no question.
Reverting a rule turns its test red.
"""

from __future__ import annotations

from typing import Any

from annotate.extraction.rules import prelabel
from annotate.schema_registry import get_schema
from tests.support.rules_record import grounded_record


def _record(*paragraphs: str) -> dict[str, Any]:
    return grounded_record("\n\n".join(paragraphs) + "\n", "public_report")


def _pairs(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["question"], p["answer"]) for p in record["qa"]]


def test_a_quoted_question_and_an_answer_that_stops_before_the_room() -> None:
    record = _record(
        "今天上午,代表团开放日吸引了三百家媒体。",
        "外国记者提问王书记,称「如果您调任,会推进改革吗?」王书记回避了这个问题,他回答称,报告中已经写明了思路,"
        "相信会按报告推行。外国记者似乎不太满意,摇头说「他没有回答」。",
        "英国记者提问王书记,提问中说,有官员携巨款出逃,在财产公开方面有何举措。王书记笑称,「幸亏这位记者不是我们这里的」,"
        "王东补充说,政府会逐步推广财产公开。",
        "针对反腐,李明回答本报记者提问时说,并没有掀起风暴,只是正常工作。",
        "针对两国关系,王东在回答外国记者提问时说,两国的友好是可以期待的。",
    )
    assert _pairs(record) == [
        ("如果您调任,会推进改革吗?", "报告中已经写明了思路,相信会按报告推行。"),
        (
            "有官员携巨款出逃,在财产公开方面有何举措。",
            "「幸亏这位记者不是我们这里的」,王东补充说,政府会逐步推广财产公开。",
        ),
    ]  # "李明回答…记者提问时说" answers a topic: no pair
    assert record["speakers"] == ["李明", "王东"]  # named as answering; "他" names nobody


def test_an_answer_in_the_next_paragraph_and_a_quotation_alone() -> None:
    record = _record(
        "昨晚,电视问政开场。",
        "随后,有媒体记者发问:公车很繁忙,群众很反感,能否对公车作出标识,便于监管?",
        "对此,市委常委、秘书长赵正才坦陈,公车整治的办法还是太少。此语一出,满场哗然。",
        "问政结束后,记者追问赵正才,为何有勇气承认?赵正才停顿了一下,随即英勇标明:“我敢承认,就是因为下了决心。”",
    )
    assert _pairs(record) == [
        ("公车很繁忙,群众很反感,能否对公车作出标识,便于监管?", "公车整治的办法还是太少。"),
        ("为何有勇气承认?", "我敢承认,就是因为下了决心。"),
    ]
    assert record["speakers"] == ["赵正才"]


def test_two_question_sentences_are_one_question_and_a_question_may_stand_alone() -> None:
    record = _record(
        "总统今天召开记者会。",
        "后来媒体追问,败选的原因为何?而选在此时面对媒体,是否也是检讨的一环?蔡某则回应,选举完后,党部有做检讨。",
        "对于口罩不足,是否有办法解决燃眉之急?",
        "郑某表示,目前每天所需的口罩是35万份。",
        "今年会不会有水患?水利部部长陈某解答,今年可能会呈现南涝北旱的趋势。",
    )
    assert _pairs(record) == [
        ("败选的原因为何?而选在此时面对媒体,是否也是检讨的一环?", "选举完后,党部有做检讨。"),
        ("对于口罩不足,是否有办法解决燃眉之急?", "目前每天所需的口罩是35万份。"),
        ("今年会不会有水患?", "今年可能会呈现南涝北旱的趋势。"),
    ]


def test_a_greeting_is_no_question_and_a_story_has_no_sections() -> None:
    text = (
        "\n\n".join(
            (
                "“今天是妇女节,首先向在场的女代表、女委员和女记者表示节日问候。”首位登场的卫生部门主任送上节日祝福,并谈到了亿万家庭关切的全面二孩政策配套问题,给出了四条医疗服务举措。",
                "记者还走访慰问了困难群众。",
                "他说,今年还要再去一次。",
                "今年会不会有水患?水利部部长陈某解答,今年可能会呈现南涝北旱的趋势。",
                "★下载新闻网APP",
                "点击阅读下一则新闻 点击阅读下一则新闻",
                "兵役延长至1年正式拍板!柯某深夜曝心声:无可回避的责任。",
            )
        )
        + "\n"
    )
    record = grounded_record(text, "public_report")
    assert _pairs(record) == [("今年会不会有水患?", "今年可能会呈现南涝北旱的趋势。")]
    assert record["sections"] == []
    _, groundings = prelabel(text, get_schema("public_report"), None)
    title = next(g for g in groundings if g.path == "title")
    assert (
        title.value == "点击阅读下一则新闻 点击阅读下一则新闻" and title.confidence == 0.5
    )  # a line after the story: a late guess


def test_a_meeting_with_no_reviewed_unit_found_is_doubtful_throughout() -> None:
    """A 述职评议 the meeting reader finds no unit in: what it reads of it scores 0.6 of its cue."""
    text = "1月5日,县委组织部举办驻村第一书记述职评议会。会议要求,要进一步加强学习。\n"
    _, groundings = prelabel(text, get_schema("meeting_review"), None)
    assert groundings and all(g.confidence <= 0.6 for g in groundings)


def test_a_net_user_who_says_a_quoted_question_and_the_answer_after_the_closing_mark() -> None:
    """The dev8 r25 shape: questions collected from net users ("征集网友提问" asks nothing), then
    `网友“昵称”说:“…?”省长回答说:“…”` — the asker says the question, the answer follows its mark."""
    record = _record(
        "论坛开辟专栏,征集网友提问,最终整理出了八个问题,由记者带到了会场。",
        "网友“小草”说:“我家乡的小学离家太远,能不能增开校车?”李省长回答说:“你好!今年全省将新增校车五百辆。”",
    )
    assert _pairs(record) == [("我家乡的小学离家太远,能不能增开校车?", "你好!今年全省将新增校车五百辆。")]


def test_a_lead_dated_yesterday_counts_from_the_page_stamp() -> None:
    """ "本报讯 昨日,…" under a "2005年09月08日05:20" stamp is 2005-09-07 (dev8 r36)."""
    record = _record(
        "网民提问市长",
        "http://www.sina.com.cn 2005年09月08日05:20 重庆晨报",
        "本报讯 昨日,众多网民向市长提问,市长一一作答。",
        "有网友问:“公交车什么时候加密?”市长回答:“明年就加密。”",
    )
    assert record["date"] == "2005-09-07"


def test_a_question_after_a_verb_of_saying_and_a_quoted_answer_with_narration_after_it() -> None:
    """ "记者在提问时,直接表示,“…?”" asks the quotation; "提问过" only tells of an old question; an
    answer that is a said sentence followed by narration is the sentence (dev15 r81)."""
    record = _record(
        "上午的发布会上,有记者提问过王明同样的问题。",
        "一家新闻社的记者在提问时,直接表示,“我想问一个传统的问题,今年的预算是多少?”",
        "王明开玩笑说,“看起来你不是第一次来这里。”回答完问题后,王明还不忘与记者做一个照应。",
    )
    assert _pairs(record) == [("我想问一个传统的问题,今年的预算是多少?", "看起来你不是第一次来这里。")]


def test_a_quotation_the_page_never_closed_is_asked_to_its_question_mark() -> None:
    record = _record(
        "记者问发言人王明,“您卸任后有没有计划去台湾走一走?",
        "王明回答,“谢谢你的提醒,那是我的梦想。”",
    )
    assert _pairs(record) == [("您卸任后有没有计划去台湾走一走?", "谢谢你的提醒,那是我的梦想。")]


def test_crossheads_that_look_like_labels_are_not_turns() -> None:
    """ "网友:“鼓掌”欢迎市长" … "市长:爽快公布QQ号" with narration between are a story's crossheads;
    the exchange is the one the narration tells (dev15 r80)."""
    record = _record(
        "网友:“鼓掌”欢迎市长",
        "市长刚一上线,网友纷纷发出表情符,欢迎市长。",
        "市长:爽快公布QQ号",
        "有网友问市长:“您的QQ号码可以公开吗?”市长爽快地表示:“我的QQ就是这个,12345。”",
    )
    assert _pairs(record) == [("您的QQ号码可以公开吗?", "我的QQ就是这个,12345。")]


def test_a_credit_line_is_no_section_heading() -> None:
    """ "作者 莫非 吴敏平" over a story's paragraphs is its credit, not a report's section (dev15 r79)."""
    record = _record(
        "省长网上接访群众",
        "中新网广州2月23日电 题:省长网上接访群众,引起了与会人员围观。",
        "作者 莫非 吴敏平",
        "清脆的打字声,熟练的键盘操作。23日,网上在线接访会在广州举行,省长在现场接访群众。",
    )
    assert record["sections"] == []


def test_a_story_under_a_wire_dateline_has_no_report_sections() -> None:
    """ "新华社北京3月8日电" makes the page a news story: its crossheads and paragraphs are no report's
    sections, and "新华社记者" is its credit (dev15 r82)."""
    record = _record(
        "开放日观察",
        "新华社北京3月8日电 题:开放日观察",
        "新华社记者",
        "两会是世界观察中国的一扇窗,代表团开放日是观察两会的一扇窗。已有26个代表团举办开放日。",
        "开放自信 想问什么问什么",
        "在代表的开场白后,代表团开放日开始。记者们围绕热点话题发问,代表们一一解答。",
    )
    assert record["sections"] == []
