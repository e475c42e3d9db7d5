"""qa.sources: encodings, HTML/DOCX/PDF extraction and every kind of bad input."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import EXTERNAL, sample

from qa.sources import SUPPORTED_SUFFIXES, SourceError, decode_text, iter_source_files, read_source

TEXT = "2024年12月13日下午，区政府第39次常务会议召开，区长陈羔主持会议。会议审议了《碳达峰实施方案》。"


def test_utf8_with_and_without_bom(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_bytes(TEXT.encode("utf-8"))
    bom = tmp_path / "b.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    assert read_source(plain).text == TEXT
    source = read_source(bom)
    assert source.text == TEXT and source.encoding == "utf-8-sig"


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "gb2312"])
def test_gb_family_is_detected_not_assumed(tmp_path, encoding):
    path = tmp_path / "gb.txt"
    path.write_bytes(TEXT.encode(encoding))
    source = read_source(path)
    assert source.text == TEXT
    assert source.encoding == "gb18030"


def test_shipped_gb18030_and_bom_files():
    assert "市四届人民政府第9次常务会议" in read_source(EXTERNAL / "ext_004.txt").text  # GB18030
    text = read_source(EXTERNAL / "ext_010.txt").text  # UTF-8 with BOM
    assert not text.startswith("\ufeff") and text.startswith("5月21日下午")


def test_html_keeps_article_drops_furniture():
    source = read_source(EXTERNAL / "ext_002.html")
    assert source.format == "html"
    assert "区长范少军主持召开区政府第89次常务会议" in source.text
    assert "会议还研究了其他事项" in source.text
    for furniture in ("网站标识码", "ICP备", "首页", "分享到", "更多常务会议", "_hmt"):
        assert furniture not in source.text
    # The site name survives as a hint for metadata.
    assert any("宝山区人民政府门户网站" in hint for hint in source.hints)


def test_html_declared_gb2312_charset():
    source = read_source(EXTERNAL / "ext_008.html")
    assert source.encoding == "gb18030"
    assert "陈禺县长主持会议" in source.text


def test_docx_and_pdf_text_layers():
    docx_text = read_source(EXTERNAL / "ext_025.docx").text
    assert "台儿庄区政府第36次常务会议" in docx_text
    pdf = read_source(EXTERNAL / "ext_007.pdf")
    assert pdf.format == "pdf" and "第107次常务会议" in pdf.text


def test_iter_source_files_skips_other_types_and_hidden(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "INDEX.tsv").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(TEXT, encoding="utf-8")
    assert [p.name for p in iter_source_files(tmp_path)] == ["a.txt"]
    assert ".docx" in SUPPORTED_SUFFIXES


# ---- bad input: one clear reason, naming the file --------------------------------------------


def _error(path) -> str:
    with pytest.raises(SourceError) as info:
        read_source(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    return message


def test_empty_and_whitespace_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.md"
    blank.write_bytes(b" \n\t\n")
    assert "empty" in _error(empty)
    assert "empty" in _error(blank)


def test_binary_file(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert "binary" in _error(path)


def test_truncated_utf8(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(TEXT.encode("utf-8")[:-2])
    assert "truncated" in _error(path)


def test_undecodable_text(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes([0x81, 0x20, 0xFF, 0xFE, 0x80, 0x7F]) * 200)
    message = _error(path)
    assert any(word in message for word in ("undecodable", "binary", "garbled"))


def test_unsupported_type(tmp_path):
    path = tmp_path / "minutes.xls"
    path.write_bytes(b"old word file")
    assert "unsupported file type '.xls'" in _error(path)


def test_truncated_docx(tmp_path):
    path = tmp_path / "cut.docx"
    path.write_bytes((EXTERNAL / "ext_005.docx").read_bytes()[:3000])
    assert "docx" in _error(path)


def test_docx_that_is_a_zip_of_something_else(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    path = tmp_path / "fake.docx"
    path.write_bytes(buffer.getvalue())
    assert "corrupt .docx" in _error(path)


def test_truncated_and_fake_pdf(tmp_path):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes((EXTERNAL / "ext_007.pdf").read_bytes()[:2500])
    assert "PDF" in _error(cut)
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(TEXT.encode("utf-8"))
    assert "not a PDF" in _error(fake)


def test_pdf_without_text_layer(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    assert "no text layer" in _error(path)


def test_missing_file(tmp_path):
    assert "cannot read" in _error(tmp_path / "nope.txt")


def test_decode_text_reports_declared_bom_errors():
    with pytest.raises(SourceError):
        decode_text(b"\xef\xbb\xbf\xff\xfe\xfa", "x.txt")


def test_sample_file_reads():
    source = read_source(sample("000"))
    assert source.sha256 and len(source.sha256) == 64
