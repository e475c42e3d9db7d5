"""Text → Meeting: metadata and agenda items of one set of minutes.

Handles the layouts minutes come in: formal 纪要 with 一、/（一）/1. items; news reports where each
«会议听取/审议/研究/强调…» paragraph is a matter; labelled blocks (会议时间/会议议题/会议内容);
«图文回放» timelines; monthly chronicles where one entry is the executive meeting. Attendance and
distribution lists become metadata, not agenda items.

All positions in the output (``start``/``end``) are character offsets into the original text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path

from qa.dates import (
    CN_NUM,
    DateMention,
    broken_readings,
    cn_to_int,
    current_year,
    event_year,
    find_dates,
    path_dates,
    resolve,
    urls,
)
from qa.normalize import Normalized, normalize
from qa.regions import head_title, infer_region, own_government_kind, region_of_chair
from qa.sources import SourceText, read_source

# ---------------------------------------------------------------------------------------------
# domain
# ---------------------------------------------------------------------------------------------


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
    cuts = _meeting_starts(norm)
    if len(cuts) <= 1:
        meeting = Meeting(source=source.path, sha256=source.sha256, format=source.format, text=source.text)
        _Parser(norm, meeting, source.meta_dates).run()
        return _how_read(source, [meeting])
    bounds = [0] + [norm.to_original(c, c + 1)[0] for c in cuts[1:]] + [len(source.text)]
    # The page's own lines before the first report's lead (title, publication line) date every report.
    lines = norm.text[: cuts[1]].split("\n")
    lead = next((k for k, line in enumerate(lines) if _opens_meeting(line)), 0)
    # Not the first report's headline: it would name that report's government and chair.
    page_lines = [line for line in lines[:lead] if re.search(r"发布|时间|日期|来源|\d{4}\s*[-/.年]", line)]
    meetings = []
    for part, (start, end) in enumerate(pairwise(bounds), 1):
        piece = source.text[start:end]
        # Later reports also get the page's furniture (its publication line, site name) as hints.
        extra = [h for h in [*norm.hints, *page_lines] if h not in source.hints] if part > 1 else []
        hints = list(dict.fromkeys([*source.hints, *extra]))
        sub = normalize(piece, hints, wrapped=wrapped)
        meeting = Meeting(source=source.path, sha256=source.sha256, format=source.format, text=piece, part=part)
        _Parser(sub, meeting, source.meta_dates).run()
        meeting.text = source.text
        for item in meeting.items:
            item.start, item.end = item.start + start, item.end + start
            for sub_item in item.subitems:
                sub_item.start, sub_item.end = sub_item.start + start, sub_item.end + start
        meetings.append(meeting)
    _share_between_parts(meetings)
    return _how_read(source, meetings)


def _how_read(source: SourceText, meetings: list[Meeting]) -> list[Meeting]:
    """What reading the file adds to every meeting of it: OCR line spans (offsets into the whole
    text, which every meeting keeps) and how the text was read (pages OCR'd or skipped)."""
    for meeting in meetings:
        meeting.ocr_lines = source.ocr_lines
        meeting.warnings.extend(source.warnings)
    return meetings


def _share_between_parts(meetings: list[Meeting]) -> None:
    """What one report of a page leaves out, another of the same government may say (class 2).

    A 党组会议 report that names no place is the same government's as the 常务会议 report after it
    when both speak of the same level (县政府 …); a report dated 4月18日 with no year shares the
    year of a report of that page held the same day.
    """
    for m in meetings:
        others = [o for o in meetings if o is not m]
        kind = own_government_kind(m.text[m.items[0].start : m.items[-1].end]) if m.items else None
        if m.region is None and kind:
            for o in others:
                o_kind = own_government_kind(o.text[o.items[0].start : o.items[-1].end]) if o.items else None
                if o.region and o_kind == kind:
                    m.region, m.city, m.province = o.region, o.city, o.province
                    m.region_inferred_from = o.region_inferred_from or "本页另一会议"
                    m.warnings = [w for w in m.warnings if "地区" not in w]
                    m.warnings.append(f"地区：本页另一会议的地区（{o.region}，同为{kind}政府）")
                    break
        if m.date is None and m.date_partial:
            for o in others:
                if o.date and o.date[5:] == m.date_partial:
                    m.date, m.date_inferred, m.date_inferred_from = o.date, True, "同页同日另一会议的日期"
                    m.warnings = [w for w in m.warnings if "年份留空" not in w]
                    m.warnings.append(f"会议日期：与本页另一会议同日，补全为 {m.date}")
                    break


def parse_text(text: str, source: str = "<text>") -> Meeting:
    """Parse minutes given as a string (tests, pasted text)."""
    import hashlib

    src = SourceText(source, text, "txt", hashlib.sha256(text.encode("utf-8")).hexdigest())
    return parse_source(src)


# ---------------------------------------------------------------------------------------------
# patterns
# ---------------------------------------------------------------------------------------------

_HAN = r"\u4e00-\u9fff"
NAME = rf"(?:[{_HAN}]{{2,8}}·[{_HAN}]{{2,8}}|[{_HAN}]{{2,3}})"
# Heads of government at every level (issue 12, class 3): 省长, 盟长 as well as 区/县/市/旗/州长.
_TITLE_WORD = r"(?:常务副(?:省|区|县|市|旗|州|盟)长|副?(?:省|区|县|市|旗|州|盟|镇|乡)长|主任|主席|书记|副书记)"
_TITLE_CHAIN = (
    rf"(?:[{_HAN}]{{0,14}}?(?:书记|主任|常委|委员|成员|区长|县长|市长|省长|旗长|州长|盟长|主席)[、,]\s*)*[{_HAN}]{{0,12}}?{_TITLE_WORD}"
)
# Between the chair's name and 主持: a place (在区政府817会议室) or a delegation (受市长委托).
_BEFORE_CHAIR = r"(?:受[^,。;]{1,12}?委托)?(?:在[^,。;]{1,24})?"
_CHAIR_PATTERNS = [
    # 会议主持人: 区委副书记、区长杨福涛
    re.compile(rf"主持人?\s*[:]\s*(?P<title>{_TITLE_CHAIN})?(?P<name>{NAME})(?:同志)?\s*$", re.M),
    # 区委副书记、区长常晓勇主持 / 会议由区长王敏主持 / 区长戴士福在区政府817会议室主持召开
    re.compile(rf"(?P<title>{_TITLE_CHAIN})(?P<name>{NAME})(?:同志)?{_BEFORE_CHAIR}主持"),
    # 万利区长主持召开 / 吴敬宇常务副市长主持召开 / 陈禺县长主持会议
    re.compile(rf"(?:^|[,。;:、)\s])(?P<name>{NAME})(?P<title>{_TITLE_WORD})(?:同志)?{_BEFORE_CHAIR}主持"),
    # A headline that names the chair only: 郭海磊主持召开县政府第49次常务会议
    re.compile(rf"^(?P<name>{NAME})主持召开", re.M),
]
# A chair inside a relayed speech (传达学习习近平总书记主持召开…座谈会) is not ours.
_RELAYED = re.compile(r"(传达|学习|贯彻|精神)[^。;]{0,12}$")
# …but a province's own 省政府常务会议 is its meeting (issue 12, class 3).
_NOT_OURS = re.compile(
    r"^召开[^,。;]{0,40}?(座谈会|研讨会|专题会|政治局|中央|国务院|省委|省政府(?![^,。;]{0,12}(?:常务会|第)))"
)

# The executive meeting of a government, or of a development zone's 管委会 (主任办公会议), the
# zone's equivalent (issue 12, class 3).
_EXEC = r"(?:常务会议?|主任办公会议?)"
_MEETING = re.compile(
    rf"(?:第\s*)?(?P<num>\d+|[{CN_NUM}]+)\s*次\s*(?:[区县市旗]?(?:人民)?政府|政府|[区县市]政府)?\s*{_EXEC}"
)
_BAD_BEFORE_NUM = re.compile(r"[下上本该每这此前后]$")
_YEAR_OF_MEETING = re.compile(
    rf"((?:19|20)\d{{2}})\s*年度?\s*(?:第[\d{CN_NUM}]+次|[^,。]{{0,12}}?党组|[^,。]{{0,6}}?常务)|[〔\[(]((?:19|20)\d{{2}})[〕\])]\s*第"
)
_DOC_NUMBER = re.compile(rf"[{_HAN}]{{0,12}}[〔﹝\[【(]\s*\d{{4}}\s*[〕﹞\]】)]\s*\d+\s*号|^第\s*\d+\s*号$", re.M)
_OFFICE = re.compile(rf"[{_HAN}]{{2,30}}?(?:党政办公室|办公室)")
_TIME_OF_DAY = re.compile(r"^\s*(?:\([^)]{1,6}\))?\s*(上午|下午|晚上|晚间|晚|早上|中午|傍晚)")
_LABEL = re.compile(
    r"^(会议时间|会议地点|会议主持人?|主持人|列席情况|出席情况|会议议题|会议内容|会议过程|参会人员)\s*[:]?\s*(.*)$"
)

# Item structure
_TOP = re.compile(r"^(?P<num>[一二三四五六七八九十]+)\s*[、.]\s*")
_PAREN = re.compile(r"^\((?P<num>[一二三四五六七八九十]+)\)\s*")
_ARABIC = re.compile(r"^(?P<num>\d{1,2})\s*[.、．](?!\d)\s*")
_AGENDA = re.compile(
    r"^(?:议题|议程|事项)\s*(?P<num>[一二三四五六七八九十\d]+)\s*[:、.]?\s*|^第(?P<num2>[一二三四五六七八九十]+)项\s*[:、]?\s*"
)
# Item numbering schemes, most formal first: the first one that numbers the body from 1 wins.
_SCHEMES: list[tuple[re.Pattern[str], int]] = [(_TOP, 1), (_PAREN, 2), (_AGENDA, 2), (_ARABIC, 2)]


def _marker(pattern: re.Pattern[str], text: str) -> tuple[str, int] | None:
    """(numeral as written, value) when ``text`` starts with this scheme's marker."""
    match = pattern.match(text)
    if not match:
        return None
    number = match.groupdict().get("num") or match.groupdict().get("num2") or ""
    value = cn_to_int(number)
    return (number, value) if value else None


_TAIL = re.compile(
    r"^(?:附[:]|附件|出席[:]|出席人员|出席会议|参加[:]|参加人员|参会人员|列席[:]|列席人员|请假[:]|缺席[:]|记录[:]|记录人|"
    r"分送[:]|主送[:]|抄送[:]|抄报[:]|"
    r"\(此件|整理$|[^,。]{0,30}整理$)"
)
_CLOSING = re.compile(
    r"^(?:会议|会上)?(?:还)?(?:研究|审议|讨论|研究审议|研究讨论)了?其他(?:事项|问题|议题|工作)|"
    r"^(?:会议|会上)还(?:对|就)其他(?:事项|议题|问题)[^。]{0,12}(?:研究|讨论)|"
    r"^[^。]{0,30}常务会议结束|^会议还研究了…+|^会议还研究了……"
)
_MATTER = re.compile(
    r"^(?:[^,。;]{0,24}?(?:会议|会上|会议上|学习会上?)[,]?)?[^,。;]{0,8}?"
    r"(?:还|先后|首先|随后|又|另外|此外|同时|分别|集体|逐项|专题|书面|认真|共)*"
    r"(?:审议|听取|研究|学习|传达|通报|讨论|审定|部署|解读|观看)"
    r"|^[^,。;]{0,30}?就[^。]{1,120}?(?:向会议)?作(?:了)?(?:情况|专题)?汇报"
    r"|^请[^。]{1,40}就[^。]{1,80}作汇报"
    r"|^针对"
    r"|^会议(?:经讨论|经研究|对[^。]{1,120}?(?:进行了|作了|作出|予以)(?:研究|审议|讨论|部署|审定|安排))"
)
_COMMENT = re.compile(
    rf"^(?:会议|会上|[{_HAN}]{{2,4}}(?:在会上|在讲话中)?)(?:强调|指出|要求|认为|提出|明确|表示|希望|号召)"
)
_DECISION = re.compile(r"^会议(?:决定|同意|原则同意|议定|原则通过|通过)")
_HAS_COMMENT = re.compile(rf"(?:会议|会上|[{_HAN}]{{2,4}}在会上)(?:强调|指出|要求|认为|提出|明确)")
_ATTENDANCE = re.compile(r"(出席|列席|参加会议|参加|与会|到会|应邀|受邀)[^。]{0,6}[。]?$")
_CLAUSE = re.compile(
    r"^(?:此外|另外|同时|随后|最后|首先|先后|还|并|又|会上|会议还?|与会人员|[,\s])*[^,;。]{0,12}?"
    r"(?:集体)?(?:学习|传达|听取|审议|研究|讨论|审定|通报|解读|(?:对|就)[^;。]{1,80}?(?:进行了|作了|作出)(?:研究|审议|讨论|部署))"
)
_SUMMARY = re.compile(r"上述(?:议题|事项)|共(?:研究|讨论|审议)[^。;]{0,8}(?:\d+|[一二三四五六七八九十]+)(?:项|个)议题")
# The sentence that opens the minutes: the meeting being held, chaired, or numbered.
_OPENING = re.compile(
    rf"(主持|召开|举行)[^。;]{{0,40}}{_EXEC}|{_EXEC}[^。;]{{0,12}}(召开|举行|开始)|"
    rf"第?[\d{CN_NUM}]{{1,5}}(?:届[\d{CN_NUM}]{{1,5}})?次[^。;]{{0,10}}{_EXEC}"
)
# The labelled block of a 政务公开 record (索引号 / 发布机构 / 内容概述 …) names the meeting but is
# not its opening sentence (issue 12: pages from places not seen).
_PUBLIC_RECORD = re.compile(r"索\s*引\s*号|信息名称|发布机构|公开方式|内容概述|主题分类")
_CHAIR_SPEECH = re.compile(rf"^(?!会议|会上)[{_HAN}]{{2,4}}(?:在会上|在讲话中)?(?:强调|指出|要求)")
_CHRONICLE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月份?大事记")
_ENTRY = re.compile(r"^([1-9]|[12]\d|3[01])(?![\d年月日号次届%.])\s*(?=[\u4e00-\u9fff]|(?:19|20)\d{2}年)")
_TIMESTAMP = re.compile(r"^(?:上午|下午|晚上)?\s*\d{1,2}:\d{2}$")

_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔"
    "伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙"
    "鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞"
    "姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘"
    "满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜"
    "羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡"
    "富尧闭由"
)
_UNIT_END = set("局委办院会部厅处科室所站队心团司道镇乡区县市社联校馆场行组协署台关城专进盟网厂园库仓导")


# Where a page's next report starts (issue 12, class 2): «又讯», «另讯», or a paragraph that
# opens a meeting of its own — its date, then the meeting held or chaired — after the first
# report's body. A 党组会议 held before the 常务会议 is a meeting too; «党组会议暨常务会议» is one.
_NEXT_REPORT = re.compile(r"^[【\[(]?(?:又讯|另讯|又讯:|本报又讯)[】\])]?")
_PARTY_MEETING = re.compile(
    r"(主持|召开|举行)[^。;]{0,40}党组(?:\(扩大\))?会议(?![^。;]{0,30}(?:暨|和|及|并)[^。;]{0,20}常务会)"
)


def _opens_meeting(text: str) -> bool:
    """A paragraph that reports a meeting being held: «6月3日，区长…主持召开区政府第12次常务会议»."""
    head = text[:120]
    if _is_title(text) or _PUBLIC_RECORD.search(head):
        return False
    if not (_OPENING.search(head) or _PARTY_MEETING.search(head)):
        return False
    if re.match(r"^(?:会议|会上|与会|在|此前|之前|针对|按照|根据)", text):
        return False  # a matter of the current report: «会议传达学习了4月8日省政府常务会议精神»
    anchor = re.search(r"主持|召开|举行", head)
    before = head[: anchor.start()] if anchor else head
    if re.search(r"传达|学习|贯彻|落实|精神|关于", before):
        return False  # a meeting relayed, not held
    dates = find_dates(before)
    return bool(dates) and dates[0].start < 30


def _report_key(text: str) -> tuple[tuple[int | None, int | None], int | None, bool]:
    """(month, day), meeting number and whether it is a 党组会议: a new meeting or a restatement?"""
    dates = find_dates(text[:60])
    when = (dates[0].month, dates[0].day) if dates else (None, None)
    number = None
    for match in _MEETING.finditer(text):
        number = cn_to_int(match.group("num"))
        break
    return when, number, bool(_PARTY_MEETING.search(text[:120])) and not _OPENING.search(text[:120])


def _meeting_starts(norm: Normalized) -> list[int]:
    """Normalised offsets where each meeting's report starts; one entry for a single meeting."""
    paras: list[tuple[int, str]] = []
    pos = 0
    for line in norm.text.split("\n"):
        if line.strip():
            paras.append((pos, line))
        pos += len(line) + 1
    starts: list[int] = []
    last = -1  # index of the paragraph opening the current report
    for i, (offset, text) in enumerate(paras):
        marked = bool(_NEXT_REPORT.match(text)) and last >= 0
        if not (marked or _opens_meeting(text)):
            continue
        if last >= 0 and not marked:
            (when, number, party), (last_when, last_number, last_party) = (
                _report_key(text),
                _report_key(paras[last][1]),
            )
            same_number = number is None or last_number is None or number == last_number
            if when == last_when and same_number and party == last_party:
                continue  # the same meeting told again (a repeated lead, a public-opinion section)
            if i - last < 2 and (number is None or number == last_number) and party == last_party:
                continue  # a subtitle right under the lead; a round-up entry has its own number
            if i - last < 2 and len(paras[last][1]) <= 8 and _NEXT_REPORT.match(paras[last][1]):
                continue  # the lead right under a bare «又讯» line: the report it announced
        start, k = offset, i
        while last >= 0 and k - 1 > last + 1 and _is_title(paras[k - 1][1]) and not marked:
            k -= 1  # the next report's headline (and its site line) goes with it
            start = paras[k][0]
        starts.append(start if starts else 0)
        last = i
    return starts or [0]


# ---------------------------------------------------------------------------------------------
# the parser
# ---------------------------------------------------------------------------------------------


@dataclass
class _Para:
    start: int  # in normalised text
    end: int
    text: str


class _Parser:
    def __init__(self, norm: Normalized, meeting: Meeting, meta_dates: list[tuple[str, str]] | None = None):
        self.norm = norm
        self.m = meeting
        self.meta_dates = meta_dates or []
        self.paras: list[_Para] = []
        pos = 0
        for line in norm.text.split("\n"):
            if line.strip():
                self.paras.append(_Para(pos, pos + len(line), line))
            pos += len(line) + 1
        self.opening: int | None = None  # index into paras
        self.header: list[_Para] = []
        self.tail: list[_Para] = []

    # ---- orchestration ------------------------------------------------------------------------

    def run(self) -> None:
        m = self.m
        if self.norm.spam:
            m.warnings.append("已从规范化文本中去除垃圾推广内容：" + "；".join(self.norm.spam[:5]))
        if not self.paras:
            m.warnings.append("去除网页框架文字后没有剩下正文")
            return
        self._select_chronicle_entry()
        self.opening = self._find_opening()
        if self.opening is None:
            m.warnings.append("不像会议纪要：没有写明会议的句子（召开/主持 常务会议）")
        self.header = self.paras[: self.opening or 0]
        body_end = self._find_tail()
        self.tail = self.paras[body_end:]
        self._metadata()
        self._lists()
        self._items(body_end)
        if self.norm.text.rstrip().endswith(("……", "...")):
            m.warnings.append("正文中断（以……结尾）：原网页不完整")

    # ---- layout -------------------------------------------------------------------------------

    def _select_chronicle_entry(self) -> None:
        """In a monthly chronicle keep only the government executive meeting's entry."""
        heading = None
        for para in self.paras[:6]:
            if _CHRONICLE.search(para.text):
                heading = para
                break
        if heading is None:
            for hint in self.norm.hints:
                if _CHRONICLE.search(hint):
                    heading = _Para(0, 0, hint)
        entries = [i for i, p in enumerate(self.paras) if _ENTRY.match(p.text)]
        if heading is None or len(entries) < 2:
            return
        ours = [i for i in entries if re.search(r"政府常务会议|常务会议召开", self.paras[i].text)]
        if not ours:
            return
        keep = ours[0]
        dropped = len(entries) - 1
        self.chronicle = (heading, int(_ENTRY.match(self.paras[keep].text).group(1)))  # type: ignore[union-attr]
        self.paras = [p for i, p in enumerate(self.paras) if i not in entries or i == keep]
        self.m.warnings.append(
            f"大事记页面：只保留常务会议条目（{self.chronicle[1]}日），略去其他 {dropped} 条"
        )

    def _find_opening(self) -> int | None:
        for i, para in enumerate(self.paras):
            text = para.text
            if _is_title(text) or not _OPENING.search(text) or _PUBLIC_RECORD.search(text):
                continue
            return i
        # A report of a 党组会议 alone (one part of a page that reports it and the 常务会议): its
        # opening names that meeting (issue 12, class 2).
        for i, para in enumerate(self.paras):
            if not _is_title(para.text) and _PARTY_MEETING.search(para.text[:120]):
                return i
        return None

    def _find_tail(self) -> int:
        start = (self.opening or 0) + 1
        for i in range(start, len(self.paras)):
            if _TAIL.match(self.paras[i].text):
                return i
        # News pages end with bylines and signature lines: already furniture; nothing else.
        return len(self.paras)

    # ---- metadata -----------------------------------------------------------------------------

    def _metadata(self) -> None:
        m = self.m
        opening = self.paras[self.opening].text if self.opening is not None else ""
        header_text = "\n".join(p.text for p in self.header)
        labelled = self._labelled_fields()
        m.title = self._title()
        m.doc_number = self._doc_number()
        m.issuer = self._issuer()
        kind = self._meeting_name_and_number(opening, header_text)
        self._region(kind)
        self._chair(opening, labelled)
        self._dates(opening, labelled)
        if m.region is None:
            self._region_from_chair()

    def _labelled_fields(self) -> dict[str, str]:
        """会议时间 / 会议主持人 … blocks, with the value on the same or the next line."""
        fields: dict[str, str] = {}
        paras = self.paras
        for i, para in enumerate(paras):
            match = _LABEL.match(para.text)
            if not match:
                continue
            label, value = match.group(1), match.group(2).strip()
            if not value and i + 1 < len(paras) and not _LABEL.match(paras[i + 1].text):
                value = paras[i + 1].text
            fields.setdefault(label, value)
        return fields

    def _title(self) -> str | None:
        candidates = [p.text for p in self.header if _is_title(p.text) and re.search(r"会议|纪要", p.text)]
        for text in candidates:
            if "常务会议" in text or "常务会" in text:
                return text
        return candidates[0] if candidates else None

    def _doc_number(self) -> str | None:
        for para in self.header[:8]:
            match = _DOC_NUMBER.search(para.text)
            if match:
                return re.sub(r"\s+", "", match.group(0))
        return None

    def _issuer(self) -> str | None:
        offices: list[str] = []
        for para in [*self.header, *self.tail]:
            if "主办" in para.text or "承办" in para.text:
                continue
            for token in para.text.split():
                match = _OFFICE.fullmatch(token)
                if match and token not in offices:
                    offices.append(token)
        if offices:
            return "、".join(offices[:2])
        for hint in self.norm.hints:
            match = re.match(r"^(?:信息来源|来源|发布机构)\s*[:\s]\s*(\S+?(?:办公室|政府|办))(?:\s|$)", hint)
            if match:
                return match.group(1)
        return None

    def _meeting_name_and_number(self, opening: str, header: str) -> str | None:
        """Fill ``meeting`` and ``meeting_number`` from the meeting's own mention."""
        m = self.m
        texts = [opening, header, *self.norm.hints[:3]]
        for text in texts:
            after = re.search(rf"常务会议?\s*\(\s*第?\s*([\d{CN_NUM}]+)\s*次\s*\)", text)
            if after and cn_to_int(after.group(1)):
                m.meeting_number = cn_to_int(after.group(1))
                name_end = after.start() + 4  # just past 常务会议; the (第5次) part is kept as written
                m.meeting = _meeting_phrase(text, after.start(), name_end) + text[name_end : after.end()]
                break
            for match in _MEETING.finditer(text):
                before = text[: match.start()]
                if _BAD_BEFORE_NUM.search(before) or re.search(r"传达[^。;,]{0,20}$", before):
                    continue
                if text[match.end() : match.end() + 2] == "精神":
                    continue
                number = cn_to_int(match.group("num"))
                if not number or number > 400:
                    continue
                m.meeting_number = number
                m.meeting = _meeting_phrase(text, match.start(), match.end())
                break
            if m.meeting_number:
                break
        if m.meeting_number is None and self.opening is not None:
            party = _PARTY_MEETING.search(opening)
            if party and not _OPENING.search(opening):
                m.meeting = _meeting_phrase(opening, party.end() - 4, party.end())
                return own_government_kind(opening + "\n" + header) or own_government_kind(self.norm.text)
            m.warnings.append("未找到会议次数")
            found = re.search(r"((?:自治区|[省州盟区县市旗])?(?:人民)?政府)[^,。;]{0,24}?常务会议?", opening)
            if found:
                m.meeting = found.group(1) + "常务会议"
        kind_text = opening + "\n" + header
        kind = own_government_kind(kind_text)
        if kind is None:
            kind = own_government_kind(self.norm.text)
            # A county's agenda often names the 省政府 (a document relayed): a province-level meeting
            # must say so where it names itself (issue 12, class 3).
            kind = None if kind in ("省", "自治区") else kind
        return kind

    def _region(self, kind: str | None) -> None:
        m = self.m
        guess = infer_region(self.norm.text, self.norm.hints, kind=kind)
        if guess is None:
            if kind in ("省", "自治区"):
                m.warnings.append(f"{kind}级政府的会议，但页面没有写明是哪个{kind}，地区留空")
            else:
                m.warnings.append("未找到召开会议的地区（政府）")
            return
        m.region = guess.name
        m.city = guess.place.city if guess.place.level == "county" else None
        m.province = guess.place.province

    def _region_from_chair(self) -> None:
        """A page that names no place for the government that met (issue 12, class 3): a head of
        that level's government chaired (省长 … 省政府常务会议), and the table of heads' terms names
        one government for that name in the meeting's year. Anything less leaves the region empty.

        The level is the government the meeting's own name (or else the title) states: not a
        count over the page, nor a head's title (省长…), which would vouch for itself."""
        m = self.m
        named = next((g for g in (_MEETING_GOV.search(t or "") for t in (m.meeting, m.title)) if g), None)
        kind = named.group(1) if named else None
        year = int(m.date[:4]) if m.date else None
        found = region_of_chair(m.chair, m.chair_title, kind, year)
        if found is None:
            return
        official, place = found
        m.region, m.city, m.province = official.government, None, place.province
        m.region_inferred_from = f"主持人：{head_title(m.chair_title)}{m.chair}"
        term = f"{official.start}—{official.end}年" if official.end else f"{official.start}年起"
        post = official.title.removeprefix("自治区")  # 宁夏回族自治区主席, 安徽省省长, 常州市市长
        m.warnings = [w for w in m.warnings if "地区留空" not in w and w != "未找到召开会议的地区（政府）"]
        m.warnings.append(
            f"地区：页面没有写明地名，据「{m.region_inferred_from}」推断为{m.region}"
            f"（{official.name}{term}任{official.government}{post}）"
        )

    def _chair(self, opening: str, labelled: dict[str, str]) -> None:
        m = self.m
        texts = []
        for key in ("会议主持人", "会议主持", "主持人"):
            if key in labelled:
                texts.append("主持人:" + labelled[key])
        texts.append(opening)
        start = self.opening or 0
        texts.extend(p.text for p in self.paras[start + 1 : start + 4])
        texts.extend(p.text for p in self.header)
        texts.extend(p.text for p in self.paras)
        for text in texts:
            found = _find_chair(text)
            if found:
                m.chair, m.chair_title = found
                return
        if self.opening is not None:
            m.warnings.append("未找到主持人")

    def _dates(self, opening: str, labelled: dict[str, str]) -> None:
        m = self.m
        references = self._publication_dates()
        m.published = max(references).isoformat() if references else None
        mention: DateMention | None = None
        source_text = opening
        if labelled.get("会议时间"):
            found = find_dates(labelled["会议时间"])
            if found:
                mention, source_text = found[0], labelled["会议时间"]
        chronicle = getattr(self, "chronicle", None)
        if mention is None and chronicle is not None:
            heading, day = chronicle
            year, month = (int(x) for x in _CHRONICLE.search(heading.text).groups())  # type: ignore[union-attr]
            try:
                m.date = date(year, month, day).isoformat()
                m.date_inferred = True
                m.date_inferred_from = "大事记标题"
                m.warnings.append(f"会议日期：取自大事记条目（{day}日），年月取自大事记标题")
            except ValueError:
                pass
        if mention is None and m.date is None:
            mention = _meeting_date_mention(opening)
        if mention is not None:
            tod = _TIME_OF_DAY.match(source_text[mention.end :])
            if tod:
                m.time_of_day = tod.group(1)
            if mention.year is None and mention.month and mention.day:
                m.date_partial = f"{mention.month:02d}-{mention.day:02d}"
            elif mention.kind.startswith("broken:"):
                readings = broken_readings(mention.kind.split(":", 1)[1])
                if len(readings) == 1 and readings[0][0] is None:  # «1123日»: only 11-23 reads as a date
                    m.date_partial = f"{readings[0][1]:02d}-{readings[0][2]:02d}"
            when, inferred, why = self._complete(opening, mention, references)
            if when is None:
                if m.date_partial:
                    month, day = int(m.date_partial[:2]), int(m.date_partial[3:])
                    m.warnings.append(f"会议日期只有{month}月{day}日：页面未写年份，也没有可据以推定年份的依据，年份留空")
                else:
                    m.warnings.append("会议日期无法补全：页面没有年份，也没有发布日期")
            else:
                m.date = when.isoformat()
                m.date_inferred = inferred
                if inferred:
                    m.date_inferred_from = why or "上下文"
                    m.warnings.append(f"会议日期：原文未写全，据「{m.date_inferred_from}」补全为 {m.date}")
        elif m.date is None and self.opening is not None:
            m.warnings.append("未找到会议日期")
        m.issued = self._issued()

    def _complete(
        self, opening: str, mention: DateMention, references: list[date]
    ) -> tuple[date | None, bool, str | None]:
        """Complete the meeting's date from the strongest evidence there is (issue 12, classes 1 and 5).

        In order: the year in the meeting's own name; the page's publication line; a date in a URL
        or the file name; the file's metadata (HTML <meta>, docx, PDF); national events the text
        dates; a year the agenda names as its current period. A year merely mentioned (a review of
        an earlier year) is not evidence: the date is then left partial.
        """
        if mention.complete() or mention.kind.startswith(("relative", "day")):
            reference = max(references) if references else None
            when, inferred = resolve(mention, reference, None)
            return when, inferred, "发布日期" if inferred and reference else None
        year_hint = self._name_year(opening)
        if year_hint:
            when, _ = resolve(mention, None, year_hint)
            return when, True, "会议名称中的年份"
        for tag, dates in (
            ("发布日期", references),
            ("网址中的日期", self._url_dates()),
            ("文件名中的日期", path_dates(Path(self.m.source).name)),
            ("文件元数据中的日期", self._metadata_dates()),
        ):
            if dates:
                when, _ = resolve(mention, max(dates), None)
                if when is not None:
                    return when, True, tag
        year = event_year(self.norm.text)
        if year:
            when, _ = resolve(mention, None, year)
            return when, True, "文中提及的全国性会议或规划期"
        month = mention.month
        year = current_year(self.norm.text, date.today().year, month)
        if year:
            when, _ = resolve(mention, None, year)
            return when, True, "议题所述年份"
        return None, True, None

    def _name_year(self, opening: str) -> int | None:
        """The year written into the meeting's own name («2023年第3次», «〔2024〕第5次»)."""
        match = _YEAR_OF_MEETING.search(opening)
        if match is None and self.header:
            match = _YEAR_OF_MEETING.search("\n".join(p.text for p in self.header))
        return int(match.group(1) or match.group(2)) if match else None

    def _url_dates(self) -> list[date]:
        """Dates in web addresses the page carries (its text, furniture, canonical link)."""
        texts = [self.norm.original, *self.norm.hints, *(v for tag, v in self.meta_dates if tag == "网址")]
        return [d for text in texts for url in urls(text) for d in path_dates(url)]

    def _metadata_dates(self) -> list[date]:
        out = []
        for tag, value in self.meta_dates:
            if tag == "网址":
                continue
            found = find_dates(value)
            if found and found[0].complete():
                f = found[0]
                out.append(date(f.year, f.month, f.day))  # type: ignore[arg-type]
        return out

    def _publication_dates(self) -> list[date]:
        out: list[date] = []
        sources = [*self.norm.hints, *(p.text for p in self.header)]
        for text in sources:
            if not re.search(r"发布|日期|时间|更新|成文|生成|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", text):
                continue
            for mention in find_dates(text):
                if mention.complete():
                    out.append(date(mention.year, mention.month, mention.day))  # type: ignore[arg-type]
        return out

    def _issued(self) -> str | None:
        for para in self.tail + self.paras[-6:]:
            if re.search(r"印发", para.text):
                for mention in find_dates(para.text):
                    if mention.complete():
                        return date(mention.year, mention.month, mention.day).isoformat()  # type: ignore[arg-type]
        for para in self.header:
            # The document's own date: alone on a line, or after the issuing office.
            if re.fullmatch(r"\s*(?:\S{2,30}(?:办公室|人民政府)\s+)?\d{4}年\d{1,2}月\d{1,2}日\s*", para.text):
                mention = find_dates(para.text)[0]
                return date(mention.year, mention.month, mention.day).isoformat()  # type: ignore[arg-type]
        return None

    # ---- attendance and distribution -------------------------------------------------------

    def _lists(self) -> None:
        m = self.m
        section: str | None = None
        buffers: dict[str, list[str]] = {"出席": [], "列席": [], "分送": []}
        for para in self.tail:
            text = para.text
            label = re.match(r"^(附[:]\s*)?(出席|参加|参会|列席|分送|主送|抄送|抄报|请假|缺席)[^:]{0,8}[:]?\s*", text)
            if label:
                key = {"参加": "出席", "参会": "出席"}.get(label.group(2), label.group(2))
                if key in ("请假", "缺席"):
                    section = None  # absent members are neither attendees nor observers
                    continue
                section = "分送" if key in ("主送", "抄送", "抄报") else key
                rest = text[label.end() :]
                if key in ("主送", "抄送", "抄报") or rest:
                    buffers[section].append(rest)
                continue
            if section and not re.match(r"^(会议|\(此件|[^,。]{0,40}(办公室|整理|印发)$|\d{4}年)", text):
                buffers[section].append(text)
            else:
                section = None
        if buffers["出席"]:
            m.attendees = _parse_people(buffers["出席"])
        if buffers["列席"]:
            m.observers = [Observer(u, n) for u, n in _parse_units(buffers["列席"])]
        for chunk in buffers["分送"]:
            for unit in re.split(r"[,;、。\s]+", chunk):
                unit = unit.strip()
                if unit and unit not in m.recipients:
                    m.recipients.append(unit)
        if not m.attendees:
            m.attendees = self._news_attendees()

    def _news_attendees(self) -> list[str]:
        """Names in «区领导…出席/参加会议» sentences of news reports."""
        names: list[str] = []
        for para in self.paras:
            for sentence in re.split(r"[。;]", para.text):
                if not re.search(r"(出席|参加会议|参加|到会)(会议)?$", sentence):
                    continue
                if re.search(r"列席|主持", sentence):
                    sentence = re.split(r"列席|主持", sentence)[0]
                for part in re.split(r"[,、]", re.sub(r"(出席|参加|到会)(会议)?$|等$", "", sentence)):
                    part = re.sub(r"^(?:出席会议的有)", "", part.strip())
                    match = re.search(rf"(?:领导|长|书记|主任|委员|常委|成员|秘书长)?({NAME})$", part)
                    if match and not re.search(r"(长|书记|主任|委员|常委|成员|领导|局|办|委|部)$", match.group(1)):
                        name = match.group(1)
                        if name[0] in _SURNAMES and name not in names:
                            names.append(name)
        return names

    # ---- agenda items -------------------------------------------------------------------------

    def _items(self, body_end: int) -> None:
        m = self.m
        opening = self.opening if self.opening is not None else 0
        body = self.paras[opening + 1 : body_end]
        body = [p for p in body if not _TIMESTAMP.match(p.text)]
        overview: list[_Para] = self.paras[: opening + 1]
        items: list[list[_Para]] = []
        for pattern, minimum in _SCHEMES:
            values = [mark[1] for p in body if (mark := _marker(pattern, p.text))]
            # A scheme numbers the agenda when it starts at 1 and counts up (1, 2, 3 …).
            if len(values) >= minimum and values[:minimum] == list(range(1, minimum + 1)):
                items, extra = _group_numbered(body, pattern)
                overview += extra
                break
        else:
            items, extra = self._group_prose(body)
            overview += extra
        if not items and self.opening is not None:
            overview, items = self._split_opening(overview)
        if not items and body:
            items = [body]
        m.items = [self._overview(overview)] if overview else []
        for group in items:
            m.items.append(self._make_item(group))
        if len(m.items) <= 1:
            m.warnings.append("未识别出议题")

    def _group_prose(self, body: list[_Para]) -> tuple[list[list[_Para]], list[_Para]]:
        items: list[list[_Para]] = []
        overview: list[_Para] = []
        has_comment: list[bool] = []
        for i, para in enumerate(body):
            text = para.text
            if _CLOSING.match(text):
                continue
            if _is_attendance(text):
                if not items:
                    overview.append(para)
                continue
            if text.startswith("【") and items:
                items[-1].append(para)
                continue
            if _SUMMARY.search(text) and items:  # 会议逐项研究了上述议题…
                items[-1].append(para)
                continue
            matter = bool(_MATTER.match(text)) and not _COMMENT.match(text)
            comment = bool(_COMMENT.match(text))
            clauses = _verb_clauses(text) if not comment else []
            if len(clauses) >= 3:
                later = sum(
                    1
                    for p in body[i + 1 :]
                    if (_MATTER.match(p.text) or _COMMENT.match(p.text))
                    and not _SUMMARY.search(p.text)
                    and not _CLOSING.match(p.text)
                )
                if later >= 2 and not items:
                    overview.append(para)  # a list of topics discussed one by one below
                    continue
                for clause in _split_clauses(para):
                    items.append([clause])
                    has_comment.append(bool(_HAS_COMMENT.search(clause.text)))
                continue
            if _CHAIR_SPEECH.match(text) and not _MATTER.match(text):
                items.append([para])
                has_comment.append(True)
            elif matter:
                items.append([para])
                has_comment.append(bool(_HAS_COMMENT.search(text)))
            elif comment:
                if items and not has_comment[-1] and not _COMMENT.match(items[-1][0].text):
                    items[-1].append(para)
                    has_comment[-1] = True
                else:
                    items.append([para])
                    has_comment.append(True)
            elif _DECISION.match(text) and items:
                items[-1].append(para)
            elif items:
                if len(text) < 15 and not re.search(r"[,。;]", text):
                    continue  # a byline (张慧君 顾 辉)
                items[-1].append(para)
                has_comment[-1] = has_comment[-1] or bool(_HAS_COMMENT.search(text))
            elif _is_title(text) or len(text) < 12:
                overview.append(para)
            else:
                items.append([para])
                has_comment.append(bool(_HAS_COMMENT.search(text)))
        return items, overview

    def _split_opening(self, overview: list[_Para]) -> tuple[list[_Para], list[list[_Para]]]:
        """A report that is all one paragraph: keep the meeting sentence, split the matters off."""
        opening = overview[-1]
        clauses = _split_clauses(opening, keep_first=True)
        if len(clauses) <= 1:
            return overview, []
        head, rest = clauses[0], clauses[1:]
        items = [[c] for c in rest if _CLAUSE.match(c.text) or _MATTER.match(c.text)]
        if not items:
            return overview, []
        first_item = items[0][0]
        head = _Para(opening.start, first_item.start, self.norm.text[opening.start : first_item.start].rstrip())
        return [*overview[:-1], head], items

    def _overview(self, paras: list[_Para]) -> AgendaItem:
        start, end = self.norm.to_original(paras[0].start, paras[-1].end)
        start = 0 if paras[0] is self.paras[0] else start
        norm_text = "\n".join(p.text for p in paras)
        return AgendaItem(None, "会议概况", self.norm.original[start:end], start, end, [], "overview", norm_text)

    def _make_item(self, paras: list[_Para]) -> AgendaItem:
        first = paras[0].text
        number = None
        heading_text = first
        for pattern, _minimum in _SCHEMES:
            marker = _marker(pattern, first)
            if marker:
                number = marker[0]
                heading_text = first[pattern.match(first).end() :]  # type: ignore[union-attr]
                if not heading_text and len(paras) > 1:
                    heading_text = paras[1].text
                break
        start, end = self.norm.to_original(paras[0].start, paras[-1].end)
        item = AgendaItem(
            number=number,
            heading=_heading(heading_text, limit=120 if number else 60),
            text=self.norm.original[start:end],
            start=start,
            end=end,
            norm="\n".join(p.text for p in paras),
        )
        item.subitems = self._subitems(paras[1:] if number else paras)
        return item

    def _subitems(self, paras: list[_Para]) -> list[SubItem]:
        marks = []
        for i, para in enumerate(paras):
            marker = _marker(_PAREN, para.text) or _marker(_ARABIC, para.text)
            if marker:
                marks.append((i, marker[0]))
        if not marks:
            return []
        subs = []
        for k, (i, num) in enumerate(marks):
            last = marks[k + 1][0] - 1 if k + 1 < len(marks) else len(paras) - 1
            start, end = self.norm.to_original(paras[i].start, paras[last].end)
            subs.append(SubItem(num, self.norm.original[start:end], start, end))
        return subs


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _is_title(text: str) -> bool:
    return len(text) <= 60 and not re.search(r"[,。;]", text)


def _is_attendance(text: str) -> bool:
    """«区领导…出席。…列席。» or «会议由区长王敏主持。副区长…出席。»: metadata, not a matter."""
    sentences = [s for s in re.split(r"[。]", text) if s.strip()]
    if not sentences:
        return False
    return all(
        _ATTENDANCE.search(s + "。") or re.search(r"主持(会议)?$", s) or s.startswith("出席会议的有") for s in sentences
    )


# The government a meeting's name says held it (省政府常务会议, 自治区人民政府第3次常务会议).
_MEETING_GOV = re.compile(r"(自治区|省|市|州|盟)(?:人民政府|政府|行政公署|行署)")


def _meeting_phrase(text: str, start: int, end: int) -> str:
    """The noun phrase naming the meeting: 五届区政府第55次常务会议, 市政府第29次常务会议."""
    head = text[max(0, start - 40) : start]
    boundary = r"主持召开了?|召开了?|举行了?|[,。;:)]|日|上午|下午|晚上|晚|在|同志|由|讯"
    cut = max((m.end() for m in re.finditer(boundary, head)), default=0)
    phrase = head[cut:] + text[start:end]
    phrase = re.sub(r"^(会议|了|的|[1-3]?\d\s+)", "", phrase.strip()).lstrip("、,;: ")
    if not phrase.endswith("会议"):
        phrase = phrase.rstrip("会") + "会议"
    return phrase


def _find_chair(text: str) -> tuple[str, str | None] | None:
    for pattern in _CHAIR_PATTERNS:
        for match in pattern.finditer(text):
            before = text[: match.start()]
            after = text[match.end() : match.end() + 60]
            if _RELAYED.search(before) or _NOT_OURS.match(after):
                continue
            name = re.sub(r"同志$", "", match.group("name"))
            title = match.groupdict().get("title")
            if re.search(r"(长|书记|主任|常委|委员|领导|局|政府)$", name):
                continue
            if title:
                title = re.sub(r"^(?:会议)?由", "", title).strip("、, ")
            return name, title or None
    return None


def _meeting_date_mention(opening: str) -> DateMention | None:
    """The date of the meeting: the last date before the meeting's mention in the opening."""
    dates = find_dates(opening)
    if not dates:
        return None
    anchor = re.search(rf"{_EXEC}|常务会|召开|主持", opening)
    limit = anchor.start() if anchor else len(opening)
    before = [d for d in dates if d.end <= limit and opening[d.end : d.end + 1] != "讯"]
    if before:
        # A full date beats a weaker reading of the same spot (今天(2月24日)).
        return before[-1]
    return dates[0]


def _verb_clauses(text: str) -> list[str]:
    clauses = [c for c in re.split(r"[;。]", text) if c.strip()]
    return [c for c in clauses if _CLAUSE.match(c.strip()) and not _SUMMARY.search(c)]


def _split_clauses(para: _Para, keep_first: bool = False) -> list[_Para]:
    """Split a paragraph at '。' and ';' where the next clause starts a new matter."""
    pieces: list[_Para] = []
    pos = 0
    text = para.text
    for match in re.finditer(r"[;。]", text):
        pieces.append(_Para(para.start + pos, para.start + match.end(), text[pos : match.end()]))
        pos = match.end()
    if pos < len(text):
        pieces.append(_Para(para.start + pos, para.end, text[pos:]))
    groups: list[_Para] = []
    pending: _Para | None = None  # a leading summary sentence (本次会议共研究讨论7项议题) joins the next
    for piece in pieces:
        if not groups and pending is None and _SUMMARY.search(piece.text) and not keep_first:
            pending = piece
            continue
        if pending is not None:
            piece = _Para(pending.start, piece.end, pending.text + piece.text)
            pending = None
        stripped = piece.text.strip()
        starts = bool(_CLAUSE.match(stripped)) and not _SUMMARY.search(stripped) and not _COMMENT.match(stripped)
        if groups and (
            not starts
            or (keep_first and len(groups) == 1 and not _CLAUSE.match(groups[0].text) and re.search(r"主持", stripped))
        ):
            prev = groups[-1]
            groups[-1] = _Para(prev.start, piece.end, prev.text + piece.text)
        else:
            offset = len(piece.text) - len(piece.text.lstrip())
            groups.append(_Para(piece.start + offset, piece.end, stripped))
    if pending is not None:
        groups.append(pending)
    return groups


def _group_numbered(body: list[_Para], pattern: re.Pattern[str]) -> tuple[list[list[_Para]], list[_Para]]:
    items: list[list[_Para]] = []
    before: list[_Para] = []
    expected = 1
    for para in body:
        marker = _marker(pattern, para.text)
        if marker and marker[1] == expected:
            items.append([para])
            expected += 1
            continue
        if _CLOSING.match(para.text):
            continue
        if items:
            items[-1].append(para)
        else:
            before.append(para)
    return items, before


def _heading(text: str, limit: int = 60) -> str:
    """An item heading: its first sentence, cut at a clause boundary if long."""
    text = re.sub(r"\*\*", "", text).strip()
    first = re.split(r"(?<=[。;])", text, maxsplit=1)[0].rstrip("。;")
    if len(first) <= limit:
        return first
    cut = max((m.start() for m in re.finditer(r"[,;:]", first[:limit])), default=0)
    if cut < 20:
        cut = limit
    return first[:cut] + "…"


def _parse_people(chunks: list[str]) -> list[str]:
    """Names from 出席 lists: «陈 羔 吴 强 华建男» or «郑丙华、王莉萍» or «区政府领导万利、张伟,区政协周黎敏»."""
    text = " ".join(chunks)
    names: list[str] = []
    if re.search(r"[、,]", text):
        for _unit, name in _parse_units([text]):
            if name and name not in names:
                names.append(name)
        return names
    tokens = text.split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if len(token) == 1 and i + 1 < len(tokens) and len(tokens[i + 1]) == 1:
            token += tokens[i + 1]
            i += 1
        if len(token) >= 2 and token not in names:
            names.append(token)
        i += 1
    return names


def _split_unit_name(entry: str) -> tuple[str, str]:
    """«区城管委范剑军» → (区城管委, 范剑军): the name is what follows a unit-like ending."""
    entry = entry.strip("。.;, ")
    if "·" in entry:
        match = re.search(rf"({NAME})$", entry)
        if match and "·" in match.group(1):
            return entry[: match.start()], match.group(1)
    best: tuple[int, int] | None = None
    for k in (3, 2):
        if len(entry) < k:
            continue
        unit = entry[:-k]
        score = 2 * (entry[-k] in _SURNAMES) + (bool(unit) and unit[-1] in _UNIT_END)
        if not unit:
            score += 1 if entry[-k] in _SURNAMES else 0
        if best is None or score > best[0]:
            best = (score, k)
    if best is None or best[0] < 2:
        return entry, ""
    k = best[1]
    return entry[:-k], entry[-k:]


def _split_run(entry: str) -> list[tuple[str, str]]:
    """Entries run together without a separator: «金阊街道周泳沧浪街道章云丽» → two pairs."""
    for i in range(2, len(entry) - 5):
        if entry[i - 1] not in _UNIT_END or entry[i] not in _SURNAMES:
            continue
        for n in (2, 3):
            rest = entry[i + n :]
            unit, name = _split_unit_name(rest)
            if name and len(unit) >= 2 and unit[-1] in _UNIT_END and name[0] in _SURNAMES:
                return [(entry[:i], entry[i : i + n]), *_split_run(rest)]
    unit, name = _split_unit_name(entry)
    return [(unit, name)]


def _parse_units(chunks: list[str]) -> list[tuple[str, str]]:
    """«市政府办王晨清、倪明德,市纪委监委高富堂» → [(市政府办, 王晨清), (市政府办, 倪明德), …]."""
    out: list[tuple[str, str]] = []
    # «县政府办 刘七»: a unit and a name separated by a space are one entry.
    text = re.sub(
        rf"(?<=[{''.join(sorted(_UNIT_END))}])[ ]+(?=[{''.join(sorted(_SURNAMES))}][{_HAN}]{{1,2}}(?:[,;。、\s]|$))",
        "",
        " ".join(chunks),
    )
    for entry in re.split(r"[,;。\s]+", text):
        entry = entry.strip()
        if not entry:
            continue
        unit = ""
        pending_units: list[str] = []
        for k, part in enumerate(entry.split("、")):
            part = part.strip()
            if not part:
                continue
            if k == 0 or len(part) >= 4:
                pairs = _split_run(part)
                out.extend(pairs[:-1])
                part_unit, name = pairs[-1]
                if not name and k > 0 and len(part) <= 4 and part[0] in _SURNAMES:
                    part_unit, name = "", part  # a four-character name
                if not name:
                    pending_units.append(part_unit)
                    continue
                if part_unit:
                    unit = "、".join([*pending_units, part_unit]) if pending_units else part_unit
                pending_units = []
            else:
                name = part
            out.append((unit, name))
    return out
