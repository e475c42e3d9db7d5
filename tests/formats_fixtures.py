"""Test files in the formats offices publish, made from the shipped minutes: image-only PDFs drawn
with a CJK font, OFD packages written with zipfile and XML, Word 97/RTF/ODT written by LibreOffice."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import time
import unicodedata
import zipfile
from difflib import SequenceMatcher
from pathlib import Path
from xml.sax.saxutils import escape

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_INDEX = 2  # Noto Sans CJK SC in the collection
OFD_NS = "http://www.ofdspec.org/2016"


def character_accuracy(expected: str, got: str) -> float:
    """Share of the expected characters OCR got right (whitespace ignored; NFKC, so that a
    full-width （ read as a half-width ( is the same character)."""

    def clean(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    a, b = clean(expected), clean(got)
    matched = sum(block.size for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return matched / max(len(a), 1)


def first_paragraphs(text: str, limit: int) -> str:
    """The leading paragraphs of ``text`` that fit in ``limit`` characters (at least one)."""
    kept: list[str] = []
    for para in (p.strip() for p in text.splitlines()):
        if not para:
            continue
        if kept and sum(len(p) for p in kept) + len(para) > limit:
            break
        kept.append(para)
    return "\n".join(kept)


def wrap(text: str, width: int) -> list[list[str]]:
    """Paragraphs of ``text`` cut into lines of ``width`` characters."""
    out = []
    for para in (p.strip() for p in text.splitlines()):
        if para:
            out.append([para[i : i + width] for i in range(0, len(para), width)])
    return out


def render_page(text: str, size: tuple[int, int] = (1240, 1754), font_px: int = 30, width: int = 36):
    """One page image (greyscale, black on white) of ``text``, wrapped at ``width`` characters."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), font_px, index=FONT_INDEX)
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    y = 80
    for lines in wrap(text, width):
        for line in lines:
            draw.text((80, y), line, font=font, fill=0)
            y += round(font_px * 1.5)
        y += font_px // 3
    return image


def image_pdf(path: Path, images: list) -> Path:
    """An image-only PDF (no text layer at all), one image per page, as a scanner writes it."""
    first, *rest = [image.convert("RGB") for image in images]
    # Fixed dates: the same page gives the same bytes, so the OCR cache (by content hash) is hit
    # on the next test run.
    stamp = time.gmtime(1735689600)  # 2025-01-01
    first.save(
        path,
        "PDF",
        resolution=150.0,
        save_all=True,
        append_images=rest,
        title="scan",
        creationDate=stamp,
        modDate=stamp,
    )
    return path


# ---------------------------------------------------------------------------------------------
# OFD
# ---------------------------------------------------------------------------------------------


def _ofd_package(pages: list[str], template: str | None = None, public_res: str | None = None, media=()) -> bytes:
    """An OFD zip: OFD.xml, Document.xml, the pages' Content.xml and an optional template page."""
    ns = f'xmlns:ofd="{OFD_NS}"'
    page_refs = "".join(f'<ofd:Page ID="{10 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
    tpl = '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if template else ""
    res = "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>9999</ofd:MaxUnitID>'
        f"<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>{res}{tpl}</ofd:CommonData>"
        f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>"
    )
    ofd_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.1" DocType="OFD"><ofd:DocBody>'
        "<ofd:DocInfo><ofd:DocID>test</ofd:DocID><ofd:Title>会议纪要</ofd:Title></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    public = public_res or (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {ns} BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, content: str | bytes) -> None:
            # A fixed timestamp: the same content gives the same bytes (and hits the OCR cache).
            archive.writestr(zipfile.ZipInfo(name, (2025, 1, 1, 0, 0, 0)), content, zipfile.ZIP_DEFLATED)

        put("OFD.xml", ofd_xml)
        put("Doc_0/Document.xml", document)
        put("Doc_0/PublicRes.xml", public)
        if template:
            put("Doc_0/Tpls/Tpl_0/Content.xml", template)
        for n, content in enumerate(pages):
            put(f"Doc_0/Pages/Page_{n}/Content.xml", content)
        for name, data in media:
            put(f"Doc_0/Res/{name}", data)
    return buffer.getvalue()


def _page_xml(objects: list[str], template: bool = False) -> str:
    ref = '<ofd:Template TemplateID="2" ZOrder="Background"/>' if template else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}">{ref}'
        "<ofd:Area><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:Area>"
        f'<ofd:Content><ofd:Layer ID="4">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>'
    )


def _char_object(oid: int, char: str, x: float, y: float, size: float, color: str = "0 0 0") -> str:
    # One TextObject per character, as many OFD writers (and «print to OFD» drivers) emit them.
    return (
        f'<ofd:TextObject ID="{oid}" Boundary="{x:.2f} {y - size:.2f} {size * 1.2:.2f} {size * 1.4:.2f}" Font="3" '
        f'Size="{size}"><ofd:FillColor Value="{color}"/>'
        f'<ofd:TextCode X="0" Y="{size:.2f}">{escape(char)}</ofd:TextCode></ofd:TextObject>'
    )


def text_ofd(header: str, body: str, seed: int = 7) -> bytes:
    """An OFD of minutes: ``header`` in red on a template page, ``body`` typeset one TextObject per
    character on full-width cells (so digits leave gaps: ofdkit reads «2 0 2 5 年»), objects written
    in a scrambled order, paragraphs separated by a wider line step, 38 characters per line."""
    size, step, per_line, per_page = 4.2, 7.0, 38, 34
    rng = random.Random(seed)
    template = _page_xml([_char_object(100 + i, ch, 30 + i * 6.5, 30, 6.5, "255 0 0") for i, ch in enumerate(header)])
    pages, objects, line_no, oid = [], [], 0, 1000
    for lines in wrap(body, per_line):
        for line in lines:
            if line_no >= per_page:
                rng.shuffle(objects)
                pages.append(_page_xml(objects, template=True))
                objects, line_no = [], 0
            y = 50 + line_no * step
            for i, ch in enumerate(line):
                objects.append(_char_object(oid, ch, 20 + i * size, y, size))
                oid += 1
            line_no += 1
        line_no += 1  # the wider step between paragraphs
    rng.shuffle(objects)
    pages.append(_page_xml(objects, template=True))
    return _ofd_package(pages, template=template)


def outline_ofd(image) -> bytes:
    """An OFD whose only content is filled paths tracing ``image``'s dark pixels: text drawn as
    outlines, with no TextObject at all (as «convert text to curves» exporters write)."""
    scale = 210 / image.width  # mm per pixel: the image spans the page width
    bitmap = image.convert("1").load()
    paths, oid = [], 1000
    for row in range(image.height):
        spans, start = [], None
        for col in range(image.width + 1):
            dark = col < image.width and bitmap[col, row] == 0
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                spans.append((start, col))
                start = None
        if not spans:
            continue
        data = " ".join(
            f"M {a * scale:.3f} 0 L {b * scale:.3f} 0 L {b * scale:.3f} {scale:.3f} L {a * scale:.3f} {scale:.3f} C"
            for a, b in spans
        )
        paths.append(
            f'<ofd:PathObject ID="{oid}" Boundary="0 {row * scale:.3f} 210 {scale:.3f}" Fill="true" Stroke="false">'
            f'<ofd:FillColor Value="0 0 0"/><ofd:AbbreviatedData>{data}</ofd:AbbreviatedData></ofd:PathObject>'
        )
        oid += 1
    return _ofd_package([_page_xml(paths)])


def image_ofd(image) -> bytes:
    """An OFD page that is one scanned image (a PNG in the package's resources)."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    res = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:MultiMedias>'
        '<ofd:MultiMedia ID="5" Type="Image"><ofd:MediaFile>scan.png</ofd:MediaFile></ofd:MultiMedia>'
        "</ofd:MultiMedias></ofd:Res>"
    )
    height = 210 * image.height / image.width
    page = _page_xml(
        [f'<ofd:ImageObject ID="6" ResourceID="5" Boundary="0 0 210 {height:.2f}" CTM="210 0 0 {height:.2f} 0 0"/>']
    )
    return _ofd_package([page], public_res=res, media=[("scan.png", buffer.getvalue())])


# ---------------------------------------------------------------------------------------------
# LibreOffice
# ---------------------------------------------------------------------------------------------


def soffice_available() -> bool:
    return bool(shutil.which("soffice") or shutil.which("libreoffice"))


def office_files(text: str, folder: Path, formats: dict[str, str]) -> dict[str, Path]:
    """Files in each LibreOffice ``formats`` ({suffix: filter}) made from a .docx of ``text``."""
    import docx

    folder.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    for para in text.splitlines():
        document.add_paragraph(para)
    source = folder / "minutes.docx"
    document.save(source)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    out = {}
    for suffix, filter_name in formats.items():
        target = folder / suffix.lstrip(".")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                f"{suffix.lstrip('.')}:{filter_name}",
                "--outdir",
                str(target),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        out[suffix] = target / f"minutes{suffix}"
    return out
