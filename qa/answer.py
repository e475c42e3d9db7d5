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

from qa.chunks import Chunk
from qa.citations import Citation, Citer, meeting_name
from qa.dates import cn_date
from qa.evidence import EVIDENCE_THRESHOLD, also_evidence, answer_evidence, pick_top
from qa.listing import Listing, MeetingAnswers
from qa.normalize import normalize_query
from qa.ocr import ocr_note
from qa.query import Filters, Query, question_type, resolve_follow_up
from qa.quotes import display, meeting_place, named_unit
from qa.regions import gazetteer
from qa.search import Hit, Searcher
from qa.sentences import sentences, similarities_of

# How many candidates a question's search reads: the passages answered from, and those contradicting
# what the question names (whose coverage says the topic belongs elsewhere).
CANDIDATES_SEEN = 60
# How many related passages a «not found» answer still shows.
RELATED_WHEN_NOT_FOUND = 3


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
        """JSON-ready dict (spans as lists)."""
        data = asdict(self)
        for citation in data["citations"]:
            citation["span"] = list(citation["span"])
        return data


class Answerer:
    """Questions in, cited answers out."""

    def __init__(self, searcher: Searcher, threshold: float = EVIDENCE_THRESHOLD):
        self.searcher = searcher
        self.threshold = threshold
        self.citer = Citer(searcher)
        self.listings = MeetingAnswers(searcher, self.citer)

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
            return self._listed(query, self.listings.ordered_answer(query, words, k), words)
        if query.qtype in ("what", "who") and not words and not query.filters.is_empty():
            return self._listed(query, self.listings.meeting_answer(query, k))
        if query.qtype == "list" or query.count:
            listing = self.listings.list_answer(query, k)
            if listing is not None or query.count:
                return self._listed(query, listing)
        ranked = self.searcher.search(query, k=CANDIDATES_SEEN)
        hits = ranked[: max(k, 8)]
        weights = [self.searcher.idf(w) for w in words]
        if not hits:
            return self._not_found(query, [], words)
        top = pick_top(self.searcher, query, hits, words)
        evidence = answer_evidence(self.searcher, query, top, ranked, words)
        if evidence < self.threshold:
            answer = self._not_found(query, hits, words)
            answer.evidence = round(evidence, 4)
            return answer
        ordered = [top, *[h for h in hits if h is not top]][:k]
        citations = [self.citer.cite(i + 1, hit, words, weights, query) for i, hit in enumerate(ordered)]
        for citation, hit in zip(citations[1:], ordered[1:], strict=False):
            citation.role = "evidence" if also_evidence(top, hit) else "related"
        text = self._compose(query, top, citations[0], words)
        note = ocr_note(top.chunk.ocr_confidence)
        if note:
            text += f"\n（{note}：引文可能有识别错误，请以原件为准。）"
        if not self.searcher.place_named(query, top.chunk) and self.searcher.place_possible(query, top.chunk):
            named = "、".join([*query.filters.regions, *query.filters.unknown_places])
            text += f"\n（注意：这份纪要没有写明地区，是否为{named}的会议无法从原文确认。）"
        elif citations[0].region_inferred_from:
            # The page names no place; the region came from who chaired (qa/data/officials.tsv).
            why = citations[0].region_inferred_from
            text += f"\n（说明：原文没有写明地区，「{top.chunk.region}」是据「{why}」推断的。）"
        filters = query.filters.to_dict()
        return Answer(question, text, True, query.qtype, filters, citations, evidence=round(evidence, 4))

    def _listed(self, query: Query, listing: Listing | None, words: list[str] | None = None) -> Answer:
        """The answer made from meeting metadata, or «not found» when nothing matched."""
        if listing is None:
            return self._not_found(query, [], words)
        return Answer(query.text, listing.text, True, query.qtype, query.filters.to_dict(), listing.citations)

    def cite_hits(self, query: Query, hits: list[Hit]) -> list[Citation]:
        """Citations of ranked hits, each quoting the sentence that answers best (for search tools)."""
        words = self.searcher.topic_words(query)
        weights = [self.searcher.idf(w) for w in words]
        if self.searcher.mode != "bm25" and hits:
            vector = self.searcher.question_vector(query)
            sims = similarities_of(self.searcher.embedder, [h.chunk for h in hits], vector)
            for hit in hits:
                hit.sentence_scores = sims.get(hit.chunk.chunk_id)
        return [self.citer.cite(i + 1, hit, words, weights, query) for i, hit in enumerate(hits)]

    def _not_found(self, query: Query, hits: list[Hit], words: list[str] | None = None) -> Answer:
        """«Not found», saying why (a place not held, no such meeting, no evidence), with the closest
        passages as related citations."""
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
        citations = [self.citer.cite(i + 1, h, words, weights, query) for i, h in enumerate(related)]
        for citation in citations:
            citation.role = "related"
        if citations:
            text += "以下是可能相关的纪要，仅供参考。"
        return Answer(query.text, text, False, query.qtype, query.filters.to_dict(), citations)

    # ---- composing ---------------------------------------------------------------------------

    def _attendance(self, meeting: dict, name: str, chunk: Chunk) -> str:
        """Who attended (出席) and who sat in (列席), from the parsed lists."""
        attendees, observers = meeting.get("attendees") or [], meeting.get("observers") or []
        if not attendees and not observers:
            return f"{name}（{self.citer.when(chunk)}）的纪要没有逐一列出出席、列席人员，原文的记述见下。"
        parts = []
        if attendees:
            more = "等" if len(attendees) > 30 else ""
            parts.append(f"出席{len(attendees)}人：" + "、".join(attendees[:30]) + more)
        if observers:
            shown = "、".join(f"{o['unit']}{o['name']}" for o in observers[:15])
            parts.append(f"列席{len(observers)}人：{shown}" + ("等" if len(observers) > 15 else ""))
        return f"{name}（{self.citer.when(chunk)}）" + "；".join(parts) + "。"

    def _compose(self, query: Query, top: Hit, citation: Citation, words: list[str]) -> str:
        """The answer's text, in the shape the question asks for, around the quote of ``citation``."""
        chunk = top.chunk
        meeting = self.citer.meeting(chunk.doc_id)
        name = meeting_name(chunk)
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
                return f"{name}（{self.citer.when(chunk)}）由{title}{chair}主持。[1]\n{quote}"
            return f"纪要中没有写明{name}的主持人。[1]\n{quote}"
        if qtype == "where":
            place = meeting_place(citation.sentence)
            lead = f"{name}（{self.citer.when(chunk)}）在{place}召开。" if place else ""
            return f"{lead}{quote}[1]\n{where}"
        if qtype == "attendance":
            if words and chunk.kind != "overview":
                # «哪位区人大常委会副主任列席»: the sentence naming them answers, not the whole list.
                return f"{name}（{self.citer.when(chunk)}）：{quote}[1]"
            return self._attendance(meeting, name, chunk) + f"[1]\n{quote}"
        if qtype == "number":
            number = meeting.get("meeting_number")
            if number:
                return f"是第{number}次常务会议：{name}，{self.citer.when(chunk)}召开。[1]\n{quote}"
            return f"纪要中没有写明会议的次序：{name}，{self.citer.when(chunk)}召开。[1]\n{quote}"
        if qtype == "when" and "印发" in query.norm and meeting.get("issued"):
            return f"{name}的纪要于{cn_date(meeting['issued'])}印发（会议于{self.citer.when(chunk)}召开）。[1]\n{quote}"
        if qtype == "when":
            if chunk.kind == "overview" or not words:
                return f"{name}于{self.citer.when(chunk)}召开。[1]\n{quote}"
            return f"{self.citer.when(chunk)}召开的{name}，议题：{citation.item}。[1]\n{quote}"
        if qtype == "which_meeting":
            return f"{self.citer.when(chunk)}召开的{name}，{citation.item}。[1]\n{quote}"
        if qtype == "who":
            short = named_unit(citation.sentence, query)
            lead = f"{short}。" if short else ""
            return f"{lead}{quote}[1]\n{where}"
        return f"{quote}[1]\n{where}"

    def _facts(self, chunk: Chunk, meeting: dict, name: str, parts: list[str]) -> str:
        """One sentence with every metadata fact asked («哪天召开的，主持人是谁»)."""
        facts = []
        if "number" in parts and meeting.get("meeting_number"):
            facts.append(f"为第{meeting['meeting_number']}次常务会议")
        if "when" in parts or not facts:
            facts.append(f"于{self.citer.when(chunk)}召开")
        if "where" in parts:
            place = next((p for _a, _b, norm in sentences(chunk.text) if (p := meeting_place(norm))), None)
            facts.append(f"地点在{place}" if place else "纪要没有写明会议地点")
        if "chair" in parts:
            chair = meeting.get("chair")
            facts.append(f"由{meeting.get('chair_title') or ''}{chair}主持" if chair else "纪要没有写明主持人")
        if "attendance" in parts:
            facts.append(self._attendance(meeting, name, chunk).removeprefix(f"{name}（{self.citer.when(chunk)}）"))
        return f"{name}" + "，".join(facts) + "。"


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
