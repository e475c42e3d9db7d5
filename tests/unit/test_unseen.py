"""Issue 12: minutes from places the parser was not developed on.

The fixtures under tests/fixtures/unseen/ are shared minutes changed the way unseen pages differ
(tests/fixtures/make_unseen.py records how). Every expected value below was written by reading
the fixture, not by running the parser.
"""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from conftest import FIXTURES as TEST_FIXTURES
from conftest import ROOT

from qa.chunks import chunk_meeting
from qa.dates import current_year, partial_date_text, path_dates
from qa.minutes import parse_file, parse_meetings, parse_text
from qa.regions import infer_region, own_government_kind
from qa.sources import read_source

FIXTURES = TEST_FIXTURES / "unseen"


def _fields(m) -> tuple:
    return (m.region, m.date, m.date_partial, m.meeting_number, m.chair)


# ---- class 1: no year in the page -------------------------------------------------------------


def test_month_day_kept_and_no_year_claimed():
    m = parse_file(FIXTURES / "c1_no_year.txt")  # 濉溪: publication line stripped, body «8月24日»
    assert _fields(m) == ("濉溪县", None, "08-24", 49, "郭海磊")
    assert m.date_inferred_from is None
    assert any("8月24日" in w and "年份留空" in w for w in m.warnings)
    chunks = chunk_meeting(m, "c1_no_year.txt")
    assert {c.date_partial for c in chunks} == {"08-24"} and {c.date for c in chunks} == {None}
    assert "8月24日" in chunks[0].header  # what the page says is searchable
    assert partial_date_text(chunks[0].date_partial) == "8月24日（原文未注明年份）"


@pytest.mark.parametrize(
    ("name", "region", "date", "evidence"),
    [
        # <link rel=canonical href=…/202008/t20200825_123.html>: published 2020-08-25
        ("c1_canonical_url.html", "濉溪县", "2020-08-24", "网址中的日期"),
        # 兴县 page without its 时间 line, saved as …_20240425.txt
        ("c1_filename_20240425.txt", "兴县", "2024-04-18", "文件名中的日期"),
        # the same page as a .docx whose core properties say it was created on 2024-04-26
        ("c1_docx_created.docx", "兴县", "2024-04-18", "文件元数据中的日期"),
    ],
)
def test_year_completed_from_evidence_outside_the_text(name, region, date, evidence):
    m = parse_file(FIXTURES / name)
    assert (m.region, m.date, m.date_partial, m.date_inferred, m.date_inferred_from) == (
        region,
        date,
        date[5:],
        True,
        evidence,
    )


def test_generator_defaults_are_not_dates():
    # python-docx's template date and ReportLab's anonymous/untitled stamp say when a file was
    # converted, not when the minutes were published.
    assert read_source(ROOT / "data" / "external" / "ext_005.docx").meta_dates == []
    assert read_source(ROOT / "data" / "external" / "ext_007.pdf").meta_dates == []
    assert read_source(FIXTURES / "c1_docx_created.docx").meta_dates[0] == ("文档属性", "2024-04-26")


def test_dates_in_addresses_and_file_names():
    assert [d.isoformat() for d in path_dates("http://x.gov.cn/ddk_Content/2022-09/28/content_1.htm")] == ["2022-09-28"]
    assert [d.isoformat() for d in path_dates("/cwhy/202210/904a.shtml")] == ["2022-10-31"]  # the month's end
    assert path_dates("h2_017.pdf") == [] and path_dates("/content/1916312056266125314.html") == []


def test_year_named_in_the_agenda():
    assert current_year("会议听取了全区2024年上半年经济运行情况汇报", 2026, 7) == 2024
    assert current_year("审议《2015年财政预算(草案)》和2014年财政预算执行情况", 2026, 2) == 2015
    assert current_year("研究2026年民生实事项目", 2026, 12) is None  # planned in December for next year
    m = parse_text("6月3日，区长张三主持召开区政府第12次常务会议。会议听取了2024年上半年经济运行情况的汇报。")
    assert (m.date, m.date_inferred_from) == ("2024-06-03", "议题所述年份")


# ---- class 5: years that are not the meeting's --------------------------------------------------


def test_an_earlier_year_in_the_body_does_not_date_the_meeting():
    m = parse_file(FIXTURES / "c5_earlier_year.txt")  # 洛川: only «2021年临时苹果专业技术人员综合考核»
    assert _fields(m) == ("洛川县", None, "04-24", 34, "张晶")
    assert current_year("研究2021年临时苹果专业技术人员综合考核等事项", 2026, 4) is None


def test_a_review_dates_only_an_early_year_meeting():
    assert current_year("对2011年政府工作作了全面总结", 2026, 1) == 2012
    assert current_year("通报2021年度考核结果", 2026, 6) is None


# ---- class 2: several meetings on one page ------------------------------------------------------


def _spans_point_into_the_file(meetings) -> None:
    text = meetings[0].text
    for m in meetings:
        assert m.text == text
        for item in m.items:
            assert text[item.start : item.end] == item.text
    # Each meeting's items lie in its own part of the page, in order.
    for first, second in pairwise(meetings):
        assert max(i.end for i in first.items) <= min(i.start for i in second.items)


def test_youxun_page_gives_two_meetings():
    meetings = parse_meetings(FIXTURES / "c2_two_reports_youxun.txt")  # 兴县 report, «又讯», 濉溪 report
    assert [m.part for m in meetings] == [1, 2]
    assert _fields(meetings[0]) == ("兴县", "2024-04-18", "04-18", None, "梁文壮")
    assert _fields(meetings[1]) == ("濉溪县", None, "08-24", 49, "郭海磊")
    assert not any("濉溪" in i.norm for i in meetings[0].items)  # its items are not the first's
    _spans_point_into_the_file(meetings)
    assert parse_file(FIXTURES / "c2_two_reports_youxun.txt").chair == "梁文壮"  # the first meeting


def test_html_page_with_two_reports():
    meetings = parse_meetings(FIXTURES / "c2_two_reports.html")
    # first: a city report whose place name a spam mirror replaced; second: under its own headline
    assert [(m.date, m.meeting_number, m.chair) for m in meetings] == [
        ("2023-07-05", 20, "盛蕾"),
        ("2023-07-18", 49, "郭海磊"),  # 7月18日, year from <meta name=PubDate content=2023-07-20>
    ]
    assert meetings[1].region == "濉溪县" and meetings[1].region_inferred_from is None
    # the city the spam replaced is named by its mayor (qa/data/officials.tsv), and marked so
    assert (meetings[0].region, meetings[0].region_inferred_from) == ("常州市", "主持人：市长盛蕾")
    _spans_point_into_the_file(meetings)


def test_pdf_with_two_reports():
    meetings = parse_meetings(FIXTURES / "c2_two_reports.pdf")  # 公主岭 then 大渡口, one PDF
    assert [_fields(m) for m in meetings] == [
        ("公主岭市", "2019-01-06", "01-06", 1, "常忠诚"),
        ("大渡口区", None, "09-27", 22, "张国智"),
    ]
    _spans_point_into_the_file(meetings)


def test_party_meeting_then_executive_meeting():
    meetings = parse_meetings(FIXTURES / "c2_party_then_executive.txt")
    party, executive = meetings
    assert party.meeting == "县政府党组会议" and executive.meeting == "县政府常务会议"
    assert (party.chair, executive.chair) == ("梁文壮", "梁文壮")
    assert executive.date == "2024-04-18" and party.date == "2024-04-18"  # the same day, 上午 and 下午
    assert party.date_inferred_from == "同页同日另一会议的日期"
    assert party.region == executive.region == "兴县"
    assert any("党风廉政" in i.norm for i in party.items)
    assert not any("党风廉政" in i.norm for i in executive.items)


def test_one_meeting_told_twice_stays_one():
    # «党组会议暨常务会议» is one meeting; a restated lead of the same day is the same meeting.
    assert len(parse_meetings(ROOT / "data" / "external" / "ext_034.txt")) == 1
    for path in sorted((ROOT / "data" / "external").glob("ext_*")):
        assert len(parse_meetings(path)) == 1, path.name
    for path in sorted((ROOT / "data" / "minutes").iterdir()):
        assert len(parse_meetings(path)) == 1, path.name


# ---- class 3: every level of government ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "region", "province", "chair"),
    [
        ("c3_province.txt", "安徽省", "安徽省", "王清宪"),  # 安徽省人民政府第36次常务会议
        ("c3_autonomous_region.txt", "广西壮族自治区", "广西壮族自治区", "蓝天立"),  # 自治区主席
        ("c3_banner.txt", "准格尔旗", "内蒙古自治区", "梁文壮"),  # 旗长 … 旗政府常务会议
        ("c3_prefecture.txt", "延边朝鲜族自治州", "吉林省", "梁文壮"),  # 延边州人民政府
    ],
)
def test_government_at_every_level(name, region, province, chair):
    m = parse_file(FIXTURES / name)
    assert (m.region, m.province, m.chair) == (region, province, chair)


def test_municipalities_are_province_level_cities_that_call_themselves_shi():
    m = parse_text(
        "重庆市人民政府第60次常务会议\n2024年8月19日，市长胡衡华主持召开市政府第60次常务会议。\n"
        "会议研究了成渝地区双城经济圈建设。"
    )
    assert (m.region, m.province, m.meeting_number) == ("重庆市", "重庆市", 60)
    m = parse_text(
        "北京市人民政府召开常务会议\n2024年3月1日，市长殷勇主持召开市政府常务会议。\n会议研究了城市副中心建设。"
    )
    assert m.region == "北京市"
    # A district of a municipality that relays the 市政府's decisions is still the district's meeting.
    m = parse_text(
        "9月27日，区长张国智主持召开大渡口区政府第22次常务会议，传达学习市政府第8次常务会议精神。"
        "会议要求，认真落实市政府部署。会议审议了《大渡口区城市更新方案》。"
    )
    assert (m.region, m.province, m.meeting_number) == ("大渡口区", "重庆市", 22)


def test_chairs_at_every_level():
    for text, chair, title in [
        ("9月22日,省委副书记、省长王新伟主持召开省政府第3次常务会议。会议审议了方案。", "王新伟", "省委副书记、省长"),
        ("9月22日,副省长李四受省长委托主持召开省政府第3次常务会议。会议审议了方案。", "李四", "副省长"),
        ("9月22日,盟委副书记、盟长王五主持召开盟行政公署第3次常务会议。会议审议了方案。", "王五", "盟委副书记、盟长"),
        ("9月22日,自治区主席蓝天立主持召开自治区人民政府第3次常务会议。会议审议了方案。", "蓝天立", "自治区主席"),
    ]:
        m = parse_text(text)
        assert (m.chair, m.chair_title, m.meeting_number) == (chair, title, 3), text


def test_levels_named_by_the_minutes():
    assert own_government_kind("省委副书记、省长王新伟主持召开省政府常务会议") == "省"
    assert own_government_kind("自治区主席主持召开自治区人民政府常务会议") == "自治区"
    assert own_government_kind("盟长主持召开盟行政公署常务会议") == "盟"


def test_province_meeting_that_names_no_province_gets_no_county():
    # 省政府 meetings whose page never names the province: not a county or a zone elsewhere.
    # (a governor not in qa/data/officials.tsv: the chair names no province either)
    m = parse_text("4月18日下午，省长钱明远主持召开省政府第36次常务会议。会议强调，要在新兴产业领域重新和企业对接。")
    assert m.region is None and any("省级政府" in w for w in m.warnings)


def test_development_zone_office_meeting():
    m = parse_text("5月6日，开发区管委会召开2023年第3次主任办公会。管委会副主任苏景文主持会议。会议研究了项目建设。")
    assert (m.date, m.meeting_number, m.chair) == ("2023-05-06", 3, "苏景文")
    assert m.region is None  # «开发区» alone names no particular zone


def test_named_development_zone_and_its_parents():
    m = parse_text(
        "5月6日，秦皇岛经济技术开发区管委会召开2023年第3次主任办公会。管委会副主任苏景文主持会议。会议研究了项目建设。"
    )
    assert (m.region, m.city, m.province, m.meeting_number) == ("秦皇岛经济技术开发区", "秦皇岛市", "河北省", 3)


# ---- class 4: place names inside ordinary words -------------------------------------------------


def test_hexian_inside_a_phrase_is_not_a_county():
    m = parse_file(FIXTURES / "c4_hexian_word.txt")  # «…党组会议和县政府第49次常务会议», 濉溪 agenda
    assert m.region == "濉溪县" and m.meeting_number == 49


def test_a_two_character_county_standing_as_a_word_counts():
    assert infer_region("县政府召开常务会议。会议要求推动兴县高质量发展。").name == "兴县"
    assert infer_region("县委书记主持召开县政府党组会议和县政府常务会议。") is None


def test_urban_words_are_not_districts():
    m = parse_file(FIXTURES / "c4_urban_words.txt")  # «中心城区、新区和高新区要带头» in 兴县's minutes
    assert m.region == "兴县"
    assert infer_region("县政府召开常务会议。会议要求，中心城区、新区和高新区要带头。") is None


def test_short_names_inside_words_are_not_places():
    assert infer_region("区政府召开常务会议。会议要求重新和企业对接，发展新兴产业，推进兴边富民。") is None
    # …while a short name that stands as a word, twice, still names the district.
    assert infer_region("区政府召开常务会议。要结合吴中实际,推动吴中高质量发展。").name == "吴中区"


# ---- class 6: warnings in Chinese ---------------------------------------------------------------


def test_warnings_are_chinese():
    paths = [*FIXTURES.iterdir(), *(ROOT / "data" / "external").glob("ext_*"), *(ROOT / "data" / "minutes").iterdir()]
    seen = 0
    for path in paths:
        if path.suffix not in (".txt", ".html", ".pdf", ".docx"):
            continue
        for m in parse_meetings(path):
            for warning in m.warnings:
                seen += 1
                assert re.search(r"[\u4e00-\u9fff]", warning), warning
                assert not re.search(r"[A-Za-z]{4,}", warning), warning
    assert seen > 20


# ---- the index: two meetings of one file ---------------------------------------------------------


def test_metadata_accuracy_script_on_the_external_minutes():
    from benchmarks.metadata_accuracy import measure

    result = measure(ROOT / "data" / "external")
    assert result == {f: (42, 0, 0, 42) for f in ("date", "meeting_number", "chair", "region")}


def test_a_relayed_meeting_is_not_a_second_report():
    from qa.minutes import parse_source_meetings
    from qa.sources import SourceText

    text = (
        "4月18日，县长张三主持召开县政府第5次常务会议。\n会议审议了《县城供水规划》。\n"
        "会议传达学习了4月8日省政府召开的第20次常务会议精神。\n会议还研究了其他事项。\n"
    )
    assert len(parse_source_meetings(SourceText("x.txt", text, "txt", "x"))) == 1


def test_plan_periods_date_only_the_current_year():
    from qa.dates import event_year

    assert event_year("今年是“十四五”开局之年") == 2021
    assert event_year("确保“十四五”规划圆满收官") == 2025  # the plan's last year, now
    assert event_year("“十四五”圆满收官，“十五五”实现良好开局") == 2026
    assert event_year("保证“十四五”圆满收官,为“十五五”开好局夯实基础") == 2025  # preparing the next plan
    assert event_year("回顾“十四五”圆满收官的成绩") is None  # looked back on: dates nothing


def test_weekly_round_up_gives_one_meeting_per_entry():
    from qa.minutes import parse_source_meetings
    from qa.sources import SourceText

    text = (
        "本周政务要闻\n6月3日，区长王敏主持召开区政府第12次常务会议，审议了《城区排水规划》。\n"
        "6月10日，区长王敏主持召开区政府第13次常务会议，研究了防汛工作。\n"
        "6月17日，副区长李强受区长委托主持召开区政府第14次常务会议，审议了《老旧小区改造方案》。\n"
    )
    meetings = parse_source_meetings(SourceText("x.txt", text, "txt", "x"))
    assert [(m.date_partial, m.meeting_number, m.chair) for m in meetings] == [
        ("06-03", 12, "王敏"),
        ("06-10", 13, "王敏"),
        ("06-17", 14, "李强"),
    ]
    assert "防汛" in text[meetings[1].items[0].start : meetings[1].items[-1].end]


def test_later_reports_are_dated_by_the_pages_publication_line():
    from qa.minutes import parse_source_meetings
    from qa.sources import SourceText

    text = (
        "某某县人民政府网\n发布时间：2024-06-20 10:00\n6月18日，县长王敏主持召开县政府第12次常务会议。\n"
        "会议审议了《城区排水规划》。\n又讯\n6月19日，县长王敏主持召开县政府第13次常务会议。\n会议研究了防汛工作。\n"
    )
    meetings = parse_source_meetings(SourceText("x.txt", text, "txt", "x"))
    assert [(m.date, m.date_inferred_from, m.meeting_number) for m in meetings] == [
        ("2024-06-18", "发布日期", 12),
        ("2024-06-19", "发布日期", 13),
    ]


# ---- layouts without an opening sentence, dates on lines of their own -----------------------------


def test_a_headline_or_a_labelled_line_stands_for_a_missing_opening_sentence():
    m = parse_text(
        "常务副市长（主持市政府全面工作）张军主持召开汨罗市政府第九次常务会议\n（2022年5月10日）\n"
        "会议听取了全市安全生产工作情况汇报。\n会议要求，压实安全生产责任。"
    )
    assert (m.region, m.date, m.meeting_number, m.chair) == ("汨罗市", "2022-05-10", 9, "张军")
    assert m.chair_title == "常务副市长(主持市政府全面工作)"
    m = parse_text(
        "会议纪要\n会议时间：2024年3月5日（星期二）上午\n主持人：常务副县长李华\n"
        "会议名称：泸溪县人民政府第28次常务会议\n一、研究《泸溪县乡村振兴方案》\n会议同意该方案。"
    )
    assert (m.region, m.date, m.meeting_number, m.chair) == ("泸溪县", "2024-03-05", 28, "李华")
    assert not any("不像会议纪要" in w for w in m.warnings)


def test_a_date_alone_under_the_opening_is_the_meeting_date():
    m = parse_text("受县长委托，常务副县长刘强主持召开县政府第7次常务会议\n2023年4月6日\n会议研究了春耕生产工作。")
    assert (m.date, m.meeting_number, m.chair) == ("2023-04-06", 7, "刘强")
    assert not m.date_inferred


def test_a_publication_stamp_with_a_clock_time_or_a_byline_completes_the_year():
    m = parse_text(
        "市政府第十二次常务会议召开\n2025年06月09日 16:20  浏览次数：123\n"
        "6月9日下午，市委副书记、市长周红波主持召开宁波市政府第十二次常务会议。\n会议研究了防台工作。"
    )
    assert (m.date, m.date_inferred_from, m.meeting_number) == ("2025-06-09", "发布日期", 12)
    # A bare date under a 纪要's title is the document's date, not a publication line.
    m = parse_text("某某会议纪要\n2024年7月2日\n6月30日，县长王明主持召开洛川县政府第3次常务会议。会议研究了防汛。")
    assert m.published is None


def test_short_labels_of_a_formal_record_give_time_and_chair():
    m = parse_text(
        "第26次市政府常务会议纪要\n时间：2021年7月12日下午\n地点：市政府第一会议室\n主持：市长钱八\n"
        "出席：副市长周九\n会议议定事项如下：\n一、原则同意《凯里市城区排水改造方案》。"
    )
    assert (m.date, m.time_of_day, m.meeting_number, m.chair) == ("2021-07-12", "下午", 26, "钱八")
    # Without 地点/主持 beside it, «时间：» is the page's publication stamp, not the meeting's date.
    m = parse_text(
        "县政府召开常务会议\n时间:2024-04-25 19:35\n4月18日,县长梁文壮主持召开兴县县政府常务会议。会议研究了防汛工作。"
    )
    assert (m.date, m.date_inferred_from) == ("2024-04-18", "发布日期")


def test_an_acting_heads_title_is_not_a_county():
    # 代县 is a county in Shanxi; «副县长(代县长)» is an acting county head.
    m = parse_text(
        "2022年4月1日，副县长（代县长）李十主持召开县政府2022年第9次常务会议。\n会议研究部署了镇雄县疫情防控工作。"
    )
    assert m.region != "代县" and m.chair == "李十"


def test_autonomous_prefectures_by_their_short_names():
    m = parse_text("3月2日，州委副书记、州长罗强主持召开黔东南州政府第36次常务会议。会议研究了旅游发展。")
    assert (m.region, m.province, m.meeting_number) == ("黔东南苗族侗族自治州", "贵州省", 36)
    m = parse_text(
        "恩施州人民政府第十次常务会议召开\n2023年5月6日，州长刘芳震主持召开州政府第十次常务会议。会议研究了春茶销售。"
    )
    assert (m.region, m.date, m.meeting_number) == ("恩施土家族苗族自治州", "2023-05-06", 10)


def test_a_place_overlapping_the_word_before_it_is_still_found():
    # «召开平乡县…»: 开平 (a city elsewhere) overlaps 平乡县; the longer name is the place.
    m = parse_text("4月24日，县长王五主持召开平乡县政府第19次常务会议。会议研究了防汛。\n发布时间：2024-04-25")
    assert (m.region, m.province, m.date) == ("平乡县", "河北省", "2024-04-24")


def test_the_minutes_own_date_completes_the_year_of_the_meeting():
    m = parse_text(
        "平乡县人民政府常务会议纪要\n县政府办公室 2024年4月26日\n"
        "4月24日，县长王五主持召开县政府第12次常务会议。会议研究了防汛。"
    )
    assert (m.date, m.date_inferred_from, m.issued) == ("2024-04-24", "纪要成文日期", "2024-04-26")
