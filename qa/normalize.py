"""Normalisation: the searchable form of a document, with every character traced to the original.

The original text is never modified. ``normalize`` returns a new string plus, for each of its
characters, the index of the original character it came from, so a span found in the normalised
text (a sentence, an agenda item) maps back to an exact span of the original for citation.

Steps, in order (each is idempotent, so normalising twice changes nothing):

1. width and space forms: full-width ASCII → ASCII, ideographic/no-break spaces → space,
   zero-width characters and carriage returns dropped;
2. debris from scraped pages: empty HTML tags, pinyin after characters (會(huì)議), markdown emphasis;
3. traditional → simplified (OpenCC ``t2s``);
4. spaces inside numbers and dates (2023 年 8 月 2 日 → 2023年8月2日);
5. injected SEO spam (gambling-site brand strings) removed and reported;
6. web-page furniture lines (navigation, 字体/打印/分享, 备案, 网站标识码, 浏览次数, 发布时间 …)
   moved out of the text into ``hints`` where metadata extraction can still read them;
7. page numbers dropped and paragraphs cut by page breaks or hard wraps rejoined.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

# ---------------------------------------------------------------------------------------------
# the aligned string
# ---------------------------------------------------------------------------------------------


@dataclass
class Normalized:
    """Normalised text with a map back to the original.

    Attributes:
        original: the text as read from the file (unchanged).
        text: normalised text, one paragraph per line.
        origin: ``origin[i]`` is the index in ``original`` of ``text[i]``.
        hints: furniture lines removed from ``text`` (normalised), in document order.
        spam: distinct spam strings that were removed.
    """

    original: str
    text: str
    origin: list[int]
    hints: list[str] = field(default_factory=list)
    spam: list[str] = field(default_factory=list)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of ``text`` to the span of ``original`` it was made from."""
        if end <= start or not self.text:
            pos = self.origin[min(start, len(self.origin) - 1)] if self.origin else 0
            return pos, pos
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return self.origin[start], self.origin[end - 1] + 1


class _Aligned:
    """A string under construction whose characters remember their original positions."""

    __slots__ = ("origin", "text")

    def __init__(self, text: str, origin: list[int]):
        self.text = text
        self.origin = origin

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str] | str = "") -> None:
        """Regex substitution keeping alignment.

        A replacement of the same length maps character to character; anything else maps every
        new character to the start of the match (deletions simply vanish).
        """
        parts: list[str] = []
        origin: list[int] = []
        last = 0
        text, old = self.text, self.origin
        changed = False
        for match in pattern.finditer(text):
            start, end = match.span()
            new = repl(match) if callable(repl) else match.expand(repl)
            if new == match.group(0):
                continue
            changed = True
            parts.append(text[last:start])
            origin.extend(old[last:start])
            if new:
                parts.append(new)
                if len(new) == end - start:
                    origin.extend(old[start:end])
                else:
                    anchor = old[start] if start < len(old) else (old[-1] + 1 if old else 0)
                    origin.extend([anchor] * len(new))
            last = end
        if not changed:
            return
        parts.append(text[last:])
        origin.extend(old[last:])
        self.text = "".join(parts)
        self.origin = origin

    def translate(self, table: dict[int, str | None]) -> None:
        """Character mapping where every mapped character is one character or deleted."""
        if not any(ord(ch) in table for ch in self.text):
            return
        chars: list[str] = []
        origin: list[int] = []
        for ch, pos in zip(self.text, self.origin, strict=True):
            new = table.get(ord(ch), ch)
            if new:
                chars.append(new)
                origin.append(pos)
        self.text = "".join(chars)
        self.origin = origin

    def lines(self) -> list[_Aligned]:
        out = []
        start = 0
        for i, ch in enumerate(self.text):
            if ch == "\n":
                out.append(_Aligned(self.text[start:i], self.origin[start:i]))
                start = i + 1
        out.append(_Aligned(self.text[start:], self.origin[start:]))
        return out


# ---------------------------------------------------------------------------------------------
# character-level steps
# ---------------------------------------------------------------------------------------------

_WIDTH = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x202F: " ", 0x0009: " "})
_WIDTH.update({0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None, 0x000D: None, 0x00AD: None})
_WIDTH.update({0x000C: "\n", 0x000B: "\n", 0x2028: "\n", 0x2029: "\n", 0x0085: "\n"})

# Empty HTML tags left in text copied from mirror pages (<li id="x"><ruby></ruby></li>).
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s+[^<>\n]{0,200})?/?>")
_ENTITY = re.compile(r"&(?:nbsp|gt|lt|amp|quot|ldquo|rdquo|mdash|hellip);")
_TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# Pinyin glosses after characters on mirror pages: 會(huì)議, 區(qū), also split across wrapped lines
# (區(qū\n)) and with the character garbled to '?' (日?qǐng)). A tone mark is required so that
# ordinary bracketed Latin text such as (a) or (PPP) is never taken for pinyin.
_GLOSS = rf"(?:\s*(?:\(|\?)\s*[a-zü{_TONE}]*[{_TONE}][a-zü{_TONE}]*\s*\))"
# Consecutive glosses (會(huì)(huì)) go in one pass, so that normalising twice changes nothing.
_PINYIN = re.compile(rf"(?<=[\u4e00-\u9fff?]){_GLOSS}+")
_MARKDOWN = re.compile(r"\*\*|^#{1,6}[ ]+", re.M)
# Spaces that PDF extraction puts around digits: 2023 年 8 月 2 日, 第 29 次, 提交 2023 年.
_NUM_SPACE = re.compile(
    r"(?<=[0-9])[ ]+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[ ]+(?=[0-9])|(?<=[0-9])[ ]+(?=[-~.][0-9])"
    r"|(?<=[0-9][-~.])[ ]+(?=[0-9])"
)
# A long run of spaces between text and a number separates two fields on one line
# (泾县人民政府办公室        2024年3月20日): it becomes a line break, not nothing.
_FIELD_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[ ]{3,}(?=[0-9])|(?<=[0-9])[ ]{3,}(?=[\u4e00-\u9fff])")
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=[\u4e00-\u9fff)》”])[ ]+(?=[,.;:!?、。;:)》”])")
_MULTISPACE = re.compile(r"[ ]{2,}")

# ---- spam ------------------------------------------------------------------------------------
# Scraped copies of government pages have gambling-site brand strings pasted over place names
# and words (苏州市新万博娱乐_新万博体育-劲爆体育官网碳达峰行动方案). A run is spam only when it
# contains a brand or an unmistakable gambling term; "体育" or "娱乐" alone are ordinary words.
_BRAND = (
    r"新万博|万博|亚博|开云|必威|乐鱼|威尼斯人|葡京|太阳城|皇冠体育|金沙娱乐|银河娱乐|永利|"
    r"bet365|365bet|BET365|伟德|立博|澳门赌场|澳门新葡京|博彩|百家乐|老虎机|真人视讯|六合彩|时时彩|北京赛车"
)
_GENERIC = r"(?:娱乐|体育|彩票|棋牌|真人|电竞|博彩|赌场)(?:官网|官方网站|平台|城|app|APP|网址|入口|下载|注册|开户)?"
_TOKEN = rf"(?:(?:{_BRAND})(?:{_GENERIC})?|(?:劲爆|官方|最新|正规|在线)?{_GENERIC})"
_SPAM = re.compile(rf"{_TOKEN}(?:[_\-—|·]*{_TOKEN})*[:]?")
_SPAM_STRONG = re.compile(rf"{_BRAND}|(?:娱乐|体育|博彩)(?:官网|平台|城)")


def _t2s_converter() -> Callable[[str], str]:
    return _opencc().convert


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC t2s), for questions and short strings."""
    return _opencc().convert(text) if text else text


def strip_glosses(text: str) -> str:
    """Remove pinyin glosses (會(huì)議 → 會議), HTML tag debris and SEO spam, keeping the script as written."""
    text = _TAG.sub("", _PINYIN.sub("", text))
    return _SPAM.sub(lambda m: "" if _SPAM_STRONG.search(m.group(0)) else m.group(0), text)


# Characters OpenCC changes that are also ordinary simplified characters in names (毛华乾).
_AMBIGUOUS = set("乾")


def normalize_query(text: str) -> str:
    """Normalise a question or a pasted sentence the same way documents are normalised.

    A question is short, so one traditional character is enough to convert it (姑蘇區…), unless
    the only change would be an ambiguous character such as 乾.
    """
    aligned = _Aligned(text, list(range(len(text))))
    _char_steps(aligned)
    converted = to_simplified(aligned.text)
    changed = {a for a, b in zip(aligned.text, converted, strict=False) if a != b}
    if len(converted) == len(aligned.text) and changed - _AMBIGUOUS:
        aligned.text = converted
    return _MULTISPACE.sub(" ", aligned.text.replace("\n", " ")).strip()


def _char_steps(aligned: _Aligned) -> list[str]:
    """Character-level steps, repeated until nothing changes (removing spam can bring a pinyin
    gloss next to a character, and so on), so that normalising twice changes nothing."""
    spam: list[str] = []
    for _ in range(4):
        before = aligned.text
        spam += _char_pass(aligned)
        if aligned.text == before:
            break
    return spam


def _char_pass(aligned: _Aligned) -> list[str]:
    aligned.translate(_WIDTH)
    aligned.sub(_TAG)
    aligned.sub(_ENTITY, lambda m: {"&gt;": ">", "&lt;": "<", "&amp;": "&"}.get(m.group(0), " "))
    aligned.sub(_MARKDOWN)  # before pinyin: «会**(huì)» must become «会(huì)» first
    aligned.sub(_PINYIN)
    _convert_lines(aligned, _t2s_converter())
    spam: list[str] = []

    def drop_spam(match: re.Match[str]) -> str:
        if _SPAM_STRONG.search(match.group(0)):
            spam.append(match.group(0))
            return ""
        return match.group(0)

    aligned.sub(_SPAM, drop_spam)  # before the space rules: removing spam can leave «会 )»
    aligned.sub(_FIELD_GAP, "\n")
    aligned.sub(_NUM_SPACE)
    aligned.sub(_SPACE_BEFORE_PUNCT)
    return spam


def _is_traditional(text: str, converted: str) -> bool:
    """Whether ``text`` is written in traditional characters, not simplified with a stray one.

    Converting simplified text is not harmless: OpenCC maps 乾 → 干 even inside a person's name
    (毛华乾), so only text where conversion changes a real share of characters is converted.
    """
    changed = sum(1 for a, b in zip(text, converted, strict=False) if a != b)
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return changed >= 2 and changed >= 0.02 * max(han, 1)


def _convert_lines(aligned: _Aligned, convert: Callable[[str], str]) -> None:
    """Apply a string conversion line by line; OpenCC t2s keeps lengths, so alignment is exact."""
    text = aligned.text
    if text.isascii():
        return
    converted = convert(text)
    if converted == text or not _is_traditional(text, converted):
        return
    if len(converted) == len(text):
        aligned.text = converted
        return
    # Rare phrase conversions change length: convert line by line and spread positions.
    parts: list[str] = []
    origin: list[int] = []
    for line in aligned.lines():
        new = convert(line.text)
        parts.append(new)
        if len(new) == len(line.text):
            origin.extend(line.origin)
        else:
            n = max(len(line.text), 1)
            origin.extend(line.origin[min(len(line.origin) - 1, i * n // max(len(new), 1))] for i in range(len(new)))
        origin.append(line.origin[-1] + 1 if line.origin else (origin[-1] + 1 if origin else 0))
    aligned.text = "\n".join(parts)
    aligned.origin = origin[:-1]


# ---------------------------------------------------------------------------------------------
# line-level steps
# ---------------------------------------------------------------------------------------------

_NAV_WORDS = re.compile(
    r"首\s*页|网站首页|政务公开|互动交流|办事服务|新闻中心|网站地图|无障碍(?:浏览|阅读)?|长者(?:模式|版)|老年版|"
    r"设为首页|加入收藏|(?:进入)?(?:老年|长者|关怀)版|简体|繁体|English|导航|区县招商|产业园区|企业选址|优惠政策|政府信息公开|投资.{0,2}|走进.{2,4}"
)
_FURNITURE_LINE = [
    re.compile(r"^(您当前(?:的)?(?:所在)?位置|当前位置|您的位置|您现在的位置|所在位置|当前栏目)"),
    re.compile(r"首页\s*(>|»|/|>>|→)"),
    re.compile(
        r"^(?:【\s*)?字\s*[体號号]|字体大小|字體|^【?\s*(打印本页|打印|关闭窗口|关闭本页|返回顶部|回到顶部|"
        r"扫一扫|扫码|分享到|收藏|我要问|我要纠错|上一篇|下一篇|相关链接|关联稿件|附件\s*[:]?\s*$)"
    ),
    re.compile(r"(浏览次数|浏览量|访问量|阅读次数|点击数|阅读量|点击量)\s*[:]?\s*\d*\s*$"),
    re.compile(
        r"网站标识码|ICP\s*备|ICP\s*证|公网安备|备案号|版权所有|主办单位|承办单位|技术支持|开发维护|"
        r"联系我们|政务邮箱|举报电话|举报邮箱|不良信息举报|政府咨询投诉|建议使用.{0,20}浏览器"
    ),
    re.compile(
        r"^(责编|责任编辑|编辑|一审|二审|三审|终审|审核|审稿|校对|撰稿|撰稿人|记者|作者|通讯员|摄影|"
        r"来源|信息来源|内容来源|稿源|发布时间|发布日期|更新时间|日期|时间|发文日期|成文日期|生成日期|"
        r"索引号|组配分类|主题分类|发布机构|公开方式|公开范围|内容提要|文号|浏览)\s*(?:[:\s]|(?=\d))"
    ),
    re.compile(r"^(来源|责编|编辑|日期|时间|字号|字体|版面|浏览|作者)\s*[:]?\s*$"),
    re.compile(
        r"^(微信|微博|QQ空间|X|分享|打印|关闭|电子报阅读机|我要问|新闻推荐|相关新闻|相关阅读|推荐阅读|"
        r"热点新闻|图片新闻|星期[一二三四五六日天]|\.{3}|…+|\d+\s*条评论|评论|返回|顶部)$"
    ),
    re.compile(r"^当前报纸名称|^版面\s*:|网站欢迎您|欢迎访问|^[大中小\s【】\[\]]+$"),
    # A short line ending in a timestamp: a byline such as "湖南日报·新湖南客户端 2026-01-13 08:25:34".
    re.compile(r"^.{0,40}?\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"),
]
# Footer blocks: everything after such a line is page furniture (news recommendations, slogans).
_TAIL_START = re.compile(r"^(新闻推荐|相关新闻|相关阅读|推荐阅读|热点新闻|延伸阅读|猜你喜欢)$")
_PAGE_NUMBER = re.compile(
    r"^[—\-–－_\s]*\d{1,3}[—\-–－_\s]*$|^第\s*\d+\s*页(?:\s*[,/]?\s*共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$"
)
_DIGITS_ONLY = re.compile(r"^[\d\s:/\-.·,年月日号时分秒]{1,25}$")
_BULLETS_ONLY = re.compile(r"^[•·\-–—*>\s|]*$")

# Item markers: a line starting with one of these begins a heading or numbered paragraph.
_TOP_MARKER = re.compile(r"^[一二三四五六七八九十百]+[、.]")
_ANY_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.]|\([一二三四五六七八九十百]+\)|\d{1,2}[、.．](?!\d)|\(\d{1,2}\)|[①-⑳]|第[一二三四五六七八九十百\d]+[条项部分]|"
    r"【|会议(时间|地点|议题|内容|主持人?|过程)|(主持人|列席情况|出席|列席|请假|缺席|记录|分送|主送|抄送|附)\s*[:]|"
    r"\d{1,2}:\d{2})"
)
# A title line (…召开第107次常务会议) and the opening of a paragraph (a date, a news dateline).
_TITLE_LIKE = re.compile(r"(常务会议|纪要|会议召开)$")
# Signature lines: an office on a line of its own.
_SIGNATURE = re.compile(r"^[^,。;\s]{2,30}(办公室|人民政府|委员会|管委会)(\s*整理)?$")
# A page's publication or byline line (「2024-05-20 10:21 来源：…办公室」, 「发布时间：…」, 「作者：…」)
# is furniture of its own: the lead that follows is not its continuation, however long it is.
BYLINE = re.compile(
    r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*\d{1,2}:\d{2}|"
    r"(?:^|\s)(?:来源|信息来源|发布(?:时间|日期|机构)?|作者|编辑|责任编辑|浏览(?:次数)?|访问次数|点击(?:数|量)?)\s*[:：]"
)
_PARAGRAPH_START = re.compile(
    r"^(\d{4}年\d{1,2}月\d{1,2}日|.{0,20}?(本报讯|日讯|电讯|讯\()|会议(还|经|对|就|先后|首先|分别|原则|决定|同意|认为|指出|"
    r"强调|要求|提出|审议|听取|研究|传达|学习|通报|讨论|明确))"
)
_TERMINAL = set("。!?;:…”」』)】>》") | {"；", "！", "？", "："}
_OPEN_END = set(",、(《“「『<-—")
_CLOSE_START = set(",。、;:!?)》”」』>")


def _is_furniture(line: str) -> bool:
    if len(line) > 200:
        return False
    if any(p.search(line) for p in _FURNITURE_LINE):
        return True
    if _DIGITS_ONLY.match(line) and not re.search(r"\d{4}年\d{1,2}月\d{1,2}日", line):
        return True
    # Navigation bars: several short space-separated words that are all navigation.
    tokens = line.split()
    if len(tokens) >= 3 and all(len(t) <= 6 for t in tokens):
        rest = _NAV_WORDS.sub("", line)
        if len(re.sub(r"[\s|/>]", "", rest)) <= len(line) // 3:
            return True
    return bool(tokens) and not _NAV_WORDS.sub("", line).strip(" |/>·")


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def normalize(original: str, hints: Sequence[str] = (), wrapped: bool | None = None) -> Normalized:
    """Normalise a document.

    Args:
        original: the document text as read from its file.
        hints: extra furniture from the file (HTML title and footer) to normalise into ``hints``.
        wrapped: whether lines are hard-wrapped (PDF); ``None`` detects it from line widths.

    Returns:
        The normalised text with its map to ``original``, the removed furniture and spam.
    """
    if wrapped is None:
        # Judge wrapping on the original lines: pinyin glosses removed below change the widths.
        wrapped = _looks_wrapped([ln.strip() for ln in original.splitlines() if ln.strip()])
    aligned = _Aligned(original, list(range(len(original))))
    spam = _char_steps(aligned)
    lines = aligned.lines()
    # Hard-wrap decisions use the width of the *original* line a character sits on: the
    # physical line length, before pinyin glosses and spaces were removed.
    layout = _OriginalLayout(original)
    top = layout.full_width
    kept: list[_Aligned] = []
    removed: list[str] = []
    tail = False
    continues_removed = False
    for line in lines:
        _strip_line(line)
        if not line.text:
            kept.append(line)
            continue
        if _PAGE_NUMBER.match(line.text) or _BULLETS_ONLY.match(line.text):
            continue
        if tail or continues_removed or _is_furniture(line.text):
            removed.append(line.text)
            tail = tail or bool(_TAIL_START.match(line.text))
            # In hard-wrapped text a furniture line that runs to the margin continues below.
            continues_removed = wrapped and _runs_on(line, layout, top)
            continue
        continues_removed = False
        kept.append(line)
    paragraphs = _join_lines(kept, wrapped, layout, top)
    text_parts: list[str] = []
    origin: list[int] = []
    for para in paragraphs:
        _MULTI = _MULTISPACE
        para.sub(_MULTI, " ")
        if not para.text:
            continue
        if text_parts:
            text_parts.append("\n")
            origin.append(min(origin[-1] + 1, len(original)))
        text_parts.append(para.text)
        origin.extend(para.origin)
    hint_lines = removed + [normalize_query(h) for h in hints if h and h.strip()]
    distinct_spam = list(dict.fromkeys(s.rstrip(":") for s in spam))
    return Normalized(original, "".join(text_parts), origin, hint_lines, distinct_spam)


def _strip_line(line: _Aligned) -> None:
    text = line.text
    left = len(text) - len(text.lstrip(" "))
    right = len(text.rstrip(" "))
    if left or right < len(text):
        line.text = text[left:right]
        line.origin = line.origin[left:right]


def _looks_wrapped(lines: list[str]) -> bool:
    """Hard-wrapped text (PDF): most long lines end at the same width, mid-sentence."""
    if len(lines) < 6:
        return False
    widths = [_width(line) for line in lines]
    top = max(widths)
    near = [line for line, w in zip(lines, widths, strict=True) if w >= 0.8 * top]
    open_ends = sum(1 for line in near if line[-1] not in _TERMINAL)
    return len(near) >= 0.4 * len(lines) and open_ends >= 0.6 * len(near) and top <= 120


def _full_width(lines: list[str]) -> int:
    """The width of a full line: a high percentile, robust to a few overlong lines."""
    if not lines:
        return 0
    widths = sorted(_width(line) for line in lines)
    return widths[min(len(widths) - 1, int(len(widths) * 0.9))]


class _OriginalLayout:
    """Widths of the original lines, looked up by original character position."""

    def __init__(self, original: str):
        self.starts: list[int] = []
        self.widths: list[int] = []
        pos = 0
        for line in original.split("\n"):
            self.starts.append(pos)
            self.widths.append(_width(line.strip()))
            pos += len(line) + 1
        self.full_width = _full_width([ln.strip() for ln in original.split("\n") if ln.strip()])

    def width_at(self, position: int) -> int:
        import bisect

        return self.widths[max(0, bisect.bisect_right(self.starts, position) - 1)]


def _runs_on(line: _Aligned, layout: _OriginalLayout, top: int) -> bool:
    """The line reaches the right margin and does not end a sentence: it continues below."""
    return layout.width_at(line.origin[-1]) >= 0.65 * top and line.text[-1] not in "。!?;:"


def _join_lines(lines: list[_Aligned], wrapped: bool, layout: _OriginalLayout, top: int) -> list[_Aligned]:
    """Rejoin paragraphs that a page break or a hard wrap cut in two."""
    content = [ln for ln in lines if ln.text]
    if not content:
        return []
    out: list[_Aligned] = [content[0]]
    for line in content[1:]:
        prev = out[-1]
        if _should_join(prev.text, line.text, _runs_on(prev, layout, top) if wrapped else None):
            # In space-separated lists (列席: 区法院曹黎 / 丰 区检察院…) a break between two entries
            # is a separator, while a one-character fragment is the end of a cut name.
            first = line.text.split(" ", 1)[0]
            if prev.text.count(" ") >= 2 and " " in line.text and len(first) >= 2:
                prev.text += " "
                prev.origin.append(min(prev.origin[-1] + 1, line.origin[0]))
            prev.text += line.text
            prev.origin += line.origin
        else:
            out.append(line)
    return out


def _should_join(prev: str, nxt: str, runs_on: bool | None) -> bool:
    """Whether line ``nxt`` continues paragraph ``prev``; ``runs_on`` is set for hard-wrapped text."""
    if nxt[0] in _CLOSE_START:
        return True
    if _ANY_MARKER.match(nxt):
        return False
    if _TITLE_LIKE.search(prev) or _PARAGRAPH_START.match(nxt) or _SIGNATURE.match(nxt) or BYLINE.search(prev):
        return False
    if runs_on is not None:
        return runs_on or prev[-1] in _OPEN_END
    if prev[-1] in _TERMINAL:
        return False
    if prev[-1] in _OPEN_END and len(prev) >= 8:
        return True
    if _TOP_MARKER.match(prev) or (_ANY_MARKER.match(prev) and len(prev) < 20):
        return False
    # A page break inside a paragraph: a long line stopping mid-sentence, continued by text.
    return len(prev) >= 25 and bool(re.match(r"[\u4e00-\u9fff0-9“《]", nxt))
