"""The manifest of a generation (what built it, what is in it) and the one way to read the live one."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.index.errors import BackendMismatch, DamagedIndex, FormatMismatch, StoreError, rebuild_fix
from qa.index.generations import MANIFEST, current_generation, write_atomic

# 4: chunks.date_partial; one documents row per meeting of a file (<file>#2). 5: chunks.ocr_confidence.
FORMAT_VERSION = 5


@dataclass
class Manifest:
    """What built a generation, and what is in it."""

    generation: int
    embedder: str
    model: str
    embedder_key: str
    dim: int
    index_type: str = "flat"
    backend: str = "faiss"
    source: str | None = None
    documents: int = 0
    chunks: int = 0
    created: str = ""
    updated: str = ""
    format: int = FORMAT_VERSION
    extra: dict = field(default_factory=dict)
    base_chunks: int = 0  # rows of the base segment (deleted ones included)
    delta_chunks: int = 0  # rows of the delta segment
    deleted: int = 0  # base rows no longer live
    next_cid: int = 1  # chunk ids are never reused

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """Parse one ``manifest.json`` (unknown fields ignored). Raises OSError, ValueError or TypeError."""
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def write(self, path: Path) -> None:
        """Write it atomically."""
        write_atomic(path, json.dumps(asdict(self), ensure_ascii=False, indent=1))


@dataclass
class Live:
    """The live generation of an index: its folder and its manifest."""

    path: Path
    manifest: Manifest


def read_live(index_dir: Path, fix: str | None = None, backend: str | None = None, check_format: bool = True) -> Live:
    """The live generation and its manifest, checked; every failure is a one-line :class:`StoreError`.

    Args:
        index_dir: the index directory.
        fix: the instruction ending an error («rebuild it with: qa index build …»; default: a rebuild).
        backend: when given, a manifest held by another backend is refused.
        check_format: refuse a manifest of another on-disk format version (off to learn only what an
            old index records, e.g. its backend, before rebuilding it).

    Raises:
        NoIndex, DamagedIndex (no pointer target, unreadable or invalid manifest), FormatMismatch,
        BackendMismatch.
    """
    fix = fix or rebuild_fix(index_dir)
    try:
        path = current_generation(index_dir)
    except OSError as exc:  # CURRENT unreadable
        raise DamagedIndex(index_dir, f"CURRENT: {type(exc).__name__}", fix) from None
    try:
        manifest = Manifest.read(path / MANIFEST)
    except (OSError, ValueError, TypeError) as exc:  # unreadable, truncated or hand-edited JSON, wrong fields
        reason = "truncated or invalid JSON" if isinstance(exc, ValueError) else type(exc).__name__
        raise DamagedIndex(index_dir, f"{path.name}/{MANIFEST}: {reason}", fix) from None
    if check_format and manifest.format != FORMAT_VERSION:
        raise FormatMismatch(index_dir, manifest.format, FORMAT_VERSION, fix)
    if backend is not None and manifest.backend != backend:
        raise BackendMismatch(
            f"index at {index_dir} is held by {manifest.backend}, not {backend} (open it with qa.api.open_reader)",
            manifest.backend,
            backend,
        )
    return Live(path, manifest)


def live_or_none(index_dir: Path) -> Manifest | None:
    """What the live generation records (any format), or None when there is no readable index."""
    try:
        return read_live(index_dir, check_format=False).manifest
    except StoreError:
        return None
