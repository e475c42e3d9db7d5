"""The document library's policy, shared by the command line and the web app.

What a person added stays until a person removes it:

* Uploaded originals are kept in ``<index>/uploads/<name>``. ``qa index build``, ``qa index
  update``, the web page's 「重建整个索引」 and the first build of an empty index all index them
  with the source folder, in the same generation, as *uploaded* documents.
* An upload with the name of a folder file replaces that file's document; folder updates leave it
  alone (the folder's copy is not read back over it), and an upload missing from the folder is
  never "deleted" by an update.
* Fields a person corrected in the upload preview are kept beside the originals
  (``uploads/.corrections/``) and applied again by every build and update.
* Deleting a document removes it from the index (every generation's SQLite: see
  :meth:`qa.index.writer.IndexWriter.remove_documents`), its kept original and its corrections.

An upload is written to ``uploads/.incoming/`` before it is indexed and moved into place once the
generation holding it is live, so a writer killed at any moment loses neither the index nor the
original: :meth:`Library.kept` finishes or discards what a killed writer left (by content hash).

Uploaded files are also parsed first in a child process with a memory ceiling and a time limit
(:func:`check_isolated`), so that one hostile file cannot take a server down.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.index.content import connect
from qa.index.errors import StoreError
from qa.index.generations import current_generation
from qa.index.manifest import live_or_none
from qa.index.writer import IndexWriter, WriteReport
from qa.ingest import FileError, sha256_file

UPLOADS = "uploads"
INCOMING = ".incoming"
# A parse of one uploaded file may use this much address space and time (a child process).
PARSE_MEMORY_BYTES = 1024 * 1024 * 1024
PARSE_SECONDS = 120.0


def upload_name(path: str | Path) -> str:
    """The name an uploaded file is indexed and kept under: its base name, never hidden or a folder."""
    name = Path(str(path)).name.strip()
    name = name.lstrip(".")  # «.incoming», «..»: never a hidden or special name in uploads/
    return name or "upload.txt"


@dataclass
class Library:
    """The uploads kept beside an index, and the operations that must keep them."""

    index_dir: Path

    def __post_init__(self) -> None:
        self.index_dir = Path(self.index_dir)

    @property
    def uploads_dir(self) -> Path:
        return self.index_dir / UPLOADS

    # ---- what is kept -----------------------------------------------------------------------

    def kept(self) -> list[tuple[str, Path]]:
        """The kept uploads (name, path), after settling what a killed writer left in ``.incoming``."""
        self._settle()
        if not self.uploads_dir.is_dir():
            return []
        return sorted((p.name, p) for p in self.uploads_dir.iterdir() if p.is_file() and not p.name.startswith("."))

    def _settle(self) -> None:
        """Staged uploads whose document is live (same content) are moved into place; others dropped."""
        incoming = self.uploads_dir / INCOMING
        if not incoming.is_dir():
            return
        staged = [p for p in incoming.iterdir() if p.is_file()]
        if not staged:
            return
        live = self._live_uploads()
        for path in staged:
            if live.get(path.name) == sha256_file(path):
                os.replace(path, self.uploads_dir / path.name)
            else:
                path.unlink(missing_ok=True)

    def _live_uploads(self) -> dict[str, str]:
        """Uploaded documents of the live generation: name → sha256 (empty without a readable index)."""
        try:
            db = connect(current_generation(self.index_dir))
        except (StoreError, sqlite3.Error, OSError):
            return {}
        try:
            return dict(db.execute("SELECT doc_id, sha256 FROM documents WHERE origin = 'upload'").fetchall())
        except sqlite3.Error:
            return {}
        finally:
            db.close()

    # ---- operations (each takes the writer the front end opened) -----------------------------

    @property
    def corrections_dir(self) -> Path:
        """Fields a person corrected in the upload preview, one ``<name>.json`` per upload (a folder,
        so never taken for an upload)."""
        return self.uploads_dir / ".corrections"

    def corrections(self) -> dict[str, dict]:
        """The kept corrections: upload name → corrected fields (unreadable files are skipped)."""
        import json

        out: dict[str, dict] = {}
        if self.corrections_dir.is_dir():
            for path in self.corrections_dir.glob("*.json"):
                with contextlib.suppress(OSError, ValueError):
                    out[path.name[: -len(".json")]] = json.loads(path.read_text(encoding="utf-8"))
        return out

    def keep_corrections(self, name: str, fields: Mapping[str, object] | None) -> None:
        """Keep the corrected fields of an upload beside it (none: forget any kept before)."""
        import json

        path = self.corrections_dir / f"{name}.json"
        if fields:
            self.corrections_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
        else:
            path.unlink(missing_ok=True)

    def original(self, source: str, folders: Sequence[Path | str]) -> Path | None:
        """The original file of an indexed document: its kept upload, else the first of ``folders``
        holding its source path (None when no copy is left)."""
        name = Path(str(source or "")).name
        if not name:
            return None
        candidates = [self.uploads_dir / name, *(Path(folder) / str(source) for folder in folders)]
        return next((p for p in candidates if p.is_file()), None)

    def rebuild_folder(self, configured: Path | str) -> Path:
        """The folder a rebuild reads: the one the live index was built from while it is there, else
        ``configured`` (QA_SOURCE or data/minutes). The CLI's ``qa index build`` without ``--source``
        and the web page's 重建索引 both ask this, so a rebuild never swaps an index's folder silently.
        """
        manifest = live_or_none(self.index_dir)
        if manifest is not None and manifest.source and Path(manifest.source).is_dir():
            return Path(manifest.source)
        return Path(configured)

    def build(self, writer: IndexWriter, source: Path | str) -> WriteReport:
        """A fresh index of ``source`` plus every kept upload (with its corrections), in one generation."""
        return writer.build(source, uploads=self.kept(), corrections=self.corrections())

    def update(self, writer: IndexWriter, source: Path | str | None = None) -> WriteReport:
        """Bring the index up to date with its folder; kept uploads missing from it are added back."""
        return writer.update(source, uploads=self.kept(), corrections=self.corrections())

    def add(
        self,
        writer: IndexWriter,
        files: Sequence[tuple[str, bytes]],
        corrections: Mapping[str, Mapping[str, object]] | None = None,
        isolate: bool = True,
    ) -> WriteReport:
        """Index uploaded files (name, bytes) and keep their originals; bad files are reported.

        ``corrections`` (name → corrected fields, from the upload preview) are applied and kept
        beside the originals of the files added, so that a rebuild applies them again; an added
        file without corrections forgets any kept for its name. With ``isolate``, each file is
        first parsed in a child process with a memory ceiling: a file that exhausts it, or crashes
        the parser, is refused with one line.
        """
        files = list({upload_name(name): data for name, data in files}.items())
        refused: list[FileError] = []
        if isolate:
            results = parse_many_isolated(files)
            refused = [FileError(n, r["error"]) for (n, _d), r in zip(files, results, strict=True) if "error" in r]
            files = [f for f, r in zip(files, results, strict=True) if "error" not in r]
        report = WriteReport()
        if files:
            incoming = self.uploads_dir / INCOMING
            incoming.mkdir(parents=True, exist_ok=True)
            for name, data in files:
                _write_file(incoming / name, data)
            try:
                report = writer.add_files(files, corrections)
            finally:
                self._settle()
            for name in report.added + report.changed:
                self.keep_corrections(name, (corrections or {}).get(name))
        report.errors[:0] = refused
        return report

    def delete(self, writer: IndexWriter, doc_ids: Sequence[str]) -> WriteReport:
        """Remove documents from the index and their kept originals."""
        report = writer.remove_documents(doc_ids)
        for doc_id in doc_ids:
            (self.uploads_dir / doc_id).unlink(missing_ok=True)
            (self.corrections_dir / f"{doc_id}.json").unlink(missing_ok=True)
        return report

    def preview(self, files: Sequence[tuple[str, bytes]], known: frozenset[str] | set[str] = frozenset()) -> list[dict]:
        """What the parser reads from each file, without indexing: ``{"name", "meeting"|"error", "replaces"}``.

        Each file is parsed in a child process with a memory ceiling (see :func:`parse_isolated`).
        """
        named = [(upload_name(name), data) for name, data in files]
        results = parse_many_isolated(named)
        return [{"name": n, "replaces": n in known, **r} for (n, _d), r in zip(named, results, strict=True)]


# ---------------------------------------------------------------------------------------------
# parsing in a child process with limits
# ---------------------------------------------------------------------------------------------


def parse_isolated(
    name: str, data: bytes, memory_bytes: int = PARSE_MEMORY_BYTES, seconds: float = PARSE_SECONDS
) -> dict:
    """Parse one file in a child process: ``{"meeting": {...}}`` or ``{"error": "one line"}``.

    The child's address space is capped at ``memory_bytes`` and its run at ``seconds``; a child
    that dies or is killed is reported as a refusal, never as a server crash.
    """
    return parse_many_isolated([(name, data)], memory_bytes, seconds)[0]


def parse_many_isolated(
    files: Sequence[tuple[str, bytes]], memory_bytes: int = PARSE_MEMORY_BYTES, seconds: float = PARSE_SECONDS
) -> list[dict]:
    """:func:`parse_isolated` for several files: one child for all, and one per file only if it fails."""
    if not files:
        return []
    results = _run_child(files, memory_bytes, seconds * len(files))
    if isinstance(results, list):
        return results
    if len(files) == 1:
        return [{"error": results}]
    return [parse_isolated(name, data, memory_bytes, seconds) for name, data in files]


def _run_child(files: Sequence[tuple[str, bytes]], memory_bytes: int, seconds: float) -> list[dict] | str:
    """The child's results, or the one-line reason it gave none."""
    import pickle
    import subprocess
    import sys

    import qa

    # A fresh interpreter (not a fork of a threaded server), importing this very package.
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(Path(qa.__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")]
        ).rstrip(os.pathsep),
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "qa.library", str(memory_bytes)],
            input=pickle.dumps(list(files)),
            capture_output=True,
            timeout=seconds,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"parsing took longer than {seconds:.0f} s: refused"
    if done.returncode == 0:
        with contextlib.suppress(Exception):
            return pickle.loads(done.stdout)
    return f"the parser ran out of memory or crashed (limit {memory_bytes // 2**20} MiB): refused"


def check_isolated(name: str, data: bytes) -> str | None:
    """The one-line reason a file cannot be parsed within the limits, or None when it can."""
    return parse_isolated(name, data).get("error")


def _parse_one(name: str, data: bytes, memory_bytes: int) -> dict:
    from qa.chunks import chunk_meeting
    from qa.ingest import cover, limit_text
    from qa.minutes import parse_source
    from qa.sources import SourceError, read_source

    try:
        source = read_source(name, data)
        cut = limit_text(source)
        meeting = parse_source(source)
        _chunks, notes = cover(meeting, chunk_meeting(meeting, name), name)
        meeting.warnings.extend(([cut] if cut else []) + notes)
        return {"meeting": meeting.to_dict()}
    except SourceError as exc:
        return {"error": exc.reason}
    except MemoryError:
        return {"error": f"too large to parse within {memory_bytes // 2**20} MiB: refused"}
    except Exception as exc:  # a parser bug: one line, the other files still go on
        return {"error": f"could not be parsed ({type(exc).__name__}: {exc})"}


def _child_main(memory_bytes: int) -> None:
    """The child: limits first, then (name, bytes) pairs from stdin → result dicts on stdout."""
    import pickle
    import resource
    import sys

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    files = pickle.loads(sys.stdin.buffer.read())
    results = [_parse_one(name, data, memory_bytes) for name, data in files]
    sys.stdout.buffer.write(pickle.dumps(results))


def _write_file(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


__all__ = ["Library", "check_isolated", "parse_isolated", "parse_many_isolated", "upload_name"]

if __name__ == "__main__":
    import sys

    _child_main(int(sys.argv[1]))
