"""Hybrid retrieval: dense and BM25 candidates under metadata filters, fused and reranked.

Ranks are fused with reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009), which needs
no score calibration between the two retrievers — by this module over FAISS and our BM25, or by
Milvus's own ``hybrid_search`` with the same RRF constant when the index lives in Milvus (the
reader says which: ``native_hybrid``). The fused list is then reranked by *coverage*,
the idf-weighted share of the question's content words that the passage actually contains. Coverage
is also the evidence for «not found»: a passage sharing no topic words with the question is not an
answer, however close its embedding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qa.chunks import Chunk
from qa.embed import CachedEmbedder
from qa.normalize import normalize_query
from qa.query import GENERIC_FOCUS, Filters, Query, understand
from qa.regions import Place, gazetteer
from qa.store import IndexReader, StoreError

if TYPE_CHECKING:
    from qa.milvus import MilvusReader

RRF_K = 60
CANDIDATES = 100
MODES = ("hybrid", "dense", "bm25")


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


class Searcher:
    """Retrieval over one index generation.

    The reader's retrieval methods take a *restriction* that the reader makes from filters (a mask
    for FAISS, a filter expression for Milvus); nothing here depends on which.

    Args:
        reader: the open index (:class:`qa.store.IndexReader` or :class:`qa.milvus.MilvusReader`).
        embedder: must be the embedder the index was built with.
        mode: ``hybrid`` (default), ``dense`` or ``bm25`` (for comparisons).
        use_filters: apply filters parsed from questions (explicit filters always apply).
    """

    def __init__(
        self,
        reader: IndexReader | MilvusReader,
        embedder: CachedEmbedder,
        mode: str = "hybrid",
        use_filters: bool = True,
    ):
        if embedder.key != reader.manifest.embedder_key:
            raise StoreError(
                f"index at {reader.index_dir} was built with {reader.manifest.embedder} ({reader.manifest.model}) "
                f"but questions would be embedded with {embedder.name} ({embedder.model}); use --embedder/--model "
                f"to match, or rebuild with: qa index build --index {reader.index_dir}"
            )
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.reader = reader
        self.embedder = embedder
        self.mode = mode
        self.use_filters = use_filters
        self.regions = _indexed_places(reader)

    # ---- understanding ----------------------------------------------------------------------

    def understand(self, question: str, explicit: Filters | None = None) -> Query:
        """Parse a question against the regions this index holds."""
        query = understand(question, self.regions, explicit)
        if not self.use_filters:
            query.filters = explicit or Filters()
        return query

    def topic_words(self, query: Query) -> list[str]:
        """Content words of the question's topic, most specific first."""
        generic = {f for f in query.focus if f in GENERIC_FOCUS}
        words = []
        for word in self.reader.analyzer.content_words(query.topic):
            if word not in words and word not in generic:
                words.append(word)
        # Drop words contained in a longer one (安全 inside 安全生产): they add nothing.
        return [w for w in words if not any(w != o and w in o for o in words)]

    # ---- retrieval --------------------------------------------------------------------------

    def search(self, query: Query, k: int = 5) -> list[Hit]:
        """Ranked chunks for a question (empty when the filters match nothing)."""
        if query.filters.matches_nothing:
            return []
        where = self.reader.restrict(query.filters)
        if self.reader.matches_none(where):
            return []
        if query.qtype == "lookup":
            exact = self._lookup(query, where)
            if exact:
                return exact[:k]
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        fused: dict[int, float] = {}
        vector = self.embedder.embed_queries([query.norm])[0] if self.mode in ("hybrid", "dense") else None
        text = query.topic or query.norm
        if self.mode == "hybrid" and self.reader.native_hybrid:
            # The backend fuses both retrievers' ranks itself (same RRF constant, same formula).
            fused = dict(self.reader.hybrid_search(vector, text, CANDIDATES, where))
        else:
            if vector is not None:
                dense = self.reader.dense_search(vector, CANDIDATES, where)
            if self.mode in ("hybrid", "bm25"):
                lexical = self.reader.text_search(text, CANDIDATES, where)
            for ranked in (dense, lexical):
                for rank, (cid, _score) in enumerate(ranked):
                    fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        if not fused and where is not None:
            # Only filters in the question (太仓市第29次常务会议由谁主持): the filtered meetings.
            fused = {c: 1.0 / RRF_K for c in self.reader.overviews(where, k)}
        dense_of = dict(dense)
        lexical_of = dict(lexical)
        chunks = {c.cid: c for c in self.reader.chunks(list(fused))}  # type: ignore[attr-defined]
        words = self.topic_words(query)
        weights = [self._idf(w) for w in words]
        meta_question = query.qtype in ("chair", "number", "when", "which_meeting", "attendance") and not words
        hits = []
        top_rrf = 2.0 / (RRF_K + 1) if self.mode == "hybrid" else 1.0 / (RRF_K + 1)
        folded = self._folded()
        for cid, rrf in fused.items():
            chunk = chunks.get(cid)
            if chunk is None or chunk.doc_id in folded:  # a duplicate or older version (qa.dedupe)
                continue
            text = f"{chunk.header}\n{chunk.norm}"
            cov = coverage(words, weights, text)
            score = rrf / top_rrf + 0.6 * cov
            if meta_question and chunk.kind == "overview":
                score += 1.0  # the answer is the meeting itself: cite its opening
            if query.date_words and any(y in (chunk.date or "") for y in query.date_words):
                score += 0.05
            hits.append(Hit(cid, chunk, score, dense_of.get(cid, 0.0), lexical_of.get(cid, 0.0), cov))
        hits.sort(key=lambda h: (-h.score, h.cid))
        return hits[:k]

    def list_matches(self, query: Query, limit: int = 200) -> list[Hit]:
        """Every chunk that covers the question's topic (for «哪些会议…» questions), best first."""
        if query.filters.matches_nothing:
            return []
        where = self.reader.restrict(query.filters)
        if self.reader.matches_none(where):
            return []
        words = self.topic_words(query)
        if not words:
            # No topic: the filters pick meetings; their items are the agenda.
            if where is None:
                return []
            cids = self.reader.agenda(where, max_documents=20)
            chunks = [c for c in self.reader.chunks(cids) if c.doc_id not in self._folded()]
            return [Hit(c.cid, c, 1.0, coverage=1.0) for c in chunks]  # type: ignore[attr-defined]
        weights = [self._idf(w) for w in words]
        candidates = self.reader.text_search(" ".join(words), 5000, where)
        chunks = {c.cid: c for c in self.reader.chunks([cid for cid, _ in candidates])}  # type: ignore[attr-defined]
        hits = []
        folded = self._folded()
        for cid, score in candidates:
            chunk = chunks.get(cid)
            if chunk is None or chunk.doc_id in folded:
                continue
            cov = coverage(words, weights, f"{chunk.header}\n{chunk.norm}", partial=False)
            if cov >= 0.999:
                hits.append(Hit(cid, chunk, score, lexical=score, coverage=cov))
        hits.sort(key=lambda h: (-h.score, h.cid))
        return hits[:limit]

    def _folded(self) -> frozenset[str]:
        """Documents answers do not cite: duplicates and previous versions of a meeting (qa.dedupe)."""
        folding = getattr(self.reader, "folding", None)
        return folding.folded if folding is not None else frozenset()

    def _lookup(self, query: Query, where: Any) -> list[Hit]:
        """Where a document number or a pasted sentence comes from."""
        number = re.search(r"[\u4e00-\u9fff]{1,12}[〔﹝\[【(]\s*\d{4}\s*[〕﹞\]】)]\s*\d+\s*号", query.norm)
        if number:
            docs = self.reader.find_doc_number(number.group(0))
            overviews = self.reader.overview_cids(docs) if docs else {}
            chunks = self.reader.chunks(list(overviews.values()))
            return [Hit(c.cid, c, 10.0, coverage=1.0, exact=True) for c in chunks]  # type: ignore[attr-defined]
        needle = _core(query.norm)
        if len(needle) < 6:
            return []
        candidates = self.reader.text_search(needle, 50, where)
        hits = []
        for chunk in self.reader.chunks([cid for cid, _ in candidates]):
            if needle in _core(chunk.norm) and chunk.doc_id not in self._folded():
                hits.append(Hit(chunk.cid, chunk, 10.0, coverage=1.0, exact=True))  # type: ignore[attr-defined]
        return hits

    def _idf(self, word: str) -> float:
        idf = self.reader.bm25.idf_of(word)
        if idf:
            return idf
        # Unknown as a term: use its bigrams' idf (a rare word is a strong one).
        grams = ["#" + word[i : i + 2] for i in range(len(word) - 1)]
        values = [self.reader.bm25.idf_of(g) for g in grams]
        return max(values) if values and max(values) > 0 else float(self.reader.bm25.idf.max(initial=1.0))


def _core(text: str) -> str:
    """Text without punctuation and spaces, for verbatim matching of pasted sentences."""
    return re.sub(r"[\s,.;:!?、。“”‘’《》()\[\]【】<>\"'·—\-…]", "", normalize_query(text))


def coverage(words: Sequence[str], weights: Sequence[float], text: str, partial: bool = True) -> float:
    """Idf-weighted share of ``words`` found in ``text`` (half credit for partial bigram matches)."""
    if not words:
        return 0.0
    total = sum(weights) or 1.0
    found = 0.0
    for word, weight in zip(words, weights, strict=True):
        if word in text:
            found += weight
        elif partial and len(word) > 2:
            grams = [word[i : i + 2] for i in range(len(word) - 1)]
            share = sum(1 for g in grams if g in text) / len(grams)
            found += 0.5 * weight * share
    return found / total


def _indexed_places(reader: IndexReader | MilvusReader) -> list[tuple[str, Place | None]]:
    """The regions of an index with their gazetteer records (for question filters)."""
    seen: dict[tuple[str, str], Place | None] = {}
    for region, city, province in reader.places():
        if not region or (region, city) in seen:
            continue
        candidates = gazetteer().lookup(region)
        place = next((p for p in candidates if (p.city or "") == (city or "") and p.province == province), None)
        seen[(region, city)] = place or (candidates[0] if candidates else None)
    return [(region, place) for (region, _city), place in seen.items()]
