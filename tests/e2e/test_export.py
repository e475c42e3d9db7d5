"""Exports (qa/export.py, `qa ask --format`, `qa export`): files read back, every quote equals the original."""

from __future__ import annotations

import json

import pytest
from clirun import run_qa
from conftest import ROOT, sample

from qa.export import (
    ExportError,
    load_export_input,
    read_csv,
    read_docx_citations,
    rows_from_answer,
    to_csv,
    to_docx,
)


def _answer_from_document(meeting, roles: tuple[str | None, ...] = (None, None)) -> dict:
    """An answer dict citing the first items of a parsed meeting, each quoting its first line as it stands."""
    citations = []
    for rank, (item, role) in enumerate(zip(meeting.items, roles, strict=False), 1):
        # The item's first two lines exactly as they stand: a quote with a line break in it.
        start = item.start
        first = meeting.text.index("\n", start, item.end)
        end = meeting.text.find("\n", first + 1, item.end)
        end = end if end > first else item.end
        citation = {
            "rank": rank,
            "source": meeting.source,
            "region": meeting.region,
            "meeting": meeting.meeting,
            "date": meeting.date,
            "item": item.heading,
            "sentence": meeting.text[start:end],
            "span": [start, end],
            "doc_id": "x",
        }
        if role:
            citation["role"] = role
        citations.append(citation)
    return {"question": "测试问题", "answer": "回答第一行\n第二行[1]", "found": True, "citations": citations}


def test_rows_csv_and_docx_keep_quotes_exactly(parsed_samples):
    meeting = parsed_samples["000"]
    answer = _answer_from_document(meeting, roles=("related", "evidence", None))
    assert any("\n" in c["sentence"] for c in answer["citations"])  # a wrapped quote survives both formats
    answer["citations"][0]["url"] = "https://www.example.gov.cn/art/1.html"
    rows = rows_from_answer(answer, lookup=lambda doc_id: {"meeting": {"doc_number": meeting.doc_number}})
    assert [r["role"] for r in rows] == ["依据", "", "相关"]  # evidence first, related last
    assert all(r["doc_number"] == "吴政办纪﹝2025﹞36号" for r in rows)
    assert len(rows_from_answer(answer, evidence_only=True)) == 2

    data = to_csv([answer])
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    back = read_csv(data)
    docx_rows = read_docx_citations(to_docx([answer], title="导出"))
    assert len(back) == len(docx_rows) == 3
    for row in [*back, *docx_rows]:
        start, end = map(int, row["span"].split("-"))
        assert row["sentence"] == meeting.text[start:end]
        assert row["source"] == meeting.source
    assert back[0]["answer"] == answer["answer"]
    assert [r["url"] for r in docx_rows] == ["", "", "https://www.example.gov.cn/art/1.html"]  # the related one
    assert len(read_csv(to_csv([answer], evidence_only=True))) == 2


def test_an_answer_without_citations_is_one_row():
    answer = {"question": "火星基地何时建成", "answer": "没有找到。", "found": False, "citations": []}
    (row,) = read_csv(to_csv([answer]))
    assert row["question"] == "火星基地何时建成" and row["sentence"] == "" and row["answer"] == "没有找到。"
    assert read_docx_citations(to_docx([answer])) == []


def test_export_inputs(tmp_path):
    text = tmp_path / "q.txt"
    text.write_text("# 注释\n姑苏区碳达峰方案何时审议\n\n那太仓呢？\n", encoding="utf-8")
    assert load_export_input(text) == (["姑苏区碳达峰方案何时审议", "那太仓呢？"], [])
    questions, answers = load_export_input(ROOT / "data" / "eval" / "dev_questions.jsonl")
    assert len(questions) > 10 and not answers
    conversation = tmp_path / "c.json"
    turn = {"question": "问", "answer": "答", "citations": []}
    conversation.write_text(json.dumps([turn, {**turn, "question": "再问"}], ensure_ascii=False), encoding="utf-8")
    assert load_export_input(conversation) == ([], [turn, {**turn, "question": "再问"}])
    conversation.write_text(json.dumps({"turns": [turn]}), encoding="utf-8")
    assert load_export_input(conversation)[1] == [turn]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "empty file"),
        ('{"question": "a"}\n{"q"\n', "line 2: not JSON"),
        ('[{"answer": "x"}]', "entry 1 has no 'question'"),
        ('{"id": 1}\n{"id": 2}\n', "line 1 has no 'question'"),
        ("[1, 2]", "entry 1 is not an object"),
    ],
)
def test_bad_export_inputs_name_file_and_reason(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExportError, match=reason) as info:
        load_export_input(path)
    assert str(path) in str(info.value)


def test_cli_export_bad_input_is_one_line(tmp_path):
    result = run_qa("export", str(tmp_path / "missing.txt"), "--output", str(tmp_path / "out.csv"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "missing.txt" in result.stderr
    result = run_qa("export", str(sample("000")), "--output", str(tmp_path / "out.pdf"))
    assert result.returncode == 2 and "--format" in result.stderr


# ---- over a real index ---------------------------------------------------------------------------


def _check_against_index(rows: list[dict], reader) -> int:
    checked = 0
    for row in rows:
        if not row["sentence"]:
            continue
        document = next(d for d in reader.documents() if d["source"] == row["source"])
        text = reader.document(document["doc_id"])["text"]
        start, end = map(int, row["span"].split("-"))
        assert row["sentence"] == text[start:end]
        checked += 1
    return checked


@pytest.mark.slow
def test_cli_ask_format_csv_and_docx(sample_index, sample_assistant, tmp_path):
    question = "哪些会议研究了防汛工作"
    result = run_qa("ask", question, "--index", str(sample_index), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = read_csv(result.stdout.encode("utf-8"))
    expected = sample_assistant.ask(question)
    assert expected.question_type == "list" and len(rows) == len(expected.citations) >= 2
    assert _check_against_index(rows, sample_assistant.reader) == len(rows)
    assert {r["doc_number"] for r in rows} >= {"吴政办纪﹝2025﹞36号"}  # 文号 from the index

    out = tmp_path / "a.docx"
    result = run_qa("ask", question, "--index", str(sample_index), "--format", "docx", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert _check_against_index(read_docx_citations(out.read_bytes()), sample_assistant.reader) == len(rows)


@pytest.mark.slow
def test_cli_export_question_file_and_conversation(sample_index, sample_assistant, tmp_path):
    questions = tmp_path / "questions.txt"
    asked = ["2024年有哪些常务会议", "吴中区暑期安全要加强哪些场所的隐患排查", "火星基地何时建成"]
    questions.write_text("\n".join(asked) + "\n", encoding="utf-8")
    out = tmp_path / "report.docx"
    result = run_qa("export", str(questions), "--index", str(sample_index), "--output", str(out))
    assert result.returncode == 0, result.stderr
    rows = read_docx_citations(out.read_bytes())
    assert len(rows) >= 6 and _check_against_index(rows, sample_assistant.reader) == len(rows)

    conversation = tmp_path / "conversation.json"
    turns = [sample_assistant.ask(q).to_dict() for q in ("姑苏区碳达峰方案何时审议", "哪些会议研究了防汛工作")]
    conversation.write_text(json.dumps(turns, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "conversation.csv"
    result = run_qa("export", str(conversation), "--format", "csv", "--output", str(out))
    assert result.returncode == 0, result.stderr
    rows = read_csv(out.read_bytes())
    assert [r["question"] for r in rows] == [t["question"] for t in turns for _ in t["citations"]]
    assert _check_against_index(rows, sample_assistant.reader) == len(rows)
