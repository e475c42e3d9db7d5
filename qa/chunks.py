"""Meeting → Chunk: one chunk per agenda item plus one overview chunk per meeting.

A long item is split at its （一）（二） sub-items (or, without them, at sentence boundaries), each
part repeating the item heading. Every chunk carries a short context header — region, date,
meeting, item heading — that is embedded with it, so that «姑苏区…何时审议» finds the right
district's item even when the item text never names the district.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from itertools import pairwise

from qa.dates import month_day_text
from qa.meeting import AgendaItem, Meeting
from qa.normalize import normalize
from qa.ocr import span_confidence

# Parts of a split item aim for this many normalised characters: long enough to keep a
# decision with its reasons, short enough to stay one topic and embed quickly.
TARGET_CHARS = 700


@dataclass
class Chunk:
    """A retrievable passage: an agenda item (or part of one) or a meeting overview."""

    chunk_id: str  # "<doc_id>:<item>[.<part>]"
    doc_id: str  # the source's path relative to the indexed folder
    kind: str  # overview | item
    item_index: int  # position of the item in the meeting (0 = overview)
    number: str | None  # 七, or None
    heading: str  # item heading (normalised)
    text: str  # original text, as written
    start: int  # span in the original document
    end: int
    norm: str  # normalised text: what is searched
    header: str  # context header embedded with the text
    # meeting metadata, copied for filters and citations
    source: str
    title: str | None
    region: str | None
    city: str | None
    province: str | None
    date: str | None
    meeting: str | None
    meeting_number: int | None
    # «08-15» when the page gives the meeting's month and day but no year (issue 12): shown as
    # 「8月15日（原文未注明年份）」; None when the date is complete or unknown.
    date_partial: str | None = None
    # Mean OCR line confidence over the chunk's span when its text was read by OCR, else None;
    # a citation of it says «OCR识别，置信度 0.93» (qa.ocr.ocr_note).
    ocr_confidence: float | None = None
    # The row id an index gave the chunk (set on chunks read from an index; None before indexing).
    cid: int | None = field(default=None, compare=False, repr=False)

    def embed_text(self) -> str:
        """What the embedder sees: the context header, then the normalised passage."""
        return f"{self.header}\n{self.norm}"

    def to_dict(self) -> dict:
        return asdict(self)


def context_header(meeting: Meeting, item: AgendaItem) -> str:
    """«姑苏区 2024-12-13 保护区管委会、姑苏区政府第39次常务会议 七、审议《…》»."""
    parts = [meeting.region or "", meeting.date or month_day_text(meeting.date_partial), meeting.meeting or ""]
    if item.kind == "overview":
        parts.append("会议概况")
        if meeting.chair:
            parts.append(f"主持:{meeting.chair_title or ''}{meeting.chair}")
    else:
        parts.append(f"{item.number}、{item.heading}" if item.number else item.heading)
    return " ".join(p for p in parts if p)


def meeting_doc_id(doc_id: str, meeting: Meeting) -> str:
    """The id of one meeting of a file: the file's id, or «<file>#2» for its second meeting on."""
    return f"{doc_id}#{meeting.part}" if meeting.part and meeting.part > 1 else doc_id


def make_chunk(
    meeting: Meeting,
    doc_id: str,
    chunk_id: str,
    kind: str,
    item_index: int,
    number: str | None,
    heading: str,
    start: int,
    end: int,
    header: str,
    norm: str | None = None,
) -> Chunk:
    """A chunk of ``meeting.text[start:end]`` carrying the meeting's metadata (the one place that copies it)."""
    text = meeting.text[start:end]
    return Chunk(
        chunk_id=chunk_id,
        doc_id=doc_id,
        kind=kind,
        item_index=item_index,
        number=number,
        heading=heading,
        text=text,
        start=start,
        end=end,
        norm=normalize(text).text if norm is None else norm,
        header=header,
        source=meeting.source,
        title=meeting.title,
        region=meeting.region,
        city=meeting.city,
        province=meeting.province,
        date=meeting.date,
        meeting=meeting.meeting,
        meeting_number=meeting.meeting_number,
        date_partial=None if meeting.date else meeting.date_partial,
        ocr_confidence=span_confidence(meeting.ocr_lines, start, end) if meeting.ocr_lines else None,
    )


def chunk_meeting(meeting: Meeting, doc_id: str | None = None) -> list[Chunk]:
    """Cut a parsed meeting into chunks (overview first, then items in order).

    ``doc_id`` is the file's id; the second and later meetings of a file get «<doc_id>#2» … .
    """
    doc_id = meeting_doc_id(doc_id or meeting.source, meeting)
    chunks: list[Chunk] = []
    for index, item in enumerate(meeting.items):
        header = context_header(meeting, item)
        parts = _split_item(meeting, item)
        for part_no, (start, end) in enumerate(parts):
            norm = item.norm if len(parts) == 1 else normalize(meeting.text[start:end]).text
            if part_no > 0 and item.number:
                norm = f"{item.number}、{item.heading}\n{norm}"  # the heading repeated in every part
            suffix = f".{part_no}" if len(parts) > 1 else ""
            chunks.append(
                make_chunk(
                    meeting, doc_id, f"{doc_id}:{index}{suffix}", item.kind, index, item.number, item.heading,
                    start, end, header, norm,
                )
            )
    closing = _closing_span(meeting)
    if closing is not None and meeting.items:
        start, end = closing
        header = context_header(meeting, meeting.items[0]).replace("会议概况", CLOSING_HEADING)
        n = len(meeting.items)
        chunks.append(
            make_chunk(meeting, doc_id, f"{doc_id}:{n}", "closing", n, None, CLOSING_HEADING, start, end, header)
        )
    return chunks


CLOSING_HEADING = "出席、列席与发文信息"
# What the closing lines of minutes hold: who attended or sat in, who compiled and received them.
_CLOSING_LINE = re.compile(r"出席|列席|参加会议|参会|请假|整理|主送|抄送|分送|印发|记录|此件公开")
_NEXT_MEETING = re.compile(r"又讯|另讯|主持召开|召开.{0,16}(?:常务会议|党组会议|办公会)")


def _closing_span(meeting: Meeting) -> tuple[int, int] | None:
    """The text after the last agenda item that says who attended and who issued the minutes.

    The parser reads these lines into metadata (attendees, observers, issuer); they are also a
    chunk of their own so that «哪位副主任列席», «纪要由哪个单位整理» and a pasted line from them
    are found and cited. Web furniture after the last such line is left out.
    """
    if not meeting.items:
        return None
    start = max(item.end for item in meeting.items)
    tail = meeting.text[start:]
    last = None
    for match in re.finditer(r"[^\n]+", tail):
        if _NEXT_MEETING.search(match.group(0)):
            break  # a page with several meetings: the next report starts here
        if _CLOSING_LINE.search(match.group(0)):
            last = match
    if last is None:
        return None
    lead = len(tail) - len(tail.lstrip())
    if last.end() - lead < 8:
        return None
    return start + lead, start + last.end()


def _split_item(meeting: Meeting, item: AgendaItem) -> list[tuple[int, int]]:
    """Original spans of the parts of an item: whole if short, else at sub-items or sentences."""
    if len(item.norm) <= TARGET_CHARS * 1.4 or item.kind == "overview":
        return [(item.start, item.end)]
    if len(item.subitems) >= 2:
        bounds = [item.start] + [s.start for s in item.subitems[1:]] + [item.end]
        spans = list(pairwise(bounds))
    else:
        spans = _sentence_windows(meeting.text, item.start, item.end)
    return _merge_short(spans)


_SENTENCE_END = re.compile(r"[。！？!?；;]\s*|\n+")


def _sentence_windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start]
    last = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if match.end() - last >= TARGET_CHARS:
            cuts.append(match.end())
            last = match.end()
    if cuts[-1] != end:
        cuts.append(end)
    return list(pairwise(cuts))


def _merge_short(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join neighbouring parts until each is about TARGET_CHARS long."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and (end - merged[-1][0] <= TARGET_CHARS or end - start < TARGET_CHARS // 4):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
