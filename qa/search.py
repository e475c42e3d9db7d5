"""Hybrid retrieval with a recall floor: plain hybrid candidates, re-ranked by what the question means.

Every question first gets what *plain hybrid search* would give it: dense and BM25 candidates for
the whole question, fused with reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009),
under the filters a person set explicitly (CLI flags, web filters, API arguments) and nothing else.
Understanding the question never removes one of those candidates. What the question names itself
(a place, a date, a meeting number) adds a second, focused candidate set and re-ranks the union:

- metadata *agreement*: a chunk of the named place, date and number ranks above one whose metadata
  is unknown, which ranks above one that contradicts it («unknown is not a mismatch»); a place
  counts as present when the indexed text names it, even if the parser left the region empty;
- *coverage*: the idf-weighted share of the question's topic words the passage contains;
- the plain and focused fusion ranks themselves, and the dense similarity.

The same evidence later decides «not found» (:mod:`qa.answer`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qa import docnumber
from qa.chunks import Chunk
from qa.embed import CachedEmbedder
from qa.fusion import RRF_K, rrf, top_score
from qa.index.backend import BackendReader
from qa.index.errors import EmbedderMismatch
from qa.normalize import normalize_query
from qa.query import GENERIC_FOCUS, Filters, Query, understand
from qa.regions import Place, gazetteer

CANDIDATES = 50
MODES = ("hybrid", "dense", "bm25", "plain")

# Weights of the re-ranking evidence (chosen on the dev question files; see benchmarks/RESULTS.md).
W_PLAIN = 0.8  # plain hybrid fusion, normalised to [0, 1]
W_FOCUS = 0.8  # fusion under the question's own filters
W_COVERAGE = 0.6
W_AGREEMENT = 1.0  # metadata agreement in [-1, 1]
W_META_OVERVIEW = 1.0  # «who chaired / when»: the meeting's opening answers
OPENING_CHARS = 300  # how much of a meeting's overview counts as its opening (who met, when)
W_SUMMARY_PENALTY = 0.15  # an overview or closing chunk, for a question about a topic

# Words that say what kind of fact is asked, or are the vocabulary of every minutes: never a topic.
_NOT_TOPIC = frozenset(
    "主持人 主持 开会 会是 那天 哪天 几号 分别 提到 提及 涉及 部署 安排 召开 最近 最新 最早 首次 上一次 一次 区政府 "
    "县政府 市政府 省政府 政府 常务会 常务会议 会议 次会 会上 这次 那次 本次 一块儿 一块 啥 咋 有没有 纪要 "
    "作了 做了 作出 研究 审议 听取 讨论 担任 职务 身份 职位 头衔 要求 提出 强调 指出".split()
)


@dataclass
class Hit:
    """A retrieved chunk with the evidence behind its rank."""

    cid: int
    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0
    coverage: float = 0.0
    exact: bool = False  # the pasted sentence or document number was found verbatim
    agreement: float = 0.0  # metadata agreement with what the question names, in [-1, 1]
    mismatch: bool = False  # the chunk's metadata contradicts something the question names
    matched: bool = False  # the chunk's metadata positively matches at least one named constraint
    plain_rank: int | None = None  # rank in plain hybrid search (1-based), when it is there
    sentence_scores: np.ndarray | None = field(default=None, repr=False)  # each sentence vs the question
    contribution: float | None = None  # the topic's contribution to the best sentence (qa.answer)


class Searcher:
    """Retrieval over one index generation.

    The reader's retrieval methods take a *restriction* that the reader makes from filters (a mask
    for FAISS, a filter expression for Milvus); nothing here depends on which.

    Args:
        reader: the open index (any :class:`qa.index.backend.BackendReader`).
        embedder: must be the embedder the index was built with.
        mode: ``hybrid`` (default: plain hybrid candidates re-ranked by understanding), ``plain``
            (plain hybrid only, the recall floor), ``dense`` or ``bm25`` (for comparisons).
        use_filters: let places, dates and numbers named in questions re-rank (explicit filters
            always apply, strictly).
    """

    def __init__(
        self,
        reader: BackendReader[Any],
        embedder: CachedEmbedder,
        mode: str = "hybrid",
        use_filters: bool = True,
    ):
        if embedder.key != reader.manifest.embedder_key:
            fix = f"use --embedder/--model to match, or rebuild with: qa index build --index {reader.index_dir}"
            raise EmbedderMismatch(
                f"index at {reader.index_dir} was built with {reader.manifest.embedder} ({reader.manifest.model}) "
                f"but questions would be embedded with {embedder.name} ({embedder.model}); {fix}",
                fix,
            )
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.reader = reader
        self.embedder = embedder
        self.mode = mode
        self.use_filters = use_filters and mode != "plain"
        self.regions = _indexed_places(reader)
        self._vectors: dict[str, np.ndarray] = {}
        self._openings: dict[str, str] = {}
        self._words: dict[tuple[str, tuple[str, ...]], list[str]] = {}

    # ---- understanding ----------------------------------------------------------------------

    def understand(self, question: str, explicit: Filters | None = None) -> Query:
        """Parse a question against the regions this index holds."""
        query = understand(question, self.regions, explicit)
        if not self.use_filters:
            query.filters = explicit or Filters()
            query.order = None
        return query

    def topic_words(self, query: Query) -> list[str]:
        """Content words of the question's topic, most specific first (cut once per question)."""
        key = (query.topic, tuple(query.focus))
        if key not in self._words:
            if len(self._words) > 512:
                self._words.clear()
            self._words[key] = self._topic_words(query)
        return list(self._words[key])

    def _topic_words(self, query: Query) -> list[str]:
        generic = {f for f in query.focus if f in GENERIC_FOCUS}
        words = []
        for word in self.reader.analyzer.content_words(query.topic):
            word = word.lstrip("对在把将向给与和及就")
            if len(word) < 2 and not re.search(r"[A-Za-z0-9]", word):
                continue
            if word not in words and word not in generic and word not in _NOT_TOPIC:
                words.append(word)
        # Drop words contained in a longer one (安全 inside 安全生产): they add nothing.
        return [w for w in words if not any(w != o and w in o for o in words)]

    def question_vector(self, query: Query) -> np.ndarray:
        """The question's vector (embedded once while it is being answered: search, quote choice and
        the not-found decision all use it)."""
        vector = self._vectors.get(query.norm)
        if vector is None:
            vector = self.embedder.embed_queries([query.norm])[0]
            self._vectors.clear()  # only the question in hand: memory stays flat, timings honest
            self._vectors[query.norm] = vector
        return vector

    def text_vector(self, text: str) -> np.ndarray:
        """A question-side vector of another text about the question in hand (kept with it)."""
        vector = self._vectors.get(text)
        if vector is None:
            vector = self._vectors[text] = self.embedder.embed_queries([text])[0]
        return vector

    # ---- retrieval --------------------------------------------------------------------------

    def _fuse(self, vector: np.ndarray | None, text: str, where: Any) -> tuple[dict[int, float], dict[int, float]]:
        """Dense and BM25 candidates under ``where`` fused by RRF; also the dense scores."""
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if vector is not None and self.mode != "bm25":
            dense = self.reader.dense_search(vector, CANDIDATES, where)
        if self.mode != "dense" and text.strip():
            lexical = self.reader.text_search(text, CANDIDATES, where)
        return rrf((dense, lexical)), dict(dense)

    def plain(self, query: Query, k: int = CANDIDATES) -> list[tuple[int, float]]:
        """Plain hybrid search: the whole question, explicit filters only (the recall floor)."""
        where = self._strict_where(query)
        if where is False:
            return []
        fused, _dense = self._fuse(self.question_vector(query), query.norm, where)
        return sorted(fused.items(), key=lambda p: (-p[1], p[0]))[:k]

    def _strict_where(self, query: Query) -> Any:
        if query.strict.is_empty():
            return None
        where = self.reader.restrict(query.strict)
        return False if self.reader.matches_none(where) else where

    def search(self, query: Query, k: int = 5) -> list[Hit]:
        """Ranked chunks for a question: plain hybrid candidates (never dropped) re-ranked.

        Returns an empty list only when explicit filters match nothing.
        """
        strict = self._strict_where(query)
        if strict is False:
            return []
        if query.qtype == "lookup":
            exact = self._lookup(query, strict)
            if exact:
                return self._fill(exact, query, strict, k)
        vector = self.question_vector(query) if self.mode != "bm25" else None
        plain, dense_of = self._fuse(vector, query.norm, strict)
        focus: dict[int, float] = {}
        words = self.topic_words(query)
        topic = " ".join(words) or query.topic
        if self.mode in ("hybrid", "bm25") and self.use_filters:
            if topic and topic != query.norm:
                # The topic alone (place, date and question words out) is the sharper lexical query.
                focus.update(rrf([self.reader.text_search(topic, CANDIDATES, strict)]))
            soft = self._soft_where(query)
            if soft is not None:
                fused, more_dense = self._fuse(vector, topic or query.norm, soft)
                for cid, value in fused.items():
                    focus[cid] = focus.get(cid, 0.0) + value
                for cid, value in more_dense.items():
                    dense_of.setdefault(cid, value)
                if not words:
                    # Only filters in the question (太仓市第29次常务会议由谁主持): the filtered meetings.
                    for cid in self.reader.overviews(soft, 20):
                        focus[cid] = focus.get(cid, 0.0) + 1.0 / RRF_K
        plain_ranked = sorted(plain, key=lambda c: (-plain[c], c))
        plain_rank = {cid: i + 1 for i, cid in enumerate(plain_ranked)}
        candidates = list(dict.fromkeys([*plain_ranked, *focus]))
        chunks = {c.cid: c for c in self.chunks(candidates)}
        hits = self.rank(query, words, chunks, plain, focus, dense_of, plain_rank)
        return hits[: max(k, 1)] if self.mode != "plain" else sorted(hits, key=lambda h: h.plain_rank or 10**9)[:k]

    def rank(
        self,
        query: Query,
        words: list[str],
        chunks: dict[int, Chunk],
        plain: dict[int, float],
        focus: dict[int, float],
        dense_of: dict[int, float],
        plain_rank: dict[int, int],
    ) -> list[Hit]:
        """Score every candidate with the evidence described in the module docstring, best first."""
        weights = [self.idf(w) for w in words]
        top_rrf = top_score(2)
        meta_question = query.qtype in ("chair", "number", "when", "which_meeting", "attendance", "where") and (
            not words
        )
        places = self._place_surfaces(query)
        floor = min(dense_of.values(), default=0.0)
        hits = []
        for cid in dict.fromkeys([*plain, *focus]):
            chunk = chunks.get(cid)
            if chunk is None:
                continue
            text = f"{chunk.header}\n{chunk.norm}"
            cov = coverage(words, weights, text)
            agreement, mismatch, matched = self.agreement(query, chunk, places)
            score = (
                W_PLAIN * plain.get(cid, 0.0) / top_rrf
                + W_FOCUS * min(focus.get(cid, 0.0) / top_rrf, 1.0)
                + W_COVERAGE * cov
                + W_AGREEMENT * agreement
            )
            if meta_question and chunk.kind == "overview" and not mismatch:
                score += W_META_OVERVIEW * (1.0 if matched else 0.5)
            elif words and chunk.kind != "item" and query.qtype not in ("attendance", "chair", "where"):
                # An overview names every item in passing; on a topic, the item itself is the evidence.
                score -= W_SUMMARY_PENALTY
            if query.date_words and any(y in (chunk.date or "") for y in query.date_words):
                score += 0.05
            hits.append(
                Hit(
                    cid,
                    chunk,
                    score,
                    dense=dense_of.get(cid, floor),
                    lexical=0.0,
                    coverage=cov,
                    agreement=agreement,
                    mismatch=mismatch,
                    matched=matched,
                    plain_rank=plain_rank.get(cid),
                )
            )
        hits.sort(key=lambda h: (-h.score, h.cid))
        return hits

    def _where(self, query: Query) -> Any:
        """The question's own filters with the explicit ones (unknown passing), else the explicit ones;
        ``False`` when explicit filters match nothing."""
        strict = self._strict_where(query)
        if strict is False:
            return False
        soft = self._soft_where(query)
        return soft if soft is not None else strict

    def _soft_where(self, query: Query) -> Any:
        """The restriction of the question's own filters (with the explicit ones), or None."""
        if not query.soft:
            return None
        filters = Filters(**{**query.filters.__dict__, "unknown_places": []})
        if filters.is_empty():
            return None
        where = self.reader.restrict(filters)
        return None if self.reader.matches_none(where) else where

    def _place_surfaces(self, query: Query) -> list[str]:
        """How the places a question names may be written in a text (姑苏区, 姑苏; 太仓市, 太仓)."""
        surfaces: list[str] = []
        for name in [*query.filters.regions, *query.filters.unknown_places]:
            surfaces.append(name)
            for place in gazetteer().lookup(name):
                surfaces += [s for s in (place.name, place.alias) if s and len(s) >= 2]
        return list(dict.fromkeys(surfaces))

    def opening(self, doc_id: str) -> str:
        """The title and opening of a document's meeting (where minutes say who met), cached."""
        text = self._openings.get(doc_id)
        if text is None:
            cids = self.reader.overview_cids([doc_id])
            chunks = self.reader.chunks(list(cids.values())) if cids else []
            text = "".join(f"{c.title or ''}\n{c.meeting or ''}\n{c.norm[:OPENING_CHARS]}" for c in chunks)
            if len(self._openings) > 4096:
                self._openings.clear()
            self._openings[doc_id] = text
        return text

    def place_named(self, query: Query, chunk: Chunk) -> bool:
        """Whether the chunk's meeting is of a place the question names (metadata, or its own text)."""
        if query.filters.regions and set(query.filters.regions) & {chunk.region, chunk.city, chunk.province}:
            return True
        places = self._place_surfaces(query)
        return any(p in f"{chunk.header}\n{self.opening(chunk.doc_id)}" for p in places)

    def place_possible(self, query: Query, chunk: Chunk) -> bool:
        """A meeting whose region is unknown, held by a government of the level the question names.

        «辽宁省政府…» and a province-level report that never names its province («省长…主持召开省
        政府常务会议», a mirror copy): unknown is not a mismatch, so the meeting stays possible.
        """
        if chunk.region or not (query.filters.regions or query.filters.unknown_places):
            return False
        opening = self.opening(chunk.doc_id)
        for name in [*query.filters.regions, *query.filters.unknown_places]:
            for place in gazetteer().lookup(name):
                kind = "自治区" if place.name.endswith("自治区") else place.kind
                if re.search(rf"{kind}(?:人民)?政府|{kind}长|{kind}委", opening):
                    return True
        return False

    def agreement(self, query: Query, chunk: Chunk, places: Sequence[str]) -> tuple[float, bool, bool]:
        """(agreement in [-1, 1], contradicted, positively matched) of a chunk with what the question names.

        Each named constraint (place, date range, months, meeting number) scores 1 when the chunk's
        metadata matches, 0 when it is unknown, -1 when it contradicts. A place named in the opening
        or title of the chunk's meeting counts as a match of strength 0.7 even when the parser put
        another region (or none) into the metadata: the text is the evidence.
        """
        filters = query.filters
        scores: list[float] = []
        if filters.regions or filters.unknown_places:
            wanted = set(filters.regions)
            if wanted & {chunk.region, chunk.city, chunk.province}:
                scores.append(1.0)
            elif any(p in f"{chunk.header}\n{self.opening(chunk.doc_id)}" for p in places):
                scores.append(0.7)
            elif chunk.region:
                scores.append(-1.0)
            else:
                scores.append(0.3 if self.place_possible(query, chunk) else 0.0)
        date = chunk.date or ""
        if filters.date_from or filters.date_to:
            if not date:
                scores.append(0.0)
            else:
                inside = (not filters.date_from or date >= filters.date_from) and (
                    not filters.date_to or date <= filters.date_to
                )
                scores.append(1.0 if inside else -1.0)
        if filters.months:
            scores.append(0.0 if not date else (1.0 if int(date[5:7]) in filters.months else -1.0))
        if filters.meeting_number is not None:
            if chunk.meeting_number is None:
                scores.append(0.0)
            else:
                scores.append(1.0 if chunk.meeting_number == filters.meeting_number else -1.0)
        if not scores:
            return 0.0, False, False
        mismatch = any(s < 0 for s in scores)
        return sum(scores) / len(scores), mismatch, any(s > 0 for s in scores)

    def _fill(self, exact: list[Hit], query: Query, strict: Any, k: int) -> list[Hit]:
        """Exact lookups first, then plain hybrid candidates after them (never fewer than plain)."""
        out = list(exact[:k])
        if len(out) < k:
            seen = {h.cid for h in out}
            rest = [(cid, s) for cid, s in self.plain(query, CANDIDATES) if cid not in seen][: k - len(out)]
            chunks = {c.cid: c for c in self.chunks([cid for cid, _ in rest])}
            for rank, (cid, _s) in enumerate(rest, len(out) + 1):
                if cid in chunks:
                    out.append(Hit(cid, chunks[cid], 0.0, plain_rank=rank))
        return out

    def meetings(self, query: Query, limit: int = 5000) -> list[Chunk]:
        """The overviews of every meeting the question's place and dates allow (unknown passes,
        contradicted metadata does not: a question about 姑苏区 orders 姑苏区's meetings)."""
        where = self._where(query)
        if where is False:
            return []
        chunks = self.chunks(self.reader.overviews(where, limit))
        places = self._place_surfaces(query)
        kept = []
        for chunk in chunks:
            _agreement, mismatch, matched = self.agreement(query, chunk, places)
            if not mismatch and (matched or not (query.filters.regions or query.filters.unknown_places)):
                kept.append(chunk)
        return kept

    def list_matches(self, query: Query, limit: int = 200) -> list[Hit]:
        """Every chunk that speaks about the question's topic (for «哪些会议…» questions), best first.

        A chunk is listed when it holds the topic's words (any one of alternatives joined by 或/和),
        or when it is among the plain hybrid candidates and close to the question in meaning.
        """
        where = self._where(query)
        if where is False:
            return []
        words = self.topic_words(query)
        if not words:
            # No topic: the filters pick meetings; their items are the agenda.
            if where is None:
                return []
            cids = self.reader.agenda(where, max_documents=20)
            hits = [Hit(c.cid, c, 1.0, coverage=1.0) for c in self.chunks(cids)]
            places = self._place_surfaces(query)
            for hit in hits:
                hit.agreement, hit.mismatch, hit.matched = self.agreement(query, hit.chunk, places)
            kept = [h for h in hits if not h.mismatch]
            # Meetings that match what the question names outrank those whose metadata is unknown:
            # the unknown ones are listed only when none matches.
            best = max((h.agreement for h in kept), default=0.0)
            return [h for h in kept if h.agreement >= best] if best > 0 else kept
        groups = topic_groups(query, words)
        needed = [w for group in groups for w in group]
        candidates = self.reader.text_search(" ".join(needed), 5000, where)
        chunks = {c.cid: c for c in self.chunks([cid for cid, _ in candidates])}
        places = self._place_surfaces(query)
        hits: dict[int, Hit] = {}
        for cid, score in candidates:
            chunk = chunks.get(cid)
            if chunk is None:
                continue
            text = f"{chunk.header}\n{chunk.norm}"
            if all(any(w in text for w in group) for group in groups):
                agreement, mismatch, matched = self.agreement(query, chunk, places)
                if not mismatch:
                    hits[cid] = Hit(
                        cid, chunk, score, lexical=score, coverage=1.0, agreement=agreement, matched=matched
                    )
        ranked = sorted(hits.values(), key=lambda h: (-h.score, h.cid))
        return ranked[:limit]

    def chunks(self, cids: Sequence[int]) -> list[Chunk]:
        """The reader's chunks, less those of duplicates and previous versions of a meeting (qa.dedupe):
        one meeting, one record in every answer."""
        folded = self.reader.folding.folded
        return [c for c in self.reader.chunks(cids) if c.doc_id not in folded]

    def _lookup(self, query: Query, where: Any) -> list[Hit]:
        """Where a document number or a pasted sentence comes from."""
        number = docnumber.find(query.norm)
        if number:
            docs = self.reader.find_doc_number(number)
            overviews = self.reader.overview_cids(docs) if docs else {}
            chunks = self.chunks(list(overviews.values()))
            return [Hit(c.cid, c, 10.0, coverage=1.0, exact=True) for c in chunks]
        needle = _core(query.norm)
        if len(needle) < 6:
            return []
        candidates = self.reader.text_search(needle, 50, where)
        hits = []
        for chunk in self.chunks([cid for cid, _ in candidates]):
            if needle in _core(f"{chunk.norm}{chunk.title or ''}"):
                hits.append(Hit(chunk.cid, chunk, 10.0, coverage=1.0, exact=True))
        return hits

    def idf(self, word: str) -> float:
        """The inverse document frequency of a word in this index (bigrams' idf for unknown words)."""
        idf = self.reader.bm25.idf_of(word)
        if idf:
            return idf
        # Unknown as a term: use its bigrams' idf (a rare word is a strong one).
        grams = ["#" + word[i : i + 2] for i in range(len(word) - 1)]
        values = [self.reader.bm25.idf_of(g) for g in grams]
        return max(values) if values and max(values) > 0 else float(self.reader.bm25.idf.max(initial=1.0))



def topic_groups(query: Query, words: list[str]) -> list[list[str]]:
    """Topic words as groups of alternatives: «养老机构或养老服务» → [[养老机构, 养老服务]] style.

    Words joined by 或/或者/和/及/与/、 in the question are alternatives of one group (a list
    question asks for meetings about either); every other word is a group of its own.
    """
    groups: list[list[str]] = []
    used: set[str] = set()
    for match in re.finditer(r"([\u4e00-\u9fff]{2,12})(?:或者|或|以及|及|和|与|、)([\u4e00-\u9fff]{2,12})", query.norm):
        left = [w for w in words if w in match.group(1)]
        right = [w for w in words if w in match.group(2)]
        # 养老机构或养老服务 → 养老 | 机构, 服务: the shared head (养老) is the topic itself.
        shared = [w for w in left if w in right]
        if shared:
            groups.append(shared)
            used.update(left + right)
        elif left and right:
            groups.append([left[-1], right[-1]])
            used.update(left + right)
    for word in words:
        if word not in used:
            groups.append([word])
    # A list keeps its distinctive words: drop the weakest groups when there are many.
    return groups[:3]


def _core(text: str) -> str:
    """Text without punctuation and spaces, for verbatim matching of pasted sentences."""
    return re.sub(r"[\s,.;:!?、。“”‘’《》()\[\]【】<>\"'·—\-…]", "", normalize_query(text))


# Short forms people type for the bodies minutes name in full (人代会 → 人民代表大会).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "人代会": ("人民代表大会", "人大"),
    "人大": ("人民代表大会",),
    "党代会": ("党代表大会",),
    "政协": ("政治协商会议",),
    "常委会": ("常务委员会",),
    "发改委": ("发展和改革委员会", "发展改革委"),
    "发改局": ("发展和改革局", "发展改革局"),
    "住建局": ("住房和城乡建设局",),
    "人社局": ("人力资源和社会保障局",),
    "卫健委": ("卫生健康委员会", "卫生健康委"),
    "市监局": ("市场监督管理局", "市场监管局"),
    "应急局": ("应急管理局",),
    "两会": ("人民代表大会", "人大", "政协"),
}


def coverage(words: Sequence[str], weights: Sequence[float], text: str, partial: bool = True) -> float:
    """Idf-weighted share of ``words`` found in ``text`` (half credit for partial bigram matches)."""
    if not words:
        return 0.0
    total = sum(weights) or 1.0
    found = 0.0
    for word, weight in zip(words, weights, strict=True):
        if word in text or any(full in text for full in ABBREVIATIONS.get(word, ())):
            found += weight
        elif partial and len(word) > 2:
            grams = [word[i : i + 2] for i in range(len(word) - 1)]
            share = sum(1 for g in grams if g in text) / len(grams)
            found += 0.5 * weight * share
    return found / total


def _indexed_places(reader: BackendReader[Any]) -> list[tuple[str, Place | None]]:
    """The regions of an index with their gazetteer records (for question filters)."""
    seen: dict[tuple[str, str], Place | None] = {}
    for region, city, province in reader.places():
        if not region or (region, city) in seen:
            continue
        candidates = gazetteer().lookup(region)
        place = next((p for p in candidates if (p.city or "") == (city or "") and p.province == province), None)
        seen[(region, city)] = place or (candidates[0] if candidates else None)
    return [(region, place) for (region, _city), place in seen.items()]
