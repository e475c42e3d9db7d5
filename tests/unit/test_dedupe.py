"""One meeting, one record: a re-uploaded corrected version replaces the older file in answers, a
mirror copy is folded as a duplicate, and both stay visible in the document list."""

from __future__ import annotations

from conftest import sample

from qa.dedupe import DocFacts, fold_documents, is_mirror, similarity


def _facts(doc_id: str, **kw) -> DocFacts:
    base = {"region": "吴中区", "meeting_number": 55, "date": "2025-07-17", "doc_key": None, "issued": None}
    base.update(kw)
    return DocFacts(
        doc_id,
        mtime_ns=kw.pop("mtime_ns", None),
        indexed_at=kw.pop("indexed_at", None),
        **{k: base[k] for k in ("region", "meeting_number", "date", "doc_key", "issued")},
    )


def test_newest_of_a_meeting_is_the_record_and_the_others_are_folded():
    texts = {"a": "会议研究了安全生产工作。" * 20, "b": "会议研究了安全生产和消防工作，要求限期整改。" * 20}
    texts["c"] = texts["a"] + "  "  # a mirror copy: same text, other spacing
    documents = [
        _facts("a", mtime_ns=100),
        _facts("b", mtime_ns=300),
        _facts("c", mtime_ns=200),
        _facts("other", meeting_number=56, mtime_ns=50),
    ]
    folding = fold_documents(documents, texts.get)
    assert folding.folded == {"a", "c"}
    assert folding.of("a")["of"] == "b" and folding.of("a")["kind"] == "version"
    assert folding.of("other") is None and folding.of("b") is None
    # Against the record (b) a mirror of the old text is an old version too; a mirror of the record
    # itself is a duplicate.
    texts["d"] = texts["b"].replace("。", "．")
    folding = fold_documents([*documents, _facts("d", mtime_ns=250)], texts.get)
    assert folding.of("d")["kind"] == "duplicate" and folding.counts() == {"duplicates": 1, "versions": 2}


def test_document_number_joins_a_meeting_whose_other_facts_were_not_read():
    texts = {"x": "纪要正文" * 30, "y": "纪要正文（修订）" * 30}
    documents = [
        _facts("x", doc_key="吴政办纪(2025)36号", mtime_ns=1),
        _facts("y", region=None, date=None, doc_key="吴政办纪(2025)36号", mtime_ns=2),
    ]
    assert fold_documents(documents, texts.get).folded == {"x"}


def test_issue_date_outranks_file_times_and_missing_values_do_not_count():
    texts = {"p": "甲" * 100, "q": "乙" * 100}
    newer_file_older_issue = [
        _facts("p", issued="2025-07-20", mtime_ns=9),
        _facts("q", issued="2025-07-25", mtime_ns=1),
    ]
    assert fold_documents(newer_file_older_issue, texts.get).folded == {"p"}
    # An upload (no file time) against a folder file: the indexing time decides.
    mixed = [_facts("p", mtime_ns=9, indexed_at="2026-01-02"), _facts("q", indexed_at="2026-01-01")]
    assert fold_documents(mixed, texts.get).folded == {"q"}


def test_mirror_means_same_words_furniture_aside():
    text = sample("000").read_text(encoding="utf-8")
    assert is_mirror(
        text, "来源：吴中区人民政府网站 发布时间：2025-07-18\n" + text.replace("\n", "\n\n") + "【打印】【关闭】"
    )
    assert not is_mirror(text, text.replace("应急管理局要紧盯", "应急管理局要会同消防部门紧盯"))
    assert not is_mirror(text, text.replace("第55次", "第56次"))
    assert not is_mirror(text, text.replace("横泾街道", "横泾街道、越溪街道", 1))


def test_similarity_ignores_punctuation_and_spacing():
    text = sample("000").read_text(encoding="utf-8")
    assert similarity(text, text.replace("，", ", ").replace("\n", "\n\n")) == 1.0
    assert similarity(text, sample("001").read_text(encoding="utf-8")) < 0.2
