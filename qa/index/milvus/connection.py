"""Milvus URIs, connections and errors: every failure of a Milvus call is one line naming the fix."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pymilvus  # noqa: F401  (imported first: it configures its loggers, which are quietened below)

from qa.index.errors import MilvusUnavailable, StoreError

if TYPE_CHECKING:
    from pymilvus import MilvusClient

CONNECT_TIMEOUT = 10.0

# pymilvus logs every failed call with a traceback on stderr; we report one line ourselves.
for _name in ("pymilvus", "pymilvus.milvus_client", "pymilvus.bulk_writer", "milvus_lite"):
    logging.getLogger(_name).setLevel(logging.CRITICAL + 1)
# milvus-lite analyses text with jieba's global tokenizer, which announces loading its dictionary;
# its in-process gRPC server logs calls it does not implement (pymilvus's AllocTimestamp while
# waiting for an index), which pymilvus survives.
logging.getLogger("jieba").setLevel(logging.WARNING)
logging.getLogger("grpc._server").setLevel(logging.CRITICAL + 1)


# ---------------------------------------------------------------------------------------------
# URIs and names
# ---------------------------------------------------------------------------------------------


def is_lite(uri: str) -> bool:
    """Whether a URI names a milvus-lite database (a local ``.db`` path) rather than a server."""
    return "://" not in uri and not uri.startswith("unix:")


def default_uri(index_dir: Path | str) -> str:
    """milvus-lite inside the index directory."""
    return str(Path(index_dir) / "milvus.db")


def display_uri(uri: str) -> str:
    """A URI without credentials (what messages and manifests show)."""
    if is_lite(uri):
        return uri
    parts = urllib.parse.urlsplit(uri)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return uri


def record_uri(uri: str, index_dir: Path | str) -> str:
    """The URI as the manifest keeps it: a lite database inside the index relative to it, no credentials."""
    if is_lite(uri):
        path, root = Path(uri).resolve(), Path(index_dir).resolve()
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    return display_uri(uri)


def resolve_uri(recorded: str, index_dir: Path | str) -> str:
    """The URI a manifest records, a relative lite path taken inside the index directory."""
    if is_lite(recorded) and not os.path.isabs(recorded):
        return str(Path(index_dir) / recorded)
    return recorded


def alias_for(index_dir: Path | str) -> str:
    """The collection alias of an index: its folder name and a hash of its absolute path."""
    path = Path(index_dir).resolve()
    slug = re.sub(r"[^A-Za-z0-9]+", "_", path.name).strip("_")[:32] or "index"
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    return f"qa_{slug}_{digest}"


def rebuild_hint(index_dir: Path, uri: str) -> str:
    """The command that rebuilds a Milvus-backed index on ``uri``."""
    flag = "" if uri == default_uri(index_dir) else f" --milvus-uri {display_uri(uri)}"
    return f"qa index build --backend milvus{flag} --index {index_dir}"


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _is_milvus_error(exc: BaseException) -> bool:
    from pymilvus.exceptions import MilvusException

    try:
        import grpc

        return isinstance(exc, MilvusException | grpc.RpcError)
    except ImportError:  # pragma: no cover - a dependency of pymilvus
        return isinstance(exc, MilvusException)


@contextlib.contextmanager
def milvus_errors(what: str, uri: str, fix: str) -> Iterator[None]:
    """Milvus failures as one-line :class:`MilvusUnavailable` errors naming what failed and how to fix it."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if not _is_milvus_error(exc):
            raise
        raise MilvusUnavailable(
            f"Milvus at {display_uri(uri)} could not {what} ({_one_line(exc)}); {fix}", fix
        ) from None


# ---------------------------------------------------------------------------------------------
# connections
# ---------------------------------------------------------------------------------------------

_LITE_LOCK = threading.Lock()
_LITE_USERS: dict[str, int] = {}


class Connection:
    """A ``MilvusClient`` for one URI. milvus-lite databases are served in-process and shared by
    every connection to them; the last one closed releases the database (and its lock), so that
    another process — a ``qa`` command after a test, a server after a build — can open it."""

    def __init__(self, uri: str, token: str | None, client: MilvusClient):
        self.uri = uri
        self.token = token
        self.client = client
        self._closed = False

    @classmethod
    def open(cls, uri: str, token: str | None = None, fix: str = "") -> Connection:
        """Connect, or raise a one-line :class:`MilvusUnavailable` (unreachable server, lite database in use)."""
        from pymilvus import MilvusClient

        fix = fix or "start it, or point --milvus-uri / QA_MILVUS_URI at a running Milvus"
        lite = is_lite(uri)
        path = os.path.abspath(uri) if lite else ""
        if lite:
            if not Path(path).parent.is_dir():
                raise MilvusUnavailable(
                    f"cannot open milvus-lite database {uri}: folder {Path(path).parent} does not exist"
                )
            with _LITE_LOCK:
                _LITE_USERS[path] = _LITE_USERS.get(path, 0) + 1
        try:
            client = MilvusClient(uri, token=token or "", timeout=CONNECT_TIMEOUT)
        except Exception as exc:
            if lite:
                cls._release_lite(path)
                if _locked_elsewhere(path):
                    fix_lite = "stop it and try again, or use a Milvus server (--milvus-uri http://HOST:19530)"
                    raise MilvusUnavailable(
                        f"milvus-lite database {uri} is in use by another process (a running qa serve?); {fix_lite}",
                        fix_lite,
                    ) from None
            if not _is_milvus_error(exc):
                raise
            raise MilvusUnavailable(
                f"cannot reach Milvus at {display_uri(uri)} ({_one_line(exc)}); {fix}", fix
            ) from None
        return cls(uri, token, client)

    def close(self) -> None:
        """Close the client (the last connection to a lite database releases it)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self.client.close()
        if is_lite(self.uri):
            self._release_lite(os.path.abspath(self.uri))

    @staticmethod
    def _release_lite(path: str) -> None:
        with _LITE_LOCK:
            users = _LITE_USERS.get(path, 0) - 1
            if users > 0:
                _LITE_USERS[path] = users
                return
            _LITE_USERS.pop(path, None)
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(path)


def _locked_elsewhere(path: str) -> bool:
    """Whether another process holds a milvus-lite database's lock file."""
    lock = Path(path) / "LOCK"
    if not lock.exists():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False
