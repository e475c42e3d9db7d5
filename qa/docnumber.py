"""文号 (document numbers such as 吴政办纪﹝2025﹞36号): how they are written, found and compared.

One home for the pattern the parser reads them with, the one a question or a pasted line is
searched for, and the key under which two spellings of the same number («〔2025〕», «(2025)»,
spaces) are the same number.
"""

from __future__ import annotations

import re

# An issuer's abbreviation, the year in one of the brackets offices use, the serial, 号.
IN_QUESTION = re.compile(r"[\u4e00-\u9fff]{1,12}[〔﹝\[【(]\s*\d{4}\s*[〕﹞\]】)]\s*\d+\s*号")


def find(text: str) -> str | None:
    """The first document number written in a question or a pasted line, if any."""
    match = IN_QUESTION.search(text)
    return match.group(0) if match else None


def key(number: str | None) -> str | None:
    """A document number with its bracket and space variants unified: 吴政办纪(2025)36号."""
    if not number:
        return None
    unified = re.sub(r"\s+", "", number)
    unified = re.sub(r"[〔﹝\[【（]", "(", unified)
    return re.sub(r"[〕﹞\]】）]", ")", unified)
