"""Question → type and filters.

The type decides how the answer is shaped (when / chair / number / which meeting / who /
list / what / lookup). Filters come from the question itself — a region (姑苏区, 太仓, 深圳龙华区,
上海), a year or date, a month or half-year, a meeting number (第39次, 第19届42次, 二届一三一次) —
and can also be given explicitly. A place that the index does not hold is kept as a filter that
matches nothing, so the answer is «not found» instead of a different district's meeting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from qa import docnumber
from qa.dates import CN_NUM, cn_to_int, find_dates
from qa.normalize import normalize_query
from qa.regions import Place, gazetteer


@dataclass
class Filters:
    """Metadata restrictions on retrieval."""

    regions: list[str] = field(default_factory=list)  # region, city or province names as indexed
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    months: list[int] = field(default_factory=list)
    meeting_number: int | None = None
    unknown_places: list[str] = field(default_factory=list)  # named in the question, not in the index

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, [], "")}

    def is_empty(self) -> bool:
        return not self.to_dict()

    @property
    def matches_nothing(self) -> bool:
        return bool(self.unknown_places) and not self.regions


@dataclass
class Query:
    """A question, understood."""

    text: str  # as asked
    norm: str  # normalised (simplified, half-width)
    qtype: str  # when | chair | number | which_meeting | who | list | what | lookup
    filters: Filters
    topic: str  # the question without filters and question words: what it is about
    date_words: list[str] = field(default_factory=list)  # year mentions kept as a soft preference
    focus: list[str] = field(default_factory=list)  # what is asked for: 原则 in «坚持什么原则»
    verbs: list[str] = field(default_factory=list)  # the action asked about: 移交 in «移交给哪个单位»
    object_verbs: list[str] = field(default_factory=list)  # verbs whose object is asked: 移交 (not 修改)
    quantity: bool = False  # «多少», «几项»: the answer is a number
    strict: Filters = field(default_factory=Filters)  # set by a person (CLI flag, web filter, API): strict
    order: str | None = None  # latest | earliest: «最近一次», «最早», «首次» order meetings by date
    count: bool = False  # «几次», «多少次»: how many meetings
    parts: list[str] = field(default_factory=list)  # several facts asked at once: ["when", "chair"]

    @property
    def soft(self) -> bool:
        """Whether the question itself narrowed the search (place, date, number): those re-rank only."""
        return self.filters.to_dict() != self.strict.to_dict()


# ---------------------------------------------------------------------------------------------
# question types
# ---------------------------------------------------------------------------------------------

_TYPES: list[tuple[str, re.Pattern[str]]] = [
    (
        "attendance",
        re.compile(
            r"(哪些人|谁|哪些领导|哪些同志|哪些单位|哪几位|哪位|多少人)[^,，。?？]{0,14}(出席|参加|列席|参会|与会)|"
            r"(出席|参加|列席|参会|与会)(会议)?的?(有|是)?(哪些|谁|人员|名单|领导|单位)"
        ),
    ),
    ("who", re.compile(r"(提请|提交|报送?|上报|交由|呈报|送)给?(哪些|哪个|什么|谁)")),
    ("chair", re.compile(r"谁主持|主持人|由谁主持|主持.{0,30}(是谁|哪位|何人)|哪位.{0,6}主持|谁.{0,4}主持")),
    ("where", re.compile(r"在哪里?(召开|开|举行)|在什么地方|会议地点|在哪个会议室|地点在")),
    ("number", re.compile(r"第几次|第多少次|哪一届|几届")),
    (
        "list",
        re.compile(
            r"(哪些|几次|多少次|哪几次)(常务)?会议|(审议|研究|听取|讨论|部署)(了|过)?哪些|"
            r"哪些(地方|地区|区县|县区|区|县|市|政府)|有哪些会议|列出|所有.{0,8}会议"
        ),
    ),
    (
        "when",
        re.compile(
            r"何时|什么时候|什么时间|哪天|哪一天|哪日|几月几[日号]|几[日号]|哪个月|日期|哪一年|何日|召开时间|"
            r"时间是|是在.{0,20}(召开|开的)"
        ),
    ),
    ("which_meeting", re.compile(r"哪次|哪一次|哪个会议|什么会议|哪场|哪一场|在哪.{0,4}会议|开了?个?(?:啥|什么)会")),
    (
        "who",
        re.compile(
            r"哪个(单位|部门|机构)|哪些(单位|部门)|哪家|由谁|谁(负责|牵头|汇报|修改|起草|提出|落实)|"
            r"(提交|交|报|提请|上报)给?(谁|哪|什么)|提请哪些|牵头|什么部门|什么单位|谁来|"
            r"(汇报|起草|修改完善)的?(单位|部门)|谁的(汇报|报告)|听取?了?(哪些?|哪个)(单位|部门)"
        ),
    ),
]
_QUESTION_WORDS = re.compile(
    r"(?:怎么|如何|怎样)[\u4e00-\u9fff]{0,3}?的?(?=[?？。]|$)|请问|是哪天|哪一天|哪天|何时|什么时候|什么时间|几月几[日号]|"
    r"是谁|由谁|谁|哪位|哪些|哪个|哪家|哪次|哪一次|哪场|哪几[个份项条次件位家批种类]?|第几次|几次|多少次|"
    r"几[个份项条件位家批种类万亿吨亩人]|什么样的?|什么|怎么样|怎样|如何|多少|是否|有没有|吗|呢|[?？。!！]"
)


_WH_WORDS = {"什么", "什么样", "哪些", "哪个", "哪家", "哪种", "何种", "哪类", "哪几", "多少", "几", "谁", "哪位", "哪"}
_SKIP = {"给", "到", "向", "由", "了", "是", "的", "要", "被", "对", "在", "有", "为", "样"}
_MEASURES = {"项", "份", "个", "条", "件", "位", "家", "批", "种", "类"}
_NOT_VERBS = {"会议", "常务", "是否", "主持", "召开", "开的", "单位", "部门", "机构", "常务会议"}
# Category nouns that name the kind of answer, not its topic: «哪些文件», «什么要求».
GENERIC_FOCUS = frozenset(
    "文件 法律法规 法规 事项 议题 内容 问题 方面 材料 单位 部门 机构 场所 原则 要求 措施 工作 东西 情况 精神 会议 "
    "举措 安排 部署 决定 结果 意见 人".split()
)


@lru_cache(maxsize=1)
def _tagger():
    """jieba with part-of-speech tags (loaded once: a question needs verbs told from nouns)."""
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in ("什么样", "哪几"):
        tokenizer.add_word(word, freq=100000, tag="r")
    return jieba.posseg.POSTokenizer(tokenizer)


_VERB_TAGS = ("v", "vn", "vd", "nz")
_NOT_VERB_TAGS = {
    "n",
    "nr",
    "nrt",
    "nt",
    "nrfg",
    "m",
    "mq",
    "f",
    "r",
    "t",
    "q",
    "p",
    "d",
    "c",
    "u",
    "uj",
    "ul",
    "x",
    "s",
    "eng",
    "",
}


def question_focus(norm: str) -> tuple[list[str], list[str], list[str], bool]:
    """What a question asks for: (focus nouns, verbs next to the question word, the verbs whose object
    it is, wants a number).

    «太仓璜泾镇安全生产要坚持什么原则» → (原则, 坚持); «移交给哪个单位» → (单位, 移交);
    «由哪个单位修改完善» → (单位, 修改 完善); «多少吨» → a number. Part-of-speech tags keep the
    subject (规划 in «规划由哪个单位…») from being taken for the action.
    """
    tagged = [(w, f) for w, f in _tagger().lcut(norm) if w.strip()]
    focus: list[str] = []
    verbs: list[str] = []
    objects: list[str] = []  # verbs whose object is the question word
    for i, (token, _flag) in enumerate(tagged):
        prefixes = ("哪几", "哪个", "哪些", "几")
        wh = token if token in _WH_WORDS else next((w for w in prefixes if token.startswith(w)), None)
        if wh is None:
            continue
        noun = token[len(wh) :] or None
        j = i + 1
        while noun is None and j < len(tagged) and tagged[j][0] in _SKIP:
            j += 1
        if noun is None and j < len(tagged) and re.match(r"[\u4e00-\u9fff]", tagged[j][0]):
            noun, j = tagged[j][0], j + 1
        if noun in _MEASURES and j < len(tagged) and re.match(r"[\u4e00-\u9fff]{2}", tagged[j][0]):
            noun, j = tagged[j][0], j + 1  # 几项议题 → 议题
        if noun and noun not in ("时候", "时间") and not noun.endswith("次"):
            focus.append(noun)
        # Verbs right after the asked-for noun: «哪个单位修改完善».
        while j < len(tagged) and tagged[j][1].startswith(_VERB_TAGS) and tagged[j][0] not in _NOT_VERBS:
            if len(tagged[j][0]) >= 2:
                verbs.append(tagged[j][0])
            j += 1
        # The verb the question word is the object of: «移交给哪个单位», «坚持什么原则».
        k = i - 1
        while k >= 0 and tagged[k][0] in ("给", "到", "向", "了", "是", "要", "为"):
            k -= 1
        before = tagged[k] if k >= 0 else ("", "")
        # jieba's tags are unreliable for rarer verbs (新建 is tagged as a place): reject only clear nouns.
        verb_like = before[1].startswith(_VERB_TAGS) or before[1] not in _NOT_VERB_TAGS
        if verb_like and len(before[0]) >= 2 and before[0] not in _NOT_VERBS:
            verbs.append(before[0])
            objects.append(before[0])
    quantity = bool(re.search(r"多少|几[个份项条次万亿吨亩人家]|哪几份", norm))
    focus = list(dict.fromkeys(focus))
    return focus, [v for v in dict.fromkeys(verbs) if v not in focus], list(dict.fromkeys(objects)), quantity


# Ordering words name a position in time, never a meeting number («最近一次» is not «第1次»).
# They must stand before a meeting word («最后作出了什么决定» is not about the last meeting).
_ORDER = re.compile(
    r"(?:(?P<latest>最近|最新|最晚)|(?P<earliest>最早|最先|最初))"
    r"(?=(?:的)?(?:一)?(?:次|场)|(?:的|召开的?|开的?|举行的?)?[^,，。?？]{0,8}(?:常务会|会议|办公会))"
    r"|(?:(?P<last>最后|上一|上|近一)|(?P<first>首|头))(?=(?:的)?(?:一)?(?:次|场)(?:会|常务|政府|区政府|县政府|市政府|召开|开))"
)
_ORDER_NUMBER = re.compile(r"(?:最近|最新|最后|上|最早|首|头|近|最晚|最先)\s*(?:的)?\s*[一1]\s*次")
_COUNT = re.compile(r"(?:开|召开|举行|研究|审议|讨论|部署)(?:了|过)?(?:几次|多少次)|(?:几次|多少次)(?:常务)?会")

# Homophone slips in the vocabulary of meetings, not in names: typed questions are full of them
# («长务会», «意题», «汇保», «街到», «是那天开的»). Only whole domain words are repaired.
_TYPOS = (
    ("长务会", "常务会"),
    ("常务会意", "常务会议"),
    ("意题", "议题"),
    ("汇保", "汇报"),
    ("街到", "街道"),
    ("主持得", "主持的"),
    ("那天开", "哪天开"),
    ("是那天", "是哪天"),
    ("那一天开", "哪一天开"),
    ("几好开", "几号开"),
)


_TERM = re.compile(rf"第?[\d{CN_NUM}]+\s*届(?:人民)?(?:政府|区政府|县政府|市政府)?")


def repair_typos(norm: str) -> str:
    """Fix homophone slips in meeting vocabulary (长务会 → 常务会, 意题 → 议题)."""
    for wrong, right in _TYPOS:
        norm = norm.replace(wrong, right)
    return norm


def meeting_order(norm: str) -> str | None:
    """``latest`` for «最近一次/最新/上一次», ``earliest`` for «最早/首次», else None."""
    match = _ORDER.search(norm)
    if not match:
        return None
    return "latest" if match.group("latest") or match.group("last") else "earliest"


_META_PARTS = ("when", "chair", "where", "number", "attendance")


def question_parts(norm: str) -> list[str]:
    """Every metadata fact a question asks for («哪天召开的，主持人是谁» → when, chair)."""
    return [qtype for qtype, pattern in _TYPES if qtype in _META_PARTS and pattern.search(norm)]


def question_type(norm: str) -> str:
    """The kind of answer the question wants."""
    if docnumber.find(norm):
        return "lookup"
    if len(norm) >= 30 and not re.search(r"[?？]|吗$|呢$|哪|谁|何|什么|几|怎|多少|是否", norm):
        return "lookup"  # a pasted sentence: find where it came from
    for qtype, pattern in _TYPES:
        if pattern.search(norm):
            return qtype
    return "what"


# ---------------------------------------------------------------------------------------------
# filters
# ---------------------------------------------------------------------------------------------

_NUMBER = re.compile(rf"(?:第\s*)?(?:[\d{CN_NUM}]+\s*届\s*(?:第)?\s*)?(?<![几哪])([\d{CN_NUM}]+)\s*次(?!数)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?")
# «17年第二次常务会»: a two-digit year, only right before a meeting number or meeting words.
_SHORT_YEAR = re.compile(r"(?<![\d.])(\d{2})\s*年(?=\s*(?:第|的?(?:常务|政府|区政府|县政府|市政府)))")
_MONTH = re.compile(rf"(?<!\d)([\d{CN_NUM}]{{1,2}})\s*月(?:份)?(?![\d{CN_NUM}]{{1,2}}\s*[日号])")
_HALF = {
    "上半年": range(1, 7),
    "下半年": range(7, 13),
    "一季度": range(1, 4),
    "第一季度": range(1, 4),
    "二季度": range(4, 7),
    "第二季度": range(4, 7),
    "三季度": range(7, 10),
    "第三季度": range(7, 10),
    "四季度": range(10, 13),
    "第四季度": range(10, 13),
    "年初": range(1, 4),
    "年底": range(10, 13),
    "年末": range(10, 13),
}
# A year is about the meeting (a filter) when it sits next to meeting words; «2024年国民经济和
# 社会发展计划» names a plan, not when the meeting was held.
_MEETING_CONTEXT = re.compile(
    r"^(?:度)?(?:的|内|里|中|以来|期间)?(?:[^,。]{0,12}?)"
    r"(?:第[\d一二三四五六七八九十百]+次|召开|开的|常务会议|会议上|(?:审议|研究|听取|讨论)了?(?:哪些|什么|过))"
)


def parse_filters(norm: str, regions: Iterable[tuple[str, Place | None]] = ()) -> tuple[Filters, str, list[str]]:
    """Filters named in a normalised question.

    Args:
        norm: the normalised question.
        regions: the regions held by the index: (name as stored, gazetteer record if known).

    Returns:
        (filters, question with the filter words removed, year words kept as soft preferences).
    """
    filters = Filters()
    topic = norm
    soft: list[str] = []
    pairs = tuple(regions)
    known = {name for name, _ in pairs}
    aliases = _place_surfaces(pairs)
    removed: list[tuple[int, int]] = []
    mentions = gazetteer().mentions(norm)
    for mention in mentions:
        surface = mention.surface
        if surface in aliases:
            names = aliases[surface]
            # A more specific mention (深圳龙华区 → 龙华区) narrows a broader one (深圳).
            filters.regions.extend(n for n in names if n not in filters.regions)
            removed.append((mention.start, mention.end))
        elif surface not in known and any(
            (surface == p.name and len(surface) > 2) or p.level in ("province", "city") for p in mention.places
        ):
            # A place the index does not hold: a full name (美兰区, 海口市) or a city or province (北京).
            # Two-character full names (城区, 郊区, 矿区) are ordinary words in a question.
            filters.unknown_places.append(surface)
            removed.append((mention.start, mention.end))
    filters.regions = _most_specific(filters.regions, list(pairs))
    # --- meeting number
    ordered = {m.start() for m in _ORDER_NUMBER.finditer(norm)}
    for match in _NUMBER.finditer(norm):
        value = cn_to_int(match.group(1))
        bare = not match.group(0).startswith("第") and not re.search(r"\d", match.group(1))
        if any(match.start() - 4 <= o <= match.start() for o in ordered) or (bare and value == 1):
            continue  # «最近一次», «召开了一次会议»
        if (
            value
            and value < 1000
            and not re.search(r"(全会|全体会议|党代会|人大)", norm[match.end() : match.end() + 8])
        ):
            filters.meeting_number = value
            removed.append(match.span())
            break
    # --- dates
    for mention in find_dates(norm):
        if mention.complete():
            iso = f"{mention.year:04d}-{mention.month:02d}-{mention.day:02d}"
            filters.date_from = filters.date_to = iso
            removed.append((mention.start, mention.end))
    if filters.date_from is None:
        for match in _YEAR.finditer(norm):
            after = norm[match.end() :]
            if _MEETING_CONTEXT.match(after) or _is_leading_year(norm, match.start()):
                year = int(match.group(1))
                filters.date_from, filters.date_to = f"{year}-01-01", f"{year}-12-31"
                removed.append(match.span())
            else:
                soft.append(match.group(1))
        for word, months in _HALF.items():
            if word in norm and filters.date_from:
                filters.months = list(months)
                break
        for match in _MONTH.finditer(norm):
            month = cn_to_int(match.group(1))
            after = norm[match.end() :]
            if month and 1 <= month <= 12 and (_MEETING_CONTEXT.match(after) or filters.date_from):
                filters.months = [month]
                removed.append(match.span())
    for start, end in sorted(removed, reverse=True):
        topic = topic[:start] + " " + topic[end:]
    return filters, topic, soft


@lru_cache(maxsize=8)
def _place_surfaces(pairs: tuple[tuple[str, Place | None], ...]) -> dict[str, set[str]]:
    """Every way of writing an indexed region, its city or its province → the names to filter on.

    Built once per set of indexed regions (an index of 1,000 regions would otherwise spend
    milliseconds per question rebuilding it).
    """
    aliases: dict[str, set[str]] = {}
    for stored, place in pairs:
        aliases.setdefault(stored, set()).add(stored)
        if place is None:
            continue
        for surface in (place.name, place.alias, place.alias + place.kind):
            aliases.setdefault(surface, set()).add(stored)
        if place.city:
            city = gazetteer().lookup(place.city)
            for surface in {place.city} | {c.alias for c in city}:
                aliases.setdefault(surface, set()).add(place.city)
        for p in gazetteer().lookup(place.province):
            for surface in (p.name, p.alias):
                aliases.setdefault(surface, set()).add(p.name)
    return aliases


def _is_leading_year(norm: str, start: int) -> bool:
    """«2023年姑苏区审议了哪些规划»: a year opening the question scopes it."""
    return start <= 2


def _most_specific(names: list[str], pairs: list[tuple[str, Place | None]]) -> list[str]:
    """Drop a city or province when one of its own districts is also named (深圳 + 龙华区 → 龙华区)."""
    by_name = {stored: p for stored, p in pairs if p is not None}
    counties = [by_name[n] for n in names if n in by_name]
    out = []
    for name in names:
        if name not in by_name and any(name in (p.city, p.province) for p in counties):
            continue
        out.append(name)
    return out


def understand(
    question: str, regions: Iterable[tuple[str, Place | None]] = (), explicit: Filters | None = None
) -> Query:
    """Normalise a question, find its type and its filters.

    Filters named in the question re-rank and shape the answer; ``explicit`` filters (set by a
    person) are kept apart in ``Query.strict`` and restrict retrieval. Where both name the same
    field, the explicit value is the one used.
    """
    norm = repair_typos(normalize_query(question))
    norm = _SHORT_YEAR.sub(lambda m: f"20{m.group(1)}年", norm)
    qtype = question_type(norm)
    if qtype == "lookup":
        filters, topic, soft = Filters(), norm, []
    else:
        filters, topic, soft = parse_filters(norm, regions)
    strict = Filters()
    if explicit is not None:
        for key, value in asdict(explicit).items():
            if value not in (None, [], ""):
                setattr(filters, key, value)
                setattr(strict, key, value)
        if explicit.regions:
            filters.unknown_places = []
    order = meeting_order(norm) if qtype != "lookup" else None
    topic = _ORDER.sub(" ", topic) if order else topic
    # The government's term («第十六届政府», «十九届») names the meeting, like its number: not a topic.
    topic = _TERM.sub(" ", topic) if qtype != "lookup" else topic
    topic = _QUESTION_WORDS.sub(" ", topic)
    topic = re.sub(r"\s+", " ", topic).strip()
    focus, verbs, objects, quantity = question_focus(norm)
    count = bool(_COUNT.search(norm)) and qtype in ("list", "what", "when")
    parts = question_parts(norm) if qtype != "lookup" else []
    return Query(
        question, norm, qtype, filters, topic, soft, focus, verbs, objects, quantity, strict, order, count, parts
    )


# ---------------------------------------------------------------------------------------------
# follow-up questions
# ---------------------------------------------------------------------------------------------

_FOLLOW_UP = re.compile(
    r"^(?:那|那么|还有|再看看?|换成|换|如果是|要是)?(?P<rest>.{1,16}?)(?:的呢|呢|怎么样|如何|的情况)?[?？。]?$"
)


def resolve_follow_up(question: str, previous: str | None, regions: Iterable[tuple[str, Place | None]] = ()) -> str:
    """Rewrite a follow-up that only makes sense with the previous question.

    «那太仓呢？» after «姑苏区碳达峰方案何时审议» becomes «太仓碳达峰方案何时审议»: the new place,
    year or meeting number takes the place of the old one; a full question is returned unchanged.
    """
    if not previous:
        return question
    norm = normalize_query(question)
    match = _FOLLOW_UP.match(norm)
    if not match or len(norm) > 18 or question_type(norm) not in ("what",):
        return question
    pairs = list(regions)
    filters, topic, _soft = parse_filters(norm, pairs)
    leftover = re.sub(r"[\s?？。!！]", "", topic)
    leftover = re.sub(r"^(那么?|还有|再看看?|换成|换|如果是|要是)|(的呢|呢|怎么样|如何|的情况)$", "", leftover)
    leftover = leftover.replace("的", "")
    if leftover or (filters.is_empty() and not _YEAR.search(norm)):
        return question
    base = normalize_query(previous)
    new_place = _place_surface(norm)
    if new_place:
        old_place = _place_surface(base)
        base = base.replace(old_place, new_place, 1) if old_place else new_place + base
    new_year = _YEAR.search(norm)
    if new_year:
        old_year = _YEAR.search(base)
        base = base.replace(old_year.group(0), new_year.group(0), 1) if old_year else new_year.group(0) + base
    new_number = _NUMBER.search(norm)
    if new_number:
        old_number = _NUMBER.search(base)
        if old_number:
            base = base.replace(old_number.group(0), new_number.group(0), 1)
    return base


def _place_surface(text: str) -> str | None:
    mentions = [m for m in gazetteer().mentions(text) if m.places]
    if not mentions:
        return None
    # Adjacent mentions (深圳龙华区) are one place expression.
    first = mentions[0]
    end = first.end
    for mention in mentions[1:]:
        if mention.start == end:
            end = mention.end
    return text[first.start : end]
