"""Who chaired tells whose government it is: the table of heads of government and its lookup
(qa/data/officials.tsv, qa.regions.region_of_chair; issue 12, class 3)."""

from __future__ import annotations

import pytest
from conftest import FIXTURES as TEST_FIXTURES

from qa.chunks import chunk_meeting
from qa.minutes import parse_file, parse_text
from qa.regions import head_level, head_title, officials, place_of_level, region_of_chair

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
        assert place_of_level(o.government, head_level(o.title)) is not None, o
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


# ---- fixtures: shared minutes moved to governments the page never names (make_unseen.py) -----------

FIXTURES = TEST_FIXTURES / "unseen"


def _region(m) -> tuple:
    return (m.region, m.province, m.city, m.region_inferred_from)


def test_a_province_page_that_names_no_province_is_placed_by_its_governor():
    # 安徽's 第36次 page, chaired by «省长王凯» (河南, 2021-), 发布时间 2024-04-19; no place named
    m = parse_file(FIXTURES / "c3_province_unnamed.txt")
    assert _region(m) == ("河南省", "河南省", None, "主持人：省长王凯")
    assert (m.date, m.meeting_number, m.chair) == ("2024-04-18", 36, "王凯")
    assert not any("地区留空" in w for w in m.warnings)
    assert any("主持人：省长王凯" in w and "推断为河南省" in w for w in m.warnings)
    assert {c.region for c in chunk_meeting(m, "c3_province_unnamed.txt")} == {"河南省"}


def test_an_autonomous_region_page_is_placed_by_its_chairman():
    # 兴县's page moved up to «自治区政府», chaired by «自治区党委副书记、自治区主席张雨浦» (宁夏, 2022-)
    m = parse_file(FIXTURES / "c3_region_unnamed.txt")
    assert _region(m) == ("宁夏回族自治区", "宁夏回族自治区", None, "主持人：自治区主席张雨浦")
    assert any("宁夏回族自治区主席" in w for w in m.warnings)


def test_a_traditional_script_page_matches_the_simplified_table():
    # 辽宁's mirror (繁体, pinyin debris), chaired by «省長唐一軍», 發布日期 2019-09-22 (唐一军: 2017-2020)
    m = parse_file(FIXTURES / "c3_province_traditional.txt")
    assert (m.chair, m.date) == ("唐一军", "2019-09-22")
    assert _region(m) == ("辽宁省", "辽宁省", None, "主持人：省长唐一军")


def test_a_chair_not_in_the_table_leaves_the_region_empty():
    m = parse_file(FIXTURES / "c3_chair_not_in_table.txt")  # «省长钱明远»: no such governor on record
    assert (_region(m), m.chair) == ((None, None, None, None), "钱明远")
    assert any("地区留空" in w for w in m.warnings)


def test_a_chair_outside_the_term_leaves_the_region_empty():
    m = parse_file(FIXTURES / "c3_chair_out_of_term.txt")  # 王清宪 on a 2018 page: governor from 2021
    assert (m.date, m.chair) == ("2018-04-18", "王清宪")
    assert _region(m) == (None, None, None, None)


def test_the_page_that_names_its_place_wins_over_the_table():
    # «江西省省长王清宪主持召开江西省人民政府…»: the table says 安徽, the page says 江西
    m = parse_file(FIXTURES / "c3_page_names_place.txt")
    assert _region(m) == ("江西省", "江西省", None, None)
    assert not any("推断为" in w for w in m.warnings)


def test_a_deputy_or_another_level_is_not_looked_up():
    m = parse_text("4月18日下午，副省长王清宪主持召开省政府第36次常务会议。会议研究了安全生产。")
    assert (m.chair, m.region) == ("王清宪", None)
    m = parse_text("2024年4月18日下午，省长王清宪主持召开市政府第36次常务会议。会议研究了安全生产。")
    assert m.region is None  # a 省长 does not chair a 市政府 meeting: the page is not read by the table
    m = parse_text("2023年7月5日上午，市长盛蕾主持召开市政府第20次常务会议。会议研究了太湖治理。")
    assert _region(m) == ("常州市", "江苏省", None, "主持人：市长盛蕾")


def test_an_inferred_region_is_shown_as_inferred_and_a_correction_clears_the_mark(capsys):
    from qa.cli import _print_meeting
    from qa.ingest import apply_corrections
    from qa.web.render import render_document

    m = parse_file(FIXTURES / "c3_province_unnamed.txt")
    assert m.to_dict()["region_inferred_from"] == "主持人：省长王凯"  # qa parse --json
    _print_meeting(m)
    assert "河南省（据「主持人：省长王凯」推断）" in capsys.readouterr().out
    html = render_document({"text": m.text, "format": "txt", "meeting": m.to_dict(), "source": "x.txt"})
    assert "河南省（据「主持人：省长王凯」推断）" in html
    fixed = apply_corrections(m, {"region": "安徽省"})
    assert (fixed.region, fixed.region_inferred_from) == ("安徽省", None)
    named = parse_file(FIXTURES / "c3_page_names_place.txt")
    html = render_document({"text": named.text, "format": "txt", "meeting": named.to_dict()})
    assert "<b>地区</b>江西省</span>" in html


def test_the_level_is_the_meetings_not_the_chairs():
    # «省长王清宪主持召开第36次常务会议»: only the chair's title says 省; the meeting names no government
    m = parse_text("2024年4月18日下午，省长王清宪主持召开第36次常务会议。会议研究了安全生产。")
    assert (m.chair, m.region) == ("王清宪", None)
