"""Opening one generation for reading: its manifest, its SQLite content and its analyzer.

:class:`GenerationReader` is what every backend's reader starts from: it resolves the live
generation, checks its manifest (format, backend), connects its SQLite content and loads the
analyzer its text was analysed with, then lets the backend load its own part (:meth:`_load`).
Anything that fails while loading is one line saying the index is damaged and how to rebuild it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from qa.index.content import ContentStore, connect
from qa.index.errors import DamagedIndex, StoreError
from qa.index.generations import disk_usage
from qa.index.manifest import read_live
from qa.index.terms import generation_analyzer


class GenerationReader(ContentStore, ABC):
    """One live generation, loaded: ``index_dir``, ``generation_dir``, ``manifest``, ``db``, ``analyzer``.

    Args:
        index_dir: the index directory.
        fix: the instruction ending a «damaged» error (how to rebuild with this backend).
    """

    backend: ClassVar[str]  # the manifest's ``backend`` this reader opens

    def __init__(self, index_dir: Path | str, fix: str):
        self.index_dir = Path(index_dir)
        live = read_live(self.index_dir, fix, backend=self.backend)
        self.generation_dir, self.manifest = live.path, live.manifest
        try:
            super().__init__(connect(self.generation_dir))
            self.analyzer = generation_analyzer(self.generation_dir)
            self._load()
        except Exception as exc:
            if hasattr(self, "db"):
                self.db.close()
            if isinstance(exc, StoreError):
                raise
            raise DamagedIndex(self.index_dir, f"{type(exc).__name__}: {exc}", fix) from None

    @abstractmethod
    def _load(self) -> None:
        """Load the backend's part of the generation (any failure: the index is damaged)."""

    def generation_stats(self, chunks: int, dates: list[int] | None, regions: list[str]) -> dict:
        """The statistics every backend reports: counts, regions, date range, embedder, size on disk."""
        size = sum(p.stat().st_size for p in self.generation_dir.iterdir() if p.is_file())
        return {
            "index": str(self.index_dir),
            "generation": self.generation_dir.name,
            "backend": self.manifest.backend,
            "documents": self.document_count(),
            "chunks": chunks,
            "regions": regions,
            "date_range": [_iso(dates[0]), _iso(dates[1])] if dates else None,
            "embedder": self.manifest.embedder,
            "model": self.manifest.model,
            "dim": self.manifest.dim,
            "index_type": self.manifest.index_type,
            "source": self.manifest.source,
            "size_bytes": size,
            # Rows of the base that a later write replaced or removed (dropped at the next merge).
            "tombstones": self.tombstones(),
            "disk_bytes": disk_usage(self.index_dir),
            "generations": sorted(p.name for p in self.index_dir.glob("gen-*") if p.is_dir()),
            "updated": self.manifest.updated,
            "folded": self.folding.counts(),
        }


def _iso(value: int) -> str:
    text = str(value)
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"
