"""Places: which government held a meeting, at whatever level (district to province, banner, zone).

Region names are recognised against the national register of administrative divisions that
ships with jionlp (provinces, prefecture-level cities and all ~3,000 county-level divisions, kept
current: 2025 data). Nothing here knows particular places; the choice among candidates follows
from how minutes talk about their own government (区政府 / 县长 / 市政府 …), where a name stands
(title, site name, footer) and which parent city or province the document mentions.
"""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Place:
    """One administrative division."""

    name: str  # full name: 龙华区, 张家川回族自治县, 苏州市
    alias: str  # short name without the type suffix: 龙华, 张家川, 苏州
    code: str  # administrative division code
    level: str  # "province" | "city" | "county"
    city: str | None  # parent prefecture-level city (counties only)
    province: str

    @property
    def kind(self) -> str:
        """The government type the name ends with: 区, 县, 市, 旗, 州 …"""
        for suffix in ("自治县", "自治旗", "林区", "特区"):
            if self.name.endswith(suffix):
                return {"自治县": "县", "自治旗": "旗", "林区": "区", "特区": "区"}[suffix]
        return self.name[-1]


@dataclass(frozen=True)
class Mention:
    """A place name found in text."""

    start: int
    end: int
    surface: str
    places: tuple[Place, ...]


def _data_file() -> Path:
    # Locate jionlp's data without importing the package: its import prints a banner to stdout,
    # which would corrupt `qa ... --json` output.
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'jionlp' package (administrative divisions data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "china_location.zip"


class Gazetteer:
    """All provinces, cities and county-level divisions, searchable by full and short names."""

    def __init__(self, places: Iterable[Place]):
        self.places = list(places)
        self.by_surface: dict[str, list[Place]] = defaultdict(list)
        for place in self.places:
            for surface in self.surfaces(place):
                if place not in self.by_surface[surface]:
                    self.by_surface[surface].append(place)
        names = sorted(self.by_surface, key=len, reverse=True)
        self._overlapping = re.compile("(?=(" + "|".join(re.escape(n) for n in names) + "))")

    @staticmethod
    def surfaces(place: Place) -> list[str]:
        """Ways a document may write the place: full name, short name, short name + type."""
        out = [place.name]
        if place.alias and place.alias != place.name and len(place.alias) >= 2:
            out.append(place.alias)
            if place.level == "county":
                out.append(place.alias + place.kind)
            elif place.name.endswith("自治州"):
                out.append(place.alias + "州")  # 黔东南州, 恩施州: how prefectures name themselves
        # Zones registered under their city's full name (秦皇岛市经济技术开发区) are written without
        # the 市 (秦皇岛经济技术开发区, 秦皇岛经开区): issue 12, class 3.
        city = place.city or ""
        if place.level == "county" and city.endswith("市") and place.name.startswith(city):
            rest = place.name[len(city) :]
            if re.search(r"(?:开发区|高新区|新区|园区|示范区|试验区|合作区)$", rest):
                out.append(city[:-1] + rest)
                if place.alias and place.alias != place.name and not place.alias.startswith(city[:-1]):
                    out.append(city[:-1] + place.alias)
        return out

    def mentions(self, text: str) -> list[Mention]:
        """Occurrences of place names in ``text``, longer names first where two overlap.

        Leftmost-longest matching would read «召开平乡县» as 开平 and lose 平乡县: every start is
        tried (a lookahead finds overlapping names), then the longest names are kept.
        """
        found = [(m.start(), m.group(1)) for m in self._overlapping.finditer(text)]
        taken: list[tuple[int, str]] = []
        covered = bytearray(len(text))
        for start, surface in sorted(found, key=lambda f: (-len(f[1]), f[0])):
            if any(covered[start : start + len(surface)]):
                continue
            covered[start : start + len(surface)] = b"\x01" * len(surface)
            taken.append((start, surface))
        return [Mention(start, start + len(s), s, tuple(self.by_surface[s])) for start, s in sorted(taken)]

    def lookup(self, name: str) -> list[Place]:
        """Places written as ``name`` (full or short form)."""
        return list(self.by_surface.get(name, []))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The national gazetteer (loaded once per process, about 0.3 s)."""
    with zipfile.ZipFile(_data_file()) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".txt"))
        raw = archive.read(member)
    places: list[Place] = []
    province = city = None
    for line in io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"):
        depth = len(line) - len(line.lstrip("\t"))
        if depth > 2:
            continue
        fields = line.strip().split("\t")
        if not fields or not fields[0]:
            continue
        name = fields[0]
        code = fields[1] if len(fields) > 1 else ""
        alias = fields[2] if len(fields) > 2 else name
        if depth == 0:
            province = name
            places.append(Place(name, alias, code, "province", None, name))
        elif depth == 1:
            city = name
            if name not in ("省直辖行政区划", "市辖区", "县", "省直辖县级行政区划") and name != province:
                places.append(Place(name, alias, code, "city", None, province or ""))
        else:
            parent = city if city not in ("省直辖行政区划", "市辖区", "县", "省直辖县级行政区划") else None
            places.append(Place(name, alias, code, "county", parent, province or ""))
    return Gazetteer(places)


# ---------------------------------------------------------------------------------------------
# which government held the meeting
# ---------------------------------------------------------------------------------------------

# What follows a government's own name: its government, committee, head or term; at every level,
# and a development zone's 管委会 / 党工委 (issue 12, class 3).
_GOV_AFTER = re.compile(
    r"^(?:人民政府|政府|行政公署|行署|管委会|管理委员会|党工委|[区县市旗州盟省]委|[区县市旗州盟省]长|自治区主席|"
    r"第[一二三四五六七八九十\d]+届|[一二三四五六七八九十\d]+届)"
)
# The title and the meeting sentence: where the minutes name their own government.
_SELF_SPAN = 150
# How minutes name their own government, at every level (issue 12, class 3): 省政府 / 省长,
# 自治区人民政府 / 自治区主席, 州人民政府, 盟行政公署 / 盟长, 区/县/市/旗 政府 and their heads.
# 自治区 comes first so that its 区 is not read as a district's.
_OWN_KIND = re.compile(
    r"(自治区)(?:人民政府|政府|主席)|(省)(?:人民政府|政府|长)|(州)(?:人民政府|政府)|(盟)(?:行政公署|行署|长)|"
    r"(区|县|市|旗)(?:人民政府|政府|长)"
)
# Short-named divisions that are also ordinary words: «中心城区», «新区建设», «高新区企业»
# (issue 12, class 4). They count only right after their own city's name (阳泉市城区).
_WORD_LIKE = re.compile(r"^(?:城区|新区|郊区|矿区|林区|新城区|老城区|开发区|高新区|经开区|示范区|工业园区|园区)$")
# Before a two-character name, a character that ends a phrase rather than starts the name
# («召开和县政府…», «在城区…»): anything else may fuse with it («会议和县政府» is 会议 + 和 + 县政府).
# «县政府», «区委», «市长»: the type character of a two-character name may instead begin these.
_FUSED_GOV = re.compile(r"^[区县市旗](?:人民政府|政府|委|长)")
_NAME_START = re.compile(r"(?:^|[^\u4e00-\u9fff]|召开|主持|在|由|据|赴|到|对|是|了|及|与|为)$")


@dataclass
class RegionGuess:
    """The inferred region with its parents and the evidence score."""

    name: str
    place: Place
    score: float


def own_government_kind(text: str) -> str | None:
    """Which level of government the minutes speak of (区政府, 县长, 省政府, 自治区主席 …), by majority.

    Returns 区, 县, 市, 旗, 州, 盟, 省 or 自治区.
    """
    counts: dict[str, int] = defaultdict(int)
    for match in _OWN_KIND.finditer(text):
        counts[next(g for g in match.groups() if g)] += 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def _kind_fits(place: Place, kind: str | None) -> bool:
    """Whether ``place`` is a government of the level ``kind``."""
    if kind is None:
        return place.level != "province"
    if kind in ("省", "自治区"):
        return place.level == "province" and place.name.endswith(kind)
    if kind == "市" and place.level == "province":
        # The four municipalities (北京市 … 重庆市) are province-level and call themselves 市政府.
        return place.name.endswith("市")
    if place.level == "province":
        return False
    if kind == "市" and place.level == "city":
        return place.name.endswith("市")
    if kind in ("州", "盟"):
        return place.name.endswith(kind)
    return place.kind == kind


def infer_region(text: str, hints: Iterable[str] = (), kind: str | None = None, head: int = 400) -> RegionGuess | None:
    """Pick the government whose meeting this is, at whatever level it is.

    Args:
        text: normalised (simplified) document text.
        hints: normalised furniture lines (site name, footer, 来源 lines): strong evidence.
        kind: the government level the minutes use for themselves (区/县/市/旗/州/盟/省/自治区), if known.
        head: characters at the start (title, opening) whose mentions count double.
    """
    gaz = gazetteer()
    scores: dict[Place, float] = defaultdict(float)
    surfaces: dict[Place, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    context: set[str] = set()
    # A place named only by its short name, never with its type or its government, nor its parents
    # nearby, is a word that happens to spell it («重新和…» is not 新和县): issue 12, class 4.
    firm: set[Place] = set()
    short_hits: dict[Place, int] = defaultdict(int)  # short-name mentions that are words of their own

    def collect(segment: str, weight: float, is_hint: bool) -> None:
        mentions = gaz.mentions(segment)
        for k, mention in enumerate(mentions):
            follows = segment[mention.end : mention.end + 8]
            before = segment[max(0, mention.start - 2) : mention.start]
            previous = mentions[k - 1] if k and mentions[k - 1].end == mention.start else None
            for place in mention.places:
                full = mention.surface == place.name or mention.surface != place.alias
                after_city = previous is not None and place.city in {p.name for p in previous.places}
                if _WORD_LIKE.match(mention.surface) and not after_city:
                    continue
                fused = _FUSED_GOV.match(mention.surface[-1] + follows)
                if mention.surface[0] == "代" and follows.startswith("长"):
                    continue  # «副县长(代县长)»: an acting head, not 代县 (issue 12, class 4)
                if len(mention.surface) == 2 and full and fused and not _NAME_START.search(before) and not after_city:
                    continue  # «…会议和县政府…»: the 和 belongs to the phrase, the 县政府 to another county
                score = (3.0 if full else 1.0) * weight
                if full or _GOV_AFTER.match(follows) or after_city:
                    firm.add(place)
                elif not _is_word(segment, mention.start, mention.end):
                    continue  # a short name inside a longer word: «重新和», «新兴产业», «兴边富民»
                else:
                    short_hits[place] += 1
                if _GOV_AFTER.match(follows):
                    score += 4.0 * weight
                    # How the government names itself counts most for the form we report.
                    surfaces[place][mention.surface] += 2
                    if not is_hint and mention.start < _SELF_SPAN:
                        # «港南区人民政府常务会议纪要», «…召开港南区政府第5次常务会议»: the meeting's own
                        # government, which many mentions of another place in the agenda do not outweigh.
                        score += 12.0
                if is_hint:
                    score += 3.0
                elif mention.start < head:
                    score *= 2
                scores[place] += score
                # Earlier mentions weigh a little more: ties go to the form used first.
                surfaces[place][mention.surface] += (
                    1 + (0.5 if not is_hint and mention.start < head else 0) - mention.start * 1e-6
                )
                context.add(place.name)
                context.add(place.alias)

    collect(text, 1.0, False)
    for hint in hints:
        collect(hint, 1.0, True)
    firm |= {place for place, hits in short_hits.items() if hits >= 2}  # «结合吴中实际,推动吴中高质量发展»
    for place in list(scores):
        parents = {place.city, place.province} - {None}
        if place not in firm and not (parents & context or {_alias(p) for p in parents if p} & context):
            del scores[place]
    if not scores:
        return None
    if kind is None:
        kind = own_government_kind(text)
        # Agendas name the 省政府 whose documents they relay: a province-level meeting says so where
        # it names itself (the caller's ``kind``), not by a majority of the whole text.
        kind = None if kind in ("省", "自治区") else kind
    best: RegionGuess | None = None
    for place, score in scores.items():
        # Same-name places (龙华区 in Shenzhen and Haikou) are told apart by their parents.
        if (place.city and place.city in context) or (place.city and _alias(place.city) in context):
            score += 2.0
        if place.province in context or _alias(place.province) in context:
            score += 1.0
        if not _kind_fits(place, kind):
            # Only a place of another level was found («乡村振兴» mentions 振兴区 in a 县 meeting):
            # no answer is better than a wrong one.
            continue
        if best is None or score > best.score:
            best = RegionGuess(_preferred_surface(place, surfaces[place]), place, score)
    return best


def _is_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands as a word of its own in its sentence (jieba's segmentation)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # no banner on stderr for every CLI run
    left = max(0, start - 12)
    window = text[left : min(len(text), end + 12)]
    bounds = {0}
    pos = 0
    for token in jieba.lcut(window, HMM=False):
        pos += len(token)
        bounds.add(pos)
    return start - left in bounds and end - left in bounds


def _alias(name: str) -> str:
    places = gazetteer().lookup(name)
    return places[0].alias if places else name


def _preferred_surface(place: Place, seen: dict[str, float]) -> str:
    """The full name, unless the minutes write the short name + type more often (张家川县)."""
    short_form = place.alias + place.kind
    if place.level == "county" and short_form != place.name and seen.get(short_form, 0) > seen.get(place.name, 0):
        return short_form
    # A zone written without its city's 市 (秦皇岛经济技术开发区): the form the minutes use.
    zone_forms = [
        f
        for f in Gazetteer.surfaces(place)[1:]
        if f.endswith(("开发区", "高新区", "新区", "园区", "示范区"))
        and len(f) > 4
        and seen.get(f, 0) > seen.get(place.name, 0)
    ]
    if zone_forms:
        return max(zone_forms, key=lambda f: seen[f])
    return place.name


# ---------------------------------------------------------------------------------------------
# who chaired: the government of a head of government named on a page that names no place
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Official:
    """One term of a head of government (qa/data/officials.tsv)."""

    name: str  # simplified: 王清宪, 雪克来提·扎克尔
    title: str  # 省长 | 自治区主席 | 市长 …
    government: str  # the region as the parser writes it: 安徽省, 北京市, 常州市
    start: int  # year, counted from the acting appointment
    end: int | None  # None: in office when compiled, or not recorded


# A head's title and the level of government it fixes; 代省长 / 代理市长 are heads too, 副省长 and
# 常务副市长 are not. A bare 主席 is a head only of a 自治区 meeting (the caller checks the level).
_HEAD_TITLE = re.compile(r"^(?:代理?)?(省长|自治区主席|主席|市长|州长|盟长)$")
_HEAD_LEVEL = {"省长": "省", "自治区主席": "自治区", "主席": "自治区", "市长": "市", "州长": "州", "盟长": "盟"}
_TERM_SLACK = 1  # years either side of a term: appointments straddle a new year


def head_title(title: str | None) -> str | None:
    """The head-of-government post in a chair's title as written: «省委副书记、省长» → 省长, «代市长»
    → 代市长; None for a deputy (副省长, 常务副市长) or any other post."""
    if not title:
        return None
    last = re.split(r"[、,，\s]+", title.strip())[-1]
    return last if _HEAD_TITLE.match(last) else None


def head_level(title: str | None) -> str | None:
    """The level of government a head's title fixes (省, 自治区, 市, 州, 盟), or None."""
    head = head_title(title)
    return _HEAD_LEVEL[_HEAD_TITLE.match(head).group(1)] if head else None


def _name_key(name: str) -> str:
    return re.sub(r"[\s·•‧・.．]", "", name)


@lru_cache(maxsize=1)
def officials() -> tuple[Official, ...]:
    """The table of heads of government shipped with the package (qa/data/officials.tsv)."""
    from importlib import resources

    text = (resources.files("qa") / "data" / "officials.tsv").read_text(encoding="utf-8")
    rows: list[Official] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        name, title, government, start, end = (line.split("\t") + [""] * 5)[:5]
        ends = int(end) if end.strip() else None
        rows.append(Official(name.strip(), title.strip(), government.strip(), int(start), ends))
    return tuple(rows)


def place_of_level(government: str, level: str) -> Place | None:
    """The one gazetteer place named ``government`` that is a government of ``level``."""
    # Heads in the table govern provinces, prefectures and 直辖市: never a county-level government.
    fits = [
        p
        for p in gazetteer().lookup(government)
        if p.name == government and p.level != "county" and _kind_fits(p, level)
    ]
    return fits[0] if len(fits) == 1 else None


def region_of_chair(
    name: str | None, title: str | None, kind: str | None, year: int | None = None
) -> tuple[Official, Place] | None:
    """Whose government a meeting is, from who chaired it, when the page names no place.

    ``title`` must be a head's (省长, 自治区主席, 市长 …) of the level ``kind`` the meeting is at
    (省政府常务会议 → 省); ``year``, when known, must fall within the term (one year of slack).
    Only a single government among the matching terms is an answer; none or several is None.
    """
    level = head_level(title)
    if not name or level is None or level != kind:
        return None
    key = _name_key(name)
    terms = [o for o in officials() if _name_key(o.name) == key and head_level(o.title) == level]
    if year is not None:
        terms = [o for o in terms if o.start - _TERM_SLACK <= year and (o.end is None or year <= o.end + _TERM_SLACK)]
    if len({o.government for o in terms}) != 1:
        return None
    place = place_of_level(terms[0].government, level)
    return (terms[0], place) if place else None
