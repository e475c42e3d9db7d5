"""The backend chosen from settings: readers and writers for FAISS or Milvus.

The index records its backend (``faiss``, or ``milvus``: :mod:`qa.index.milvus`); readers and
updates follow it, and a build keeps it unless ``settings.backend`` names another.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.config import BACKENDS, Settings
from qa.embed import CachedEmbedder
from qa.index.backend import BackendReader
from qa.index.errors import BackendMismatch, UnknownChoice
from qa.index.faiss import FaissReader
from qa.index.manifest import Manifest, read_live
from qa.index.writer import IndexWriter


def backend_for(settings: Settings, manifest: Manifest | None = None) -> str:
    """The backend to write with: settings', else the index's, else faiss."""
    backend = settings.backend or (manifest.backend if manifest else None) or "faiss"
    if backend not in BACKENDS:
        raise UnknownChoice(f"unknown backend '{backend}' (choose {' or '.join(BACKENDS)})")
    return backend


def open_writer(
    settings: Settings,
    embedder: CachedEmbedder,
    live: Manifest | None = None,
    show_progress: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> IndexWriter:
    """The writer for ``settings.index``: FAISS or Milvus as ``settings.backend`` says, else as the live
    index (``live``, its manifest) is held, else FAISS."""
    backend = None
    if backend_for(settings, live) == "milvus":
        from qa.index.milvus.writer import MilvusWriter  # pymilvus is loaded only for Milvus indexes

        backend = MilvusWriter(uri=settings.milvus_uri, token=settings.milvus_token)
    return IndexWriter(settings.index, embedder, settings.index_type, show_progress, progress, backend=backend)


def open_reader(settings: Settings) -> BackendReader[Any]:
    """The live generation of ``settings.index``, opened by the backend that holds it.

    Raises:
        StoreError: no index, a damaged one, an unreachable Milvus, a missing collection, or
            ``settings.backend`` naming another backend than the index's.
    """
    index = Path(settings.index)
    manifest = read_live(index, check_format=False).manifest  # the reader checks the format
    if settings.backend and settings.backend != manifest.backend:
        fix = f"drop --backend/QA_BACKEND, or move it with: qa index build --backend {settings.backend} --index {index}"
        raise BackendMismatch(
            f"index at {index} is held by {manifest.backend}, not {settings.backend}: {fix}",
            manifest.backend,
            settings.backend,
            fix,
        )
    if manifest.backend == "milvus":
        from qa.index.milvus.reader import MilvusReader

        return MilvusReader(index, uri=settings.milvus_uri, token=settings.milvus_token)
    return FaissReader(index)
