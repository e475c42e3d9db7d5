"""Typed index errors: what went wrong, as one English line, and the fix it needs.

Every error of the index is a :class:`StoreError`; ``str(err)`` is one line that ends by saying
how to fix it (the command line prints it as is). The subclasses say *what kind* of failure it
is, so that a front end can phrase its own sentence (the web page answers a busy writer or a
document already gone in Chinese) without matching on English text. ``fix`` holds the fix alone
(«rebuild it with: qa index build --index index»), or ``None`` when the line is the whole story.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class StoreError(Exception):
    """A missing, damaged or incompatible index. ``str(err)`` is one line saying how to fix it."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message)
        self.fix = fix


def rebuild_fix(index_dir: Path | str, backend: str | None = None) -> str:
    """The usual fix of a damaged or outdated index: «rebuild it with: qa index build … --index DIR»."""
    flag = f" --backend {backend}" if backend else ""
    return f"rebuild it with: qa index build{flag} --index {index_dir}"


class NoIndex(StoreError):
    """There is no index (no ``CURRENT`` pointer) in the directory."""

    def __init__(self, index_dir: Path | str):
        fix = f"build one with: qa index build --index {index_dir}"
        super().__init__(f"no index at {index_dir}: {fix}", fix)
        self.index_dir = Path(index_dir)


class DamagedIndex(StoreError):
    """The live generation cannot be read (missing or truncated files, disagreeing counts)."""

    def __init__(self, index_dir: Path | str, reason: str, fix: str):
        super().__init__(f"index at {index_dir} is damaged ({reason}); {fix}", fix)
        self.index_dir = Path(index_dir)
        self.reason = reason


class FormatMismatch(StoreError):
    """The index was written by another version of the on-disk format."""

    def __init__(self, index_dir: Path | str, found: int, reads: int, fix: str):
        super().__init__(f"index at {index_dir} has format {found} (this version reads {reads}); {fix}", fix)
        self.found = found


class BackendMismatch(StoreError):
    """The index is held by another backend than the one asked for (``held``, ``wanted``)."""

    def __init__(self, message: str, held: str, wanted: str, fix: str | None = None):
        super().__init__(message, fix)
        self.held = held
        self.wanted = wanted


class EmbedderMismatch(StoreError):
    """Vectors of the index (or its collection) were made by another embedder than this run's."""


class WriterBusy(StoreError):
    """Another build or update of the same index is running (one writer at a time)."""

    def __init__(self, index_dir: Path | str):
        fix = "try again when it ends"
        super().__init__(f"another build or update of {index_dir} is running; {fix}", fix)


class NotInIndex(StoreError):
    """Documents asked to be removed are not in the index (perhaps removed already)."""

    def __init__(self, doc_ids: Sequence[str]):
        super().__init__(f"not in the index: {', '.join(doc_ids)}")
        self.doc_ids = list(doc_ids)


class SourceMissing(StoreError):
    """The folder to index does not exist."""

    def __init__(self, folder: Path | str):
        super().__init__(f"source folder {folder} does not exist")
        self.folder = Path(folder)


class UnknownChoice(StoreError):
    """A setting naming something that does not exist (an index type, a backend)."""


class MilvusUnavailable(StoreError):
    """Milvus could not be reached or failed a call (a server down, a lite database in use)."""


class MissingCollection(StoreError):
    """The Milvus collection (or lite database) a generation names is not there."""


__all__ = [
    "BackendMismatch",
    "DamagedIndex",
    "EmbedderMismatch",
    "FormatMismatch",
    "MilvusUnavailable",
    "MissingCollection",
    "NoIndex",
    "NotInIndex",
    "SourceMissing",
    "StoreError",
    "UnknownChoice",
    "WriterBusy",
    "rebuild_fix",
]
