"""Files → documents ready to index: scan a folder, hash, read → parse → chunk, and what changed.

Every character of an accepted document is chunked or named in a warning: an over-long text is cut
(:data:`MAX_DOCUMENT_CHARS`), an over-long chunk split into windows (:data:`MAX_CHUNK_CHARS`), and
long text outside every agenda item becomes passages of its own (:data:`MAX_UNCHUNKED_CHARS`).
Change detection compares a folder with what an index holds (:class:`Indexed`) the way git does:
an unchanged size and modification time is trusted, anything else is hashed.

Nothing here knows how an index stores documents (:mod:`qa.index`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import stat as stat_module
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from qa.chunks import Chunk, chunk_meeting, make_chunk
from qa.config import default_cache_dir
from qa.minutes import Meeting, parse_source_meetings
from qa.ocr import OcrOptions
from qa.sources import SUPPORTED_SUFFIXES, SourceError, SourceText, read_source

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

# Fields of a parsed meeting that a person may correct before adding (the web's upload preview).
CORRECTABLE = {"region": str, "meeting_number": int, "date": str, "chair": str}


@dataclass
class FileError:
    """A file that could not be indexed (or was indexed with a change), as ``path: reason``."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


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


# ---------------------------------------------------------------------------------------------
# folders and hashes
# ---------------------------------------------------------------------------------------------


def file_stat(path: Path) -> tuple[int, int | None] | None:
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
    """Supported files under ``folder`` by relative path, with their stat (hidden files and folders
    skipped; ``os.walk`` with one stat per file: a tenth of a recursive glob's time on 10,000 files).

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


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of(item: Path | bytes) -> str:
    """The SHA-256 of bytes or of a file."""
    return hashlib.sha256(item).hexdigest() if isinstance(item, bytes) else sha256_file(item)


def unique(files: Sequence[tuple[str, Path | bytes]]) -> list[tuple[str, Path | bytes]]:
    """One entry per name: a name given twice in one batch is the last file given under it."""
    return list({name: data for name, data in files}.items())


# ---------------------------------------------------------------------------------------------
# what changed
# ---------------------------------------------------------------------------------------------


@dataclass
class Indexed:
    """What an index holds of its files: folder documents by (sha256, size, mtime_ns), uploads by sha256."""

    folder: dict[str, tuple[str, int | None, int | None]] = field(default_factory=dict)
    uploads: dict[str, str] = field(default_factory=dict)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.folder or doc_id in self.uploads


@dataclass
class Changes:
    """What an update of a folder must do."""

    read: list[tuple[str, Path | bytes]]  # new or changed folder files, then uploads to (re)index
    uploads: set[str]  # names of the uploads among ``read``
    shadowed: set[str]  # names uploads own: a folder file of that name is not read over them
    removed: list[str]  # folder documents whose file is gone
    unchanged: int
    skipped: list[str]  # visible files of unsupported types


def detect_changes(folder: Path, indexed: Indexed, uploads: Sequence[tuple[str, Path | bytes]] = ()) -> Changes:
    """Compare a folder (and the kept uploads) with what the index holds.

    Uploaded documents are never touched by the folder: a folder file with an uploaded document's
    name is skipped (the upload replaced it), and one missing from the folder is kept. ``uploads``
    (name, path or bytes) are read again when the index lacks them or holds other content under
    their name.
    """
    kept = unique(uploads)
    upload_todo = [(n, d) for n, d in kept if indexed.uploads.get(n) != sha256_of(d)]
    shadowed = set(indexed.uploads) | {n for n, _d in kept}
    skipped: list[str] = []
    on_disk = {k: v for k, v in scan_sources(folder, skipped).items() if k not in shadowed}
    todo: list[tuple[str, Path | bytes]] = []
    unchanged = 0
    for doc_id, (path, st) in on_disk.items():
        sha256, size, mtime_ns = indexed.folder.get(doc_id, (None, None, None))
        # Same size and modification time: unchanged without reading it (as git does).
        same_stat = mtime_ns is not None and (size, mtime_ns) == (st.st_size, st.st_mtime_ns)
        if same_stat or (sha256 is not None and sha256 == sha256_file(path)):
            unchanged += 1
        else:
            todo.append((doc_id, path))
    return Changes(
        read=todo + upload_todo,
        uploads={n for n, _d in upload_todo},
        shadowed=shadowed,
        removed=sorted(set(indexed.folder) - set(on_disk) - shadowed),
        unchanged=unchanged,
        skipped=sorted(skipped),
    )


# ---------------------------------------------------------------------------------------------
# limits: every character of an accepted document is chunked, or named in a warning
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# read → parse → chunk
# ---------------------------------------------------------------------------------------------


def apply_corrections(meeting: Meeting, fields: Mapping[str, object] | None) -> Meeting:
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
            stat = None if isinstance(item, bytes) else file_stat(item)  # before reading: a later write shows
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
