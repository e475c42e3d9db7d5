"""The index directory: FAISS vectors, SQLite chunks and metadata, BM25 terms — swapped atomically.

Layout::

    index/
      CURRENT            name of the live generation ("gen-000007")
      gen-000007/        one complete, immutable generation
        manifest.json    embedder, model, dimension, index type, counts, source folder
        chunks.sqlite    documents (original text, metadata) and chunks (text, spans, metadata)
        vectors.faiss    IndexIDMap2 over chunk ids (exact inner product, or IVF)
        bm25_*.npz/npy/json, userdict.txt

A build or update writes a new generation in a temporary folder, renames it into place and only
then switches CURRENT with an atomic rename. Killing a writer at any moment leaves the previous
generation live and intact; readers load one generation and never see a half-written one. The
previous generation is kept for readers still using it; older ones are removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from qa.bm25 import Bm25Index
from qa.chunks import Chunk, chunk_meeting
from qa.embed import CachedEmbedder
from qa.minutes import Meeting, parse_source
from qa.sources import SourceError, iter_source_files, read_source
from qa.tokens import Analyzer, corpus_words, place_words

FORMAT_VERSION = 1


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

    @classmethod
    def read(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def write(self, path: Path) -> None:
        _write_atomic(path, json.dumps(asdict(self), ensure_ascii=False, indent=1))


SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, source TEXT, sha256 TEXT, format TEXT, text TEXT,
    meeting TEXT, chunks INTEGER, warnings TEXT, indexed_at TEXT, doc_key TEXT
);
CREATE INDEX documents_key ON documents(doc_key);
CREATE TABLE chunks (
    cid INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, doc_id TEXT, kind TEXT, item_index INTEGER,
    number TEXT, heading TEXT, text TEXT, start INTEGER, "end" INTEGER, norm TEXT, header TEXT,
    source TEXT, title TEXT, region TEXT, city TEXT, province TEXT, date TEXT, date_int INTEGER,
    meeting TEXT, meeting_number INTEGER
);
CREATE INDEX chunks_doc ON chunks(doc_id);
"""

_CHUNK_COLUMNS = (
    'cid, chunk_id, doc_id, kind, item_index, number, heading, text, start, "end", norm, header, source, title, '
    "region, city, province, date, meeting, meeting_number"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_atomic(path: Path, content: str) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _date_int(value: str | None) -> int:
    return int(value.replace("-", "")) if value else 0


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
            mask &= np.isin(self.region, wanted) | np.isin(self.city, wanted) | np.isin(self.province, wanted)
            filtered = True
        if date_from:
            mask &= self.date >= date_from
            filtered = True
        if date_to:
            mask &= (self.date <= date_to) & (self.date > 0)
            filtered = True
        if months:
            mask &= np.isin((self.date // 100) % 100, list(months))
            filtered = True
        if meeting_number is not None:
            mask &= self.meeting_number == meeting_number
            filtered = True
        return mask if filtered else None


class IndexReader:
    """One generation of an index, loaded for searching. Immutable once open."""

    def __init__(self, index_dir: Path | str):
        import faiss

        self.index_dir = Path(index_dir)
        self.generation_dir = current_generation(self.index_dir)
        fix = f"rebuild it with: qa index build --index {self.index_dir}"
        try:
            self.manifest = Manifest.read(self.generation_dir / "manifest.json")
            self.db = sqlite3.connect(
                f"file:{self.generation_dir / 'chunks.sqlite'}?mode=ro", uri=True, check_same_thread=False
            )
            self.vectors = faiss.read_index(str(self.generation_dir / "vectors.faiss"))
            self.bm25 = Bm25Index.load(self.generation_dir)
            self.analyzer = Analyzer.load(self.generation_dir / "userdict.txt")
            self.meta = self._load_meta()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"index at {self.index_dir} is damaged ({type(exc).__name__}: {exc}); {fix}") from None
        counts = (len(self.meta.cids), int(self.vectors.ntotal), len(self.bm25.ids), self.manifest.chunks)
        if len(set(counts)) != 1:
            raise StoreError(f"index at {self.index_dir} is damaged (chunk counts disagree: {counts}); {fix}")
        if self.manifest.format != FORMAT_VERSION:
            raise StoreError(f"index at {self.index_dir} has format {self.manifest.format}; {fix}")
        self.row_of = {int(c): i for i, c in enumerate(self.meta.cids)}

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

    # ---- queries ----------------------------------------------------------------------------

    def chunks(self, cids: Sequence[int]) -> list[Chunk]:
        """Chunks by id, in the order asked."""
        if not cids:
            return []
        marks = ",".join("?" * len(cids))
        rows = self.db.execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE cid IN ({marks})", list(cids)).fetchall()
        by_id = {row[0]: _chunk_from_row(row) for row in rows}
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
        rows = self.db.execute("SELECT doc_id, source, meeting, chunks, warnings FROM documents").fetchall()
        out = [
            {"doc_id": r[0], "source": r[1], "meeting": json.loads(r[2]), "chunks": r[3], "warnings": json.loads(r[4])}
            for r in rows
        ]
        return sorted(out, key=lambda d: (d["meeting"].get("date") or "", d["doc_id"]))

    def find_doc_number(self, number: str) -> list[str]:
        """Documents whose number is ``number`` (any bracket style)."""
        key = doc_number_key(number)
        return [r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE doc_key = ?", (key,))]

    def overview_cids(self, doc_ids: Sequence[str]) -> dict[str, int]:
        """The overview chunk of each document."""
        marks = ",".join("?" * len(doc_ids))
        rows = self.db.execute(
            f"SELECT doc_id, cid FROM chunks WHERE kind = 'overview' AND doc_id IN ({marks})", list(doc_ids)
        ).fetchall()
        return {doc: cid for doc, cid in rows}

    def regions(self) -> list[str]:
        return sorted({r for r in self.meta.region if r})

    def dense_search(self, vector: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, inner product) among chunks passing ``mask``."""
        import faiss

        if self.vectors.ntotal == 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        params = None
        if mask is not None:
            allowed = self.meta.cids[mask]
            if allowed.size == 0:
                return []
            selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
            if self.manifest.index_type.startswith("ivf"):
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self._nprobe())
            else:
                params = faiss.SearchParameters(sel=selector)
            k = min(k, int(allowed.size))
        elif self.manifest.index_type.startswith("ivf"):
            params = faiss.SearchParametersIVF(nprobe=self._nprobe())
        scores, ids = self.vectors.search(query, min(k, int(self.vectors.ntotal)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _nprobe(self) -> int:
        return int(self.manifest.extra.get("nprobe", 16))

    def lexical_search(self, terms: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score)."""
        row_mask = None
        if mask is not None:
            # BM25 rows follow insertion order; align the metadata mask to them.
            row_mask = mask[np.searchsorted(self.meta.cids, self.bm25.ids)]
        return self.bm25.search(terms, k, row_mask)

    def stats(self) -> dict:
        """Counts, regions, date range, embedder and size on disk."""
        dates = self.meta.date[self.meta.date > 0]
        size = sum(p.stat().st_size for p in self.generation_dir.iterdir() if p.is_file())
        docs = self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

        def iso(value: int) -> str:
            text = str(value)
            return f"{text[:4]}-{text[4:6]}-{text[6:]}"

        return {
            "index": str(self.index_dir),
            "generation": self.generation_dir.name,
            "backend": self.manifest.backend,
            "documents": docs,
            "chunks": len(self.meta.cids),
            "regions": self.regions(),
            "date_range": [iso(int(dates.min())), iso(int(dates.max()))] if dates.size else None,
            "embedder": self.manifest.embedder,
            "model": self.manifest.model,
            "dim": self.manifest.dim,
            "index_type": self.manifest.index_type,
            "source": self.manifest.source,
            "size_bytes": size,
            "updated": self.manifest.updated,
        }

    def close(self) -> None:
        self.db.close()


def _chunk_from_row(row: Sequence) -> Chunk:
    (
        cid,
        chunk_id,
        doc_id,
        kind,
        item_index,
        number,
        heading,
        text,
        start,
        end,
        norm,
        header,
        source,
        title,
        region,
        city,
        province,
        date,
        meeting,
        meeting_number,
    ) = row
    chunk = Chunk(
        chunk_id,
        doc_id,
        kind,
        item_index,
        number,
        heading,
        text,
        start,
        end,
        norm,
        header,
        source,
        title,
        region,
        city,
        province,
        date,
        meeting,
        meeting_number,
    )
    chunk.cid = cid  # type: ignore[attr-defined]
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


@dataclass
class Document:
    """A parsed source file ready to be indexed."""

    doc_id: str
    meeting: Meeting
    chunks: list[Chunk]


def parse_documents(
    files: Sequence[tuple[str, Path | bytes]], progress: Callable[[], None] | None = None
) -> tuple[list[Document], list[FileError]]:
    """Parse (doc_id, path or bytes) pairs; unreadable files become one-line errors."""
    documents: list[Document] = []
    errors: list[FileError] = []
    for doc_id, item in files:
        try:
            source = read_source(doc_id, item) if isinstance(item, bytes) else read_source(item)
            source.path = doc_id
            meeting = parse_source(source)
            documents.append(Document(doc_id, meeting, chunk_meeting(meeting, doc_id)))
        except SourceError as exc:
            errors.append(FileError(doc_id, exc.reason))
        except Exception as exc:  # a parser bug must not take the whole batch down
            errors.append(FileError(doc_id, f"could not be parsed ({type(exc).__name__}: {exc})"))
        if progress:
            progress()
    return documents, errors


class IndexWriter:
    """Builds a new generation from a previous one (or from nothing) and publishes it atomically."""

    def __init__(
        self, index_dir: Path | str, embedder: CachedEmbedder, index_type: str = "flat", show_progress: bool = True
    ):
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.index_type = index_type
        self.show_progress = show_progress

    # ---- public operations -----------------------------------------------------------------

    def build(self, source_dir: Path | str) -> WriteReport:
        """Index every supported file under ``source_dir`` into a fresh generation."""
        source_dir = Path(source_dir)
        if not source_dir.is_dir():
            raise StoreError(f"source folder {source_dir} does not exist")
        files = [(str(p.relative_to(source_dir)), p) for p in iter_source_files(source_dir)]
        with writer_lock(self.index_dir):
            report = WriteReport()
            documents = self._parse(files, report)
            report.added = [d.doc_id for d in documents]
            self._write(previous=None, add=documents, remove=[], source=str(source_dir), report=report)
            return report

    def update(self, source_dir: Path | str | None = None) -> WriteReport:
        """Add new and changed files, drop deleted ones; unchanged chunks are not re-embedded."""
        with writer_lock(self.index_dir):
            previous = IndexReader(self.index_dir)
            try:
                self._check_embedder(previous.manifest)
                folder = Path(source_dir or previous.manifest.source or "")
                if not folder.is_dir():
                    raise StoreError(f"source folder {folder} does not exist")
                known = {row[0]: row[1] for row in previous.db.execute("SELECT doc_id, sha256 FROM documents")}
                report = WriteReport()
                on_disk: dict[str, Path] = {str(p.relative_to(folder)): p for p in iter_source_files(folder)}
                todo = []
                for doc_id, path in on_disk.items():
                    digest = _sha256_file(path)
                    if known.get(doc_id) == digest:
                        report.unchanged += 1
                    else:
                        todo.append((doc_id, path))
                documents = self._parse(todo, report)
                report.added = [d.doc_id for d in documents if d.doc_id not in known]
                report.changed = [d.doc_id for d in documents if d.doc_id in known]
                report.removed = sorted(set(known) - set(on_disk))
                if not (documents or report.removed):
                    report.generation = previous.generation_dir.name
                    return report
                self._write(previous, documents, report.changed + report.removed, str(folder), report)
                return report
            finally:
                previous.close()

    def add_files(self, files: Sequence[tuple[str, bytes]]) -> WriteReport:
        """Add or replace documents given as (name, bytes), e.g. uploads; bad files are reported."""
        with writer_lock(self.index_dir):
            report = WriteReport()
            documents = self._parse(list(files), report)
            previous = IndexReader(self.index_dir) if (self.index_dir / "CURRENT").exists() else None
            try:
                if previous:
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
            previous = IndexReader(self.index_dir)
            try:
                known = {r[0] for r in previous.db.execute("SELECT doc_id FROM documents")}
                missing = [d for d in doc_ids if d not in known]
                if missing:
                    raise StoreError(f"not in the index: {', '.join(missing)}")
                report = WriteReport(removed=list(doc_ids))
                self._write(previous, [], list(doc_ids), previous.manifest.source, report)
                return report
            finally:
                previous.close()

    # ---- internals -------------------------------------------------------------------------

    def _check_embedder(self, manifest: Manifest) -> None:
        if manifest.embedder_key != self.embedder.key:
            raise StoreError(
                f"index at {self.index_dir} was built with {manifest.embedder} ({manifest.model}); "
                f"this run uses {self.embedder.name} ({self.embedder.model}): use the same embedder, "
                f"or rebuild with: qa index build --index {self.index_dir}"
            )

    def _progress(self, total: int, desc: str):
        from tqdm import tqdm

        return tqdm(
            total=total,
            desc=desc,
            unit="file" if "pars" in desc else "chunk",
            disable=not self.show_progress,
            leave=False,
            dynamic_ncols=True,
        )

    def _parse(self, files: list[tuple[str, Path | bytes]], report: WriteReport) -> list[Document]:
        started = time.perf_counter()
        with self._progress(len(files), "parsing") as bar:
            documents, errors = parse_documents(files, progress=lambda: bar.update(1))
        report.errors.extend(errors)
        report.timings["parse"] = time.perf_counter() - started
        return documents

    def _write(
        self,
        previous: IndexReader | None,
        add: list[Document],
        remove: list[str],
        source: str | None,
        report: WriteReport,
    ) -> None:
        import faiss

        started = time.perf_counter()
        self.index_dir.mkdir(parents=True, exist_ok=True)
        _clean_stale(self.index_dir)
        generation = (previous.manifest.generation + 1) if previous else _next_generation(self.index_dir)
        name = f"gen-{generation:06d}"
        tmp = self.index_dir / f".{name}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        try:
            db_path = tmp / "chunks.sqlite"
            if previous:
                # The old database is copied (never modified): readers may still be using it.
                src = sqlite3.connect(f"file:{previous.generation_dir / 'chunks.sqlite'}?mode=ro", uri=True)
                dst = sqlite3.connect(db_path)
                src.backup(dst)
                src.close()
            else:
                dst = sqlite3.connect(db_path)
                dst.executescript(SCHEMA)
            # Chunks to drop: every chunk of removed or replaced documents.
            replaced = set(remove) | {d.doc_id for d in add}
            drop_ids: list[int] = []
            if previous and replaced:
                marks = ",".join("?" * len(replaced))
                drop_ids = [
                    r[0] for r in dst.execute(f"SELECT cid FROM chunks WHERE doc_id IN ({marks})", list(replaced))
                ]
                dst.execute(f"DELETE FROM chunks WHERE doc_id IN ({marks})", list(replaced))
                dst.execute(f"DELETE FROM documents WHERE doc_id IN ({marks})", list(replaced))
            next_cid = (dst.execute("SELECT COALESCE(MAX(cid), 0) FROM chunks").fetchone()[0] or 0) + 1
            if previous:
                next_cid = max(next_cid, int(previous.meta.cids.max()) + 1 if len(previous.meta.cids) else 1)
            new_chunks = [c for d in add for c in d.chunks]
            cids = list(range(next_cid, next_cid + len(new_chunks)))
            # Embed (cache first).
            embed_started = time.perf_counter()
            hits_before = self.embedder.cache.stats.hits if self.embedder.cache else 0
            with self._progress(len(new_chunks), "embedding") as bar:
                vectors = self.embedder.embed_passages([c.embed_text() for c in new_chunks], progress=bar.update)
            report.timings["embed"] = time.perf_counter() - embed_started
            report.cache_hits = (self.embedder.cache.stats.hits - hits_before) if self.embedder.cache else 0
            report.chunks_embedded = len(new_chunks) - report.cache_hits
            index_started = time.perf_counter()
            # Vectors.
            if previous:
                index = faiss.read_index(str(previous.generation_dir / "vectors.faiss"))
                if drop_ids:
                    index.remove_ids(np.asarray(drop_ids, dtype=np.int64))
            else:
                index = _new_faiss(self.index_type, self.embedder.dim, vectors)
            if new_chunks:
                index.add_with_ids(vectors, np.asarray(cids, dtype=np.int64))
            faiss.write_index(index, str(tmp / "vectors.faiss"))
            # Terms.
            words = set(previous.analyzer.words) if previous else place_words()
            words |= corpus_words(
                (c.norm for c in new_chunks), extra=[o.unit for d in add for o in d.meeting.observers]
            )
            analyzer = Analyzer(words)
            analyzer.save(tmp / "userdict.txt")
            bm25 = Bm25Index.load(previous.generation_dir) if previous else Bm25Index.empty()
            if drop_ids:
                bm25.remove(drop_ids)
            bm25.add(cids, [analyzer.terms(f"{c.header}\n{c.norm}") for c in new_chunks])
            bm25.save(tmp)
            # Rows.
            dst.executemany(
                f"INSERT INTO chunks ({_CHUNK_COLUMNS}, date_int) VALUES ({','.join('?' * 21)})",
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
                        _date_int(c.date),
                    )
                    for cid, c in zip(cids, new_chunks, strict=True)
                ],
            )
            dst.executemany(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.doc_id,
                        d.meeting.source,
                        d.meeting.sha256,
                        d.meeting.format,
                        d.meeting.text,
                        json.dumps(_meeting_summary(d.meeting), ensure_ascii=False),
                        len(d.chunks),
                        json.dumps(d.meeting.warnings, ensure_ascii=False),
                        _now(),
                        doc_number_key(d.meeting.doc_number),
                    )
                    for d in add
                ],
            )
            dst.commit()
            documents = dst.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            total = dst.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            dst.close()
            created = previous.manifest.created if previous else _now()
            manifest = Manifest(
                generation=generation,
                embedder=self.embedder.name,
                model=self.embedder.model,
                embedder_key=self.embedder.key,
                dim=self.embedder.dim,
                index_type=previous.manifest.index_type if previous else self.index_type,
                source=source,
                documents=documents,
                chunks=total,
                created=created,
                updated=_now(),
                extra=previous.manifest.extra if previous else {"nprobe": 16},
            )
            for path in tmp.iterdir():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
            manifest.write(tmp / "manifest.json")
            report.timings["index"] = time.perf_counter() - index_started
            final = self.index_dir / name
            if final.exists():
                shutil.rmtree(final)
            os.rename(tmp, final)
            _fsync_dir(self.index_dir)
            _write_atomic(self.index_dir / "CURRENT", name + "\n")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        report.generation = name
        report.timings["write"] = time.perf_counter() - started
        _prune(self.index_dir, keep=name)


def doc_number_key(number: str | None) -> str | None:
    """A document number with its bracket and space variants unified: 吴政办纪(2025)36号."""
    if not number:
        return None
    key = re.sub(r"\s+", "", number)
    key = re.sub(r"[〔﹝\[【（]", "(", key)
    return re.sub(r"[〕﹞\]】）]", ")", key)


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


def _sha256_file(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _next_generation(index_dir: Path) -> int:
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    return max(numbers, default=0) + 1


def _clean_stale(index_dir: Path) -> None:
    """Remove temporary folders left by writers that were killed."""
    for path in index_dir.glob(".gen-*.tmp-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune(index_dir: Path, keep: str) -> None:
    """Keep the live generation and the one before it (readers may still hold it)."""
    generations = sorted(p for p in index_dir.glob("gen-*") if p.is_dir())
    for path in generations[:-2]:
        if path.name != keep:
            shutil.rmtree(path, ignore_errors=True)
