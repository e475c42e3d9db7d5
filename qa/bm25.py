"""BM25 over a sparse term-frequency matrix, updatable by rows.

Okapi BM25 (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond",
2009) with the Lucene idf, log(1 + (N - df + 0.5) / (df + 0.5)). Term frequencies are stored
per chunk (rows); weights are derived at load time, so adding or removing documents only edits
rows of the matrix and never re-tokenizes the corpus.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75


class Bm25Index:
    """Term frequencies of chunks (rows keyed by chunk row id) and BM25 scoring."""

    def __init__(self, vocab: dict[str, int], tf: sparse.csr_matrix, ids: np.ndarray):
        self.vocab = vocab
        self.tf = tf.tocsr()
        self.ids = np.asarray(ids, dtype=np.int64)
        self._prepare()

    # ---- construction ---------------------------------------------------------------------

    @classmethod
    def empty(cls) -> Bm25Index:
        return cls({}, sparse.csr_matrix((0, 0), dtype=np.float32), np.zeros(0, dtype=np.int64))

    @staticmethod
    def _rows(vocab: dict[str, int], docs: Sequence[Sequence[str]]) -> tuple[list[int], list[int], list[float]]:
        indptr, indices, data = [0], [], []
        for terms in docs:
            counts = Counter(terms)
            for term, count in counts.items():
                index = vocab.setdefault(term, len(vocab))
                indices.append(index)
                data.append(float(count))
            indptr.append(len(indices))
        return indptr, indices, data

    def add(self, ids: Sequence[int], docs: Sequence[Sequence[str]]) -> None:
        """Append chunks (their ids and term lists)."""
        vocab = dict(self.vocab)
        indptr, indices, data = self._rows(vocab, docs)
        rows = sparse.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(docs), len(vocab)),
        )
        old = self.tf
        old.resize((old.shape[0], len(vocab)))
        self.vocab = vocab
        self.tf = sparse.vstack([old, rows], format="csr")
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self._prepare()

    def remove(self, ids: Sequence[int]) -> None:
        """Drop the rows of these chunk ids."""
        keep = ~np.isin(self.ids, np.asarray(list(ids), dtype=np.int64))
        self.tf = self.tf[keep]
        self.ids = self.ids[keep]
        self._prepare()

    def _prepare(self) -> None:
        n = self.tf.shape[0]
        if n == 0 or self.tf.shape[1] == 0:
            self.idf = np.zeros(self.tf.shape[1], dtype=np.float32)
            self.weights = sparse.csc_matrix(self.tf.shape, dtype=np.float32)
            return
        lengths = np.asarray(self.tf.sum(axis=1)).ravel()
        avg = max(float(lengths.mean()), 1.0)
        df = np.bincount(self.tf.indices, minlength=self.tf.shape[1]).astype(np.float32)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        tf = self.tf.copy()
        row_norm = K1 * (1 - B + B * lengths / avg)
        repeats = np.diff(tf.indptr)
        tf.data = (tf.data * (K1 + 1) / (tf.data + np.repeat(row_norm, repeats))).astype(np.float32)
        self.weights = tf.tocsc()

    # ---- search ---------------------------------------------------------------------------

    def scores(self, terms: Sequence[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every row for the query terms (0 where masked out)."""
        out = np.zeros(self.tf.shape[0], dtype=np.float32)
        for term, count in Counter(terms).items():
            index = self.vocab.get(term)
            if index is None:
                continue
            start, end = self.weights.indptr[index], self.weights.indptr[index + 1]
            rows = self.weights.indices[start:end]
            out[rows] += self.idf[index] * self.weights.data[start:end] * count
        if mask is not None:
            out[~mask] = 0.0
        return out

    def search(self, terms: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, score) with a positive score."""
        scores = self.scores(terms, mask)
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        top = positive[np.argsort(-scores[positive], kind="stable")[:k]]
        return [(int(self.ids[i]), float(scores[i])) for i in top]

    def idf_of(self, term: str) -> float:
        index = self.vocab.get(term)
        return float(self.idf[index]) if index is not None else 0.0

    # ---- persistence ----------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        sparse.save_npz(directory / "bm25_tf.npz", self.tf, compressed=False)
        np.save(directory / "bm25_ids.npy", self.ids)
        (directory / "bm25_vocab.json").write_text(
            json.dumps(sorted(self.vocab, key=self.vocab.__getitem__), ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> Bm25Index:
        terms = json.loads((directory / "bm25_vocab.json").read_text(encoding="utf-8"))
        tf = sparse.load_npz(directory / "bm25_tf.npz").tocsr()
        ids = np.load(directory / "bm25_ids.npy")
        return cls({t: i for i, t in enumerate(terms)}, tf, ids)
