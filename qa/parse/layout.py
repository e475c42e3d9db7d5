"""One report's layout: its paragraphs, the sentence that opens the meeting, header, body and tail.

The header (title, 文号, issuing office) is what comes before the opening sentence; the tail
(出席/列席/分送 lists, 附件, the recorder) starts at the first line labelled as such. In a monthly
chronicle (大事记) only the executive meeting's entry is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.normalize import Normalized
from qa.parse.patterns import OPENING, PARTY_MEETING, PUBLIC_RECORD, Para, is_title

# Where the body ends: attendance and distribution lists, attachments, the recorder's line.
_TAIL = re.compile(
    r"^(?:附[:]|附件|出席[:]|出席人员|出席会议|参加[:]|参加人员|参会人员|列席[:]|列席人员|请假[:]|缺席[:]|记录[:]|记录人|"
    r"分送[:]|主送[:]|抄送[:]|抄报[:]|"
    r"\(此件|整理$|[^,。]{0,30}整理$)"
)
# The heading of a monthly chronicle: «2024年6月大事记» (its year and month date the entry).
CHRONICLE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月份?大事记")
# A chronicle entry: a paragraph starting with its day of the month.
_ENTRY = re.compile(r"^([1-9]|[12]\d|3[01])(?![\d年月日号次届%.])\s*(?=[\u4e00-\u9fff]|(?:19|20)\d{2}年)")


# How far down a page a headline standing for the opening sentence may be.
_HEADLINE_SPAN = 8


@dataclass
class Layout:
    """Where the parts of one report are, as paragraphs of its normalised text."""

    norm: Normalized
    paras: list[Para]
    opening: int | None  # index into paras of the sentence opening the meeting; None: not found
    header: list[Para]  # paragraphs before the opening
    body_end: int  # index into paras where the tail starts (len(paras) when there is none)
    tail: list[Para]
    # In a chronicle: the heading (CHRONICLE) and the day of the entry kept; None otherwise.
    chronicle: tuple[Para, int] | None = None

    @property
    def opening_text(self) -> str:
        """The opening paragraph's text ("" when none was found)."""
        return self.paras[self.opening].text if self.opening is not None else ""


def find_layout(norm: Normalized, paras: list[Para], warnings: list[str]) -> Layout:
    """The layout of a report whose (non-empty) paragraphs are ``paras``; what is odd goes to ``warnings``."""
    paras, chronicle = _select_chronicle_entry(norm, paras, warnings)
    opening = _find_opening(paras)
    if opening is None:
        warnings.append("不像会议纪要：没有写明会议的句子（召开/主持 常务会议）")
    header = paras[: opening or 0]
    body_end = _find_tail(paras, opening)
    return Layout(norm, paras, opening, header, body_end, paras[body_end:], chronicle)


def _select_chronicle_entry(
    norm: Normalized, paras: list[Para], warnings: list[str]
) -> tuple[list[Para], tuple[Para, int] | None]:
    """In a monthly chronicle keep only the government executive meeting's entry."""
    heading = None
    for para in paras[:6]:
        if CHRONICLE.search(para.text):
            heading = para
            break
    if heading is None:
        for hint in norm.hints:
            if CHRONICLE.search(hint):
                heading = Para(0, 0, hint)
    entries = [i for i, p in enumerate(paras) if _ENTRY.match(p.text)]
    if heading is None or len(entries) < 2:
        return paras, None
    ours = [i for i in entries if re.search(r"政府常务会议|常务会议召开", paras[i].text)]
    if not ours:
        return paras, None
    keep = ours[0]
    dropped = len(entries) - 1
    chronicle = (heading, int(_ENTRY.match(paras[keep].text).group(1)))  # type: ignore[union-attr]
    paras = [p for i, p in enumerate(paras) if i not in entries or i == keep]
    warnings.append(f"大事记页面：只保留常务会议条目（{chronicle[1]}日），略去其他 {dropped} 条")
    return paras, chronicle


def _find_opening(paras: list[Para]) -> int | None:
    for i, para in enumerate(paras):
        text = para.text
        if is_title(text) or not OPENING.search(text) or PUBLIC_RECORD.search(text):
            continue
        return i
    # A report of a 党组会议 alone (one part of a page that reports it and the 常务会议): its
    # opening names that meeting (issue 12, class 2).
    for i, para in enumerate(paras):
        if not is_title(para.text) and PARTY_MEETING.search(para.text[:120]):
            return i
    # No sentence opens the meeting: the headline or a labelled line near the top does
    # («常务副市长张军主持召开汨罗市政府第九次常务会议», «会议名称：泸溪县人民政府第28次常务会议»).
    for i, para in enumerate(paras[:_HEADLINE_SPAN]):
        if OPENING.search(para.text) and not PUBLIC_RECORD.search(para.text):
            return i
    return None


def _find_tail(paras: list[Para], opening: int | None) -> int:
    start = (opening or 0) + 1
    for i in range(start, len(paras)):
        if _TAIL.match(paras[i].text):
            return i
    # News pages end with bylines and signature lines: already furniture; nothing else.
    return len(paras)
