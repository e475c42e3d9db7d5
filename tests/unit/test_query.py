"""qa.query: question types, filters from the question, follow-ups."""

from __future__ import annotations

import pytest

from qa.query import Filters, question_type, resolve_follow_up, understand
from qa.regions import gazetteer


@pytest.fixture(scope="module")
def regions():
    gaz = gazetteer()

    def place(name, city=None):
        return next(p for p in gaz.lookup(name) if city is None or p.city == city)

    return [
        ("姑苏区", place("姑苏区")),
        ("吴中区", place("吴中区")),
        ("太仓市", place("太仓市")),
        ("宝山区", place("宝山区", "上海市")),
        ("龙华区", place("龙华区", "深圳市")),
        ("张家川县", place("张家川县")),
        ("历下区", place("历下区")),
    ]


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("姑苏区碳达峰方案何时审议", "when"),
        ("太仓市第29次常务会议由谁主持", "chair"),
        ("哪些会议研究了安全生产", "list"),
        ("吴中区哪次会议审议了森林消防队伍建设实施方案？", "which_meeting"),
        ("交口县2026年1月15日开的县政府常务会议是第几次？", "number"),
        ("姑苏区生态文明建设规划由哪个单位修改完善？", "who"),
        ("姑苏区2024年国民经济和社会发展计划执行情况要提请哪些会议讨论？", "who"),
        ("太仓璜泾镇安全生产要坚持什么原则", "what"),
        ("吴政办纪﹝2025﹞36号", "lookup"),
        ("要加强住宅小区和民房消防安全，聚焦各类电器、用电、架空层等重点领域", "lookup"),
        ("西青区第84次常务会议在几号召开", "when"),
    ],
)
def test_question_types(question, qtype):
    assert question_type(understand(question).norm) == qtype


def test_region_meeting_number_and_traditional_script(regions):
    q = understand("姑蘇區第39次常務會議審議了什麼？", regions)
    assert q.filters.regions == ["姑苏区"] and q.filters.meeting_number == 39
    assert understand("太仓璜泾镇安全生产要坚持什么原则", regions).filters.regions == ["太仓市"]


@pytest.mark.parametrize(
    ("question", "number"),
    [
        ("历下区第19届42次常务会议是哪天上午开的？", 42),
        ("深圳龙华区二届一三一次区政府常务会议由谁主持？", 131),
        ("东辽县2017年第二次县政府常务会议是哪天召开的？", 2),
        ("宝山区第96次常务会议听取了什么", 96),
    ],
)
def test_meeting_numbers(regions, question, number):
    assert understand(question, regions).filters.meeting_number == number


def test_parent_city_and_province_select_their_districts(regions):
    assert understand("深圳龙华区常务会议强调了什么", regions).filters.regions == ["龙华区"]
    assert understand("上海的常务会议研究了什么", regions).filters.regions == ["上海市"]


def test_places_outside_the_index_match_nothing(regions):
    q = understand("海口市美兰区2023年第10次区政府常务会议审议了哪些文件？", regions)
    assert q.filters.matches_nothing and set(q.filters.unknown_places) == {"海口市", "美兰区"}
    assert understand("北京的常务会议研究了什么", regions).filters.matches_nothing


def test_dates_years_months_and_half_years(regions):
    q = understand("2023年姑苏区审议了哪些规划", regions)
    assert (q.filters.date_from, q.filters.date_to) == ("2023-01-01", "2023-12-31")
    q = understand("交口县2026年1月15日开的县政府常务会议是第几次？", regions)
    assert q.filters.date_from == q.filters.date_to == "2026-01-15"
    assert understand("姑苏区12月审议了哪些方案", regions).filters.months == [12]
    assert understand("姑苏区2024年上半年的常务会议研究了什么", regions).filters.months == [1, 2, 3, 4, 5, 6]
    # A year naming a plan is a preference, not a filter on the meeting date.
    q = understand("姑苏区2024年国民经济和社会发展计划执行情况要提请哪些会议讨论？", regions)
    assert q.filters.date_from is None and q.date_words == ["2024"]


def test_explicit_filters_override(regions):
    q = understand("碳达峰方案何时审议", regions, Filters(regions=["吴中区"]))
    assert q.filters.regions == ["吴中区"]


def test_topic_drops_filters_and_question_words(regions):
    assert understand("姑苏区碳达峰方案何时审议", regions).topic == "碳达峰方案 审议"


def test_follow_up_reuses_the_previous_topic(regions):
    assert resolve_follow_up("那太仓呢？", "姑苏区碳达峰方案何时审议", regions) == "太仓碳达峰方案何时审议"
    assert resolve_follow_up("2023年呢", "姑苏区2024年审议了哪些规划", regions) == "姑苏区2023年审议了哪些规划"
    assert resolve_follow_up("第30次呢？", "太仓市第29次常务会议由谁主持", regions) == "太仓市第30次常务会议由谁主持"
    full = "太仓市第29次常务会议由谁主持"
    assert resolve_follow_up(full, "姑苏区碳达峰方案何时审议", regions) == full
    assert resolve_follow_up("那太仓呢？", None, regions) == "那太仓呢？"
