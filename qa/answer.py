"""Extractive, cited answers: composed from retrieved items and meeting metadata, never invented.

The shape of the answer follows the question: when (date and meeting), who chaired, which meeting,
which number, who must act (the sentence naming the unit), what was decided (key sentences), and
lists of meetings. Every answer cites the chunks it used with the supporting sentence and its
character span in the original document. When the evidence is missing, ``found`` is false and the
answer says so.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from qa.chunks import Chunk
from qa.normalize import normalize, normalize_query, strip_glosses
from qa.query import GENERIC_FOCUS, Filters, Query, resolve_follow_up
from qa.search import Hit, Searcher, coverage

# Below this coverage a passage does not speak about the question's topic.
MIN_COVERAGE = 0.5


@dataclass
class Citation:
    """One cited passage: where it is, and the sentence that supports the answer."""

    rank: int
    source: str
    title: str | None
    region: str | None
    meeting: str | None
    date: str | None
    item: str
    text: str
    sentence: str
    span: tuple[int, int]
    score: float
    chunk_id: str = ""
    doc_id: str = ""
    meeting_number: int | None = None


@dataclass
class Answer:
    """An answer with its citations (the JSON of ``qa ask --json``)."""

    question: str
    answer: str
    found: bool
    question_type: str
    filters: dict
    citations: list[Citation] = field(default_factory=list)
    interpreted_as: str | None = None  # a follow-up rewritten with the previous question's context

    def to_dict(self) -> dict:
        data = asdict(self)
        for citation in data["citations"]:
            citation["span"] = list(citation["span"])
        return data


# ---------------------------------------------------------------------------------------------
# sentences
# ---------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[。！？!?；;]+[”」』]?|\n")


@lru_cache(maxsize=4096)
def sentences(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sentences of an original passage: (start, end, normalised sentence).

    Splitting happens on the normalised text, where hard-wrapped lines are rejoined and page
    furniture is gone; the spans are mapped back to the original for citation.
    """
    norm = normalize(text)
    out: list[tuple[int, int, str]] = []
    start = 0
    label: tuple[int, int, str] | None = None
    for match in _SENTENCE_END.finditer(norm.text + "\n"):
        end = min(match.end(), len(norm.text))
        piece = norm.text[start:end].strip()
        if len(piece) >= 2:
            lead = len(norm.text[start:end]) - len(norm.text[start:end].lstrip())
            a, b = norm.to_original(start + lead, start + lead + len(piece))
            if label is not None:
                # A field label on its own line («会议地点:» / «区长会议室») reads as one sentence.
                a, piece = label[0], label[2] + piece
                label = None
            if len(piece) <= 12 and piece.endswith(":"):
                label = (a, b, piece)
            else:
                out.append((a, b, piece))
        start = match.end()
    if label is not None:
        out.append(label)
    # Cached: one answer asks for the same chunk's sentences several times (choice, extension, citation).
    return tuple(out)


def display(text: str) -> str:
    """A quote for reading: wrapped lines joined; page numbers, pinyin glosses, markdown dropped."""
    text = re.sub(r"\n\s*[—\-–]\s*\d+\s*[—\-–]\s*(?=\n)", "", text)
    text = strip_glosses(text.replace("**", ""))
    text = re.sub(r"(?<=[A-Za-z])[ \t]*\n\s*(?=[A-Za-z])", " ", text)
    return re.sub(r"[ \t]*\n\s*", "", text).strip()


_CUES = {
    "who": re.compile(r"请|由|提交|提请|牵头|负责|汇报|起草|修改完善|会同|联合|交由|报送|上报"),
    "when": re.compile(r"\d{1,2}月\d{1,2}日|\d{4}年"),
    "chair": re.compile(r"主持"),
    "number": re.compile(r"第[\d一二三四五六七八九十百]+次"),
    "where": re.compile(r"会议室|会议地点|地点|礼堂|大厅|中心|在[^,。;]{2,20}(召开|举行|开始)"),
}
_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万两]+[个项份次万亿吨亩人家条]")
_PLACE = re.compile(r"(?:会议地点[:：]?\s*|在)([^,，。;；:：\s]{2,20}?(?:会议室|礼堂|大厅|中心|大楼|会场))")


def cue_score(norm: str, query: Query) -> float:
    """How well a sentence fits what the question asks for, apart from its topic words."""
    score = 0.0
    cue = _CUES.get(query.qtype)
    if cue and cue.search(norm):
        score += 0.3
    # Generic focus nouns (单位, 文件) name the kind of answer and would favour any sentence using them.
    score += 0.5 * sum(1 for f in query.focus if f in norm and f not in GENERIC_FOCUS)
    score += 1.0 * sum(1 for v in query.verbs if v in norm)
    if query.quantity and _NUMBER.search(norm):
        score += 0.4
    return score


def best_sentence(chunk: Chunk, words: list[str], weights: list[float], query: Query) -> tuple[int, int, float]:
    """The span (within the chunk text) of the sentence that best supports the answer, and its score."""
    spans = sentences(chunk.text)
    if not spans:
        return 0, len(chunk.text), 0.0
    best = (spans[0][0], spans[0][1], -1.0)
    for index, (start, end, norm) in enumerate(spans):
        score = (coverage(words, weights, norm) if words else 0.0) + cue_score(norm, query)
        if re.match(r"^[一二三四五六七八九十]+、", norm) and len(norm) < 60:
            score -= 0.2  # a heading repeats the topic but rarely answers
        score -= 0.001 * index  # earlier sentences win ties
        if score > best[2]:
            best = (start, end, score)
    return best


# ---------------------------------------------------------------------------------------------
# answering
# ---------------------------------------------------------------------------------------------


def _cn_date(iso: str | None) -> str:
    if not iso:
        return "日期不详"
    year, month, day = iso.split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"


def _item_label(chunk: Chunk) -> str:
    if chunk.kind == "overview":
        return "会议概况"
    return f"{chunk.number}、{chunk.heading}" if chunk.number else chunk.heading


class Answerer:
    """Questions in, cited answers out."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self._meetings: dict[str, dict] = {}

    def meeting(self, doc_id: str) -> dict:
        """Parsed metadata of a document (cached)."""
        if doc_id not in self._meetings:
            document = self.searcher.reader.document(doc_id)
            self._meetings[doc_id] = document["meeting"] if document else {}
        return self._meetings[doc_id]

    def ask(self, question: str, k: int = 5, filters: Filters | None = None, previous: str | None = None) -> Answer:
        """Answer one question; ``previous`` gives context to follow-ups such as «那太仓呢？»."""
        resolved = resolve_follow_up(question, previous, self.searcher.regions)
        answer = self._ask(resolved, k, filters)
        if resolved != question:
            answer.question, answer.interpreted_as = question, resolved
        return answer

    def _ask(self, question: str, k: int, filters: Filters | None) -> Answer:
        query = self.searcher.understand(question, filters)
        words = self.searcher.topic_words(query)
        if query.qtype in ("what", "who") and not words and not query.filters.is_empty():
            return self._meeting_answer(query, k)
        if query.qtype == "list":
            return self._list_answer(query, k)
        hits = self.searcher.search(query, k=k)
        weights = [self.searcher._idf(w) for w in words]
        if not hits or not self._relevant(query, hits[0], words):
            return self._not_found(query, hits)
        citations = [self._cite(i + 1, hit, words, weights, query) for i, hit in enumerate(hits)]
        text = self._compose(query, hits[0], citations[0], words)
        return Answer(question, text, True, query.qtype, query.filters.to_dict(), citations)

    # ---- decisions ---------------------------------------------------------------------------

    def _relevant(self, query: Query, top: Hit, words: list[str]) -> bool:
        if top.exact:
            return True
        if not words:
            # Nothing but filters and a question word: relevant if the filters picked a meeting.
            return not query.filters.is_empty() and query.qtype in (
                "chair",
                "when",
                "number",
                "which_meeting",
                "attendance",
                "where",
            )
        return top.coverage >= MIN_COVERAGE

    def _not_found(self, query: Query, hits: list[Hit]) -> Answer:
        if query.filters.unknown_places and not query.filters.regions:
            places = "、".join(query.filters.unknown_places)
            text = f"资料库中没有{places}的会议纪要，无法回答这个问题。"
        elif not hits and not query.filters.is_empty():
            text = "资料库中没有符合这些条件的会议，无法回答这个问题。"
        else:
            text = "已收录的会议纪要中没有找到与这个问题相关的内容。"
        return Answer(query.text, text, False, query.qtype, query.filters.to_dict(), [])

    # ---- citations ---------------------------------------------------------------------------

    def _cite(
        self,
        rank: int,
        hit: Hit,
        words: list[str],
        weights: list[float],
        query: Query,
        span: tuple[int, int] | None = None,
    ) -> Citation:
        chunk = hit.chunk
        qtype = query.qtype
        if span is not None:
            start, end = span
        elif qtype == "chair" and chunk.kind == "overview":
            start, end = _meeting_sentence(chunk.text, prefer="主持")
        elif qtype == "where" and chunk.kind == "overview":
            start, end, _score = best_sentence(chunk, [], [], query)
        elif qtype == "number" or (qtype in ("when", "which_meeting") and chunk.kind == "overview" and not words):
            start, end = _meeting_sentence(chunk.text)
        else:
            start, end, _score = best_sentence(chunk, words, weights, query)
            start, end = _extend_short(chunk.text, start, end)
        return Citation(
            rank=rank,
            source=chunk.source,
            title=chunk.title,
            region=chunk.region,
            meeting=chunk.meeting,
            date=chunk.date,
            item=_item_label(chunk),
            text=chunk.text,
            sentence=chunk.text[start:end].strip(),
            span=(chunk.start + start, chunk.start + end),
            score=round(hit.score, 4),
            chunk_id=chunk.chunk_id,
            doc_id=chunk.doc_id,
            meeting_number=chunk.meeting_number,
        )

    # ---- composing ---------------------------------------------------------------------------

    def _when(self, chunk: Chunk) -> str:
        meeting = self.meeting(chunk.doc_id)
        text = _cn_date(chunk.date)
        if meeting.get("time_of_day"):
            text += meeting["time_of_day"]
        if meeting.get("date_inferred"):
            text += "（原文日期不全，系推断）"
        return text

    def _attendance(self, meeting: dict, name: str, chunk: Chunk) -> str:
        """Who attended (出席) and who sat in (列席), from the parsed lists."""
        attendees, observers = meeting.get("attendees") or [], meeting.get("observers") or []
        if not attendees and not observers:
            return f"{name}（{self._when(chunk)}）的纪要没有列出出席人员。"
        parts = []
        if attendees:
            more = "等" if len(attendees) > 30 else ""
            parts.append(f"出席{len(attendees)}人：" + "、".join(attendees[:30]) + more)
        if observers:
            shown = "、".join(f"{o['unit']}{o['name']}" for o in observers[:15])
            parts.append(f"列席{len(observers)}人：{shown}" + ("等" if len(observers) > 15 else ""))
        return f"{name}（{self._when(chunk)}）" + "；".join(parts) + "。"

    def _compose(self, query: Query, top: Hit, citation: Citation, words: list[str]) -> str:
        chunk = top.chunk
        meeting = self.meeting(chunk.doc_id)
        name = " ".join(p for p in (chunk.region or "", chunk.meeting or "常务会议") if p)
        quote = "「" + display(citation.sentence) + "」"
        where = f"出处：{name}（{_cn_date(chunk.date)}），{citation.item}"
        qtype = query.qtype
        if qtype == "lookup":
            return f"这段内容出自 {name}（{_cn_date(chunk.date)}），{citation.item}。[1]\n{quote}"
        if qtype == "chair":
            chair = meeting.get("chair")
            if chair:
                title = meeting.get("chair_title") or ""
                return f"{name}（{self._when(chunk)}）由{title}{chair}主持。[1]\n{quote}"
            return f"纪要中没有写明{name}的主持人。[1]\n{quote}"
        if qtype == "where":
            place = _PLACE.search(display(citation.sentence))
            lead = f"{name}（{self._when(chunk)}）在{place.group(1)}召开。" if place else ""
            return f"{lead}{quote}[1]\n{where}"
        if qtype == "attendance":
            return self._attendance(meeting, name, chunk) + f"[1]\n{quote}"
        if qtype == "number":
            number = meeting.get("meeting_number")
            if number:
                return f"是第{number}次常务会议：{name}，{self._when(chunk)}召开。[1]\n{quote}"
            return f"纪要中没有写明会议的次序：{name}，{self._when(chunk)}召开。[1]\n{quote}"
        if qtype == "when" and "印发" in query.norm and meeting.get("issued"):
            return f"{name}的纪要于{_cn_date(meeting['issued'])}印发（会议于{self._when(chunk)}召开）。[1]\n{quote}"
        if qtype == "when":
            if chunk.kind == "overview" or not words:
                return f"{name}于{self._when(chunk)}召开。[1]\n{quote}"
            return f"{self._when(chunk)}召开的{name}，议题：{citation.item}。[1]\n{quote}"
        if qtype == "which_meeting":
            return f"{self._when(chunk)}召开的{name}，{citation.item}。[1]\n{quote}"
        if qtype == "who":
            short = _who(citation.sentence, query)
            lead = f"{short}。" if short else ""
            return f"{lead}{quote}[1]\n{where}"
        return f"{quote}[1]\n{where}"

    def _meeting_answer(self, query: Query, k: int) -> Answer:
        """A question about one meeting without a topic («…共研究了几项议题», «…学习了哪些法规»).

        The sentence of that meeting that best fits what is asked (focus noun, verb, a number)
        answers it; if none fits, the meeting's agenda does.
        """
        hits = self.searcher.list_matches(query)
        docs = sorted({h.chunk.doc_id for h in hits})
        if not hits:
            return self._not_found(query, [])
        specific = [f for f in query.focus if f not in GENERIC_FOCUS]
        agenda_verbs = {"研究", "审议", "听取", "讨论", "部署", "学习", "传达", "通报", "通过", "审定"}
        asks_agenda = not specific and not query.quantity and set(query.verbs) <= agenda_verbs
        if len(docs) <= 3 and not asks_agenda:
            scored = []
            for hit in hits:
                start, end, score = best_sentence(hit.chunk, [], [], query)
                scored.append((score, hit.chunk.item_index, hit, start, end))
            scored.sort(key=lambda s: (-s[0], s[1]))
            if scored and scored[0][0] >= 0.5:
                ranked = [s[2] for s in scored[:k]]
                citations = [self._cite(i + 1, hit, [], [], query) for i, hit in enumerate(ranked)]
                top = ranked[0].chunk
                name = " ".join(p for p in (top.region or "", top.meeting or "常务会议") if p)
                quote = "「" + display(citations[0].sentence) + "」"
                text = f"{quote}[1]\n出处：{name}（{_cn_date(top.date)}），{citations[0].item}"
                if query.qtype == "who":
                    short = _who(citations[0].sentence, query)
                    text = (f"{short}。" if short else "") + text
                return Answer(query.text, text, True, query.qtype, query.filters.to_dict(), citations)
        return self._list_answer(query, k)

    def _list_answer(self, query: Query, k: int) -> Answer:
        """Meetings (and their matching items) for «哪些会议…», or a meeting's agenda."""
        hits = self.searcher.list_matches(query)
        if not hits:
            return self._not_found(query, [])
        words = self.searcher.topic_words(query)
        weights = [self.searcher._idf(w) for w in words]
        by_doc: dict[str, list[Hit]] = {}
        for hit in hits:
            by_doc.setdefault(hit.chunk.doc_id, []).append(hit)
        agenda = not words
        for doc, doc_hits in by_doc.items():
            items = [h for h in doc_hits if h.chunk.kind != "overview"]
            # A meeting is cited by its items; its overview only when no item matched (or for agendas).
            keep = doc_hits if agenda else (items or doc_hits)
            by_doc[doc] = sorted(keep, key=lambda h: (h.chunk.item_index, h.chunk.chunk_id))
        ordered = sorted(by_doc, key=lambda d: (by_doc[d][0].chunk.date or "", d))
        per_meeting = 12 if len(ordered) == 1 or agenda else 3
        citations: list[Citation] = []
        lines: list[str] = []
        for number, doc in enumerate(ordered, 1):
            first = by_doc[doc][0].chunk
            name = " ".join(p for p in (first.region or "", first.meeting or "常务会议") if p)
            refs = []
            for hit in by_doc[doc][:per_meeting]:
                # An agenda cites items; the overview only when it holds what was asked («审议《…》《…》»).
                overview = hit.chunk.kind == "overview" and agenda and len(by_doc[doc]) > 1
                asked = _sentence_with_asked_action(hit.chunk, query) if overview else None
                if overview and asked is None:
                    continue
                citations.append(self._cite(len(citations) + 1, hit, words, weights, query, span=asked))
                label = citations[-1].item
                if hit.chunk.kind == "overview":
                    label = _clip(display(citations[-1].sentence), 80)
                refs.append(f"{label}[{len(citations)}]")
            lines.append(f"{number}. {_cn_date(first.date)} {name}：" + "；".join(refs))
        if agenda:
            head = "这次会议的议题：" if len(ordered) == 1 else f"符合条件的会议共{len(ordered)}次，议题如下："
        else:
            topic = "、".join(words)
            head = f"共有{len(ordered)}次会议涉及「{topic}」："
        return Answer(query.text, "\n".join([head, *lines]), True, query.qtype, query.filters.to_dict(), citations)


_WHO = [
    re.compile(r"(?:提交|提请|报送?|上报|呈报)([^,，。；;]{2,30}?)(?:审议|讨论|研究|审定|批准)"),
    re.compile(r"由([^,，。；;]{2,24}?)(?:牵头|负责|根据|依据|结合|会同|联合|按照|修改|组织|以)"),
    re.compile(r"请([^,，。；;]{2,24}?)(?:根据|依据|按照|结合|进一步|会同|抓紧|尽快|牵头|修改)"),
    re.compile(r"(?:听取了?|听取并原则同意)([^,，。；;]{2,24}?)(?:关于|有关|就|所作|的汇报|汇报)"),
    re.compile(r"^(?:\([一二三四五六七八九十]\))?([^,，。；;]{2,20}?)(?:就|向会议)"),
    re.compile(r"同意([^,，。；;《]{2,30}?)(?:提出|提交|起草|上报)的"),
]


def _who(sentence: str, query: Query) -> str | None:
    """The unit named in a supporting sentence: 市委常委会, 姑苏生态环境局, 县经信局 …"""
    norm = normalize_query(sentence)
    question = query.norm
    for verb in query.object_verbs:
        # «移交给哪个单位» → what follows 移交 in the sentence: 国资中心.
        if verb not in ("汇报", "提交", "提请", "牵头", "负责", "修改", "修改完善", "落实", "起草", "提出"):
            target = r"(?:给|至|到)?([^,，。；;]{2,16}?)(?:之后|以后|后|,|，|。|；|;|$)"
            after = re.search(re.escape(verb) + target, norm)
            if after:
                return after.group(1).strip()
    order = _WHO
    if re.search(r"汇报|提出|起草", question):
        order = [_WHO[5], _WHO[3], _WHO[4], *_WHO[:3]]
    elif re.search(r"提交|提请|报", question):
        order = _WHO
    else:
        order = [_WHO[1], _WHO[2], _WHO[0], _WHO[3], _WHO[4]]
    for pattern in order:
        match = pattern.search(norm)
        if match:
            return match.group(1).strip()
    return None


_AGENDA_ACTIONS = ("审议", "通过", "听取", "研究", "讨论", "学习", "传达", "部署", "通报")


def _sentence_with_asked_action(chunk: Chunk, query: Query) -> tuple[int, int] | None:
    """The overview sentence naming what the question asks for («审议了哪些材料» → «会议对下列材料进行了审议…»)."""
    actions = [a for a in _AGENDA_ACTIONS if a in query.norm]
    # The meeting sentence itself does not count: every overview has one.
    for start, end, norm in sentences(chunk.text)[1:]:
        if actions and any(a in norm for a in actions) and "主持" not in norm:
            return start, end
    return None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _extend_short(text: str, start: int, end: int, minimum: int = 40) -> tuple[int, int]:
    """A very short supporting sentence takes the next one along, within the same paragraph."""
    if end - start >= minimum:
        return start, end
    for a, b, _norm in sentences(text):
        if a >= end:
            if "\n" in text[end:a] or re.match(r"\s*[一二三四五六七八九十]+、", text[a:b]):
                break
            return start, b
    return start, end


def _meeting_sentence(text: str, prefer: str | None = None) -> tuple[int, int]:
    """The opening sentence of an overview: date, meeting, chair."""
    spans = sentences(text)
    if prefer:
        for start, end, norm in spans:
            if prefer in norm and len(norm) < 400:
                return start, end
    for start, end, norm in spans:
        if (
            re.search(r"常务会", norm)
            and re.search(r"\d|[一二三四五六七八九十]次", norm)
            and len(norm) < 400
            and re.search(r"[,。]", norm)
        ):
            return start, end
    for start, end, norm in spans:
        if "主持" in norm:
            return start, end
    return spans[0][:2] if spans else (0, len(text))
