"""The FAISS backend: vectors in FAISS, terms in BM25 postings, both files of the generation.

A generation of a FAISS-backed index holds, besides the SQLite content and the term files::

    vectors.faiss      base vectors: IndexIDMap2 over chunk ids (exact inner product, or IVF)
    bm25_*.npy         base term frequencies, as posting lists (memory-mapped when read)
    delta_*.npy        vectors and ids written since the base; delta_bm25_*.npy their term frequencies

An update writes only a new delta and hard-links the base files; when the delta and the deleted
rows together pass a twentieth of the index (and at least 1,000 chunks) the writer merges them
into a new base (:mod:`qa.index.writer`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.bm25 import Bm25Index, Segment, load_vocab
from qa.embed import CachedEmbedder
from qa.fusion import rrf
from qa.index.backend import Previous, WriteJob
from qa.index.content import BASE_DB, deleted_cids
from qa.index.errors import DamagedIndex, UnknownChoice, rebuild_fix
from qa.index.manifest import Manifest
from qa.index.reader import GenerationReader
from qa.index.terms import DF, VOCAB

if TYPE_CHECKING:
    from qa.query import Filters

BASE_VECTORS, BASE_BM25, DELTA_BM25 = "vectors.faiss", "bm25", "delta_bm25"
DELTA_IDS, DELTA_VECTORS = "delta_ids.npy", "delta_vectors.npy"
# Files of the base segment, shared between generations by hard links.
BASE_FILES = (BASE_DB, BASE_VECTORS, *Segment.files(BASE_BM25))


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


@dataclass
class ChunkMeta:
    """Per-chunk metadata held in memory for filtering (one row per chunk, aligned arrays)."""

    cids: np.ndarray
    doc_ids: np.ndarray
    overview: np.ndarray
    region: np.ndarray
    city: np.ndarray
    province: np.ndarray
    date: np.ndarray  # YYYYMMDD, 0 when unknown
    meeting_number: np.ndarray  # -1 when unknown
    _codes: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def _in(self, name: str, wanted: Sequence[str]) -> np.ndarray:
        # Strings are compared once per distinct value, then rows by integer code: np.isin on
        # 100k Python strings would cost tens of milliseconds per question.
        if name not in self._codes:
            values, codes = np.unique(getattr(self, name).astype(str), return_inverse=True)
            self._codes[name] = (values, codes.reshape(-1))
        values, codes = self._codes[name]
        hits = np.zeros(len(values) + 1, dtype=bool)
        hits[:-1] = np.isin(values, list(wanted))
        return hits[codes] if len(codes) else np.zeros(0, dtype=bool)

    def mask(
        self,
        regions: Sequence[str] = (),
        date_from: int | None = None,
        date_to: int | None = None,
        meeting_number: int | None = None,
        months: Sequence[int] = (),
    ) -> np.ndarray | None:
        """Boolean mask of chunks passing the filters (``None`` when nothing is filtered)."""
        mask = np.ones(len(self.cids), dtype=bool)
        filtered = False
        if regions:
            wanted = list(regions)
            mask &= self._in("region", wanted) | self._in("city", wanted) | self._in("province", wanted)
            filtered = True
        # Unknown is not a mismatch: an undated chunk passes date filters and a chunk without a
        # meeting number passes number filters (the searcher ranks them below those that match).
        undated = self.date == 0
        if date_from:
            mask &= (self.date >= date_from) | undated
            filtered = True
        if date_to:
            mask &= (self.date <= date_to) | undated
            filtered = True
        if months:
            mask &= np.isin((self.date // 100) % 100, list(months)) | undated
            filtered = True
        if meeting_number is not None:
            mask &= (self.meeting_number == meeting_number) | (self.meeting_number < 0)
            filtered = True
        return mask if filtered else None

    def of_documents(self, doc_ids: Sequence[str]) -> np.ndarray:
        """Mask of the chunks of these documents."""
        return self._in("doc_ids", doc_ids)


class FaissReader(GenerationReader):
    """One generation of a FAISS-backed index, loaded for searching. Immutable once open.

    Its restriction is a boolean mask over the chunks (in chunk id order), ``None`` for all.
    """

    backend = "faiss"

    def __init__(self, index_dir: Path | str):
        super().__init__(index_dir, rebuild_fix(index_dir))
        counts = (len(self.meta.cids), self._live_vectors, len(self.bm25.ids), self.manifest.chunks)
        problem = None
        if len(set(counts)) != 1:
            problem = f"chunk counts disagree: {counts}"
        elif not (np.array_equal(self.bm25.ids, self.meta.cids) and np.array_equal(self._dense_ids, self.meta.cids)):
            problem = "chunk ids disagree"
        if problem:
            self.db.close()
            raise DamagedIndex(self.index_dir, problem, rebuild_fix(self.index_dir))

    def _load(self) -> None:
        import faiss

        generation = self.generation_dir
        deleted = np.asarray(deleted_cids(self.db), dtype=np.int64)
        self.vectors = faiss.read_index(str(generation / BASE_VECTORS))
        self._delta_ids = np.load(generation / DELTA_IDS)
        self._delta_vectors = np.load(generation / DELTA_VECTORS)
        self.bm25 = Bm25Index(
            load_vocab(generation / VOCAB),
            [Segment.load(generation, BASE_BM25), Segment.load(generation, DELTA_BM25)],
            deleted,
            np.load(generation / DF),
        )
        self.meta = self._load_meta()
        self._live_vectors = self._prepare_dense(deleted)

    def _load_meta(self) -> ChunkMeta:
        rows = self.db.execute(
            "SELECT cid, doc_id, kind, region, city, province, date_int, meeting_number FROM chunks ORDER BY cid"
        ).fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(8)]

        def strings(values) -> np.ndarray:
            return np.array([v or "" for v in values], dtype=object)

        return ChunkMeta(
            cids=np.asarray(columns[0], dtype=np.int64),
            doc_ids=strings(columns[1]),
            overview=np.asarray([k == "overview" for k in columns[2]], dtype=bool),
            region=strings(columns[3]),
            city=strings(columns[4]),
            province=strings(columns[5]),
            date=np.asarray([d or 0 for d in columns[6]], dtype=np.int64),
            meeting_number=np.asarray([-1 if n is None else n for n in columns[7]], dtype=np.int64),
        )

    def _prepare_dense(self, deleted: np.ndarray) -> int:
        """Map live chunks (meta order) to rows of base and delta vectors; returns the live count."""
        import faiss

        base_ids = faiss.vector_to_array(self.vectors.id_map).astype(np.int64)
        self._n_base = len(base_ids)
        all_ids = np.concatenate([base_ids, self._delta_ids.astype(np.int64)])
        alive = ~np.isin(all_ids, deleted) if deleted.size else np.ones(len(all_ids), dtype=bool)
        order = np.argsort(all_ids, kind="stable") if np.any(np.diff(all_ids) < 0) else None
        live = np.flatnonzero(alive) if order is None else order[alive[order]]
        self._dense_rows = None if (order is None and alive.all()) else live
        self._dense_ids = all_ids[live]
        self._deleted = deleted
        inner = faiss.downcast_index(self.vectors.index)
        # Exact search reads FAISS's own storage through numpy (no copy): one BLAS matrix-vector
        # product over both cores beats faiss's single-query scan, and a filter then needs no
        # id selector.
        self._exact = isinstance(inner, faiss.IndexFlat)
        self._xb = (
            faiss.rev_swig_ptr(inner.get_xb(), self._n_base * inner.d).reshape(self._n_base, inner.d)
            if self._exact and self._n_base
            else np.zeros((0, self.manifest.dim), dtype=np.float32)
        )
        return len(live)

    # ---- facets ----------------------------------------------------------------------------

    def regions(self) -> list[str]:
        """Regions of the indexed meetings, sorted."""
        return sorted({r for r in self.meta.region if r})

    def places(self) -> list[tuple[str, str, str]]:
        """Distinct (region, city, province) of the chunks, in chunk order (regions known only)."""
        seen: dict[tuple[str, str, str], None] = {}
        for triple in zip(self.meta.region, self.meta.city, self.meta.province, strict=True):
            if triple[0]:
                seen.setdefault(triple, None)
        return list(seen)

    # ---- restrictions and retrieval ----------------------------------------------------------

    def restrict(self, filters: Filters) -> np.ndarray | None:
        """The chunks passing question filters, as a mask (``None``: nothing filtered)."""

        def as_int(value: str | None) -> int | None:
            return int(value.replace("-", "")) if value else None

        return self.meta.mask(
            regions=filters.regions,
            date_from=as_int(filters.date_from),
            date_to=as_int(filters.date_to),
            meeting_number=filters.meeting_number,
            months=filters.months,
        )

    def matches_none(self, restriction: np.ndarray | None) -> bool:
        """Whether a restriction is known to leave no chunk."""
        return restriction is not None and not restriction.any()

    def overviews(self, restriction: np.ndarray | None, k: int) -> list[int]:
        """The first ``k`` meeting overviews (by chunk id) passing a restriction (``None``: all)."""
        keep = self.meta.overview if restriction is None else restriction & self.meta.overview
        return [int(c) for c in self.meta.cids[keep][:k]]

    def agenda(self, restriction: np.ndarray, max_documents: int = 20) -> list[int]:
        """Chunk ids of the first ``max_documents`` documents (by id) with chunks passing a restriction."""
        docs = sorted(set(self.meta.doc_ids[restriction]))[:max_documents]
        return [int(c) for c in self.meta.cids[restriction & self.meta.of_documents(docs)]]

    def text_search(self, text: str, k: int, restriction: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score) for a text, analysed as the chunks were."""
        # The BM25 index's live rows are the metadata's rows (both in chunk id order).
        return self.bm25.search(self.analyzer.terms(text), k, restriction)

    def hybrid_search(
        self, vector: np.ndarray, text: str, k: int, restriction: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Dense and BM25 candidates (``k`` each) fused by RRF: up to ``2 k`` (chunk id, fused score)."""
        lexical = self.text_search(text, k, restriction) if text.strip() else []
        fused = rrf((self.dense_search(vector, k, restriction), lexical))
        return sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))[: 2 * k]

    def dense_search(
        self, vector: np.ndarray, k: int, restriction: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (chunk id, inner product) among chunks passing the restriction."""
        n = len(self.meta.cids)
        if n == 0 or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if not self._exact:
            return self._ivf_search(query, k, restriction)
        candidates = None
        if restriction is not None:
            candidates = np.flatnonzero(restriction)
            if candidates.size == 0:
                return []
        if candidates is not None and candidates.size * 4 < n:
            # A narrow filter: score only the rows that pass it.
            scores = self._scores_of(query, candidates)
        else:
            scores = self._xb @ query
            if len(self._delta_ids):
                scores = np.concatenate([scores, self._delta_vectors @ query])
            if self._dense_rows is not None:
                scores = scores[self._dense_rows]
            if candidates is not None:
                scores = scores[candidates]
        top = _top_k(scores, k)
        rows = candidates[top] if candidates is not None else top
        return [(int(self.meta.cids[r]), float(scores[t])) for r, t in zip(rows, top, strict=True)]

    def _scores_of(self, query: np.ndarray, live_rows: np.ndarray) -> np.ndarray:
        rows = self._dense_rows[live_rows] if self._dense_rows is not None else live_rows
        in_base = rows < self._n_base
        if in_base.all():
            return self._xb[rows] @ query
        scores = np.empty(len(rows), dtype=np.float32)
        scores[in_base] = self._xb[rows[in_base]] @ query
        scores[~in_base] = self._delta_vectors[rows[~in_base] - self._n_base] @ query
        return scores

    def _ivf_search(self, query: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """Approximate search of the base (deleted and filtered-out rows excluded), exact over the delta."""
        import faiss

        allowed = self.meta.cids if mask is None else self.meta.cids[mask]
        if allowed.size == 0:
            return []
        in_delta = np.isin(allowed, self._delta_ids)
        base_allowed = allowed[~in_delta]
        params = faiss.SearchParametersIVF(nprobe=self._nprobe())
        if mask is not None or self._deleted.size:
            params = faiss.SearchParametersIVF(sel=faiss.IDSelectorBatch(base_allowed), nprobe=self._nprobe())
        results: list[tuple[int, float]] = []
        if base_allowed.size and self.vectors.ntotal:
            scores, ids = self.vectors.search(query.reshape(1, -1), min(k, int(base_allowed.size)), params=params)
            results = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        if in_delta.any():
            delta_rows = np.flatnonzero(np.isin(self._delta_ids, allowed[in_delta]))
            delta_scores = self._delta_vectors[delta_rows] @ query
            results += [(int(self._delta_ids[r]), float(s)) for r, s in zip(delta_rows, delta_scores, strict=True)]
        results.sort(key=lambda pair: (-pair[1], pair[0]))
        return results[:k]

    def _nprobe(self) -> int:
        return int(self.manifest.extra.get("nprobe", 16))

    def stats(self) -> dict:
        """Counts, regions, date range, embedder and size on disk."""
        dates = self.meta.date[self.meta.date > 0]
        span = [int(dates.min()), int(dates.max())] if dates.size else None
        return self.generation_stats(len(self.meta.cids), span, self.regions())


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest scores, best first (ties: lower position first)."""
    part = np.argpartition(-scores, k - 1)[:k] if scores.size > k else np.arange(scores.size)
    return part[np.lexsort((part, -scores[part]))]


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


class FaissWriter:
    """The write hooks of the FAISS backend: vectors and postings are files of the generation."""

    name = "faiss"
    base_files: tuple[str, ...] = BASE_FILES

    @contextlib.contextmanager
    def session(self, index_dir: Path, embedder: CachedEmbedder, check: bool) -> Iterator[None]:
        """Nothing to connect to."""
        yield

    def manifest_extra(self, job: WriteJob) -> dict:
        """The IVF search width (kept from the previous generation)."""
        return job.previous.manifest.extra if job.previous else {"nprobe": 16}

    def write_base(self, job: WriteJob) -> tuple[np.ndarray, dict[str, int]]:
        """A new base: the previous base and delta merged with the change, and empty delta arrays."""
        import faiss

        previous, change, tmp = job.previous, job.change, job.tmp
        dim = job.embedder.dim
        np.save(tmp / DELTA_IDS, np.zeros(0, dtype=np.int64))
        np.save(tmp / DELTA_VECTORS, np.zeros((0, dim), dtype=np.float32))
        Segment.empty().save(tmp, DELTA_BM25)
        # Vectors.
        if previous:
            index = faiss.read_index(str(previous.generation_dir / BASE_VECTORS))
            deleted = deleted_cids(previous.db) + change.drop_base
            if deleted:
                index.remove_ids(np.asarray(deleted, dtype=np.int64))
            delta_ids, delta_vectors = _delta_vectors(previous)
            keep = ~np.isin(delta_ids, change.drop_delta)
            if keep.any():
                index.add_with_ids(delta_vectors[keep], delta_ids[keep])
        else:
            index = _new_faiss(job.index_type, dim, change.vectors)
        if change.chunks:
            index.add_with_ids(change.vectors, np.asarray(change.cids, dtype=np.int64))
        faiss.write_index(index, str(tmp / BASE_VECTORS))
        # Terms.
        parts = []
        if previous:
            base = Segment.load(previous.generation_dir, BASE_BM25)
            dead = np.asarray(deleted_cids(previous.db) + change.drop_base, dtype=np.int64)
            parts.append(base.select(~np.isin(np.asarray(base.ids), dead), job.n_terms))
            delta = Segment.load(previous.generation_dir, DELTA_BM25, mmap=False)
            parts.append(delta.select(~np.isin(delta.ids, change.drop_delta), job.n_terms))
        parts.append(change.segment)
        merged = Segment.concat(parts, job.n_terms)
        merged.save(tmp, BASE_BM25)
        return merged.df(job.n_terms), {"base_chunks": merged.n_rows, "delta_chunks": 0, "deleted": 0}

    def write_delta(self, job: WriteJob) -> tuple[np.ndarray, dict[str, int]]:
        """A new delta: the previous one without replaced documents, plus the new; frequencies adjusted."""
        previous, change, tmp, n_terms = job.previous, job.change, job.tmp, job.n_terms
        assert previous is not None  # a delta is always written over a previous generation
        # Vectors.
        delta_ids, delta_vectors = _delta_vectors(previous)
        keep = ~np.isin(delta_ids, change.drop_delta)
        ids = np.concatenate([delta_ids[keep], np.asarray(change.cids, dtype=np.int64)])
        vectors = np.vstack([delta_vectors[keep], change.vectors.reshape(-1, delta_vectors.shape[1])])
        np.save(tmp / DELTA_IDS, ids)
        np.save(tmp / DELTA_VECTORS, vectors.astype(np.float32))
        # Terms: the delta's rows, and document frequencies adjusted for what left and came.
        old_delta = Segment.load(previous.generation_dir, DELTA_BM25, mmap=False)
        delta = Segment.concat([old_delta.select(keep, n_terms), change.segment], n_terms)
        delta.save(tmp, DELTA_BM25)
        df = np.zeros(n_terms, dtype=np.int64)
        old_df = np.load(previous.generation_dir / DF)
        df[: len(old_df)] = old_df
        if change.drop_base:
            base = Segment.load(previous.generation_dir, BASE_BM25)
            df -= base.df(n_terms, np.flatnonzero(np.isin(np.asarray(base.ids), change.drop_base)))
        if not keep.all():
            df -= old_delta.df(n_terms, np.flatnonzero(~keep))
        df += change.segment.df(n_terms)
        counts = {"base_chunks": previous.manifest.base_chunks, "delta_chunks": delta.n_rows, "deleted": job.deleted}
        return df, counts

    def sync(self, job: WriteJob, manifest: Manifest) -> None:
        """Nothing outside the generation's files."""

    def abandoned(self, job: WriteJob) -> None:
        """Nothing outside the temporary folder (which the writer removes)."""

    def published(self, index_dir: Path, manifest: Manifest) -> None:
        """Nothing to switch."""


def _delta_vectors(previous: Previous) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.load(previous.generation_dir / DELTA_IDS).astype(np.int64),
        np.load(previous.generation_dir / DELTA_VECTORS).astype(np.float32),
    )


def _new_faiss(index_type: str, dim: int, sample: np.ndarray):
    import faiss

    if index_type == "flat" or len(sample) < 2000:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    nlist = int(min(4096, max(16, 4 * np.sqrt(len(sample)))))
    spec = {"ivf": f"IVF{nlist},Flat", "ivf-sq8": f"IVF{nlist},SQ8"}.get(index_type)
    if spec is None:
        raise UnknownChoice(f"unknown index type '{index_type}' (choose flat, ivf or ivf-sq8)")
    inner = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
    inner.train(np.asarray(sample, dtype=np.float32))
    return faiss.IndexIDMap2(inner)
