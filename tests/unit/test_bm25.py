"""qa.bm25: Okapi scoring, row updates equal to a rebuild, persistence."""

from __future__ import annotations

import math

import numpy as np

from qa.bm25 import K1, B, Bm25Index

DOCS = {
    1: ["安全", "生产", "会议"],
    2: ["碳达峰", "方案", "会议", "会议"],
    3: ["安全", "消防", "消防"],
    4: ["规划", "生态", "文明"],
}


def build(docs: dict[int, list[str]]) -> Bm25Index:
    index = Bm25Index.empty()
    index.add(list(docs), list(docs.values()))
    return index


def test_scores_follow_the_bm25_formula():
    index = build(DOCS)
    scores = dict(index.search(["消防"], 10))
    n, df, tf = 4, 1, 2
    dl = 3
    avg = sum(len(d) for d in DOCS.values()) / n
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    expected = idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avg))
    assert set(scores) == {3}
    assert abs(scores[3] - expected) < 1e-5


def test_rare_terms_weigh_more_and_unknown_terms_nothing():
    index = build(DOCS)
    ranked = index.search(["安全", "消防"], 10)
    assert ranked[0][0] == 3
    assert index.search(["不存在"], 10) == []


def test_mask_limits_results():
    index = build(DOCS)
    mask = np.array([True, False, False, True])
    assert [cid for cid, _ in index.search(["安全"], 10, mask)] == [1]


def test_add_and_remove_equal_a_rebuild():
    grown = build({k: v for k, v in DOCS.items() if k != 3})
    grown.add([3], [DOCS[3]])
    grown.add([5], [["碳达峰", "实施"]])
    grown.remove([2])
    expected = build({1: DOCS[1], 4: DOCS[4], 3: DOCS[3], 5: ["碳达峰", "实施"]})
    for terms in (["安全"], ["碳达峰"], ["消防", "规划"]):
        assert dict(grown.search(terms, 10)) == dict(expected.search(terms, 10))


def test_save_and_load(tmp_path):
    index = build(DOCS)
    index.save(tmp_path)
    loaded = Bm25Index.load(tmp_path)
    assert loaded.search(["消防", "安全"], 10) == index.search(["消防", "安全"], 10)
    assert loaded.idf_of("消防") == index.idf_of("消防") > loaded.idf_of("会议")
