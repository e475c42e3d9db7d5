"""Extractive, cited answers: composed from retrieved items and meeting metadata, never invented.

The shape of the answer follows the question: when (date and meeting), who chaired, which meeting,
which number, who must act (the sentence naming the unit), what was decided (key sentences), and
lists of meetings. Every answer cites the chunks it used with the supporting sentence and its
character span in the original document. When the evidence is missing, ``found`` is false and the
answer says so.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from qa.chunks import CLOSING_HEADING as _CLOSING
from qa.chunks import Chunk
from qa.dates import cn_date
from qa.normalize import normalize_query, strip_glosses
from qa.ocr import ocr_note
from qa.query import GENERIC_FOCUS, Filters, Query, question_type, resolve_follow_up
from qa.regions import gazetteer
from qa.search import Hit, Searcher, coverage
from qa.sentences import sentences, similarities_of

__all__ = ["Answer", "Answerer", "Citation", "best_sentence", "display", "sentences"]

# «Not found» is decided on evidence: the topic's lexical coverage of the answering passage, and when
# that is not enough, plus W_CONTRIBUTION × the topic's contribution to the best sentence's similarity
# (see Answerer.topic_contribution); EVIDENCE_THRESHOLD chosen on the dev question files
# (``qa eval --thresholds`` prints the trade-off).
LEXICAL_ENOUGH = 0.5
# A contradicting candidate covering this much of the topic means the topic belongs elsewhere.
ELSEWHERE_COVERAGE = 0.8
ELSEWHERE_PENALTY = 0.3
CANDIDATES_SEEN = 60
W_CONTRIBUTION = 10.0
EVIDENCE_THRESHOLD = 0.15
NATIONAL_COVERAGE = 0.8
_NATIONAL = re.compile(r"我国|全国|中国|国家|世界|全球|联合国")
_MEETING_WORDS = re.compile(r"会议|常务会|会上|纪要|议题|审议|主持")
# The answering passage among the first three hits: one within PICK_MARGIN of the best score whose
# evidence is higher by PICK_GAIN answers instead (rank says what is about the question, evidence
# which passage answers it).
PICK_MARGIN = 0.35
PICK_GAIN = 0.05
# Lists by meaning: how many candidates are read, and the evidence each needs to be listed.
SEMANTIC_LIST_CANDIDATES = 10
SEMANTIC_LIST_EVIDENCE = 0.5
# How many related passages a «not found» answer still shows.
RELATED_WHEN_NOT_FOUND = 3


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
    role: str = "evidence"  # evidence: supports the answer; related: possibly related, not evidence
    doc_number: str | None = None  # 文号 of the minutes, when known
    date_partial: str | None = None  # "MM-DD" when the year of the meeting is not known
    ocr_confidence: float | None = None  # mean line confidence when the passage was read by OCR


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
    evidence: float | None = None  # the evidence score «not found» was decided on (None: not scored)

    def to_dict(self) -> dict:
        data = asdict(self)
        for citation in data["citations"]:
            citation["span"] = list(citation["span"])
        return data


# ---------------------------------------------------------------------------------------------
# sentences
# ---------------------------------------------------------------------------------------------


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


# «怎么处理的», «什么态度», «作出了什么决定»: the answer is what the meeting decided or required.
_ASKS_DECISION = re.compile(r"处理|决定|态度|意见|怎么办|如何办|怎么做|怎样做|要求|结论|定了|拍板|怎么定")
_DECISION = re.compile(
    r"(?:会议|会上)?(?:原则)?(?:同意|要求|决定|明确|强调|指出|认为|原则通过|提出|责成|交由|提交|部署)"
    r"|^(?:[(（][一二三四五六七八九十\d]+[)）])?(?:要|必须|务必|切实|坚决|进一步)"
)


_REPORT = re.compile(r"就.{2,80}?(?:作了?|进行了?)?(?:汇报|说明)|(?:作|向会议作)了?.{0,10}汇报")
_MEETING_VERBS = frozenset("提出 要求 强调 指出 明确 研究 部署 审议 听取 讨论 作出 认为 决定 同意 通过".split())


def asks_decision(query: Query) -> bool:
    """«怎么处理的», «作出了什么决定», «什么态度»: the answer is what the meeting decided or required."""
    return query.qtype == "what" and bool(_ASKS_DECISION.search(query.norm))


def cue_score(norm: str, query: Query, scale: float = 1.0) -> float:
    """How well a sentence fits what the question asks for, apart from its topic words.

    ``scale`` < 1 when sentence similarities are also used: the cue words then only break near-ties
    instead of outvoting what the sentence means («提出了什么要求» must not pick any sentence with 提出).
    """
    score = 0.0
    cue = _CUES.get(query.qtype)
    if cue and cue.search(norm):
        score += 0.3
    if asks_decision(query):
        if _DECISION.search(norm):
            score += 0.6
        if _REPORT.search(norm):
            score -= 0.6  # «…就…作了汇报» restates the item; the decision follows it
    # Generic focus nouns (单位, 文件) name the kind of answer and would favour any sentence using them.
    score += 0.5 * sum(1 for f in query.focus if f in norm and f not in GENERIC_FOCUS)
    # Verbs every minutes uses (提出, 要求, 强调) say how the meeting spoke, not what about.
    score += 1.0 * sum(1 for v in query.verbs if v in norm and v not in _MEETING_VERBS)
    if query.quantity and _NUMBER.search(norm):
        score += 0.4
    return scale * score


# Sentence choice: meaning (similarity with the question, relative to the chunk's best sentence)
# weighs this much against lexical coverage and cue words.
W_SENTENCE_SEMANTIC = 6.0
HEADING_WORD_WEIGHT = 0.3
# Answers to what/要求/怎么/哪些 questions may quote neighbouring sentences scoring within this margin.
EXTEND_MARGIN = 0.35
MAX_QUOTED_SENTENCES = 3


def sentence_scores(
    chunk: Chunk, words: list[str], weights: list[float], query: Query, sims: np.ndarray | None = None
) -> list[tuple[int, int, float]]:
    """Every sentence of a chunk (span within the chunk text) with how well it answers the question.

    Lexical coverage of the topic words and cue words of the question type, plus, when sentence
    similarities are given, the sentence's similarity with the question relative to the best one.
    """
    spans = sentences(chunk.text)
    top = float(sims.max()) if sims is not None and len(sims) == len(spans) and len(sims) else None
    # Words of the item's heading found the item; inside it they sit in the sentence that names the
    # item, so they count less than the question's other words (财政部门 in «…条例时要求财政部门
    # 怎么做»).
    heading = normalize_query(chunk.heading)
    sentence_weights = [
        w * (HEADING_WORD_WEIGHT if word in heading else 1.0) for word, w in zip(words, weights, strict=True)
    ]
    # coverage() is a share; scaled back by the damped share, a damped word's presence counts less.
    damped_share = sum(sentence_weights) / (sum(weights) or 1.0)
    scored = []
    for index, (start, end, norm) in enumerate(spans):
        # For «what» questions meaning leads and cue words break ties; for the others (who, when …)
        # the cue is the kind of answer asked for (a unit, a date) and keeps its full weight.
        scale = 0.5 if top is not None and query.qtype == "what" else 1.0
        lexical = coverage(words, sentence_weights, norm) * damped_share if words else 0.0
        score = lexical + cue_score(norm, query, scale)
        if top is not None:
            score += W_SENTENCE_SEMANTIC * (float(sims[index]) - top)  # type: ignore[index]
        if re.match(r"^[一二三四五六七八九十]+、", norm) and len(norm) < 60:
            score -= 0.2  # a heading repeats the topic but rarely answers
        score -= 0.001 * index  # earlier sentences win ties
        scored.append((start, end, score))
    return scored


def best_sentence(
    chunk: Chunk, words: list[str], weights: list[float], query: Query, sims: np.ndarray | None = None
) -> tuple[int, int, float]:
    """The span (within the chunk text) of the sentence that best supports the answer, and its score."""
    scored = sentence_scores(chunk, words, weights, query, sims)
    if not scored:
        return 0, len(chunk.text), 0.0
    return max(scored, key=lambda s: s[2])


def answer_window(
    chunk: Chunk, words: list[str], weights: list[float], query: Query, sims: np.ndarray | None = None
) -> tuple[int, int]:
    """The quoted span: the best sentence, and for what/要求/怎么/哪些 questions up to two neighbours
    that answer nearly as well (one contiguous span, so the quote stays exact)."""
    scored = sentence_scores(chunk, words, weights, query, sims)
    if not scored:
        return 0, len(chunk.text)
    best = max(range(len(scored)), key=lambda i: scored[i][2])
    first = last = best
    if query.qtype in ("what", "who") and not query.quantity:
        limit = scored[best][2] - EXTEND_MARGIN
        while last - first + 1 < MAX_QUOTED_SENTENCES:
            after = scored[last + 1][2] if last + 1 < len(scored) else None
            before = scored[first - 1][2] if first > 0 else None
            if after is not None and after >= limit and (before is None or after >= before):
                last += 1
            elif before is not None and before >= limit and not _is_heading(chunk.text, scored[first - 1]):
                first -= 1
            else:
                break
    return scored[first][0], scored[last][1]


def _is_heading(text: str, span: tuple[int, int, float]) -> bool:
    piece = text[span[0] : span[1]]
    return bool(re.match(r"\s*[一二三四五六七八九十]+、", piece)) and len(piece) < 60


# ---------------------------------------------------------------------------------------------
# answering
# ---------------------------------------------------------------------------------------------


def _meeting_name(chunk: Chunk) -> str:
    """«姑苏区 保护区管委会、姑苏区政府第39次常务会议»: the region and the meeting as named."""
    return " ".join(p for p in (chunk.region or "", chunk.meeting or "常务会议") if p)


def _item_label(chunk: Chunk) -> str:
    if chunk.kind == "overview":
        return "会议概况"
    if chunk.kind == "closing":
        return chunk.heading
    return f"{chunk.number}、{chunk.heading}" if chunk.number else chunk.heading


class Answerer:
    """Questions in, cited answers out."""

    def __init__(self, searcher: Searcher, threshold: float = EVIDENCE_THRESHOLD):
        self.searcher = searcher
        self.threshold = threshold
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
        pieces = split_questions(resolved)
        answer = self._ask(resolved, k, filters) if len(pieces) < 2 else self._ask_parts(resolved, pieces, k, filters)
        if resolved != question:
            answer.question, answer.interpreted_as = question, resolved
        return answer

    def _ask_parts(self, question: str, pieces: list[str], k: int, filters: Filters | None) -> Answer:
        """Two questions in one («…由谁担任组长？同意新建什么学校？»): each answered, then joined.

        Citations interleave the parts' evidence first, so each part's source is near the top.
        """
        answers = [self._ask(piece, k, filters) for piece in pieces]
        # Round-robin over the parts, evidence before related passages.
        longest = max(len(a.citations) for a in answers)
        order = [(p, a.citations[i]) for i in range(longest) for p, a in enumerate(answers) if i < len(a.citations)]
        order.sort(key=lambda pc: pc[1].role != "evidence")
        numbers: dict[tuple[int, int], int] = {}
        citations: list[Citation] = []
        for part, citation in order[: max(k, 2 * len(pieces))]:
            numbers[(part, citation.rank)] = len(citations) + 1
            citations.append(replace(citation, rank=len(citations) + 1))

        def renumber(text: str, part: int) -> str:
            return re.sub(
                r"\[(\d+)\]",
                lambda m: f"[{numbers[(part, int(m.group(1)))]}]" if (part, int(m.group(1))) in numbers else "",
                text,
            )

        lines = []
        for part, answer in enumerate(answers):
            lines.append(f"（{part + 1}）{pieces[part]}\n{renumber(answer.answer, part)}")
        first = answers[0]
        found = all(a.found for a in answers)
        evidence = min((a.evidence for a in answers if a.evidence is not None), default=None)
        return Answer(
            question, "\n".join(lines), found, first.question_type, first.filters, citations, evidence=evidence
        )

    def _ask(self, question: str, k: int, filters: Filters | None) -> Answer:
        query = self.searcher.understand(question, filters)
        words = self.searcher.topic_words(query)
        if query.order and query.qtype != "lookup":
            return self._ordered_answer(query, words, k)
        if query.qtype in ("what", "who") and not words and not query.filters.is_empty():
            return self._meeting_answer(query, k)
        if query.qtype == "list" or query.count:
            answer = self._list_answer(query, k)
            if answer.found or query.count:
                return answer
        ranked = self.searcher.search(query, k=CANDIDATES_SEEN)
        hits = ranked[: max(k, 8)]
        weights = [self.searcher.idf(w) for w in words]
        if not hits:
            return self._not_found(query, [], words)
        top = self._pick_top(query, hits, words)
        evidence = self.evidence(query, top, words)
        elsewhere = max((h.coverage for h in ranked if h.mismatch), default=0.0)
        if elsewhere >= ELSEWHERE_COVERAGE and top.coverage < LEXICAL_ENOUGH:
            # The topic's words are all in another place's (or meeting's) minutes, not in these:
            # «太仓碳达峰方案…» when only 姑苏区 has one. Meaning alone cannot outvote that.
            evidence = min(evidence, top.coverage - ELSEWHERE_PENALTY)
        if evidence < self.threshold:
            answer = self._not_found(query, hits, words)
            answer.evidence = round(evidence, 4)
            return answer
        ordered = [top, *[h for h in hits if h is not top]][:k]
        citations = [self._cite(i + 1, hit, words, weights, query) for i, hit in enumerate(ordered)]
        for citation, hit in zip(citations[1:], ordered[1:], strict=False):
            citation.role = "evidence" if self._also_evidence(query, top, hit) else "related"
        text = self._compose(query, top, citations[0], words)
        note = ocr_note(top.chunk.ocr_confidence)
        if note:
            text += f"\n（{note}：引文可能有识别错误，请以原件为准。）"
        if not self.searcher.place_named(query, top.chunk) and self.searcher.place_possible(query, top.chunk):
            named = "、".join([*query.filters.regions, *query.filters.unknown_places])
            text += f"\n（注意：这份纪要没有写明地区，是否为{named}的会议无法从原文确认。）"
        filters = query.filters.to_dict()
        return Answer(question, text, True, query.qtype, filters, citations, evidence=round(evidence, 4))

    # ---- decisions ---------------------------------------------------------------------------

    def _pick_top(self, query: Query, hits: list[Hit], words: list[str]) -> Hit:
        """The answering hit: the best ranked, unless a close runner-up holds a far better sentence.

        The rank says which passage is about the question; for paraphrases the best single
        sentence is the sharper evidence, so among the first three hits that agree with the
        question's metadata the one with the best evidence answers.
        """
        vector = self.searcher.question_vector(query) if self.searcher.mode != "bm25" else None
        head = hits[:3]
        if vector is not None:
            sims = similarities_of(self.searcher.embedder, [h.chunk for h in head], vector)
            for hit in head:
                hit.sentence_scores = sims.get(hit.chunk.chunk_id)
        best = hits[0]
        for hit in head[1:]:
            if hit.mismatch or hit.score < hits[0].score - PICK_MARGIN:
                continue
            if self.evidence(query, hit, words) > self.evidence(query, best, words) + PICK_GAIN:
                best = hit
        return best

    def cite_hits(self, query: Query, hits: list[Hit]) -> list[Citation]:
        """Citations of ranked hits, each quoting the sentence that answers best (for search tools)."""
        words = self.searcher.topic_words(query)
        weights = [self.searcher.idf(w) for w in words]
        if self.searcher.mode != "bm25" and hits:
            vector = self.searcher.question_vector(query)
            sims = similarities_of(self.searcher.embedder, [h.chunk for h in hits], vector)
            for hit in hits:
                hit.sentence_scores = sims.get(hit.chunk.chunk_id)
        return [self._cite(i + 1, hit, words, weights, query) for i, hit in enumerate(hits)]

    def evidence(self, query: Query, hit: Hit, words: list[str]) -> float:
        """How strongly a hit answers the question: the number that «not found» is decided on.

        Lexical coverage of the topic; when that is not enough, plus the topic's contribution to
        the best sentence's similarity (:meth:`topic_contribution`). A hit contradicting what the
        question names (another place, another meeting number) is no evidence at all.
        """
        if hit.exact:
            return 10.0
        if hit.mismatch:
            return -1.0
        unknown = query.filters.unknown_places and not query.filters.regions
        searcher = self.searcher
        if unknown and not searcher.place_named(query, hit.chunk) and not searcher.place_possible(query, hit.chunk):
            return -1.0  # a place the index does not hold, the text does not name, the meeting cannot be
        if not words:
            # Nothing but filters and a question word: evidence if the filters picked a meeting.
            return 1.0 if hit.matched else 0.0
        if hit.chunk.kind == "closing" and query.qtype not in ("attendance", "who"):
            # Lists of names and units answer who attended or issued, not what was decided.
            return hit.coverage - ELSEWHERE_PENALTY
        if hit.coverage >= LEXICAL_ENOUGH:
            return hit.coverage + (0.1 if hit.matched else 0.0)
        if _NATIONAL.search(query.norm) and not query.filters.regions and not _MEETING_WORDS.search(query.norm):
            # «我国提出力争在哪一年前实现碳达峰»: a question about the nation, not about a meeting,
            # is answered by minutes only when they hold nearly all its words.
            return hit.coverage if hit.coverage >= NATIONAL_COVERAGE else 0.0
        return hit.coverage + W_CONTRIBUTION * self.topic_contribution(query, hit, words)

    def topic_contribution(self, query: Query, hit: Hit, words: list[str]) -> float:
        """How much the question's topic makes the hit's best sentence closer to the question.

        The similarity of the best sentence with the question, minus its similarity with the same
        question without its topic words («岱山县第18次常务会议对海上风电项目作了哪些部署» →
        «岱山县第18次常务会议对作了哪些部署»). A passage that answers a paraphrase gains from the topic;
        a passage of the right meeting that does not speak about the topic does not. Costs one more
        question embedding, and only for questions the passage's words do not already answer.
        """
        if hit.contribution is not None:
            return hit.contribution
        scores = hit.sentence_scores
        if scores is None or not len(scores) or self.searcher.mode == "bm25":
            return 0.0
        best = int(np.argmax(scores))
        generic = query.norm
        for word in sorted(words, key=len, reverse=True):
            generic = generic.replace(word, "")
        vector = self.searcher.text_vector(generic)
        sentence = similarities_of(self.searcher.embedder, [hit.chunk], vector)[hit.chunk.chunk_id]
        hit.contribution = float(scores[best]) - float(sentence[best])
        return hit.contribution

    def _also_evidence(self, query: Query, top: Hit, hit: Hit) -> bool:
        """Another citation supports the answer too: the same item continued (a split item's part)."""
        return hit.chunk.doc_id == top.chunk.doc_id and hit.chunk.item_index == top.chunk.item_index

    def _not_found(self, query: Query, hits: list[Hit], words: list[str] | None = None) -> Answer:
        if not hits:
            # The closest passages are still shown as related (the recall floor), unless a person's
            # explicit filters leave nothing at all.
            hits = self.searcher.search(query, k=RELATED_WHEN_NOT_FOUND)
        unknown = query.filters.unknown_places and not query.filters.regions
        if unknown and not any(self.searcher.place_named(query, h.chunk) for h in hits):
            places = "、".join(query.filters.unknown_places)
            text = f"资料库中没有{places}的会议纪要，无法回答这个问题。"
        elif hits and all(h.mismatch for h in hits[:3]) and query.filters.meeting_number is not None:
            text = f"资料库中没有符合这些条件的会议（第{query.filters.meeting_number}次），无法回答这个问题。"
        elif not hits and not query.strict.is_empty():
            text = "资料库中没有符合这些条件的会议，无法回答这个问题。"
        else:
            text = "已收录的会议纪要中没有找到与这个问题相关的内容。"
        # Without evidence, the closest passages are plain hybrid search's (the recall floor), those
        # contradicting what the question names last.
        ordered = sorted(hits, key=lambda h: (h.mismatch, h.plain_rank or 10**6))
        related = ordered[:RELATED_WHEN_NOT_FOUND]
        words = words or []
        weights = [self.searcher.idf(w) for w in words]
        citations = [self._cite(i + 1, h, words, weights, query) for i, h in enumerate(related)]
        for citation in citations:
            citation.role = "related"
        if citations:
            text += "以下是可能相关的纪要，仅供参考。"
        return Answer(query.text, text, False, query.qtype, query.filters.to_dict(), citations)

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
            start, end = answer_window(chunk, words, weights, query, hit.sentence_scores)
            start, end = _extend_short(chunk.text, start, end)
        meeting = self.meeting(chunk.doc_id)
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
            doc_number=meeting.get("doc_number"),
            date_partial=chunk.date_partial or meeting.get("date_partial"),
            ocr_confidence=chunk.ocr_confidence,
        )

    # ---- composing ---------------------------------------------------------------------------

    def _when(self, chunk: Chunk) -> str:
        meeting = self.meeting(chunk.doc_id)
        text = cn_date(chunk.date, chunk.date_partial or meeting.get("date_partial"))
        if meeting.get("time_of_day"):
            text += meeting["time_of_day"]
        if meeting.get("date_inferred"):
            text += "（原文日期不全，系推断）"
        return text

    def _attendance(self, meeting: dict, name: str, chunk: Chunk) -> str:
        """Who attended (出席) and who sat in (列席), from the parsed lists."""
        attendees, observers = meeting.get("attendees") or [], meeting.get("observers") or []
        if not attendees and not observers:
            return f"{name}（{self._when(chunk)}）的纪要没有逐一列出出席、列席人员，原文的记述见下。"
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
        name = _meeting_name(chunk)
        quote = "「" + display(citation.sentence) + "」"
        where = f"出处：{name}（{cn_date(chunk.date, chunk.date_partial)}），{citation.item}"
        qtype = query.qtype
        if len(query.parts) >= 2 and chunk.kind == "overview" and qtype != "lookup":
            return self._facts(chunk, meeting, name, query.parts) + f"[1]\n{quote}"
        if qtype == "lookup":
            return f"这段内容出自 {name}（{cn_date(chunk.date, chunk.date_partial)}），{citation.item}。[1]\n{quote}"
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
            if words and chunk.kind != "overview":
                # «哪位区人大常委会副主任列席»: the sentence naming them answers, not the whole list.
                return f"{name}（{self._when(chunk)}）：{quote}[1]"
            return self._attendance(meeting, name, chunk) + f"[1]\n{quote}"
        if qtype == "number":
            number = meeting.get("meeting_number")
            if number:
                return f"是第{number}次常务会议：{name}，{self._when(chunk)}召开。[1]\n{quote}"
            return f"纪要中没有写明会议的次序：{name}，{self._when(chunk)}召开。[1]\n{quote}"
        if qtype == "when" and "印发" in query.norm and meeting.get("issued"):
            return f"{name}的纪要于{cn_date(meeting['issued'])}印发（会议于{self._when(chunk)}召开）。[1]\n{quote}"
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

    def _facts(self, chunk: Chunk, meeting: dict, name: str, parts: list[str]) -> str:
        """One sentence with every metadata fact asked («哪天召开的，主持人是谁»)."""
        facts = []
        if "number" in parts and meeting.get("meeting_number"):
            facts.append(f"为第{meeting['meeting_number']}次常务会议")
        if "when" in parts or not facts:
            facts.append(f"于{self._when(chunk)}召开")
        if "where" in parts:
            place = next(
                (m.group(1) for _a, _b, norm in sentences(chunk.text) if (m := _PLACE.search(display(norm)))), None
            )
            facts.append(f"地点在{place}" if place else "纪要没有写明会议地点")
        if "chair" in parts:
            chair = meeting.get("chair")
            facts.append(f"由{meeting.get('chair_title') or ''}{chair}主持" if chair else "纪要没有写明主持人")
        if "attendance" in parts:
            facts.append(self._attendance(meeting, name, chunk).removeprefix(f"{name}（{self._when(chunk)}）"))
        return f"{name}" + "，".join(facts) + "。"

    def _ordered_answer(self, query: Query, words: list[str], k: int) -> Answer:
        """«最近一次 / 最早一次»: the meetings that match, ordered by date, answered from their metadata.

        With a topic («最近一次研究安全生产的会议»), only meetings with an item on it count;
        meetings without a known date cannot be ordered and are left out (the answer says so).
        """
        searcher = self.searcher
        if words:
            docs = {h.chunk.doc_id: h for h in searcher.list_matches(query)}
            overviews = searcher.reader.overview_cids(list(docs)) if docs else {}
            chunks = searcher.chunks(list(overviews.values()))
        else:
            chunks = searcher.meetings(query)
        dated = [c for c in chunks if c.date]
        if not dated:
            return self._not_found(query, [], words)
        latest = query.order == "latest"
        dated.sort(key=lambda c: (c.date or "", c.doc_id), reverse=latest)
        top = dated[0]
        meeting = self.meeting(top.doc_id)
        name = _meeting_name(top)
        which = "最近一次" if latest else "最早一次"
        scope = "、".join(query.filters.regions) or "已收录的纪要中"
        facts = [f"于{self._when(top)}召开"]
        if meeting.get("meeting_number") and f"第{meeting['meeting_number']}次" not in name:
            facts.insert(0, f"第{meeting['meeting_number']}次")
        if meeting.get("chair"):
            facts.append(f"由{meeting.get('chair_title') or ''}{meeting['chair']}主持")
        hits = [Hit(c.cid, c, 1.0, matched=True) for c in dated[:k]]  # type: ignore[attr-defined]
        citations = [self._cite(i + 1, h, [], [], query) for i, h in enumerate(hits)]
        for citation in citations[1:]:
            citation.role = "related"
        quote = "「" + display(citations[0].sentence) + "」"
        undated = len(chunks) - len(dated)
        note = f"（另有{undated}次会议纪要未写明日期，未参与排序）" if undated else ""
        text = (
            f"{scope}{which}会议是{name}，" + "，".join(facts) + f"。[1]{note}\n{quote}\n"
            f"（按会议日期排序，共{len(dated)}次会议）"
        )
        if query.qtype in ("what", "list") and not words:
            # «最近一次常务会议研究了什么»: that meeting's agenda, item by item.
            items = self.searcher.chunks(self.searcher.reader.document_cids(top.doc_id))
            items = [c for c in items if c.kind == "item"]
            agenda = [Hit(c.cid, c, 1.0, matched=True) for c in items]  # type: ignore[attr-defined]
            extra = [self._cite(len(citations) + i + 1, h, [], [], query) for i, h in enumerate(agenda)]
            citations = [citations[0], *extra, *citations[1:]]
            for number, citation in enumerate(citations, 1):
                citation.rank = number
            lines = [f"{c.item}[{c.rank}]" for c in extra]
            text = f"{scope}{which}会议是{name}，" + "，".join(facts) + f"。[1]{note}\n议题：" + "；".join(lines)
        return Answer(query.text, text, True, query.qtype, query.filters.to_dict(), citations)

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
                name = _meeting_name(top)
                quote = "「" + display(citations[0].sentence) + "」"
                text = f"{quote}[1]\n出处：{name}（{cn_date(top.date, top.date_partial)}），{citations[0].item}"
                if query.qtype == "who":
                    short = _who(citations[0].sentence, query)
                    text = (f"{short}。" if short else "") + text
                return Answer(query.text, text, True, query.qtype, query.filters.to_dict(), citations)
        return self._list_answer(query, k)

    def _count_answer(self, query: Query, k: int) -> Answer:
        """«太仓开过几次常务会议»: the meetings the index holds that match, counted from their metadata."""
        meetings = sorted(self.searcher.meetings(query), key=lambda c: (c.date or "9999", c.doc_id))
        if not meetings:
            return self._not_found(query, [])
        scope = "、".join(query.filters.regions) or "符合条件的"
        lines = []
        hits = [Hit(c.cid, c, 1.0, matched=True) for c in meetings]  # type: ignore[attr-defined]
        citations = [self._cite(i + 1, h, [], [], query) for i, h in enumerate(hits[: max(k, 20)])]
        for number, chunk in enumerate(meetings, 1):
            name = _meeting_name(chunk)
            ref = f"[{number}]" if number <= len(citations) else ""
            lines.append(f"{number}. {self._when(chunk)} {name}{ref}")
        head = f"资料库中{scope}会议纪要共{len(meetings)}次（按会议日期）："
        return Answer(query.text, "\n".join([head, *lines]), True, query.qtype, query.filters.to_dict(), citations)

    def _semantic_matches(self, query: Query, words: list[str]) -> list[Hit]:
        """Among the best-ranked candidates, those whose evidence (meaning and words) is strong.

        A list question worded otherwise than the minutes («减少碳排放» for 碳达峰) still lists the
        meetings that answer it; the bar is higher than for a single answer, since a list names many.
        """
        if self.searcher.mode == "bm25":
            return []
        hits = [h for h in self.searcher.search(query, k=SEMANTIC_LIST_CANDIDATES) if not h.mismatch]
        if not hits:
            return []
        vector = self.searcher.question_vector(query)
        sims = similarities_of(self.searcher.embedder, [h.chunk for h in hits], vector)
        for hit in hits:
            hit.sentence_scores = sims.get(hit.chunk.chunk_id)
        return [
            h for h in hits if h.chunk.kind == "item" and self.evidence(query, h, words) >= SEMANTIC_LIST_EVIDENCE
        ]

    def _list_answer(self, query: Query, k: int) -> Answer:
        """Meetings (and their matching items) for «哪些会议…», or a meeting's agenda."""
        if query.count and not self.searcher.topic_words(query):
            return self._count_answer(query, k)
        hits = self.searcher.list_matches(query)
        words = self.searcher.topic_words(query)
        if words:
            # Found by meaning as well as by words: passages that answer the topic in other words.
            seen = {h.cid for h in hits}
            hits += [h for h in self._semantic_matches(query, words) if h.cid not in seen]
        if not hits:
            return self._not_found(query, [])
        weights = [self.searcher.idf(w) for w in words]
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
            name = _meeting_name(first)
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
            lines.append(f"{number}. {cn_date(first.date, first.date_partial)} {name}：" + "；".join(refs))
        if agenda:
            if len(ordered) == 1:
                items = [c for c in citations if c.item not in ("会议概况", _CLOSING)]
                head = f"这次会议共有{len(items)}项议题：" if query.quantity else "这次会议的议题："
            else:
                head = f"符合条件的会议共{len(ordered)}次，议题如下："
        else:
            topic = "、".join(words)
            head = f"共有{len(ordered)}次会议涉及「{topic}」："
        return Answer(query.text, "\n".join([head, *lines]), True, query.qtype, query.filters.to_dict(), citations)


_ASKS = re.compile(r"谁|什么|哪|几|多少|怎|如何|是否|吗|啥")
_CONTEXT = re.compile(r"^(.{2,40}?(?:常务会议|常务会|办公会议|办公会|会议))")


def split_questions(question: str) -> list[str]:
    """Separate questions asked in one go at their question marks, each with the meeting it is about.

    «峄城区第五十三次常务会议…由谁担任组长？同意在城区北部新建什么学校？» → two questions, the
    second prefixed with «峄城区第五十三次常务会议». A short follow-on («分别是哪天？», «是谁？») or a
    list question's second half stays with the first: it is one question.
    """
    pieces = [p.strip() for p in re.split(r"[？?]+", question) if p.strip()]
    if len(pieces) < 2 or not all(_ASKS.search(p) for p in pieces):
        return [question]
    if any(len(p) < 8 or re.match(r"(分别|各自|都|又|还有|那么|那)", p) for p in pieces[1:]):
        return [question]
    types = [question_type(normalize_query(p)) for p in pieces]
    if types[0] == "list" or all(t in ("when", "chair", "where", "number", "attendance") for t in types):
        return [question]  # one list, or several facts of one meeting (answered together)
    context = _CONTEXT.match(pieces[0])
    out = [pieces[0] + "？"]
    for piece in pieces[1:]:
        if context and context.group(1) not in piece and not names_a_place(piece):
            piece = context.group(1) + piece
        out.append(piece + "？")
    return out


def names_a_place(text: str) -> bool:
    """Whether a text names a place by a full name (城区, 新区 and other two-character words are not)."""
    return any(m.places and len(m.surface) > 2 for m in gazetteer().mentions(text))


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
