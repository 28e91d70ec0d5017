"""Meetings of other forms (述职评议, contests, site tours; issue 13 round 15), each on a made-up
text written in the shape of the real pages of dev3 and dev14."""

from __future__ import annotations

from annotate.core.grounding import check_invariant
from annotate.extraction.rules import prelabel
from annotate.extraction.rules.led_units import LEADING_UNIT, REPRESENTED_UNIT
from annotate.extraction.rules.meeting import UNREAD_FORM, extract
from annotate.extraction.rules.people import leading_person, name_after_title
from annotate.schema_registry import get_schema

LEAD = "6月3日下午,县委组织部举办第二批驻村第一书记述职评议会。"


def _record(text: str) -> dict:
    record, groundings = prelabel(text, get_schema("meeting_review"), None)
    assert check_invariant(text, groundings) == []
    return record


def _units(text: str) -> list[tuple[str, list[str]]]:
    return [(u["unit"], u["achievements"]) for u in _record(text)["units"]]


def test_a_place_named_with_its_representative_is_the_unit_and_the_rest_its_deed() -> None:
    text = (
        LEAD + "会上,12位驻村第一书记围绕产业发展进行述职。"
        "东山镇(zhèn)前岭村第一书记张文(wén)涛通过整合土地,建成茶园三百亩;"
        "西河乡后湾村第一书记李强以走访座谈等方式,化解矛盾纠纷十余起。"
        "驻村第一书记在这场考核中还分析了不足,他们表示将学习兄弟村的做法。"
    )
    assert _units(text) == [
        ("东山镇(zhèn)前岭村", ["通过整合土地,建成茶园三百亩"]),
        ("西河乡后湾村", ["以走访座谈等方式,化解矛盾纠纷十余起"]),
    ]


def test_representatives_listed_together_share_the_deed_after_the_last_and_a_cut_one_stays() -> None:
    text = (
        "擂台比武经过角逐,南岗镇石桥村党组织书记、村委会主任王猛,北坪乡北坪村党组织书记陈有才获得一等奖;"
        "城东街道河畔社区党组织书记、居委会主任赵丽获得二等奖;上林镇青山村驻村第一书记"
    )
    assert _units(text) == [
        ("南岗镇石桥村", ["获得一等奖"]),
        ("北坪乡北坪村", ["获得一等奖"]),
        ("城东街道河畔社区", ["获得二等奖"]),
        ("上林镇青山村", []),
    ]


def test_villages_that_open_clauses_are_units_but_words_ending_in_cun_are_not() -> None:
    text = (
        "观摩团实地查看各村在产业发展等方面的亮点。"
        "观摩中各村展示亮点,张庄村、李营村等养殖产业兴旺,带动村民增收,王坡村依托山地种植梨树,远销省外。"
        "目前村里已完成道路硬化,推动乡村振兴。各村以党建为引领,以农村党建为切口,他们村也在修路。山下村民也来观摩。"
    )
    units = extract(text)["units"]
    assert [(u["unit"], u["achievements"]) for u in units] == [
        ("张庄村、李营村", ["养殖产业兴旺,带动村民增收"]),
        ("王坡村", ["依托山地种植梨树,远销省外"]),
    ]
    assert {u["unit"].score for u in units} == {LEADING_UNIT}


def test_one_place_alone_is_no_structure() -> None:
    text = LEAD + "东山镇前岭村第一书记张文涛通过整合土地,建成茶园三百亩。会议要求各村抓好落实。"
    assert _units(text) == []


def test_led_units_keep_their_own_score_while_the_rest_of_the_record_is_doubted() -> None:
    text = LEAD + "东山镇前岭村第一书记张文涛通过整合土地,建成茶园;西河乡后湾村第一书记李强化解纠纷十余起。"
    record = extract(text)
    assert [u["unit"].score for u in record["units"]] == [REPRESENTED_UNIT, REPRESENTED_UNIT]
    assert record["meeting"] == "第二批驻村第一书记述职评议会"
    assert record["meeting"].score < 0.9 * UNREAD_FORM + 0.01


def test_the_organizer_of_a_meeting_held_with_juban_and_of_a_second_predicate() -> None:
    assert _record(LEAD + "甲村第一书记张三修路。")["organizer"] == "县委组织部"
    text = "1月9日,石门镇组织干部赴各村观摩,并在镇会议室召开年终述职评议大会。石门镇东岭村书记王五修路;西岭村书记赵六建桥。"
    assert _record(text)["organizer"] == "石门镇"


def test_a_list_with_counted_suffixes_and_a_topic_before_the_verb_gives_its_abbreviations() -> None:
    text = (
        "县指导组到沙河指导党支部书记述职评议工作 1月9日,沙河镇召开党支部书记述职评议会议。"
        "会上,东风、红星两个社区和前进、胜利两个村的党支部书记代表全镇基层党支部分别就履行“第一责任人”职责的情况作了述职报告。"
    )
    record = _record(text)
    assert record["meeting"] == "党支部书记述职评议会议"
    assert [u["unit"] for u in record["units"]] == ["东风", "红星", "前进", "胜利"]


def test_a_collective_that_reports_is_no_unit() -> None:
    text = "节前,湖滨街道召开社区党组织书记述职评议会。会上,各社区党组织书记就抓党建工作情况逐一述职。"
    assert _record(text)["units"] == []


def test_the_reviewer_is_who_speaks_at_the_review_or_weighs_strengths_and_weaknesses() -> None:
    at_review = "观摩点评会上,镇党委书记吕国强指出,各村有特色。甲村修路;乙村建桥。"
    assert extract(at_review)["reviewer"] == "吕国强"
    both_sides = "县委书记唐建波结合比武情况,具体指出各村工作亮点和不足。"
    assert extract(both_sides)["reviewer"] == "唐建波"
    no_name = "街道党工委书记逐一点评,充分肯定各社区工作亮点,并指出问题不足。"
    assert extract(no_name)["reviewer"] is None
    later_clause = "镇党委书记文志刚在每人述职后,以数据为切入点,进行现场点评。"
    assert extract(later_clause)["reviewer"] == "文志刚"


def test_names_read_through_a_gloss_and_titles_without_a_name() -> None:
    text = "王聯(lián)輝通過梳理"
    assert name_after_title(text, 0, len(text), "通") == "王聯(lián)輝"
    text = "书记张三以走访"
    assert name_after_title(text, 2, len(text)) == "张三以"
    assert name_after_title(text, 2, len(text), "以") == "张三"
    assert leading_person("市人大常委会副主任、区委书记唐友波结合情况", 0, 21)[1] == "唐友波"
    assert leading_person("街道党工委书记逐一点评", 0, 11) == (None, None)


def test_a_shuzhi_pingyi_organised_with_zuzhi_kaizhan_is_the_meeting() -> None:
    """The dev3 m16 shape: "X镇组织开展2019年度基层党组织书记述职评议," — no 会 at all."""
    text = "1月20日,石门镇组织开展2019年度基层党组织书记述职评议,全镇32个基层党组织书记依次述职,镇党委书记即时点评。"
    record = extract(text)
    assert (record["meeting"], record["organizer"]) == ("2019年度基层党组织书记述职评议", "石门镇")
    assert record["meeting_date"] is None or record["meeting_date"].endswith("01-20")
    assert record["units"] == [] and record["reviewer"] is None


def test_places_that_attend_or_speak_are_no_reviewed_units_nor_are_they_in_a_meeting_of_the_usual_form() -> None:
    """Representatives who attend or give an exchange speech are present, not reviewed; and a
    meeting with no 述职, tour or contest in it gets no units read from its clauses at all."""
    attending = (
        "5月6日,县委召开驻村第一书记述职评议会。东山镇前岭村第一书记张文涛,西河乡后湾村第一书记李强等参加会议。"
        "南岗镇石桥村党组织书记王猛,北坪乡北坪村党组织书记陈有才分别作交流发言。"
    )
    assert extract(attending)["units"] == []
    one_left = "擂台比武中,东山镇前岭村第一书记张文涛整合土地建成茶园;西河乡后湾村第一书记李强等列席。"
    assert extract(one_left)["units"] == []  # one place alone is no structure, after the present ones go
    usual = (
        "5月6日,县委召开月度工作点评会。"
        "东山镇前岭村第一书记张文涛通过整合土地,建成茶园三百亩;西河乡后湾村第一书记李强化解纠纷十余起。"
    )
    assert extract(usual)["units"] == []


def test_the_organizer_stops_before_the_venue() -> None:
    """ "X党委在…会议室召开…述职评议会" names X, not X and its venue (dev15 m33)."""
    text = "1月14日上午,大队党委在机关办公楼三楼会议室召开2021年度支部书记述职评议会。会议由大队长陈计中主持。"
    assert _record(text)["organizer"] == "大队党委"


def test_a_meeting_spoken_about_is_named_without_its_speaker() -> None:
    """ "会前,王明对述职评议强调,…" names the 述职评议, not "王明对述职评议" (dev15 m31)."""
    text = "会前,王明对述职评议强调,要正确认识和看待述职评议。各评议对象要提交书面整改方案。"
    assert _record(text)["meeting"] == "述职评议"
