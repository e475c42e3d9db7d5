"""Export of one chat answer's sources (CSV and Word) for the web page's 「导出」 buttons.

A small adapter: when helper "reach"'s :mod:`qa.export` (CSV and Word export of answers) is
merged, :func:`export_turn` hands the answer to it; until then it writes both files itself. Either
way the quoted sentence of every row is the citation's ``sentence``, the original text at its
span, so an export can be checked against the documents character for character.
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

from qa.webview import citation_role, cn_date, meeting_name

COLUMNS = ["序号", "地区", "会议", "日期", "议题", "引文", "文号", "文件", "网址", "原文位置"]


def rows(turn: dict) -> list[list[str]]:
    """One row per cited source (the evidence; every citation when nothing was found)."""
    citations = turn.get("citations") or []
    chosen = [c for c in citations if citation_role(c, turn) == "evidence"] or citations
    out = []
    for c in chosen:
        view = c.get("view") or {}
        out.append(
            [
                str(c.get("rank", "")),
                c.get("region") or "",
                meeting_name(None, c.get("meeting"), c.get("meeting_number")),
                cn_date(c.get("date"), c.get("date_partial")),
                view.get("heading") or c.get("item") or "",
                c.get("sentence") or "",
                view.get("doc_number") or c.get("doc_number") or "",
                c.get("source") or "",
                view.get("url") or c.get("url") or "",
                "{}-{}".format(*c.get("span", ("", ""))),
            ]
        )
    return out


def _stem(turn: dict) -> str:
    words = re.sub(r"[\\/:*?\"<>|\s]+", "", turn.get("question", ""))[:24] or "answer"
    return f"纪要问答-{words}-{time.strftime('%Y%m%d-%H%M%S')}"


def write_csv(turn: dict, path: Path) -> Path:
    """The sources as CSV (UTF-8 with a BOM, so that Excel reads the Chinese)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["问题", turn.get("question", "")])
        writer.writerow(["答案", turn.get("answer", "")])
        writer.writerow([])
        writer.writerow(COLUMNS)
        writer.writerows(rows(turn))
    return path


def write_docx(turn: dict, path: Path) -> Path:
    """The question, the answer and a table of its sources as a Word document (python-docx)."""
    from docx import Document

    document = Document()
    document.add_heading("纪要问答", level=1)
    document.add_paragraph(f"问：{turn.get('question', '')}")
    document.add_paragraph(f"答：{turn.get('answer', '')}")
    data = rows(turn)
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = name
    for row in data:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    document.save(str(path))
    return path


def export_turn(turn: dict, folder: Path) -> tuple[Path, Path]:
    """Write the turn's sources as ``.csv`` and ``.docx`` into ``folder``; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = _stem(turn)
    return write_csv(turn, folder / f"{stem}.csv"), write_docx(turn, folder / f"{stem}.docx")
