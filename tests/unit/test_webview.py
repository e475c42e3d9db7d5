"""What the web page shows, without a browser or an index: qa/webview.py, qa/webexport.py and
the plain helpers of qa/web.py (filters, dates, access, progress)."""

from __future__ import annotations

import html
import re

import pytest
from conftest import ROOT

from qa.minutes import parse_source
from qa.sources import read_source
from qa.web import (
    Progress,
    UserError,
    WebAssistant,
    _iso_date,
    access_warning,
    filter_notices,
    is_loopback,
    topic_terms,
)
from qa.webexport import export_turn, with_roles
from qa.webview import (
    answer_text,
    citation_role,
    citation_text,
    citation_view,
    cn_date,
    render_cards,
    render_chat,
    url_query,
    visible,
)

SPAM_FILE = ROOT / "data" / "minutes" / "001_40573cf00690dfd2.txt"


def document_of(name: str, text: str) -> dict:
    """A document dict as the index reader returns it, parsed by the real parser."""
    meeting = parse_source(read_source(name, text.encode("utf-8")))
    return {"doc_id": name, "source": name, "text": text, "format": "txt", "meeting": meeting.to_dict()}


def citation_for(document: dict, sentence: str, rank: int = 1, **extra) -> dict:
    """A citation of ``sentence`` (its exact span in the original), as qa.answer makes them."""
    text = document["text"]
    start = text.index(sentence)
    item = next(i for i in document["meeting"]["items"] if i["start"] <= start < i["end"] and i["kind"] != "overview")
    return {
        "rank": rank,
        "source": document["source"],
        "title": None,
        "region": document["meeting"].get("region"),
        "meeting": document["meeting"].get("meeting"),
        "date": document["meeting"].get("date"),
        "item": item["heading"],
        "text": text[item["start"] : item["end"]],
        "sentence": sentence,
        "span": [start, start + len(sentence)],
        "score": 1.0,
        "doc_id": document["doc_id"],
        "meeting_number": document["meeting"].get("meeting_number"),
        **extra,
    }


HOSTILE = (
    "吴中区人民政府第12次常务会议纪要\n2024年5月6日，区长张三主持召开区政府第12次常务会议。\n"
    "一、审议《政务外网统一认证平台建设方案》\n"
    "会议要求各单位登录[政务外网统一认证平台](https://evil.example/login)完成认证，**限期**完成$$x^2$$。\n"
)


def test_quotes_are_the_source_characters_never_markdown_or_latex():
    document = document_of("hostile.txt", HOSTILE)
    sentence = "会议要求各单位登录[政务外网统一认证平台](https://evil.example/login)完成认证，**限期**完成$$x^2$$。"
    citation = citation_for(document, sentence)
    citation["view"] = citation_view(document, citation)
    turn = {"question": "认证平台", "answer": f"{sentence}[1]", "found": True, "citations": [citation]}
    page = render_chat([turn]) + render_cards(turn, 1)
    # No link to the address, no <strong>, no maths: the quote is HTML text of the same characters.
    assert not re.search(r"<a\b(?![^>]*qa-ref)", page)
    assert "<strong" not in page and "katex" not in page
    marks = re.findall(r'<mark class="qa-hl">(.*?)</mark>', page)
    assert html.unescape(marks[0]) == sentence
    assert html.escape(sentence, quote=True) in page


def test_headings_and_excerpts_leave_out_spam_but_spans_stay_exact():
    text = SPAM_FILE.read_text(encoding="utf-8")
    assert "新万博" in text
    document = document_of(SPAM_FILE.name, text)
    shown = visible(text)
    assert "新万博" not in shown and "劲爆体育" not in shown
    sentence = next(s for s in re.findall(r"会议审议了[^。]*森林消防[^。]*。", text))
    citation = citation_for(document, sentence)
    view = citation_view(document, citation)
    assert "新万博" not in view["heading"] + view["quote"] + view["lead"] + view["tail"] + view["full_after"]
    assert view["heading"].startswith("会议审议了《森林消防队伍建设实施方案》")
    # The citation itself is untouched: its span still holds the original sentence, spam included.
    start, end = citation["span"]
    assert text[start:end] == citation["sentence"] and "新万博" in citation["sentence"]


def test_cited_and_related_cards_are_apart():
    document = document_of("hostile.txt", HOSTILE)
    cited = citation_for(document, "一、审议《政务外网统一认证平台建设方案》", rank=1)
    other = citation_for(document, "完成认证，", rank=2)
    for c in (cited, other):
        c["view"] = citation_view(document, c)
    turn = {"question": "q", "answer": "答案。[1]", "found": True, "citations": [cited, other]}
    assert [citation_role(c, turn) for c in turn["citations"]] == ["evidence", "related"]
    cards = render_cards(turn, 1)
    evidence, related = cards.split("其他相关纪要（1）")
    assert "答案依据" in evidence and 'id="qa-card-1"' in evidence and "qa-hl" in evidence
    assert 'id="qa-card-2"' in related and "qa-hl" not in related  # no "supporting" sentence
    chat = render_chat([turn])
    assert '<a class="qa-ref" href="#qa-card-1" data-ref="1"' in chat  # [n] links to its card
    # Nothing found: every card is only possibly related, under its own heading.
    lost = {**turn, "found": False}
    assert "可能相关的纪要" in render_cards(lost, 1) and "qa-hl" not in render_cards(lost, 1)
    # The lead's role field, when present, decides.
    assert citation_role({**other, "role": "evidence"}, turn) == "evidence"


def test_copy_texts_dates_and_the_address():
    document = document_of("hostile.txt", HOSTILE)
    citation = citation_for(document, "一、审议《政务外网统一认证平台建设方案》", doc_number="吴政发〔2024〕3号")
    citation["view"] = citation_view(document, citation)
    turn = {"question": "认证平台何时审议", "answer": "2024年5月6日审议。[1]", "found": True, "citations": [citation]}
    text = answer_text(turn)
    assert text.startswith("问：认证平台何时审议\n答：2024年5月6日审议。[1]")
    assert "出处：\n[1] " in text and "2024年5月6日" in text and "文号：吴政发〔2024〕3号" in text
    assert "出处见引用卡片" not in text
    assert "“一、审议《政务外网统一认证平台建设方案》”" in citation_text(citation)
    assert cn_date(None, "08-15") == "8月15日（原文未注明年份）"
    assert cn_date("2024-12-13") == "2024年12月13日"
    turn["ui"] = {"regions": ["吴中区"], "from": "2024-01-01", "to": ""}
    from urllib.parse import parse_qs

    assert parse_qs(url_query(turn)[1:]) == {"q": ["认证平台何时审议"], "region": ["吴中区"], "from": ["2024-01-01"]}


def test_export_rows_quote_the_original_at_the_spans(tmp_path):
    from qa.export import read_csv, read_docx_citations

    text = SPAM_FILE.read_text(encoding="utf-8")
    document = document_of(SPAM_FILE.name, text)
    sentences = re.findall(r"会议审议了[^。]*。", text)[:3]
    citations = [citation_for(document, s, rank=n + 1) for n, s in enumerate(sentences)]
    for c in citations:
        c["view"] = citation_view(document, c)
    # [3] is not cited by the answer: only possibly related, not exported as a source.
    turn = {"question": "哪些会议审议了方案？", "answer": "[1][2]", "found": True, "citations": citations}
    assert [c["role"] for c in with_roles(turn)["citations"]] == ["evidence", "evidence", "related"]
    assert "view" not in with_roles(turn)["citations"][0]
    csv_path, docx_path = export_turn(turn, tmp_path)
    table = read_csv(csv_path.read_bytes())
    assert [row["sentence"] for row in table] == sentences[:2]
    for row in table:
        start, end = (int(x) for x in row["span"].split("-"))
        assert row["sentence"] == text[start:end]
    assert [row["sentence"] for row in read_docx_citations(docx_path.read_bytes())] == sentences[:2]


def test_filter_and_question_disagreement_is_said():
    known = ["吴中区", "太仓市", "姑苏区"]
    assert filter_notices("姑苏区碳达峰方案何时审议", ["吴中区"], known) == [
        "问题中的“姑苏区”不在筛选范围（吴中区）内：答案只在筛选范围内查找。"
    ]
    assert filter_notices("太仓营商环境方案", ["吴中区"], known)[0].startswith("问题中的“太仓”")
    assert filter_notices("吴中区碳达峰方案", ["吴中区"], known) == []
    assert filter_notices("姑苏区碳达峰方案", [], known) == []
    assert "2023年" in filter_notices("2023年审议了什么", [], known, "2024-01-01", None)[0]


def test_typed_dates_are_understood_or_refused():
    assert _iso_date("2024年12月1日", "起始日期") == "2024-12-01"
    assert _iso_date("2024/12/1", "起始日期") == "2024-12-01"
    assert _iso_date("2024.12.01", "起始日期") == "2024-12-01"
    assert _iso_date("20241201", "起始日期") == "2024-12-01"
    assert _iso_date("二〇二四年十二月一日", "起始日期") == "2024-12-01"
    with pytest.raises(UserError, match="起始日期「明年」不是有效的日期"):
        _iso_date("明年", "起始日期")
    with pytest.raises(UserError, match="不是有效的日期"):
        _iso_date("2024-02-30", "截止日期")


def test_follow_up_topic_words():
    assert topic_terms("太仓养老服务工作怎么安排", ["太仓市"]) == ["养老", "服务"]
    assert topic_terms("太仓碳达峰方案何时审议", ["太仓市", "姑苏区"]) == ["碳达峰"]


def test_progress_estimates_the_time_left():
    progress = Progress(task="加入资料库", stage="计算向量", done=0, total=100)
    assert progress.seconds_left() is None and "约剩" not in progress.describe()
    progress.stage_started -= 10  # 10 s for the first 25 passages: 30 s for the other 75
    progress.done = 25
    assert 29 <= progress.seconds_left() <= 31
    assert progress.describe().startswith("加入资料库：计算向量 25/100，约剩 3")


def test_read_only_and_token_refuse_library_changes(tmp_path):
    from qa.config import Settings

    base = Settings(index=tmp_path / "index", source=tmp_path / "none", cache_dir=tmp_path / "cache")
    WebAssistant(base).authorize(None)  # the default: a loopback server, anyone on it may change
    with pytest.raises(UserError, match="只读模式"):
        WebAssistant(base.with_overrides(read_only=True)).authorize("x")
    guarded = WebAssistant(base.with_overrides(admin_token="s3cret"))
    with pytest.raises(UserError, match="需要管理口令"):
        guarded.authorize("")
    with pytest.raises(UserError, match="需要管理口令"):
        guarded.authorize("wrong")
    guarded.authorize("s3cret")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert "anyone who can reach" in access_warning(base, "0.0.0.0", 7860)
    assert access_warning(base, "127.0.0.1", 7860) is None
    assert access_warning(base.with_overrides(read_only=True), "0.0.0.0", 7860) is None
    assert access_warning(base.with_overrides(admin_token="t"), "0.0.0.0", 7860) is None


def test_parser_notes_and_file_errors_in_chinese():
    from qa.webview import zh_message

    assert zh_message("not a PDF (missing %PDF header)") == "不是 PDF 文件（缺少 %PDF 文件头）"
    assert zh_message("empty file") == "空文件"
    assert zh_message("chair not found") == "未找到主持人"
    assert zh_message("date: completed from publication date 2024-05-06") == "日期：年份按发布日期 2024-05-06 补全"
    assert zh_message("corrected by hand: chair, date") == "已人工更正：主持、日期"
    assert zh_message("something new") == "something new"  # unknown: shown, not hidden


def test_corrections_read_from_the_edited_preview(tmp_path):
    from qa.config import Settings

    core = WebAssistant(Settings(index=tmp_path / "index", source=tmp_path, cache_dir=tmp_path / "cache"))
    parsed = [
        ["a.txt", "霍城县", "常务会议", "7", "2023-11-27", "张三", 5, "✓ 可以加入"],
        ["b.pdf", "", "", "", "", "", 0, "✗ 无法读取，不会加入：空文件"],
    ]
    edited = [["a.txt", "霍城县", "常务会议", "第八次", "2023年11月28日", "王五", 5, "✓ 可以加入"], parsed[1]]
    assert core.corrections_from(parsed, edited) == {
        "a.txt": {"meeting_number": 8, "date": "2023-11-28", "chair": "王五"}
    }
    assert core.corrections_from(parsed, parsed) == {}
    with pytest.raises(UserError, match=r"a\.txt 的日期「明天」不是有效的日期"):
        core.corrections_from(parsed, [["a.txt", "霍城县", "常务会议", "7", "明天", "张三", 5, "✓"]])
    with pytest.raises(UserError, match=r"a\.txt 的会议次数「x」不是数字"):
        core.corrections_from(parsed, [["a.txt", "霍城县", "常务会议", "x", "2023-11-27", "张三", 5, "✓"]])
