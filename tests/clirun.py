"""Run the ``qa`` command inside the test process, captured like a subprocess.

Starting Python, torch and the embedder for every command made the CLI tests slow; ``qa.cli.main``
is the same code the console script runs, so the tests call it directly. Two tests still start a
real process (the console entry and a relative path from another working directory).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def environment(changes: Mapping[str, str | None] | None) -> Iterator[None]:
    """Set (or, for None, unset) environment variables for the duration of the block."""
    saved = dict(os.environ)
    for name, value in (changes or {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _stream(data: str = "") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data.encode("utf-8")), encoding="utf-8", write_through=True)


def run_qa(
    *args: str,
    stdin: str | None = None,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``qa ARGS…`` through :func:`qa.cli.main`: exit status, stdout and stderr as a process would give.

    An exception escaping ``main`` is printed as a traceback to the captured stderr with status 1,
    exactly what a user would see, so tests asserting «no traceback» still mean it.
    """
    from qa.cli import main

    out, err, inp = _stream(), _stream(), _stream(stdin or "")
    saved = sys.stdin, sys.stdout, sys.stderr
    here = os.getcwd()
    sys.stdin, sys.stdout, sys.stderr = inp, out, err
    try:
        with environment(env):
            if cwd is not None:
                os.chdir(cwd)
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:
                traceback.print_exc()
                code = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        os.chdir(here)
    out.flush()
    err.flush()
    return subprocess.CompletedProcess(
        ["qa", *args], code, out.buffer.getvalue().decode("utf-8"), err.buffer.getvalue().decode("utf-8")
    )


def run_qa_process(*args: str, cwd: Path | str, env: Mapping[str, str] | None = None, timeout: float = 300):
    """``python -m qa.cli ARGS…`` in a real child process (for what only a process shows)."""
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args],
        cwd=cwd,
        env=dict(os.environ, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
