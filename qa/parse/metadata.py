"""A meeting's facts, read from its report's layout: title, 文号, issuing office, the meeting's
name and number, the region (which government held it), the chair, and the dates (the meeting's,
completed from evidence when the page omits the year; publication and issue dates).
"""

from __future__ import annotations

import re
from datetime import date
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
from qa.meeting import Meeting
from qa.normalize import BYLINE
from qa.parse.layout import CHRONICLE, Layout
from qa.parse.patterns import EXEC, HAN, MEETING, NAME, OPENING, PARTY_MEETING, is_title
from qa.regions import head_title, infer_region, own_government_kind, region_of_chair

# Heads of government at every level (issue 12, class 3): 省长, 盟长 as well as 区/县/市/旗/州长.
_TITLE_WORD = r"(?:常务副(?:省|区|县|市|旗|州|盟)长|副?(?:省|区|县|市|旗|州|盟|镇|乡)长|主任|主席|书记|副书记)"
_TITLE_CHAIN = (
    rf"(?:[{HAN}]{{0,14}}?(?:书记|主任|常委|委员|成员|区长|县长|市长|省长|旗长|州长|盟长|主席)[、,]\s*)*"
    rf"[{HAN}]{{0,12}}?{_TITLE_WORD}"
)
# Between the chair's name and 主持: a place (在区政府817会议室) or a delegation (受市长委托).
_BEFORE_CHAIR = r"(?:受[^,。;]{1,12}?委托)?(?:在[^,。;]{1,24})?"
_CHAIR_PATTERNS = [
    # 会议主持人: 区委副书记、区长杨福涛
    re.compile(rf"主持人?\s*[:]\s*(?P<title>{_TITLE_CHAIN})?(?P<name>{NAME})(?:同志)?\s*$", re.M),
    # 区委副书记、区长常晓勇主持 / 会议由区长王敏主持 / 区长戴士福在区政府817会议室主持召开
    # 常务副市长(主持市政府全面工作)张军主持召开: a bracketed note on the title belongs to it
    re.compile(rf"(?P<title>{_TITLE_CHAIN}(?:\([^()]{{1,16}}\))?)(?P<name>{NAME})(?:同志)?{_BEFORE_CHAIR}主持"),
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

_BAD_BEFORE_NUM = re.compile(r"[下上本该每这此前后]$")
_YEAR_OF_MEETING = re.compile(
    rf"((?:19|20)\d{{2}})\s*年度?\s*(?:第[\d{CN_NUM}]+次|[^,。]{{0,12}}?党组|[^,。]{{0,6}}?常务)|[〔\[(]((?:19|20)\d{{2}})[〕\])]\s*第"
)
_DOC_NUMBER = re.compile(rf"[{HAN}]{{0,12}}[〔﹝\[【(]\s*\d{{4}}\s*[〕﹞\]】)]\s*\d+\s*号|^第\s*\d+\s*号$", re.M)
_OFFICE = re.compile(rf"[{HAN}]{{2,30}}?(?:党政办公室|办公室)")
_TIME_OF_DAY = re.compile(r"^\s*(?:\([^)]{1,6}\))?\s*(上午|下午|晚上|晚间|晚|早上|中午|傍晚)")
_LABEL = re.compile(
    r"^(会议时间|会议地点|会议主持人?|主持人|列席情况|出席情况|会议议题|会议内容|会议过程|参会人员)\s*[:]?\s*(.*)$"
    # Labels a formal 纪要 writes without 会议, only with their colon («主持召开…» is no label).
    r"|^(地点|主持)\s*[:]\s*(.*)$"
)
_SHORT_LABELS = {"地点": "会议地点", "主持": "会议主持"}


def read_metadata(layout: Layout, meeting: Meeting, meta_dates: list[tuple[str, str]]) -> None:
    """Fill ``meeting``'s facts from its report's ``layout``; ``meta_dates`` are the file's own dates
    (HTML <meta>, canonical URL, docx and PDF properties: weak evidence for a missing year)."""
    _Reader(layout, meeting, meta_dates).run()


class _Reader:
    """Reads one report's facts into its Meeting (warnings say what is missing or guessed)."""

    def __init__(self, layout: Layout, meeting: Meeting, meta_dates: list[tuple[str, str]]):
        self.layout = layout
        self.m = meeting
        self.meta_dates = meta_dates
        self.norm = layout.norm
        self.paras = layout.paras
        self.opening = layout.opening
        self.header = layout.header
        self.tail = layout.tail
        self.chronicle = layout.chronicle

    def run(self) -> None:
        m = self.m
        opening = self.layout.opening_text
        header_text = "\n".join(p.text for p in self.header)
        labelled = self._labelled_fields()
        m.title = self._title()
        m.doc_number = self._doc_number()
        m.issuer = self._issuer()
        self._meeting_name_and_number(opening, header_text)
        self._region(opening, header_text)
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
            label = match.group(1) or _SHORT_LABELS[match.group(3)]
            value = (match.group(2) if match.group(1) else match.group(4)).strip()
            if not value and i + 1 < len(paras) and not _LABEL.match(paras[i + 1].text):
                value = paras[i + 1].text
            fields.setdefault(label, value)
        if "会议时间" not in fields and ({"会议地点", "会议主持"} & fields.keys()):
            # The normaliser sets every «时间：…» line aside as page furniture (a publication stamp,
            # most often); beside 地点 / 主持 labels it is the meeting's time.
            for hint in self.norm.hints:
                match = re.match(r"^时间\s*[:]\s*(.+)$", hint)
                if match:
                    fields["会议时间"] = match.group(1).strip()
                    break
        return fields

    def _title(self) -> str | None:
        candidates = [p.text for p in self.header if is_title(p.text) and re.search(r"会议|纪要", p.text)]
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

    def _meeting_name_and_number(self, opening: str, header: str) -> None:
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
            for match in MEETING.finditer(text):
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
            party = PARTY_MEETING.search(opening)
            if party and self._party_meeting_only(opening):
                m.meeting = _meeting_phrase(opening, party.end() - 4, party.end())
                return
            m.warnings.append("未找到会议次数")
            found = re.search(r"((?:自治区|[省州盟区县市旗])?(?:人民)?政府)[^,。;]{0,24}?常务会议?", opening)
            if found:
                m.meeting = found.group(1) + "常务会议"

    def _party_meeting_only(self, opening: str) -> bool:
        """A report of a 党组会议 alone: its opening names that meeting and no executive meeting."""
        return bool(PARTY_MEETING.search(opening)) and not OPENING.search(opening)

    def _region(self, opening: str, header: str) -> None:
        """Which government held the meeting: ``region``, ``city``, ``province`` (issue 12, class 3).

        The level of government the report names as its own (区, 县, 市, 省 …) narrows where the
        gazetteer looks; a page that never names its place leaves the region empty, with a warning.
        """
        m = self.m
        kind_text = opening + "\n" + header
        if m.meeting_number is None and self.opening is not None and self._party_meeting_only(opening):
            kind = own_government_kind(kind_text) or own_government_kind(self.norm.text)
        else:
            kind = own_government_kind(kind_text)
            if kind is None:
                kind = own_government_kind(self.norm.text)
                # A county's agenda often names the 省政府 (a document relayed): a province-level meeting
                # must say so where it names itself (issue 12, class 3).
                kind = None if kind in ("省", "自治区") else kind
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
        m.issued = self._issued()
        references = self._publication_dates()
        m.published = max(references).isoformat() if references else None
        mention: DateMention | None = None
        source_text = opening
        if labelled.get("会议时间"):
            found = find_dates(labelled["会议时间"])
            if found:
                mention, source_text = found[0], labelled["会议时间"]
        chronicle = self.chronicle
        if mention is None and chronicle is not None:
            heading, day = chronicle
            year, month = (int(x) for x in CHRONICLE.search(heading.text).groups())  # type: ignore[union-attr]
            try:
                m.date = date(year, month, day).isoformat()
                m.date_inferred = True
                m.date_inferred_from = "大事记标题"
                m.warnings.append(f"会议日期：取自大事记条目（{day}日），年月取自大事记标题")
            except ValueError:
                pass
        if mention is None and m.date is None:
            mention = _meeting_date_mention(opening)
        if mention is None and m.date is None:
            mention, source_text = self._date_line(), ""
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
                    m.warnings.append(
                        f"会议日期只有{month}月{day}日：页面未写年份，也没有可据以推定年份的依据，年份留空"
                    )
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
            # The 纪要's own date (印发 or under the title) follows the meeting it records.
            ("纪要成文日期", [date.fromisoformat(self.m.issued)] if self.m.issued else []),
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

    def _date_line(self) -> DateMention | None:
        """A date on a line of its own right under an opening that gives none: «(2022年5月10日)»."""
        if self.opening is None or self.opening + 1 >= len(self.paras):
            return None
        text = self.paras[self.opening + 1].text
        if not _DATE_LINE.fullmatch(text):
            return None
        found = find_dates(text)
        return found[0] if found else None

    def _publication_dates(self) -> list[date]:
        out: list[date] = []
        sources = [*self.norm.hints, *(p.text for p in self.header)]
        for text in sources:
            if not (_PUBLICATION_LINE.search(text) or BYLINE.search(text)):
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
            if re.fullmatch(r"\s*(?:\S{2,30}(?:办公室|人民政府)\s*)?\d{4}年\d{1,2}月\d{1,2}日\s*", para.text):
                mention = find_dates(para.text)[0]
                return date(mention.year, mention.month, mention.day).isoformat()  # type: ignore[arg-type]
        return None


# A line saying when the page was published: labelled, dashed, or the page's byline (a stamp with a
# clock time, 来源 / 浏览次数 / 作者 …: qa.normalize.BYLINE). A bare date under a 纪要's title is not one.
_PUBLICATION_LINE = re.compile(r"发布|日期|时间|更新|成文|生成|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
# A line that is only a date (in brackets, with a weekday or the time of day).
_DATE_LINE = re.compile(
    r"[(（]?\s*(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年[\d一二三四五六七八九十〇零]{1,3}月[\d一二三四五六七八九十〇零]{1,3}日"
    r"\s*(?:[(（]?星期[一二三四五六日天][)）]?)?\s*(?:上午|下午|晚上)?\s*[)）]?"
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
    anchor = re.search(rf"{EXEC}|常务会|召开|主持", opening)
    limit = anchor.start() if anchor else len(opening)
    before = [d for d in dates if d.end <= limit and opening[d.end : d.end + 1] != "讯"]
    if before:
        # A full date beats a weaker reading of the same spot (今天(2月24日)).
        return before[-1]
    return dates[0]
