"""Dates in minutes: Chinese numerals, date expressions (whole, partial, broken) and the year.

Meeting lines often omit the year («3月10日，县政府第三十八次常务会议…») and websites break dates
(«1110日», «202291日», «3-24», «25日», «昨日»). The year and missing parts are recovered from the
publication line, from years in the meeting's own name («2025年党组会议和第21次常务会议»), from
national events the text mentions (党的二十届四中全会 → 2025) and from years the agenda names.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUM = "〇零○一二两三四五六七八九十百千"


def cn_to_int(text: str) -> int | None:
    """Chinese or Arabic numeral → int: 二十一, 一百零七, 一三一 (digit by digit), 二〇二六, 42."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    if not any(ch in _CN_UNITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


@dataclass
class DateMention:
    """A date expression in text; missing parts are ``None``."""

    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    kind: str  # full | month_day | broken | day | relative | yesterday

    def complete(self) -> bool:
        return self.year is not None and self.month is not None and self.day is not None


_YMD = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(?P<m>\d{1,2})\s*(?:月|-|/|\.)\s*(?P<d>\d{1,2})(?:日|号)?(?![\d])"
)
_CN_YMD = re.compile(rf"(?P<y>[{CN_NUM}]{{4}})年(?P<m>[{CN_NUM}]{{1,3}})月(?P<d>[{CN_NUM}]{{1,3}})日")
_MD = re.compile(r"(?<![\d年./-])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*(?:日|号)")
_CN_MD = re.compile(
    r"(?<![〇零○一二三四五六七八九十年])(?P<m>十[一二]?|[一二三四五六七八九])月(?P<d>[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])[日号]"
)
# 月 (and 年) dropped by a website: 1110日, 1123日, 202291日.
_BROKEN = re.compile(r"(?<![\d月年./-])(?P<digits>\d{3,8})日")
# 年/月/日 replaced by '-': a meeting line starting "3-24,".
_DASH_MD = re.compile(r"(?:^|(?<=[\s(]))(?P<m>\d{1,2})-(?P<d>\d{1,2})(?=[,，\s上下晚])")
_DAY = re.compile(r"(?<![\d月./-])(?P<d>[1-3]?\d)\s*日(?=[,，上下晚早])")
_RELATIVE = re.compile(r"(?P<w>昨日|昨天|今日|今天|前天|日前)")


def _valid(y: int | None, m: int | None, d: int | None) -> bool:
    try:
        date(y or 2000, m or 1, d or 1)
    except ValueError:
        return False
    return True


def find_dates(text: str) -> list[DateMention]:
    """All date expressions in ``text`` in order (overlapping weaker readings dropped)."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    def add(mention: DateMention) -> None:
        if free(mention.start, mention.end):
            found.append(mention)
            taken.append((mention.start, mention.end))

    for m in _YMD.finditer(text):
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
        if _valid(y, mo, d):
            add(DateMention(m.start(), m.end(), y, mo, d, "full"))
    for m in _CN_YMD.finditer(text):
        y, mo, d = cn_to_int(m["y"]), cn_to_int(m["m"]), cn_to_int(m["d"])
        if y and _valid(y, mo, d):
            add(DateMention(m.start(), m.end(), y, mo, d, "full"))
    for m in _MD.finditer(text):
        mo, d = int(m["m"]), int(m["d"])
        if _valid(None, mo, d):
            add(DateMention(m.start(), m.end(), None, mo, d, "month_day"))
    for m in _CN_MD.finditer(text):
        mo, d = cn_to_int(m["m"]), cn_to_int(m["d"])
        if mo and d and _valid(None, mo, d):
            add(DateMention(m.start(), m.end(), None, mo, d, "month_day"))
    for m in _BROKEN.finditer(text):
        add(DateMention(m.start(), m.end(), None, None, None, "broken:" + m["digits"]))
    for m in _DASH_MD.finditer(text):
        mo, d = int(m["m"]), int(m["d"])
        if _valid(None, mo, d):
            add(DateMention(m.start(), m.end(), None, mo, d, "month_day"))
    for m in _DAY.finditer(text):
        add(DateMention(m.start(), m.end(), None, None, int(m["d"]), "day"))
    for m in _RELATIVE.finditer(text):
        add(DateMention(m.start(), m.end(), None, None, None, "relative:" + m["w"]))
    found.sort(key=lambda d: d.start)
    return found


def resolve(mention: DateMention, reference: date | None, year_hint: int | None) -> tuple[date | None, bool]:
    """Complete a date mention.

    Args:
        mention: the meeting's date expression.
        reference: the publication date (the latest one not before the meeting), if any.
        year_hint: a year known from the document itself, if any.

    Returns:
        ``(date, inferred)``: ``inferred`` is true when any part did not come from the mention.
    """
    kind = mention.kind
    if mention.complete():
        return date(mention.year, mention.month, mention.day), False  # type: ignore[arg-type]
    if kind.startswith("relative:"):
        word = kind.split(":", 1)[1]
        if reference is None:
            return None, True
        if word in ("昨日", "昨天"):
            return reference - timedelta(days=1), True
        if word == "前天":
            return reference - timedelta(days=2), True
        return reference, True
    candidates: list[tuple[int | None, int, int]] = []
    if kind.startswith("broken:"):
        candidates = broken_readings(kind.split(":", 1)[1])
    elif kind == "day":
        if reference is None:
            return None, True
        mo, y = reference.month, reference.year
        if mention.day and mention.day > reference.day:  # the day before publication, last month
            first = reference.replace(day=1) - timedelta(days=1)
            mo, y = first.month, first.year
        if mention.day and _valid(y, mo, mention.day):
            return date(y, mo, mention.day), True
        return None, True
    else:
        candidates.append((mention.year, mention.month or 1, mention.day or 1))
    best: tuple[date, int] | None = None
    for y, mo, d in candidates:
        year = y or _year_for(mo, d, reference, year_hint)
        if year is None or not _valid(year, mo, d):
            continue
        when = date(year, mo, d)
        # Prefer the reading closest before the publication date.
        distance = abs((reference - when).days) if reference else 0
        if reference and when > reference:
            distance += 10000
        if best is None or distance < best[1]:
            best = (when, distance)
    return (best[0], True) if best else (None, True)


def broken_readings(digits: str) -> list[tuple[int | None, int, int]]:
    """(year, month, day) readings of a date whose 年/月 a website dropped: 1123 → 11-23; 111 → 1-11 or 11-1."""
    year = None
    if len(digits) >= 6:
        year, digits = int(digits[:4]), digits[4:]
    out: list[tuple[int | None, int, int]] = []
    for cut in range(1, len(digits)):
        mo, d = int(digits[:cut]), int(digits[cut:])
        leading_zero_day = digits[cut] == "0" and len(digits[cut:]) != 2
        if not leading_zero_day and 1 <= mo <= 12 and 1 <= d <= 31 and _valid(year, mo, d):
            out.append((year, mo, d))
    return out


def _year_for(month: int, day: int, reference: date | None, year_hint: int | None) -> int | None:
    if year_hint:
        return year_hint
    if reference is None:
        return None
    return reference.year if (month, day) <= (reference.month, reference.day) else reference.year - 1


# ---------------------------------------------------------------------------------------------
# the year from the document's own content
# ---------------------------------------------------------------------------------------------

_PLENUM = re.compile(r"(十八|十九|二十|二十一)届(?:中央委员会)?(?:第)?([一二三四五六七八九])(?:中全会|次全体会议)")
_PLENUM_YEARS = {
    "十八": [2012, 2013, 2013, 2014, 2015, 2016, 2017],
    "十九": [2017, 2018, 2018, 2019, 2020, 2021, 2022],
    "二十": [2022, 2023, 2024, 2025, 2026, 2027, 2027],
}
_NPC = re.compile(r"(十二|十三|十四|十五)届全国人大([一二三四五])次会议")
_NPC_FIRST = {"十二": 2013, "十三": 2018, "十四": 2023, "十五": 2028}
# «十四五收官之年», «确保“十四五”圆满收官» speak of the plan's last year as the current one;
# «“十四五”圆满收官» looked back on (a January review) dates nothing (issue 12, class 5).
_PLAN_END = re.compile(
    r"(?:保证|确保|力争|奋力|决战|全力|推动|实现(?!了))[^,。;]{0,8}?[“\"]?(十三五|十四五|十五五)[”\"]?(?:规划)?(?:的)?"
    r"(?:圆满|胜利|高质量)?收官|[“\"]?(十三五|十四五|十五五)[”\"]?(?:规划)?(?:的)?收官(?:之年|年)"
)
_PLAN_END_YEARS = {"十三五": 2020, "十四五": 2025, "十五五": 2030}
_PLAN_START = re.compile(
    r"[“\"]?(十三五|十四五|十五五)[”\"]?(?:规划)?[^,。;]{0,4}?(?:开局(?:之年|年|良好)|良好开局)"
)
_NEW_YEAR = re.compile(rf"([{CN_NUM}]{{4}}|\d{{4}})年新年贺词")
_YEAR = re.compile(r"(?<![\d\-—~至到])((?:19|20)\d{2})\s*(?:年|-度|年度)(?![\d\-—~至到]*远景)")


def event_year(text: str) -> int | None:
    """A year fixed by national events the text refers to (plenums, NPC sessions, plan ends)."""
    years: list[int] = []
    for m in _PLENUM.finditer(text):
        table = _PLENUM_YEARS.get(m.group(1))
        index = cn_to_int(m.group(2))
        if table and index and index <= len(table):
            years.append(table[index - 1])
    for m in _NPC.finditer(text):
        first, session = _NPC_FIRST.get(m.group(1)), cn_to_int(m.group(2))
        if first and session:
            years.append(first + session - 1)
    for m in _PLAN_END.finditer(text):
        years.append(_PLAN_END_YEARS[m.group(1) or m.group(2)])
    # «十四五开局之年»: the plan's first year (issue 12, class 1). «为十五五开好局» prepares it: no year.
    for m in _PLAN_START.finditer(text):
        years.append(_PLAN_END_YEARS[m.group(1)] - 4)
    for m in _NEW_YEAR.finditer(text):
        value = cn_to_int(m.group(1))
        if value:
            years.append(value)
    return max(years) if years else None


def mentioned_year(text: str, not_after: int) -> int | None:
    """The latest year the agenda speaks of («2024年防汛抗旱», «2015年财政预算(草案)»).

    Ranges (2023-2030年) and targets (到2035年) do not count: only their first year can be the
    meeting's. Years after ``not_after`` are ignored.
    """
    counts: Counter[int] = Counter()
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        if 1990 <= year <= not_after:
            counts[year] += 1
    return max(counts) if counts else None


# ---------------------------------------------------------------------------------------------
# dates outside the text: URLs and file names (issue 12, class 1)
# ---------------------------------------------------------------------------------------------

# /202210/, /2022-09/28/, t20221124_, /2026-01-21/, /2019/01/06/, _20230405.: a date path in a URL
# or a file name; month (and day) must be valid. A year and month alone stand for that month.
_PATH_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[-_/.]?(0[1-9]|1[0-2])(?:[-_/.]?(0[1-9]|[12]\d|3[01]))?(?!\d)"
)
_URL = re.compile(r"https?://[^\s\"'<>，。]+")


def path_dates(text: str) -> list[date]:
    """Dates written in a URL path or a file name; a year-month counts as the month's last day."""
    out: list[date] = []
    for m in _PATH_DATE.finditer(text):
        year, month = int(m.group(1)), int(m.group(2))
        last_day = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
        day = int(m.group(3)) if m.group(3) else last_day
        if _valid(year, month, day):
            out.append(date(year, month, day))
    return out


def urls(text: str) -> list[str]:
    """The web addresses written in a text."""
    return _URL.findall(text)


# A year the agenda names as its own period is evidence for the meeting's year; a year the
# agenda looks back on is not (issue 12, class 5: «2021年…综合考核» in a 2025 meeting).
# - progress reports («2024年上半年», «一季度») date the meeting in that year;
# - plans («2015年…计划(草案)», «2026年民生实事», «2025年防洪应急预案», «2024年度…工程») are drafted
#   for the coming year late in the year before, so they count only for meetings before October;
# - a review («2014年…执行情况», «对2011年…作了全面总结») dates an early-year meeting (January to
#   March, when reviews and plans go to the people's congress) in the year after.
_YEAR_AT = re.compile(r"(?<![\d\-—~至到])((?:19|20)\d{2})\s*年(?!\s*[\d\-—~至到]{0,6}年)")
_REPORT_WORDS = re.compile(
    r"^(?:度)?(?:全[省市区县旗州]|全年)?\s*(?:上半年|一季度|第一季度|前三季度|前两个月|1-\d月|1—\d月)"
)
_REVIEW_WORDS = re.compile(r"执行情况|完成情况|工作总结|全面总结|总结了|考核|回顾|决算")
_PLAN_WORDS = re.compile(
    r"草案|计划|预算|目标任务|总体要求|工作要点|重点工作|民生实事|预案|任务|工程|项目|防汛|抗旱|汛期"
)


def current_year(text: str, not_after: int, month: int | None) -> int | None:
    """The meeting's year as the agenda's own periods give it, if they agree; else None."""
    candidates: set[int] = set()
    mentions = list(_YEAR_AT.finditer(text))
    for k, m in enumerate(mentions):
        year = int(m.group(1))
        # The phrase the year belongs to: up to the next year or clause boundary.
        stop = mentions[k + 1].start() if k + 1 < len(mentions) else len(text)
        phrase = re.split(r"[,。;]", text[m.end() : min(stop, m.end() + 40)])[0]
        if _REPORT_WORDS.match(phrase):
            candidates.add(year)
        elif _REVIEW_WORDS.search(phrase):
            if month is not None and month <= 3:
                candidates.add(year + 1)
        elif _PLAN_WORDS.search(phrase) and month is not None and month < 10:
            candidates.add(year)
    candidates = {y for y in candidates if 1990 <= y <= not_after}
    return candidates.pop() if len(candidates) == 1 else None


# ---------------------------------------------------------------------------------------------
# dates as Chinese readers write them
# ---------------------------------------------------------------------------------------------


def month_day_text(partial: str | None) -> str:
    """«08-15» → «8月15日» (what a page without a year says)."""
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", (partial or "").strip())
    return f"{int(match[1])}月{int(match[2])}日" if match else ""


def partial_date_text(partial: str | None) -> str:
    """«08-15» → «8月15日（原文未注明年份）», for a meeting whose page gives no year."""
    label = month_day_text(partial)
    return f"{label}（原文未注明年份）" if label else ""


def cn_date(iso: str | None, partial: str | None = None) -> str:
    """«2024年12月13日»; «8月15日（原文未注明年份）» for a month-day without a year; «日期不详»."""
    if iso:
        try:
            year, month, day = iso.split("-")
            return f"{int(year)}年{int(month)}月{int(day)}日"
        except ValueError:
            return iso
    return partial_date_text(partial) or "日期不详"
