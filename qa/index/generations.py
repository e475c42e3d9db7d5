"""Generations: temporary folders, hard links, the atomic publish, pruning and the writer lock.

An index directory holds immutable generation folders and a pointer naming the live one::

    index/
      CURRENT              name of the live generation ("gen-000007")
      gen-000006/          its predecessor, kept for readers still using it
      gen-000007/          the live generation
      .lock                the writer lock (one writer at a time; readers never wait)

Every generation is written in a temporary folder (``.gen-000008.tmp-<pid>``), renamed into
place, and only then made live by an atomic rename of ``CURRENT``. No file is modified after it
is written — a file shared by several generations through hard links is one immutable file — so
killing a writer at any moment leaves the previous generation live and intact, and readers, which
load one generation, never see a half-written one. Older generations are removed (a shared file
lives on while any generation still links it). This module knows nothing of what a generation
holds (:mod:`qa.index.content`, the backends).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

from qa.index.errors import DamagedIndex, NoIndex, StoreError, WriterBusy, rebuild_fix

POINTER = "CURRENT"
MANIFEST = "manifest.json"  # the file whose presence makes a folder a generation

# The instants of a write where a crash leaves something behind, for crash tests: a writer started
# with QA_FAILPOINT=<name> kills itself there with SIGKILL (nothing is cleaned up, as in a real crash).
FAILPOINTS = ("before-rename", "after-rename", "pointer-written")


def failpoint(name: str) -> None:
    """Die like ``kill -9`` here when ``$QA_FAILPOINT`` names this instant (crash tests only)."""
    if os.environ.get("QA_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def generation_name(number: int) -> str:
    """The folder name of generation ``number``: «gen-000007»."""
    return f"gen-{number:06d}"


def current_generation(index_dir: Path) -> Path:
    """The live generation folder, or a one-line error naming the command that fixes it."""
    pointer = index_dir / POINTER
    if not pointer.exists():
        raise NoIndex(index_dir)
    name = pointer.read_text(encoding="utf-8").strip()
    path = index_dir / name
    if not name or not (path / MANIFEST).exists():
        raise DamagedIndex(index_dir, f"{POINTER} points to missing '{name}'", rebuild_fix(index_dir))
    return path


# ---------------------------------------------------------------------------------------------
# durable files
# ---------------------------------------------------------------------------------------------


def write_atomic(path: Path, content: str, crash_point: str | None = None) -> None:
    """Write a text file so that readers see the old content or the new, never a part of it."""
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    if crash_point:
        failpoint(crash_point)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (best effort: some file systems refuse directory fsync)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def link(source: Path, target: Path) -> None:
    """Share an immutable file with the previous generation (a copy where hard links fail)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def disk_usage(directory: Path) -> int:
    """Bytes of every file under ``directory``, a file hard-linked by several generations once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            with contextlib.suppress(OSError):
                st = os.lstat(os.path.join(root, name))
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_size
    return total


# ---------------------------------------------------------------------------------------------
# writing a generation
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index directory (readers never wait)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WriterBusy(index_dir) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def next_generation(index_dir: Path) -> int:
    """The number after the highest generation folder present (1 for an empty directory)."""
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    return max(numbers, default=0) + 1


def start(index_dir: Path, name: str) -> Path:
    """A fresh, empty temporary folder for generation ``name`` (this process's own)."""
    tmp = index_dir / f".{name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def fsync_files(directory: Path) -> None:
    """Flush every file of a generation to disk before it is published."""
    for path in directory.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())


def publish(index_dir: Path, tmp: Path, name: str) -> None:
    """Rename a complete generation into place, then make it live by rewriting ``CURRENT`` atomically.

    A crash before the pointer is written leaves an orphan folder that :func:`clean_stale` removes;
    the previous generation stays live.
    """
    final = index_dir / name
    if final.exists():
        shutil.rmtree(final)
    failpoint("before-rename")
    os.rename(tmp, final)
    fsync_dir(index_dir)
    failpoint("after-rename")
    write_atomic(index_dir / POINTER, name + "\n", crash_point="pointer-written")


# ---------------------------------------------------------------------------------------------
# removing what is no longer needed
# ---------------------------------------------------------------------------------------------


def _generation_number(path: Path) -> int | None:
    digits = path.name[4:]
    return int(digits) if path.name.startswith("gen-") and digits.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune(index_dir: Path, keep: str, purge: bool = False) -> list[str]:
    """Keep the live generation ``keep`` and its predecessor (readers may still hold it); remove the
    others — older ones, and orphans numbered after it. With ``purge``, keep only the live one (a
    deletion: no earlier generation may keep the deleted text). Returns the names removed.

    Readers holding a removed generation keep reading it: their files stay open (and mapped).
    """
    live = _generation_number(index_dir / keep)
    generations = sorted(
        (n, p) for p in index_dir.glob("gen-*") if p.is_dir() and (n := _generation_number(p)) is not None
    )
    older = [n for n, _p in generations if live is not None and n < live]
    predecessor = None if purge or not older else older[-1]
    removed = []
    for number, path in generations:
        if path.name == keep or number == predecessor:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def clean_stale(index_dir: Path) -> list[str]:
    """Remove what killed writers left; call with the writer lock held. Returns the names removed.

    * temporary generation folders (``.gen-*.tmp-<pid>``) and pointer files (``CURRENT.tmp-<pid>``)
      of processes that are gone (or of this one: a failed earlier write);
    * orphan generations: renamed into place but never made live (numbered after CURRENT's);
    * generations older than CURRENT's predecessor (see :func:`prune`).

    Nothing is removed when CURRENT cannot be read: which generation is live is then unknown.
    """
    removed = []
    for path in [*index_dir.glob(".gen-*.tmp-*"), *index_dir.glob(f"{POINTER}.tmp-*")]:
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    try:
        live = current_generation(index_dir)
    except (StoreError, OSError):
        return removed
    return removed + prune(index_dir, keep=live.name)


def tidy(index_dir: Path | str) -> list[str]:
    """Remove killed writers' leftovers now (what the next writer would); skipped while a writer runs.

    Returns the names removed. ``qa index stats`` calls it.
    """
    index_dir = Path(index_dir)
    if not (index_dir / POINTER).exists():
        return []
    try:
        with writer_lock(index_dir):
            return clean_stale(index_dir)
    except (StoreError, OSError):
        return []
