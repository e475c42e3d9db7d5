"""The index keeps each meeting of a file that reports several (issue 12, class 2)."""

from __future__ import annotations

import shutil

from conftest import FIXTURES, settings_for

from qa.api import build_index, open_reader


def test_index_holds_each_meeting_of_a_file(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(FIXTURES / "unseen" / "c2_two_reports_youxun.txt", source / "two.txt")
    settings = settings_for(tmp_path / "index", source)
    report = build_index(settings, show_progress=False)
    assert not report.errors and report.added == ["two.txt"]
    reader = open_reader(settings)
    try:
        listed = reader.documents()
        assert [(d["doc_id"], d.get("parts")) for d in listed] == [("two.txt", ["two.txt#2"])]
        second = reader.document("two.txt#2")
        assert second["meeting"]["chair"] == "郭海磊" and second["meeting"]["date_partial"] == "08-24"
        assert second["text"] == reader.document("two.txt")["text"]  # the one original file
        chunks = reader.chunks(list(range(1, reader.stats()["chunks"] + 1)))
        by_doc = {c.doc_id: c for c in chunks}
        assert by_doc["two.txt"].region == "兴县" and by_doc["two.txt#2"].region == "濉溪县"
        assert by_doc["two.txt#2"].date_partial == "08-24" and by_doc["two.txt#2"].date is None
        for chunk in chunks:
            assert second["text"][chunk.start : chunk.end] == chunk.text
    finally:
        reader.close()
