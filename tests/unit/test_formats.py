"""OFD, Word 97 .doc, WPS, RTF and ODT: read like the other formats, and bad files get one line each."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from clirun import run_qa
from conftest import sample
from formats_fixtures import office_files, soffice_available, text_ofd

from qa.minutes import parse_file, parse_source, parse_text
from qa.ofd import close_letter_spacing
from qa.sources import SourceError, read_source

FIELDS = ("date", "meeting_number", "meeting", "chair", "doc_number", "region")


def _same_text(got: str, expected: str) -> bool:
    return re.sub(r"\s+", "", got) == re.sub(r"\s+", "", expected)


# ---- OFD --------------------------------------------------------------------------------------


def test_letter_spacing_closes_between_digits_and_chinese_only():
    assert close_letter_spacing("2 0 2 5 年7 月1 7 日，第5 5 次") == "2025年7月17日，第55次"
    assert close_letter_spacing("“ 六化” 建设") == "“六化”建设"
    # Column gaps (three spaces) and spaces next to Latin words are layout, not letter-spacing.
    assert close_letter_spacing("吴政办纪﹝2025﹞36号   苏州市") == "吴政办纪﹝2025﹞36号   苏州市"
    assert close_letter_spacing("PPP 项目 and GDP") == "PPP 项目 and GDP"


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_ofd_with_template_and_one_object_per_character(tmp_path, prefix):
    import ofdkit

    text = sample(prefix).read_text(encoding="utf-8")
    path = tmp_path / "minutes.ofd"
    path.write_bytes(text_ofd("苏州市人民政府办公室", text))
    # The fixture is what the fix is for: ofdkit's own layout spaces the digits of the date out.
    assert re.search(r"2 0 2 [35] 年", ofdkit.extract_text(path.read_bytes()))
    source = read_source(path)
    assert source.format == "ofd" and not source.ocr_lines
    # Template text (the red header) is read once, before the body, not on every page.
    assert source.text.startswith("苏州市人民政府办公室") and source.text.count("苏州市人民政府办公室") == 1
    assert _same_text(source.text.replace("苏州市人民政府办公室", "", 1), text)
    meeting, expected = parse_source(source), parse_text(text)
    for name in FIELDS:
        assert getattr(meeting, name) == getattr(expected, name), name
    # Headings as far as the first line of a wrapped heading goes (where a heading ends on a
    # wrapped line is the parser's concern, the same for PDF).
    assert [item.heading[:12] for item in meeting.items] == [item.heading[:12] for item in expected.items]


def test_short_ofd_page_keeps_its_text_objects(tmp_path):
    from formats_fixtures import _char_object, _ofd_package, _page_xml

    # A last page holding only the date: few characters, but text objects, so not a scan for OCR.
    page = _page_xml([_char_object(1 + i, ch, 30 + i * 4.2, 50, 4.2) for i, ch in enumerate("2023年8月6日")])
    source = read_source(tmp_path / "short.ofd", _ofd_package([page]))
    assert source.text == "2023年8月6日" and not source.ocr_lines and not source.warnings


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"just some bytes, not a package", "not an OFD file"),
        (_zip({"hello.txt": "x"}), "OFD.xml is missing"),
        (_zip({"OFD.xml": "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'><ofd:DocBody>"}), "corrupt OFD"),
    ],
)
def test_bad_ofd_is_one_line(tmp_path, data, reason):
    path = tmp_path / "bad.ofd"
    path.write_bytes(data)
    with pytest.raises(SourceError) as err:
        read_source(path)
    assert reason in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def test_truncated_ofd_is_one_line(tmp_path):
    path = tmp_path / "cut.ofd"
    path.write_bytes(text_ofd("苏州市人民政府办公室", sample("000").read_text(encoding="utf-8"))[:1500])
    with pytest.raises(SourceError) as err:
        read_source(path)
    assert "OFD" in str(err.value) and "\n" not in str(err.value)


# ---- Word 97, WPS, RTF, ODT (LibreOffice) -------------------------------------------------------

needs_soffice = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """.doc, .rtf and .odt of sample 003 written by LibreOffice; the .doc bytes also as a .wps (Kingsoft
    WPS Writer saves Word-97-compatible files)."""
    text = sample("003").read_text(encoding="utf-8").strip()
    folder = tmp_path_factory.mktemp("office")
    files = office_files(text, folder, {".doc": "MS Word 97", ".rtf": "Rich Text Format", ".odt": "writer8"})
    wps = folder / "minutes.wps"
    wps.write_bytes(files[".doc"].read_bytes())
    return text, {**files, ".wps": wps}


@needs_soffice
@pytest.mark.parametrize("suffix", [".doc", ".rtf", ".wps", ".odt"])
def test_office_formats_read_like_the_original(office, suffix):
    text, files = office
    source = read_source(files[suffix])
    assert source.format == suffix[1:]
    assert _same_text(source.text, text)
    meeting, expected = parse_source(source), parse_text(text)
    for name in FIELDS:
        assert getattr(meeting, name) == getattr(expected, name), name
    assert len(meeting.items) == len(expected.items)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("old.doc", b"x" * 600, "not a Word 97 document"),
        ("old.wps", b"\x00\x01junk" * 100, "not a WPS document"),
        ("cut.rtf", b"{\\rtf1 broken", "rtf"),
        ("bad.odt", _zip({"mimetype": "application/zip"}), "not an ODF text document"),
    ],
)
def test_bad_office_files_are_one_line(tmp_path, name, data, reason):
    if name == "cut.rtf" and not soffice_available():
        pytest.skip("LibreOffice is not installed")
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SourceError) as err:
        read_source(path)
    assert reason in str(err.value) and "\n" not in str(err.value)


@needs_soffice
def test_missing_converter_names_the_package(office, monkeypatch, tmp_path):
    _, files = office
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on PATH
    with pytest.raises(SourceError) as err:
        read_source(files[".doc"])
    assert "LibreOffice" in str(err.value) and "libreoffice-writer-nogui" in str(err.value)


@needs_soffice
def test_batch_of_new_formats_goes_on_after_bad_files(office, tmp_path):
    _, files = office
    bad = {
        "bad.ofd": b"PK\x03\x04 not really",
        "bad.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        "bad.rtf": b"plain text renamed",
        "bad.odt": b"nope",
        "bad.wps": b"",
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    good_ofd = tmp_path / "good.ofd"
    good_ofd.write_bytes(text_ofd("太仓市人民政府办公室", sample("004").read_text(encoding="utf-8")))
    args = [str(tmp_path / n) for n in bad] + [str(files[".doc"]), str(good_ofd)]
    result = run_qa("parse", "--json", *args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(bad), result.stderr
    assert all(line.startswith("qa: ") and "bad." in line for line in lines)
    assert "Traceback" not in result.stderr
    parsed = json.loads(result.stdout)
    assert [d["meeting_number"] for d in parsed] == [parse_file(sample("003")).meeting_number, 29]
