"""Date resolution against the publication date the document carries."""

from __future__ import annotations

from datetime import date

import pytest

from annotate.extraction.rules import dates


@pytest.mark.parametrize(
    ("expression", "published", "expected"),
    [
        ("4月8日", None, None),  # no year anywhere: null, never a guess
        ("4月8日", date(2024, 4, 9), "2024-04-08"),
        ("3月31日下午", date(2022, 4, 1), "2022-03-31"),
        ("昨天下午", date(2022, 3, 1), "2022-02-28"),
        ("昨日上午", date(2024, 3, 1), "2024-02-29"),
        ("前天", date(2023, 1, 1), "2022-12-30"),
        ("昨天下午", None, None),
        ("12月30日", date(2021, 1, 4), "2020-12-30"),  # a January page reporting December
        ("2019年7月2日", None, "2019-07-02"),
        ("2月30日", date(2021, 3, 3), None),  # impossible date
    ],
)
def test_resolve(expression: str, published: date | None, expected: str | None) -> None:
    assert dates.resolve(expression, published) == expected


def test_publication_date_from_front_matter_first() -> None:
    assert dates.publication_date("发布时间：2020-01-01", {"date": "2022-03-01 13:42:24 +0800"}) == date(2022, 3, 1)


@pytest.mark.parametrize(
    "text", ["发布时间：2023-05-13 09:15", "发布时间:2023-05-13", "發佈時間：2023年5月13日", "发布日期 2023/05/13"]
)
def test_publication_date_from_text(text: str) -> None:
    assert dates.publication_date("标题\n" + text + "\n正文", {}) == date(2023, 5, 13)


def test_no_publication_date() -> None:
    assert dates.publication_date("5月12日下午，区委召开会议。", None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://www.sina.com.cn 2005年01月22日02:13 京华时报", date(2005, 1, 22)),  # dev5 r29
        ("2003年09月27日 07:18", date(2003, 9, 27)),  # dev6 r40
        ("http://www.CRNTT.com   2020-02-04 12:06:25", date(2020, 2, 4)),  # dev14 r72
    ],
)
def test_a_stamped_date_line_near_the_top_dates_the_page(text: str, expected: date) -> None:
    """A news page's stamp (date and time, after its address or alone) is when it was published."""
    assert dates.publication_date("标题\n" + text + "\n正文", {}) == expected
    assert dates.publication_date("标题\n" + "正文很长。" * 80 + "\n" + text, {}) is None  # not a live text's turn


def test_a_slashed_date_line_is_read_only_when_its_order_is_plain() -> None:
    """ "时间:02/23/2011 18:41:00" (dev15 r79) is 23 February; "03/04/2011" could be either: none."""
    assert dates.publication_date("标题\n时间:02/23/2011 18:41:00 来源:中国新闻网\n正文", {}) == date(2011, 2, 23)
    assert dates.publication_date("标题\n时间:23/02/2011 18:41:00\n正文", {}) == date(2011, 2, 23)
    assert dates.publication_date("标题\n时间:03/04/2011 18:41:00\n正文", {}) is None
