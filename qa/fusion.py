"""Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): ranked lists → one score per id.

Imports nothing from qa: the searcher fuses with it, and the Milvus backend hands the same constant
to Milvus's own ranker, so both backends produce the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

RRF_K = 60


def rrf(ranked_lists: Iterable[Sequence[tuple[int, float]]], k: int = RRF_K) -> dict[int, float]:
    """Sum of 1 / (k + rank) over the lists each id appears in (ranks from 1; scores ignored)."""
    fused: dict[int, float] = {}
    for ranked in ranked_lists:
        for rank, (cid, _score) in enumerate(ranked):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (k + rank + 1)
    return fused


def top_score(lists: int, k: int = RRF_K) -> float:
    """The fused score of an id ranked first in ``lists`` lists (to normalise fused scores to [0, 1])."""
    return lists / (k + 1)
