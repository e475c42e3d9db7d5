"""Shared fixtures: paths to the shipped corpora and one parse of each file per session."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "minutes"
EXTERNAL = ROOT / "data" / "external"
EVAL = ROOT / "data" / "eval"


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
