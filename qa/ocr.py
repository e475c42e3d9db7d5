"""Page images → text with line confidences: offline OCR for scanned PDFs and image-only OFD files.

The engine is RapidOCR 3.x (PP-OCR detection, orientation and recognition models as ONNX files
inside its wheel) on onnxruntime; PDF pages are rendered with pypdfium2. All three are the
optional extra ``ocr`` (``pip install -e '.[ocr]'``): without it a scan gets one line naming the
extra. The model paths are given explicitly so that RapidOCR never tries to download a model,
and its visualiser is never called (it would download a font).

OCR takes seconds per page on a laptop CPU, so results are cached by the file's content hash
under ``<cache dir>/ocr/`` (the folder ``QA_CACHE_DIR`` points to), page by page: an interrupted
run resumes where it stopped and a rebuild reads a scan in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

# What the cache key depends on besides the file: engine, models and rendering resolution.
# Bump it when any of them changes so that stale text is not reused.
ENGINE_TAG = "rapidocr3-ppocrv6-small-s2.0-v1"
# Pages are rendered at this many pixels per PDF point (2.0 ≈ 144 dpi): enough for 10.5-pt
# Chinese body text, and an A4 page stays under RapidOCR's 2000-pixel limit.
RENDER_SCALE = 2.0
INSTALL_HINT = "pip install -e '.[ocr]'"

Progress = Callable[[str, int, int], None]  # (file, pages done, pages to OCR)


class OcrUnavailable(Exception):
    """The ``ocr`` extra is not installed. ``str(err)`` says what to install."""


@dataclass
class OcrLine:
    """One recognised line: its text, the engine's confidence (0–1) and where it sat on the page."""

    text: str
    confidence: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels of the rendered page


@dataclass
class OcrOptions:
    """Where OCR results are cached and who hears about progress (``None``: a bar on stderr)."""

    cache_dir: Path | None = None
    progress: Progress | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # RapidOCR parameters (tests, tuning)


def ocr_note(confidence: float | None) -> str | None:
    """The citation note for text read by OCR: «OCR识别，置信度 0.93» (None for text that was not)."""
    if confidence is None:
        return None
    return f"OCR识别，置信度 {confidence:.2f}"


def available() -> bool:
    """Whether the ``ocr`` extra is installed (without loading any model)."""
    import importlib.util

    return all(importlib.util.find_spec(name) for name in ("rapidocr", "onnxruntime", "pypdfium2"))


def require() -> None:
    """Raise :class:`OcrUnavailable` with the install command when the extra is missing."""
    if not available():
        raise OcrUnavailable(f"OCR is not installed (needs the 'ocr' extra: {INSTALL_HINT})")


def engine(extra: dict[str, Any] | None = None) -> Any:
    """A RapidOCR engine on the models of its wheel (one per file: loading takes well under a second)."""
    require()
    import rapidocr
    from rapidocr import RapidOCR

    models = Path(rapidocr.__file__).parent / "models"
    params: dict[str, Any] = {
        "Global.log_level": "error",
        "Det.model_path": str(models / "PP-OCRv6_det_small.onnx"),
        "Rec.model_path": str(models / "PP-OCRv6_rec_small.onnx"),
        "Cls.model_path": str(models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
    }
    missing = [p for key, p in params.items() if key.endswith("model_path") and not Path(p).is_file()]
    if missing:
        raise OcrUnavailable(f"RapidOCR's bundled model {missing[0]} is missing (reinstall: {INSTALL_HINT})")
    return RapidOCR(params={**params, **(extra or {})})


def recognise(image: Any, ocr: Any) -> list[OcrLine]:
    """OCR one page image (a PIL image or an RGB array) with ``ocr`` (:func:`engine`); lines in reading order."""
    import numpy as np

    array = np.asarray(image.convert("RGB")) if hasattr(image, "convert") else np.asarray(image)
    result = ocr(array)
    if result.txts is None or result.boxes is None:
        return []
    lines = []
    for text, score, box in zip(result.txts, result.scores, result.boxes, strict=True):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        if text.strip():
            lines.append(OcrLine(text.strip(), float(score), (min(xs), min(ys), max(xs), max(ys))))
    return reading_order(lines)


def reading_order(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Sort detected boxes into rows (top to bottom) and each row left to right.

    Two boxes are on one row when their vertical centres are closer than half the smaller box
    height; the detector often splits a row at a wide gap (a document number and the issuing
    office on one line), and those parts must stay together and in order.
    """
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        centre = (line.box[1] + line.box[3]) / 2
        height = line.box[3] - line.box[1]
        if rows:
            last = rows[-1][0]
            last_centre = (last.box[1] + last.box[3]) / 2
            if abs(centre - last_centre) < min(height, last.box[3] - last.box[1]) / 2:
                rows[-1].append(line)
                continue
        rows.append([line])
    ordered: list[OcrLine] = []
    for row in rows:
        row.sort(key=lambda ln: ln.box[0])
        if len(row) == 1:
            ordered.append(row[0])
            continue
        # A row split by the detector becomes one line; parts apart by more than two character
        # heights are separate columns of one line (three spaces, as text extractors write them).
        text = row[0].text
        for previous, part in pairwise(row):
            gap = part.box[0] - previous.box[2]
            text += ("   " if gap > 2 * (part.box[3] - part.box[1]) else "") + part.text
        weight = sum(len(p.text) for p in row) or 1
        confidence = sum(p.confidence * len(p.text) for p in row) / weight
        box = (row[0].box[0], min(p.box[1] for p in row), row[-1].box[2], max(p.box[3] for p in row))
        ordered.append(OcrLine(text, confidence, box))
    return ordered


# ---------------------------------------------------------------------------------------------
# cache
# ---------------------------------------------------------------------------------------------


class PageCache:
    """OCR lines of one file's pages, stored as JSON under ``<cache>/ocr/<sha256>-<engine>.json``."""

    def __init__(self, cache_dir: Path | None, sha256: str, extra: dict[str, Any] | None = None):
        tag = ENGINE_TAG
        if extra:  # other engine parameters read other text: their own cache entry
            tag += "-" + hashlib.sha256(json.dumps(extra, sort_keys=True).encode()).hexdigest()[:12]
        self.path = (cache_dir / "ocr" / f"{sha256}-{tag}.json") if cache_dir else None
        self.pages: dict[str, list[list]] = {}
        if self.path and self.path.is_file():
            try:
                self.pages = json.loads(self.path.read_text(encoding="utf-8"))["pages"]
            except (OSError, ValueError, KeyError, TypeError):
                self.pages = {}  # a damaged cache entry is redone, never trusted

    def get(self, page: int) -> list[OcrLine] | None:
        rows = self.pages.get(str(page))
        if rows is None:
            return None
        return [OcrLine(text, conf, tuple(box)) for text, conf, box in rows]

    def put(self, page: int, lines: list[OcrLine]) -> None:
        self.pages[str(page)] = [[ln.text, round(ln.confidence, 4), list(ln.box)] for ln in lines]
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Written after every page, atomically: an interrupted run keeps the pages it finished.
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ocr-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"engine": ENGINE_TAG, "pages": self.pages}, handle, ensure_ascii=False)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only cache only costs time


def ocr_pages(
    name: str,
    sha256: str,
    pages: Sequence[int],
    render: Callable[[int], Any],
    options: OcrOptions | None = None,
) -> dict[int, list[OcrLine]]:
    """OCR the listed pages of one file (``render(i)`` gives page ``i`` as an image), with cache.

    Raises:
        OcrUnavailable: the extra is missing and some page is not cached.
    """
    options = options or OcrOptions()
    cache = PageCache(options.cache_dir, sha256, options.extra)
    out: dict[int, list[OcrLine]] = {}
    todo = []
    for page in pages:
        cached = cache.get(page)
        if cached is None:
            todo.append(page)
        else:
            out[page] = cached
    if not todo:
        return out
    ocr = engine(options.extra)
    progress = options.progress or _stderr_progress()
    progress(name, 0, len(todo))
    for done, page in enumerate(todo, start=1):
        lines = recognise(render(page), ocr)
        cache.put(page, lines)
        out[page] = lines
        progress(name, done, len(todo))
    return out


def _stderr_progress() -> Progress:
    """A tqdm bar on stderr, one step per page (OCR is the slowest thing a parse can do)."""
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def report(name: str, done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=f"OCR {Path(name).name}", unit="page", leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return report


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


def pdf_renderer(data: bytes) -> tuple[Callable[[int], Any], Callable[[], None]]:
    """``render(i)`` → page ``i`` of the PDF as a PIL image, and a ``close()`` for the document."""
    require()
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)

    def render(index: int) -> Any:
        page = document[index]
        try:
            return page.render(scale=RENDER_SCALE, grayscale=True).to_pil()
        finally:
            page.close()

    return render, document.close


def join_pages(pages: Sequence[list[OcrLine] | str]) -> tuple[str, list[tuple[int, int, float]]]:
    """Text of pages (OCR lines or extracted text) and the spans of OCR lines with their confidence."""
    parts: list[str] = []
    spans: list[tuple[int, int, float]] = []
    offset = 0
    for page in pages:
        if parts:
            parts.append("\n")
            offset += 1
        if isinstance(page, str):
            text = page.strip("\n")
            parts.append(text)
            offset += len(text)
            continue
        for number, line in enumerate(page):
            if number:
                parts.append("\n")
                offset += 1
            parts.append(line.text)
            spans.append((offset, offset + len(line.text), round(line.confidence, 4)))
            offset += len(line.text)
    return "".join(parts), spans


def span_confidence(spans: Sequence[Sequence[float]], start: int, end: int) -> float | None:
    """Mean confidence of the OCR lines overlapping ``[start, end)``, weighted by overlap; None if none."""
    total = weight = 0.0
    for line_start, line_end, confidence in spans:
        overlap = min(end, line_end) - max(start, line_start)
        if overlap > 0:
            total += confidence * overlap
            weight += overlap
    return round(total / weight, 2) if weight else None
