"""Reading a Milvus-backed generation: SQLite for citations, the collection for retrieval."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.bm25 import load_vocab
from qa.fusion import RRF_K  # Milvus fuses with our constant: the fused scores are the same numbers
from qa.index.errors import MissingCollection, rebuild_fix
from qa.index.milvus.collection import (
    MAX_LIMIT,
    Facets,
    TermStats,
    both,
    check_collection,
    filter_expression,
    literal,
)
from qa.index.milvus.connection import Connection, display_uri, is_lite, milvus_errors, rebuild_hint, resolve_uri
from qa.index.reader import GenerationReader
from qa.index.terms import DF, VOCAB

if TYPE_CHECKING:
    from qa.query import Filters


class MilvusReader(GenerationReader):
    """One generation of a Milvus-backed index: SQLite for citations, Milvus for retrieval.

    Its restriction is a Milvus filter expression, ``None`` for all.

    Args:
        index_dir: the index directory.
        uri: the Milvus URI (default: the one the index records).
        token: credentials for a Milvus server (never recorded).
    """

    backend = "milvus"

    def __init__(self, index_dir: Path | str, uri: str | None = None, token: str | None = None):
        self._connection: Connection | None = None
        self._uri_given = uri
        super().__init__(index_dir, rebuild_fix(index_dir, backend="milvus"))
        self._fix = rebuild_hint(self.index_dir, self.uri)
        try:
            if is_lite(self.uri) and not Path(self.uri).exists():
                raise MissingCollection(
                    f"no milvus-lite database at {self.uri} for the index at {self.index_dir}; "
                    f"rebuild it with: {self._fix}",
                    self._fix,
                )
            self._connection = Connection.open(self.uri, token)
            self.client = self._connection.client
            check_collection(self.client, self.collection, self.manifest, self.index_dir, self.uri)
            with milvus_errors("load the collection", self.uri, self._fix):
                self.client.load_collection(self.collection)
        except BaseException:
            self.close()
            raise
        self._search_params = {"nprobe": int(self.manifest.extra.get("nprobe", 16))}

    def _load(self) -> None:
        generation = self.generation_dir
        self.bm25 = TermStats(load_vocab(generation / VOCAB), np.load(generation / DF), self.manifest.chunks)
        self.facets = Facets.load(generation)
        self.collection = str(self.manifest.extra["collection"])
        self.uri = self._uri_given or resolve_uri(str(self.manifest.extra["milvus_uri"]), self.index_dir)

    # ---- facets ----------------------------------------------------------------------------

    def regions(self) -> list[str]:
        """Regions of the indexed meetings, sorted."""
        return sorted({region for region, _city, _province in self.places()})

    def places(self) -> list[tuple[str, str, str]]:
        """Distinct (region, city, province) of the chunks (regions known only)."""
        return [place for place, n in sorted(self.facets.places.items()) if n > 0 and place[0]]

    # ---- restrictions and retrieval ----------------------------------------------------------

    def restrict(self, filters: Filters) -> str | None:
        """Question filters as a filter expression."""
        return filter_expression(filters)

    def matches_none(self, restriction: str | None) -> bool:
        """Never known without a query: an empty filter simply returns no candidates."""
        return False

    def dense_search(self, vector: np.ndarray, k: int, restriction: str | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, inner product) among chunks passing the restriction."""
        if k <= 0:
            return []
        with milvus_errors("search", self.uri, self._fix):
            result = self.client.search(
                self.collection,
                data=[np.asarray(vector, dtype=np.float32).reshape(-1)],
                anns_field="dense",
                limit=min(k, MAX_LIMIT),
                filter=restriction or "",
                output_fields=["cid"],
                search_params={"metric_type": "IP", "params": self._search_params},
            )
        return [(int(hit["cid"]), float(hit["distance"])) for hit in result[0]]

    def text_search(self, text: str, k: int, restriction: str | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score) for a text, analysed by Milvus."""
        if k <= 0 or not text.strip():
            return []
        with milvus_errors("search", self.uri, self._fix):
            result = self.client.search(
                self.collection,
                data=[text],
                anns_field="sparse",
                limit=min(k, MAX_LIMIT),
                filter=restriction or "",
                output_fields=["cid"],
                search_params={"metric_type": "BM25"},
            )
        # milvus-lite reports BM25 as a distance (-score); a server reports the score. Ranks agree.
        return [(int(hit["cid"]), abs(float(hit["distance"]))) for hit in result[0]]

    def hybrid_search(
        self, vector: np.ndarray, text: str, k: int, restriction: str | None = None
    ) -> list[tuple[int, float]]:
        """Dense and BM25 candidates (``k`` each) fused by Milvus with RRF: (chunk id, fused score).

        The filter goes into each request's ``expr``: milvus-lite ignores a top-level ``filter``
        of ``hybrid_search``. Up to ``2 k`` fused results are kept, as when fusing locally.
        """
        from pymilvus import AnnSearchRequest, RRFRanker

        limit = min(k, MAX_LIMIT)
        requests = [
            AnnSearchRequest(
                data=[np.asarray(vector, dtype=np.float32).reshape(-1)],
                anns_field="dense",
                param={"metric_type": "IP", "params": self._search_params},
                limit=limit,
                expr=restriction,
            )
        ]
        if text.strip():
            requests.append(
                AnnSearchRequest(
                    data=[text], anns_field="sparse", param={"metric_type": "BM25"}, limit=limit, expr=restriction
                )
            )
        with milvus_errors("search", self.uri, self._fix):
            result = self.client.hybrid_search(
                self.collection, requests, ranker=RRFRanker(RRF_K), limit=min(2 * k, MAX_LIMIT), output_fields=["cid"]
            )
        return [(int(hit["cid"]), float(hit["distance"])) for hit in result[0]]

    def _query(self, where: str, fields: list[str]) -> list[dict]:
        with milvus_errors("query", self.uri, self._fix):
            return list(self.client.query(self.collection, filter=where, output_fields=fields, limit=MAX_LIMIT))

    def overviews(self, restriction: str | None, k: int) -> list[int]:
        """The first ``k`` meeting overviews (by chunk id) passing the restriction."""
        found = self._query(both(restriction, 'kind == "overview"'), ["cid"])
        return sorted(int(r["cid"]) for r in found)[:k]

    def agenda(self, restriction: str, max_documents: int = 20) -> list[int]:
        """Chunk ids of the first ``max_documents`` documents (by id) with chunks passing the restriction.

        Documents are chosen among the first 16,384 matching rows (Milvus's query window); the
        list is meant as a sample of the filtered meetings, not all of them.
        """
        docs = sorted({str(r["doc_id"]) for r in self._query(restriction, ["doc_id"])})[:max_documents]
        if not docs:
            return []
        found = self._query(both(restriction, f"doc_id in {literal(docs)}"), ["cid"])
        return sorted(int(r["cid"]) for r in found)

    def count(self) -> int:
        """Rows in the collection (the live chunks, unless a write was interrupted)."""
        with milvus_errors("count rows", self.uri, self._fix):
            found = self.client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(found[0]["count(*)"]) if found else 0

    def stats(self) -> dict:
        """Counts, regions, date range, embedder, Milvus URI and collection, size on disk."""
        dates = [d for d, n in self.facets.dates.items() if d > 0 and n > 0]
        span = [min(dates), max(dates)] if dates else None
        stats = self.generation_stats(self.manifest.chunks, span, self.regions())
        stats.update(milvus_uri=display_uri(self.uri), collection=self.collection, milvus_rows=self.count())
        return stats

    def close(self) -> None:
        """Close the SQLite connection and the Milvus connection."""
        if hasattr(self, "db"):
            self.db.close()
        if self._connection is not None:
            self._connection.close()
            self._connection = None
