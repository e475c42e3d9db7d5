"""qa.tokens: jieba with a corpus dictionary, bigrams, and content words of questions."""

from __future__ import annotations

from qa.tokens import STOPWORDS, Analyzer, corpus_words, place_words


def test_user_dictionary_keeps_names_whole():
    plain = Analyzer()
    assert "姑苏区" not in plain.words_of("姑苏区碳达峰方案")
    analyzer = Analyzer(place_words() | {"碳达峰"})
    words = analyzer.words_of("姑苏区碳达峰方案")
    assert "姑苏区" in words and "碳达峰" in words


def test_corpus_words_titles_quotes_and_units():
    words = corpus_words(["会议审议了《苏州市姑苏区碳达峰实施方案》，坚持“三管三必须”原则，请姑苏生态环境局修改。"])
    assert "苏州市姑苏区碳达峰实施方案" in words and "三管三必须" in words
    assert any(w.endswith("生态环境局") for w in words)


def test_terms_include_bigrams_so_rewordings_match():
    analyzer = Analyzer()
    doc = set(analyzer.terms("碳达峰实施方案"))
    question = set(analyzer.terms("碳达峰方案"))
    assert "#碳达" in doc and "#达峰" in doc
    assert {"#碳达", "#达峰"} <= doc & question


def test_content_words_drop_question_and_meeting_words():
    analyzer = Analyzer()
    words = analyzer.content_words("开的县政府常务会议是第几次")
    assert words == [] or all(w not in STOPWORDS for w in words)
    assert "县政" not in words  # no search-mode sub-words of stopwords


def test_saved_dictionary_round_trips(tmp_path):
    analyzer = Analyzer({"三管三必须", "姑苏区"})
    analyzer.save(tmp_path / "userdict.txt")
    loaded = Analyzer.load(tmp_path / "userdict.txt")
    assert loaded.words == analyzer.words
    assert loaded.terms("坚持三管三必须") == analyzer.terms("坚持三管三必须")
