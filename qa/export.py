"""Exports of answers: CSV (opens in Excel) and a Word report, shared by the CLI and the web page.

from qa.export import rows_from_answer, to_csv, to_docx
rows = rows_from_answer(answer.to_dict())         # one row per citation
Path("answers.csv").write_bytes(to_csv([answer.to_dict()]))
Path("answers.docx").write_bytes(to_docx([answer.to_dict()], title="纪要问答"))

An ``answer`` is the dict of ``qa ask --json`` (:meth:`qa.answer.Answer.to_dict`). Citations may carry
optional fields from other parts of the product (``role``, ``doc_number``, ``url``, ``date_partial``);
they are read with ``.get`` so older and newer answers export alike. Every quoted sentence is
written exactly as it stands in the original document (``sentence`` at ``span``): nothing is
reflowed or cleaned, so an exported quote can be checked against the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

# Row keys (the API) and the column headings users read (Chinese, as in the web page).
COLUMNS: dict[str, str] = {
    "question": "问题",
    "answer": "回答",
    "rank": "序号",
    "role": "类别",
    "meeting": "会议",
    "region": "地区",
    "date": "日期",
    "item": "议题",
    "sentence": "引文",
    "span": "位置",
    "doc_number": "文号",
    "source": "文件",
    "url": "网址",
}

_ROLE_LABEL = {"evidence": "依据", "related": "相关"}

DocLookup = Callable[[str], dict | None]


class ExportError(ValueError):
    """An input file that cannot be exported (named in the message)."""


def _ordered_citations(answer: dict) -> list[dict]:
    """Evidence citations first (in rank order), then related ones; a citation without a role is evidence."""
    citations = [c for c in answer.get("citations") or [] if isinstance(c, dict)]
    return sorted(citations, key=lambda c: (0 if (c.get("role") or "evidence") == "evidence" else 1, c.get("rank", 0)))


def rows_from_answer(answer: dict, lookup: DocLookup | None = None, evidence_only: bool = False) -> list[dict]:
    """One row per citation of an answer (one row with empty citation fields when nothing is cited).

    Args:
        answer: the ``qa ask --json`` dict.
        lookup: optional ``doc_id -> document metadata`` (e.g. ``reader.document``) to fill 文号 when a
            citation does not carry ``doc_number`` itself.
        evidence_only: leave out citations whose ``role`` is ``"related"``.
    """
    base = {"question": answer.get("question") or "", "answer": answer.get("answer") or ""}
    if answer.get("error"):
        base["answer"] = base["answer"] or str(answer["error"])
    rows = []
    for citation in _ordered_citations(answer):
        role = citation.get("role") or ""
        if evidence_only and role == "related":
            continue
        span = citation.get("span") or ()
        rows.append(
            {
                **base,
                "rank": citation.get("rank", ""),
                "role": _ROLE_LABEL.get(role, role),
                "meeting": citation.get("meeting") or "",
                "region": citation.get("region") or "",
                "date": citation.get("date") or citation.get("date_partial") or "",
                "item": citation.get("item") or "",
                "sentence": citation.get("sentence") or "",
                "span": f"{span[0]}-{span[1]}" if len(span) == 2 else "",
                "doc_number": citation.get("doc_number") or _doc_number(citation, lookup),
                "source": citation.get("source") or "",
                "url": citation.get("url") or "",
            }
        )
    if not rows:
        rows.append({**dict.fromkeys(COLUMNS, ""), **base})
    return rows


def _doc_number(citation: dict, lookup: DocLookup | None) -> str:
    if lookup is None or not citation.get("doc_id"):
        return ""
    document = lookup(citation["doc_id"]) or {}
    meeting = document.get("meeting", document)
    return (meeting or {}).get("doc_number") or ""


def to_csv(answers: Iterable[dict], lookup: DocLookup | None = None, evidence_only: bool = False) -> bytes:
    """A CSV of every answer's rows, UTF-8 with a BOM so that Excel shows the Chinese correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS.values())
    for answer in answers:
        for row in rows_from_answer(answer, lookup, evidence_only):
            writer.writerow(row[key] for key in COLUMNS)
    return buffer.getvalue().encode("utf-8-sig")


def read_csv(data: bytes) -> list[dict]:
    """Rows of a CSV written by :func:`to_csv`, keyed like :func:`rows_from_answer` (for checks and tests)."""
    keys = {label: key for key, label in COLUMNS.items()}
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [{keys.get(k, k): v for k, v in row.items()} for row in reader]


# XML 1.0 forbids most control characters; python-docx would refuse them. Tabs and newlines stay.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def to_docx(
    answers: Iterable[dict], title: str = "纪要问答 导出", lookup: DocLookup | None = None, evidence_only: bool = False
) -> bytes:
    """A Word report: per question, the answer, then a table of its citations (quoted exactly)."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.add_heading(_xml(title), level=0)
    for number, answer in enumerate(answers, 1):
        rows = rows_from_answer(answer, lookup, evidence_only)
        document.add_heading(_xml(f"{number}. {rows[0]['question']}"), level=1)
        for line in rows[0]["answer"].splitlines() or [""]:
            document.add_paragraph(_xml(line))
        cited = [r for r in rows if r["sentence"] or r["source"]]
        if not cited:
            continue
        headers = ["rank", "meeting", "date", "item", "sentence", "doc_number", "source", "span"]
        if any(r["role"] for r in cited):
            headers.insert(1, "role")
        if any(r["url"] for r in cited):
            headers.insert(headers.index("source") + 1, "url")
        table = document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        for cell, key in zip(table.rows[0].cells, headers, strict=True):
            cell.text = COLUMNS[key]
        for row in cited:
            cells = table.add_row().cells
            for cell, key in zip(cells, headers, strict=True):
                value = row[key]
                if key == "meeting":
                    value = " ".join(p for p in (row["region"], row["meeting"]) if p)
                cell.text = _xml(str(value))
        for row_cells in table.rows:
            for cell in row_cells.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(9)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def read_docx_citations(data: bytes) -> list[dict]:
    """The citation rows of a report written by :func:`to_docx` (for checks and tests)."""
    from docx import Document

    keys = {label: key for key, label in COLUMNS.items()}
    out = []
    for table in Document(io.BytesIO(data)).tables:
        header = [keys.get(cell.text, cell.text) for cell in table.rows[0].cells]
        for row in table.rows[1:]:
            out.append(dict(zip(header, (cell.text for cell in row.cells), strict=True)))
    return out


# ---------------------------------------------------------------------------------------------
# inputs of `qa export`
# ---------------------------------------------------------------------------------------------


def load_export_input(path: Path | str) -> tuple[list[str], list[dict]]:
    """What ``qa export`` reads: questions to ask, or answers already given (a saved conversation).

    Accepted: a conversation (a JSON list of answer dicts, or ``{"turns": [...]}``/``{"answers": [...]}``);
    a JSON-lines question file (``{"question": ...}`` or ``{"q": ...}`` per line, as ``data/eval/*.jsonl``);
    a JSON list of question strings; or plain text with one question per line.

    Returns (questions, answers): one of the two is empty.

    Raises:
        ExportError: an unreadable file, bad JSON, or an entry without a question (message names the file
            and the line or entry).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    stripped = text.strip()
    if not stripped:
        raise ExportError(f"{path}: empty file, no questions")
    if stripped[0] in "[{":
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            data = None  # maybe JSON lines
        if data is not None:
            return _from_json(path, data)
        if stripped[0] == "{":
            return _from_jsonl(path, text), []
        raise ExportError(f"{path}: not valid JSON")
    questions = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return questions, []


def _from_json(path: Path, data) -> tuple[list[str], list[dict]]:
    if isinstance(data, dict):
        for key in ("turns", "answers", "conversation"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            if "question" in data and "answer" in data:
                return [], [data]
            if "question" in data or "q" in data:
                return [_question(path, data, 1)], []
            raise ExportError(f"{path}: expected a list of answers or questions")
    if not isinstance(data, list):
        raise ExportError(f"{path}: expected a list of answers or questions")
    if all(isinstance(entry, str) for entry in data):
        return [q.strip() for q in data if q.strip()], []
    answers, questions = [], []
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            raise ExportError(f"{path}: entry {number} is not an object")
        if "answer" in entry or "citations" in entry or "error" in entry:
            if not isinstance(entry.get("question"), str):
                raise ExportError(f"{path}: entry {number} has no 'question'")
            answers.append(entry)
        else:
            questions.append(_question(path, entry, number))
    if answers and questions:
        raise ExportError(f"{path}: mixes answers and bare questions")
    return questions, answers


def _from_jsonl(path: Path, text: str) -> list[str]:
    questions = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ExportError(f"{path}: line {number}: not JSON ({exc.msg})") from None
        if not isinstance(entry, dict):
            raise ExportError(f"{path}: line {number}: expected an object with 'question'")
        questions.append(_question(path, entry, number, "line"))
    return questions


def _question(path: Path, entry: dict, number: int, unit: str = "entry") -> str:
    question = entry.get("question", entry.get("q"))  # eval files name it "q"
    if not isinstance(question, str) or not question.strip():
        raise ExportError(f"{path}: {unit} {number} has no 'question'")
    return question.strip()


FORMATS = {"csv": to_csv, "docx": to_docx}

__all__ = [
    "COLUMNS",
    "FORMATS",
    "ExportError",
    "load_export_input",
    "read_csv",
    "read_docx_citations",
    "rows_from_answer",
    "to_csv",
    "to_docx",
]
