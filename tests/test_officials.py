"""Who chaired tells whose government it is: the table of heads of government and its lookup
(qa/data/officials.tsv, qa.regions.region_of_chair; issue 12, class 3)."""

from __future__ import annotations

import pytest

from qa.regions import _place_of_level, head_level, head_title, officials, region_of_chair

PROVINCES = {
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
    "广西壮族自治区", "海南省", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
    "宁夏回族自治区", "新疆维吾尔自治区",
}  # fmt: skip


def test_the_table_covers_every_province_level_government_and_resolves_in_the_gazetteer():
    rows = officials()
    assert {o.government for o in rows} >= PROVINCES
    for o in rows:
        assert head_level(o.title), o
        assert _place_of_level(o.government, head_level(o.title)) is not None, o
        assert o.start > 1990 and (o.end is None or o.start <= o.end <= 2026), o
    # every province-level government has a head on record for each year from 2015 to 2025
    for government in PROVINCES:
        terms = [o for o in rows if o.government == government]
        for year in range(2015, 2026):
            assert any(o.start <= year <= (o.end or 2026) for o in terms), (government, year)


@pytest.mark.parametrize(
    "title, head, level",
    [
        ("省长", "省长", "省"),
        ("省委副书记、省长", "省长", "省"),
        ("代省长", "代省长", "省"),
        ("自治区党委副书记、自治区主席", "自治区主席", "自治区"),
        ("市委副书记、代理市长", "代理市长", "市"),
        ("州长", "州长", "州"),
        ("副省长", None, None),
        ("市委常委、常务副市长", None, None),
        ("市政协主席", None, None),
        ("县长", None, None),  # no table of county heads: a county page names its county
        (None, None, None),
    ],
)
def test_head_titles_fix_the_level(title, head, level):
    assert (head_title(title), head_level(title)) == (head, level)


def test_a_governor_names_the_province_of_a_province_meeting():
    official, place = region_of_chair("王清宪", "省长", "省", 2024)
    assert (official.government, place.level, place.province) == ("安徽省", "province", "安徽省")
    assert region_of_chair("王清宪", "省委副书记、代省长", "省", 2021)[0].government == "安徽省"
    assert region_of_chair("王清宪", "省长", "省", None)[0].government == "安徽省"  # year unknown: name alone


def test_a_mayor_names_a_city_or_a_municipality():
    official, place = region_of_chair("盛蕾", "市长", "市", 2023)
    assert (official.government, place.province) == ("常州市", "江苏省")
    official, place = region_of_chair("殷勇", "市委副书记、市长", "市", 2024)
    assert (official.government, place.level) == ("北京市", "province")
    names = {o.name for o in officials()}
    assert "雪克来提·扎克尔" in names
    assert region_of_chair("雪克来提扎克尔", "自治区主席", "自治区", 2018)[0].government == "新疆维吾尔自治区"


def test_no_answer_unless_one_government_fits():
    assert region_of_chair("张三", "省长", "省", 2024) is None  # not in the table
    assert region_of_chair("王清宪", "省长", "省", 2018) is None  # before his term (2021-), beyond the slack
    assert region_of_chair("王清宪", "副省长", "省", 2024) is None  # a deputy is not the head
    assert region_of_chair("王清宪", "省长", "市", 2024) is None  # a 市政府 meeting is not a province's
    assert region_of_chair("王清宪", "省长", None, 2024) is None  # the meeting's level unknown
    assert region_of_chair("盛蕾", "市长", "市", 2018) is None  # before her term
    assert region_of_chair(None, "省长", "省", 2024) is None
    # 张国清: mayor of 重庆 (2016-2017), then of 天津 (2017-2020): 2017 fits both, so neither is claimed
    assert region_of_chair("张国清", "市长", "市", 2017) is None
    assert region_of_chair("张国清", "市长", "市", 2019)[0].government == "天津市"
    assert region_of_chair("张国清", "市长", "市", None) is None


def test_a_year_of_slack_either_side_of_a_term():
    assert region_of_chair("王新伟", "省长", "省", 2023)[0].government == "辽宁省"  # term from 2024
    assert region_of_chair("王新伟", "省长", "省", 2022) is None
    assert region_of_chair("盛蕾", "市长", "市", 2026)[0].government == "常州市"  # term to 2025
    assert region_of_chair("盛蕾", "市长", "市", 2027) is None
