"""The write hooks of the Milvus backend: the collection, and the term statistics and facets of a generation.

Parsing, the embedding cache, the SQLite generations, the writer lock and the atomic publish are
:class:`qa.index.writer.IndexWriter`'s; these hooks supply the collection (see :mod:`qa.index.milvus`
for what builds and updates guarantee).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.bm25 import Segment, load_vocab
from qa.embed import CachedEmbedder
from qa.index.backend import WriteJob
from qa.index.content import BASE_DB, analysed_rows, date_int
from qa.index.errors import StoreError
from qa.index.generations import MANIFEST
from qa.index.manifest import Manifest, live_or_none
from qa.index.milvus.collection import (
    DELETE_BATCH,
    INSERT_BATCH,
    PROP_EMBEDDER,
    PROP_EMBEDDER_KEY,
    PROP_INDEX,
    Facets,
    check_collection,
    index_params,
    literal,
    rows,
    schema,
)
from qa.index.milvus.connection import (
    Connection,
    alias_for,
    default_uri,
    is_lite,
    milvus_errors,
    rebuild_hint,
    record_uri,
    resolve_uri,
)
from qa.index.terms import DF, USERDICT, VOCAB, read_words, shared_analyzer

if TYPE_CHECKING:
    from pymilvus import MilvusClient


class MilvusWriter:
    """Vectors and analysed text in a Milvus collection; connected for each public write operation.

    Args:
        uri: Milvus URI; default: the index's own, else ``<index>/milvus.db`` (milvus-lite).
        token: credentials for a Milvus server (never recorded).
    """

    name = "milvus"
    base_files: tuple[str, ...] = (BASE_DB,)

    def __init__(self, uri: str | None = None, token: str | None = None):
        self.uri = uri
        self.token = token
        self._connection: Connection | None = None
        self._index_dir = Path()
        self._target_uri = ""
        self._alias = ""

    @contextlib.contextmanager
    def session(self, index_dir: Path, embedder: CachedEmbedder, check: bool) -> Iterator[None]:
        """Resolve the URI and alias (the live index's, unless given) and connect before any work:
        an unreachable Milvus, or (``check``) a live collection that is missing or holds another
        embedder's vectors, is reported before hours of parsing and embedding, not after."""
        self._index_dir = index_dir
        live = live_or_none(index_dir)
        recorded = live.extra if live is not None and live.backend == self.name else {}
        if self.uri:
            self._target_uri = self.uri
        elif recorded.get("milvus_uri"):
            self._target_uri = resolve_uri(str(recorded["milvus_uri"]), index_dir)
        else:
            self._target_uri = default_uri(index_dir)
        self._alias = str(recorded.get("alias") or alias_for(index_dir))
        if is_lite(self._target_uri):
            index_dir.mkdir(parents=True, exist_ok=True)
        self._connection = Connection.open(self._target_uri, self.token)
        try:
            if check and live is not None and live.backend == self.name:
                collection = str(live.extra.get("collection"))
                check_collection(self._client, collection, live, index_dir, self._target_uri)
            yield
        finally:
            self._connection.close()
            self._connection = None

    @property
    def _client(self) -> MilvusClient:
        if self._connection is None:  # pragma: no cover - every public operation connects
            raise StoreError("not connected to Milvus")
        return self._connection.client

    def _fix(self) -> str:
        return rebuild_hint(self._index_dir, self._target_uri)

    # ---- generation contents: term statistics and facets (the writer wrote the SQLite) ------

    def write_base(self, job: WriteJob) -> tuple[np.ndarray, dict[str, int]]:
        """Term frequencies and facets of every live chunk; the base counts."""
        df = self._terms_and_facets(job)
        change = job.change
        live = (job.previous.manifest.chunks if job.previous else 0) - len(change.drop_base) - len(change.drop_delta)
        return df, {"base_chunks": live + len(change.chunks), "delta_chunks": 0, "deleted": 0}

    def write_delta(self, job: WriteJob) -> tuple[np.ndarray, dict[str, int]]:
        """Term frequencies and facets after the change; the delta counts."""
        previous, change = job.previous, job.change
        assert previous is not None  # a delta is always written over a previous generation
        df = self._terms_and_facets(job)
        delta = previous.manifest.delta_chunks - len(change.drop_delta) + len(change.chunks)
        return df, {"base_chunks": previous.manifest.base_chunks, "delta_chunks": delta, "deleted": job.deleted}

    def _terms_and_facets(self, job: WriteJob) -> np.ndarray:
        """Document frequencies and facets: the previous ones, minus the chunks that go, plus the new.

        There are no postings to count departing chunks from (Milvus holds the text), so they are
        tokenized again from their SQLite rows. Should the user dictionary have grown since they
        were indexed, their terms can differ slightly from what was counted then: frequencies are
        kept non-negative, and a build recounts them exactly.
        """
        previous, change, n_terms = job.previous, job.change, job.n_terms
        df = np.zeros(n_terms, dtype=np.int64)
        facets = Facets()
        if previous is not None:
            old = np.load(previous.generation_dir / DF)
            df[: len(old)] = old
            facets = Facets.load(previous.generation_dir)
            gone = change.drop_base + change.drop_delta
            if gone:
                vocab = load_vocab(previous.generation_dir / VOCAB)
                known = len(vocab)
                ids, texts = [], []
                for cid, text, region, city, province, date in analysed_rows(previous.db, gone):
                    ids.append(cid)
                    texts.append(text)
                    facets.count(region, city, province, date or 0, -1)
                analyzer = change.analyzer or shared_analyzer(read_words(previous.generation_dir / USERDICT))
                segment = Segment.build(ids, (analyzer.terms(t) for t in texts), vocab)
                df[: min(known, n_terms)] -= segment.df(len(vocab))[: min(known, n_terms)]
                np.maximum(df, 0, out=df)
        df += change.segment.df(n_terms)
        for chunk in change.chunks:
            facets.count(chunk.region, chunk.city, chunk.province, date_int(chunk.date), +1)
        facets.save(job.tmp)
        return df

    # ---- Milvus ------------------------------------------------------------------------------

    def manifest_extra(self, job: WriteJob) -> dict:
        """The URI (without credentials), the alias and the collection."""
        extra = dict(job.previous.manifest.extra) if job.previous else {"nprobe": 16}
        extra["milvus_uri"] = record_uri(self._target_uri, job.index_dir)
        extra["alias"] = str(extra.get("alias") or self._alias)
        if job.previous is None:
            extra["collection"] = f"{self._alias}_g{job.generation:06d}"
        return extra

    def sync(self, job: WriteJob, manifest: Manifest) -> None:
        """Write the generation's changes to its collection (a new one for a build)."""
        client, name, uri = self._client, str(manifest.extra["collection"]), self._target_uri
        previous, change, embedder = job.previous, job.change, job.embedder
        chunks = change.chunks
        if previous is None:
            with milvus_errors("create the collection", uri, "check the server, or use another --milvus-uri"):
                if client.has_collection(name):  # left by a build of the same number that was killed
                    client.drop_collection(name)
                words = change.analyzer.words if change.analyzer else []
                client.create_collection(
                    name,
                    schema=schema(embedder.dim, words),
                    index_params=index_params(client, manifest.index_type, len(chunks)),
                    consistency_level="Strong",
                    properties={
                        PROP_EMBEDDER_KEY: embedder.key,
                        PROP_EMBEDDER: f"{embedder.name} ({embedder.model})",
                        PROP_INDEX: str(job.index_dir.resolve()),
                    },
                )
        else:
            check_collection(client, name, previous.manifest, job.index_dir, uri)
            with milvus_errors("delete replaced rows", uri, self._fix()):
                # Rows no live generation allocated: left by a writer killed before it published.
                client.delete(name, filter=f"cid >= {previous.manifest.next_cid}")
                replaced = sorted(change.replaced)
                for start in range(0, len(replaced), DELETE_BATCH):
                    client.delete(name, filter=f"doc_id in {literal(replaced[start : start + DELETE_BATCH])}")
        with milvus_errors("insert rows", uri, self._fix()):
            batch: list[dict] = []
            vectors = change.vectors if chunks else np.zeros((0, embedder.dim), dtype=np.float32)
            for row in rows(change.cids, chunks, vectors):
                batch.append(row)
                if len(batch) == INSERT_BATCH:
                    client.insert(name, batch)
                    batch = []
            if batch:
                client.insert(name, batch)
            if previous is None:
                client.flush(name)  # seal the build's segments so that the server indexes them
                client.load_collection(name)

    def abandoned(self, job: WriteJob) -> None:
        """A build that failed drops the collection it created."""
        if job.previous is None and self._connection is not None:
            with contextlib.suppress(Exception):
                self._client.drop_collection(f"{self._alias}_g{job.generation:06d}")

    def published(self, index_dir: Path, manifest: Manifest) -> None:
        """Point the alias at the live collection; drop collections no generation on disk names."""
        client, name, alias = self._client, str(manifest.extra["collection"]), str(manifest.extra["alias"])
        with milvus_errors("switch the alias", self._target_uri, self._fix()):
            if alias not in client.list_aliases(name).get("aliases", []):
                if alias in client.list_aliases().get("aliases", []):
                    client.alter_alias(name, alias)
                else:
                    client.create_alias(name, alias)
            referenced = {name}
            for path in index_dir.glob(f"gen-*/{MANIFEST}"):
                with contextlib.suppress(Exception):
                    referenced.add(str(Manifest.read(path).extra.get("collection")))
            for other in client.list_collections():
                if other.startswith(f"{alias}_g") and other not in referenced:
                    client.drop_collection(other)
