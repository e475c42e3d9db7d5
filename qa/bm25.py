"""BM25 over term-major posting lists, in segments that are written once and never edited.

Okapi BM25 (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond",
2009) with the Lucene idf, log(1 + (N - df + 0.5) / (df + 0.5)).

A :class:`Segment` holds raw term frequencies of some chunks as a compressed sparse column
matrix (one posting list per term: rows and frequencies), saved as plain ``.npy`` arrays that are
memory-mapped on load, so opening a large index costs almost nothing and several generations of
an index can share one segment file. An index is one or more segments plus a mask of deleted
rows; collection statistics (document frequencies, average length, hence idf and length
normalisation) are computed over the live rows when the index is opened, so adding or removing
documents never re-tokenizes or rewrites the other segments.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75
_ARRAYS = ("ids", "lengths", "indptr", "rows", "tf")


def lucene_idf(df: np.ndarray, n: int) -> np.ndarray:
    """Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)), of every term (zeros for an empty index)."""
    df = np.asarray(df, dtype=np.int64)
    return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32) if n else np.zeros(len(df), np.float32)


@dataclass
class Segment:
    """Term frequencies of a set of chunks, term-major.

    The postings of term ``t`` are ``rows[indptr[t]:indptr[t + 1]]`` (row numbers within the
    segment, ascending) with frequencies ``tf[…]``. Term ids are those of the index's vocabulary;
    a segment written before a term existed simply has no postings for it.
    """

    ids: np.ndarray  # int64 chunk id of each row
    lengths: np.ndarray  # float32 number of terms of each row
    indptr: np.ndarray  # int64, one more than the number of terms the segment knows
    rows: np.ndarray  # int32
    tf: np.ndarray  # float32

    @property
    def n_rows(self) -> int:
        return len(self.ids)

    @property
    def n_terms(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def empty(cls) -> Segment:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.float32),
            np.zeros(1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.float32),
        )

    @classmethod
    def build(cls, ids: Sequence[int], docs: Iterable[Sequence[str]], vocab: dict[str, int]) -> Segment:
        """A segment of new chunks; unknown terms are appended to ``vocab`` (in place).

        ``docs`` may be a generator: term lists are consumed one at a time, so a build of 100k
        chunks never holds tens of millions of token strings at once.
        """
        indptr, indices, data = array("q", [0]), array("i"), array("f")
        for terms in docs:
            for term, count in Counter(terms).items():
                indices.append(vocab.setdefault(term, len(vocab)))
                data.append(count)
            indptr.append(len(indices))
        matrix = sparse.csr_matrix(
            (np.frombuffer(data, np.float32), np.frombuffer(indices, np.int32), np.frombuffer(indptr, np.int64)),
            shape=(len(indptr) - 1, len(vocab)),
        )
        return cls.from_matrix(np.asarray(ids, np.int64), matrix)

    @classmethod
    def from_matrix(cls, ids: np.ndarray, matrix: sparse.spmatrix) -> Segment:
        """From a (rows × terms) matrix of term frequencies."""
        csc = sparse.csc_matrix(matrix, dtype=np.float32)
        csc.sort_indices()
        lengths = np.asarray(csc.sum(axis=1), dtype=np.float32).ravel() if csc.shape[0] else np.zeros(0, np.float32)
        return cls(
            np.asarray(ids, np.int64),
            lengths,
            csc.indptr.astype(np.int64),
            csc.indices.astype(np.int32),
            csc.data.astype(np.float32),
        )

    def matrix(self, n_terms: int) -> sparse.csc_matrix:
        """The (rows × n_terms) term-frequency matrix."""
        indptr = np.asarray(self.indptr)
        if n_terms > self.n_terms:
            indptr = np.concatenate([indptr, np.full(n_terms - self.n_terms, indptr[-1], dtype=np.int64)])
        return sparse.csc_matrix(
            (np.asarray(self.tf), np.asarray(self.rows), indptr), shape=(self.n_rows, n_terms), copy=False
        )

    def df(self, n_terms: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Document frequency of every term, over all rows or only over the ``rows`` given."""
        out = np.zeros(n_terms, dtype=np.int64)
        if rows is None:
            counts = np.diff(np.asarray(self.indptr))
            out[: len(counts)] = counts
            return out
        if len(rows) == 0 or len(self.rows) == 0:
            return out
        selected = np.zeros(self.n_rows, dtype=bool)
        selected[np.asarray(rows)] = True
        positions = np.flatnonzero(selected[np.asarray(self.rows)])
        terms = np.searchsorted(np.asarray(self.indptr), positions, side="right") - 1
        return out + np.bincount(terms, minlength=n_terms)[:n_terms]

    def select(self, keep: np.ndarray, n_terms: int) -> Segment:
        """The rows where ``keep`` is true."""
        if keep.all():
            return self
        return Segment.from_matrix(np.asarray(self.ids)[keep], self.matrix(n_terms).tocsr()[keep])

    @staticmethod
    def concat(parts: Sequence[Segment], n_terms: int) -> Segment:
        """Rows of several segments, in order."""
        parts = [p for p in parts if p.n_rows]
        if not parts:
            return Segment.empty()
        if len(parts) == 1:
            return parts[0]
        matrix = sparse.vstack([p.matrix(n_terms) for p in parts], format="csc")
        return Segment.from_matrix(np.concatenate([np.asarray(p.ids) for p in parts]), matrix)

    def save(self, directory: Path, prefix: str) -> None:
        for name in _ARRAYS:
            np.save(directory / f"{prefix}_{name}.npy", np.asarray(getattr(self, name)))

    @classmethod
    def load(cls, directory: Path, prefix: str, mmap: bool = True) -> Segment:
        mode = "r" if mmap else None
        return cls(*(np.load(directory / f"{prefix}_{name}.npy", mmap_mode=mode) for name in _ARRAYS))

    @staticmethod
    def files(prefix: str) -> list[str]:
        return [f"{prefix}_{name}.npy" for name in _ARRAYS]


class Bm25Index:
    """BM25 scoring over segments, minus deleted rows.

    Rows are numbered across segments in order; ``ids`` are the chunk ids of the live rows, and
    every score array and row mask of the public methods is aligned with ``ids``.

    Args:
        vocab: term → term id.
        segments: the segments, oldest first.
        deleted: chunk ids of rows that are no longer live.
        df: live document frequencies if already known (saves a pass over deleted postings).
    """

    def __init__(
        self,
        vocab: dict[str, int],
        segments: Sequence[Segment],
        deleted: np.ndarray | None = None,
        df: np.ndarray | None = None,
    ):
        self.vocab = vocab
        self.segments = list(segments) or [Segment.empty()]
        self.offsets = np.cumsum([0] + [s.n_rows for s in self.segments])
        all_ids = np.concatenate([np.asarray(s.ids) for s in self.segments])
        alive = np.ones(len(all_ids), dtype=bool)
        if deleted is not None and len(deleted):
            alive &= ~np.isin(all_ids, np.asarray(deleted, dtype=np.int64))
        order = np.argsort(all_ids, kind="stable") if np.any(np.diff(all_ids) < 0) else None
        live = np.flatnonzero(alive) if order is None else order[alive[order]]
        # Rows of the live chunks in id order; None when that is simply every row.
        self._live_rows = None if (order is None and alive.all()) else live
        self.ids = all_ids[live]
        self._alive = alive
        self._prepare(df)

    def _prepare(self, df: np.ndarray | None) -> None:
        n_terms = len(self.vocab)
        if df is None:
            df = np.zeros(n_terms, dtype=np.int64)
            for segment, offset in zip(self.segments, self.offsets, strict=False):
                df += segment.df(n_terms)
                dead = np.flatnonzero(~self._alive[offset : offset + segment.n_rows])
                if dead.size:
                    df -= segment.df(n_terms, dead)
        self.df = np.asarray(df, dtype=np.int64)
        n = len(self.ids)
        self.idf = lucene_idf(self.df, n) if n else np.zeros(n_terms, np.float32)
        lengths = np.concatenate([np.asarray(s.lengths) for s in self.segments])
        avg = max(float(lengths[self._alive].mean()), 1.0) if n else 1.0
        row_norm = (K1 * (1 - B + B * lengths / avg)).astype(np.float32)
        # Per-posting weights, computed once per opened index (avgdl belongs to this generation).
        self._weights = []
        for segment, offset in zip(self.segments, self.offsets, strict=False):
            tf = np.asarray(segment.tf)
            norm = row_norm[offset : offset + segment.n_rows][np.asarray(segment.rows)]
            self._weights.append((tf * (K1 + 1) / (tf + norm)).astype(np.float32))

    # ---- search ---------------------------------------------------------------------------

    def scores(self, terms: Sequence[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every live row for the query terms (0 where masked out)."""
        out = np.zeros(int(self.offsets[-1]), dtype=np.float32)
        for term, count in Counter(terms).items():
            index = self.vocab.get(term)
            if index is None:
                continue
            weight = self.idf[index] * count
            for segment, offset, weights in zip(self.segments, self.offsets, self._weights, strict=False):
                if index >= segment.n_terms:
                    continue
                start, end = segment.indptr[index], segment.indptr[index + 1]
                if end > start:
                    rows = segment.rows[start:end]
                    out[rows + offset if offset else rows] += weight * weights[start:end]
        if self._live_rows is not None:
            out = out[self._live_rows]
        if mask is not None:
            out[~mask] = 0.0
        return out

    def search(self, terms: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, score) with a positive score."""
        scores = self.scores(terms, mask)
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        if positive.size > k:
            # Partial selection first: sorting every matching row is what costs at 100k chunks.
            part = np.argpartition(-scores[positive], k - 1)[:k]
            positive = positive[part]
        top = positive[np.lexsort((positive, -scores[positive]))][:k]
        return [(int(self.ids[i]), float(scores[i])) for i in top]

    def idf_of(self, term: str) -> float:
        index = self.vocab.get(term)
        return float(self.idf[index]) if index is not None else 0.0

    # ---- one in-memory segment (small indexes, tests) --------------------------------------

    @classmethod
    def empty(cls) -> Bm25Index:
        return cls({}, [Segment.empty()])

    def add(self, ids: Sequence[int], docs: Sequence[Sequence[str]]) -> None:
        """Append chunks (their ids and term lists)."""
        vocab = dict(self.vocab)
        new = Segment.build(ids, docs, vocab)
        self._reset(vocab, [self._merged(len(vocab)), new])

    def remove(self, ids: Sequence[int]) -> None:
        """Drop the rows of these chunk ids."""
        merged = self._merged(len(self.vocab))
        keep = ~np.isin(np.asarray(merged.ids), np.asarray(list(ids), dtype=np.int64))
        self._reset(self.vocab, [merged.select(keep, len(self.vocab))])

    def _merged(self, n_terms: int) -> Segment:
        parts = []
        for segment, offset in zip(self.segments, self.offsets, strict=False):
            parts.append(segment.select(self._alive[offset : offset + segment.n_rows], n_terms))
        return Segment.concat(parts, n_terms)

    def _reset(self, vocab: dict[str, int], segments: list[Segment]) -> None:
        self.__init__(vocab, [Segment.concat(segments, len(vocab))])

    def save(self, directory: Path, prefix: str = "bm25") -> None:
        """Write the live rows as one segment, with the vocabulary."""
        self._merged(len(self.vocab)).save(directory, prefix)
        save_vocab(directory / f"{prefix}_vocab.json", self.vocab)

    @classmethod
    def load(cls, directory: Path, prefix: str = "bm25") -> Bm25Index:
        return cls(load_vocab(directory / f"{prefix}_vocab.json"), [Segment.load(directory, prefix)])


def save_vocab(path: Path, vocab: dict[str, int]) -> None:
    """Terms in id order, as a JSON list."""
    path.write_text(json.dumps(sorted(vocab, key=vocab.__getitem__), ensure_ascii=False), encoding="utf-8")


def load_vocab(path: Path) -> dict[str, int]:
    terms = json.loads(path.read_text(encoding="utf-8"))
    return {t: i for i, t in enumerate(terms)}
