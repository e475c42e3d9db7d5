"""Citations: where a quote is in the original document, and the meeting it comes from.

Every answer cites passages (chunks) with the sentence that supports it and that sentence's
character span in the original file; :class:`Citer` makes them, reading each meeting's parsed
metadata (文号, time of day, an inferred date) from the index once.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.chunks import Chunk
from qa.dates import cn_date
from qa.query import Query
from qa.quotes import answer_window, best_sentence, extend_short, meeting_sentence
from qa.search import Hit, Searcher


@dataclass
class Citation:
    """One cited passage: where it is, and the sentence that supports the answer."""

    rank: int
    source: str
    title: str | None
    region: str | None
    meeting: str | None
    date: str | None
    item: str
    text: str
    sentence: str
    span: tuple[int, int]
    score: float
    chunk_id: str = ""
    doc_id: str = ""
    meeting_number: int | None = None
    role: str = "evidence"  # evidence: supports the answer; related: possibly related, not evidence
    doc_number: str | None = None  # 文号 of the minutes, when known
    date_partial: str | None = None  # "MM-DD" when the year of the meeting is not known
    ocr_confidence: float | None = None  # mean line confidence when the passage was read by OCR
    region_inferred_from: str | None = None  # the page names no place: what the region was inferred from


def meeting_name(chunk: Chunk) -> str:
    """«姑苏区 保护区管委会、姑苏区政府第39次常务会议»: the region and the meeting as named."""
    return " ".join(p for p in (chunk.region or "", chunk.meeting or "常务会议") if p)


def item_label(chunk: Chunk) -> str:
    """How a citation names its passage: «二、关于…», «会议概况», or the closing section's heading."""
    if chunk.kind == "overview":
        return "会议概况"
    if chunk.kind == "closing":
        return chunk.heading
    return f"{chunk.number}、{chunk.heading}" if chunk.number else chunk.heading


class Citer:
    """Citations of hits, with what the index knows of each meeting (its parsed metadata, cached)."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self._meetings: dict[str, dict] = {}

    def meeting(self, doc_id: str) -> dict:
        """Parsed metadata of a document (cached)."""
        if doc_id not in self._meetings:
            document = self.searcher.reader.document(doc_id)
            self._meetings[doc_id] = document["meeting"] if document else {}
        return self._meetings[doc_id]

    def cite(
        self,
        rank: int,
        hit: Hit,
        words: list[str],
        weights: list[float],
        query: Query,
        span: tuple[int, int] | None = None,
    ) -> Citation:
        """The citation of ``hit`` at ``rank``, quoting the sentence(s) that answer ``query``
        (``span``, within the chunk text, when the caller chose it)."""
        chunk = hit.chunk
        qtype = query.qtype
        if span is not None:
            start, end = span
        elif qtype == "chair" and chunk.kind == "overview":
            start, end = meeting_sentence(chunk.text, prefer="主持")
        elif qtype == "where" and chunk.kind == "overview":
            start, end, _score = best_sentence(chunk, [], [], query)
        elif qtype == "number" or (qtype in ("when", "which_meeting") and chunk.kind == "overview" and not words):
            start, end = meeting_sentence(chunk.text)
        else:
            start, end = answer_window(chunk, words, weights, query, hit.sentence_scores)
            start, end = extend_short(chunk.text, start, end)
        meeting = self.meeting(chunk.doc_id)
        return Citation(
            rank=rank,
            source=chunk.source,
            title=chunk.title,
            region=chunk.region,
            meeting=chunk.meeting,
            date=chunk.date,
            item=item_label(chunk),
            text=chunk.text,
            sentence=chunk.text[start:end].strip(),
            span=(chunk.start + start, chunk.start + end),
            score=round(hit.score, 4),
            chunk_id=chunk.chunk_id,
            doc_id=chunk.doc_id,
            meeting_number=chunk.meeting_number,
            doc_number=meeting.get("doc_number"),
            date_partial=chunk.date_partial or meeting.get("date_partial"),
            ocr_confidence=chunk.ocr_confidence,
            region_inferred_from=meeting.get("region_inferred_from"),
        )

    def when(self, chunk: Chunk) -> str:
        """The meeting's date as an answer says it: «2024年12月13日上午», marked when inferred."""
        meeting = self.meeting(chunk.doc_id)
        text = cn_date(chunk.date, chunk.date_partial or meeting.get("date_partial"))
        if meeting.get("time_of_day"):
            text += meeting["time_of_day"]
        if meeting.get("date_inferred"):
            text += "（原文日期不全，系推断）"
        return text
