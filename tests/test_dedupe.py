"""One meeting, one record: a re-uploaded corrected version replaces the older file in answers, a
mirror copy is folded as a duplicate, and both stay visible in the document list."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import sample, settings_for
from test_cli import run_qa

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


@pytest.mark.slow
def test_corrected_version_and_mirror_copy_folded_in_answers_and_stats(tmp_path):
    from qa.api import build_index, open_assistant, open_reader

    source = tmp_path / "source"
    source.mkdir()
    original = sample("000").read_text(encoding="utf-8")
    shutil.copy(sample("000"), source / "wz-55.txt")
    # The corrected re-upload: one decision changed, newer file.
    assert "应急管理局要紧盯危化品治理薄弱环节" in original
    corrected = original.replace(
        "应急管理局要紧盯危化品治理薄弱环节", "应急管理局要会同消防救援大队紧盯危化品仓储薄弱环节"
    )
    (source / "wz-55-corrected.txt").write_text(corrected, encoding="utf-8")
    # A mirror of sample 003 on another site: same article, other spacing and a site footer.
    shutil.copy(sample("003"), source / "gs-17.txt")
    mirror = sample("003").read_text(encoding="utf-8").replace("\n\n", "\n") + "\n（来源：苏州市姑苏区人民政府网站）\n"
    (source / "gs-17-mirror.txt").write_text(mirror, encoding="utf-8")
    shutil.copy(sample("004"), source / "tc-29.txt")
    day = 86400
    for offset, name in enumerate(["wz-55.txt", "gs-17.txt", "gs-17-mirror.txt", "wz-55-corrected.txt", "tc-29.txt"]):
        os.utime(source / name, (1_750_000_000 + offset * day,) * 2)
    index = tmp_path / "index"
    report = build_index(settings_for(index, source), show_progress=False)
    assert not report.errors

    reader = open_reader(settings_for(index))
    try:
        stats = reader.stats()
        assert stats["documents"] == 5 and stats["folded"] == {"duplicates": 1, "versions": 1}
        listed = {d["doc_id"]: d["folded"] for d in reader.documents()}
        assert listed["wz-55.txt"] == {
            "kind": "version",
            "of": "wz-55-corrected.txt",
            "similarity": pytest.approx(listed["wz-55.txt"]["similarity"]),
        }
        assert listed["gs-17.txt"]["kind"] == "duplicate" and listed["gs-17.txt"]["of"] == "gs-17-mirror.txt"
        assert listed["wz-55-corrected.txt"] is None and listed["tc-29.txt"] is None
        assert reader.find_doc_number("吴政办纪〔2025〕36号") == ["wz-55-corrected.txt"]
        # The web page's document list and status line say what was folded, and into what.
        from qa.web.render import document_rows, render_status

        rows = {row[4]: row[5] for row in document_rows(reader.documents())}
        assert rows["wz-55.txt"].startswith("旧版本（以 wz-55-corrected.txt 为准，不再引用）")
        assert rows["gs-17.txt"].startswith("重复副本（以 gs-17-mirror.txt 为准")
        status = render_status({"state": "ready", "stats": stats})
        assert "已合并1 份重复副本、1 份旧版本" in status
    finally:
        reader.close()

    assistant = open_assistant(settings_for(index))
    try:
        answer = assistant.ask("吴中区应急管理局要紧盯什么薄弱环节")
        cited = [c.doc_id for c in answer.citations]
        assert cited and cited[0] == "wz-55-corrected.txt" and "wz-55.txt" not in cited
        assert "消防救援大队" in answer.citations[0].text
        answer = assistant.ask("姑苏区第17次常务会议由谁主持")
        cited = [c.doc_id for c in answer.citations]
        # One meeting, one record: the copies are never both cited.
        assert cited and {d for d in cited if d.startswith("gs-17")} == {"gs-17-mirror.txt"}
        assert "陈羔" in answer.answer
    finally:
        assistant.close()

    result = run_qa("index", "stats", "--index", str(index), "--json")
    assert json.loads(result.stdout)["folded"] == {"duplicates": 1, "versions": 1}
    assert "1 duplicates, 1 previous versions" in run_qa("index", "stats", "--index", str(index)).stdout
