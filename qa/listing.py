"""Answers made from the meetings' metadata rather than one passage: «最近一次 / 最早一次»
(ordered by date), a question about one meeting with no topic, counts («开过几次»), and lists
(«哪些会议…», a meeting's agenda).

Each returns a :class:`Listing` (text and citations) or None when nothing matches; the answerer
(:mod:`qa.answer`) turns None into its «not found» answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.chunks import CLOSING_HEADING
from qa.citations import Citation, Citer, meeting_name
from qa.dates import cn_date
from qa.evidence import evidence
from qa.query import GENERIC_FOCUS, Query
from qa.quotes import best_sentence, clip, display, named_unit, sentence_with_asked_action
from qa.search import Hit, Searcher
from qa.sentences import similarities_of

# Lists by meaning: how many candidates are read, and the evidence each needs to be listed.
SEMANTIC_LIST_CANDIDATES = 10
SEMANTIC_LIST_EVIDENCE = 0.5


@dataclass
class Listing:
    """A found answer made from meeting metadata: its text and its citations."""

    text: str
    citations: list[Citation]


class MeetingAnswers:
    """Answers over the meetings the index holds (their dates, numbers, chairs and agendas)."""

    def __init__(self, searcher: Searcher, citer: Citer):
        self.searcher = searcher
        self.citer = citer

    def ordered_answer(self, query: Query, words: list[str], k: int) -> Listing | None:
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
            return None
        latest = query.order == "latest"
        dated.sort(key=lambda c: (c.date or "", c.doc_id), reverse=latest)
        top = dated[0]
        meeting = self.citer.meeting(top.doc_id)
        name = meeting_name(top)
        which = "最近一次" if latest else "最早一次"
        scope = "、".join(query.filters.regions) or "已收录的纪要中"
        facts = [f"于{self.citer.when(top)}召开"]
        if meeting.get("meeting_number") and f"第{meeting['meeting_number']}次" not in name:
            facts.insert(0, f"第{meeting['meeting_number']}次")
        if meeting.get("chair"):
            facts.append(f"由{meeting.get('chair_title') or ''}{meeting['chair']}主持")
        hits = [Hit(c.cid, c, 1.0, matched=True) for c in dated[:k]]
        citations = [self.citer.cite(i + 1, h, [], [], query) for i, h in enumerate(hits)]
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
            agenda = [Hit(c.cid, c, 1.0, matched=True) for c in items]
            extra = [self.citer.cite(len(citations) + i + 1, h, [], [], query) for i, h in enumerate(agenda)]
            citations = [citations[0], *extra, *citations[1:]]
            for number, citation in enumerate(citations, 1):
                citation.rank = number
            lines = [f"{c.item}[{c.rank}]" for c in extra]
            text = f"{scope}{which}会议是{name}，" + "，".join(facts) + f"。[1]{note}\n议题：" + "；".join(lines)
        return Listing(text, citations)

    def meeting_answer(self, query: Query, k: int) -> Listing | None:
        """A question about one meeting without a topic («…共研究了几项议题», «…学习了哪些法规»).

        The sentence of that meeting that best fits what is asked (focus noun, verb, a number)
        answers it; if none fits, the meeting's agenda does.
        """
        hits = self.searcher.list_matches(query)
        docs = sorted({h.chunk.doc_id for h in hits})
        if not hits:
            return None
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
                citations = [self.citer.cite(i + 1, hit, [], [], query) for i, hit in enumerate(ranked)]
                top = ranked[0].chunk
                name = meeting_name(top)
                quote = "「" + display(citations[0].sentence) + "」"
                text = f"{quote}[1]\n出处：{name}（{cn_date(top.date, top.date_partial)}），{citations[0].item}"
                if query.qtype == "who":
                    short = named_unit(citations[0].sentence, query)
                    text = (f"{short}。" if short else "") + text
                return Listing(text, citations)
        return self.list_answer(query, k)

    def count_answer(self, query: Query, k: int) -> Listing | None:
        """«太仓开过几次常务会议»: the meetings the index holds that match, counted from their metadata."""
        meetings = sorted(self.searcher.meetings(query), key=lambda c: (c.date or "9999", c.doc_id))
        if not meetings:
            return None
        scope = "、".join(query.filters.regions) or "符合条件的"
        lines = []
        hits = [Hit(c.cid, c, 1.0, matched=True) for c in meetings]
        citations = [self.citer.cite(i + 1, h, [], [], query) for i, h in enumerate(hits[: max(k, 20)])]
        for number, chunk in enumerate(meetings, 1):
            name = meeting_name(chunk)
            ref = f"[{number}]" if number <= len(citations) else ""
            lines.append(f"{number}. {self.citer.when(chunk)} {name}{ref}")
        head = f"资料库中{scope}会议纪要共{len(meetings)}次（按会议日期）："
        return Listing("\n".join([head, *lines]), citations)

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
            h
            for h in hits
            if h.chunk.kind == "item" and evidence(self.searcher, query, h, words) >= SEMANTIC_LIST_EVIDENCE
        ]

    def list_answer(self, query: Query, k: int) -> Listing | None:
        """Meetings (and their matching items) for «哪些会议…», or a meeting's agenda."""
        if query.count and not self.searcher.topic_words(query):
            return self.count_answer(query, k)
        hits = self.searcher.list_matches(query)
        words = self.searcher.topic_words(query)
        if words:
            # Found by meaning as well as by words: passages that answer the topic in other words.
            seen = {h.cid for h in hits}
            hits += [h for h in self._semantic_matches(query, words) if h.cid not in seen]
        if not hits:
            return None
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
            name = meeting_name(first)
            refs = []
            for hit in by_doc[doc][:per_meeting]:
                # An agenda cites items; the overview only when it holds what was asked («审议《…》《…》»).
                overview = hit.chunk.kind == "overview" and agenda and len(by_doc[doc]) > 1
                asked = sentence_with_asked_action(hit.chunk, query) if overview else None
                if overview and asked is None:
                    continue
                citations.append(self.citer.cite(len(citations) + 1, hit, words, weights, query, span=asked))
                label = citations[-1].item
                if hit.chunk.kind == "overview":
                    label = clip(display(citations[-1].sentence), 80)
                refs.append(f"{label}[{len(citations)}]")
            lines.append(f"{number}. {cn_date(first.date, first.date_partial)} {name}：" + "；".join(refs))
        if agenda:
            if len(ordered) == 1:
                items = [c for c in citations if c.item not in ("会议概况", CLOSING_HEADING)]
                head = f"这次会议共有{len(items)}项议题：" if query.quantity else "这次会议的议题："
            else:
                head = f"符合条件的会议共{len(ordered)}次，议题如下："
        else:
            topic = "、".join(words)
            head = f"共有{len(ordered)}次会议涉及「{topic}」："
        return Listing("\n".join([head, *lines]), citations)
