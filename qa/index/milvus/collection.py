"""The Milvus collection of an index: schema, rows, filter expressions; and what the generation keeps
besides SQLite for it — chunk counts per place and date (facets) and the terms' document frequencies."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.bm25 import lucene_idf
from qa.chunks import Chunk
from qa.index.content import date_int
from qa.index.errors import EmbedderMismatch, MissingCollection, UnknownChoice
from qa.index.generations import write_atomic
from qa.index.manifest import Manifest
from qa.index.milvus.connection import display_uri, milvus_errors, rebuild_hint
from qa.tokens import STOPWORDS

if TYPE_CHECKING:
    from pymilvus import MilvusClient

    from qa.query import Filters

MAX_LIMIT = 16384  # Milvus's largest topk / query window
INSERT_BATCH = 500
DELETE_BATCH = 200
FACETS = "facets.json"
# Properties recorded on the collection: what made its vectors, and which index it belongs to.
PROP_EMBEDDER_KEY, PROP_EMBEDDER, PROP_INDEX = "qa.embedder_key", "qa.embedder", "qa.index"
# Punctuation that jieba returns as tokens (Milvus's removepunct filter drops it on a server;
# milvus-lite only reads stop words, so it is listed there too).
_PUNCTUATION = list("，。、；：？！“”‘’（）《》【】〔〕﹝﹞…—·,.;:?!()[]<>\"'-/\\%")
_FIELD_BYTES = {"doc_id": 1024, "kind": 16, "region": 128, "city": 128, "province": 128, "heading": 2048}
_TEXT_BYTES = 65535


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


def schema(dim: int, words: Sequence[str]):
    """The collection schema: metadata fields, analysed text with its BM25 function, the dense vector."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    out = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    out.add_field("cid", DataType.INT64, is_primary=True)
    for name, size in _FIELD_BYTES.items():
        out.add_field(name, DataType.VARCHAR, max_length=size)
    out.add_field("date", DataType.INT64)
    out.add_field("month", DataType.INT64)
    out.add_field("meeting_number", DataType.INT64)
    out.add_field(
        "text", DataType.VARCHAR, max_length=_TEXT_BYTES, enable_analyzer=True, analyzer_params=analyzer_params(words)
    )
    out.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    out.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    out.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]
        )
    )
    return out


def index_params(client: MilvusClient, index_type: str, rows: int):
    """Dense: exact (FLAT) or IVF as ``--index-type`` says; BM25 with our k1 and b."""
    params = client.prepare_index_params()
    nlist = int(min(4096, max(16, 4 * np.sqrt(max(rows, 1)))))
    if index_type == "flat" or rows < 2000:
        params.add_index("dense", index_type="FLAT", metric_type="IP")
    elif index_type in ("ivf", "ivf-sq8"):
        kind = "IVF_FLAT" if index_type == "ivf" else "IVF_SQ8"
        params.add_index("dense", index_type=kind, metric_type="IP", params={"nlist": nlist})
    else:
        raise UnknownChoice(f"unknown index type '{index_type}' (choose flat, ivf or ivf-sq8)")
    params.add_index(
        "sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": 1.2, "bm25_b": 0.75}
    )
    return params


def _clip(text: str | None, limit: int) -> str:
    """Text cut to a VARCHAR's byte limit (on a character boundary)."""
    data = (text or "").encode("utf-8")
    return text or "" if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def rows(cids: Sequence[int], chunks: Sequence[Chunk], vectors: np.ndarray) -> Iterator[dict]:
    """The collection rows of new chunks with their ids and vectors."""
    for cid, chunk, vector in zip(cids, chunks, vectors, strict=True):
        date = date_int(chunk.date)
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


def literal(values: Sequence[str]) -> str:
    """A Milvus list of string literals."""
    return json.dumps([str(v) for v in values], ensure_ascii=False)


def filter_expression(filters: Filters) -> str | None:
    """Question filters as a Milvus boolean expression (``None``: nothing filtered).

    The same rows as :meth:`qa.index.faiss.ChunkMeta.mask`: a region name matches the region, the
    city or the province; months are those of the meeting date; an unknown date or number passes.
    """
    parts = []
    if filters.regions:
        names = literal(filters.regions)
        parts.append(f"(region in {names} or city in {names} or province in {names})")
    # Unknown passes (date 0, meeting number -1), as in the FAISS mask.
    if filters.date_from:
        parts.append(f"(date == 0 or date >= {date_int(filters.date_from)})")
    if filters.date_to:
        parts.append(f"date <= {date_int(filters.date_to)}")
    if filters.months:
        parts.append(f"(date == 0 or month in {sorted({int(m) for m in filters.months})})")
    if filters.meeting_number is not None:
        parts.append(f"(meeting_number == {int(filters.meeting_number)} or meeting_number < 0)")
    return " and ".join(parts) or None


def both(where: str | None, condition: str) -> str:
    """``where`` and ``condition`` (``condition`` alone when nothing else is filtered)."""
    return f"({where}) and {condition}" if where else condition


def check_collection(client: MilvusClient, name: str, manifest: Manifest, index_dir: Path, uri: str) -> None:
    """The collection a generation names exists and holds vectors of the generation's embedder."""
    fix = rebuild_hint(index_dir, uri)
    with milvus_errors("describe the collection", uri, fix):
        if not client.has_collection(name):
            raise MissingCollection(
                f"Milvus at {display_uri(uri)} has no collection {name} for the index at {index_dir}; "
                f"rebuild it with: {fix}",
                fix,
            )
        properties = client.describe_collection(name).get("properties") or {}
    key = properties.get(PROP_EMBEDDER_KEY)
    if key != manifest.embedder_key:
        raise EmbedderMismatch(
            f"collection {name} at {display_uri(uri)} was built with {key or 'an unknown embedder'}, but the index "
            f"at {index_dir} expects {manifest.embedder_key}; rebuild it with: {fix}",
            fix,
        )


# ---------------------------------------------------------------------------------------------
# what the index directory keeps besides SQLite: term statistics and facets
# ---------------------------------------------------------------------------------------------


class TermStats:
    """Document frequencies of our BM25 terms, for the coverage weights (as ``Bm25Index.idf_of``)."""

    def __init__(self, vocab: dict[str, int], df: np.ndarray, n: int):
        self.vocab = vocab
        self.df = np.asarray(df, dtype=np.int64)
        self.idf = lucene_idf(self.df, n)

    def idf_of(self, term: str) -> float:
        """The idf of a term (0 when unknown)."""
        index = self.vocab.get(term)
        return float(self.idf[index]) if index is not None and index < len(self.idf) else 0.0


@dataclass
class Facets:
    """Chunk counts per (region, city, province) and per meeting date, kept up to date by writes."""

    places: Counter = field(default_factory=Counter)
    dates: Counter = field(default_factory=Counter)

    @classmethod
    def load(cls, directory: Path) -> Facets:
        """The facets saved in a generation."""
        data = json.loads((directory / FACETS).read_text(encoding="utf-8"))
        return cls(
            Counter({tuple(p[:3]): p[3] for p in data["places"]}), Counter({int(d): n for d, n in data["dates"]})
        )

    def save(self, directory: Path) -> None:
        """Write them into a generation (counts of zero left out)."""
        data = {
            "places": [[*place, n] for place, n in sorted(self.places.items()) if n > 0],
            "dates": [[d, n] for d, n in sorted(self.dates.items()) if n > 0],
        }
        write_atomic(directory / FACETS, json.dumps(data, ensure_ascii=False))

    def count(self, region: str | None, city: str | None, province: str | None, date: int, sign: int) -> None:
        """Count a chunk in (``sign`` +1) or out (-1)."""
        self.places[(region or "", city or "", province or "")] += sign
        self.dates[date] += sign
