"""What reading a file yields, and the checks every format reader applies.

:class:`SourceText` (the original text and its hints) and :class:`SourceError` (why a file cannot
be read) are shared by the readers of every format: :mod:`qa.sources` (text, HTML, DOCX, PDF, and
the dispatch by suffix), :mod:`qa.ofd` and :mod:`qa.convert`; so are the check that a decoded text
is readable and the caps on what an archive (DOCX, OFD) may inflate to.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


class SourceError(Exception):
    """A file that cannot be read as minutes. ``str(err)`` is one line: the file and the reason."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass
class SourceText:
    """The readable text of one file plus page furniture kept only as metadata hints."""

    path: str
    text: str
    format: str
    sha256: str
    encoding: str | None = None
    # Site names, page titles and footers: not article text, but they often name the region.
    hints: list[str] = field(default_factory=list)
    # Dates the file itself carries outside its text, as (tag, ISO date or URL): HTML <meta> dates,
    # canonical URLs, docx core properties, PDF metadata. Weak evidence for a year the page omits
    # (issue 12, class 1); generator defaults are left out.
    meta_dates: list[tuple[str, str]] = field(default_factory=list)
    # Text read by OCR: (start, end, confidence) of each recognised line in ``text``; empty otherwise.
    ocr_lines: list[tuple[int, int, float]] = field(default_factory=list)
    # Things a reader should know about how the text was obtained (pages OCR'd, pages skipped).
    warnings: list[str] = field(default_factory=list)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
# Characters that make text readable: Chinese (basic block and extension A), Latin letters, digits.
READABLE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbfA-Za-z0-9]")


def check_text(text: str, path: Path | str) -> str:
    """``text`` itself when it reads as text; ``SourceError`` when it is empty, binary or garbled."""
    if not text.strip():
        raise SourceError(path, "empty file (only whitespace)")
    sample = text[:20000]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 50):
        raise SourceError(path, "binary or corrupt file: too many control or replacement characters")
    if len(READABLE.findall(sample)) < len(sample.strip()) // 5:
        raise SourceError(path, "binary or garbled file: too little readable text")
    return text


# Caps on what an archive (docx; OFD) may inflate to: a 300 KB file can hold a 100 MB document.xml
# (a «zip bomb») whose parse took 287 s and 2.4 GB. An XML part is parsed into a tree about 20 times
# its size, so XML parts get the tighter cap (real minutes' document.xml is well under 1 MB); other
# parts (images) are only held as bytes.
MAX_XML_MEMBER_BYTES = 10 * 1024 * 1024
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 2000


def check_archive(path: Path | str, data: bytes, kind: str) -> None:
    """Refuse an archive whose members would inflate past the caps, before anything is inflated.

    The sizes checked are the ones the zip directory declares; Python's :mod:`zipfile` (used by
    python-docx) never inflates a member past its declared size (a lie ends in a CRC error), so
    the check bounds what any later read can allocate.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SourceError(path, f"truncated or corrupt {kind} ({type(exc).__name__})") from None
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise SourceError(path, f"{kind} has {len(members):,} parts (at most {MAX_ARCHIVE_MEMBERS:,} are read)")
    total = 0
    for member in members:
        total += member.file_size
        xml = member.filename.lower().endswith((".xml", ".rels"))
        cap = MAX_XML_MEMBER_BYTES if xml else MAX_MEMBER_BYTES
        if member.file_size > cap:
            raise SourceError(
                path,
                f"{kind} part {member.filename} inflates to {member.file_size / 2**20:,.0f} MiB "
                f"(at most {cap // 2**20} MiB are read): refused as a possible zip bomb",
            )
    if total > MAX_ARCHIVE_BYTES:
        raise SourceError(
            path,
            f"{kind} inflates to {total / 2**20:,.0f} MiB in all (at most {MAX_ARCHIVE_BYTES // 2**20} MiB "
            "are read): refused as a possible zip bomb",
        )
