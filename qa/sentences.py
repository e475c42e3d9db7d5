"""Sentences of a passage and their vectors: what an answer quotes.

An answer quotes the sentence that answers the question, not the first one of the item. Which one
that is, is decided by meaning (the sentence's vector against the question's) together with
lexical evidence. Sentence vectors are embedded once, at index time, with the passages, and kept in
the content-hash embedding cache; a sentence that is not there yet (an index copied from another
machine, a cleared cache) is embedded when first needed and cached then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from qa.normalize import normalize

if TYPE_CHECKING:
    from qa.chunks import Chunk
    from qa.embed import CachedEmbedder

_SENTENCE_END = re.compile(r"[。！？!?；;]+[”」』]?|\n")
# The embedder sees at most this much of a sentence: longer «sentences» are run-on paragraphs.
MAX_SENTENCE_CHARS = 300


@lru_cache(maxsize=4096)
def sentences(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sentences of an original passage: (start, end, normalised sentence).

    Splitting happens on the normalised text, where hard-wrapped lines are rejoined and page
    furniture is gone; the spans are mapped back to the original for citation.
    """
    norm = normalize(text)
    out: list[tuple[int, int, str]] = []
    start = 0
    label: tuple[int, int, str] | None = None
    for match in _SENTENCE_END.finditer(norm.text + "\n"):
        end = min(match.end(), len(norm.text))
        piece = norm.text[start:end].strip()
        if len(piece) >= 2:
            lead = len(norm.text[start:end]) - len(norm.text[start:end].lstrip())
            a, b = norm.to_original(start + lead, start + lead + len(piece))
            if label is not None:
                # A field label on its own line («会议地点:» / «区长会议室») reads as one sentence.
                a, piece = label[0], label[2] + piece
                label = None
            if len(piece) <= 12 and piece.endswith(":"):
                label = (a, b, piece)
            else:
                out.append((a, b, piece))
        start = match.end()
    if label is not None:
        out.append(label)
    # Cached: one answer asks for the same chunk's sentences several times (choice, extension, citation).
    return tuple(out)


def sentence_texts(chunk: Chunk) -> list[str]:
    """What the embedder sees for each sentence of a chunk (normalised, clipped)."""
    return [norm[:MAX_SENTENCE_CHARS] for _a, _b, norm in sentences(chunk.text)]


def unique_sentence_texts(chunks: Iterable[Chunk]) -> list[str]:
    """Every distinct sentence text of these chunks, in order: what an index write embeds (into the
    cache) so that questions find every sentence vector there."""
    return list(dict.fromkeys(t for chunk in chunks for t in sentence_texts(chunk)))


def similarities_of(
    embedder: CachedEmbedder, chunks: Sequence[Chunk], question_vector: np.ndarray
) -> dict[str, np.ndarray]:
    """Sentence similarities for several chunks at once (one cache read, one embedding batch)."""
    texts: list[str] = []
    bounds: list[tuple[str, int, int]] = []
    for chunk in chunks:
        own = sentence_texts(chunk)
        bounds.append((chunk.chunk_id, len(texts), len(texts) + len(own)))
        texts.extend(own)
    if not texts:
        return {cid: np.zeros(0, dtype=np.float32) for cid, _a, _b in bounds}
    scores = embedder.embed_passages(texts) @ np.asarray(question_vector, dtype=np.float32).reshape(-1)
    return {cid: scores[a:b] for cid, a, b in bounds}
