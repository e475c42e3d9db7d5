"""What every step of the parser reads the same way: paragraphs, titles, names, meeting mentions.

The page splitter (:mod:`qa.parse.reports`), the layout (:mod:`qa.parse.layout`), the metadata
reader (:mod:`qa.parse.metadata`) and the item splitter (:mod:`qa.parse.items`) must agree on
what opens a meeting and what a title is, so those patterns live here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.dates import CN_NUM

# Chinese characters (the basic block): the letters of names, units and places.
HAN = r"\u4e00-\u9fff"
# A person's name: two or three characters, or a transliterated name with a middle dot.
NAME = rf"(?:[{HAN}]{{2,8}}·[{HAN}]{{2,8}}|[{HAN}]{{2,3}})"
# The executive meeting of a government, or of a development zone's 管委会 (主任办公会议), the
# zone's equivalent (issue 12, class 3).
EXEC = r"(?:常务会议?|主任办公会议?)"
# «第12次常务会议», «二十三次区政府常务会»: the meeting's number as it names itself.
MEETING = re.compile(
    rf"(?:第\s*)?(?P<num>\d+|[{CN_NUM}]+)\s*次\s*(?:[区县市旗]?(?:人民)?政府|政府|[区县市]政府)?\s*{EXEC}"
)
# The sentence that opens the minutes: the meeting being held, chaired, or numbered.
OPENING = re.compile(
    rf"(主持|召开|举行)[^。;]{{0,40}}{EXEC}|{EXEC}[^。;]{{0,12}}(召开|举行|开始)|"
    rf"第?[\d{CN_NUM}]{{1,5}}(?:届[\d{CN_NUM}]{{1,5}})?次[^。;]{{0,10}}{EXEC}"
)
# The labelled block of a 政务公开 record (索引号 / 发布机构 / 内容概述 …) names the meeting but is
# not its opening sentence (issue 12: pages from places not seen).
PUBLIC_RECORD = re.compile(r"索\s*引\s*号|信息名称|发布机构|公开方式|内容概述|主题分类")
# A 党组会议 held (a meeting of its own, reported before or after the 常务会议);
# «党组会议暨常务会议» is one meeting, the executive one.
PARTY_MEETING = re.compile(
    r"(主持|召开|举行)[^。;]{0,40}党组(?:\(扩大\))?会议(?![^。;]{0,30}(?:暨|和|及|并)[^。;]{0,20}常务会)"
)


@dataclass
class Para:
    """One non-empty line of the normalised text (a paragraph), with its offsets in that text."""

    start: int  # in normalised text
    end: int
    text: str


def paragraphs(text: str) -> list[Para]:
    """The non-empty lines of normalised ``text``, each with its offsets."""
    paras: list[Para] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            paras.append(Para(pos, pos + len(line), line))
        pos += len(line) + 1
    return paras


def is_title(text: str) -> bool:
    """A short line without sentence punctuation: a headline, a label, a site line."""
    return len(text) <= 60 and not re.search(r"[,。;]", text)
