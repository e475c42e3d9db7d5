"""«Not found» decided on evidence: how strongly the best passage answers the question.

The evidence of a passage is the topic's lexical coverage of it and, when that is not enough, the
topic's contribution to its best sentence's similarity with the question; a passage contradicting
what the question names (another place, another meeting number) is no evidence. The answerer
refuses (``found`` false) below EVIDENCE_THRESHOLD.
"""

from __future__ import annotations

import re

import numpy as np

from qa.query import Query
from qa.search import Hit, Searcher
from qa.sentences import similarities_of

# «Not found» is decided on evidence: the topic's lexical coverage of the answering passage, and when
# that is not enough, plus W_CONTRIBUTION × the topic's contribution to the best sentence's similarity
# (see topic_contribution); EVIDENCE_THRESHOLD chosen on the dev question files
# (``qa eval --thresholds`` prints the trade-off).
LEXICAL_ENOUGH = 0.5
# A contradicting candidate covering this much of the topic means the topic belongs elsewhere.
ELSEWHERE_COVERAGE = 0.8
ELSEWHERE_PENALTY = 0.3
W_CONTRIBUTION = 10.0
EVIDENCE_THRESHOLD = 0.15
NATIONAL_COVERAGE = 0.8
_NATIONAL = re.compile(r"我国|全国|中国|国家|世界|全球|联合国")
_MEETING_WORDS = re.compile(r"会议|常务会|会上|纪要|议题|审议|主持")
# The answering passage among the first three hits: one within PICK_MARGIN of the best score whose
# evidence is higher by PICK_GAIN answers instead (rank says what is about the question, evidence
# which passage answers it).
PICK_MARGIN = 0.35
PICK_GAIN = 0.05


def pick_top(searcher: Searcher, query: Query, hits: list[Hit], words: list[str]) -> Hit:
    """The answering hit: the best ranked, unless a close runner-up holds a far better sentence.

    The rank says which passage is about the question; for paraphrases the best single
    sentence is the sharper evidence, so among the first three hits that agree with the
    question's metadata the one with the best evidence answers.
    """
    vector = searcher.question_vector(query) if searcher.mode != "bm25" else None
    head = hits[:3]
    if vector is not None:
        sims = similarities_of(searcher.embedder, [h.chunk for h in head], vector)
        for hit in head:
            hit.sentence_scores = sims.get(hit.chunk.chunk_id)
    best = hits[0]
    for hit in head[1:]:
        if hit.mismatch or hit.score < hits[0].score - PICK_MARGIN:
            continue
        if evidence(searcher, query, hit, words) > evidence(searcher, query, best, words) + PICK_GAIN:
            best = hit
    return best


def evidence(searcher: Searcher, query: Query, hit: Hit, words: list[str]) -> float:
    """How strongly a hit answers the question: the number that «not found» is decided on.

    Lexical coverage of the topic; when that is not enough, plus the topic's contribution to
    the best sentence's similarity (:func:`topic_contribution`). A hit contradicting what the
    question names (another place, another meeting number) is no evidence at all.
    """
    if hit.exact:
        return 10.0
    if hit.mismatch:
        return -1.0
    unknown = query.filters.unknown_places and not query.filters.regions
    if unknown and not searcher.place_named(query, hit.chunk) and not searcher.place_possible(query, hit.chunk):
        return -1.0  # a place the index does not hold, the text does not name, the meeting cannot be
    if not words:
        # Nothing but filters and a question word: evidence if the filters picked a meeting.
        return 1.0 if hit.matched else 0.0
    if hit.chunk.kind == "closing" and query.qtype not in ("attendance", "who"):
        # Lists of names and units answer who attended or issued, not what was decided.
        return hit.coverage - ELSEWHERE_PENALTY
    if hit.coverage >= LEXICAL_ENOUGH:
        return hit.coverage + (0.1 if hit.matched else 0.0)
    if _NATIONAL.search(query.norm) and not query.filters.regions and not _MEETING_WORDS.search(query.norm):
        # «我国提出力争在哪一年前实现碳达峰»: a question about the nation, not about a meeting,
        # is answered by minutes only when they hold nearly all its words.
        return hit.coverage if hit.coverage >= NATIONAL_COVERAGE else 0.0
    return hit.coverage + W_CONTRIBUTION * topic_contribution(searcher, query, hit, words)


def topic_contribution(searcher: Searcher, query: Query, hit: Hit, words: list[str]) -> float:
    """How much the question's topic makes the hit's best sentence closer to the question.

    The similarity of the best sentence with the question, minus its similarity with the same
    question without its topic words («岱山县第18次常务会议对海上风电项目作了哪些部署» →
    «岱山县第18次常务会议对作了哪些部署»). A passage that answers a paraphrase gains from the topic;
    a passage of the right meeting that does not speak about the topic does not. Costs one more
    question embedding, and only for questions the passage's words do not already answer.
    """
    if hit.contribution is not None:
        return hit.contribution
    scores = hit.sentence_scores
    if scores is None or not len(scores) or searcher.mode == "bm25":
        return 0.0
    best = int(np.argmax(scores))
    generic = query.norm
    for word in sorted(words, key=len, reverse=True):
        generic = generic.replace(word, "")
    vector = searcher.text_vector(generic)
    sentence = similarities_of(searcher.embedder, [hit.chunk], vector)[hit.chunk.chunk_id]
    hit.contribution = float(scores[best]) - float(sentence[best])
    return hit.contribution


def also_evidence(top: Hit, hit: Hit) -> bool:
    """Another citation supports the answer too: the same item continued (a split item's part)."""
    return hit.chunk.doc_id == top.chunk.doc_id and hit.chunk.item_index == top.chunk.item_index


def answer_evidence(searcher: Searcher, query: Query, top: Hit, ranked: list[Hit], words: list[str]) -> float:
    """The evidence the «not found» decision compares with the threshold: ``top``'s, unless the
    topic's words are all in another place's (or meeting's) minutes among ``ranked`` and not in
    ``top``: «太仓碳达峰方案…» when only 姑苏区 has one. Meaning alone cannot outvote that."""
    score = evidence(searcher, query, top, words)
    elsewhere = max((h.coverage for h in ranked if h.mismatch), default=0.0)
    if elsewhere >= ELSEWHERE_COVERAGE and top.coverage < LEXICAL_ENOUGH:
        score = min(score, top.coverage - ELSEWHERE_PENALTY)
    return score
