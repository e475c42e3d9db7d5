"""Tokens for BM25: jieba words with a corpus-built user dictionary, plus character bigrams.

jieba alone splits names it does not know (姑苏区碳达峰 → 姑苏/区碳/达峰), so the dictionary is
extended with what minutes are full of: place names (the national gazetteer), units and
departments that appear in the corpus (区发改局, 姑苏生态环境局), document titles in 《》 and short
quoted terms (“三管三必须”). Character bigrams are added on top so that a question worded
differently from the text (碳达峰方案 vs 碳达峰实施方案) still shares terms with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9+]")
_TITLE = re.compile(r"《([^《》]{2,40})》")
_QUOTED = re.compile(r"“([^“”]{2,10})”")
_UNIT = re.compile(
    r"[\u4e00-\u9fff]{1,8}?(?:局|委|办|中心|集团|街道|镇|公司|管委会|分局|大队|法院|检察院|研究室|工会|学院)"
)

# Words that carry no topic: question words, function words and the vocabulary of every minutes.
STOPWORDS = frozenset(
    " ".join(
        [
            "的 了 是 在 和 与 及 或 等 由 对 被 把 将 要 于 为 以 之 其 并 也 都 还 就 上 下 中 后 前 这 那 该 各",
            "何时 什么 时候 什么时候 哪天 哪一天 哪日 哪些 哪个 哪次 哪一次 哪位 谁 几 几月 几号 几次 第几次",
            "吗 呢 吧 啊 如何 怎么 怎样 多少 是否 有没有 请问 一下 一个 哪里 哪儿 为何 为什么 怎么样 是什么 是谁",
            "什么样 会议 常务 常务会议 召开 开的 开 主持 举行 审议 通过 研究 听取 同志 会上 本次 有关 相关 进行",
            "情况 工作 区政府 县政府 市政府 政府 人民政府 出席 列席 参会 与会 人员 名单 纪要 印发",
            "领导 日期 时间 时候 哪里 地点 地方 开了 那次 这次 县开 区开 市开",
        ]
    ).split()
)


class Analyzer:
    """Turns text into BM25 terms; the same instance must tokenize documents and questions."""

    def __init__(self, words: Iterable[str] = ()):
        import jieba

        self._jieba = jieba.Tokenizer()
        # Start from a copy of jieba's loaded dictionary instead of loading it again (0.7 s).
        base = _base_dictionary()
        self._jieba.FREQ, self._jieba.total = dict(base.FREQ), base.total
        self._jieba.initialized = True
        self.words = sorted({w for w in words if 2 <= len(w) <= 40})
        for word in self.words:
            self._jieba.add_word(word, freq=max(100, 20 * len(word)))

    @classmethod
    def load(cls, path: Path) -> Analyzer:
        """An analyzer with the user dictionary saved next to an index."""
        words = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
        return cls(w for w in words if w)

    def save(self, path: Path) -> None:
        path.write_text("\n".join(self.words), encoding="utf-8")

    def words_of(self, text: str) -> list[str]:
        """jieba search-mode words (sub-words of long dictionary words included), stopwords out."""
        out = []
        for token in self._jieba.cut_for_search(text):
            token = token.strip()
            if token and _WORDLIKE.search(token) and token not in STOPWORDS:
                out.append(token.lower())
        return out

    def content_words(self, text: str) -> list[str]:
        """Words a question is about: jieba's precise cut (no sub-words), stopwords out."""
        out = []
        for token in self._jieba.cut(text):
            token = token.strip().lower()
            if (
                token
                and _WORDLIKE.search(token)
                and token not in STOPWORDS
                and not (len(token) == 1 and _HAN_RUN.fullmatch(token))
            ):
                out.append(token)
        return out

    def terms(self, text: str) -> list[str]:
        """BM25 terms: words plus character bigrams of every Chinese run."""
        terms = self.words_of(text)
        for run in _HAN_RUN.findall(text):
            terms.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
        return terms


@lru_cache(maxsize=1)
def _base_dictionary():
    """jieba's main dictionary, loaded once per process."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def corpus_words(texts: Iterable[str], extra: Iterable[str] = ()) -> set[str]:
    """User-dictionary words found in normalised documents: titles, quoted terms, unit names."""
    words = set(extra)
    for text in texts:
        for title in _TITLE.findall(text):
            words.add(title)
        words.update(_QUOTED.findall(text))
        words.update(m.group(0) for m in _UNIT.finditer(text) if len(m.group(0)) <= 10)
    return {w for w in words if _HAN_RUN.fullmatch(w.replace("+", "").replace("-", "")) or "+" in w}


def place_words() -> set[str]:
    """Every region, city and province name and short name in the gazetteer."""
    from qa.regions import gazetteer

    gaz = gazetteer()
    return {surface for place in gaz.places for surface in gaz.surfaces(place)}
