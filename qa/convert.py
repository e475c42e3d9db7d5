"""Word 97 ``.doc``, WPS, RTF and ODT → ``.docx`` bytes, converted by LibreOffice headless.

LibreOffice's Word 97 and RTF filters are the maintained, widely deployed readers of these formats
(Kingsoft WPS writes Word-97-compatible files that the same filter opens), and they keep Chinese
text exact; the converted ``.docx`` is then read by the same code as any other ``.docx``. On
Debian the smallest package that converts them is ``libreoffice-writer-nogui``.

Each conversion runs in its own temporary folder with its own LibreOffice profile, so that two
conversions at once (the web app and a folder update) never share a profile lock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from qa.sourcetext import SourceError

# A damaged file can make LibreOffice spin; minutes convert in one or two seconds.
TIMEOUT_SECONDS = 120
INSTALL_HINT = "apt-get install libreoffice-writer-nogui"

# What a file of each suffix starts with. LibreOffice imports any bytes it does not recognise as
# plain text, so a damaged file must be refused before it gets there.
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97 and WPS: an OLE compound file
_MAGIC = {".doc": (_OLE,), ".wps": (_OLE,), ".rtf": (b"{\\rtf",), ".odt": (b"PK\x03\x04",)}
_KIND = {".doc": "Word 97 document", ".wps": "WPS document", ".rtf": "RTF document", ".odt": "ODF text document"}


def check_magic(path: Path, data: bytes) -> None:
    """Refuse bytes that cannot be a file of ``path``'s suffix (one line naming what was expected)."""
    suffix = path.suffix.lower()
    if not data.lstrip(b"\r\n\t ").startswith(_MAGIC.get(suffix, (b"",))):
        raise SourceError(path, f"not a {_KIND.get(suffix, suffix)} (corrupt, or another format renamed)")
    if suffix == ".odt" and b"application/vnd.oasis.opendocument.text" not in data[:200]:
        raise SourceError(path, "not an ODF text document (a zip without the OpenDocument text mimetype)")


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH (``soffice`` or ``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path | str, data: bytes) -> bytes:
    """Convert one document (its bytes ``data``; ``path`` names it and gives its suffix) to .docx.

    Raises:
        SourceError: LibreOffice is missing, times out, or cannot read the file.
    """
    path = Path(path)
    check_magic(path, data)
    soffice = find_soffice()
    if soffice is None:
        raise SourceError(path, f"{path.suffix.lower()} files need LibreOffice to convert them ({INSTALL_HINT})")
    with tempfile.TemporaryDirectory(prefix="qa-convert-") as tmp:
        work = Path(tmp)
        # An ASCII name: LibreOffice names the output after the input, and the suffix picks its filter.
        source = work / f"input{path.suffix.lower()}"
        source.write_bytes(data)
        out_dir = work / "out"
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out_dir),
            str(source),
        ]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                env={**os.environ, "HOME": tmp},  # LibreOffice writes into $HOME on first start
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SourceError(path, f"LibreOffice did not convert the file within {TIMEOUT_SECONDS} s") from None
        except OSError as exc:
            raise SourceError(path, f"LibreOffice could not be started ({exc.strerror or exc})") from None
        result = out_dir / "input.docx"
        if not result.is_file() or result.stat().st_size == 0:
            # LibreOffice exits 0 and writes nothing for a file it cannot read; its stderr is noise.
            kind = path.suffix.lower().lstrip(".") or "document"
            raise SourceError(path, f"corrupt or unreadable .{kind} (LibreOffice could not convert it)")
        if done.returncode not in (0, None):
            raise SourceError(path, f"LibreOffice failed converting the file (exit status {done.returncode})")
        return result.read_bytes()
