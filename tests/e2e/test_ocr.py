"""Scanned minutes: image-only PDFs and OFD pages drawn as outlines or images, read by OCR.

OCR takes seconds per page on a shared CPU, so these tests read one page each, are marked slow, and
use the session's cache folder (``QA_CACHE_DIR``): a second run reads the cached lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, sample
from formats_fixtures import (
    character_accuracy,
    first_paragraphs,
    image_ofd,
    image_pdf,
    outline_ofd,
    render_page,
)

from qa import ocr
from qa.chunks import chunk_meeting
from qa.config import default_cache_dir
from qa.minutes import parse_source, parse_text
from qa.sources import SourceError, needs_ocr, read_source

pytestmark = pytest.mark.skipif(not ocr.available(), reason="the 'ocr' extra is not installed")


def test_span_confidence_weights_lines_by_overlap():
    spans = [(0, 10, 0.9), (11, 21, 0.5)]
    assert ocr.span_confidence(spans, 0, 10) == 0.9
    assert ocr.span_confidence(spans, 5, 16) == 0.7
    assert ocr.span_confidence(spans, 30, 40) is None
    assert ocr.ocr_note(0.934) == "OCR识别，置信度 0.93"
    assert ocr.ocr_note(None) is None


def test_reading_order_joins_a_row_split_by_the_detector():
    lines = [
        ocr.OcrLine("第二行", 0.9, (10, 60, 100, 90)),
        ocr.OcrLine("苏州市人民政府办公室", 0.8, (400, 12, 700, 42)),
        ocr.OcrLine("吴政办纪﹝2025﹞36号", 1.0, (10, 10, 300, 40)),
    ]
    ordered = ocr.reading_order(lines)
    assert [line.text for line in ordered] == ["吴政办纪﹝2025﹞36号   苏州市人民政府办公室", "第二行"]


def test_garbage_or_empty_text_layers_need_ocr():
    assert needs_ocr("") and needs_ocr("- 3 -") and needs_ocr("\ue000\ue001" * 40)
    assert not needs_ocr(sample("000").read_text(encoding="utf-8")[:400])


@pytest.fixture(scope="module")
def scanned_page():
    """The first page of sample 003 (header, date, meeting number, chair, first items) as an image."""
    text = first_paragraphs(sample("003").read_text(encoding="utf-8"), 1050)
    return text, render_page(text)


@pytest.mark.slow
def test_image_only_pdf_parses_like_its_text(tmp_path, scanned_page):
    text, page = scanned_page
    path = image_pdf(tmp_path / "scan.pdf", [page])
    seen: list[tuple[int, int]] = []
    options = ocr.OcrOptions(
        cache_dir=default_cache_dir(), progress=lambda name, done, total: seen.append((done, total))
    )
    source = read_source(path, ocr=options)
    assert seen in ([], [(0, 1), (1, 1)])  # progress per page, or nothing at all when cached
    assert character_accuracy(text, source.text) >= 0.98
    meeting, expected = parse_source(source), parse_text(text)
    assert (meeting.date, meeting.meeting_number, meeting.chair) == (
        expected.date,
        expected.meeting_number,
        expected.chair,
    )
    assert meeting.date == "2023-08-18" and meeting.meeting_number == 17 and meeting.chair == "陈羔"
    assert any(w.startswith("OCR识别 1 of 1 pages") for w in meeting.warnings)
    # Every chunk is marked as OCR'd text with the confidence of its lines.
    chunks = chunk_meeting(meeting, "scan.pdf")
    assert chunks and all(c.ocr_confidence is not None and 0.8 <= c.ocr_confidence <= 1 for c in chunks)
    assert ocr.ocr_note(chunks[1].ocr_confidence) == f"OCR识别，置信度 {chunks[1].ocr_confidence:.2f}"

    # The same bytes under another name: read from the cache, no OCR, same text.
    again = tmp_path / "copy.pdf"
    again.write_bytes(path.read_bytes())
    seen.clear()
    started = time.perf_counter()
    cached = read_source(again, ocr=options)
    assert seen == [] and cached.text == source.text and cached.ocr_lines == source.ocr_lines
    assert time.perf_counter() - started < 5


@pytest.mark.slow
def test_progress_per_page_and_cache_in_the_given_folder(tmp_path):
    # Two small pages of two lines each, OCR'd into a fresh cache folder.
    lines = ["2023年8月18日上午召开第17次常务会议。", "陈羔同志主持会议。"]
    pages = [render_page("\n".join(lines), size=(900, 260), width=24) for _ in range(2)]
    path = image_pdf(tmp_path / "two.pdf", pages)
    seen: list[tuple[int, int]] = []
    # Small pages need no upscaling before detection (RapidOCR's default scales the short side to 736 px).
    fast = {"Det.limit_type": "max", "Det.limit_side_len": 960}
    options = ocr.OcrOptions(tmp_path / "cache", lambda name, done, total: seen.append((done, total)), fast)
    first = read_source(path, ocr=options)
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert len(list((tmp_path / "cache" / "ocr").glob("*.json"))) == 1
    assert first.text.count("陈羔同志主持会议") == 2
    seen.clear()
    assert read_source(path, ocr=options).text == first.text and seen == []


@pytest.mark.slow
@pytest.mark.parametrize("make", [outline_ofd, image_ofd], ids=["outlines", "image"])
def test_ofd_without_text_objects_falls_through_to_ocr(tmp_path, make):
    text = first_paragraphs(sample("003").read_text(encoding="utf-8"), 330)  # header and opening
    path = tmp_path / "scan.ofd"
    path.write_bytes(make(render_page(text, size=(1240, 800))))
    source = read_source(path)
    assert source.format == "ofd" and source.ocr_lines
    assert character_accuracy(text, source.text) >= 0.95
    meeting = parse_source(source)
    assert (meeting.date, meeting.meeting_number, meeting.chair) == ("2023-08-18", 17, "陈羔")
    assert all(c.ocr_confidence for c in chunk_meeting(meeting, "scan.ofd"))


def test_scan_without_the_extra_names_it(tmp_path, scanned_page):
    # A process where the OCR packages cannot be imported, as on an install without '.[ocr]'.
    path = image_pdf(tmp_path / "scan.pdf", [scanned_page[1].resize((300, 420))])
    code = (
        "import sys\n"
        "for name in ('rapidocr', 'onnxruntime', 'pypdfium2'): sys.modules[name] = None\n"
        "from qa.sources import read_source, SourceError\n"
        f"try: read_source({str(path)!r})\n"
        "except SourceError as err: print(err)\n"
    )
    env = {**os.environ, "QA_CACHE_DIR": str(tmp_path / "empty-cache")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )
    assert result.stdout.strip() == f"{path}: PDF has no text layer (scanned image?): OCR is not installed " + (
        "(needs the 'ocr' extra: pip install -e '.[ocr]')"
    ), result.stderr


def test_damaged_scan_is_one_line(tmp_path, scanned_page):
    path = image_pdf(tmp_path / "scan.pdf", [scanned_page[1].resize((300, 420))])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(path.read_bytes()[:-2000] + b"%%EOF")
    with pytest.raises(SourceError) as err:
        read_source(cut, ocr=ocr.OcrOptions(cache_dir=tmp_path))
    assert str(cut) in str(err.value) and "\n" not in str(err.value)


def test_cache_path_depends_on_content_and_engine(tmp_path):
    cache = ocr.PageCache(tmp_path, "ab" * 32)
    cache.put(0, [ocr.OcrLine("会议", 0.9, (0, 0, 1, 1))])
    assert cache.path == tmp_path / "ocr" / f"{'ab' * 32}-{ocr.ENGINE_TAG}.json"
    assert ocr.PageCache(tmp_path, "ab" * 32).get(0)[0].text == "会议"
    cache.path.write_text("{broken", encoding="utf-8")
    assert ocr.PageCache(tmp_path, "ab" * 32).get(0) is None
    assert Path(cache.path).parent.name == "ocr"


@pytest.mark.slow
def test_ocr_confidence_is_kept_in_the_index(tmp_path, scanned_page):
    from conftest import settings_for

    from qa.api import build_index, open_reader

    source = tmp_path / "source"
    source.mkdir()
    image_pdf(source / "scan.pdf", [scanned_page[1]])  # same bytes as above: OCR from the cache
    (source / "typed.txt").write_text(sample("004").read_text(encoding="utf-8"), encoding="utf-8")
    report = build_index(settings_for(tmp_path / "index", source), show_progress=False)
    assert not report.errors
    reader = open_reader(settings_for(tmp_path / "index"))
    try:
        chunks = reader.chunks([int(c) for c in reader.meta.cids])
        by_doc = {c.doc_id: c.ocr_confidence for c in chunks}
        assert by_doc["typed.txt"] is None and 0.8 <= by_doc["scan.pdf"] <= 1.0
        listed = {d["doc_id"]: d for d in reader.documents()}
        assert any(w.startswith("OCR识别") for w in listed["scan.pdf"]["warnings"])
    finally:
        reader.close()


@pytest.mark.slow
def test_index_writes_report_ocr_pages_to_their_progress_callback(tmp_path, monkeypatch):
    from conftest import settings_for

    from qa.api import embedder_for, open_writer

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))  # OCR cache empty: the page is OCR'd
    source = tmp_path / "source"
    source.mkdir()
    lines = "2023年8月18日上午召开第17次常务会议。\n陈羔同志主持会议。"
    image_pdf(source / "short.pdf", [render_page(lines, size=(900, 260), width=24)])
    stages: list[tuple] = []
    settings = settings_for(tmp_path / "index", source)
    writer = open_writer(
        settings, embedder_for(settings), show_progress=False, progress=lambda *stage: stages.append(stage)
    )
    report = writer.build(source)
    assert not report.errors
    assert ("OCR short.pdf", 0, 1) in stages and ("OCR short.pdf", 1, 1) in stages
