"""The `qa` command: JSON output and bad-input handling (one line per file, non-zero exit)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import EXTERNAL, ROOT, sample


def run_qa(*args: str, stdin: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_parse_json_lists_meetings():
    result = run_qa("parse", "--json", str(sample("000")), str(EXTERNAL / "ext_037.pdf"))
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
