"""The index on Milvus: the same generations, with vectors and analysed text in a Milvus collection.

For collections beyond one machine (a province, the whole country) the searched part of an index
lives in Milvus (through ``pymilvus``'s ``MilvusClient``): one collection per index with, per chunk,

    cid (primary key) · doc_id · kind · region · city · province · date (YYYYMMDD, 0 unknown) ·
    month · meeting_number (-1 unknown) · heading · text (jieba analyser) → sparse (BM25 function) ·
    dense (the embedding, inner product)

The index directory keeps what citations and the web app need, exactly as with FAISS: immutable
generations of SQLite (documents with their original text, chunk rows with spans and metadata,
document-number lookup), the jieba user words, the terms' document frequencies (the coverage
rerank weighs question words by them) and a small ``facets.json`` (regions and dates with their
chunk counts: question filters and ``stats`` need them, and scanning 10 M rows for them would
not do). The manifest records ``backend: milvus``, the URI and the collection, so ``qa ask``
needs no flag after ``qa index build --backend milvus``. The default URI is ``<index>/milvus.db``:
milvus-lite, in-process, no server. A server or cluster URI (``http://host:19530``) works the same.

Retrieval is Milvus's own: ``hybrid_search`` over the dense and BM25 fields with an RRF ranker
(k = 60, the constant :mod:`qa.search` uses, so the fused scores are the same numbers), and each
request carries the question's filters as its own ``expr`` — milvus-lite ignores a top-level
``filter=`` of ``hybrid_search`` (tests/test_milvus.py checks both). Everything after retrieval
(coverage rerank, answers, citations) is the same code as with FAISS.

Writes and what they guarantee:

* **build** writes a new collection ``<alias>_g<generation>`` and then publishes the generation
  whose manifest names it (the atomic rename of CURRENT, as with FAISS); the alias ``<alias>`` is
  then switched to it for other Milvus clients. Readers open the collection their generation
  names, so a reader never mixes the SQLite rows of one build with the vectors of another.
  Collections no generation on disk refers to any more are dropped.
* **update** (and uploads, removals) changes the live collection in place, per document: the
  rows of every changed or removed document are deleted by ``doc_id`` and the new rows inserted,
  then the new generation goes live. While that runs, a question may miss a document being
  replaced (its old rows gone, its new rows unknown to the live SQLite — they are skipped), never
  see a wrong one. A writer killed half-way leaves rows the live generation does not know, and
  may have deleted the rows of documents it was replacing: the next write deletes every row whose
  id the live generation has not allocated (``cid >= next_cid``), and the next update of the folder
  finds those documents still changed and writes them again (an interrupted upload: when it is
  uploaded again).

milvus-lite lets one process at a time open a database: while ``qa serve`` runs on a lite index,
``qa index update`` from a shell is refused with a one-line error (the web page's own uploads go
through the serving process). With a Milvus server there is no such limit.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pymilvus  # noqa: F401  (imported first: it configures its loggers, which are quietened below)

from qa.bm25 import Segment, load_vocab
from qa.embed import CachedEmbedder
from qa.fusion import RRF_K  # Milvus fuses with our constant: the fused scores are the same numbers
from qa.store import (
    BASE_DB,
    GenerationReader,
    IndexWriter,
    Manifest,
    StoreError,
    WriteReport,
    _Change,
    _date_int,
    _Previous,
    _read_words,
    _write_atomic,
    connect,
    current_generation,
    shared_analyzer,
)
from qa.tokens import STOPWORDS

if TYPE_CHECKING:
    from pymilvus import MilvusClient

    from qa.query import Filters

MAX_LIMIT = 16384  # Milvus's largest topk / query window
INSERT_BATCH = 500
DELETE_BATCH = 200
CONNECT_TIMEOUT = 10.0
FACETS = "facets.json"
# Properties recorded on the collection: what made its vectors, and which index it belongs to.
PROP_EMBEDDER_KEY, PROP_EMBEDDER, PROP_INDEX = "qa.embedder_key", "qa.embedder", "qa.index"
# Punctuation that jieba returns as tokens (Milvus's removepunct filter drops it on a server;
# milvus-lite only reads stop words, so it is listed there too).
_PUNCTUATION = list("，。、；：？！“”‘’（）《》【】〔〕﹝﹞…—·,.;:?!()[]<>\"'-/\\%")
_FIELD_BYTES = {"doc_id": 1024, "kind": 16, "region": 128, "city": 128, "province": 128, "heading": 2048}
_TEXT_BYTES = 65535

# pymilvus logs every failed call with a traceback on stderr; we report one line ourselves.
for _name in ("pymilvus", "pymilvus.milvus_client", "pymilvus.bulk_writer", "milvus_lite"):
    logging.getLogger(_name).setLevel(logging.CRITICAL + 1)
# milvus-lite analyses text with jieba's global tokenizer, which announces loading its dictionary;
# its in-process gRPC server logs calls it does not implement (pymilvus's AllocTimestamp while
# waiting for an index), which pymilvus survives.
logging.getLogger("jieba").setLevel(logging.WARNING)
logging.getLogger("grpc._server").setLevel(logging.CRITICAL + 1)


# ---------------------------------------------------------------------------------------------
# URIs, names and connections
# ---------------------------------------------------------------------------------------------


def is_lite(uri: str) -> bool:
    """Whether a URI names a milvus-lite database (a local ``.db`` path) rather than a server."""
    return "://" not in uri and not uri.startswith("unix:")


def default_uri(index_dir: Path | str) -> str:
    """milvus-lite inside the index directory."""
    return str(Path(index_dir) / "milvus.db")


def display_uri(uri: str) -> str:
    """A URI without credentials (what messages and manifests show)."""
    if is_lite(uri):
        return uri
    parts = urllib.parse.urlsplit(uri)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return uri


def record_uri(uri: str, index_dir: Path | str) -> str:
    """The URI as the manifest keeps it: a lite database inside the index relative to it, no credentials."""
    if is_lite(uri):
        path, root = Path(uri).resolve(), Path(index_dir).resolve()
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    return display_uri(uri)


def resolve_uri(recorded: str, index_dir: Path | str) -> str:
    """The URI a manifest records, a relative lite path taken inside the index directory."""
    if is_lite(recorded) and not os.path.isabs(recorded):
        return str(Path(index_dir) / recorded)
    return recorded


def alias_for(index_dir: Path | str) -> str:
    """The collection alias of an index: its folder name and a hash of its absolute path."""
    path = Path(index_dir).resolve()
    slug = re.sub(r"[^A-Za-z0-9]+", "_", path.name).strip("_")[:32] or "index"
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    return f"qa_{slug}_{digest}"


def _rebuild_hint(index_dir: Path, uri: str) -> str:
    flag = "" if uri == default_uri(index_dir) else f" --milvus-uri {display_uri(uri)}"
    return f"qa index build --backend milvus{flag} --index {index_dir}"


def _one_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _is_milvus_error(exc: BaseException) -> bool:
    from pymilvus.exceptions import MilvusException

    try:
        import grpc

        return isinstance(exc, MilvusException | grpc.RpcError)
    except ImportError:  # pragma: no cover - a dependency of pymilvus
        return isinstance(exc, MilvusException)


@contextlib.contextmanager
def _errors(what: str, uri: str, fix: str) -> Iterator[None]:
    """Milvus failures as one-line StoreErrors naming what failed and how to fix it."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if not _is_milvus_error(exc):
            raise
        raise StoreError(f"Milvus at {display_uri(uri)} could not {what} ({_one_line(exc)}); {fix}") from None


_LITE_LOCK = threading.Lock()
_LITE_USERS: dict[str, int] = {}


class Connection:
    """A ``MilvusClient`` for one URI. milvus-lite databases are served in-process and shared by
    every connection to them; the last one closed releases the database (and its lock), so that
    another process — a ``qa`` command after a test, a server after a build — can open it."""

    def __init__(self, uri: str, token: str | None, client: MilvusClient):
        self.uri = uri
        self.token = token
        self.client = client
        self._closed = False

    @classmethod
    def open(cls, uri: str, token: str | None = None, fix: str = "") -> Connection:
        """Connect, or raise a one-line StoreError (unreachable server, lite database in use)."""
        from pymilvus import MilvusClient

        fix = fix or "start it, or point --milvus-uri / QA_MILVUS_URI at a running Milvus"
        lite = is_lite(uri)
        path = os.path.abspath(uri) if lite else ""
        if lite:
            if not Path(path).parent.is_dir():
                raise StoreError(f"cannot open milvus-lite database {uri}: folder {Path(path).parent} does not exist")
            with _LITE_LOCK:
                _LITE_USERS[path] = _LITE_USERS.get(path, 0) + 1
        try:
            client = MilvusClient(uri, token=token or "", timeout=CONNECT_TIMEOUT)
        except Exception as exc:
            if lite:
                cls._release_lite(path)
                if _locked_elsewhere(path):
                    raise StoreError(
                        f"milvus-lite database {uri} is in use by another process (a running qa serve?); "
                        "stop it and try again, or use a Milvus server (--milvus-uri http://HOST:19530)"
                    ) from None
            if not _is_milvus_error(exc):
                raise
            raise StoreError(f"cannot reach Milvus at {display_uri(uri)} ({_one_line(exc)}); {fix}") from None
        return cls(uri, token, client)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self.client.close()
        if is_lite(self.uri):
            self._release_lite(os.path.abspath(self.uri))

    @staticmethod
    def _release_lite(path: str) -> None:
        with _LITE_LOCK:
            users = _LITE_USERS.get(path, 0) - 1
            if users > 0:
                _LITE_USERS[path] = users
                return
            _LITE_USERS.pop(path, None)
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(path)


def _locked_elsewhere(path: str) -> bool:
    """Whether another process holds a milvus-lite database's lock file."""
    lock = Path(path) / "LOCK"
    if not lock.exists():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


# ---------------------------------------------------------------------------------------------
# the collection
# ---------------------------------------------------------------------------------------------


def analyzer_params(words: Sequence[str] = ()) -> dict:
    """jieba in search mode with the index's user words (places, units, titles) and our stop words.

    The same parameters work on a Milvus server (``_default_`` keeps jieba's own dictionary;
    ``removepunct`` drops punctuation tokens) and on milvus-lite (which reads the words and the
    stop words).
    """
    return {
        "tokenizer": {"type": "jieba", "dict": ["_default_", *words], "mode": "search", "hmm": True},
        "filter": ["removepunct", {"type": "stop", "stop_words": sorted(STOPWORDS) + _PUNCTUATION}],
    }


def _schema(dim: int, words: Sequence[str]):
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("cid", DataType.INT64, is_primary=True)
    for name, size in _FIELD_BYTES.items():
        schema.add_field(name, DataType.VARCHAR, max_length=size)
    schema.add_field("date", DataType.INT64)
    schema.add_field("month", DataType.INT64)
    schema.add_field("meeting_number", DataType.INT64)
    schema.add_field(
        "text", DataType.VARCHAR, max_length=_TEXT_BYTES, enable_analyzer=True, analyzer_params=analyzer_params(words)
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]
        )
    )
    return schema


def _index_params(client: MilvusClient, index_type: str, rows: int):
    """Dense: exact (FLAT) or IVF as ``--index-type`` says; BM25 with our k1 and b."""
    params = client.prepare_index_params()
    nlist = int(min(4096, max(16, 4 * np.sqrt(max(rows, 1)))))
    if index_type == "flat" or rows < 2000:
        params.add_index("dense", index_type="FLAT", metric_type="IP")
    elif index_type in ("ivf", "ivf-sq8"):
        kind = "IVF_FLAT" if index_type == "ivf" else "IVF_SQ8"
        params.add_index("dense", index_type=kind, metric_type="IP", params={"nlist": nlist})
    else:
        raise StoreError(f"unknown index type '{index_type}' (choose flat, ivf or ivf-sq8)")
    params.add_index(
        "sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": 1.2, "bm25_b": 0.75}
    )
    return params


def _clip(text: str | None, limit: int) -> str:
    """Text cut to a VARCHAR's byte limit (on a character boundary)."""
    data = (text or "").encode("utf-8")
    return text or "" if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def _rows(cids: Sequence[int], chunks: Sequence, vectors: np.ndarray) -> Iterator[dict]:
    for cid, chunk, vector in zip(cids, chunks, vectors, strict=True):
        date = _date_int(chunk.date)
        yield {
            "cid": int(cid),
            "doc_id": _clip(chunk.doc_id, _FIELD_BYTES["doc_id"]),
            "kind": chunk.kind,
            "region": _clip(chunk.region, _FIELD_BYTES["region"]),
            "city": _clip(chunk.city, _FIELD_BYTES["city"]),
            "province": _clip(chunk.province, _FIELD_BYTES["province"]),
            "heading": _clip(chunk.heading, _FIELD_BYTES["heading"]),
            "date": date,
            "month": (date // 100) % 100,
            "meeting_number": -1 if chunk.meeting_number is None else int(chunk.meeting_number),
            # What our BM25 reads too: the context header and the normalised text.
            "text": _clip(f"{chunk.header}\n{chunk.norm}", _TEXT_BYTES),
            "dense": np.asarray(vector, dtype=np.float32),
        }


def _literal(values: Sequence[str]) -> str:
    """A Milvus list of string literals."""
    return json.dumps([str(v) for v in values], ensure_ascii=False)


def filter_expression(filters: Filters) -> str | None:
    """Question filters as a Milvus boolean expression (``None``: nothing filtered).

    The same rows as :meth:`qa.store.ChunkMeta.mask`: a region name matches the region, the city
    or the province; months are those of the meeting date; an unknown date or number passes.
    """
    parts = []
    if filters.regions:
        names = _literal(filters.regions)
        parts.append(f"(region in {names} or city in {names} or province in {names})")
    # Unknown passes (date 0, meeting number -1), as in the FAISS mask.
    if filters.date_from:
        parts.append(f"(date == 0 or date >= {_date_int(filters.date_from)})")
    if filters.date_to:
        parts.append(f"date <= {_date_int(filters.date_to)}")
    if filters.months:
        parts.append(f"(date == 0 or month in {sorted({int(m) for m in filters.months})})")
    if filters.meeting_number is not None:
        parts.append(f"(meeting_number == {int(filters.meeting_number)} or meeting_number < 0)")
    return " and ".join(parts) or None


def _and(where: str | None, condition: str) -> str:
    return f"({where}) and {condition}" if where else condition


def check_collection(client: MilvusClient, name: str, manifest: Manifest, index_dir: Path, uri: str) -> None:
    """The collection a generation names exists and holds vectors of the generation's embedder."""
    fix = _rebuild_hint(index_dir, uri)
    with _errors("describe the collection", uri, fix):
        if not client.has_collection(name):
            raise StoreError(
                f"Milvus at {display_uri(uri)} has no collection {name} for the index at {index_dir}; "
                f"rebuild it with: {fix}"
            )
        properties = client.describe_collection(name).get("properties") or {}
    key = properties.get(PROP_EMBEDDER_KEY)
    if key != manifest.embedder_key:
        raise StoreError(
            f"collection {name} at {display_uri(uri)} was built with {key or 'an unknown embedder'}, but the index "
            f"at {index_dir} expects {manifest.embedder_key}; rebuild it with: {fix}"
        )


# ---------------------------------------------------------------------------------------------
# what the index directory keeps besides SQLite: term statistics and facets
# ---------------------------------------------------------------------------------------------


class TermStats:
    """Document frequencies of our BM25 terms, for the coverage weights (as ``Bm25Index.idf_of``)."""

    def __init__(self, vocab: dict[str, int], df: np.ndarray, n: int):
        self.vocab = vocab
        self.df = np.asarray(df, dtype=np.int64)
        self.idf = (
            np.log1p((n - self.df + 0.5) / (self.df + 0.5)).astype(np.float32) if n else np.zeros(len(df), np.float32)
        )

    def idf_of(self, term: str) -> float:
        index = self.vocab.get(term)
        return float(self.idf[index]) if index is not None and index < len(self.idf) else 0.0


@dataclass
class Facets:
    """Chunk counts per (region, city, province) and per meeting date, kept up to date by writes."""

    places: Counter = field(default_factory=Counter)
    dates: Counter = field(default_factory=Counter)

    @classmethod
    def load(cls, directory: Path) -> Facets:
        data = json.loads((directory / FACETS).read_text(encoding="utf-8"))
        return cls(
            Counter({tuple(p[:3]): p[3] for p in data["places"]}), Counter({int(d): n for d, n in data["dates"]})
        )

    def save(self, directory: Path) -> None:
        data = {
            "places": [[*place, n] for place, n in sorted(self.places.items()) if n > 0],
            "dates": [[d, n] for d, n in sorted(self.dates.items()) if n > 0],
        }
        _write_atomic(directory / FACETS, json.dumps(data, ensure_ascii=False))

    def count(self, region: str | None, city: str | None, province: str | None, date: int, sign: int) -> None:
        self.places[(region or "", city or "", province or "")] += sign
        self.dates[date] += sign


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


class MilvusReader(GenerationReader):
    """One generation of a Milvus-backed index: SQLite for citations, Milvus for retrieval.

    Offers what :class:`qa.search.Searcher`, the answerer and the web app use from
    :class:`qa.store.IndexReader`; restrictions are Milvus filter expressions.

    Args:
        index_dir: the index directory.
        uri: the Milvus URI (default: the one the index records).
        token: credentials for a Milvus server (never recorded).
    """

    native_hybrid = True  # Milvus fuses dense and BM25 ranks itself (hybrid_search + RRF)

    def __init__(self, index_dir: Path | str, uri: str | None = None, token: str | None = None):
        self.index_dir = Path(index_dir)
        self.generation_dir = current_generation(self.index_dir)
        generation = self.generation_dir
        self._connection: Connection | None = None
        fix = f"rebuild it with: qa index build --backend milvus --index {self.index_dir}"
        try:
            self.manifest = Manifest.load(self.index_dir, generation, fix, backend="milvus")
            self.db = connect(generation)
            self.analyzer = shared_analyzer(_read_words(generation / "userdict.txt"))
            self.bm25 = TermStats(
                load_vocab(generation / "bm25_vocab.json"), np.load(generation / "bm25_df.npy"), self.manifest.chunks
            )
            self.facets = Facets.load(generation)
            self.collection = str(self.manifest.extra["collection"])
            self.uri = uri or resolve_uri(str(self.manifest.extra["milvus_uri"]), self.index_dir)
        except Exception as exc:
            if hasattr(self, "db"):
                self.db.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"index at {self.index_dir} is damaged ({type(exc).__name__}: {exc}); {fix}") from None
        self._fix = _rebuild_hint(self.index_dir, self.uri)
        try:
            if is_lite(self.uri) and not Path(self.uri).exists():
                raise StoreError(
                    f"no milvus-lite database at {self.uri} for the index at {self.index_dir}; "
                    f"rebuild it with: {self._fix}"
                )
            self._connection = Connection.open(self.uri, token)
            self.client = self._connection.client
            check_collection(self.client, self.collection, self.manifest, self.index_dir, self.uri)
            with _errors("load the collection", self.uri, self._fix):
                self.client.load_collection(self.collection)
        except BaseException:
            self.close()
            raise
        self._search_params = {"nprobe": int(self.manifest.extra.get("nprobe", 16))}

    # ---- what the searcher asks ---------------------------------------------------------------

    def regions(self) -> list[str]:
        """Regions of the indexed meetings, sorted."""
        return sorted({region for region, _city, _province in self.places()})

    def places(self) -> list[tuple[str, str, str]]:
        """Distinct (region, city, province) of the chunks (regions known only)."""
        return [place for place, n in sorted(self.facets.places.items()) if n > 0 and place[0]]

    def restrict(self, filters: Filters) -> str | None:
        """Question filters as a filter expression."""
        return filter_expression(filters)

    def matches_none(self, where: str | None) -> bool:
        # Asking would cost a query; an empty filter simply returns no candidates.
        return False

    def dense_search(self, vector: np.ndarray, k: int, where: str | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, inner product) among chunks passing ``where``."""
        if k <= 0:
            return []
        with _errors("search", self.uri, self._fix):
            result = self.client.search(
                self.collection,
                data=[np.asarray(vector, dtype=np.float32).reshape(-1)],
                anns_field="dense",
                limit=min(k, MAX_LIMIT),
                filter=where or "",
                output_fields=["cid"],
                search_params={"metric_type": "IP", "params": self._search_params},
            )
        return [(int(hit["cid"]), float(hit["distance"])) for hit in result[0]]

    def text_search(self, text: str, k: int, where: str | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score) for a text, analysed by Milvus."""
        if k <= 0 or not text.strip():
            return []
        with _errors("search", self.uri, self._fix):
            result = self.client.search(
                self.collection,
                data=[text],
                anns_field="sparse",
                limit=min(k, MAX_LIMIT),
                filter=where or "",
                output_fields=["cid"],
                search_params={"metric_type": "BM25"},
            )
        # milvus-lite reports BM25 as a distance (-score); a server reports the score. Ranks agree.
        return [(int(hit["cid"]), abs(float(hit["distance"]))) for hit in result[0]]

    def hybrid_search(self, vector: np.ndarray, text: str, k: int, where: str | None = None) -> list[tuple[int, float]]:
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
                expr=where,
            )
        ]
        if text.strip():
            requests.append(
                AnnSearchRequest(
                    data=[text], anns_field="sparse", param={"metric_type": "BM25"}, limit=limit, expr=where
                )
            )
        with _errors("search", self.uri, self._fix):
            result = self.client.hybrid_search(
                self.collection, requests, ranker=RRFRanker(RRF_K), limit=min(2 * k, MAX_LIMIT), output_fields=["cid"]
            )
        return [(int(hit["cid"]), float(hit["distance"])) for hit in result[0]]

    def _query(self, where: str, fields: list[str]) -> list[dict]:
        with _errors("query", self.uri, self._fix):
            return list(self.client.query(self.collection, filter=where, output_fields=fields, limit=MAX_LIMIT))

    def overviews(self, where: str | None, k: int) -> list[int]:
        """The first ``k`` meeting overviews (by chunk id) passing ``where``."""
        rows = self._query(_and(where, 'kind == "overview"'), ["cid"])
        return sorted(int(r["cid"]) for r in rows)[:k]

    def agenda(self, where: str, max_documents: int = 20) -> list[int]:
        """Chunk ids of the first ``max_documents`` documents (by id) with chunks passing ``where``.

        Documents are chosen among the first 16,384 matching rows (Milvus's query window); the
        list is meant as a sample of the filtered meetings, not all of them.
        """
        docs = sorted({str(r["doc_id"]) for r in self._query(where, ["doc_id"])})[:max_documents]
        if not docs:
            return []
        return sorted(int(r["cid"]) for r in self._query(_and(where, f"doc_id in {_literal(docs)}"), ["cid"]))

    def count(self) -> int:
        """Rows in the collection (the live chunks, unless a write was interrupted)."""
        with _errors("count rows", self.uri, self._fix):
            rows = self.client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def stats(self) -> dict:
        """Counts, regions, date range, embedder, Milvus URI and collection, size on disk."""
        dates = [d for d, n in self.facets.dates.items() if d > 0 and n > 0]
        stats = self._stats(self.manifest.chunks, [min(dates), max(dates)] if dates else None)
        stats.update(milvus_uri=display_uri(self.uri), collection=self.collection, milvus_rows=self.count())
        return stats

    def close(self) -> None:
        if hasattr(self, "db"):
            self.db.close()
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


class MilvusIndexWriter(IndexWriter):
    """:class:`qa.store.IndexWriter` with vectors and analysed text in Milvus.

    Parsing, the embedding cache, the SQLite generations, the writer lock and the atomic publish
    are the FAISS writer's; this class supplies the collection (see the module docstring for what
    builds and updates guarantee).

    Args:
        uri: Milvus URI; default: the index's own, else ``<index>/milvus.db`` (milvus-lite).
        token: credentials for a Milvus server (never recorded).
    """

    backend = "milvus"
    base_files = (BASE_DB,)

    def __init__(
        self,
        index_dir: Path | str,
        embedder: CachedEmbedder,
        index_type: str = "flat",
        show_progress: bool = True,
        progress: Callable[[str, int, int], None] | None = None,
        uri: str | None = None,
        token: str | None = None,
    ):
        super().__init__(index_dir, embedder, index_type, show_progress, progress)
        self.uri = uri
        self.token = token
        self._connection: Connection | None = None
        self._target_uri = ""
        self._alias = ""

    # ---- public operations: connected for their duration ------------------------------------

    def build(
        self,
        source_dir: Path | str,
        uploads: Sequence[tuple[str, Path | bytes]] = (),
        corrections: Mapping[str, Mapping[str, object]] | None = None,
    ) -> WriteReport:
        with self._connected():
            return super().build(source_dir, uploads, corrections)

    def update(
        self,
        source_dir: Path | str | None = None,
        uploads: Sequence[tuple[str, Path | bytes]] = (),
        corrections: Mapping[str, Mapping[str, object]] | None = None,
    ) -> WriteReport:
        with self._connected(check=True):
            return super().update(source_dir, uploads, corrections)

    def add_files(
        self, files: Sequence[tuple[str, bytes]], corrections: Mapping[str, Mapping[str, object]] | None = None
    ) -> WriteReport:
        with self._connected(check=True):
            return super().add_files(files, corrections)

    def remove_documents(self, doc_ids: Sequence[str]) -> WriteReport:
        with self._connected(check=True):
            return super().remove_documents(doc_ids)

    @contextlib.contextmanager
    def _connected(self, check: bool = False) -> Iterator[None]:
        """Resolve the URI and alias (the live index's, unless given) and connect before any work:
        an unreachable Milvus, or (``check``) a live collection that is missing or holds another
        embedder's vectors, is reported before hours of parsing and embedding, not after."""
        live = _live_manifest(self.index_dir)
        recorded = live.extra if live is not None and live.backend == "milvus" else {}
        if self.uri:
            self._target_uri = self.uri
        elif recorded.get("milvus_uri"):
            self._target_uri = resolve_uri(str(recorded["milvus_uri"]), self.index_dir)
        else:
            self._target_uri = default_uri(self.index_dir)
        self._alias = str(recorded.get("alias") or alias_for(self.index_dir))
        if is_lite(self._target_uri):
            self.index_dir.mkdir(parents=True, exist_ok=True)
        self._connection = Connection.open(self._target_uri, self.token)
        try:
            if check and live is not None and live.backend == "milvus":
                collection = str(live.extra.get("collection"))
                check_collection(self._client, collection, live, self.index_dir, self._target_uri)
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
        return _rebuild_hint(self.index_dir, self._target_uri)

    # ---- generation contents: SQLite as with FAISS, then term statistics and facets ---------

    def _write_base(self, previous: _Previous | None, tmp: Path, change: _Change, n_terms: int):
        self._write_base_rows(previous, tmp, change)
        df = self._terms_and_facets(previous, tmp, change, n_terms)
        live = (previous.manifest.chunks if previous else 0) - len(change.drop_base) - len(change.drop_delta)
        return df, {"base_chunks": live + len(change.chunks), "delta_chunks": 0, "deleted": 0}

    def _write_delta(self, previous: _Previous, tmp: Path, change: _Change, n_terms: int):
        deleted = self._write_delta_rows(previous, tmp, change)
        df = self._terms_and_facets(previous, tmp, change, n_terms)
        delta = previous.manifest.delta_chunks - len(change.drop_delta) + len(change.chunks)
        return df, {"base_chunks": previous.manifest.base_chunks, "delta_chunks": delta, "deleted": deleted}

    def _terms_and_facets(self, previous: _Previous | None, tmp: Path, change: _Change, n_terms: int) -> np.ndarray:
        """Document frequencies and facets: the previous ones, minus the chunks that go, plus the new.

        There are no postings to count departing chunks from (Milvus holds the text), so they are
        tokenized again from their SQLite rows. Should the user dictionary have grown since they
        were indexed, their terms can differ slightly from what was counted then: frequencies are
        kept non-negative, and a build recounts them exactly.
        """
        df = np.zeros(n_terms, dtype=np.int64)
        facets = Facets()
        if previous is not None:
            old = np.load(previous.generation_dir / "bm25_df.npy")
            df[: len(old)] = old
            facets = Facets.load(previous.generation_dir)
            gone = change.drop_base + change.drop_delta
            if gone:
                vocab = load_vocab(previous.generation_dir / "bm25_vocab.json")
                known = len(vocab)
                ids, texts = [], []
                for start in range(0, len(gone), 900):
                    part = gone[start : start + 900]
                    marks = ",".join("?" * len(part))
                    rows = previous.db.execute(
                        "SELECT cid, header, norm, region, city, province, date_int FROM chunks "
                        f"WHERE cid IN ({marks})",
                        part,
                    ).fetchall()
                    for cid, header, norm, region, city, province, date in rows:
                        ids.append(cid)
                        texts.append(f"{header}\n{norm}")
                        facets.count(region, city, province, date or 0, -1)
                analyzer = change.analyzer or shared_analyzer(_read_words(previous.generation_dir / "userdict.txt"))
                segment = Segment.build(ids, (analyzer.terms(t) for t in texts), vocab)
                df[: min(known, n_terms)] -= segment.df(len(vocab))[: min(known, n_terms)]
                np.maximum(df, 0, out=df)
        df += change.segment.df(n_terms)
        for chunk in change.chunks:
            facets.count(chunk.region, chunk.city, chunk.province, _date_int(chunk.date), +1)
        facets.save(tmp)
        return df

    # ---- Milvus ------------------------------------------------------------------------------

    def _manifest_extra(self, previous: _Previous | None, generation: int) -> dict:
        extra = dict(previous.manifest.extra) if previous else {"nprobe": 16}
        extra["milvus_uri"] = record_uri(self._target_uri, self.index_dir)
        extra["alias"] = str(extra.get("alias") or self._alias)
        if previous is None:
            extra["collection"] = f"{self._alias}_g{generation:06d}"
        return extra

    def _sync(self, previous: _Previous | None, change: _Change, manifest: Manifest) -> None:
        """Write the generation's changes to its collection (a new one for a build)."""
        client, name, uri = self._client, str(manifest.extra["collection"]), self._target_uri
        chunks = change.chunks
        if previous is None:
            with _errors("create the collection", uri, "check the server, or use another --milvus-uri"):
                if client.has_collection(name):  # left by a build of the same number that was killed
                    client.drop_collection(name)
                words = change.analyzer.words if change.analyzer else []
                client.create_collection(
                    name,
                    schema=_schema(self.embedder.dim, words),
                    index_params=_index_params(client, manifest.index_type, len(chunks)),
                    consistency_level="Strong",
                    properties={
                        PROP_EMBEDDER_KEY: self.embedder.key,
                        PROP_EMBEDDER: f"{self.embedder.name} ({self.embedder.model})",
                        PROP_INDEX: str(self.index_dir.resolve()),
                    },
                )
        else:
            check_collection(client, name, previous.manifest, self.index_dir, uri)
            with _errors("delete replaced rows", uri, self._fix()):
                # Rows no live generation allocated: left by a writer killed before it published.
                client.delete(name, filter=f"cid >= {previous.manifest.next_cid}")
                replaced = sorted(change.replaced)
                for start in range(0, len(replaced), DELETE_BATCH):
                    client.delete(name, filter=f"doc_id in {_literal(replaced[start : start + DELETE_BATCH])}")
        with _errors("insert rows", uri, self._fix()):
            batch: list[dict] = []
            vectors = change.vectors if chunks else np.zeros((0, self.embedder.dim), dtype=np.float32)
            for row in _rows(change.cids, chunks, vectors):
                batch.append(row)
                if len(batch) == INSERT_BATCH:
                    client.insert(name, batch)
                    batch = []
            if batch:
                client.insert(name, batch)
            if previous is None:
                client.flush(name)  # seal the build's segments so that the server indexes them
                client.load_collection(name)

    def _abandoned(self, previous: _Previous | None, generation: int) -> None:
        if previous is None and self._connection is not None:
            with contextlib.suppress(Exception):
                self._client.drop_collection(f"{self._alias}_g{generation:06d}")

    def _published(self, manifest: Manifest) -> None:
        """Point the alias at the live collection; drop collections no generation on disk names."""
        client, name, alias = self._client, str(manifest.extra["collection"]), str(manifest.extra["alias"])
        with _errors("switch the alias", self._target_uri, self._fix()):
            if alias not in client.list_aliases(name).get("aliases", []):
                if alias in client.list_aliases().get("aliases", []):
                    client.alter_alias(name, alias)
                else:
                    client.create_alias(name, alias)
            referenced = {name}
            for path in self.index_dir.glob("gen-*/manifest.json"):
                with contextlib.suppress(Exception):
                    referenced.add(str(Manifest.read(path).extra.get("collection")))
            for other in client.list_collections():
                if other.startswith(f"{alias}_g") and other not in referenced:
                    client.drop_collection(other)


def _live_manifest(index_dir: Path) -> Manifest | None:
    """The live generation's manifest, or None (no index, or one that cannot be read)."""
    try:
        return Manifest.read(current_generation(index_dir) / "manifest.json")
    except (StoreError, OSError, ValueError, TypeError):
        return None


__all__ = [
    "Connection",
    "Facets",
    "MilvusIndexWriter",
    "MilvusReader",
    "TermStats",
    "alias_for",
    "analyzer_params",
    "check_collection",
    "default_uri",
    "display_uri",
    "filter_expression",
    "is_lite",
    "record_uri",
    "resolve_uri",
]
