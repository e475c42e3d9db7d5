"""qa.index.milvus on milvus-lite: what only Milvus does — collections, aliases, URIs, moving an index,
answers equal to FAISS, hybrid search filtered per request, one-line errors.

What every backend must do (build, filters, dense/lexical/hybrid search, facets, updates, deletion)
is the contract suite, test_contract.py, which runs against Milvus-lite too. milvus-lite runs
in-process (a local ``milvus.db`` folder, no server, no network); the same code talks to a Milvus
server when given an ``http://`` URI. Every vector comes from the shared test embedding cache.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from clirun import run_qa, run_qa_process
from conftest import EVAL, EXTERNAL, ROOT, change_small_corpus, settings_for

from qa.api import build_index, open_assistant, open_reader, update_index
from qa.config import load_settings
from qa.fusion import RRF_K
from qa.index.errors import StoreError
from qa.index.manifest import Manifest, read_live
from qa.index.milvus.collection import PROP_EMBEDDER_KEY, filter_expression
from qa.index.milvus.connection import Connection, display_uri, record_uri, resolve_uri
from qa.index.milvus.reader import MilvusReader
from qa.query import Filters
from qa.search import Searcher

pytestmark = pytest.mark.slow
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there


def milvus_settings(index: Path, source: Path | None = None, **changes):
    return settings_for(index, source).with_overrides(backend="milvus", **changes)


def manifest_of(index: Path) -> Manifest:
    return read_live(index).manifest


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``qa: …`` line a failing command printed (no traceback)."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: "), result.stderr
    return lines[0]


# ---------------------------------------------------------------------------------------------
# build, reading, answers
# ---------------------------------------------------------------------------------------------


def test_build_records_the_backend_so_reads_need_no_flag(milvus_index, milvus_assistant, tmp_path):
    manifest = manifest_of(milvus_index)
    assert manifest.backend == "milvus" and manifest.extra["milvus_uri"] == "milvus.db"
    collection = manifest.extra["collection"]
    assert collection == f"{manifest.extra['alias']}_g{manifest.generation:06d}"
    reader = milvus_assistant.reader
    assert isinstance(reader, MilvusReader)
    stats = reader.stats()
    assert stats["collection"] == collection and stats["chunks"] == stats["milvus_rows"] == 44
    # The alias follows the live collection (for other Milvus clients).
    aliases = reader.client.list_aliases(collection)["aliases"]
    assert aliases == [manifest.extra["alias"]]
    # The lite database travels with the index directory (its URI is recorded relative to it).
    moved = tmp_path / "moved"
    shutil.copytree(milvus_index, moved, ignore=shutil.ignore_patterns("LOCK"))
    copy = open_reader(settings_for(moved))
    try:
        assert copy.uri == str(moved / "milvus.db") and copy.count() == 44
    finally:
        copy.close()


def test_answers_and_citations_are_those_of_faiss(milvus_assistant, sample_assistant):
    """The answer layer does not know the backend: the same answers, the same top citation."""
    questions = [json.loads(line)["q"] for line in (EVAL / "dev_questions.jsonl").read_text("utf-8").splitlines()]
    questions += [
        "哪些会议研究了安全生产",
        "吴政办纪﹝2025﹞36号",
        "姑苏区2024年审议了哪些事项",
        "2025年7月召开的会议有哪些",
    ]
    for question in questions:
        faiss = sample_assistant.ask(question).to_dict()
        milvus = milvus_assistant.ask(question).to_dict()
        assert milvus["answer"] == faiss["answer"], question
        assert milvus["found"] == faiss["found"] and milvus["filters"].keys() == faiss["filters"].keys()
        if faiss["citations"]:
            top = ("source", "span", "item", "sentence", "meeting", "date", "region")
            assert {k: milvus["citations"][0][k] for k in top} == {k: faiss["citations"][0][k] for k in top}


# ---------------------------------------------------------------------------------------------
# filters and hybrid search
# ---------------------------------------------------------------------------------------------


def test_filters_become_expressions():
    assert filter_expression(Filters()) is None
    assert filter_expression(Filters(regions=["姑苏区"], date_from="2024-01-01", date_to="2024-12-31")) == (
        '(region in ["姑苏区"] or city in ["姑苏区"] or province in ["姑苏区"]) and (date == 0 or date >= 20240101) '
        "and date <= 20241231"
    )
    # Unknown (date 0, number -1) passes, as in the FAISS mask (the contract suite checks the rows).
    assert filter_expression(Filters(months=[7, 1], meeting_number=29)) == (
        "(date == 0 or month in [1, 7]) and (meeting_number == 29 or meeting_number < 0)"
    )


def test_hybrid_search_filters_per_request(milvus_assistant):
    """milvus-lite honours each request's ``expr`` but ignores a top-level ``filter`` of hybrid_search
    (that hybrid_search is RRF of dense and lexical search is in the contract suite)."""
    from pymilvus import AnnSearchRequest, RRFRanker

    reader = milvus_assistant.reader
    vector = milvus_assistant.searcher.embedder.embed_queries(["碳达峰方案"])[0].tolist()
    where = 'region == "太仓市"'

    def regions(hits) -> set[str]:
        return {c.region for c in reader.chunks([h["cid"] for h in hits])}

    def requests(expr: str | None) -> list:
        return [
            AnnSearchRequest(data=[vector], anns_field="dense", param={"metric_type": "IP"}, limit=20, expr=expr),
            AnnSearchRequest(
                data=["碳达峰方案"], anns_field="sparse", param={"metric_type": "BM25"}, limit=20, expr=expr
            ),
        ]

    client, name = reader.client, reader.collection
    per_request = client.hybrid_search(name, requests(where), ranker=RRFRanker(RRF_K), limit=40, output_fields=["cid"])
    assert regions(per_request[0]) == {"太仓市"}
    top_level = client.hybrid_search(
        name, requests(None), ranker=RRFRanker(RRF_K), limit=40, output_fields=["cid"], filter=where
    )
    assert regions(top_level[0]) != {"太仓市"}, (
        "milvus-lite now honours hybrid_search(filter=…); per-request expr (what qa.index.milvus uses) still "
        "applies — update the note in qa/index/milvus/__init__.py"
    )


def test_dense_only_results_are_those_of_faiss_and_hybrid_adds_bm25(milvus_assistant, sample_assistant):
    embedder = milvus_assistant.searcher.embedder
    dense_milvus = Searcher(milvus_assistant.reader, embedder, mode="dense")
    dense_faiss = Searcher(sample_assistant.reader, embedder, mode="dense")
    hybrid_milvus = milvus_assistant.searcher
    differ = 0
    for question in ("碳达峰方案何时审议", "安全生产要坚持什么原则", "森林消防队伍建设", "营商环境实施方案提交给谁"):
        query = dense_milvus.understand(question)
        by_milvus = [(h.chunk.chunk_id, round(h.score, 4)) for h in dense_milvus.search(query, k=10)]
        by_faiss = [
            (h.chunk.chunk_id, round(h.score, 4)) for h in dense_faiss.search(dense_faiss.understand(question), k=10)
        ]
        assert by_milvus == by_faiss, question
        hybrid = [h.chunk.chunk_id for h in hybrid_milvus.search(query, k=10)]
        differ += hybrid != [chunk_id for chunk_id, _ in by_milvus]
        assert hybrid_milvus.search(query, k=1)[0].coverage > 0, question
    assert differ, "BM25 never changed the ranking: hybrid search would be dense search"


# ---------------------------------------------------------------------------------------------
# updates
# ---------------------------------------------------------------------------------------------


def test_move_to_milvus_then_update_in_place_and_drop_orphan_rows(small_corpus, tmp_path):
    """Moving embeds nothing; updates change the collection in place; rows a killed writer left go."""
    index = tmp_path / "index"
    build_index(settings_for(index, small_corpus), show_progress=False)  # FAISS first
    # Moving the index to Milvus re-embeds nothing: the embedding cache is shared.
    report = build_index(milvus_settings(index, small_corpus), show_progress=False)
    assert report.chunks_embedded == 0 and report.cache_hits == 22
    collection = manifest_of(index).extra["collection"]
    settings = settings_for(index, small_corpus)  # from now on the index says milvus
    changed = change_small_corpus(small_corpus)
    report = update_index(settings, show_progress=False)
    assert report.added == ["ext_037.pdf"] and report.changed == [changed.name] and report.removed == ["ext_016.txt"]
    assert report.cache_hits >= 5 and report.chunks_embedded <= 4
    manifest = manifest_of(index)
    assert manifest.backend == "milvus" and manifest.extra["collection"] == collection  # updated in place
    assistant = open_assistant(settings)
    try:
        reader = assistant.reader
        assert reader.count() == manifest.chunks == reader.stats()["chunks"]
        assert "四个到位" in assistant.ask("太仓璜泾镇安全生产要坚持什么原则").answer
        assert not assistant.ask("霍城县公务用车报废由哪个单位办理？").found
        # Rows a killed writer left behind (ids the live generation never allocated) go with the next write.
        orphan = reader.client.query(reader.collection, filter="cid >= 0", output_fields=["*"], limit=1)[0]
        orphan = {k: v for k, v in orphan.items() if k != "sparse"} | {"cid": manifest.next_cid + 5}
        reader.client.insert(reader.collection, [orphan])
        assert reader.count() == manifest.chunks + 1
    finally:
        assistant.close()
    # The next write removes them, with the rows of a document deleted from the folder.
    (small_corpus / "ext_037.pdf").unlink()
    report = update_index(settings, show_progress=False)
    assert report.removed == ["ext_037.pdf"]
    reader = open_reader(settings)
    try:
        assert reader.count() == manifest_of(index).chunks == 16  # 000 and 004: items, overviews and closing lines
    finally:
        reader.close()


def test_web_uploads_and_rebuilds_keep_the_index_in_milvus(milvus_index, tmp_path):
    from qa.web import WebAssistant

    index = tmp_path / "index"
    shutil.copytree(milvus_index, index, ignore=shutil.ignore_patterns("LOCK"))
    core = WebAssistant(settings_for(index))  # no backend configured: the index's own
    report = core.add([EXTERNAL / "ext_016.txt"])
    assert report.added == ["ext_016.txt"]
    assert core.ask("霍城县公务用车报废由哪个单位办理？")["found"]
    rebuilt = core.rebuild()
    assert "ext_016.txt" in rebuilt.added and manifest_of(index).backend == "milvus"
    assert core.status()["stats"]["milvus_rows"] == manifest_of(index).chunks
    core.delete("ext_016.txt")
    assert not core.ask("霍城县公务用车报废由哪个单位办理？")["found"]
    core.live.get().close()


# ---------------------------------------------------------------------------------------------
# errors: one line naming the fix
# ---------------------------------------------------------------------------------------------


def test_errors_are_one_line_naming_the_fix(small_corpus, tmp_path):
    index = tmp_path / "index"
    build_index(milvus_settings(index, small_corpus), show_progress=False)
    question = "太仓市第29次常务会议由谁主持"
    # An unreachable server, when building and when asking.
    line = one_line_error(
        run_qa(
            "index",
            "build",
            "--backend",
            "milvus",
            "--milvus-uri",
            UNREACHABLE,
            "--source",
            str(small_corpus),
            "--index",
            str(tmp_path / "other"),
            "--quiet",
        )
    )
    assert f"cannot reach Milvus at {UNREACHABLE}" in line and "--milvus-uri" in line
    line = one_line_error(run_qa("ask", question, "--index", str(index), "--milvus-uri", UNREACHABLE))
    assert f"cannot reach Milvus at {UNREACHABLE}" in line
    # The recorded backend is followed; naming another one says how to move the index.
    assert run_qa("index", "stats", "--index", str(index)).returncode == 0
    line = one_line_error(run_qa("ask", question, "--index", str(index), "--backend", "faiss"))
    assert "held by milvus" in line and "qa index build --backend faiss" in line
    # milvus-lite opens a database in one process at a time.
    reader = open_reader(settings_for(index))
    try:
        # Only a real second process shows this (one process may open its own database twice).
        line = one_line_error(run_qa_process("ask", question, "--index", str(index), cwd=ROOT))
        assert "in use by another process" in line
        # A collection built with another embedder, then no collection at all.
        reader.client.alter_collection_properties(reader.collection, properties={PROP_EMBEDDER_KEY: "other:model"})
    finally:
        reader.close()
    line = one_line_error(run_qa("ask", question, "--index", str(index)))
    assert "was built with other:model" in line and "qa index build --backend milvus" in line
    with pytest.raises(StoreError, match="was built with"):
        update_index(settings_for(index, small_corpus), show_progress=False)
    connection = Connection.open(str(index / "milvus.db"))
    try:
        connection.client.drop_collection(manifest_of(index).extra["collection"])
    finally:
        connection.close()
    line = one_line_error(run_qa("index", "stats", "--index", str(index)))
    assert "has no collection" in line and f"qa index build --backend milvus --index {index}" in line
    # Rebuilding fixes it.
    assert run_qa("index", "build", "--index", str(index), "--source", str(small_corpus), "--quiet").returncode == 0
    assert json.loads(run_qa("index", "stats", "--index", str(index), "--json").stdout)["milvus_rows"] == 22


# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------


def test_backend_and_uri_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_BACKEND", "milvus")
    monkeypatch.setenv("QA_MILVUS_URI", "http://user:secret@milvus.example:19530")
    monkeypatch.setenv("QA_MILVUS_TOKEN", "user:secret")
    settings = load_settings()
    assert settings.backend == "milvus" and settings.milvus_token == "user:secret"
    assert settings.milvus_uri == "http://user:secret@milvus.example:19530"
    # Credentials are never recorded or shown; a lite database inside the index is recorded relative to it.
    assert display_uri(settings.milvus_uri) == "http://milvus.example:19530"
    assert record_uri(settings.milvus_uri, tmp_path) == "http://milvus.example:19530"
    assert record_uri(str(tmp_path / "milvus.db"), tmp_path) == "milvus.db"
    assert resolve_uri("milvus.db", tmp_path) == str(tmp_path / "milvus.db")
    monkeypatch.delenv("QA_BACKEND")
    assert load_settings().backend is None  # reads follow the index; new indexes are faiss
