"""qa.minutes: metadata and agenda items, checked against values read off the documents."""

from __future__ import annotations

import pytest
from conftest import EXTERNAL

from qa.minutes import Observer, parse_file, parse_text

# ---- the five samples --------------------------------------------------------------------------


def test_000_formal_minutes_with_doc_number(parsed_samples):
    m = parsed_samples["000"]
    assert m.issuer == "苏州市吴中区人民政府办公室"
    assert m.region == "吴中区" and m.city == "苏州市" and m.province == "江苏省"
    assert m.doc_number == "吴政办纪﹝2025﹞36号"
    assert m.meeting == "五届区政府第55次常务会议" and m.meeting_number == 55
    assert (m.date, m.date_inferred, m.time_of_day) == ("2025-07-17", False, "下午")
    assert (m.chair, m.chair_title) == ("万利", "区长")
    assert m.title is None and m.issued is None
    # 附：出席会议人员名单 — unit-prefixed names; repeated people once.
    assert m.attendees[:7] == ["万利", "张伟", "朱筱菁", "李烨", "李臻", "徐惠达", "翟小超"]
    assert {"宋晓华", "周黎敏", "辛欣", "章易", "张彧", "龙文博"} <= set(m.attendees)
    assert len(m.attendees) >= 100 and len(m.attendees) == len(set(m.attendees))
    assert m.observers == []
    assert m.recipients[:4] == ["区委", "区人大", "区政府", "区政协"] and m.recipients[-1] == "产投集团"
    assert [i.heading for i in m.items[1:]] == [
        "听取化工和危化品全链条治理、横泾街道安全生产情况汇报",
        "学习《党政机关厉行节约反对浪费条例》",
        "听取2025年上半年区本级财政预算收支情况及零基预算执行情况汇报",
        "审议《关于2025年深化区级零基预算改革的工作方案》",
        "传达中央生态环境保护督察整改推进会精神",
        "听取关于贯彻落实大气污染防治强化攻坚十项措施有关情况的汇报",
        "听取关于《推动吴中区科技企业扎根发展的工作方案》起草情况的汇报",
    ]
    assert [i.number for i in m.items] == [None, "一", "二", "三", "四", "五", "六", "七"]
    assert [s.number for s in m.items[1].subitems] == ["一", "二", "三"]
    # The attendance list after item 七 is metadata, not part of the item.
    assert "出席会议人员名单" not in m.items[-1].text
    assert m.warnings == []


def test_001_prose_report_with_seo_spam(parsed_samples):
    m = parsed_samples["001"]
    assert m.region == "吴中区"  # inferred although spam replaced the district name
    assert (m.date, m.date_inferred) == ("2025-02-24", True)
    assert (m.chair, m.chair_title) == ("万利", "区委副书记、区长")
    assert m.meeting_number is None and m.doc_number is None and m.issuer is None
    assert any("垃圾推广" in w for w in m.warnings)
    assert m.items[0].kind == "overview" and "今天(2月24日)" in m.items[0].text
    headings = [i.heading for i in m.items[1:]]
    assert headings[0].startswith("区政府党组理论学习中心组学习会学习贯彻了")
    assert headings[1:] == [
        "区政府常务会议审议了《对20项安全生产突出问题和重大隐患集中挂牌督办的方案》",
        "会议审议了《2025年安全生产和消防工作督查巡查工作方案》",
        "会议审议了《苏州市碳达峰行动方案》",
        "会议审议了《森林消防队伍建设实施方案》《2025年森林防灭火工作要点》",
        "会议审议了《促进制造业高质量发展的若干政策措施》",
        "会议审议了《促进商务经济高质量发展的若干政策措施》",
        "会议审议了《促进文体旅高质量发展的若干政策措施》",
    ]
    # The 会议强调 paragraph after the study session belongs to it.
    assert "3+2+N" in m.items[1].text
    # Spans point into the original, spam included: citations show the page as it was.
    assert "新万博" in m.items[4].text
    assert all(m.text[i.start : i.end] == i.text for i in m.items)


def test_002_traditional_script(parsed_samples):
    m = parsed_samples["002"]
    assert m.region == "姑苏区"
    assert m.meeting == "保护区管委会、姑苏区政府第39次常务会议" and m.meeting_number == 39
    assert (m.date, m.date_inferred, m.time_of_day) == ("2024-12-13", False, "下午")
    assert (m.chair, m.chair_title) == ("陈羔", "管委会主任、区政府区长")
    assert m.attendees == [
        "陈羔",
        "吴强",
        "华建男",
        "陆文明",
        "雷波",
        "徐联全",
        "葛昕",
        "贺宇晨",
        "陈宇操",
        "周强",
        "李继业",
        "唐宏吉",
        "许建荣",
        "武浩然",
    ]
    assert len(m.observers) == 36
    assert m.observers[0] == Observer("名城保护集团", "王晋")
    assert Observer("区民政和卫生健康局", "夏寒寒") in m.observers
    assert m.observers[-1] == Observer("名城建设集团", "朱军")
    assert [i.heading for i in m.items[1:]] == [
        "学习贯彻习近平总书记系列重要讲话和指示批示精神",
        "专题研究安全稳定工作",
        "听取关于中央生态环境保护督察交办信访件整改情况的汇报",
        "听取关于姑苏区2024年国民经济和社会发展计划执行情况与2025年国民经济和社会发展计划草案的汇报",
        "听取关于姑苏区2024年重点项目完成情况和2025年重点项目预排情况的汇报",
        "听取关于姑苏区2024年民生实事项目完成情况和2025年民生实事候选项目形成情况的汇报",
        "审议《苏州市姑苏区碳达峰实施方案》",
        "审议《姑苏区城市道路隔离护栏导则》",
    ]
    seventh = m.items[7]
    assert seventh.text.startswith("七、審議《蘇州市姑蘇區碳達峰實施方案》")  # shown as written
    assert "碳达峰实施方案" in seventh.norm  # searched simplified


def test_003_page_breaks_markdown_and_signature(parsed_samples):
    m = parsed_samples["003"]
    assert m.title == "保护区管委会、姑苏区政府 第17次常务会议纪要"
    assert m.doc_number == "苏名城保护会〔2023〕16号"
    assert m.issuer == "苏州国家历史文化名城保护区党政办公室、苏州市姑苏区党政办公室"
    assert (m.region, m.meeting_number, m.date, m.time_of_day) == ("姑苏区", 17, "2023-08-18", "上午")
    assert (m.chair, m.issued) == ("陈羔", "2023-08-25")
    assert m.attendees == [
        "陈羔",
        "华建男",
        "陆文明",
        "雷波",
        "杨国栋",
        "葛昕",
        "贺宇晨",
        "杨跃",
        "陈宇操",
        "周强",
        "李继业",
        "俞锋",
    ]
    assert Observer("区法院", "曹黎丰") in m.observers  # a name cut by a line break
    assert Observer("区委编办", "周跃洲") in m.observers  # two entries split by a line break
    assert Observer("区发改局、区统计局", "王正茂") in m.observers  # one person, two units
    assert Observer("沧浪街道", "章云丽") in m.observers  # entries run together in the source
    assert len(m.observers) == 43
    assert len(m.items) == 8
    assert m.items[4].heading.startswith("审议《姑苏区2023年1-6月国民经济和社会发展规划执行情况的报告》")
    assert m.items[5].heading == "听取关于上半年法治政府建设情况的汇报,审议《姑苏区行政应诉工作办法(修订稿)》"
    assert m.items[6].heading == "审议《苏州市姑苏区生态文明建设规划(2023-2030年)》"
    assert "持续健康发展的前提" in m.items[2].norm


def test_004_spaced_digits_and_distribution(parsed_samples):
    m = parsed_samples["004"]
    assert (m.title, m.doc_number, m.issuer) == ("太仓市人民政府 常务会议纪要", "第18号", "太仓市人民政府办公室")
    assert (m.region, m.meeting, m.meeting_number) == ("太仓市", "市政府第29次常务会议", 29)
    assert (m.date, m.time_of_day, m.issued) == ("2023-08-02", "下午", "2023-08-06")
    assert (m.chair, m.chair_title) == ("吴敬宇", "常务副市长")
    assert m.attendees == ["郑丙华", "王莉萍", "倪嘉臻", "陈磊", "张展", "傅玖"]
    assert m.observers[:3] == [
        Observer("市人大", "邹家宏"),
        Observer("市政府办", "王晨清"),
        Observer("市政府办", "倪明德"),
    ]
    assert Observer("市水务局", "毛华乾") in m.observers  # not 毛华干
    assert m.observers[-1] == Observer("陆渡街道", "龚迪") and len(m.observers) == 76
    assert m.recipients[0] == "各镇人民政府" and m.recipients[-1] == "市各人民团体" and len(m.recipients) == 18
    assert [i.number for i in m.items[1:]] == ["一", "二", "三", "四", "五"]
    assert m.items[4].heading == "审议《太仓市关于推进“五化协同”持续优化营商环境的实施方案》"


def test_json_keys(parsed_samples):
    data = parsed_samples["000"].to_dict()
    for key in (
        "source",
        "sha256",
        "title",
        "issuer",
        "region",
        "doc_number",
        "meeting",
        "meeting_number",
        "date",
        "date_inferred",
        "date_partial",
        "date_inferred_from",
        "part",
        "time_of_day",
        "chair",
        "chair_title",
        "attendees",
        "observers",
        "recipients",
        "issued",
        "items",
        "warnings",
    ):
        assert key in data
    assert set(data["items"][1]) >= {"number", "heading", "text", "start", "end", "subitems"}
    assert "text" not in data


# ---- the external folder -----------------------------------------------------------------------


def test_every_external_file_parses_with_items(parsed_external):
    assert len(parsed_external) == 42
    for name, meeting in parsed_external.items():
        assert [i for i in meeting.items if i.kind == "item"], name
        for item in meeting.items:
            assert meeting.text[item.start : item.end] == item.text


def test_external_metadata_against_index(external_index, parsed_external):
    """Date, meeting number and chair for at least 41 of 42 files; region for at least 40."""
    misses: dict[str, list[str]] = {"date": [], "meeting_number": [], "chair": [], "region": []}
    for row in external_index:
        m = parsed_external[row["file"]]
        got = {"date": m.date, "meeting_number": str(m.meeting_number), "chair": m.chair, "region": m.region}
        want = {
            "date": row["meeting_date"],
            "meeting_number": row["meeting_number"],
            "chair": row["chair"],
            "region": row["region"],
        }
        for key in misses:
            if got[key] != want[key]:
                misses[key].append(f"{row['file']}: got {got[key]!r}, want {want[key]!r}")
    total = len(external_index)
    print({key: f"{total - len(v)}/{total}" for key, v in misses.items()})
    for key, missed in misses.items():
        print(key, missed)
    assert len(misses["date"]) <= 1 and len(misses["meeting_number"]) <= 1 and len(misses["chair"]) <= 1
    assert len(misses["region"]) <= 2


# Item counts by reading each file: (file, layout, number of agenda items besides the overview).
ITEM_COUNTS = [
    ("ext_016.txt", "formal 一、 items", 5),
    ("ext_040.txt", "formal 一、 items with 1. sub-items", 2),
    ("ext_033.txt", "(一) items on their own lines", 4),
    ("ext_037.pdf", "hard-wrapped PDF, 一、 headings wrapped", 2),
    ("ext_002.html", "news: 会议听取并原则同意 paragraphs", 2),
    ("ext_012.html", "news: repeated 会议强调 paragraphs", 3),
    ("ext_029.txt", "news: «X就《…》向会议作了汇报» paragraphs", 3),
    ("ext_008.html", "a single paragraph with ';' clauses", 4),
    ("ext_021.txt", "图文回放 timeline", 1),
    ("ext_030.txt", "monthly chronicle", 1),
    ("ext_025.docx", "labelled 会议时间/会议议题/会议内容 blocks", 2),
    ("ext_036.txt", "纪要如下 with unnumbered paragraphs", 4),
]


@pytest.mark.parametrize(("name", "layout", "count"), ITEM_COUNTS)
def test_item_counts_by_layout(parsed_external, name, layout, count):
    items = [i for i in parsed_external[name].items if i.kind == "item"]
    assert len(items) == count, (layout, [i.heading for i in items])


def test_chronicle_keeps_only_the_executive_meeting(parsed_external):
    m = parsed_external["ext_030.txt"]
    assert m.chair == "肖文荪" and m.date == "2013-12-10" and m.date_inferred
    text = "\n".join(i.norm for i in m.items)
    assert "柳州市户外广告设置管理办法" in text and "郑俊康" not in text


def test_relayed_speaker_is_not_the_chair(parsed_external):
    m = parsed_external["ext_025.docx"]
    assert m.chair == "李军"  # not 习近平 from «传达学习习近平总书记主持召开…座谈会»


def test_combined_meeting_counts_only_the_executive_number(parsed_external):
    assert parsed_external["ext_034.txt"].meeting_number == 89  # not the 党组会议's 1
    assert parsed_external["ext_012.html"].meeting_number == 131  # 二届一三一次, not 第12次党组


def test_not_minutes_parses_with_a_warning():
    m = parse_text("今天天气很好，我们去公园散步吧。")
    assert any("不像会议纪要" in w for w in m.warnings)
    assert m.items  # still chunkable


def test_truncated_page_is_flagged():
    assert any("原网页不完整" in w for w in parse_file(EXTERNAL / "ext_028.html").warnings)


def test_other_numbering_schemes_and_date_forms():
    m = parse_text(
        "二〇二四年十二月十三日下午，区长张三主持召开区政府常务会议（第5次）。\n"
        "议题一：审议《某某区安全生产专项整治方案》\n会议原则同意该方案。\n"
        "议题二：听取财政局关于预算执行情况的汇报\n会议要求加强预算管理。\n"
    )
    assert (m.date, m.date_inferred, m.meeting_number, m.chair) == ("2024-12-13", False, 5, "张三")
    assert [(i.number, i.heading) for i in m.items[1:]] == [
        ("一", "审议《某某区安全生产专项整治方案》"),
        ("二", "听取财政局关于预算执行情况的汇报"),
    ]
    m = parse_text(
        "3月5日，县长李四主持召开县政府第12次常务会议。\n1.审议《县城总体规划》。会议同意。\n2.听取教育局工作汇报。\n"
    )
    assert [i.number for i in m.items[1:]] == ["1", "2"]
    assert any("年份留空" in w for w in m.warnings)  # no year anywhere: said, not guessed


FORMAL = """泾县人民政府常务会议纪要
〔2024〕5号
泾县人民政府办公室                2024年3月20日
2024年3月18日，县长王五主持召开县人民政府2024年第5次常务会议，研究了以下事项。现纪要如下：
一、关于《泾县宣纸产业发展三年行动计划》的审议
会议原则同意该行动计划，请县经信局根据会议意见修改完善后印发实施。
二、关于春季森林防火工作的汇报
会议听取了县林业局关于春季森林防火工作的汇报。会议要求，各乡镇要落实属地责任。
参加：王五、李四、张三
请假：赵六
列席：县政府办 刘七，县财政局 孙八
"""


def test_a_formal_layout_from_elsewhere():
    m = parse_text(FORMAL)
    assert (m.region, m.doc_number, m.issuer, m.issued) == ("泾县", "〔2024〕5号", "泾县人民政府办公室", "2024-03-20")
    assert (m.date, m.meeting_number, m.chair) == ("2024-03-18", 5, "王五")
    assert m.attendees == ["王五", "李四", "张三"]  # 请假 (absent) is neither
    assert [(o.unit, o.name) for o in m.observers] == [("县政府办", "刘七"), ("县财政局", "孙八")]
    assert [i.number for i in m.items[1:]] == ["一", "二"]


def test_delegated_chair_and_no_region_without_evidence():
    m = parse_text("3月5日，市政府党组成员、副市长周十受市长委托主持召开市政府第8次常务会议。会议审议了措施。")
    assert (m.chair, m.chair_title) == ("周十", "市政府党组成员、副市长")
    m = parse_text("近日，县政府召开第12次常务会议，县长陈九主持会议。会议审议了《关于加快推进乡村振兴的实施意见》。")
    assert m.region is None  # «乡村振兴» names 振兴区, a district: not this county's meeting
    assert m.date is None and any("未找到会议日期" in w for w in m.warnings)
