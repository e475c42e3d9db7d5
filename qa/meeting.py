"""What the parser makes of one set of minutes: Meeting, its AgendaItems and SubItems, Observers.

Plain dataclasses, filled by the parser (:mod:`qa.minutes`, steps in :mod:`qa.parse`) and read by
the chunker, the index and the document view. All positions (``start``/``end``) are character
offsets into the original text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class SubItem:
    """A numbered sub-item of an agenda item: （一）, 1. …"""

    number: str
    text: str
    start: int
    end: int


@dataclass
class AgendaItem:
    """One matter the meeting dealt with (or the overview of the meeting)."""

    number: str | None  # 一, 二 … for numbered items; None for prose items and the overview
    heading: str  # normalised (simplified) heading
    text: str  # original text of the item, as written
    start: int
    end: int
    subitems: list[SubItem] = field(default_factory=list)
    kind: str = "item"  # "overview" | "item"
    norm: str = ""  # normalised text, for search


@dataclass
class Observer:
    """Someone attending without a vote (列席): their unit and name."""

    unit: str
    name: str


@dataclass
class Meeting:
    """Metadata and agenda items of one set of minutes."""

    source: str
    sha256: str
    title: str | None = None
    issuer: str | None = None
    region: str | None = None
    city: str | None = None
    province: str | None = None
    # What the region was taken from when the page does not name it, e.g. 「主持人：省长王清宪」
    # (the chair's term in qa/data/officials.tsv) or 「本页另一会议」; None when the page names it.
    region_inferred_from: str | None = None
    doc_number: str | None = None
    meeting: str | None = None
    meeting_number: int | None = None
    date: str | None = None
    date_inferred: bool = False
    # The month and day as the page writes them when it gives no year («08-15»), kept even when
    # no year can be completed (issue 12, class 1); None when the page wrote the year.
    date_partial: str | None = None
    # What a year (or other part) that the page's date line omits was taken from, e.g. 「发布日期」,
    # 「网址中的日期」, 「会议名称中的年份」; None when the date was written in full.
    date_inferred_from: str | None = None
    time_of_day: str | None = None
    chair: str | None = None
    chair_title: str | None = None
    attendees: list[str] = field(default_factory=list)
    observers: list[Observer] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    issued: str | None = None
    published: str | None = None
    format: str = "txt"
    # Which meeting of its file this is (1, 2 …) when the file reports several; None for one.
    part: int | None = None
    items: list[AgendaItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    text: str = field(default="", repr=False)  # the original text
    # Text read by OCR: [start, end, confidence] of each recognised line (qa.ocr); empty otherwise.
    ocr_lines: list[tuple[int, int, float]] = field(default_factory=list, repr=False)

    def to_dict(self, with_text: bool = False) -> dict:
        """JSON-ready dict with the keys of ``qa parse --json``."""
        data = asdict(self)
        if not with_text:
            data.pop("text")
        for item in data["items"]:
            item.pop("norm", None)
        return data

    @property
    def label(self) -> str:
        """A short human name: 姑苏区 第39次常务会议 (2024-12-13)."""
        parts = [self.region or "", self.meeting or "常务会议"]
        if self.date:
            parts.append(f"({self.date})")
        elif self.date_partial:  # «(8月15日，原文未注明年份)»
            month, day = (int(x) for x in self.date_partial.split("-"))
            parts.append(f"({month}月{day}日，原文未注明年份)")
        return " ".join(p for p in parts if p)
