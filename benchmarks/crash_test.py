"""Crash test: kill -9 a writer (``qa index build`` / ``qa index update``) at random and at the critical
instants, then check what readers see, that the next writer recovers, and that nothing is left over.

    python -m benchmarks.crash_test                      # 36 trials (about 4 minutes), table on stdout
    python -m benchmarks.crash_test --trials 60 --max-seconds 900 --json results.json

Each trial starts from the same index content A (three minutes), adds a fourth file to the source
folder and starts a writer in a subprocess, which is killed:

* *random*: with SIGKILL after a random delay (0.2 s to the writer's usual run time);
* *critical*: by the writer itself at one of the instants where a crash leaves something behind
  (``QA_FAILPOINT``: temporary generation complete, generation renamed but not live, ``CURRENT.tmp``
  written but not renamed) — see :data:`qa.index.generations.FAILPOINTS`.

Then: the live index must answer exactly as content A or as content B (the completed write), never
anything else (*answers unchanged*); ``qa index stats``' tidy-up must leave no temporary file, no
orphan generation and at most CURRENT's generation and its predecessor (*leftovers*); a clean
rerun of the same write must succeed and answer as B (*recoveries*). The folder is then reset to A.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ("太仓市第29次常务会议由谁主持", "姑苏区碳达峰方案何时审议", "吴中区常务会议研究了哪些事项")
BASE = ("data/minutes/000_6d9facc7abbcbe20.txt", "data/minutes/004_dbcc9aac0766a0dd.txt", "data/external/ext_016.txt")
EXTRA = "data/minutes/002_8c407e3f08d337ae.txt"


def _answers(index: Path) -> list:
    from qa.api import open_assistant
    from qa.config import load_settings

    assistant = open_assistant(load_settings().with_overrides(index=index))
    try:
        out = []
        for question in QUESTIONS:
            answer = assistant.ask(question).to_dict()
            cited = [(c["source"], tuple(c["span"])) for c in answer["citations"]]
            out.append((answer["answer"], answer["found"], cited))
        return out
    finally:
        assistant.close()


def _leftovers(index: Path) -> list[str]:
    """What must not be there after a tidy-up: temp files, orphans, generations beyond two."""
    from qa.index.generations import current_generation

    live = current_generation(index).name
    names = sorted(p.name for p in index.iterdir())
    bad = [n for n in names if ".tmp-" in n]
    generations = [n for n in names if n.startswith("gen-")]
    bad += [n for n in generations if n > live]  # orphans
    older = [n for n in generations if n < live]
    bad += older[:-1]  # only the predecessor may stay
    return bad


def _write(kind: str, index: Path, source: Path) -> None:
    from qa.api import build_index, update_index
    from qa.config import load_settings

    settings = load_settings().with_overrides(index=index, source=source)
    (build_index if kind == "build" else update_index)(settings, show_progress=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=36, help="at least 30 (default 36)")
    parser.add_argument("--max-seconds", type=float, default=600, help="stop starting trials after this long")
    parser.add_argument("--work", default="/tmp/qa-crash", help="work folder (emptied first)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--json", help="write the per-trial results here")
    args = parser.parse_args(argv)
    from qa.index.generations import FAILPOINTS, tidy

    rng = random.Random(args.seed)
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    source, index = work / "source", work / "index"
    source.mkdir(parents=True)
    for name in BASE:
        shutil.copy(ROOT / name, source)
    _write("build", index, source)
    answers_a = _answers(index)
    shutil.copy(ROOT / EXTRA, source)
    started = time.perf_counter()
    _write("update", index, source)
    answers_b = _answers(index)
    usual = time.perf_counter() - started + 3.0  # a subprocess also loads Python and the model
    (source / Path(EXTRA).name).unlink()
    _write("update", index, source)
    assert answers_a != answers_b and _answers(index) == answers_a

    plan = []
    for n in range(args.trials):
        kind = ("update", "build")[n % 2]
        point = FAILPOINTS[(n // 2) % len(FAILPOINTS)] if n % 4 >= 2 else None
        plan.append((kind, point))
    results = []
    begun = time.perf_counter()
    for number, (kind, point) in enumerate(plan, 1):
        if time.perf_counter() - begun > args.max_seconds:
            break
        shutil.copy(ROOT / EXTRA, source)
        env = dict(os.environ)
        if point:
            env["QA_FAILPOINT"] = point
        command = [sys.executable, "-m", "qa.cli", "index", kind, "--index", str(index), "--quiet"]
        if kind == "build":
            command += ["--source", str(source)]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        delay = None
        if point:
            process.wait(timeout=300)
        else:
            delay = rng.uniform(0.2, usual)
            try:
                process.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
        killed = process.returncode == -signal.SIGKILL
        try:
            seen = _answers(index)
            unchanged = seen in (answers_a, answers_b)
        except Exception as exc:  # a reader that cannot open the index counts as a lost answer
            seen, unchanged = repr(exc), False
        before_tidy = _leftovers(index)
        tidy(index)
        leftovers = _leftovers(index)
        try:
            _write(kind, index, source)
            recovered = _answers(index) == answers_b
        except Exception:
            recovered = False
        (source / Path(EXTRA).name).unlink()
        _write("update", index, source)
        results.append(
            {
                "trial": number,
                "writer": kind,
                "instant": point or f"random {delay:.2f} s",
                "killed": killed,
                "answers_unchanged": unchanged,
                "left_by_crash": before_tidy,
                "leftovers_after_tidy": leftovers,
                "recovered": recovered,
            }
        )
        print(
            f"{number:3d} {kind:6s} {results[-1]['instant']:18s} killed={killed!s:5s} unchanged={unchanged!s:5s} "
            f"recovered={recovered!s:5s} leftovers={leftovers or '-'}",
            flush=True,
        )
    elapsed = time.perf_counter() - begun
    _table(results, elapsed)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    ok = all(r["answers_unchanged"] and r["recovered"] and not r["leftovers_after_tidy"] for r in results)
    return 0 if ok and len(results) >= 30 else 1


def _table(results: list[dict], elapsed: float) -> None:
    groups: dict[str, list[dict]] = {}
    for r in results:
        instant = "random" if r["instant"].startswith("random") else r["instant"]
        groups.setdefault(f"{r['writer']} · {instant}", []).append(r)
    print(
        "\n| writer · instant | trials | killed | answers unchanged | recoveries | left by the crash "
        "| leftovers after tidy |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, rows in [*sorted(groups.items()), ("**all**", results)]:
        print(
            f"| {name} | {len(rows)} | {sum(r['killed'] for r in rows)} | {sum(r['answers_unchanged'] for r in rows)} "
            f"| {sum(r['recovered'] for r in rows)} | {sum(bool(r['left_by_crash']) for r in rows)} "
            f"| {sum(bool(r['leftovers_after_tidy']) for r in rows)} |"
        )
    print(f"\n{len(results)} trials in {elapsed:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
