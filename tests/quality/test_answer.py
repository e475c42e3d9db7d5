"""qa.answer: answers shaped by the question, with sentences and spans that point into the original."""

from __future__ import annotations

import pytest

from qa.answer import display, sentences


def check_citations(assistant, answer):
    for citation in answer.citations:
        document = assistant.reader.document(citation.doc_id)
        start, end = citation.span
        assert document["text"][start:end] == citation.sentence
        assert citation.sentence in citation.text


def test_when_answer_cites_the_item(sample_assistant):
    answer = sample_assistant.ask("姑苏区碳达峰方案何时审议")
    assert answer.found and answer.question_type == "when"
    assert "2024年12月13日" in answer.answer and "[1]" in answer.answer
    top = answer.citations[0]
    assert top.region == "姑苏区" and top.meeting_number == 39 and "碳達峰實施方案" in top.sentence
    assert top.item == "七、审议《苏州市姑苏区碳达峰实施方案》"
    check_citations(sample_assistant, answer)


def test_chair_answer(sample_assistant):
    answer = sample_assistant.ask("太仓市第29次常务会议由谁主持")
    assert answer.found and answer.question_type == "chair"
    assert "吴敬宇" in answer.answer and "常务副市长" in answer.answer
    assert "主持召开市政府第 29 次常务会议" in answer.citations[0].sentence
    check_citations(sample_assistant, answer)


def test_who_answer_names_the_unit(sample_assistant):
    answer = sample_assistant.ask("姑苏区生态文明建设规划由哪个单位修改完善？")
    assert answer.answer.startswith("姑苏生态环境局")
    answer = sample_assistant.ask("太仓市关于推进“五化协同”持续优化营商环境的实施方案审议后提交给谁？")
    assert answer.answer.startswith("市委常委会")


def test_what_answer_quotes_the_key_sentence(sample_assistant):
    answer = sample_assistant.ask("太仓璜泾镇安全生产要坚持什么原则")
    assert "三管三必须" in answer.answer
    answer = sample_assistant.ask("吴中区制造业政策措施要针对哪个重点产业集群做精准支持")
    assert "3+2+N" in answer.answer and "制造业" in answer.citations[0].item


def test_list_answer_names_every_meeting(sample_assistant):
    answer = sample_assistant.ask("哪些会议研究了安全生产")
    assert answer.found and answer.question_type == "list"
    assert answer.answer.startswith("共有5次会议涉及")
    assert len({c.doc_id for c in answer.citations}) == 5
    check_citations(sample_assistant, answer)


def test_agenda_of_one_meeting(combined_assistant):
    answer = combined_assistant.ask("宝山区第89次常务会议研究了什么？")
    assert answer.found and answer.answer.startswith("这次会议的议题")
    assert {c.meeting_number for c in answer.citations} == {89}
    assert [c.item for c in answer.citations if c.item != "会议概况"] == [
        "会议听取并原则同意关于制订《上海市宝山区深化养老服务实施方案(2019-2022年)》的情况汇报",
        "会议听取并原则同意区商务委主任叶强就第二届中国国际进口博览会上海交易团宝山分团投资交易所作的情况汇报",
    ]


def test_not_found_is_said_plainly(sample_assistant, combined_assistant):
    answer = sample_assistant.ask("上海的地铁票价是多少")
    # Still the closest passages, marked as related, never as evidence.
    assert not answer.found and 1 <= len(answer.citations) <= 3
    assert all(c.role == "related" for c in answer.citations)
    assert "没有" in answer.answer
    answer = combined_assistant.ask("海口市美兰区2023年第10次区政府常务会议审议了哪些文件？")
    assert not answer.found and "海口市" in answer.answer


def test_lookup_answer(sample_assistant):
    answer = sample_assistant.ask("吴政办纪﹝2025﹞36号")
    assert answer.found and answer.question_type == "lookup"
    assert "五届区政府第55次常务会议" in answer.answer and "2025年7月17日" in answer.answer


def test_follow_up(sample_assistant):
    answer = sample_assistant.ask("那吴中呢？", previous="姑苏区碳达峰方案何时审议")
    assert answer.interpreted_as == "吴中碳达峰方案何时审议"
    assert answer.found and answer.citations[0].region == "吴中区"


def test_json_contract(sample_assistant):
    data = sample_assistant.ask("姑苏区碳达峰方案何时审议").to_dict()
    assert {"question", "answer", "found", "question_type", "filters", "citations"} <= set(data)
    citation = data["citations"][0]
    for key in ("rank", "source", "title", "region", "meeting", "date", "item", "text", "sentence", "span", "score"):
        assert key in citation
    assert isinstance(citation["span"], list) and len(citation["span"]) == 2


# Hard-wrapped PDF text: sentences run across line ends (全区20|23年度).
WRAPPED = (
    "会上还分别听取了三份年度报告:区应急管理局所作的全区20\n23年度安全生产工作报告,区信访局所作的全区2023年度\n"
    "信访工作报告,市生态环境局雁塔分局所作的全区2023年度\n生态环境工作报告。区领导郭建荣、马惠民、王华出席\n"
    "会议,区政府办主任、区财政局局长、区司法局局长,区政府办\n副主任、区政府督查专员列席会议,区政府法律顾问列席会\n议。"
)


@pytest.mark.parametrize(
    ("text", "count"),
    [("会议强调，要抓落实。要重实效；要守底线！", 3), ("第一行没有句号\n（二）第二段。", 2), (WRAPPED, 2)],
)
def test_sentences(text, count):
    spans = sentences(text)
    assert len(spans) == count
    for start, end, _norm in spans:
        assert text[start:end].strip() == text[start:end]


def test_display_joins_wrapped_lines():
    assert display("全区20\n23年度工作\n— 1 —\n报告。**要**") == "全区2023年度工作报告。要"
    assert display("會(huì)議") == "會議"


def test_quotes_drop_seo_spam_but_spans_keep_the_original(sample_assistant):
    answer = sample_assistant.ask("吴中区哪次会议审议了森林消防队伍建设实施方案？")
    assert "新万博" not in answer.answer
    assert "新万博" in answer.citations[0].sentence  # the exact original span, for checking
    check_citations(sample_assistant, answer)


def test_attendance_and_issue_date_come_from_the_metadata(sample_assistant):
    answer = sample_assistant.ask("太仓市第29次常务会议有哪些人出席")
    assert answer.found and answer.question_type == "attendance"
    assert "出席6人：郑丙华、王莉萍" in answer.answer and "列席76人" in answer.answer
    answer = sample_assistant.ask("太仓市第29次常务会议的纪要是哪天印发的")
    assert "2023年8月6日印发" in answer.answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("主持龙华区二届一三一次常务会议的是谁", "雷卫华"),
        ("龙华区那次常务会议是哪位领导主持的", "雷卫华"),
        ("疏勒县第23次常务会议的召开时间", "2022年9月1日"),
        ("湘潭市第68次常务会议召开日期", "2026年1月12日"),
        ("历下区第42次常务会议在哪里开的", "区长会议室"),
    ],
)
def test_paraphrased_meeting_questions(combined_assistant, question, expected):
    answer = combined_assistant.ask(question)
    assert answer.found and expected in answer.answer, answer.answer


def test_an_agenda_question_cites_what_the_overview_lists(combined_assistant):
    answer = combined_assistant.ask("萧山区十六届第六次常务会议审议通过了哪些材料")
    assert answer.found and "下列材料" in answer.citations[0].sentence.replace("進", "进")
