"""OCR of scanned minutes: seconds per page, the cached re-run, and peak memory while OCR runs.

    python -m benchmarks.ocr [--pages 3] [--json FILE]

The scan is made here: the shipped minutes drawn as A4 pages (Noto Sans CJK, 30 px on a
1240 × 1754 page, ≈ 150 dpi) and saved as an image-only PDF, the way a scanner writes it. Each
read runs in a fresh interpreter so that its peak resident memory (``ru_maxrss``) is OCR's alone:
first with an empty cache folder (every page OCR'd), then again with the cache filled. The same
run also times LibreOffice converting a Word 97 ``.doc`` of the same minutes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

_READ = """
import json, resource, sys, time
from qa.ocr import OcrOptions
from qa.sources import read_source
from pathlib import Path
started = time.perf_counter()
source = read_source(sys.argv[1], ocr=OcrOptions(Path(sys.argv[2]), progress=lambda *a: None))
print(json.dumps({"seconds": time.perf_counter() - started, "chars": len(source.text),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def scanned_pdf(text: str, pages: int, path: Path) -> Path:
    """``pages`` A4 pages of ``text`` as images in a PDF without any text layer."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 30, index=2)
    lines = [p[i : i + 36] for p in (q.strip() for q in text.splitlines()) if p for i in range(0, len(p), 36)]
    images, per_page = [], 34
    for page in range(pages):
        image = Image.new("RGB", (1240, 1754), "white")
        draw = ImageDraw.Draw(image)
        for row, line in enumerate(lines[page * per_page : (page + 1) * per_page]):
            draw.text((80, 80 + row * 46), line, font=font, fill="black")
        images.append(image)
    images[0].save(path, "PDF", resolution=150.0, save_all=True, append_images=images[1:])
    return path


def read_in_fresh_process(path: Path, cache: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _READ, str(path), str(cache)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def convert_seconds(text: str, folder: Path) -> float | None:
    """Seconds for qa.convert to turn a LibreOffice-written .doc of ``text`` into .docx."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    import docx

    from qa.convert import convert_to_docx

    document = docx.Document()
    for para in text.splitlines():
        document.add_paragraph(para)
    document.save(folder / "m.docx")
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    subprocess.run(
        [soffice, profile, "--headless", "--convert-to", "doc:MS Word 97", "--outdir", str(folder), folder / "m.docx"],
        check=True,
        capture_output=True,
    )
    started = time.perf_counter()
    convert_to_docx(folder / "m.doc", (folder / "m.doc").read_bytes())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "minutes").glob("*.txt")))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pdf = scanned_pdf(text, args.pages, folder / "scan.pdf")
        first = read_in_fresh_process(pdf, folder / "cache")
        cached = read_in_fresh_process(pdf, folder / "cache")
        doc = convert_seconds(text[:9000], folder)
    result = {
        "pages": args.pages,
        "seconds_per_page": round(first["seconds"] / args.pages, 2),
        "first_run_seconds": round(first["seconds"], 2),
        "cached_run_seconds": round(cached["seconds"], 3),
        "peak_mb_ocr": round(first["peak_mb"]),
        "peak_mb_cached": round(cached["peak_mb"]),
        "chars": first["chars"],
        "doc_convert_seconds": None if doc is None else round(doc, 2),
    }
    print("| pages | s/page | first read s | cached re-read s | peak MB OCR | peak MB cached | .doc → .docx s |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {result['pages']} | {result['seconds_per_page']} | {result['first_run_seconds']} | "
        f"{result['cached_run_seconds']} | {result['peak_mb_ocr']} | {result['peak_mb_cached']} | "
        f"{result['doc_convert_seconds']} |"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
