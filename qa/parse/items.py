"""A report's body → agenda items (with sub-items) and the meeting's overview.

Formal 纪要 number their items (一、 / （一） / 议题一 / 1.): the first numbering scheme that counts
the body up from 1 splits it. News reports do not: each paragraph that takes up a matter
(«会议听取/审议/研究…») starts an item, and what the meeting said about it («会议强调…») joins it.
A report that is all one paragraph is split at its clauses.
"""

from __future__ import annotations

import re

from qa.dates import cn_to_int
from qa.meeting import AgendaItem, Meeting, SubItem
from qa.parse.layout import Layout
from qa.parse.patterns import HAN, Para, is_title

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
    rf"^(?:会议|会上|[{HAN}]{{2,4}}(?:在会上|在讲话中)?)(?:强调|指出|要求|认为|提出|明确|表示|希望|号召)"
)
_DECISION = re.compile(r"^会议(?:决定|同意|原则同意|议定|原则通过|通过)")
_HAS_COMMENT = re.compile(rf"(?:会议|会上|[{HAN}]{{2,4}}在会上)(?:强调|指出|要求|认为|提出|明确)")
_ATTENDANCE = re.compile(r"(出席|列席|参加会议|参加|与会|到会|应邀|受邀)[^。]{0,6}[。]?$")
_CLAUSE = re.compile(
    r"^(?:此外|另外|同时|随后|最后|首先|先后|还|并|又|会上|会议还?|与会人员|[,\s])*[^,;。]{0,12}?"
    r"(?:集体)?(?:学习|传达|听取|审议|研究|讨论|审定|通报|解读|(?:对|就)[^;。]{1,80}?(?:进行了|作了|作出)(?:研究|审议|讨论|部署))"
)
_SUMMARY = re.compile(r"上述(?:议题|事项)|共(?:研究|讨论|审议)[^。;]{0,8}(?:\d+|[一二三四五六七八九十]+)(?:项|个)议题")
_CHAIR_SPEECH = re.compile(rf"^(?!会议|会上)[{HAN}]{{2,4}}(?:在会上|在讲话中)?(?:强调|指出|要求)")
_TIMESTAMP = re.compile(r"^(?:上午|下午|晚上)?\s*\d{1,2}:\d{2}$")


def split_items(layout: Layout, meeting: Meeting) -> None:
    """Fill ``meeting.items``: the overview (what precedes the body) and one item per matter."""
    _Splitter(layout, meeting).run()


class _Splitter:
    """Splits one report's body into agenda items."""

    def __init__(self, layout: Layout, meeting: Meeting):
        self.layout = layout
        self.m = meeting
        self.norm = layout.norm
        self.paras = layout.paras
        self.opening = layout.opening

    def run(self) -> None:
        body_end = self.layout.body_end
        m = self.m
        opening = self.opening if self.opening is not None else 0
        body = self.paras[opening + 1 : body_end]
        body = [p for p in body if not _TIMESTAMP.match(p.text)]
        overview: list[Para] = self.paras[: opening + 1]
        items: list[list[Para]] = []
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

    def _group_prose(self, body: list[Para]) -> tuple[list[list[Para]], list[Para]]:
        items: list[list[Para]] = []
        overview: list[Para] = []
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
            elif is_title(text) or len(text) < 12:
                overview.append(para)
            else:
                items.append([para])
                has_comment.append(bool(_HAS_COMMENT.search(text)))
        return items, overview

    def _split_opening(self, overview: list[Para]) -> tuple[list[Para], list[list[Para]]]:
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
        head = Para(opening.start, first_item.start, self.norm.text[opening.start : first_item.start].rstrip())
        return [*overview[:-1], head], items

    def _overview(self, paras: list[Para]) -> AgendaItem:
        start, end = self.norm.to_original(paras[0].start, paras[-1].end)
        start = 0 if paras[0] is self.paras[0] else start
        norm_text = "\n".join(p.text for p in paras)
        return AgendaItem(None, "会议概况", self.norm.original[start:end], start, end, [], "overview", norm_text)

    def _make_item(self, paras: list[Para]) -> AgendaItem:
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

    def _subitems(self, paras: list[Para]) -> list[SubItem]:
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


def _is_attendance(text: str) -> bool:
    """«区领导…出席。…列席。» or «会议由区长王敏主持。副区长…出席。»: metadata, not a matter."""
    sentences = [s for s in re.split(r"[。]", text) if s.strip()]
    if not sentences:
        return False
    return all(
        _ATTENDANCE.search(s + "。") or re.search(r"主持(会议)?$", s) or s.startswith("出席会议的有") for s in sentences
    )


def _verb_clauses(text: str) -> list[str]:
    clauses = [c for c in re.split(r"[;。]", text) if c.strip()]
    return [c for c in clauses if _CLAUSE.match(c.strip()) and not _SUMMARY.search(c)]


def _split_clauses(para: Para, keep_first: bool = False) -> list[Para]:
    """Split a paragraph at '。' and ';' where the next clause starts a new matter."""
    pieces: list[Para] = []
    pos = 0
    text = para.text
    for match in re.finditer(r"[;。]", text):
        pieces.append(Para(para.start + pos, para.start + match.end(), text[pos : match.end()]))
        pos = match.end()
    if pos < len(text):
        pieces.append(Para(para.start + pos, para.end, text[pos:]))
    groups: list[Para] = []
    pending: Para | None = None  # a leading summary sentence (本次会议共研究讨论7项议题) joins the next
    for piece in pieces:
        if not groups and pending is None and _SUMMARY.search(piece.text) and not keep_first:
            pending = piece
            continue
        if pending is not None:
            piece = Para(pending.start, piece.end, pending.text + piece.text)
            pending = None
        stripped = piece.text.strip()
        starts = bool(_CLAUSE.match(stripped)) and not _SUMMARY.search(stripped) and not _COMMENT.match(stripped)
        if groups and (
            not starts
            or (keep_first and len(groups) == 1 and not _CLAUSE.match(groups[0].text) and re.search(r"主持", stripped))
        ):
            prev = groups[-1]
            groups[-1] = Para(prev.start, piece.end, prev.text + piece.text)
        else:
            offset = len(piece.text) - len(piece.text.lstrip())
            groups.append(Para(piece.start + offset, piece.end, stripped))
    if pending is not None:
        groups.append(pending)
    return groups


def _group_numbered(body: list[Para], pattern: re.Pattern[str]) -> tuple[list[list[Para]], list[Para]]:
    items: list[list[Para]] = []
    before: list[Para] = []
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
