"""The index directory: FAISS vectors, SQLite chunks and metadata, BM25 terms — swapped atomically.

Layout::

    index/
      CURRENT              name of the live generation ("gen-000007")
      gen-000007/          one complete generation, immutable once published
        manifest.json      embedder, model, dimension, index type, counts, source folder
        chunks.sqlite      base segment: documents (original text, metadata) and chunks (text, spans)
        vectors.faiss      its vectors: IndexIDMap2 over chunk ids (exact inner product, or IVF)
        bm25_*.npy         its term frequencies, as posting lists (memory-mapped when read)
        delta.sqlite       documents and chunks written since the base, and the base rows they
                           replace or remove (deleted_chunks, deleted_documents)
        delta_*.npy        their vectors and ids; delta_bm25_*.npy their term frequencies
        bm25_vocab.json    terms; bm25_df.npy their live document frequencies; userdict.txt jieba words

A build writes a fresh base and an empty delta. An update, an upload or a removal writes only a
new delta (the previous delta plus the changed documents) and *hard-links* the base files of the
previous generation, so its cost follows the size of the change, not of the corpus. When the delta
and the deleted rows together pass a twentieth of the index (and at least 1,000 chunks), the
update merges them into a new base instead.

With ``backend: milvus`` (:mod:`qa.milvus`) a generation holds the same SQLite files, the jieba
words and the terms' document frequencies, but no FAISS or BM25 files: vectors and analysed text
live in a Milvus collection named in the manifest.

Every generation is written in a temporary folder, renamed into place, and only then made live by
an atomic rename of CURRENT. No file is modified after it is written — a base file shared by
several generations through hard links is one immutable file — so killing a writer at any moment
leaves the previous generation live and intact, and readers, which load one generation, never see
a half-written one. The previous generation is kept for readers still using it; older ones are
removed (a shared base file lives on while any generation still links it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat as stat_module
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa import docnumber
from qa.bm25 import Bm25Index, Segment, load_vocab, save_vocab
from qa.chunks import Chunk, chunk_meeting, make_chunk, meeting_doc_id
from qa.config import default_cache_dir
from qa.dedupe import Folding, folding_from_db
from qa.embed import CachedEmbedder
from qa.minutes import Meeting, parse_source_meetings
from qa.ocr import OcrOptions
from qa.sentences import unique_sentence_texts
from qa.sources import SUPPORTED_SUFFIXES, SourceError, SourceText, read_source
from qa.tokens import Analyzer, corpus_words, place_words

if TYPE_CHECKING:
    from qa.query import Filters

# 4: chunks.date_partial; one documents row per meeting of a file (<file>#2). 5: chunks.ocr_confidence.
FORMAT_VERSION = 5
# The delta is merged into a new base when it and the deleted rows pass max(MERGE_MIN, chunks / MERGE_FRACTION).
MERGE_MIN = 1000
MERGE_FRACTION = 20
# Files of the base segment, shared between generations by hard links.
BASE_DB, BASE_VECTORS, BASE_BM25 = "chunks.sqlite", "vectors.faiss", "bm25"
BASE_FILES = (BASE_DB, BASE_VECTORS, *Segment.files(BASE_BM25))


class StoreError(Exception):
    """A missing, damaged or incompatible index. ``str(err)`` is one line saying how to fix it."""


# ---------------------------------------------------------------------------------------------
# manifest and schema
# ---------------------------------------------------------------------------------------------


@dataclass
class Manifest:
    """What built a generation, and what is in it."""

    generation: int
    embedder: str
    model: str
    embedder_key: str
    dim: int
    index_type: str = "flat"
    backend: str = "faiss"
    source: str | None = None
    documents: int = 0
    chunks: int = 0
    created: str = ""
    updated: str = ""
    format: int = FORMAT_VERSION
    extra: dict = field(default_factory=dict)
    base_chunks: int = 0  # rows of the base segment (deleted ones included)
    delta_chunks: int = 0  # rows of the delta segment
    deleted: int = 0  # base rows no longer live
    next_cid: int = 1  # chunk ids are never reused

    @classmethod
    def read(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @classmethod
    def load(cls, index_dir: Path, generation_dir: Path, fix: str, backend: str | None = None) -> Manifest:
        """The manifest of a live generation, checked: format this version reads, and ``backend`` if given.

        ``fix`` is the instruction ending the one-line error (e.g. «rebuild it with: qa index build …»).
        """
        try:
            manifest = cls.read(generation_dir / "manifest.json")
        except (OSError, ValueError, TypeError) as exc:  # truncated or hand-edited JSON, wrong fields
            reason = "truncated or invalid JSON" if isinstance(exc, ValueError) else type(exc).__name__
            where = f"{generation_dir.name}/manifest.json"
            raise StoreError(f"index at {index_dir} is damaged ({where}: {reason}); {fix}") from None
        if manifest.format != FORMAT_VERSION:
            raise StoreError(
                f"index at {index_dir} has format {manifest.format} (this version reads {FORMAT_VERSION}); {fix}"
            )
        if backend is not None and manifest.backend != backend:
            raise StoreError(
                f"index at {index_dir} is held by {manifest.backend}, not {backend} (open it with qa.api.open_reader)"
            )
        return manifest

    def write(self, path: Path) -> None:
        _write_atomic(path, json.dumps(asdict(self), ensure_ascii=False, indent=1))


SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, source TEXT, sha256 TEXT, format TEXT, text TEXT,
    meeting TEXT, chunks INTEGER, warnings TEXT, indexed_at TEXT, doc_key TEXT,
    size INTEGER, mtime_ns INTEGER, origin TEXT
);
CREATE INDEX documents_key ON documents(doc_key);
CREATE TABLE chunks (
    cid INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, doc_id TEXT, kind TEXT, item_index INTEGER,
    number TEXT, heading TEXT, text TEXT, start INTEGER, "end" INTEGER, norm TEXT, header TEXT,
    source TEXT, title TEXT, region TEXT, city TEXT, province TEXT, date TEXT, date_int INTEGER,
    meeting TEXT, meeting_number INTEGER, date_partial TEXT, ocr_confidence REAL
);
CREATE INDEX chunks_doc ON chunks(doc_id);
"""

# The delta also records which base rows it replaces or removes.
DELTA_SCHEMA = """
CREATE TABLE deleted_chunks (cid INTEGER PRIMARY KEY);
CREATE TABLE deleted_documents (doc_id TEXT PRIMARY KEY);
"""

# A reader sees base and delta as the two tables every query uses (temp names shadow main ones).
VIEWS = """
CREATE TEMP VIEW chunks AS
    SELECT * FROM main.chunks WHERE cid NOT IN (SELECT cid FROM delta.deleted_chunks)
    UNION ALL SELECT * FROM delta.chunks;
CREATE TEMP VIEW documents AS
    SELECT * FROM main.documents WHERE doc_id NOT IN (SELECT doc_id FROM delta.deleted_documents)
    UNION ALL SELECT * FROM delta.documents;
"""

_CHUNK_COLUMNS = (
    'cid, chunk_id, doc_id, kind, item_index, number, heading, text, start, "end", norm, header, source, title, '
    "region, city, province, date, meeting, meeting_number, date_partial, ocr_confidence"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_atomic(path: Path, content: str, crash_point: str | None = None) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    if crash_point:
        failpoint(crash_point)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# The instants of a write where a crash leaves something behind, for crash tests: a writer started
# with QA_FAILPOINT=<name> kills itself there with SIGKILL (nothing is cleaned up, as in a real crash).
FAILPOINTS = ("before-rename", "after-rename", "pointer-written")


def failpoint(name: str) -> None:
    """Die like ``kill -9`` here when ``$QA_FAILPOINT`` names this instant (crash tests only)."""
    if os.environ.get("QA_FAILPOINT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _date_int(value: str | None) -> int:
    return int(value.replace("-", "")) if value else 0


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


def _uri(path: Path, *options: str) -> str:
    return "file:" + urllib.parse.quote(str(path)) + "?" + "&".join(("mode=ro", *options))


def connect(generation_dir: Path) -> sqlite3.Connection:
    """A generation's base and delta as one read-only connection with ``chunks`` and ``documents`` views."""
    # immutable=1: the files never change once written, so SQLite may skip locking entirely.
    db = sqlite3.connect(_uri(generation_dir / BASE_DB, "immutable=1"), uri=True, check_same_thread=False)
    try:
        db.execute("ATTACH DATABASE ? AS delta", (_uri(generation_dir / "delta.sqlite", "immutable=1"),))
        db.executescript(VIEWS)
    except Exception:
        db.close()
        raise
    return db


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


class GenerationReader:
    """What every backend's reader answers from a generation's SQLite: chunks, documents, lookups.

    Subclasses set ``index_dir``, ``generation_dir``, ``manifest`` and ``db`` (see :func:`connect`).
    """

    index_dir: Path
    generation_dir: Path
    manifest: Manifest
    db: sqlite3.Connection

    @functools.cached_property
    def folding(self) -> Folding:
        """Duplicates and previous versions of meetings in this generation (qa.dedupe): not cited."""
        return folding_from_db(self.db)

    def chunks(self, cids: Sequence[int]) -> list[Chunk]:
        """Chunks by id, in the order asked."""
        if not cids:
            return []
        by_id: dict[int, Chunk] = {}
        cids = list(cids)
        for start in range(0, len(cids), 900):  # SQLite's limit on bound parameters
            part = cids[start : start + 900]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE cid IN ({marks})", part).fetchall()
            by_id.update((row[0], _chunk_from_row(row)) for row in rows)
        return [by_id[c] for c in cids if c in by_id]

    def document(self, doc_id: str) -> dict | None:
        """A document's original text and parsed metadata."""
        row = self.db.execute(
            "SELECT doc_id, source, sha256, format, text, meeting, chunks, warnings FROM documents WHERE doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        return {
            "doc_id": row[0],
            "source": row[1],
            "sha256": row[2],
            "format": row[3],
            "text": row[4],
            "meeting": json.loads(row[5]),
            "chunks": row[6],
            "warnings": json.loads(row[7]),
        }

    def documents(self) -> list[dict]:
        """Every indexed document's metadata (no text), sorted by date."""
        rows = self.db.execute("SELECT doc_id, source, meeting, chunks, warnings, origin FROM documents").fetchall()
        # A file's later meetings («<file>#2») are listed under the file, which is what one deletes.
        parts: dict[str, list[str]] = {}
        for r in rows:
            if r[5] == PART_ORIGIN:
                parts.setdefault(r[0].rsplit("#", 1)[0], []).append(r[0])
        out = [
            {"doc_id": r[0], "source": r[1], "meeting": json.loads(r[2]), "chunks": r[3], "warnings": json.loads(r[4])}
            | ({"parts": sorted(parts[r[0]])} if r[0] in parts else {})
            for r in rows
            if r[5] != PART_ORIGIN
        ]
        for doc in out:  # {"kind": "duplicate" | "version", "of": the record's doc_id} or None
            doc["folded"] = self.folding.of(doc["doc_id"])
        return sorted(out, key=lambda d: (d["meeting"].get("date") or "", d["doc_id"]))

    def find_doc_number(self, number: str) -> list[str]:
        """Documents whose number is ``number`` (any bracket style)."""
        key = docnumber.key(number)
        rows = self.db.execute("SELECT doc_id FROM documents WHERE doc_key = ?", (key,))
        return [r[0] for r in rows if r[0] not in self.folding.folded]

    def document_cids(self, doc_id: str) -> list[int]:
        """Every chunk of one document (meeting), in agenda order."""
        rows = self.db.execute("SELECT cid FROM chunks WHERE doc_id = ? ORDER BY item_index, cid", (doc_id,))
        return [int(r[0]) for r in rows]

    def overview_cids(self, doc_ids: Sequence[str]) -> dict[str, int]:
        """The overview chunk of each document."""
        marks = ",".join("?" * len(doc_ids))
        rows = self.db.execute(
            f"SELECT doc_id, cid FROM chunks WHERE kind = 'overview' AND doc_id IN ({marks})", list(doc_ids)
        ).fetchall()
        return {doc: cid for doc, cid in rows}

    def _stats(self, chunks: int, dates: list[int] | None) -> dict:
        """The statistics every backend reports: counts, regions, date range, embedder, size on disk."""
        size = sum(p.stat().st_size for p in self.generation_dir.iterdir() if p.is_file())
        return {
            "index": str(self.index_dir),
            "generation": self.generation_dir.name,
            "backend": self.manifest.backend,
            "documents": self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            "chunks": chunks,
            "regions": self.regions(),  # type: ignore[attr-defined]
            "date_range": [_iso(dates[0]), _iso(dates[1])] if dates else None,
            "embedder": self.manifest.embedder,
            "model": self.manifest.model,
            "dim": self.manifest.dim,
            "index_type": self.manifest.index_type,
            "source": self.manifest.source,
            "size_bytes": size,
            # Rows of the base that a later write replaced or removed (dropped at the next merge).
            "tombstones": {
                "chunks": self.db.execute("SELECT COUNT(*) FROM delta.deleted_chunks").fetchone()[0],
                "documents": self.db.execute("SELECT COUNT(*) FROM delta.deleted_documents").fetchone()[0],
            },
            "disk_bytes": disk_usage(self.index_dir),
            "generations": sorted(p.name for p in self.index_dir.glob("gen-*") if p.is_dir()),
            "updated": self.manifest.updated,
            "folded": self.folding.counts(),
        }

    def close(self) -> None:
        self.db.close()


def disk_usage(directory: Path) -> int:
    """Bytes of every file under ``directory``, a file hard-linked by several generations once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            with contextlib.suppress(OSError):
                st = os.lstat(os.path.join(root, name))
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_size
    return total


def _iso(value: int) -> str:
    text = str(value)
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


class IndexReader(GenerationReader):
    """One generation of a FAISS-backed index, loaded for searching. Immutable once open.

    Retrieval methods take a *restriction* made by :meth:`restrict` from question filters (here a
    boolean mask over the chunks; the Milvus reader makes a filter expression instead), so the
    searcher never needs to know which backend it runs on.
    """

    native_hybrid = False  # the searcher fuses dense and BM25 ranks itself

    def __init__(self, index_dir: Path | str):
        import faiss

        self.index_dir = Path(index_dir)
        self.generation_dir = current_generation(self.index_dir)
        fix = f"rebuild it with: qa index build --index {self.index_dir}"
        generation = self.generation_dir
        try:
            self.manifest = Manifest.load(self.index_dir, generation, fix, backend="faiss")
            self.db = connect(generation)
            deleted = np.asarray(
                [r[0] for r in self.db.execute("SELECT cid FROM delta.deleted_chunks")], dtype=np.int64
            )
            self.vectors = faiss.read_index(str(generation / BASE_VECTORS))
            self._delta_ids = np.load(generation / "delta_ids.npy")
            self._delta_vectors = np.load(generation / "delta_vectors.npy")
            self.bm25 = Bm25Index(
                load_vocab(generation / "bm25_vocab.json"),
                [Segment.load(generation, BASE_BM25), Segment.load(generation, "delta_bm25")],
                deleted,
                np.load(generation / "bm25_df.npy"),
            )
            self.analyzer = shared_analyzer(_read_words(generation / "userdict.txt"))
            self.meta = self._load_meta()
            live_vectors = self._prepare_dense(deleted)
        except Exception as exc:
            if hasattr(self, "db"):
                self.db.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"index at {self.index_dir} is damaged ({type(exc).__name__}: {exc}); {fix}") from None
        counts = (len(self.meta.cids), live_vectors, len(self.bm25.ids), self.manifest.chunks)
        problem = None
        if len(set(counts)) != 1:
            problem = f"chunk counts disagree: {counts}"
        elif not (np.array_equal(self.bm25.ids, self.meta.cids) and np.array_equal(self._dense_ids, self.meta.cids)):
            problem = "chunk ids disagree"
        if problem:
            self.db.close()
            raise StoreError(f"index at {self.index_dir} is damaged ({problem}); {fix}")

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

    # ---- queries ----------------------------------------------------------------------------

    def regions(self) -> list[str]:
        return sorted({r for r in self.meta.region if r})

    def places(self) -> list[tuple[str, str, str]]:
        """Distinct (region, city, province) of the chunks, in chunk order (regions known only)."""
        seen: dict[tuple[str, str, str], None] = {}
        for triple in zip(self.meta.region, self.meta.city, self.meta.province, strict=True):
            if triple[0]:
                seen.setdefault(triple, None)
        return list(seen)

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

    def matches_none(self, mask: np.ndarray | None) -> bool:
        """Whether a restriction is known to leave no chunk."""
        return mask is not None and not mask.any()

    def overviews(self, mask: np.ndarray | None, k: int) -> list[int]:
        """The first ``k`` meeting overviews (by chunk id) passing a restriction (``None``: all)."""
        keep = self.meta.overview if mask is None else mask & self.meta.overview
        return [int(c) for c in self.meta.cids[keep][:k]]

    def agenda(self, mask: np.ndarray, max_documents: int = 20) -> list[int]:
        """Chunk ids of the first ``max_documents`` documents (by id) with chunks passing a restriction."""
        docs = sorted(set(self.meta.doc_ids[mask]))[:max_documents]
        return [int(c) for c in self.meta.cids[mask & self.meta.of_documents(docs)]]

    def text_search(self, text: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score) for a text, analysed as the chunks were."""
        return self.lexical_search(self.analyzer.terms(text), k, mask)

    def dense_search(self, vector: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, inner product) among chunks passing ``mask``."""
        n = len(self.meta.cids)
        if n == 0 or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if not self._exact:
            return self._ivf_search(query, k, mask)
        candidates = None
        if mask is not None:
            candidates = np.flatnonzero(mask)
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

    def lexical_search(self, terms: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score)."""
        # The BM25 index's live rows are the metadata's rows (both in chunk id order).
        return self.bm25.search(terms, k, mask)

    def stats(self) -> dict:
        """Counts, regions, date range, embedder and size on disk."""
        dates = self.meta.date[self.meta.date > 0]
        return self._stats(len(self.meta.cids), [int(dates.min()), int(dates.max())] if dates.size else None)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest scores, best first (ties: lower position first)."""
    part = np.argpartition(-scores, k - 1)[:k] if scores.size > k else np.arange(scores.size)
    return part[np.lexsort((part, -scores[part]))]


def _chunk_from_row(row: Sequence) -> Chunk:
    """A chunk from a row of ``_CHUNK_COLUMNS``: the row id, then the Chunk fields in order."""
    chunk = Chunk(*row[1:])
    chunk.cid = row[0]  # type: ignore[attr-defined]
    return chunk


def current_generation(index_dir: Path) -> Path:
    """The live generation folder, or a one-line error naming the command that fixes it."""
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        raise StoreError(f"no index at {index_dir}: build one with: qa index build --index {index_dir}")
    name = pointer.read_text(encoding="utf-8").strip()
    path = index_dir / name
    if not name or not (path / "manifest.json").exists():
        raise StoreError(
            f"index at {index_dir} is damaged (CURRENT points to missing '{name}'); "
            f"rebuild it with: qa index build --index {index_dir}"
        )
    return path


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


@dataclass
class FileError:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class WriteReport:
    """What a build or update did."""

    generation: str = ""
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[FileError] = field(default_factory=list)
    # Accepted files whose text a limit cut or re-chunked (one line each), and unsupported files skipped.
    warnings: list[FileError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    cache_hits: int = 0
    timings: dict[str, float] = field(default_factory=dict)


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index directory (readers never wait)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"another build or update of {index_dir} is running; try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# documents.origin of the second and later meetings of one file (rows «<file>#2» …).
PART_ORIGIN = "part"


@dataclass
class Document:
    """A parsed source file ready to be indexed."""

    doc_id: str
    meeting: Meeting  # the first (usually only) meeting of the file
    chunks: list[Chunk]  # of every meeting: doc_id «<file>» for the first, «<file>#2» … for the others
    # (size, mtime_ns) of the file when it was read; mtime None when too recent to trust.
    stat: tuple[int, int | None] | None = None
    # "folder": read from the source folder (an update drops it when the file goes); "upload": given
    # as bytes (the web page), kept until removed explicitly.
    origin: str = "folder"
    # Every meeting the file reports (issue 12), when more than one; empty for one meeting.
    meetings: list[Meeting] = field(default_factory=list)
    # What the limits cut or added (also in meeting.warnings): one line each, shown by the CLI.
    notices: list[str] = field(default_factory=list)


def _file_stat(path: Path) -> tuple[int, int | None] | None:
    """Size and modification time, the time left out when it is within two seconds of now.

    An update trusts an unchanged (size, mtime) without reading the file; a file written twice
    within the clock's granularity could keep both, so a recent mtime is not recorded (git's
    «racy clean» problem) and the file is hashed next time.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    recent = st.st_mtime_ns > time.time_ns() - 2_000_000_000
    return st.st_size, None if recent else st.st_mtime_ns


def scan_sources(folder: Path, skipped: list[str] | None = None) -> dict[str, tuple[Path, os.stat_result]]:
    """Supported files under ``folder`` by relative path, with their stat (what :func:`iter_source_files`
    yields — hidden files and folders skipped — in a tenth of the time on 10,000 files).

    ``skipped``, when given, receives the relative paths of visible files of other types.
    """
    out: dict[str, tuple[Path, os.stat_result]] = {}
    root = str(folder)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        relative = os.path.relpath(dirpath, root)
        for name in filenames:
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() not in SUPPORTED_SUFFIXES:
                if skipped is not None:
                    skipped.append(name if relative == "." else os.path.join(relative, name))
                continue
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if stat_module.S_ISREG(st.st_mode):
                out[name if relative == "." else os.path.join(relative, name)] = (Path(path), st)
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------------------------
# limits: every character of an accepted document is chunked, or named in a warning
# ---------------------------------------------------------------------------------------------

# Characters of a document that are indexed (real minutes are 1,000-20,000): the rest is cut with a
# warning, so that one huge file cannot take hours of embedding or gigabytes of memory.
MAX_DOCUMENT_CHARS = 200_000
# A chunk longer than this (an item without sentence ends, a 2 MB single line) is cut into windows.
MAX_CHUNK_CHARS = 2_000
# Text outside every agenda item (attendee lists, footers) is metadata up to this length; a longer
# stretch (a second meeting the parser missed, a long unnumbered body) becomes chunks of its own.
MAX_UNCHUNKED_CHARS = 1_500
WINDOW_CHARS = 700
GAP_HEADING = "正文（未分议题）"


def limit_text(source: SourceText, limit: int = MAX_DOCUMENT_CHARS) -> str | None:
    """Cut an over-long text at ``limit`` characters (at a line end when one is near); the warning, or None."""
    total = len(source.text)
    if total <= limit:
        return None
    cut = source.text.rfind("\n", int(limit * 0.9), limit)
    cut = cut if cut > 0 else limit
    source.text = source.text[:cut]
    return (
        f"text cut at character {cut:,} of {total:,}: a document is indexed up to {limit:,} characters "
        f"(the last {total - cut:,} are not searchable)"
    )


def cover(meeting: Meeting, chunks: list[Chunk], doc_id: str) -> tuple[list[Chunk], list[str]]:
    """Chunks covering every long stretch of the text, each at most :data:`MAX_CHUNK_CHARS` long.

    Returns the chunks (the parser's, over-long ones cut into windows, plus chunks for long text
    outside every item) and one warning per change made.
    """
    from qa.normalize import normalize

    notes: list[str] = []
    out: list[Chunk] = []
    for chunk in chunks:
        if len(chunk.text) <= MAX_CHUNK_CHARS:
            out.append(chunk)
            continue
        windows = _windows(meeting.text, chunk.start, chunk.end)
        notes.append(
            f"item «{chunk.heading[:30]}» ({chunk.end - chunk.start:,} characters) cut into {len(windows)} parts "
            f"of at most {MAX_CHUNK_CHARS:,}"
        )
        for n, (start, end) in enumerate(windows):
            text = meeting.text[start:end]
            norm = normalize(text).text
            if n and chunk.number:
                norm = f"{chunk.number}、{chunk.heading}\n{norm}"
            out.append(replace(chunk, chunk_id=f"{chunk.chunk_id}~{n}", text=text, start=start, end=end, norm=norm))
    # Stretches outside every chunk.
    spans = sorted((c.start, c.end) for c in out)
    gaps, position = [], 0
    for start, end in [*spans, (len(meeting.text), len(meeting.text))]:
        if start > position and len(meeting.text[position:start].strip()) > MAX_UNCHUNKED_CHARS:
            gaps.append((position, start))
        position = max(position, end)
    header = " ".join(p for p in (meeting.region, meeting.date, meeting.meeting, GAP_HEADING) if p)
    index = max((c.item_index for c in out), default=0) + 1
    for gap_no, (gap_start, gap_end) in enumerate(gaps):
        windows = _windows(meeting.text, gap_start, gap_end)
        notes.append(
            f"characters {gap_start:,}-{gap_end:,} are outside every recognised agenda item: indexed as "
            f"{len(windows)} passages headed {GAP_HEADING}"
        )
        for n, (start, end) in enumerate(windows):
            chunk_id = f"{doc_id}:gap{gap_no}.{n}"
            out.append(make_chunk(meeting, doc_id, chunk_id, "item", index, None, GAP_HEADING, start, end, header))
        index += 1
    return out, notes


_WINDOW_END = re.compile(r"[。！？!?；;]|\n")


def _windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of about WINDOW_CHARS (never more than MAX_CHUNK_CHARS) covering [start, end), cut after a
    sentence end or line break when there is one, else hard."""
    cuts, position = [], start
    while end - position > WINDOW_CHARS:
        limit = min(end, position + MAX_CHUNK_CHARS)
        match = _WINDOW_END.search(text, position + WINDOW_CHARS, limit)
        cut = match.end() if match else position + WINDOW_CHARS
        cuts.append((position, cut))
        position = cut
    if position < end:
        if cuts and end - position < WINDOW_CHARS // 4:
            cuts[-1] = (cuts[-1][0], end)
        else:
            cuts.append((position, end))
    return cuts


# Fields of a parsed meeting that a person may correct before adding (the web's upload preview).
CORRECTABLE = {"region": str, "meeting_number": int, "date": str, "chair": str}


def apply_corrections(meeting, fields: Mapping[str, object] | None):
    """The meeting with the fields a person corrected (``CORRECTABLE`` only), noted in its warnings.

    Applied before chunking, so that the chunks' context headers carry the corrected values.
    """
    changes = {k: v for k, v in (fields or {}).items() if k in CORRECTABLE and v != getattr(meeting, k)}
    if not changes:
        return meeting
    meeting = dataclasses.replace(meeting, **changes)
    if "date" in changes:
        meeting.date_inferred = False
    if "region" in changes:
        meeting.region_inferred_from = None
    meeting.warnings = [*meeting.warnings, "corrected by hand: " + ", ".join(sorted(changes))]
    return meeting


def parse_documents(
    files: Sequence[tuple[str, Path | bytes]],
    progress: Callable[[], None] | None = None,
    corrections: Mapping[str, Mapping[str, object]] | None = None,
    ocr_progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[Document], list[FileError]]:
    """Parse (doc_id, path or bytes) pairs; unreadable files become one-line errors.

    ``ocr_progress(file, pages done, pages)`` hears of scanned pages being OCR'd (default: a bar on stderr).
    What the limits cut or add is recorded in each document's ``notices`` (and its warnings).
    """
    documents: list[Document] = []
    errors: list[FileError] = []
    ocr = OcrOptions(default_cache_dir(), progress=ocr_progress) if ocr_progress else None
    for doc_id, item in files:
        try:
            stat = None if isinstance(item, bytes) else _file_stat(item)  # before reading: a later write shows
            source = read_source(doc_id, item, ocr=ocr) if isinstance(item, bytes) else read_source(item, ocr=ocr)
            source.path = doc_id
            cut = limit_text(source)
            meetings = parse_source_meetings(source)
            # A person's corrections (upload preview) are of the meeting shown: the first one.
            meetings[0] = apply_corrections(meetings[0], (corrections or {}).get(doc_id))
            chunks = [c for m in meetings for c in chunk_meeting(m, doc_id)]
            chunks, notes = cover(meetings[0], chunks, doc_id)
            notices = ([cut] if cut else []) + notes
            meetings[0].warnings.extend(notices)
            several = meetings if len(meetings) > 1 else []
            documents.append(Document(doc_id, meetings[0], chunks, stat, meetings=several, notices=notices))
        except SourceError as exc:
            errors.append(FileError(doc_id, exc.reason))
        except Exception as exc:  # a parser bug must not take the whole batch down
            errors.append(FileError(doc_id, f"could not be parsed ({type(exc).__name__}: {exc})"))
        if progress:
            progress()
    return documents, errors


class _Previous:
    """The live generation as a writer needs it: its manifest and SQL, no vectors or postings loaded."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self.generation_dir = current_generation(index_dir)
        self.manifest = Manifest.load(
            index_dir, self.generation_dir, f"rebuild it with: qa index build --index {index_dir}"
        )
        try:
            self.db = connect(self.generation_dir)
        except sqlite3.Error as exc:
            raise StoreError(
                f"index at {index_dir} is damaged ({exc}); rebuild it with: qa index build --index {index_dir}"
            ) from None

    def close(self) -> None:
        self.db.close()


class IndexWriter:
    """Builds a new generation from a previous one (or from nothing) and publishes it atomically.

    This class keeps vectors in FAISS and terms in BM25 postings; :class:`qa.milvus.MilvusIndexWriter`
    overrides the ``_write_base``/``_write_delta``/``_sync``/``_published`` hooks to keep them in Milvus.
    """

    backend = "faiss"
    base_files: tuple[str, ...] = BASE_FILES  # base files shared by hard links with the next generation

    def __init__(
        self,
        index_dir: Path | str,
        embedder: CachedEmbedder,
        index_type: str = "flat",
        show_progress: bool = True,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        """Args:
        index_dir: the index directory.
        embedder: the (cached) embedder; an existing index must have been built with the same one.
        index_type: FAISS index for a fresh build: flat (exact), ivf or ivf-sq8.
        show_progress: tqdm bars on stderr.
        progress: called as ``progress(stage, done, total)`` while parsing and embedding (stage is
            "parsing" or "embedding"), and once as ``progress("writing", 0, 0)`` — for a UI.
        """
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.index_type = index_type
        self.show_progress = show_progress
        self.on_progress = progress

    # ---- public operations -----------------------------------------------------------------

    def build(
        self,
        source_dir: Path | str,
        uploads: Sequence[tuple[str, Path | bytes]] = (),
        corrections: Mapping[str, Mapping[str, object]] | None = None,
    ) -> WriteReport:
        """Index every supported file under ``source_dir`` into a fresh generation.

        ``uploads`` (name, bytes) are indexed with them, in the same generation, as uploaded
        documents (an update of the folder keeps them).
        """
        source_dir = Path(source_dir)
        if not source_dir.is_dir():
            raise StoreError(f"source folder {source_dir} does not exist")
        skipped: list[str] = []
        scanned = scan_sources(source_dir, skipped)
        files: list[tuple[str, Path | bytes]] = [(d, path) for d, (path, _st) in scanned.items()]
        uploaded = {name for name, _data in uploads}
        files = [f for f in files if f[0] not in uploaded] + _unique(uploads)  # type: ignore[arg-type]
        with writer_lock(self.index_dir):
            report = WriteReport(skipped=sorted(skipped))
            documents = self._parse(files, report, corrections)
            for document in documents:
                if document.doc_id in uploaded:
                    document.origin = "upload"
            report.added = [d.doc_id for d in documents]
            self._write(previous=None, add=documents, remove=[], source=str(source_dir), report=report)
            return report

    def update(
        self,
        source_dir: Path | str | None = None,
        uploads: Sequence[tuple[str, Path | bytes]] = (),
        corrections: Mapping[str, Mapping[str, object]] | None = None,
    ) -> WriteReport:
        """Add new and changed files, drop deleted ones; unchanged chunks are not re-embedded.

        Uploaded documents are never touched by the folder: a folder file with an uploaded
        document's name is skipped (the upload replaced it), and one missing from the folder is
        kept. ``uploads`` (name, path or bytes: the kept originals) are indexed as uploads when the
        index lacks them or holds other content under their name (an index built without them),
        with their ``corrections`` (name → corrected fields).
        """
        with writer_lock(self.index_dir):
            _clean_stale(self.index_dir)
            previous = _Previous(self.index_dir)
            try:
                self._check_backend(previous.manifest)
                self._check_embedder(previous.manifest)
                folder = Path(source_dir or previous.manifest.source or "")
                if not folder.is_dir():
                    raise StoreError(f"source folder {folder} does not exist")
                rows = previous.db.execute("SELECT doc_id, sha256, size, mtime_ns, origin FROM documents")
                known, uploaded = {}, {}
                for doc_id, sha256, size, mtime_ns, origin in rows:
                    if origin == PART_ORIGIN:
                        continue  # a later meeting of a file: follows the file's own row
                    if origin == "upload":
                        uploaded[doc_id] = sha256  # not from the folder: its absence there means nothing
                    else:
                        known[doc_id] = (sha256, size, mtime_ns)
                skipped: list[str] = []
                report = WriteReport()
                kept = _unique(uploads)  # type: ignore[arg-type]
                upload_todo = [(n, d) for n, d in kept if uploaded.get(n) != _sha256_of(d)]
                shadowed = set(uploaded) | {n for n, _d in kept}
                on_disk = {k: v for k, v in scan_sources(folder, skipped).items() if k not in shadowed}
                report.skipped = sorted(skipped)
                todo = []
                for doc_id, (path, st) in on_disk.items():
                    sha256, size, mtime_ns = known.get(doc_id, (None, None, None))
                    # Same size and modification time: unchanged without reading it (as git does).
                    same_stat = mtime_ns is not None and (size, mtime_ns) == (st.st_size, st.st_mtime_ns)
                    if same_stat or (sha256 is not None and sha256 == _sha256_file(path)):
                        report.unchanged += 1
                    else:
                        todo.append((doc_id, path))
                uploading = {n for n, _d in upload_todo}
                documents = self._parse(
                    todo + upload_todo, report, {k: v for k, v in (corrections or {}).items() if k in uploading}
                )
                for document in documents:
                    if document.doc_id in shadowed:
                        document.origin = "upload"
                report.added = [d.doc_id for d in documents if d.doc_id not in known and d.doc_id not in uploaded]
                report.changed = [d.doc_id for d in documents if d.doc_id in known or d.doc_id in uploaded]
                # A folder document an upload now replaces is "changed" (above), not removed.
                report.removed = sorted(set(known) - set(on_disk) - shadowed)
                if not (documents or report.removed):
                    report.generation = previous.generation_dir.name
                    return report
                self._write(previous, documents, report.changed + report.removed, str(folder), report)
                return report
            finally:
                previous.close()

    def add_files(
        self, files: Sequence[tuple[str, bytes]], corrections: Mapping[str, Mapping[str, object]] | None = None
    ) -> WriteReport:
        """Add or replace documents given as (name, bytes), e.g. uploads; bad files are reported.

        ``corrections`` maps a name to fields a person corrected before adding (see
        :func:`apply_corrections`).
        """
        with writer_lock(self.index_dir):
            report = WriteReport()
            documents = self._parse(_unique(files), report, corrections)
            for document in documents:
                document.origin = "upload"
            previous = _Previous(self.index_dir) if (self.index_dir / "CURRENT").exists() else None
            try:
                if previous:
                    self._check_backend(previous.manifest)
                    self._check_embedder(previous.manifest)
                known = set()
                if previous:
                    known = {r[0] for r in previous.db.execute("SELECT doc_id FROM documents")}
                report.added = [d.doc_id for d in documents if d.doc_id not in known]
                report.changed = [d.doc_id for d in documents if d.doc_id in known]
                if documents:
                    source = previous.manifest.source if previous else None
                    self._write(previous, documents, report.changed, source, report)
                return report
            finally:
                if previous:
                    previous.close()

    def remove_documents(self, doc_ids: Sequence[str]) -> WriteReport:
        """Drop documents from the index."""
        with writer_lock(self.index_dir):
            previous = _Previous(self.index_dir)
            try:
                self._check_backend(previous.manifest)
                known = {r[0] for r in previous.db.execute("SELECT doc_id FROM documents")}
                missing = [d for d in doc_ids if d not in known]
                if missing:
                    raise StoreError(f"not in the index: {', '.join(missing)}")
                report = WriteReport(removed=list(doc_ids))
                # A real deletion: a new base without the rows (not a tombstone in the delta over a
                # hard-linked base that still holds the text), freed pages zeroed, and no earlier
                # generation kept (each still holds the text).
                self._write(previous, [], list(doc_ids), previous.manifest.source, report, purge=True)
                return report
            finally:
                previous.close()

    # ---- internals -------------------------------------------------------------------------

    def _check_backend(self, manifest: Manifest) -> None:
        if manifest.backend != self.backend:
            raise StoreError(
                f"index at {self.index_dir} is held by {manifest.backend}, not {self.backend}: to move it, "
                f"rebuild with: qa index build --backend {self.backend} --index {self.index_dir}"
            )

    def _check_embedder(self, manifest: Manifest) -> None:
        if manifest.embedder_key != self.embedder.key:
            raise StoreError(
                f"index at {self.index_dir} was built with {manifest.embedder} ({manifest.model}); "
                f"this run uses {self.embedder.name} ({self.embedder.model}): use the same embedder, "
                f"or rebuild with: qa index build --index {self.index_dir}"
            )

    def _progress(self, total: int, desc: str):
        from tqdm import tqdm

        bar = tqdm(
            total=total,
            desc=desc,
            unit="file" if "pars" in desc else "chunk",
            disable=not self.show_progress,
            leave=False,
            dynamic_ncols=True,
        )
        callback = self.on_progress
        if callback is None:
            return bar
        callback(desc, 0, total)
        update = bar.update
        done = [0]  # counted here: a disabled tqdm (no terminal bar) does not count its updates

        def tracked(n: int | float | None = 1) -> bool | None:
            result = update(n)
            done[0] += n or 0
            callback(desc, min(total, int(done[0])), total)
            return result

        bar.update = tracked  # type: ignore[method-assign]
        return bar

    def _parse(
        self,
        files: list[tuple[str, Path | bytes]],
        report: WriteReport,
        corrections: Mapping[str, Mapping[str, object]] | None = None,
    ) -> list[Document]:
        started = time.perf_counter()
        with self._progress(len(files), "parsing") as bar:
            # Scanned pages are OCR'd while parsing (seconds each): the web page shows them page by page.
            callback = self.on_progress
            ocr_progress = None
            if callback is not None:
                ocr_progress = lambda name, done, total: callback(f"OCR {Path(name).name}", done, total)  # noqa: E731
            documents, errors = parse_documents(
                files, progress=lambda: bar.update(1), corrections=corrections, ocr_progress=ocr_progress
            )
        report.errors.extend(errors)
        report.warnings.extend(FileError(d.doc_id, note) for d in documents for note in d.notices)
        report.timings["parse"] = time.perf_counter() - started
        return documents

    def _write(
        self,
        previous: _Previous | None,
        add: list[Document],
        remove: list[str],
        source: str | None,
        report: WriteReport,
        purge: bool = False,
    ) -> None:
        started = time.perf_counter()
        self._purging = purge
        self.index_dir.mkdir(parents=True, exist_ok=True)
        _clean_stale(self.index_dir)
        generation = (previous.manifest.generation + 1) if previous else _next_generation(self.index_dir)
        name = f"gen-{generation:06d}"
        tmp = self.index_dir / f".{name}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        try:
            replaced = set(remove) | {d.doc_id for d in add}
            if previous:
                # The later meetings of a replaced or removed file go with it.
                parts = previous.db.execute("SELECT doc_id FROM documents WHERE origin = ?", (PART_ORIGIN,))
                replaced |= {r[0] for r in parts if r[0].rsplit("#", 1)[0] in replaced}
            change = _Change(add, replaced)
            if previous and change.replaced:
                marks = ",".join("?" * len(change.replaced))
                replaced = list(change.replaced)
                change.drop_base = [
                    r[0]
                    for r in previous.db.execute(
                        f"SELECT cid FROM main.chunks WHERE doc_id IN ({marks}) "
                        "AND cid NOT IN (SELECT cid FROM delta.deleted_chunks)",
                        replaced,
                    )
                ]
                change.drop_base_docs = [
                    r[0]
                    for r in previous.db.execute(
                        f"SELECT doc_id FROM main.documents WHERE doc_id IN ({marks}) "
                        "AND doc_id NOT IN (SELECT doc_id FROM delta.deleted_documents)",
                        replaced,
                    )
                ]
                change.drop_delta = [
                    r[0]
                    for r in previous.db.execute(f"SELECT cid FROM delta.chunks WHERE doc_id IN ({marks})", replaced)
                ]
            next_cid = previous.manifest.next_cid if previous else 1
            change.cids = list(range(next_cid, next_cid + len(change.chunks)))
            # Embed (cache first).
            embed_started = time.perf_counter()
            hits_before = self.embedder.cache.stats.hits if self.embedder.cache else 0
            embedded_before = getattr(self.embedder, "embedded", 0)
            with self._progress(len(change.chunks), "embedding") as bar:
                change.vectors = self.embedder.embed_passages(
                    [c.embed_text() for c in change.chunks], progress=bar.update
                )
            report.cache_hits = (self.embedder.cache.stats.hits - hits_before) if self.embedder.cache else 0
            # Texts the model actually embedded: identical chunks in one batch are embedded once.
            report.chunks_embedded = getattr(self.embedder, "embedded", 0) - embedded_before
            # Sentence vectors too (into the embedding cache): answers choose their quote by meaning.
            sentences = unique_sentence_texts(change.chunks)
            with self._progress(len(sentences), "sentences") as bar:
                self.embedder.embed_passages(sentences, progress=bar.update)
            report.timings["embed"] = time.perf_counter() - embed_started
            if self.on_progress:
                self.on_progress("writing", 0, 0)
            index_started = time.perf_counter()
            # Terms.
            words = _read_words(previous.generation_dir / "userdict.txt") if previous else place_words()
            words |= corpus_words(
                (c.norm for c in change.chunks), extra=[o.unit for d in add for o in d.meeting.observers]
            )
            analyzer = change.analyzer = shared_analyzer(words)
            analyzer.save(tmp / "userdict.txt")
            vocab = load_vocab(previous.generation_dir / "bm25_vocab.json") if previous else {}
            change.segment = Segment.build(
                change.cids, (analyzer.terms(f"{c.header}\n{c.norm}") for c in change.chunks), vocab
            )
            if previous is None or purge or _merge_due(previous.manifest, change):
                df, counts = self._write_base(previous, tmp, change, len(vocab))
            else:
                df, counts = self._write_delta(previous, tmp, change, len(vocab))
            save_vocab(tmp / "bm25_vocab.json", vocab)
            np.save(tmp / "bm25_df.npy", df)
            check = connect(tmp)
            try:
                documents = check.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
                total = check.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            finally:
                check.close()
            manifest = Manifest(
                generation=generation,
                embedder=self.embedder.name,
                model=self.embedder.model,
                embedder_key=self.embedder.key,
                dim=self.embedder.dim,
                index_type=previous.manifest.index_type if previous else self.index_type,
                backend=self.backend,
                source=source,
                documents=documents,
                chunks=total,
                created=previous.manifest.created if previous else _now(),
                updated=_now(),
                extra=self._manifest_extra(previous, generation),
                next_cid=next_cid + len(change.chunks),
                **counts,
            )
            for path in tmp.iterdir():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
            manifest.write(tmp / "manifest.json")
            self._sync(previous, change, manifest)
            report.timings["index"] = time.perf_counter() - index_started
            final = self.index_dir / name
            if final.exists():
                shutil.rmtree(final)
            failpoint("before-rename")
            os.rename(tmp, final)
            _fsync_dir(self.index_dir)
            failpoint("after-rename")
            _write_atomic(self.index_dir / "CURRENT", name + "\n", crash_point="pointer-written")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            self._abandoned(previous, generation)
            raise
        report.generation = name
        report.timings["write"] = time.perf_counter() - started
        _prune(self.index_dir, keep=name, purge=purge)
        self._published(manifest)

    # ---- backend hooks (FAISS: vectors and postings are files of the generation) -------------

    def _manifest_extra(self, previous: _Previous | None, generation: int) -> dict:
        """Backend settings recorded in the manifest."""
        return previous.manifest.extra if previous else {"nprobe": 16}

    def _sync(self, previous: _Previous | None, change: _Change, manifest: Manifest) -> None:
        """Bring external storage up to date; called when the generation is complete, before it goes live."""

    def _abandoned(self, previous: _Previous | None, generation: int) -> None:
        """A write failed before going live: undo what it started outside the index directory."""

    def _published(self, manifest: Manifest) -> None:
        """A generation went live (and older ones were pruned)."""

    def _write_base(self, previous: _Previous | None, tmp: Path, change: _Change, n_terms: int):
        """A new base holding every live chunk (the previous base and delta merged), and an empty delta."""
        import faiss

        self._write_base_rows(previous, tmp, change)
        _empty_delta_arrays(tmp, self.embedder.dim)
        # Vectors.
        if previous:
            index = faiss.read_index(str(previous.generation_dir / BASE_VECTORS))
            deleted = _deleted_cids(previous) + change.drop_base
            if deleted:
                index.remove_ids(np.asarray(deleted, dtype=np.int64))
            delta_ids, delta_vectors = _delta_vectors(previous)
            keep = ~np.isin(delta_ids, change.drop_delta)
            if keep.any():
                index.add_with_ids(delta_vectors[keep], delta_ids[keep])
        else:
            index = _new_faiss(self.index_type, self.embedder.dim, change.vectors)
        if change.chunks:
            index.add_with_ids(change.vectors, np.asarray(change.cids, dtype=np.int64))
        faiss.write_index(index, str(tmp / BASE_VECTORS))
        # Terms.
        parts = []
        if previous:
            base = Segment.load(previous.generation_dir, BASE_BM25)
            dead = np.asarray(_deleted_cids(previous) + change.drop_base, dtype=np.int64)
            parts.append(base.select(~np.isin(np.asarray(base.ids), dead), n_terms))
            delta = Segment.load(previous.generation_dir, "delta_bm25", mmap=False)
            parts.append(delta.select(~np.isin(delta.ids, change.drop_delta), n_terms))
        parts.append(change.segment)
        merged = Segment.concat(parts, n_terms)
        merged.save(tmp, BASE_BM25)
        return merged.df(n_terms), {"base_chunks": merged.n_rows, "delta_chunks": 0, "deleted": 0}

    def _write_base_rows(self, previous: _Previous | None, tmp: Path, change: _Change) -> None:
        """The base SQLite of every live document and chunk, and an empty delta SQLite."""
        db = sqlite3.connect(tmp / BASE_DB)
        try:
            if previous:
                # The old database is copied (never modified): readers may still be using it.
                src = sqlite3.connect(_uri(previous.generation_dir / BASE_DB), uri=True)
                src.backup(db)
                src.close()
                # Deleted rows are overwritten with zeros, not left in free pages of the file.
                db.execute("PRAGMA secure_delete = ON")
                db.execute("ATTACH DATABASE ? AS old", (_uri(previous.generation_dir / "delta.sqlite"),))
                _temp_ids(db, change)
                db.execute(
                    "DELETE FROM main.chunks WHERE cid IN (SELECT cid FROM old.deleted_chunks) "
                    "OR cid IN (SELECT cid FROM gone_chunks)"
                )
                db.execute(
                    "DELETE FROM main.documents WHERE doc_id IN (SELECT doc_id FROM old.deleted_documents) "
                    "OR doc_id IN (SELECT doc_id FROM gone_documents)"
                )
                db.execute(
                    "INSERT INTO main.chunks SELECT * FROM old.chunks "
                    "WHERE doc_id NOT IN (SELECT doc_id FROM gone_documents)"
                )
                db.execute(
                    "INSERT INTO main.documents SELECT * FROM old.documents "
                    "WHERE doc_id NOT IN (SELECT doc_id FROM gone_documents)"
                )
                db.commit()
                db.execute("DETACH DATABASE old")
            else:
                db.executescript(SCHEMA)
            _insert_rows(db, change)
            db.commit()
            if getattr(self, "_purging", False):
                db.execute("VACUUM")  # a fresh file: no page of the copied one survives
        finally:
            db.close()
        _empty_delta_db(tmp)

    def _write_delta(self, previous: _Previous, tmp: Path, change: _Change, n_terms: int):
        """The previous base, linked; a new delta: the previous one without replaced documents, plus the new."""
        deleted = self._write_delta_rows(previous, tmp, change)
        # Vectors.
        delta_ids, delta_vectors = _delta_vectors(previous)
        keep = ~np.isin(delta_ids, change.drop_delta)
        ids = np.concatenate([delta_ids[keep], np.asarray(change.cids, dtype=np.int64)])
        vectors = np.vstack([delta_vectors[keep], change.vectors.reshape(-1, delta_vectors.shape[1])])
        np.save(tmp / "delta_ids.npy", ids)
        np.save(tmp / "delta_vectors.npy", vectors.astype(np.float32))
        # Terms: the delta's rows, and document frequencies adjusted for what left and came.
        old_delta = Segment.load(previous.generation_dir, "delta_bm25", mmap=False)
        delta = Segment.concat([old_delta.select(keep, n_terms), change.segment], n_terms)
        delta.save(tmp, "delta_bm25")
        df = np.zeros(n_terms, dtype=np.int64)
        old_df = np.load(previous.generation_dir / "bm25_df.npy")
        df[: len(old_df)] = old_df
        if change.drop_base:
            base = Segment.load(previous.generation_dir, BASE_BM25)
            df -= base.df(n_terms, np.flatnonzero(np.isin(np.asarray(base.ids), change.drop_base)))
        if not keep.all():
            df -= old_delta.df(n_terms, np.flatnonzero(~keep))
        df += change.segment.df(n_terms)
        counts = {"base_chunks": previous.manifest.base_chunks, "delta_chunks": delta.n_rows, "deleted": deleted}
        return df, counts

    def _write_delta_rows(self, previous: _Previous, tmp: Path, change: _Change) -> int:
        """The previous base files, linked, and a new delta SQLite; returns the number of deleted base rows."""
        for name in self.base_files:
            _link(previous.generation_dir / name, tmp / name)
        db = sqlite3.connect(tmp / "delta.sqlite")
        try:
            db.executescript(SCHEMA + DELTA_SCHEMA)
            db.execute("ATTACH DATABASE ? AS old", (_uri(previous.generation_dir / "delta.sqlite"),))
            _temp_ids(db, change)
            db.execute(
                "INSERT INTO main.chunks SELECT * FROM old.chunks "
                "WHERE doc_id NOT IN (SELECT doc_id FROM gone_documents)"
            )
            db.execute(
                "INSERT INTO main.documents SELECT * FROM old.documents "
                "WHERE doc_id NOT IN (SELECT doc_id FROM gone_documents)"
            )
            db.execute("INSERT INTO deleted_chunks SELECT cid FROM old.deleted_chunks")
            db.executemany("INSERT OR IGNORE INTO deleted_chunks VALUES (?)", [(c,) for c in change.drop_base])
            db.execute("INSERT INTO deleted_documents SELECT doc_id FROM old.deleted_documents")
            db.executemany("INSERT OR IGNORE INTO deleted_documents VALUES (?)", [(d,) for d in change.drop_base_docs])
            db.commit()
            db.execute("DETACH DATABASE old")
            _insert_rows(db, change)
            db.commit()
            return db.execute("SELECT COUNT(*) FROM deleted_chunks").fetchone()[0]
        finally:
            db.close()


@dataclass
class _Change:
    """What one write does: documents added (their chunks, ids, vectors, terms) and rows dropped."""

    add: list[Document]
    replaced: set[str]
    drop_base: list[int] = field(default_factory=list)  # live base chunks of replaced documents
    drop_base_docs: list[str] = field(default_factory=list)  # their documents
    drop_delta: list[int] = field(default_factory=list)  # delta chunks of replaced documents
    cids: list[int] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    segment: Segment = field(default_factory=Segment.empty)
    analyzer: Analyzer | None = None  # what made ``segment`` (and must tokenize what leaves)

    @property
    def chunks(self) -> list[Chunk]:
        return [c for d in self.add for c in d.chunks]


def _merge_due(manifest: Manifest, change: _Change) -> bool:
    """Whether this write should fold the delta into a new base (delta rewrites grow with the delta)."""
    live = manifest.chunks - len(change.drop_base) - len(change.drop_delta) + len(change.chunks)
    pending = (
        manifest.delta_chunks - len(change.drop_delta) + len(change.chunks) + manifest.deleted + len(change.drop_base)
    )
    return pending > max(MERGE_MIN, live // MERGE_FRACTION)


_ANALYZERS: OrderedDict[str, Analyzer] = OrderedDict()
_ANALYZERS_LOCK = threading.Lock()


def shared_analyzer(words: set[str]) -> Analyzer:
    """An analyzer for these user words, shared within the process.

    Building one loads jieba's dictionary (0.7 s); a writer and the reader opened after it (the web
    app after an upload), or successive updates, mostly use the same words. Analyzers are only read
    once built, so sharing them is safe; the two most recent are kept.
    """
    kept = sorted({w for w in words if 2 <= len(w) <= 40})  # what Analyzer keeps
    key = hashlib.sha256("\n".join(kept).encode()).hexdigest()
    with _ANALYZERS_LOCK:
        analyzer = _ANALYZERS.get(key)
        if analyzer is None:
            analyzer = _ANALYZERS[key] = Analyzer(kept)
        _ANALYZERS.move_to_end(key)
        while len(_ANALYZERS) > 2:
            _ANALYZERS.popitem(last=False)
    return analyzer


def _read_words(path: Path) -> set[str]:
    """The jieba user words saved with a generation."""
    return {w for w in path.read_text(encoding="utf-8").split("\n") if w} if path.exists() else set()


def _link(source: Path, target: Path) -> None:
    """Share an immutable file with the previous generation (a copy where hard links fail)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _deleted_cids(previous: _Previous) -> list[int]:
    return [r[0] for r in previous.db.execute("SELECT cid FROM delta.deleted_chunks")]


def _delta_vectors(previous: _Previous) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.load(previous.generation_dir / "delta_ids.npy").astype(np.int64),
        np.load(previous.generation_dir / "delta_vectors.npy").astype(np.float32),
    )


def _empty_delta_db(directory: Path) -> None:
    db = sqlite3.connect(directory / "delta.sqlite")
    try:
        db.executescript(SCHEMA + DELTA_SCHEMA)
        db.commit()
    finally:
        db.close()


def _empty_delta_arrays(directory: Path, dim: int) -> None:
    np.save(directory / "delta_ids.npy", np.zeros(0, dtype=np.int64))
    np.save(directory / "delta_vectors.npy", np.zeros((0, dim), dtype=np.float32))
    Segment.empty().save(directory, "delta_bm25")


def _temp_ids(db: sqlite3.Connection, change: _Change) -> None:
    db.execute("CREATE TEMP TABLE gone_chunks (cid INTEGER PRIMARY KEY)")
    db.execute("CREATE TEMP TABLE gone_documents (doc_id TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO gone_chunks VALUES (?)", [(c,) for c in change.drop_base])
    db.executemany("INSERT INTO gone_documents VALUES (?)", [(d,) for d in change.replaced])


def _insert_rows(db: sqlite3.Connection, change: _Change) -> None:
    db.executemany(
        f"INSERT INTO main.chunks ({_CHUNK_COLUMNS}, date_int) VALUES ({','.join('?' * 23)})",
        [
            (
                cid,
                c.chunk_id,
                c.doc_id,
                c.kind,
                c.item_index,
                c.number,
                c.heading,
                c.text,
                c.start,
                c.end,
                c.norm,
                c.header,
                c.source,
                c.title,
                c.region,
                c.city,
                c.province,
                c.date,
                c.meeting,
                c.meeting_number,
                c.date_partial,
                c.ocr_confidence,
                _date_int(c.date),
            )
            for cid, c in zip(change.cids, change.chunks, strict=True)
        ],
    )
    # One row per meeting: a file reporting several meetings (issue 12) has rows «<file>», «<file>#2» …
    # holding the same text; the later ones have origin "part" and live and die with the file's row.
    db.executemany(
        "INSERT INTO main.documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                meeting_doc_id(d.doc_id, m),
                m.source,
                m.sha256,
                m.format,
                m.text,
                json.dumps(_meeting_summary(m), ensure_ascii=False),
                sum(1 for c in d.chunks if c.doc_id == meeting_doc_id(d.doc_id, m)),
                json.dumps(m.warnings, ensure_ascii=False),
                _now(),
                docnumber.key(m.doc_number),
                d.stat[0] if d.stat else None,
                d.stat[1] if d.stat else None,
                d.origin if k == 0 else PART_ORIGIN,
            )
            for d in change.add
            for k, m in enumerate(d.meetings or [d.meeting])
        ],
    )


def _unique(files: Sequence[tuple[str, Path | bytes]]) -> list[tuple[str, Path | bytes]]:
    """One entry per name: a name given twice in one batch is the last file given under it."""
    return list({name: data for name, data in files}.items())


def _meeting_summary(meeting: Meeting) -> dict:
    data = meeting.to_dict()
    data["items"] = [{k: item[k] for k in ("number", "heading", "start", "end", "kind")} for item in data["items"]]
    return data


def _new_faiss(index_type: str, dim: int, sample: np.ndarray):
    import faiss

    if index_type == "flat" or len(sample) < 2000:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    nlist = int(min(4096, max(16, 4 * np.sqrt(len(sample)))))
    spec = {"ivf": f"IVF{nlist},Flat", "ivf-sq8": f"IVF{nlist},SQ8"}.get(index_type)
    if spec is None:
        raise StoreError(f"unknown index type '{index_type}' (choose flat, ivf or ivf-sq8)")
    inner = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
    inner.train(np.asarray(sample, dtype=np.float32))
    return faiss.IndexIDMap2(inner)


def _sha256_of(item: Path | bytes) -> str:
    return hashlib.sha256(item).hexdigest() if isinstance(item, bytes) else _sha256_file(item)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _next_generation(index_dir: Path) -> int:
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    return max(numbers, default=0) + 1


def _generation_number(path: Path) -> int | None:
    digits = path.name[4:]
    return int(digits) if path.name.startswith("gen-") and digits.isdigit() else None


def _clean_stale(index_dir: Path) -> list[str]:
    """Remove what killed writers left; call with the writer lock held. Returns the names removed.

    * temporary generation folders (``.gen-*.tmp-<pid>``) and pointer files (``CURRENT.tmp-<pid>``)
      of processes that are gone (or of this one: a failed earlier write);
    * orphan generations: renamed into place but never made live (numbered after CURRENT's);
    * generations older than CURRENT's predecessor (see :func:`_prune`).

    Nothing is removed when CURRENT cannot be read: which generation is live is then unknown.
    """
    removed = []
    for path in [*index_dir.glob(".gen-*.tmp-*"), *index_dir.glob("CURRENT.tmp-*")]:
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    try:
        live = current_generation(index_dir)
    except (StoreError, OSError):
        return removed
    return removed + _prune(index_dir, keep=live.name)


def tidy(index_dir: Path | str) -> list[str]:
    """Remove killed writers' leftovers now (what the next writer would); skipped while a writer runs.

    Returns the names removed. ``qa index stats`` calls it.
    """
    index_dir = Path(index_dir)
    if not (index_dir / "CURRENT").exists():
        return []
    try:
        with writer_lock(index_dir):
            return _clean_stale(index_dir)
    except (StoreError, OSError):
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune(index_dir: Path, keep: str, purge: bool = False) -> list[str]:
    """Keep the live generation ``keep`` and its predecessor (readers may still hold it); remove the
    others — older ones, and orphans numbered after it. With ``purge``, keep only the live one (a
    deletion: no earlier generation may keep the deleted text). Returns the names removed.

    Readers holding a removed generation keep reading it: their files stay open (and mapped).
    """
    live = _generation_number(index_dir / keep)
    generations = sorted(
        (n, p) for p in index_dir.glob("gen-*") if p.is_dir() and (n := _generation_number(p)) is not None
    )
    older = [n for n, _p in generations if live is not None and n < live]
    predecessor = None if purge or not older else older[-1]
    removed = []
    for number, path in generations:
        if path.name == keep or number == predecessor:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed
