"""Writing an index: builds, updates, uploads and removals, each published as a new generation.

A build writes a fresh base and an empty delta. An update, an upload or a removal writes only a
new delta (the previous delta plus the changed documents) and *hard-links* the base files of the
previous generation, so its cost follows the size of the change, not of the corpus. When the delta
and the deleted rows together pass a twentieth of the index (and at least 1,000 chunks), the
update merges them into a new base instead. A removal always writes a new base without the
removed rows and keeps no earlier generation (deletion leaves no trace of the text).

The writer does what every backend shares — parsing (:mod:`qa.ingest`), embedding through the
cache, the SQLite content, the terms, the writer lock and the atomic publish
(:mod:`qa.index.generations`) — and calls the backend's hooks (:class:`qa.index.backend.BackendWriter`)
for the searched data.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.bm25 import Segment, load_vocab, save_vocab
from qa.embed import CachedEmbedder
from qa.index import content, generations
from qa.index.backend import BackendWriter, Change, Previous, WriteJob
from qa.index.errors import BackendMismatch, EmbedderMismatch, NotInIndex, SourceMissing
from qa.index.faiss import FaissWriter
from qa.index.generations import MANIFEST, generation_name, writer_lock
from qa.index.manifest import Manifest
from qa.index.terms import DF, USERDICT, VOCAB, read_words, shared_analyzer
from qa.ingest import Document, FileError, detect_changes, parse_documents, scan_sources, unique
from qa.sentences import unique_sentence_texts
from qa.tokens import corpus_words, place_words

# The delta is merged into a new base when it and the deleted rows pass max(MERGE_MIN, chunks / MERGE_FRACTION).
MERGE_MIN = 1000
MERGE_FRACTION = 20


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


def merge_due(manifest: Manifest, change: Change, merge_min: int = MERGE_MIN, fraction: int = MERGE_FRACTION) -> bool:
    """Whether this write should fold the delta into a new base (delta rewrites grow with the delta)."""
    live = manifest.chunks - len(change.drop_base) - len(change.drop_delta) + len(change.chunks)
    pending = (
        manifest.delta_chunks - len(change.drop_delta) + len(change.chunks) + manifest.deleted + len(change.drop_base)
    )
    return pending > max(merge_min, live // fraction)


class IndexWriter:
    """Builds a new generation from a previous one (or from nothing) and publishes it atomically.

    Args:
        index_dir: the index directory.
        embedder: the (cached) embedder; an existing index must have been built with the same one.
        index_type: the vector index of a fresh build: flat (exact), ivf or ivf-sq8.
        show_progress: tqdm bars on stderr.
        progress: called as ``progress(stage, done, total)`` while parsing and embedding (stage is
            "parsing" or "embedding"), and once as ``progress("writing", 0, 0)`` — for a UI.
        backend: the backend's write hooks (default: FAISS; see :func:`qa.index.factory.open_writer`).
    """

    def __init__(
        self,
        index_dir: Path | str,
        embedder: CachedEmbedder,
        index_type: str = "flat",
        show_progress: bool = True,
        progress: Callable[[str, int, int], None] | None = None,
        backend: BackendWriter | None = None,
    ):
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.index_type = index_type
        self.show_progress = show_progress
        self.on_progress = progress
        self.backend: BackendWriter = backend or FaissWriter()
        # Merge thresholds (tests lower them to merge on every write).
        self.merge_min = MERGE_MIN
        self.merge_fraction = MERGE_FRACTION

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
        with self.backend.session(self.index_dir, self.embedder, check=False):
            source_dir = Path(source_dir)
            if not source_dir.is_dir():
                raise SourceMissing(source_dir)
            skipped: list[str] = []
            scanned = scan_sources(source_dir, skipped)
            files: list[tuple[str, Path | bytes]] = [(d, path) for d, (path, _st) in scanned.items()]
            uploaded = {name for name, _data in uploads}
            files = [f for f in files if f[0] not in uploaded] + unique(uploads)
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

        Uploaded documents are never touched by the folder (see :func:`qa.ingest.detect_changes`).
        ``uploads`` (name, path or bytes: the kept originals) are indexed as uploads when the
        index lacks them or holds other content under their name (an index built without them),
        with their ``corrections`` (name → corrected fields).
        """
        with self.backend.session(self.index_dir, self.embedder, check=True), writer_lock(self.index_dir):
            generations.clean_stale(self.index_dir)
            previous = Previous(self.index_dir)
            try:
                self._check_backend(previous.manifest)
                self._check_embedder(previous.manifest)
                folder = Path(source_dir or previous.manifest.source or "")
                if not folder.is_dir():
                    raise SourceMissing(folder)
                indexed = content.indexed_files(previous.db)
                changes = detect_changes(folder, indexed, uploads)
                report = WriteReport(unchanged=changes.unchanged, skipped=changes.skipped)
                wanted = {k: v for k, v in (corrections or {}).items() if k in changes.uploads}
                documents = self._parse(changes.read, report, wanted)
                for document in documents:
                    if document.doc_id in changes.shadowed:
                        document.origin = "upload"
                report.added = [d.doc_id for d in documents if d.doc_id not in indexed]
                report.changed = [d.doc_id for d in documents if d.doc_id in indexed]
                # A folder document an upload now replaces is "changed" (above), not removed.
                report.removed = changes.removed
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
        :func:`qa.ingest.apply_corrections`).
        """
        with self.backend.session(self.index_dir, self.embedder, check=True), writer_lock(self.index_dir):
            report = WriteReport()
            documents = self._parse(unique(files), report, corrections)
            for document in documents:
                document.origin = "upload"
            previous = Previous(self.index_dir) if (self.index_dir / generations.POINTER).exists() else None
            try:
                known: set[str] = set()
                if previous:
                    self._check_backend(previous.manifest)
                    self._check_embedder(previous.manifest)
                    known = content.document_ids(previous.db)
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
        """Drop documents from the index: a new base without their rows, and no earlier generation kept."""
        with self.backend.session(self.index_dir, self.embedder, check=True), writer_lock(self.index_dir):
            previous = Previous(self.index_dir)
            try:
                self._check_backend(previous.manifest)
                known = content.document_ids(previous.db)
                missing = [d for d in doc_ids if d not in known]
                if missing:
                    raise NotInIndex(missing)
                report = WriteReport(removed=list(doc_ids))
                # A real deletion: a new base without the rows (not a tombstone in the delta over a
                # hard-linked base that still holds the text), freed pages zeroed, and no earlier
                # generation kept (each still holds the text).
                self._write(previous, [], list(doc_ids), previous.manifest.source, report, purge=True)
                return report
            finally:
                previous.close()

    # ---- checks ----------------------------------------------------------------------------

    def _check_backend(self, manifest: Manifest) -> None:
        wanted = self.backend.name
        if manifest.backend != wanted:
            fix = f"rebuild with: qa index build --backend {wanted} --index {self.index_dir}"
            raise BackendMismatch(
                f"index at {self.index_dir} is held by {manifest.backend}, not {wanted}: to move it, {fix}",
                manifest.backend,
                wanted,
                fix,
            )

    def _check_embedder(self, manifest: Manifest) -> None:
        if manifest.embedder_key != self.embedder.key:
            fix = f"use the same embedder, or rebuild with: qa index build --index {self.index_dir}"
            raise EmbedderMismatch(
                f"index at {self.index_dir} was built with {manifest.embedder} ({manifest.model}); "
                f"this run uses {self.embedder.name} ({self.embedder.model}): {fix}",
                fix,
            )

    # ---- parsing and progress ----------------------------------------------------------------

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

    # ---- one generation ------------------------------------------------------------------------

    def _change(self, previous: Previous | None, add: list[Document], remove: list[str]) -> Change:
        """The rows a write drops (replaced and removed documents, with their files' later meetings)."""
        replaced = set(remove) | {d.doc_id for d in add}
        if previous:
            replaced = content.with_parts(previous.db, replaced)
        change = Change(add, replaced)
        if previous and change.replaced:
            change.drop_base, change.drop_base_docs, change.drop_delta = content.rows_of(
                previous.db, list(change.replaced)
            )
        next_cid = previous.manifest.next_cid if previous else 1
        change.cids = list(range(next_cid, next_cid + len(change.chunks)))
        return change

    def _embed(self, change: Change, report: WriteReport) -> None:
        """Vectors of the new chunks (cache first), and of their sentences into the cache."""
        embed_started = time.perf_counter()
        hits_before = self.embedder.cache.stats.hits if self.embedder.cache else 0
        embedded_before = getattr(self.embedder, "embedded", 0)
        with self._progress(len(change.chunks), "embedding") as bar:
            change.vectors = self.embedder.embed_passages([c.embed_text() for c in change.chunks], progress=bar.update)
        report.cache_hits = (self.embedder.cache.stats.hits - hits_before) if self.embedder.cache else 0
        # Texts the model actually embedded: identical chunks in one batch are embedded once.
        report.chunks_embedded = getattr(self.embedder, "embedded", 0) - embedded_before
        # Sentence vectors too (into the embedding cache): answers choose their quote by meaning.
        sentences = unique_sentence_texts(change.chunks)
        with self._progress(len(sentences), "sentences") as bar:
            self.embedder.embed_passages(sentences, progress=bar.update)
        report.timings["embed"] = time.perf_counter() - embed_started

    def _terms(self, job: WriteJob) -> dict[str, int]:
        """The analyzer's user words and the new chunks' term frequencies; returns the vocabulary."""
        previous, change = job.previous, job.change
        words = read_words(previous.generation_dir / USERDICT) if previous else place_words()
        words |= corpus_words(
            (c.norm for c in change.chunks), extra=[o.unit for d in change.add for o in d.meeting.observers]
        )
        analyzer = change.analyzer = shared_analyzer(words)
        analyzer.save(job.tmp / USERDICT)
        vocab = load_vocab(previous.generation_dir / VOCAB) if previous else {}
        change.segment = Segment.build(
            change.cids, (analyzer.terms(f"{c.header}\n{c.norm}") for c in change.chunks), vocab
        )
        return vocab

    def _write(
        self,
        previous: Previous | None,
        add: list[Document],
        remove: list[str],
        source: str | None,
        report: WriteReport,
        purge: bool = False,
    ) -> None:
        started = time.perf_counter()
        self.index_dir.mkdir(parents=True, exist_ok=True)
        generations.clean_stale(self.index_dir)
        generation = (previous.manifest.generation + 1) if previous else generations.next_generation(self.index_dir)
        name = generation_name(generation)
        tmp = generations.start(self.index_dir, name)
        job: WriteJob | None = None
        try:
            change = self._change(previous, add, remove)
            index_type = previous.manifest.index_type if previous else self.index_type
            job = WriteJob(self.index_dir, tmp, generation, previous, change, self.embedder, index_type, purge=purge)
            self._embed(change, report)
            if self.on_progress:
                self.on_progress("writing", 0, 0)
            index_started = time.perf_counter()
            vocab = self._terms(job)
            job.n_terms = len(vocab)  # the new chunks' terms included
            df, counts = self._write_segments(job)
            save_vocab(tmp / VOCAB, vocab)
            np.save(tmp / DF, df)
            documents, total = content.counts(tmp)
            manifest = Manifest(
                generation=generation,
                embedder=self.embedder.name,
                model=self.embedder.model,
                embedder_key=self.embedder.key,
                dim=self.embedder.dim,
                index_type=index_type,
                backend=self.backend.name,
                source=source,
                documents=documents,
                chunks=total,
                created=previous.manifest.created if previous else content.now(),
                updated=content.now(),
                extra=self.backend.manifest_extra(job),
                next_cid=(previous.manifest.next_cid if previous else 1) + len(change.chunks),
                **counts,
            )
            generations.fsync_files(tmp)
            manifest.write(tmp / MANIFEST)
            self.backend.sync(job, manifest)
            report.timings["index"] = time.perf_counter() - index_started
            generations.publish(self.index_dir, tmp, name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if job is not None:
                self.backend.abandoned(job)
            raise
        report.generation = name
        report.timings["write"] = time.perf_counter() - started
        generations.prune(self.index_dir, keep=name, purge=purge)
        self.backend.published(self.index_dir, manifest)

    def _write_segments(self, job: WriteJob) -> tuple[np.ndarray, dict[str, int]]:
        """The SQLite content and the backend's searched data, as a new base or as a delta."""
        previous, change, tmp = job.previous, job.change, job.tmp
        merge = (
            previous is None or job.purge or merge_due(previous.manifest, change, self.merge_min, self.merge_fraction)
        )
        if merge:
            previous_dir = previous.generation_dir if previous else None
            content.write_base(
                previous_dir, tmp, change.add, change.cids, change.drop_base, change.replaced, purge=job.purge
            )
            return self.backend.write_base(job)
        assert previous is not None
        for name in self.backend.base_files:
            generations.link(previous.generation_dir / name, tmp / name)
        job.deleted = content.write_delta(
            previous.generation_dir,
            tmp,
            change.add,
            change.cids,
            change.drop_base,
            change.replaced,
            change.drop_base_docs,
        )
        return self.backend.write_delta(job)


__all__ = ["MERGE_FRACTION", "MERGE_MIN", "IndexWriter", "WriteReport", "merge_due"]
