"""Export of one chat answer's sources (CSV and Word) for the web page's 「导出」 buttons.

A thin adapter over :mod:`qa.export` (shared with ``qa ask --format csv|docx``):
it gives every citation the role the page showed it with (``evidence`` or ``related``, see
:func:`qa.web.render.citation_role`) and exports the evidence. Every quoted sentence is the
citation's ``sentence``, the original text at its span, so an export can be checked against the
documents character for character.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from qa.web.render import citation_role


def with_roles(turn: dict) -> dict:
    """The turn as an answer dict whose citations all carry ``role`` (as the page showed them).

    Only the fields of ``qa ask --json`` are kept: what the page added for display is left out.
    """
    keep = ("question", "answer", "found", "question_type", "filters", "interpreted_as", "error")
    answer = {k: turn[k] for k in keep if k in turn}
    answer["citations"] = [
        {**{k: v for k, v in c.items() if k != "view"}, "role": citation_role(c, turn)}
        for c in turn.get("citations") or []
    ]
    return answer


def _stem(turn: dict) -> str:
    words = re.sub(r"[\\/:*?\"<>|\s]+", "", turn.get("question", ""))[:24] or "answer"
    return f"纪要问答-{words}-{time.strftime('%Y%m%d-%H%M%S')}"


def export_turn(turn: dict, folder: Path, lookup: Callable[[str], dict | None] | None = None) -> tuple[Path, Path]:
    """Write the turn's cited sources as ``.csv`` and ``.docx`` into ``folder``; returns both paths.

    ``lookup`` (doc_id → document) fills 文号 for citations that do not carry it.
    """
    from qa.export import to_csv, to_docx

    folder.mkdir(parents=True, exist_ok=True)
    answer = with_roles(turn)
    evidence_only = any(c["role"] == "evidence" for c in answer["citations"])
    stem = _stem(turn)
    csv_path, docx_path = folder / f"{stem}.csv", folder / f"{stem}.docx"
    csv_path.write_bytes(to_csv([answer], lookup, evidence_only=evidence_only))
    docx_path.write_bytes(to_docx([answer], title="纪要问答", lookup=lookup, evidence_only=evidence_only))
    return csv_path, docx_path
