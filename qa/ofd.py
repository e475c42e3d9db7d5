"""OFD (GB/T 33190, China's fixed-layout format) → text, with OCR for pages drawn without text.

Text comes from ``ofdkit``: it applies templates (the red header of 红头文件), places every text
object by its transform and puts positioned characters back in reading order, whatever order the
producer wrote them in. Its layout inserts a space where a glyph advance leaves a gap, so text
typeset one character per object reads «2 0 2 5 年 7 月»; :func:`close_letter_spacing` removes
those spaces (between digits and Chinese characters only), so dates and numbers stay whole.

A page whose text is drawn as outlines (PathObject) or is an image (a scan saved as OFD) has no
text objects: it is rasterised here — images pasted at their boundary, paths filled — and read
by OCR (:mod:`qa.ocr`). ofdkit does not render, and no maintained Python OFD renderer exists on
PyPI that works offline, so this small rasteriser covers exactly what OCR needs: black-on-white
shapes and pictures, no fonts, colours or clipping.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.sourcetext import READABLE, SourceError, SourceText, check_archive, check_text

if TYPE_CHECKING:
    from qa.ocr import OcrOptions

# Rasterising resolution for OCR: pixels per millimetre (≈ 144 dpi, as for PDF pages).
PX_PER_MM = 144 / 25.4
# Characters between which a single layout space is letter-spacing, not a word break.
_TIGHT = r"[0-9０-９\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u2014-\u201f\u2026·﹝﹞]"
_LETTER_SPACE = re.compile(rf"(?<={_TIGHT}) (?={_TIGHT})")


def close_letter_spacing(text: str) -> str:
    """Remove single spaces between digits and Chinese characters or punctuation: «2 0 2 5 年» → «2025年».

    Wider gaps (ofdkit writes three spaces for a column gap) and spaces next to Latin words stay.
    """
    return "\n".join(_LETTER_SPACE.sub("", line) for line in text.split("\n"))


def read_ofd(path: Path | str, data: bytes, digest: str, ocr: OcrOptions) -> SourceText:
    """Read an OFD file: its text in reading order, OCR for pages without text objects.

    Raises:
        SourceError: not an OFD package, damaged, or no text even after OCR.
    """
    import ofdkit
    from ofdkit import OFDError

    path = Path(path)
    if not data.startswith(b"PK"):
        raise SourceError(path, "not an OFD file (not a zip package)")
    check_archive(path, data, "OFD")  # the same inflation caps as .docx, before ofdkit reads a part
    try:
        with ofdkit.open(data) as document:
            pages = []
            for page in document.pages:
                try:
                    pages.append(close_letter_spacing(_page_text(page, repeat_templates=page.index == 0)))
                except OFDError:
                    pages.append("")  # unreadable page content: OCR may still read its images
            title = (document.info.title or "").strip()
            warnings = list(document.warnings)
    except OFDError as exc:
        raise SourceError(path, f"corrupt OFD ({exc})") from None
    except Exception as exc:  # damaged XML or zip parts surface as assorted errors
        raise SourceError(path, f"corrupt OFD ({type(exc).__name__})") from None
    if not pages:
        raise SourceError(path, "OFD has no pages")
    hints = [title] if title else []
    # Only pages without any readable text object are read from their pixels: a short last page
    # (a date and a signature) keeps its own text.
    scanned = [n for n, text in enumerate(pages) if not READABLE.search(text) or _garbled(text)]
    if not scanned:
        text = "\n".join(p.strip("\n") for p in pages).strip("\n")
        return SourceText(str(path), check_text(text, path), "ofd", digest, hints=hints)
    return _ocr_ofd(path, data, digest, pages, scanned, ocr, hints, warnings)


def _garbled(text: str) -> bool:
    # Private-use or replacement characters: glyph codes without a usable font map.
    core = "".join(text.split())
    return len(re.findall(r"[\ue000-\uf8ff\ufffd]", core)) > len(core) // 10


def _page_text(page: Any, repeat_templates: bool) -> str:
    """A page's text in reading order; template text (running heads, the red header, page furniture)
    only on the first page, where it belongs to the document, not in the middle of a paragraph."""
    from ofdkit.layout import page_text

    x0, y0, width, height = page.box
    runs = [
        run
        for run in page.runs
        if (repeat_templates or not run.from_template)
        and x0 - 2 <= run.x <= x0 + width + 2
        and y0 - 2 <= run.y <= y0 + height + 2
    ]
    return page_text(runs)


def _ocr_ofd(
    path: Path,
    data: bytes,
    digest: str,
    pages: list[str],
    scanned: list[int],
    ocr: OcrOptions,
    hints: list[str],
    warnings: list[str],
) -> SourceText:
    from qa import ocr as ocr_module

    text_pages = [p for n, p in enumerate(pages) if n not in scanned and p.strip()]
    try:
        ocr_module.require()
    except ocr_module.OcrUnavailable as exc:
        if not text_pages:
            raise SourceError(path, f"OFD has no text objects (outlines or images): {exc}") from None
        warnings = [*warnings, f"{len(scanned)} of {len(pages)} pages have no text objects and were skipped: {exc}"]
        text = "\n".join(p.strip("\n") for p in text_pages)
        return SourceText(str(path), check_text(text, path), "ofd", digest, hints=hints, warnings=warnings)
    try:
        renderer = _Rasteriser(path, data)
        lines = ocr_module.ocr_pages(str(path), digest, scanned, renderer.render, ocr)
    except ocr_module.OcrUnavailable as exc:
        raise SourceError(path, str(exc)) from None
    except SourceError:
        raise
    except Exception as exc:  # a page that cannot be rasterised (damaged image or path data)
        raise SourceError(path, f"OFD page cannot be rendered for OCR ({type(exc).__name__}: {exc})") from None
    text, spans = ocr_module.join_pages([lines.get(n, page) for n, page in enumerate(pages)])
    if not text.strip():
        raise SourceError(path, "OFD has no text objects, and OCR found no text on its pages")
    confidence = ocr_module.span_confidence(spans, 0, len(text))
    warnings = [*warnings, f"OCR识别 {len(scanned)} of {len(pages)} pages (mean confidence {confidence})"]
    return SourceText(str(path), check_text(text, path), "ofd", digest, hints=hints, ocr_lines=spans, warnings=warnings)


# ---------------------------------------------------------------------------------------------
# rasterising pages for OCR
# ---------------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kids(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if element is None else [e for e in element if _local(e.tag) == name]


def _kid(element: ET.Element | None, name: str) -> ET.Element | None:
    found = _kids(element, name)
    return found[0] if found else None


def _text(element: ET.Element | None, *names: str) -> str:
    """Text of the descendant reached by ``names`` (first match at each step), or ""."""
    for name in names:
        element = _kid(element, name)
    return (element.text or "").strip() if element is not None else ""


def _numbers(value: str | None) -> list[float]:
    out = []
    for part in (value or "").replace(",", " ").split():
        try:
            number = float(part)
        except ValueError:
            continue
        if math.isfinite(number):
            out.append(number)
    return out


class _Rasteriser:
    """Draws the images and filled paths of OFD pages (and their templates) onto white pages."""

    def __init__(self, path: Path, data: bytes):
        from ofdkit.package import Package

        self.path = path
        self.package = Package(data)
        ofd_xml = self.package.find("OFD.xml")
        root = self.package.read_xml(ofd_xml or "OFD.xml")
        body = _kid(root, "DocBody")
        self.document_path = self.package.resolve(ofd_xml, _text(body, "DocRoot"))
        if self.document_path is None:
            raise SourceError(path, "OFD has no Document.xml")
        document = self.package.read_xml(self.document_path)
        common = _kid(document, "CommonData")
        self.page_box = _numbers(_text(common, "PageArea", "PhysicalBox"))
        self.templates = {
            (t.get("ID") or "").strip(): self.package.resolve(self.document_path, t.get("BaseLoc"))
            for t in _kids(common, "TemplatePage")
        }
        self.media: dict[str, str] = {}
        for element in common if common is not None else []:
            if _local(element.tag) in ("PublicRes", "DocumentRes"):
                self._load_media(self.package.resolve(self.document_path, element.text))
        self.pages = [
            self.package.resolve(self.document_path, page.get("BaseLoc"))
            for page in _kids(_kid(document, "Pages"), "Page")
        ]

    def _load_media(self, res_path: str | None) -> None:
        if res_path is None:
            return
        res = self.package.read_xml(res_path)
        base = res.get("BaseLoc") or ""
        for media in _kids(_kid(res, "MultiMedias"), "MultiMedia"):
            file = _kid(media, "MediaFile")
            if file is None or not (file.text or "").strip():
                continue
            location = self.package.resolve(res_path, f"{base.rstrip('/')}/{file.text.strip()}" if base else file.text)
            location = location or self.package.resolve(res_path, file.text)
            if location:
                self.media[(media.get("ID") or "").strip()] = location

    def render(self, index: int) -> Any:
        """Page ``index`` as a greyscale PIL image: templates first, then the page's own content."""
        from PIL import Image

        location = self.pages[index]
        if location is None:
            raise SourceError(self.path, f"OFD page {index + 1}: content not found")
        page = self.package.read_xml(location)
        box = _numbers(_text(page, "Area", "PhysicalBox"))
        box = box if len(box) == 4 else (self.page_box if len(self.page_box) == 4 else [0, 0, 210, 297])
        width, height = (max(1, round(box[2] * PX_PER_MM)), max(1, round(box[3] * PX_PER_MM)))
        canvas = Image.new("L", (width, height), 255)
        for reference in _kids(page, "Template"):
            template = self.templates.get((reference.get("TemplateID") or "").strip())
            if template:
                self._draw_content(canvas, self.package.read_xml(template))
        self._draw_content(canvas, page)
        return canvas

    def _draw_content(self, canvas: Any, root: ET.Element) -> None:
        for layer in _kids(_kid(root, "Content"), "Layer"):
            self._draw_objects(canvas, list(layer), 0)

    def _draw_objects(self, canvas: Any, elements: list[ET.Element], depth: int) -> None:
        for element in elements:
            name = _local(element.tag)
            if name == "ImageObject":
                self._draw_image(canvas, element)
            elif name == "PathObject":
                self._draw_path(canvas, element)
            elif name == "PageBlock" and depth < 32:
                self._draw_objects(canvas, list(element), depth + 1)

    def _draw_image(self, canvas: Any, element: ET.Element) -> None:
        from PIL import Image

        location = self.media.get((element.get("ResourceID") or "").strip())
        boundary = _numbers(element.get("Boundary"))
        if location is None or len(boundary) != 4:
            return
        with Image.open(io.BytesIO(self.package.read(location))) as picture:
            size = (max(1, round(boundary[2] * PX_PER_MM)), max(1, round(boundary[3] * PX_PER_MM)))
            picture = picture.convert("L").resize(size)
        canvas.paste(picture, (round(boundary[0] * PX_PER_MM), round(boundary[1] * PX_PER_MM)))

    def _draw_path(self, canvas: Any, element: ET.Element) -> None:
        from PIL import Image, ImageChops, ImageDraw

        boundary = _numbers(element.get("Boundary"))
        if len(boundary) != 4:
            return
        ctm = _numbers(element.get("CTM"))
        a, b, c, d, e, f = ctm if len(ctm) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        subpaths = _subpaths(_text(element, "AbbreviatedData"))
        if not subpaths:
            return
        width = max(1, math.ceil(boundary[2] * PX_PER_MM))
        height = max(1, math.ceil(boundary[3] * PX_PER_MM))
        fill = (element.get("Fill") or "false").strip().lower() == "true"
        stroke = (element.get("Stroke") or "true").strip().lower() != "false"
        mask = Image.new("1", (width, height), 0)

        def place(x: float, y: float) -> tuple[float, float]:
            return ((a * x + c * y + e) * PX_PER_MM, (b * x + d * y + f) * PX_PER_MM)

        for points in subpaths:
            placed = [place(x, y) for x, y in points]
            if fill and len(placed) >= 3:
                # Even-odd filling: each subpath toggles the pixels it covers, so the counters of
                # 口 or 回 stay open.
                shape = Image.new("1", (width, height), 0)
                ImageDraw.Draw(shape).polygon(placed, fill=1)
                mask = ImageChops.logical_xor(mask, shape)
            elif stroke and len(placed) >= 2:
                ImageDraw.Draw(mask).line(placed, fill=1, width=max(1, round(0.353 * PX_PER_MM)))
        left, top = round(boundary[0] * PX_PER_MM), round(boundary[1] * PX_PER_MM)
        canvas.paste(0, (left, top), mask)


def _subpaths(data: str) -> list[list[tuple[float, float]]]:
    """Polygons of an OFD AbbreviatedData path (M, L, Q, B, A, C, S): curves flattened into lines."""
    tokens = data.replace(",", " ").split()
    paths: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    index = 0

    def take(count: int) -> list[float] | None:
        nonlocal index
        values = _numbers(" ".join(tokens[index : index + count]))
        index += count
        return values if len(values) == count else None

    while index < len(tokens):
        op = tokens[index]
        index += 1
        if op in ("M", "S"):
            point = take(2)
            if point is None:
                break
            if len(current) > 1:
                paths.append(current)
            current = [(point[0], point[1])]
        elif op == "L":
            point = take(2)
            if point is None:
                break
            current.append((point[0], point[1]))
        elif op in ("Q", "B"):
            values = take(4 if op == "Q" else 6)
            if values is None or not current:
                break
            start = current[-1]
            controls = [start] + [(values[i], values[i + 1]) for i in range(0, len(values), 2)]
            current.extend(_bezier(controls, 8))
        elif op == "A":
            values = take(7)
            if values is None:
                break
            current.append((values[5], values[6]))  # arcs as chords: enough for OCR of outlines
        elif op == "C":
            if len(current) > 1:
                paths.append(current)
            current = [current[0]] if current else []
    if len(current) > 1:
        paths.append(current)
    return paths


def _bezier(controls: list[tuple[float, float]], steps: int) -> list[tuple[float, float]]:
    """Points along a Bézier curve (de Casteljau), the start point excluded."""
    out = []
    for step in range(1, steps + 1):
        t = step / steps
        points = controls
        while len(points) > 1:
            points = [((1 - t) * p[0] + t * q[0], (1 - t) * p[1] + t * q[1]) for p, q in pairwise(points)]
        out.append(points[0])
    return out
