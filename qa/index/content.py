"""The SQLite content store every backend keeps in a generation: documents, chunks and their metadata.

Two files per generation::

    chunks.sqlite   base segment: documents (original text, metadata) and chunks (text, spans)
    delta.sqlite    documents and chunks written since the base, and the base rows they replace
                    or remove (deleted_chunks, deleted_documents)

A build writes a fresh base and an empty delta; an update writes a new delta (the previous one
plus the changed documents) next to the previous base, hard-linked. A reader sees base and
delta as the two views every query uses (:func:`connect`). Citations, the document list and
document-number lookups read from here whichever backend holds the vectors.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import urllib.parse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from qa import docnumber
from qa.chunks import Chunk, meeting_doc_id
from qa.dedupe import Folding, folding_from_db
from qa.ingest import Document, Indexed
from qa.minutes import Meeting

BASE_DB, DELTA_DB = "chunks.sqlite", "delta.sqlite"
# documents.origin of the second and later meetings of one file (rows «<file>#2» …).
PART_ORIGIN = "part"

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

# The row id, then the Chunk fields in order.
CHUNK_COLUMNS = (
    'cid, chunk_id, doc_id, kind, item_index, number, heading, text, start, "end", norm, header, source, title, '
    "region, city, province, date, meeting, meeting_number, date_partial, ocr_confidence"
)
SQL_PARAMETERS = 900  # bound parameters per statement, under SQLite's limit


def date_int(value: str | None) -> int:
    """A date «2025-07-17» as 20250717 (0 when unknown): what filters compare."""
    return int(value.replace("-", "")) if value else 0


def now() -> str:
    """The current UTC time, as manifests and rows record it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def sqlite_uri(path: Path, *options: str) -> str:
    """A read-only SQLite URI for a file (extra ``options`` such as ``immutable=1``)."""
    return "file:" + urllib.parse.quote(str(path)) + "?" + "&".join(("mode=ro", *options))


def connect(generation_dir: Path) -> sqlite3.Connection:
    """A generation's base and delta as one read-only connection with ``chunks`` and ``documents`` views."""
    # immutable=1: the files never change once written, so SQLite may skip locking entirely.
    db = sqlite3.connect(sqlite_uri(generation_dir / BASE_DB, "immutable=1"), uri=True, check_same_thread=False)
    try:
        db.execute("ATTACH DATABASE ? AS delta", (sqlite_uri(generation_dir / DELTA_DB, "immutable=1"),))
        db.executescript(VIEWS)
    except Exception:
        db.close()
        raise
    return db


def chunk_from_row(row: Sequence) -> Chunk:
    """A chunk from a row of :data:`CHUNK_COLUMNS`."""
    return Chunk(*row[1:], cid=row[0])


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


class ContentStore:
    """Chunks, documents and lookups of one generation, answered from its SQLite (see :func:`connect`)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

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
        for start in range(0, len(cids), SQL_PARAMETERS):
            part = cids[start : start + SQL_PARAMETERS]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE cid IN ({marks})", part).fetchall()
            by_id.update((row[0], chunk_from_row(row)) for row in rows)
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

    def document_count(self) -> int:
        """Live documents (meetings) of the generation."""
        return self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def tombstones(self) -> dict[str, int]:
        """Rows of the base that a later write replaced or removed (dropped at the next merge)."""
        return {
            "chunks": self.db.execute("SELECT COUNT(*) FROM delta.deleted_chunks").fetchone()[0],
            "documents": self.db.execute("SELECT COUNT(*) FROM delta.deleted_documents").fetchone()[0],
        }

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


# ---------------------------------------------------------------------------------------------
# what a writer asks of the live generation
# ---------------------------------------------------------------------------------------------


def indexed_files(db: sqlite3.Connection) -> Indexed:
    """The files the generation holds, for change detection (a file's later meetings follow its row)."""
    indexed = Indexed()
    for doc_id, sha256, size, mtime_ns, origin in db.execute(
        "SELECT doc_id, sha256, size, mtime_ns, origin FROM documents"
    ):
        if origin == PART_ORIGIN:
            continue
        if origin == "upload":
            indexed.uploads[doc_id] = sha256  # not from the folder: its absence there means nothing
        else:
            indexed.folder[doc_id] = (sha256, size, mtime_ns)
    return indexed


def document_ids(db: sqlite3.Connection) -> set[str]:
    """Every live document id."""
    return {r[0] for r in db.execute("SELECT doc_id FROM documents")}


def with_parts(db: sqlite3.Connection, doc_ids: set[str]) -> set[str]:
    """``doc_ids`` and the later meetings («<file>#2» …) of those files: they go with the file."""
    parts = db.execute("SELECT doc_id FROM documents WHERE origin = ?", (PART_ORIGIN,))
    return doc_ids | {r[0] for r in parts if r[0].rsplit("#", 1)[0] in doc_ids}


def rows_of(db: sqlite3.Connection, doc_ids: Sequence[str]) -> tuple[list[int], list[str], list[int]]:
    """Rows of these documents: live base chunks, live base documents, delta chunks."""
    marks = ",".join("?" * len(doc_ids))
    base_chunks = [
        r[0]
        for r in db.execute(
            f"SELECT cid FROM main.chunks WHERE doc_id IN ({marks}) "
            "AND cid NOT IN (SELECT cid FROM delta.deleted_chunks)",
            list(doc_ids),
        )
    ]
    base_documents = [
        r[0]
        for r in db.execute(
            f"SELECT doc_id FROM main.documents WHERE doc_id IN ({marks}) "
            "AND doc_id NOT IN (SELECT doc_id FROM delta.deleted_documents)",
            list(doc_ids),
        )
    ]
    delta_chunks = [r[0] for r in db.execute(f"SELECT cid FROM delta.chunks WHERE doc_id IN ({marks})", list(doc_ids))]
    return base_chunks, base_documents, delta_chunks


def deleted_cids(db: sqlite3.Connection) -> list[int]:
    """Base chunks the delta marks as deleted."""
    return [r[0] for r in db.execute("SELECT cid FROM delta.deleted_chunks")]


def analysed_rows(db: sqlite3.Connection, cids: Sequence[int]) -> list[tuple]:
    """(cid, analysed text, region, city, province, date_int) of chunks: what term and facet counts read."""
    out = []
    for start in range(0, len(cids), SQL_PARAMETERS):
        part = list(cids[start : start + SQL_PARAMETERS])
        marks = ",".join("?" * len(part))
        rows = db.execute(
            f"SELECT cid, header, norm, region, city, province, date_int FROM chunks WHERE cid IN ({marks})", part
        ).fetchall()
        out += [
            (cid, f"{header}\n{norm}", region, city, province, date)
            for cid, header, norm, region, city, province, date in rows
        ]
    return out


def counts(generation_dir: Path) -> tuple[int, int]:
    """(documents, chunks) of a written generation."""
    db = connect(generation_dir)
    try:
        return (
            db.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0],
        )
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


def write_base(
    previous_dir: Path | None,
    tmp: Path,
    add: Sequence[Document],
    cids: Sequence[int],
    gone_chunks: Sequence[int],
    gone_documents: set[str],
    purge: bool = False,
) -> None:
    """The base SQLite of every live document and chunk, and an empty delta SQLite.

    ``gone_chunks`` are the live base rows of ``gone_documents`` (replaced or removed documents);
    ``add`` the new documents with chunk ids ``cids``. With ``purge`` the file is vacuumed: no page
    of the copied one (which held deleted text) survives.
    """
    db = sqlite3.connect(tmp / BASE_DB)
    try:
        if previous_dir:
            # The old database is copied (never modified): readers may still be using it.
            src = sqlite3.connect(sqlite_uri(previous_dir / BASE_DB), uri=True)
            src.backup(db)
            src.close()
            # Deleted rows are overwritten with zeros, not left in free pages of the file.
            db.execute("PRAGMA secure_delete = ON")
            db.execute("ATTACH DATABASE ? AS old", (sqlite_uri(previous_dir / DELTA_DB),))
            _temp_ids(db, gone_chunks, gone_documents)
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
        _insert_rows(db, add, cids)
        db.commit()
        if purge:
            db.execute("VACUUM")  # a fresh file: no page of the copied one survives
    finally:
        db.close()
    empty_delta(tmp)


def write_delta(
    previous_dir: Path,
    tmp: Path,
    add: Sequence[Document],
    cids: Sequence[int],
    gone_chunks: Sequence[int],
    gone_documents: set[str],
    gone_base_documents: Sequence[str],
) -> int:
    """A new delta SQLite: the previous delta without ``gone_documents``, plus ``add``, with the base
    rows now deleted (``gone_chunks``, ``gone_base_documents``) recorded. Returns the deleted base rows."""
    db = sqlite3.connect(tmp / DELTA_DB)
    try:
        db.executescript(SCHEMA + DELTA_SCHEMA)
        db.execute("ATTACH DATABASE ? AS old", (sqlite_uri(previous_dir / DELTA_DB),))
        _temp_ids(db, gone_chunks, gone_documents)
        db.execute(
            "INSERT INTO main.chunks SELECT * FROM old.chunks WHERE doc_id NOT IN (SELECT doc_id FROM gone_documents)"
        )
        db.execute(
            "INSERT INTO main.documents SELECT * FROM old.documents "
            "WHERE doc_id NOT IN (SELECT doc_id FROM gone_documents)"
        )
        db.execute("INSERT INTO deleted_chunks SELECT cid FROM old.deleted_chunks")
        db.executemany("INSERT OR IGNORE INTO deleted_chunks VALUES (?)", [(c,) for c in gone_chunks])
        db.execute("INSERT INTO deleted_documents SELECT doc_id FROM old.deleted_documents")
        db.executemany("INSERT OR IGNORE INTO deleted_documents VALUES (?)", [(d,) for d in gone_base_documents])
        db.commit()
        db.execute("DETACH DATABASE old")
        _insert_rows(db, add, cids)
        db.commit()
        return db.execute("SELECT COUNT(*) FROM deleted_chunks").fetchone()[0]
    finally:
        db.close()


def empty_delta(directory: Path) -> None:
    """An empty delta SQLite (after a build or a merge)."""
    db = sqlite3.connect(directory / DELTA_DB)
    try:
        db.executescript(SCHEMA + DELTA_SCHEMA)
        db.commit()
    finally:
        db.close()


def _temp_ids(db: sqlite3.Connection, gone_chunks: Sequence[int], gone_documents: set[str]) -> None:
    db.execute("CREATE TEMP TABLE gone_chunks (cid INTEGER PRIMARY KEY)")
    db.execute("CREATE TEMP TABLE gone_documents (doc_id TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO gone_chunks VALUES (?)", [(c,) for c in gone_chunks])
    db.executemany("INSERT INTO gone_documents VALUES (?)", [(d,) for d in gone_documents])


def _insert_rows(db: sqlite3.Connection, add: Sequence[Document], cids: Sequence[int]) -> None:
    chunks = [c for d in add for c in d.chunks]
    db.executemany(
        f"INSERT INTO main.chunks ({CHUNK_COLUMNS}, date_int) VALUES ({','.join('?' * 23)})",
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
                date_int(c.date),
            )
            for cid, c in zip(cids, chunks, strict=True)
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
                now(),
                docnumber.key(m.doc_number),
                d.stat[0] if d.stat else None,
                d.stat[1] if d.stat else None,
                d.origin if k == 0 else PART_ORIGIN,
            )
            for d in add
            for k, m in enumerate(d.meetings or [d.meeting])
        ],
    )


def _meeting_summary(meeting: Meeting) -> dict:
    data = meeting.to_dict()
    data["items"] = [{k: item[k] for k in ("number", "heading", "start", "end", "kind")} for item in data["items"]]
    return data
