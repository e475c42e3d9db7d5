"""Shared fixtures: the shipped corpora, one parse of each file and one index of each corpus per session.

Embedding is the slow step, so every index in the test session (and every subprocess the tests
start) shares one embedding cache: a text is embedded once, ever, per checkout.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "minutes"
EXTERNAL = ROOT / "data" / "external"
EVAL = ROOT / "data" / "eval"
FIXTURES = ROOT / "tests" / "fixtures"

# Set before anything reads settings, so subprocesses (qa …) inherit it too.
os.environ.setdefault("QA_CACHE_DIR", str(ROOT / ".pytest_cache" / "embeddings"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def sample(prefix: str) -> Path:
    """The sample minutes whose file name starts with ``prefix`` (000 … 004)."""
    return next(SAMPLES.glob(prefix + "_*"))


@pytest.fixture(scope="session")
def external_index() -> list[dict[str, str]]:
    """Rows of data/external/INDEX.tsv: what a person read off each external file."""
    with open(EXTERNAL / "INDEX.tsv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="session")
def parsed_external(external_index):
    """Every external file parsed once for the whole session."""
    from qa.minutes import parse_file

    return {row["file"]: parse_file(EXTERNAL / row["file"]) for row in external_index}


@pytest.fixture(scope="session")
def parsed_samples():
    from qa.minutes import parse_file

    return {path.name[:3]: parse_file(path) for path in sorted(SAMPLES.iterdir())}


# ---- tiers ---------------------------------------------------------------------------------------
# tests/unit needs no model, no index and no child process; every other folder does (index: the
# storage contract and writers; quality: answers with the real embedder; e2e: CLI, web, browser,
# MCP, benchmarks). `-m "not slow"` is the unit tier.
COSTLY_TIERS = ("index", "quality", "e2e")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.parent.name in COSTLY_TIERS:
            item.add_marker(pytest.mark.slow)


# ---- a small folder to change ---------------------------------------------------------------------


@pytest.fixture()
def small_corpus(tmp_path) -> Path:
    """Three minutes (samples 000 and 004, ext_016) in a folder of the test's own."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("000", "004"):
        shutil.copy(sample(name), source)
    shutil.copy(EXTERNAL / "ext_016.txt", source)
    return source


def change_small_corpus(folder: Path) -> Path:
    """One of each change an update meets: a file added (ext_037.pdf), one edited (an item of
    sample 004 gains 「四个到位」), one removed (ext_016.txt). Returns the edited file."""
    shutil.copy(EXTERNAL / "ext_037.pdf", folder)
    changed = folder / sample("004").name
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("三管三必须", "三管三必须、四个到位"), encoding="utf-8"
    )
    (folder / "ext_016.txt").unlink()
    return changed


# ---- indexes -------------------------------------------------------------------------------------


def settings_for(index: Path, source: Path | None = None):
    """Settings pointing at a test index (environment defaults otherwise)."""
    from qa.config import load_settings

    return load_settings().with_overrides(index=index, source=source)


def _build(tmp_root: Path, name: str, folders: list[Path], backend: str | None = None) -> Path:
    from qa.api import build_index

    source = tmp_root / f"{name}-source"
    source.mkdir()
    for folder in folders:
        for path in folder.iterdir():
            if path.is_file():
                shutil.copy(path, source / path.name)
    index = tmp_root / f"{name}-index"
    report = build_index(settings_for(index, source).with_overrides(backend=backend), show_progress=False)
    assert not report.errors, report.errors
    return index


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """An index of the five sample minutes (data/minutes)."""
    return _build(tmp_path_factory.mktemp("idx"), "samples", [SAMPLES])


@pytest.fixture(scope="session")
def milvus_index(tmp_path_factory, sample_index) -> Path:
    """The five sample minutes in Milvus (milvus-lite inside the index directory); built after
    ``sample_index``, so every vector comes from the embedding cache."""
    return _build(tmp_path_factory.mktemp("milvus"), "samples", [SAMPLES], backend="milvus")


@pytest.fixture(scope="session")
def external_index_dir(tmp_path_factory) -> Path:
    """An index of the 42 external minutes (data/external)."""
    return _build(tmp_path_factory.mktemp("idx"), "external", [EXTERNAL])


@pytest.fixture(scope="session")
def combined_index(tmp_path_factory, sample_index, external_index_dir) -> Path:
    """One index over both folders (5 + 42 meetings); built after the others, so all from cache."""
    return _build(tmp_path_factory.mktemp("idx"), "combined", [SAMPLES, EXTERNAL])


@pytest.fixture(scope="session")
def sample_assistant(sample_index):
    from qa.api import open_assistant

    assistant = open_assistant(settings_for(sample_index))
    yield assistant
    assistant.close()


@pytest.fixture(scope="session")
def milvus_assistant(milvus_index):
    from qa.api import open_assistant

    assistant = open_assistant(settings_for(milvus_index))  # no backend given: the index says milvus
    yield assistant
    assistant.close()


@pytest.fixture(scope="session")
def external_assistant(external_index_dir):
    from qa.api import open_assistant

    assistant = open_assistant(settings_for(external_index_dir))
    yield assistant
    assistant.close()


@pytest.fixture(scope="session")
def combined_assistant(combined_index):
    from qa.api import open_assistant

    assistant = open_assistant(settings_for(combined_index))
    yield assistant
    assistant.close()
