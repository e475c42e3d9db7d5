"""Time and peak memory of parsing hostile and huge inputs (issue 14), each in a fresh process.

    python -m benchmarks.limits            # a table on stdout (about a minute)

Cases: a 30 MB text (one minutes file repeated), a 2 MB single line, a .docx whose document.xml
inflates to 114 MiB (280 KB on disk), and the same bomb through the web app's isolated parse.
Every case reports what happened (chunks, or the refusal), the seconds it took (imports excluded;
the isolated parse includes its child's start-up) and the process's peak RSS (imports included).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import json, resource, sys, time
from pathlib import Path
from qa.library import parse_isolated
from qa.ingest import parse_documents
case, path = sys.argv[1], Path(sys.argv[2])
start = time.perf_counter()  # imports done: the time of the parse (or refusal) itself
if case == "isolated":
    result = parse_isolated(path.name, path.read_bytes()).get("error", "accepted")
else:
    documents, errors = parse_documents([(path.name, path)])
    if errors:
        result = errors[0].reason
    else:
        d = documents[0]
        result = f"{len(d.chunks)} chunks of {len(d.meeting.text):,} characters; {len(d.notices)} warnings"
seconds = time.perf_counter() - start
# VmHWM: this process's peak RSS (ru_maxrss would keep the forking parent's peak).
peak = int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM"))) / 1024
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"result": result, "seconds": seconds, "peak_mb": peak, "child_peak_mb": child}))
"""


def write_docx_bomb(path: Path) -> None:
    """A small .docx whose document.xml inflates to 120 MB (made with zipfile, streamed)."""
    good = zipfile.ZipFile(ROOT / "data" / "external" / "ext_005.docx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in good.infolist():
            if info.filename != "word/document.xml":
                bomb.writestr(info, good.read(info))
        with bomb.open("word/document.xml", "w", force_zip64=True) as handle:
            handle.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body>')
            block = b"<w:p><w:r><w:t>" + "会议研究".encode() * 2000 + b"</w:t></w:r></w:p>"
            for _ in range(120_000_000 // len(block)):
                handle.write(block)
            handle.write(b"</w:body></w:document>")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="qa-limits-"))
    minutes = (ROOT / "data" / "minutes" / "000_6d9facc7abbcbe20.txt").read_bytes()
    (work / "30mb.txt").write_bytes(minutes * (30_000_000 // len(minutes) + 1))
    line = "2025年3月5日，吴中区政府召开第12次常务会议，会议研究了安全生产工作，要求各部门切实落实责任"
    (work / "line.txt").write_text((line * 60000)[:2_000_000], encoding="utf-8")
    write_docx_bomb(work / "bomb.docx")
    cases = [
        ("30 MB text", "parse", work / "30mb.txt"),
        ("2 MB single line", "parse", work / "line.txt"),
        (f"docx bomb ({(work / 'bomb.docx').stat().st_size // 1000} KB → 114 MiB)", "parse", work / "bomb.docx"),
        ("docx bomb, web upload (isolated)", "isolated", work / "bomb.docx"),
    ]
    print("| input | result | seconds | peak RSS (MB) |")
    print("|---|---|---|---|")
    for label, case, path in cases:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, case, str(path)], cwd=ROOT, capture_output=True, text=True, check=True
        )
        row = json.loads(done.stdout)
        peak = f"{row['peak_mb']:.0f}" + (f" (child {row['child_peak_mb']:.0f})" if case == "isolated" else "")
        print(f"| {label} | {row['result']} | {row['seconds']:.2f} | {peak} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
