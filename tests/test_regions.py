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
