"""The contract between the generic index (generations, SQLite content, the writer) and a backend.

A *backend* holds the searched part of an index: vectors and analysed text. Two implement it —
FAISS with BM25 postings in the generation's files (:mod:`qa.index.faiss`), and a Milvus
collection (:mod:`qa.index.milvus`). Each supplies

* a reader (:class:`BackendReader`): filters turned into its own *restriction* (a boolean mask
  for FAISS, a filter expression for Milvus), dense, lexical and hybrid search under a
  restriction, the facets (places, dates) and statistics; chunks and documents come from the
  shared SQLite content (:class:`qa.index.content.ContentStore`);
* write hooks (:class:`BackendWriter`), called by :class:`qa.index.writer.IndexWriter` while it
  writes a generation (:class:`WriteJob`): the searched data of a base or a delta, then
  syncing external storage before the generation goes live, undoing an abandoned write, and
  hearing that a generation was published.

The searcher and the answerer see only :class:`BackendReader`; nothing above the index knows
which backend runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

import numpy as np

from qa.bm25 import Segment
from qa.chunks import Chunk
from qa.dedupe import Folding
from qa.embed import CachedEmbedder
from qa.index.content import connect
from qa.index.errors import DamagedIndex, rebuild_fix
from qa.index.manifest import Manifest, read_live
from qa.ingest import Document
from qa.tokens import Analyzer

if TYPE_CHECKING:
    from qa.query import Filters

# What a reader's ``restrict`` makes and its searches take back (its own type; None: unfiltered).
R = TypeVar("R")


class TermWeights(Protocol):
    """Inverse document frequencies of the index's terms (the searcher's coverage weights)."""

    idf: np.ndarray

    def idf_of(self, term: str) -> float:
        """The idf of a term (0 when unknown)."""
        ...


@runtime_checkable
class BackendReader(Protocol[R]):
    """One open generation of an index, as the searcher, the answerer and the front ends use it."""

    index_dir: Path
    generation_dir: Path
    manifest: Manifest
    analyzer: Analyzer  # what the chunks were analysed with (topic words of a question)
    bm25: TermWeights
    folding: Folding

    # ---- restrictions and retrieval ----

    def restrict(self, filters: Filters) -> R | None:
        """Question filters as this backend's restriction (``None``: nothing filtered)."""
        ...

    def matches_none(self, restriction: R | None) -> bool:
        """Whether a restriction is known to leave no chunk (False when finding out would cost a query)."""
        ...

    def dense_search(self, vector: np.ndarray, k: int, restriction: R | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, inner product) among the chunks passing the restriction."""
        ...

    def text_search(self, text: str, k: int, restriction: R | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score) for a text, analysed as the chunks were."""
        ...

    def hybrid_search(
        self, vector: np.ndarray, text: str, k: int, restriction: R | None = None
    ) -> list[tuple[int, float]]:
        """Dense and BM25 candidates (``k`` each) fused by RRF (k = 60): up to ``2 k`` (chunk id, fused score)."""
        ...

    def overviews(self, restriction: R | None, k: int) -> list[int]:
        """The first ``k`` meeting overviews (by chunk id) passing the restriction."""
        ...

    def agenda(self, restriction: R, max_documents: int = 20) -> list[int]:
        """Chunk ids of the first ``max_documents`` documents (by id) with chunks passing the restriction."""
        ...

    # ---- facets and statistics ----

    def regions(self) -> list[str]:
        """Regions of the indexed meetings, sorted."""
        ...

    def places(self) -> list[tuple[str, str, str]]:
        """Distinct (region, city, province) of the chunks (regions known only)."""
        ...

    def stats(self) -> dict:
        """Counts, regions, date range, embedder, size on disk (and what the backend adds)."""
        ...

    # ---- content (the shared SQLite) ----

    def chunks(self, cids: Sequence[int]) -> list[Chunk]:
        """Chunks by id, in the order asked."""
        ...

    def document(self, doc_id: str) -> dict | None:
        """A document's original text and parsed metadata."""
        ...

    def documents(self) -> list[dict]:
        """Every indexed document's metadata (no text), sorted by date."""
        ...

    def find_doc_number(self, number: str) -> list[str]:
        """Documents whose number is ``number`` (any bracket style)."""
        ...

    def document_cids(self, doc_id: str) -> list[int]:
        """Every chunk of one document, in agenda order."""
        ...

    def overview_cids(self, doc_ids: Sequence[str]) -> dict[str, int]:
        """The overview chunk of each document."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


class Previous:
    """The live generation as a writer needs it: its manifest and SQL, no vectors or postings loaded."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        live = read_live(index_dir)
        self.generation_dir, self.manifest = live.path, live.manifest
        try:
            self.db = connect(self.generation_dir)
        except sqlite3.Error as exc:
            raise DamagedIndex(index_dir, str(exc), rebuild_fix(index_dir)) from None

    def close(self) -> None:
        """Close its connection."""
        self.db.close()


@dataclass
class Change:
    """What one write does: documents added (their chunks, ids, vectors, terms) and rows dropped."""

    add: list[Document]
    replaced: set[str]  # documents whose rows go (replaced by ``add`` or removed)
    drop_base: list[int] = field(default_factory=list)  # live base chunks of replaced documents
    drop_base_docs: list[str] = field(default_factory=list)  # their documents
    drop_delta: list[int] = field(default_factory=list)  # delta chunks of replaced documents
    cids: list[int] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    segment: Segment = field(default_factory=Segment.empty)
    analyzer: Analyzer | None = None  # what made ``segment`` (and must tokenize what leaves)

    @property
    def chunks(self) -> list[Chunk]:
        """The chunks of the added documents, in id order."""
        return [c for d in self.add for c in d.chunks]


@dataclass
class WriteJob:
    """One generation being written: where, from what, and with which change."""

    index_dir: Path
    tmp: Path  # the generation's temporary folder
    generation: int
    previous: Previous | None  # None for a build
    change: Change
    embedder: CachedEmbedder
    index_type: str  # the index type to record (a build's setting, else the previous one's)
    n_terms: int = 0  # terms of the vocabulary after this write
    purge: bool = False  # a deletion: nothing of the removed text may survive in any file
    deleted: int = 0  # base rows the new delta marks as deleted (delta writes)


@runtime_checkable
class BackendWriter(Protocol):
    """The write hooks of a backend (see the module docstring)."""

    name: str  # recorded as the manifest's ``backend``
    base_files: tuple[str, ...]  # files of the base besides the SQLite, hard-linked by a delta write

    def session(self, index_dir: Path, embedder: CachedEmbedder, check: bool) -> AbstractContextManager[None]:
        """Around one public write operation (connect to external storage; with ``check``, verify
        that the live index's storage is there and holds this embedder's vectors)."""
        ...

    def manifest_extra(self, job: WriteJob) -> dict:
        """Backend settings recorded in the manifest."""
        ...

    def write_base(self, job: WriteJob) -> tuple[np.ndarray, dict[str, int]]:
        """The searched data of a new base holding every live chunk (and an empty delta).

        Returns the terms' document frequencies and the manifest's segment counts.
        """
        ...

    def write_delta(self, job: WriteJob) -> tuple[np.ndarray, dict[str, int]]:
        """The searched data of a new delta next to the previous (linked) base."""
        ...

    def sync(self, job: WriteJob, manifest: Manifest) -> None:
        """Bring external storage up to date; called when the generation is complete, before it goes live."""
        ...

    def abandoned(self, job: WriteJob) -> None:
        """A write failed before going live: undo what it started outside the index directory."""
        ...

    def published(self, index_dir: Path, manifest: Manifest) -> None:
        """A generation went live (and older ones were pruned)."""
        ...
