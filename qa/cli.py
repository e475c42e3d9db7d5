"""`qa` command line: a thin layer of options over the library.

Every command reports bad input as one line on stderr (``qa: FILE: reason``) and exits non-zero,
never with a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from qa.config import Settings, load_settings


def _err(message: str) -> None:
    print(f"qa: {message}", file=sys.stderr)


def _expand(paths: Sequence[str]) -> list[tuple[Path, bool]]:
    """Files named on the command line; folders contribute their supported files.

    Returns (path, explicit) pairs: an explicitly named unsupported file is an error, while files
    of other types inside a folder (INDEX.tsv next to the minutes) are skipped.
    """
    from qa.sources import iter_source_files

    out: list[tuple[Path, bool]] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            out.extend((p, False) for p in iter_source_files(path))
        else:
            out.append((path, True))
    return out


# ---------------------------------------------------------------------------------------------
# qa parse
# ---------------------------------------------------------------------------------------------


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    from qa.minutes import parse_file
    from qa.sources import SourceError

    failures = 0
    results = []
    for path, _explicit in _expand(args.files):
        try:
            meeting = parse_file(path)
        except SourceError as exc:
            _err(str(exc))
            failures += 1
            continue
        results.append(meeting)
        if not args.json:
            _print_meeting(meeting)
    if args.json:
        json.dump([m.to_dict(with_text=args.text) for m in results], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    return 1 if failures else 0


def _print_meeting(meeting) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=meeting.source, show_header=False, title_justify="left")
    for key in ("region", "meeting", "date", "chair", "chair_title", "doc_number", "issuer", "title"):
        value = getattr(meeting, key)
        if key == "date" and value and meeting.date_inferred:
            value += " (推断)"
        table.add_row(key, str(value) if value is not None else "—")
    console.print(table)
    for item in meeting.items:
        number = f"{item.number}、" if item.number else ("·" if item.kind == "item" else "◎")
        console.print(f"  {number} {item.heading}  [dim]{item.start}-{item.end}[/dim]")
    for warning in meeting.warnings:
        console.print(f"  [yellow]! {warning}[/yellow]")


# ---------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="纪要问答: question answering with citations over government executive-meeting minutes.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="parse minutes and show their metadata and agenda items")
    p.add_argument("files", nargs="+", help="files or folders (.txt .md .html .docx .pdf)")
    p.add_argument("--json", action="store_true", help="print a JSON list of meetings")
    p.add_argument("--text", action="store_true", help="with --json: include each document's original text")
    p.set_defaults(func=cmd_parse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qa`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
