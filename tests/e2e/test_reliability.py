"""Issue 14: nothing lost, nothing planted, nothing exhausted.

Unit tests (no model, no index) first; the ones that build or update an index are marked slow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import run_qa, run_qa_process
from conftest import EXTERNAL, ROOT, sample, settings_for

from qa.sources import SourceError, decode_text, plausibility, read_source

TRADITIONAL = sample("002")  # the traditional-script sample (姑蘇區)


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# ---- 1. Big5 and mojibake ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big5_copy() -> tuple[str, bytes]:
    """The traditional sample encoded as Big5 (characters Big5 lacks replaced by '?')."""
    text = TRADITIONAL.read_text(encoding="utf-8")
    data = text.encode("big5", errors="replace")
    return data.decode("big5"), data


def test_big5_text_is_read_as_big5(big5_copy, tmp_path):
    expected, data = big5_copy
    path = tmp_path / "big5.txt"
    path.write_bytes(data)
    source = read_source(path)
    assert source.encoding == "big5"
    assert source.text == expected
    assert "姑蘇區城市道路隔離護欄導則" in source.text
    # The same bytes read as GB18030 are mojibake, and the score says so.
    assert plausibility(data.decode("gb18030")) < 0.7 < 0.95 < plausibility(source.text)


def test_big5_hkscs_characters_are_read(big5_copy):
    expected, _ = big5_copy
    # 峯 and 啓 (Hong Kong forms) exist in Big5-HKSCS, not in plain Big5.
    text = expected[:400] + "會議由李峯同志主持，啓動項目。"
    text, encoding = decode_text(text.encode("big5hkscs"))
    assert encoding == "big5hkscs" and "李峯" in text and "啓動" in text


def test_big5_page_declaring_a_wrong_charset(big5_copy, tmp_path):
    _expected, data = big5_copy
    page = b'<html><head><meta charset="gb2312"><title>t</title></head><body><p>' + data + b"</p></body></html>"
    path = tmp_path / "page.html"
    path.write_bytes(page)
    source = read_source(path)
    assert source.encoding == "big5" and "姑蘇區" in source.text


def test_implausible_decoding_is_refused_in_one_line(tmp_path):
    # Bytes only GB18030 decodes, all to rare characters of GBK's extension rows: mojibake, not minutes.
    data = bytes(b for lead in range(0x81, 0xA0) for trail in range(0x40, 0x7F, 3) for b in (lead, trail))
    path = tmp_path / "garbled.txt"
    path.write_bytes(data * 3)
    with pytest.raises(SourceError) as err:
        read_source(path)
    assert "garbled text" in str(err.value) and "\n" not in str(err.value)


def test_real_corpora_stay_plausible():
    for path in [*sorted((ROOT / "data" / "minutes").iterdir()), *sorted(EXTERNAL.glob("*.txt"))]:
        assert plausibility(read_source(path).text) > 0.95, path


# ---- 2. long inputs ------------------------------------------------------------------------------


def _coverage(document) -> int:
    """Non-space characters of a document's text that no chunk covers (the short tail aside)."""
    from qa.ingest import MAX_UNCHUNKED_CHARS

    text = document.meeting.text
    covered = bytearray(len(text))
    for chunk in document.chunks:
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    gaps, run = [], 0
    for ch, flag in zip(text, covered, strict=True):
        if flag:
            if run:
                gaps.append(run)
            run = 0
        elif not ch.isspace():
            run += 1
    gaps.append(run)
    return sum(g for g in gaps if g > MAX_UNCHUNKED_CHARS)


def test_a_30_mb_text_is_chunked_up_to_the_limit_and_the_cut_is_reported():
    from qa.ingest import MAX_CHUNK_CHARS, MAX_DOCUMENT_CHARS, parse_documents

    data = sample("000").read_bytes()
    data *= 30_000_000 // len(data) + 1
    documents, errors = parse_documents([("big.txt", data)])
    assert not errors
    (document,) = documents
    assert len(document.meeting.text) <= MAX_DOCUMENT_CHARS
    cut = [n for n in document.notices if n.startswith("text cut at character")]
    assert cut and "not searchable" in cut[0] and f"of {len(data.decode()):,}" in cut[0]
    assert _coverage(document) == 0  # every character kept is in a chunk
    assert len(document.chunks) > 100 and all(len(c.text) <= MAX_CHUNK_CHARS for c in document.chunks)
    assert len({c.chunk_id for c in document.chunks}) == len(document.chunks)


def test_a_2_mb_single_line_is_cut_into_bounded_chunks():
    from qa.ingest import MAX_CHUNK_CHARS, parse_documents

    sentence = "2025年3月5日，吴中区政府召开第12次常务会议，会议研究了安全生产工作，要求各部门切实落实责任"
    line = (sentence * 60000)[:2_000_000]
    documents, errors = parse_documents([("line.txt", line.encode())])
    assert not errors
    (document,) = documents
    assert any("text cut at character" in n for n in document.notices)
    assert any("cut into" in n for n in document.notices)
    assert _coverage(document) == 0
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in document.chunks)


def test_ordinary_minutes_get_no_notices(parsed_samples):
    from qa.ingest import parse_documents

    documents, _ = parse_documents([(p.name, p) for p in sorted((ROOT / "data" / "minutes").iterdir())])
    assert all(not d.notices for d in documents)


# ---- 3. archive bombs and isolated parsing --------------------------------------------------------


@pytest.fixture(scope="module")
def docx_bomb(tmp_path_factory) -> Path:
    """A small .docx whose document.xml inflates to 120 MB (made with zipfile, streamed)."""
    from benchmarks.limits import write_docx_bomb

    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    write_docx_bomb(path)
    assert path.stat().st_size < 2_000_000
    return path


def test_a_docx_bomb_is_refused_within_a_second_in_little_memory(docx_bomb):
    probe = (
        "import sys, time\n"
        "from qa.sources import SourceError, read_source\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    read_source(sys.argv[1]); print('accepted')\n"
        "except SourceError as exc:\n"
        "    print(exc.reason)\n"
        "print(time.perf_counter() - start)\n"
        # VmHWM (this process's peak RSS), not ru_maxrss: that one keeps the forking parent's peak.
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(docx_bomb)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    reason, seconds, peak_kb = done.stdout.strip().splitlines()
    assert "zip bomb" in reason and "document.xml" in reason
    assert float(seconds) < 1.0
    assert int(peak_kb) < 300 * 1024  # the whole process, interpreter and imports included


def test_uploads_are_parsed_in_a_child_with_a_memory_ceiling(docx_bomb):
    from qa.library import parse_isolated, parse_many_isolated

    assert "zip bomb" in parse_isolated("bomb.docx", docx_bomb.read_bytes())["error"]
    good = sample("000").read_bytes()
    results = parse_many_isolated([("a.txt", good), ("b.txt", b"\x00\x01" * 50)])
    assert results[0]["meeting"]["region"] == "吴中区"
    assert "binary" in results[1]["error"]


# ---- 5. limits on every input path ---------------------------------------------------------------


def test_question_previous_and_filter_limits():
    from qa.api import InputError, check_filters, check_k, check_text
    from qa.query import Filters

    with pytest.raises(InputError, match="previous: too long: 100,000 characters"):
        check_text("甲" * 100_000, "previous", "上一个问题")
    with pytest.raises(InputError, match="invalid character"):
        check_text("姑苏区\ud800碳达峰")
    with pytest.raises(InputError, match="must be text, not int"):
        check_text(12345)
    with pytest.raises(InputError) as err:
        check_filters(Filters(meeting_number=10**30))
    assert err.value.field == "meeting_number" and "会议次数" in err.value.zh
    with pytest.raises(InputError, match="date_from"):
        check_filters(Filters(date_from="2025-13-01"))
    with pytest.raises(InputError, match="after date_to"):
        check_filters(Filters(date_from="2025-02-01", date_to="2025-01-01"))
    with pytest.raises(InputError, match="regions"):
        check_filters(Filters(regions="吴中区"))  # type: ignore[arg-type]
    for k in (0, -1, 51, True):
        with pytest.raises(InputError, match=r"^k:"):
            check_k(k)
    assert check_filters(Filters(meeting_number=12.0)).meeting_number == 12  # type: ignore[arg-type]


def test_embedder_input_is_bounded_to_its_window():
    from qa.embed import MAX_EMBED_CHARS, CachedEmbedder

    seen = []

    class Recorder:  # records what reaches the model; the cache layer under test is the real one
        name, model, dim, key = "recorder", "r", 2, "recorder:r"

        def embed_queries(self, texts):
            import numpy as np

            seen.extend(texts)
            return np.zeros((len(texts), 2), dtype=np.float32)

        embed_passages = embed_queries

    embedder = CachedEmbedder(Recorder(), None)
    embedder.embed_queries(["问" * 100_000, "短问题", "短问题"])
    assert [len(t) for t in seen] == [MAX_EMBED_CHARS, 3]  # cut, and a duplicate embedded once
    assert embedder.embedded == 2


def test_cli_limits_are_one_line_before_loading_anything(tmp_path):
    line = _one_line(run_qa("ask", "问" * 20_000, "--index", str(tmp_path / "none")).stderr)
    assert "question: too long: 20,000 characters (at most 500)" in line
    for flag in ("0", "-1", "x"):
        done = run_qa("ask", "问题", "--k", flag, "--index", str(tmp_path))
        assert done.returncode == 2 and "--k" in _one_line(done.stderr) and "from 1 to 50" in done.stderr
    done = run_qa("ask", "问题", "--meeting-number", str(10**30), "--index", str(tmp_path))
    assert done.returncode == 2 and "--meeting-number" in _one_line(done.stderr)


# ---- 9. settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("QA_BATCH_SIZE", "abc", "whole number from 1"),
        ("QA_BATCH_SIZE", "0", "whole number from 1"),
        ("QA_THREADS", "x", "whole number from 1"),
        ("QA_INDEX_TYPE", "hnsw", "choose flat, ivf, ivf-sq8"),
        ("QA_BACKEND", "redis", "choose faiss, milvus"),
    ],
)
def test_bad_settings_are_one_line_naming_the_variable(variable, value, expected, tmp_path):
    from qa.config import SettingsError, load_settings

    os.environ[variable] = value
    try:
        with pytest.raises(SettingsError) as err:
            load_settings()
    finally:
        del os.environ[variable]
    assert str(err.value).startswith(f"{variable}='{value}'") and expected in str(err.value)


def test_bad_settings_and_flags_on_the_command_line(tmp_path):
    done = run_qa("index", "stats", "--index", str(tmp_path), env={"QA_BATCH_SIZE": "abc"})
    assert done.returncode == 2 and "QA_BATCH_SIZE='abc'" in _one_line(done.stderr)
    done = run_qa("index", "build", "--batch-size", "0", "--index", str(tmp_path))
    assert done.returncode == 2 and "--batch-size" in _one_line(done.stderr)


# ---- 10. messages --------------------------------------------------------------------------------


def test_missing_paths_and_dash_names(tmp_path):
    done = run_qa("parse", str(tmp_path / "no-such-folder"))
    assert "no such file or folder" in _one_line(done.stderr)
    dashed = tmp_path / "-draft.txt"
    shutil.copy(sample("000"), dashed)
    # A real process started in another folder: the relative name is read from there.
    done = run_qa_process("parse", "--json", "--", "-draft.txt", cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and json.loads(done.stdout)[0]["region"] == "吴中区"
    assert "after --" in run_qa("--help").stdout


# ---- 8. crash tidiness (no model: generations made by hand) ----------------------------------------


def test_prune_keeps_current_and_its_predecessor_never_an_orphan(tmp_path):
    from qa.index.generations import clean_stale

    for n in (3, 4, 5, 6):
        (tmp_path / f"gen-{n:06d}").mkdir()
        (tmp_path / f"gen-{n:06d}" / "manifest.json").write_text("{}")
    (tmp_path / "CURRENT").write_text("gen-000005\n")  # gen-000006: renamed, never made live
    (tmp_path / "CURRENT.tmp-999999999").write_text("gen-000006\n")  # a dead writer's pointer
    (tmp_path / ".gen-000007.tmp-999999999").mkdir()
    removed = clean_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "gen-000004", "gen-000005"]
    assert set(removed) == {"gen-000003", "gen-000006", "CURRENT.tmp-999999999", ".gen-000007.tmp-999999999"}


# ---- slow: indexes -------------------------------------------------------------------------------


@pytest.fixture()
def corpus(small_corpus) -> Path:
    """The small folder and two files no reader takes (skipped, and listed as skipped)."""
    (small_corpus / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 not read")
    (small_corpus / "INDEX.tsv").write_text("file\n")
    return small_corpus


def _writer(settings):
    from qa.api import embedder_for, live_manifest, open_writer

    return open_writer(settings, embedder_for(settings), live_manifest(settings), show_progress=False)


def _documents(index: Path) -> dict[str, str]:
    from qa.api import open_reader

    reader = open_reader(settings_for(index))
    try:
        return {d["doc_id"]: d["meeting"].get("region") for d in reader.documents()}
    finally:
        reader.close()


def _chair(index: Path, doc_id: str) -> str | None:
    from qa.api import open_reader

    reader = open_reader(settings_for(index))
    try:
        return reader.document(doc_id)["meeting"].get("chair")
    finally:
        reader.close()


@pytest.mark.slow
def test_uploads_survive_qa_index_build_and_update(corpus, tmp_path):
    from qa.api import build_index, update_index
    from qa.library import Library

    index = tmp_path / "index"
    settings = settings_for(index, corpus)
    report = build_index(settings, show_progress=False)
    assert report.skipped == ["INDEX.tsv", "old.xls"]  # listed in the build summary
    library = Library(index)
    traditional = TRADITIONAL.read_bytes()
    # An upload of its own, and one replacing a file of the source folder (000 → the 002 text).
    replacing = sample("000").name
    # The upload's corrections (from the preview) are kept with it by the library, whichever front end adds.
    corrections = {"uploaded.txt": {"chair": "王五"}}
    report = library.add(_writer(settings), [("uploaded.txt", traditional), (replacing, traditional)], corrections)
    assert not report.errors and sorted(report.added + report.changed) == sorted(["uploaded.txt", replacing])
    assert {p.name for p in library.uploads_dir.iterdir() if p.is_file()} == {"uploaded.txt", replacing}
    assert _documents(index)[replacing] == "姑苏区"
    assert library.corrections() == corrections

    done = run_qa("index", "update", "--index", str(index), "--quiet")
    assert done.returncode == 0, done.stderr
    documents = _documents(index)
    assert documents["uploaded.txt"] == documents[replacing] == "姑苏区"  # not reverted to the folder's 吴中区

    done = run_qa("index", "build", "--index", str(index), "--source", str(corpus))
    assert done.returncode == 0, done.stderr
    assert "skipped 2 file(s) of unsupported types: INDEX.tsv, old.xls" in done.stderr
    documents = _documents(index)
    assert set(documents) == {"uploaded.txt", replacing, sample("004").name, "ext_016.txt"}
    assert documents[replacing] == "姑苏区"
    assert _chair(index, "uploaded.txt") == "王五"  # the CLI's rebuild applies the kept corrections too

    # An index built before uploads were kept (uploads dropped): the next update adds them back.
    from qa.index.writer import IndexWriter

    IndexWriter(index, _writer(settings).embedder, show_progress=False).build(corpus)
    assert "uploaded.txt" not in _documents(index)
    report = update_index(settings, show_progress=False)
    assert "uploaded.txt" in report.added and _documents(index)[replacing] == "姑苏区"


@pytest.mark.slow
def test_the_cli_and_the_web_page_rebuild_the_same_library(corpus, tmp_path):
    """One policy (qa.library): the same folder, the same kept uploads, the same corrections."""
    from qa.api import build_index
    from qa.library import Library
    from qa.web import WebAssistant

    index = tmp_path / "index"
    # Built from `corpus`, not from the configured default folder (data/minutes).
    settings = settings_for(index, corpus)
    build_index(settings, show_progress=False)
    Library(index).add(
        _writer(settings), [("uploaded.txt", TRADITIONAL.read_bytes())], {"uploaded.txt": {"chair": "王五"}}
    )
    expected = _documents(index)
    assert "uploaded.txt" in expected and "ext_016.txt" in expected

    done = run_qa("index", "build", "--index", str(index), "--quiet")  # no --source: the index's own folder
    assert done.returncode == 0, done.stderr
    from_cli = _documents(index)
    assert from_cli == expected and _chair(index, "uploaded.txt") == "王五"

    core = WebAssistant(settings_for(index), temp_root=tmp_path / "gradio")
    core.rebuild()
    assert _documents(index) == from_cli and _chair(index, "uploaded.txt") == "王五"


def test_deleted_text_is_gone_from_every_sqlite_file_and_the_temp_copy(corpus, tmp_path):
    from qa.api import build_index, update_index
    from qa.web import WebAssistant

    index = tmp_path / "index"
    settings = settings_for(index, corpus)
    build_index(settings, show_progress=False)
    # A delta over a hard-linked base (an update), then an upload: several generations exist.
    shutil.copy(EXTERNAL / "ext_020.txt", corpus)
    update_index(settings, show_progress=False)
    gradio_temp = tmp_path / "gradio" / "0123abcd"
    gradio_temp.mkdir(parents=True)
    upload = gradio_temp / "secret.txt"
    shutil.copy(TRADITIONAL, upload)
    web = WebAssistant(settings, temp_root=tmp_path / "gradio")  # Gradio's upload folder, as build_app gives it
    report = web.add([str(upload)])
    assert report.added == ["secret.txt"]
    marker = "姑蘇區城市道路隔離護欄導則".encode()

    def copies() -> list[str]:
        return [str(p) for p in index.rglob("*") if p.is_file() and marker in p.read_bytes()]

    assert copies()
    web.delete("secret.txt")
    assert copies() == []  # no live or previous generation's SQLite, no kept original
    assert not upload.exists() and not gradio_temp.exists()
    # A folder document too: its text leaves the base, not only the live view.
    folder_marker = "太仓".encode()
    assert any(folder_marker in p.read_bytes() for p in index.rglob("*.sqlite"))
    kept = corpus / "ext_016.txt"
    web.add([str(kept)])  # a path given by an API caller, outside Gradio's folder: never removed
    web.delete("ext_016.txt")
    assert kept.exists()
    from qa.api import open_reader

    reader = open_reader(settings)
    stats = reader.stats()
    reader.close()
    assert stats["documents"] == 3 and stats["tombstones"] == {"chunks": 0, "documents": 0}
    assert stats["generations"] == [stats["generation"]] and stats["disk_bytes"] >= stats["size_bytes"]
    text = (ROOT / "data" / "external" / "ext_016.txt").read_text(encoding="utf-8")
    sentence = max(text.splitlines(), key=len)[:30].encode()
    assert not any(sentence in p.read_bytes() for p in index.rglob("*.sqlite"))


@pytest.mark.slow
def test_in_batch_duplicates_are_not_counted_as_embedded(tmp_path):
    from qa.api import build_index, open_reader

    source = tmp_path / "source"
    source.mkdir()
    for name in ("a.txt", "b.txt"):  # the same minutes twice: identical chunks
        shutil.copy(sample("004"), source / name)
    settings = settings_for(tmp_path / "index", source).with_overrides(cache_dir=tmp_path / "cold-cache")
    report = build_index(settings, show_progress=False)
    reader = open_reader(settings)
    total = reader.stats()["chunks"]
    reader.close()
    assert report.cache_hits == 0 and report.chunks_embedded == total // 2


@pytest.mark.slow
def test_update_over_a_truncated_manifest_says_rebuild_and_a_rebuild_repairs(corpus, tmp_path):
    from qa.api import build_index
    from qa.index.generations import current_generation

    index = tmp_path / "index"
    build_index(settings_for(index, corpus), show_progress=False)
    manifest = current_generation(index) / "manifest.json"
    manifest.write_text(manifest.read_text()[:40])
    done = run_qa("index", "update", "--index", str(index), "--quiet")
    line = _one_line(done.stderr)
    assert done.returncode == 1 and "manifest.json: truncated or invalid JSON" in line and "qa index build" in line
    done = run_qa("index", "build", "--index", str(index), "--source", str(corpus), "--quiet")
    assert done.returncode == 0, done.stderr
    assert run_qa("index", "stats", "--index", str(index), "--json").returncode == 0


@pytest.mark.slow
def test_a_writer_killed_at_each_critical_instant_leaves_a_tidy_folder(corpus, tmp_path):
    from qa.api import build_index, open_assistant
    from qa.index.generations import FAILPOINTS, current_generation

    index = tmp_path / "index"
    settings = settings_for(index, corpus)
    build_index(settings, show_progress=False)
    question = "太仓市第29次常务会议由谁主持"
    with_answer = open_assistant(settings)
    expected = with_answer.ask(question).to_dict()
    with_answer.close()
    extra = [EXTERNAL / "ext_020.txt", EXTERNAL / "ext_021.txt", EXTERNAL / "ext_023.txt"]
    for point, path in zip(FAILPOINTS, extra, strict=True):
        live = current_generation(index).name
        shutil.copy(path, corpus)
        done = run_qa_process(
            "index", "update", "--index", str(index), "--quiet", cwd=ROOT, env={"QA_FAILPOINT": point}
        )
        assert done.returncode == -9, (point, done.stderr)
        if point == "before-rename":
            leftovers = list(index.glob(".gen-*.tmp-*"))
        elif point == "after-rename":
            leftovers = [p for p in index.glob("gen-*") if p.name > live]
        else:
            leftovers = list(index.glob("CURRENT.tmp-*"))
        assert leftovers, point  # the crash left what it leaves in real life
        assert current_generation(index).name == live
        assistant = open_assistant(settings)
        assert assistant.ask(question).to_dict() == expected  # answers unchanged
        assistant.close()
        assert run_qa("index", "stats", "--index", str(index)).returncode == 0  # stats tidies
        names = sorted(p.name for p in index.iterdir() if p.name not in ("uploads", ".lock"))
        assert not [n for n in names if ".tmp-" in n], names
        generations = [n for n in names if n.startswith("gen-")]
        assert live in generations and len(generations) <= 2 and max(generations) == live, names
    # The next writer completes over what the crashes left.
    done = run_qa("index", "update", "--index", str(index), "--quiet")
    assert done.returncode == 0, done.stderr
    assert {"ext_020.txt", "ext_021.txt", "ext_023.txt"} <= set(_documents(index))
    names = sorted(p.name for p in index.iterdir() if p.name.startswith(("gen-", ".gen-", "CURRENT")))
    assert len([n for n in names if n.startswith("gen-")]) == 2 and names[0] == "CURRENT", names


@pytest.mark.slow
def test_ask_refuses_a_100000_character_previous_at_once(sample_assistant):
    from qa.api import InputError

    with pytest.raises(InputError, match="previous"):
        sample_assistant.ask("那太仓呢？", previous="碳达峰" * 33_334)
    with pytest.raises(InputError, match="meeting_number"):
        from qa.query import Filters

        sample_assistant.ask("碳达峰", filters=Filters(meeting_number=2**70))


@pytest.mark.slow
def test_web_ask_refuses_hostile_inputs_in_chinese(sample_index):
    from qa.web import UserError, WebAssistant

    web = WebAssistant(settings_for(sample_index))
    cases = [
        ({"question": "那太仓呢？", "previous": "碳达峰" * 33_334}, "上一个问题（previous）太长了"),
        ({"question": "碳达峰", "meeting_number": 10**30}, "会议次数"),
        ({"question": 12345}, "问题必须是文字"),
        ({"question": "姑苏区\ud800碳达峰"}, "无效字符"),
    ]
    for kwargs, expected in cases:
        with pytest.raises(UserError) as err:
            web.ask(**kwargs)
        assert expected in str(err.value), kwargs
