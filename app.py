"""纪要问答 web assistant: ``python app.py [--host H] [--port P] [--index DIR] [--source DIR]``.

Settings come from the environment (QA_INDEX, QA_SOURCE, QA_CACHE_DIR … see qa/config.py); flags
override them. Without QA_INDEX / QA_SOURCE the project's own ``index/`` and ``data/minutes/`` are
used wherever the command is run from. With no index yet, one is built on first start (the page
shows the progress).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Parse the flags and serve until interrupted; returns the exit status."""
    from qa.config import load_settings
    from qa.web import serve

    parser = argparse.ArgumentParser(description="纪要问答 web assistant (Gradio)")
    parser.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"), help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", "7860")), help="port (default 7860)")
    parser.add_argument("--index", help="index directory (default: $QA_INDEX or index/)")
    parser.add_argument("--source", help="folder indexed on first start (default: $QA_SOURCE or data/minutes/)")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="asking only: uploads, deletes and rebuilds refused (also QA_READ_ONLY=1; QA_ADMIN_TOKEN guards them)",
    )
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ValueError as exc:  # a setting with a value it cannot have: one line naming it
        print(f"qa: {exc}", file=sys.stderr)
        return 2
    # Defaults are relative to the project, not to wherever `python app.py` is started from.
    index = Path(args.index) if args.index else (None if os.environ.get("QA_INDEX") else ROOT / "index")
    source = Path(args.source) if args.source else (None if os.environ.get("QA_SOURCE") else ROOT / "data" / "minutes")
    settings = settings.with_overrides(index=index, source=source, read_only=True if args.read_only else None)
    try:
        return serve(settings, host=args.host, port=args.port)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # `python app.py` from a checkout without `pip install -e .`
    sys.exit(main())
