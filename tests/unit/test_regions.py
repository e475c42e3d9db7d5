"""qa.regions: the national gazetteer and the choice of the meeting's government."""

from __future__ import annotations

from qa.regions import gazetteer, infer_region, own_government_kind


def test_gazetteer_is_current_and_complete():
    gaz = gazetteer()
    assert len([p for p in gaz.places if p.level == "county"]) > 2800
    longhua = {p.city for p in gaz.lookup("龙华区")}
    assert longhua == {"深圳市", "海口市"}
    assert gaz.lookup("繁昌区") and gaz.lookup("繁昌")  # a county that became a district in 2020
    assert gaz.lookup("张家川县")[0].name == "张家川回族自治县"


def test_same_name_districts_are_told_apart_by_their_parents():
    shenzhen = "龙华召开区政府常务会议。会议强调,要助力广东、深圳更好地服务大局,贡献龙华力量。"
    haikou = "龙华区政府召开常务会议。会议强调,要把海口建设好,推动龙华区高质量发展。"
    assert infer_region(shenzhen).place.city == "深圳市"
    assert infer_region(haikou).place.city == "海口市"


def test_government_type_decides_between_county_and_city():
    text = "10月30日,吉安县十七届政府第五十三次常务会议召开,县长彭润金主持会议。会议研究了吉安市有关工作。"
    assert own_government_kind(text) == "县"
    assert infer_region(text).name == "吉安县"


def test_region_from_short_name_and_footer_hint():
    text = "区政府召开常务会议,区长主持会议。会议强调,要结合吴中实际,推动吴中高质量发展。"
    assert infer_region(text).name == "吴中区"
    hinted = infer_region("市政府召开第22次常务会议,市长符平主持。", hints=["主办单位:琼海市人民政府办公室"])
    assert hinted.name == "琼海市" and hinted.place.province == "海南省"


def test_no_place_no_guess():
    assert infer_region("今天天气很好。") is None


def test_the_meetings_own_government_outweighs_places_in_its_agenda():
    from qa.minutes import parse_text

    text = (
        "港南区人民政府常务会议纪要\n2024年5月6日上午，区长李明主持召开港南区政府第5次常务会议。\n"
        "一、审议《苏州市姑苏区碳达峰实施方案》的借鉴意见\n会议认为，姑苏区的做法值得学习，姑苏区的经验要推广。"
        "姑苏区在碳达峰方面走在前列，要向姑苏区学习。\n二、听取姑苏区考察情况汇报\n会议听取了赴姑苏区考察情况的汇报。"
        "姑苏区的古城保护经验要借鉴，姑苏区的营商环境要对标。\n"
    )
    assert parse_text(text).region == "港南区"
