"""One meeting, one record in the index: a corrected re-upload replaces the older file in answers,
a mirror copy is folded as a duplicate, and both stay visible in the document list and stats."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from clirun import run_qa
from conftest import sample, settings_for

from qa.api import build_index, open_assistant, open_reader


def test_corrected_version_and_mirror_copy_folded_in_answers_and_stats(tmp_path):
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
        from qa.web import document_rows, render_status

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
