"""Text → Meeting: the parser's entry points (``parse_file``, ``parse_meetings``, ``parse_text`` …).

Handles the layouts minutes come in: formal 纪要 with 一、/（一）/1. items; news reports where each
«会议听取/审议/研究/强调…» paragraph is a matter; labelled blocks (会议时间/会议议题/会议内容);
«图文回放» timelines; monthly chronicles where one entry is the executive meeting. Attendance and
distribution lists become metadata, not agenda items.

The steps, each in its module under :mod:`qa.parse`:

1. ``reports``: a page → the meeting reports it carries (several on some news pages);
2. ``layout``: a report's paragraphs → opening sentence, header, body, tail;
3. ``metadata``: the meeting's facts (date, number, chair, region, 文号 …);
4. ``attendance``: the 出席 / 列席 / 分送 lists;
5. ``items``: the agenda items and their sub-items.

The result is a :class:`qa.meeting.Meeting`. All positions in it (``start``/``end``) are character
offsets into the original text.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from qa.meeting import Meeting
from qa.normalize import Normalized, normalize
from qa.parse.attendance import read_lists
from qa.parse.items import split_items
from qa.parse.layout import find_layout
from qa.parse.metadata import read_metadata
from qa.parse.patterns import paragraphs
from qa.parse.reports import share_between_parts, split_page
from qa.sources import read_source
from qa.sourcetext import SourceText


def parse_file(path: Path | str) -> Meeting:
    """Read and parse one file (its first meeting). Raises ``SourceError`` for unreadable input."""
    return parse_source(read_source(path))


def parse_meetings(path: Path | str) -> list[Meeting]:
    """Read one file and parse every meeting it reports (issue 12, class 2).

    A news page may carry several reports («又讯», a 党组会议 then a 常务会议, a weekly round-up):
    each becomes its own Meeting with its own date, number, chair and items, all spans pointing
    into the one original file. Raises ``SourceError`` for unreadable input.
    """
    return parse_source_meetings(read_source(path))


def parse_source(source: SourceText) -> Meeting:
    """Parse text already read from a file: its first (usually only) meeting."""
    return parse_source_meetings(source)[0]


def parse_source_meetings(source: SourceText) -> list[Meeting]:
    """Every meeting in text already read from a file (one for most files)."""
    wrapped = True if source.format == "pdf" else None
    norm = normalize(source.text, source.hints, wrapped=wrapped)
    reports = split_page(source.text, source.hints, norm)
    if len(reports) == 1:
        meeting = Meeting(source=source.path, sha256=source.sha256, format=source.format, text=source.text)
        parse_report(norm, meeting, source.meta_dates)
        return _how_read(source, [meeting])
    meetings = []
    for part, report in enumerate(reports, 1):
        start = report.start
        piece = source.text[start : report.end]
        sub = normalize(piece, report.hints, wrapped=wrapped)
        meeting = Meeting(source=source.path, sha256=source.sha256, format=source.format, text=piece, part=part)
        parse_report(sub, meeting, source.meta_dates)
        # Spans point into the whole file, which every meeting of it keeps.
        meeting.text = source.text
        for item in meeting.items:
            item.start, item.end = item.start + start, item.end + start
            for sub_item in item.subitems:
                sub_item.start, sub_item.end = sub_item.start + start, sub_item.end + start
        meetings.append(meeting)
    share_between_parts(meetings)
    return _how_read(source, meetings)


def parse_text(text: str, source: str = "<text>") -> Meeting:
    """Parse minutes given as a string (tests, pasted text)."""
    src = SourceText(source, text, "txt", hashlib.sha256(text.encode("utf-8")).hexdigest())
    return parse_source(src)


def parse_report(norm: Normalized, meeting: Meeting, meta_dates: list[tuple[str, str]] | None = None) -> None:
    """Fill ``meeting`` from one report's normalised text: layout, facts, lists, items, warnings.

    ``meta_dates`` are the file's own dates (:attr:`qa.sources.SourceText.meta_dates`).
    """
    warnings = meeting.warnings
    if norm.spam:
        warnings.append("已从规范化文本中去除垃圾推广内容：" + "；".join(norm.spam[:5]))
    paras = paragraphs(norm.text)
    if not paras:
        warnings.append("去除网页框架文字后没有剩下正文")
        return
    layout = find_layout(norm, paras, warnings)
    read_metadata(layout, meeting, meta_dates or [])
    read_lists(layout, meeting)
    split_items(layout, meeting)
    if norm.text.rstrip().endswith(("……", "...")):
        warnings.append("正文中断（以……结尾）：原网页不完整")


def _how_read(source: SourceText, meetings: list[Meeting]) -> list[Meeting]:
    """What reading the file adds to every meeting of it: OCR line spans (offsets into the whole
    text, which every meeting keeps) and how the text was read (pages OCR'd or skipped)."""
    for meeting in meetings:
        meeting.ocr_lines = source.ocr_lines
        meeting.warnings.extend(source.warnings)
    return meetings
