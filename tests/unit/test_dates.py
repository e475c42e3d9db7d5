"""qa.dates: numerals, date expressions as websites break them, and year inference."""

from __future__ import annotations

from datetime import date

import pytest

from qa.dates import cn_to_int, event_year, find_dates, mentioned_year, resolve


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("八十八", 88),
        ("一三一", 131),
        ("二十一", 21),
        ("一百零七", 107),
        ("十", 10),
        ("二〇二六", 2026),
        ("42", 42),
        ("十六", 16),
        ("两百", 200),
        ("abc", None),
        ("", None),
    ],
)
def test_cn_to_int(text, value):
    assert cn_to_int(text) == value


def test_full_and_partial_dates():
    found = find_dates("2024年12月13日下午，会议于3月10日召开，2016-4-13发布，二〇二六年一月五日")
    assert [(d.year, d.month, d.day) for d in found] == [(2024, 12, 13), (None, 3, 10), (2016, 4, 13), (2026, 1, 5)]


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("1110日,区第十八届人民政府第107次常务会议召开", date(2021, 11, 10), date(2021, 11, 10)),
        ("1123日,区政府第21次常务会议召开", date(2022, 11, 24), date(2022, 11, 23)),
        ("202291日,疏勒十六届人民政府第23次常务会议召开", date(2022, 9, 1), date(2022, 9, 1)),
        ("3-24,县人民政府第21次常务会议召开", date(2016, 4, 13), date(2016, 3, 24)),
        ("25日,市长周必松主持召开第十六届人民政府第32次常务会议", date(2019, 12, 26), date(2019, 12, 25)),
        ("昨日,市长何益军主持召开十七届市政府第六十次常务会议", date(2020, 11, 27), date(2020, 11, 26)),
        ("12月27日上午,区政府第85次常务会议", date(2026, 1, 12), date(2025, 12, 27)),
    ],
)
def test_broken_dates_are_repaired_against_the_publication_date(text, reference, expected):
    mention = find_dates(text)[0]
    when, inferred = resolve(mention, reference, None)
    assert when == expected and inferred


def test_year_hint_wins_for_dates_without_a_year():
    mention = find_dates("9月25日晚上,县十八届政府2025年党组会议和第21次常务会议召开")[0]
    assert resolve(mention, None, 2025) == (date(2025, 9, 25), True)


def test_full_dates_are_not_inferred():
    mention = find_dates("2023年8月2日下午")[0]
    assert resolve(mention, date(2024, 1, 1), 1999) == (date(2023, 8, 2), False)


def test_event_years():
    assert event_year("会议传达学习了中国共产党第十九届中央委员会第七次全体会议公报") == 2022
    assert event_year("对党的二十届四中全会精神要认真学") == 2025
    assert event_year("在参加十三届全国人大一次会议代表团审议时的讲话") == 2018
    assert event_year("保证“十四五”圆满收官") == 2025
    assert event_year("习近平总书记二〇二六年新年贺词") == 2026
    assert event_year("会议研究了安全生产工作") is None


def test_mentioned_year_ignores_ranges_and_targets():
    text = "《2014年财政预算执行情况和2015年财政预算(草案)》《规划(2023-2030年)》和二〇三五年远景目标"
    assert mentioned_year(text, 2026) == 2015
    assert mentioned_year("《2014年报告》《2015年预算(草案)》", 2026) == 2015
    assert mentioned_year("到2035年基本实现", 2026) is None
