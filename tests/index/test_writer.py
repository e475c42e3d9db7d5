"""Writing generations (on the FAISS backend): one writer at a time, atomic swaps under kill -9, readers
keeping their generation, kept uploads, unreadable updates and damaged indexes.

Build, update, stats and deletion as every backend must do them are in test_contract.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import EXTERNAL, ROOT, SAMPLES, sample, settings_for

from qa.api import build_index, open_assistant, update_index
from qa.docnumber import key as doc_number_key
from qa.index.errors import StoreError
from qa.index.faiss import FaissReader
from qa.index.generations import current_generation


class _assistant:
    def __init__(self, settings):
        self.assistant = open_assistant(settings)

    def __enter__(self):
        return self.assistant

    def __exit__(self, *exc):
        self.assistant.close()


def test_update_keeps_the_old_version_of_a_file_that_became_unreadable(small_corpus, tmp_path):
    index = tmp_path / "index"
    settings = settings_for(index, small_corpus)
    build_index(settings, show_progress=False)
    (small_corpus / "ext_016.txt").write_bytes(b"")
    (small_corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    report = update_index(settings, show_progress=False)
    assert {e.path for e in report.errors} == {"ext_016.txt", "broken.pdf"}
    reader = FaissReader(index)
    assert "霍城县" in reader.regions()  # still answerable from the last good version
    reader.close()


def test_missing_and_damaged_indexes_say_how_to_fix(tmp_path, small_corpus):
    with pytest.raises(StoreError, match=r"no index at .*qa index build"):
        FaissReader(tmp_path / "nowhere")
    index = tmp_path / "index"
    build_index(settings_for(index, small_corpus), show_progress=False)
    generation = current_generation(index)
    (generation / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(StoreError, match=r"damaged.*qa index build") as info:
        FaissReader(index)
    assert "\n" not in str(info.value)
    (index / "CURRENT").write_text("gen-999999\n")
    with pytest.raises(StoreError, match="damaged"):
        FaissReader(index)


def test_one_writer_at_a_time(tmp_path, small_corpus):
    import fcntl

    index = tmp_path / "index"
    index.mkdir()
    with open(index / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(StoreError, match="another build or update"):
            build_index(settings_for(index, small_corpus), show_progress=False)


def test_kill_9_during_update_leaves_the_previous_index_usable(tmp_path, small_corpus):
    """A writer killed at any moment: the old generation stays live and complete."""
    index = tmp_path / "index"
    settings = settings_for(index, small_corpus)
    build_index(settings, show_progress=False)
    live = current_generation(index).name
    for path in sorted(EXTERNAL.glob("ext_0[2-3]*"))[:12]:
        shutil.copy(path, small_corpus)
    env = dict(os.environ, QA_CACHE_DIR=str(tmp_path / "cold-cache"))  # a cold cache: the writer must embed
    for delay in (0.5, 2.0, 5.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "qa.cli", "index", "update", "--index", str(index), "--quiet"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert current_generation(index).name == live
        with _assistant(settings) as assistant:
            assert assistant.reader.stats()["documents"] == 3
            assert assistant.ask("太仓市第29次常务会议由谁主持").found
    # The next writer cleans up what the killed ones left and completes.
    report = update_index(settings, show_progress=False)
    assert len(report.added) == 12 and current_generation(index).name != live
    assert not list(index.glob(".gen-*"))


def test_doc_number_key_unifies_brackets():
    assert doc_number_key("吴政办纪﹝2025﹞36号") == doc_number_key("吴政办纪〔2025〕 36号") == "吴政办纪(2025)36号"
    assert doc_number_key(None) is None


def test_readers_keep_their_generation_while_an_update_swaps(tmp_path, small_corpus):
    index = tmp_path / "index"
    settings = settings_for(index, small_corpus)
    build_index(settings, show_progress=False)
    old = open_assistant(settings)
    shutil.copy(SAMPLES / sample("002").name, small_corpus)
    update_index(settings, show_progress=False)
    assert old.ask("太仓市第29次常务会议由谁主持").found  # still answering from its own generation
    assert not old.ask("姑苏区碳达峰方案何时审议").found
    old.close()
    with _assistant(settings) as new:
        assert new.ask("姑苏区碳达峰方案何时审议").found


def test_uploads_survive_an_update_of_the_folder_and_a_rebuild(tmp_path, small_corpus):
    from qa.api import embedder_for
    from qa.index.writer import IndexWriter

    index = tmp_path / "index"
    settings = settings_for(index, small_corpus)
    build_index(settings, show_progress=False)
    calls = []
    writer = IndexWriter(index, embedder_for(settings), show_progress=False, progress=lambda *a: calls.append(a))
    upload = (SAMPLES / sample("002").name).read_bytes()
    report = writer.add_files([("uploaded.txt", b"x"), ("uploaded.txt", upload)])  # a name twice: the last wins
    assert report.added == ["uploaded.txt"] and not report.errors
    assert {c[0] for c in calls} == {"parsing", "embedding", "sentences", "writing"}
    report = update_index(settings, show_progress=False)  # uploaded.txt is not in the folder
    assert report.removed == []
    with _assistant(settings) as assistant:
        assert "姑苏区" in assistant.reader.regions()
    report = writer.build(small_corpus, uploads=[("uploaded.txt", upload)])
    assert "uploaded.txt" in report.added
    with _assistant(settings) as assistant:
        assert assistant.reader.stats()["documents"] == 4
