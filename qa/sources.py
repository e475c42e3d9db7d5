"""Files → text: encoding detection and extraction from HTML, DOCX, PDF (OCR for scans), OFD and
Word 97 / WPS / RTF / ODT (converted by LibreOffice).

The text returned here is the *original* text of a document: it is shown to people and every
citation span points into it. Normalisation (``qa.normalize``) never changes it.

:func:`read_source` returns a :class:`~qa.sourcetext.SourceText` and raises
:class:`~qa.sourcetext.SourceError`; both live in :mod:`qa.sourcetext` with the checks the OFD and
LibreOffice readers (:mod:`qa.ofd`, :mod:`qa.convert`) share, so those import nothing from here.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from qa.sourcetext import READABLE, SourceError, SourceText, check_archive, check_text

if TYPE_CHECKING:
    from qa.ocr import OcrOptions

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".ofd", ".doc", ".wps", ".rtf", ".odt")
# Formats read by converting to .docx with LibreOffice (qa.convert).
CONVERTED_SUFFIXES = (".doc", ".wps", ".rtf", ".odt")


def iter_source_files(folder: Path | str) -> Iterator[Path]:
    """Yield supported files under ``folder`` (recursively, sorted, hidden files skipped)."""
    root = Path(folder)
    for path in sorted(root.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
        if path.is_file() and not hidden and path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path


def read_source(path: Path | str, data: bytes | None = None, *, ocr: OcrOptions | None = None) -> SourceText:
    """Read one file (or ``data`` given for it) and return its original text.

    ``ocr`` says where OCR results are cached (default: ``QA_CACHE_DIR``) and who hears of progress.

    Raises:
        SourceError: empty, binary, truncated, undecodable or unsupported input.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if data is None and not path.exists():
        raise SourceError(path, "cannot read file: no such file or folder")
    if data is None and path.is_dir():
        raise SourceError(path, "is a folder, not a file")
    if suffix not in SUPPORTED_SUFFIXES:
        raise SourceError(
            path, f"unsupported file type '{suffix or '(none)'}' (supported: " + " ".join(SUPPORTED_SUFFIXES) + ")"
        )
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(path, f"cannot read file ({exc.strerror or exc})") from None
    if not data.strip():
        raise SourceError(path, "empty file")
    digest = hashlib.sha256(data).hexdigest()
    if suffix in (".txt", ".md"):
        text, encoding = decode_text(data, path)
        return SourceText(str(path), check_text(text, path), suffix[1:], digest, encoding)
    if suffix in (".html", ".htm"):
        return _read_html(path, data, digest)
    if suffix == ".docx":
        return _read_docx(path, data, digest)
    if suffix == ".ofd":
        from qa.ofd import read_ofd

        return read_ofd(path, data, digest, _ocr_options(ocr))
    if suffix in CONVERTED_SUFFIXES:
        from qa.convert import convert_to_docx

        source = _read_docx(path, convert_to_docx(path, data), digest)
        source.format = suffix[1:]
        return source
    return _read_pdf(path, data, digest, ocr)


# ---------------------------------------------------------------------------------------------
# plain text
# ---------------------------------------------------------------------------------------------

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "hz_gb_2312", "cp936", "euc_cn", "iso2022_cn"}


def decode_text(data: bytes, path: Path | str = "<bytes>", declared: str | None = None) -> tuple[str, str]:
    """Decode bytes of Chinese text: BOMs, UTF-8, then GB18030/GBK or Big5/Big5-HKSCS, whichever
    reads as plausible Chinese; a decoding that reads as mojibake is refused (:func:`plausibility`).

    GB2312 and GBK are decoded as GB18030, their superset, so rare characters in names survive.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", path), "utf-16"
    if b"\x00" in data[:4096]:
        raise SourceError(path, "binary file (contains NUL bytes), not text")
    if declared:
        enc = _canonical(declared)
        try:
            text = data.decode(enc)
            if plausibility(text) >= MIN_PLAUSIBILITY:  # pages declaring the wrong charset exist
                return text, enc
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason.startswith("unexpected end"):
            raise SourceError(path, "truncated file: it ends inside a UTF-8 character") from None
    # Big5 bytes are almost always valid GB18030 too (its byte ranges cover Big5's), so a strict
    # decode cannot tell them apart: every decoding that succeeds is scored for plausibility as
    # Chinese text, and the most plausible one wins (GB18030 on a tie).
    candidates: list[tuple[str, str]] = []
    truncated = None
    for enc in _LEGACY_CHINESE:
        try:
            candidates.append((data.decode(enc), enc))
        except UnicodeDecodeError as exc:
            if enc == "gb18030" and exc.start >= len(data) - 2 and "incomplete" in exc.reason:
                truncated = "truncated file: it ends inside a GB18030 character"
    if candidates:
        scored = [(plausibility(text), -rank, text, enc) for rank, (text, enc) in enumerate(candidates)]
        score, _rank, text, enc = max(scored)
        return _plausible(text, enc, score, path), enc
    if truncated:
        raise SourceError(path, truncated)
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise SourceError(path, "undecodable text: not UTF-8, GB18030, Big5 or any encoding that could be detected")
    enc = _canonical(best.encoding)
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        raise SourceError(path, f"undecodable text (detected {best.encoding}, but it does not decode)") from None
    return _plausible(text, enc, plausibility(text), path), enc


# Legacy encodings tried after UTF-8, in order of preference on a tie: GB18030 (superset of GB2312
# and GBK), then Big5 (Taiwan), Big5-HKSCS (Hong Kong, Macau: Big5 plus local characters), cp950
# (Microsoft's Big5, with a few more symbols).
_LEGACY_CHINESE = ("gb18030", "big5", "big5hkscs", "cp950")
# Below this share of common characters a decoding is taken for mojibake and refused.
MIN_PLAUSIBILITY = 0.8


@functools.cache
def _common_chinese() -> frozenset[str]:
    """The common Chinese characters: GB2312 (6,763 simplified) and Big5 level 1 (5,401 traditional).

    Mojibake (Big5 read as GB18030 and the reverse) lands mostly outside them: on kana, Greek,
    box drawing and the rare characters of GBK's and Big5's extension rows.
    """
    chars: set[str] = set()
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes((lead, trail)).decode("gb2312"))
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes((lead, trail)).decode("big5"))
    return frozenset(chars)


def plausibility(text: str, sample: int = 20000) -> float:
    """Share of the letters of ``text`` (beyond Latin) that are common Chinese characters: 1.0 for
    real minutes in simplified or traditional script, about 0.5 or less for mojibake."""
    common = _common_chinese()
    # Latin letters (pinyin glosses: ǎ ì) and full-width forms (２０２４ ＡＢ) are not evidence either way.
    letters = [
        ch
        for ch in text[:sample]
        if ord(ch) >= 0x370 and not 0xFF00 <= ord(ch) <= 0xFFEF and unicodedata.category(ch)[0] in "LN"
    ]
    if not letters:
        return 1.0
    return sum(1 for ch in letters if ch in common) / len(letters)


def _plausible(text: str, encoding: str, score: float, path: Path | str) -> str:
    if score < MIN_PLAUSIBILITY:
        raise SourceError(
            path,
            f"garbled text: read as {encoding}, only {score:.0%} of its characters are common Chinese "
            f"(minimum {MIN_PLAUSIBILITY:.0%}); save it as UTF-8 or GB18030",
        )
    return text


def _canonical(encoding: str) -> str:
    enc = encoding.lower().replace("-", "_")
    return "gb18030" if enc in _GB_FAMILY else encoding


def _strict(data: bytes, encoding: str, path: Path | str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise SourceError(path, f"undecodable text: declared {encoding} by its byte-order mark but invalid") from None


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_FURNITURE = re.compile(
    r"(^|[\s_\-])(nav|navbar|menu|crumb|crumbs|breadcrumb|footer|foot|bottom|share|bdshare|related|relate|"
    r"top|topbar|toolbar|sidebar|side|banner|header|login|search|copyright|print|ad|ads|comment|qrcode)($|[\s_\-])",
    re.I,
)
# <meta> names sites use for the publication date.
_META_DATE_NAMES = {
    "pubdate",
    "publishdate",
    "publish_date",
    "publishtime",
    "firstpublishedtime",
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "date",
    "createdate",
    "maketime",
}
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "td",
    "th",
    "center",
    "hr",
}


def _read_html(path: Path, data: bytes, digest: str) -> SourceText:
    from bs4 import BeautifulSoup, Comment, Tag

    declared = None
    match = _META_CHARSET.search(data[:4096])
    if match:
        declared = match.group(1).decode("ascii", "ignore")
    html, encoding = decode_text(data, path, declared)
    soup = BeautifulSoup(html, "lxml")
    hints: list[str] = []
    if soup.title and soup.title.get_text(strip=True):
        hints.append(soup.title.get_text(" ", strip=True))
    meta_dates: list[tuple[str, str]] = []
    for meta in soup.find_all("meta"):
        name = str(meta.get("name") or meta.get("property") or "").lower()
        if name in ("sitename", "og:site_name", "columnname", "contentsource", "source"):
            hints.append(str(meta.get("content") or ""))
        if name in _META_DATE_NAMES or name in ("og:url", "url"):
            tag = "网址" if name in ("og:url", "url") else "网页元数据"
            meta_dates.append((tag, str(meta.get("content") or "")))
    for link in soup.find_all("link", rel="canonical"):
        meta_dates.append(("网址", str(link.get("href") or "")))
    for tag in soup(["script", "style", "noscript", "iframe", "form", "svg", "button", "select", "input"]):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    furniture = []
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.attrs is None:
            continue
        marker = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")])
        if tag.name in ("nav", "header", "footer", "aside") or (marker.strip() and _FURNITURE.search(marker)):
            furniture.append(tag)
    for tag in furniture:
        if tag.decomposed:
            continue
        if tag.name == "footer" or re.search(
            r"foot|bottom|copyright", " ".join(tag.get("class") or []) + str(tag.get("id") or ""), re.I
        ):
            hints.extend(line for line in _linearize(tag).splitlines() if line.strip())
        tag.decompose()
    body = soup.body or soup
    main = _main_block(body)
    heading = None
    h1 = soup.find("h1")
    if h1 is not None and (main is None or not _is_inside(h1, main)):
        heading = h1.get_text(" ", strip=True)
    text = _linearize(main if main is not None else body)
    if heading and heading not in text[: len(heading) + 200]:
        text = heading + "\n" + text
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    if not text.strip():
        raise SourceError(path, "HTML page has no article text")
    return SourceText(str(path), check_text(text, path), "html", digest, encoding, [h for h in hints if h], meta_dates)


def _is_inside(tag, ancestor) -> bool:
    return any(parent is ancestor for parent in tag.parents)


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def _main_block(body):
    """The element holding the article: the parent collecting most Chinese text in paragraphs."""
    scores: dict[int, tuple[int, object]] = {}
    for node in body.find_all(["p", "div", "td", "section", "article", "span", "font"]):
        own = "".join(s for s in node.find_all(string=True, recursive=False))
        count = _cjk_count(own)
        if count < 8:
            continue
        parent = node.parent if node.name in ("p", "span", "font") else node
        key = id(parent)
        prev = scores.get(key, (0, parent))[0]
        scores[key] = (prev + count, parent)
    if not scores:
        return None
    return max(scores.values(), key=lambda item: item[0])[1]


def _linearize(root) -> str:
    from bs4 import NavigableString, Tag

    parts: list[str] = []

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                parts.append(re.sub(r"[ \t\r\n]+", " ", str(child)))
            elif isinstance(child, Tag):
                block = child.name in _BLOCK_TAGS
                if block:
                    parts.append("\n")
                walk(child)
                if block:
                    parts.append("\n")

    walk(root)
    lines = [line.strip() for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------
# DOCX and PDF
# ---------------------------------------------------------------------------------------------


def _read_docx(path: Path, data: bytes, digest: str) -> SourceText:
    import io

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SourceError(path, "truncated or corrupt .docx (not a valid zip archive)")
    check_archive(path, data, ".docx")
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.element.body.iterchildren():
            tag = block.tag.rsplit("}", 1)[-1]
            if tag == "p":
                lines.append(Paragraph(block, document).text)
            elif tag == "tbl":
                for row in Table(block, document).rows:
                    cells = _dedupe_cells(cell.text.strip() for cell in row.cells)
                    lines.append("\t".join(cells))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(path, f"corrupt .docx ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # python-docx raises assorted lxml errors on damaged parts
        raise SourceError(path, f"corrupt .docx ({type(exc).__name__})") from None
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise SourceError(path, ".docx has no text")
    hints = []
    title = (document.core_properties.title or "").strip()
    if title:
        hints.append(title)
    meta_dates = []
    for when in (document.core_properties.created, document.core_properties.modified):
        # python-docx stamps its own template's date (2013-12-23 23:15) on every file it creates.
        if when is not None and when.strftime("%Y-%m-%d %H:%M") != "2013-12-23 23:15":
            meta_dates.append(("文档属性", when.date().isoformat()))
    return SourceText(str(path), check_text(text, path), "docx", digest, None, hints, meta_dates)


def _dedupe_cells(cells: Iterable[str]) -> list[str]:
    # Merged cells repeat their text once per grid column.
    out: list[str] = []
    for cell in cells:
        if not out or out[-1] != cell:
            out.append(cell)
    return out


def _read_pdf(path: Path, data: bytes, digest: str, ocr: OcrOptions | None = None) -> SourceText:
    import io
    import logging

    if not data.lstrip().startswith(b"%PDF"):
        raise SourceError(path, "not a PDF (missing %PDF header)")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = [page.extract_text() or "" for page in reader.pages]
        with_images = [_has_image(page) for page in reader.pages]
        meta_dates = _pdf_dates(reader.metadata)
    except Exception as exc:  # pypdf raises many types for damaged files
        raise SourceError(path, f"truncated or corrupt PDF ({type(exc).__name__})") from None
    if b"%%EOF" not in data[-2048:]:
        raise SourceError(path, "truncated PDF (no end-of-file marker)")
    # A page is read from its image when its text layer is empty or garbage and it shows an image
    # (a short last page of a digital PDF is not a scan), or when no page has any text at all
    # (text drawn as outlines).
    no_text = not any(READABLE.search(page) for page in pages)
    scanned = [n for n, page in enumerate(pages) if needs_ocr(page) and (with_images[n] or no_text)]
    if scanned:
        source = _read_scanned_pdf(path, data, digest, pages, scanned, _ocr_options(ocr))
        source.meta_dates = meta_dates
        return source
    text = "\n".join(page.strip("\n") for page in pages).strip("\n")
    if not text.strip():
        raise SourceError(path, "PDF has no text layer (scanned image?); OCR is not supported")
    return SourceText(str(path), check_text(text, path), "pdf", digest, meta_dates=meta_dates)


def _pdf_dates(info) -> list[tuple[str, str]]:
    """Creation and modification dates of a PDF, unless the generator filled in its defaults only."""
    if not info:
        return []
    # ReportLab writes «anonymous»/«untitled» when the author set nothing: its date is when the
    # file was generated (a conversion), not when the minutes were published.
    if str(info.get("/Author", "")) == "anonymous" and str(info.get("/Title", "")) == "untitled":
        return []
    out = []
    for key in ("/CreationDate", "/ModDate"):
        match = re.match(r"D:((?:19|20)\d{2})(\d{2})(\d{2})", str(info.get(key, "")))
        if match:
            out.append(("PDF元数据", "-".join(match.groups())))
    return out


# ---------------------------------------------------------------------------------------------
# OCR of scanned pages (qa.ocr)
# ---------------------------------------------------------------------------------------------

_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff\ufffd]")


def needs_ocr(page_text: str) -> bool:
    """Whether a page's text layer is empty or garbage, so the page must be read from its image.

    Garbage is what scanners' own OCR layers and broken font maps leave: private-use or replacement
    characters, or mostly symbols. A page with a few readable characters (a page number) counts as
    empty: on a scan that is all the text layer has.
    """
    sample = re.sub(r"\s+", "", page_text)
    readable = len(READABLE.findall(sample))
    if readable < 20:
        return True
    return len(_PRIVATE_USE.findall(sample)) > len(sample) // 10 or readable < len(sample) // 2


def _has_image(page) -> bool:
    """Whether a pypdf page draws an image XObject (directly or in a form); damaged resources: no."""
    try:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if xobjects is None:
            return False
        for ref in xobjects.get_object().values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Image":
                return True
            inner = xobject.get("/Resources")
            if xobject.get("/Subtype") == "/Form" and inner is not None and inner.get_object().get("/XObject"):
                return True
    except Exception:  # pypdf raises many types on damaged objects
        return False
    return False


def _ocr_options(ocr: OcrOptions | None) -> OcrOptions:
    from qa.config import default_cache_dir
    from qa.ocr import OcrOptions

    if ocr is None:
        return OcrOptions(cache_dir=default_cache_dir())
    return ocr


def _read_scanned_pdf(
    path: Path, data: bytes, digest: str, pages: list[str], scanned: list[int], ocr: OcrOptions
) -> SourceText:
    """A PDF whose listed pages are scans: those pages OCR'd, the others' text layer kept."""
    from qa import ocr as ocr_module

    warnings: list[str] = []
    try:
        render, close = ocr_module.pdf_renderer(data)
    except ocr_module.OcrUnavailable as exc:
        if len(scanned) == len(pages) or not "".join(pages).strip():
            raise SourceError(path, f"PDF has no text layer (scanned image?): {exc}") from None
        warnings.append(f"{len(scanned)} of {len(pages)} pages have no text layer and were skipped: {exc}")
        text = "\n".join(p.strip("\n") for i, p in enumerate(pages) if i not in scanned).strip("\n")
        return SourceText(str(path), check_text(text, path), "pdf", digest, warnings=warnings)
    except Exception as exc:  # pdfium refuses some files pypdf tolerates
        raise SourceError(path, f"PDF pages cannot be rendered for OCR ({type(exc).__name__})") from None
    try:
        lines = ocr_module.ocr_pages(str(path), digest, scanned, render, ocr)
    except ocr_module.OcrUnavailable as exc:
        raise SourceError(path, str(exc)) from None
    finally:
        close()
    text, spans = ocr_module.join_pages([lines.get(i, page) for i, page in enumerate(pages)])
    if not text.strip():
        raise SourceError(path, "PDF has no text layer, and OCR found no text on its pages")
    confidence = ocr_module.span_confidence(spans, 0, len(text))
    warnings.append(f"OCR识别 {len(scanned)} of {len(pages)} pages (mean confidence {confidence})")
    return SourceText(str(path), check_text(text, path), "pdf", digest, ocr_lines=spans, warnings=warnings)
