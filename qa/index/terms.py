"""The analysed-text files every backend keeps in a generation: jieba user words, vocabulary, frequencies.

``userdict.txt`` holds the user words (places, units, titles) the analyzer was built with,
``bm25_vocab.json`` the term ids and ``bm25_df.npy`` the live document frequency of each term.
The FAISS backend searches postings with them; the Milvus backend keeps only these statistics
(Milvus holds the analysed text) for the coverage weights of the searcher.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from qa.tokens import Analyzer

USERDICT = "userdict.txt"
VOCAB = "bm25_vocab.json"
DF = "bm25_df.npy"

_ANALYZERS: OrderedDict[str, Analyzer] = OrderedDict()
_ANALYZERS_LOCK = threading.Lock()


def read_words(path: Path) -> set[str]:
    """The jieba user words saved with a generation (``userdict.txt``); none when the file is absent."""
    return {w for w in path.read_text(encoding="utf-8").split("\n") if w} if path.exists() else set()


def shared_analyzer(words: set[str]) -> Analyzer:
    """An analyzer for these user words, shared within the process.

    Building one loads jieba's dictionary (0.7 s); a writer and the reader opened after it (the web
    app after an upload), or successive updates, mostly use the same words. Analyzers are only read
    once built, so sharing them is safe; the two most recent are kept.
    """
    kept = sorted({w for w in words if 2 <= len(w) <= 40})  # what Analyzer keeps
    key = hashlib.sha256("\n".join(kept).encode()).hexdigest()
    with _ANALYZERS_LOCK:
        analyzer = _ANALYZERS.get(key)
        if analyzer is None:
            analyzer = _ANALYZERS[key] = Analyzer(kept)
        _ANALYZERS.move_to_end(key)
        while len(_ANALYZERS) > 2:
            _ANALYZERS.popitem(last=False)
    return analyzer


def generation_analyzer(generation_dir: Path) -> Analyzer:
    """The analyzer a generation's text was analysed with (its saved user words)."""
    return shared_analyzer(read_words(generation_dir / USERDICT))
