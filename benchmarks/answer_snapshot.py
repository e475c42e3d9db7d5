"""Every answer to the question files, as JSON, to prove a change leaves answers identical.

    python -m benchmarks.answer_snapshot --index IDX --out before.json Q1.jsonl Q2.jsonl ...
    python -m benchmarks.answer_snapshot --index IDX --compare before.json Q1.jsonl ...

Prints how many answers differ (text, found, evidence or citations) and the first differences.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from qa.api import open_assistant
from qa.config import load_settings
from qa.evaluate import load_questions


def snapshot(index: Path, files: list[Path]) -> dict[str, list[dict]]:
    """Ask every question of every file; keep what a person sees of each answer."""
    settings = load_settings().with_overrides(index=index)
    assistant = open_assistant(settings)
    try:
        out: dict[str, list[dict]] = {}
        for path in files:
            rows = []
            for item in load_questions(path):
                answer = assistant.ask(item["q"], k=5)
                rows.append(
                    {
                        "q": item["q"],
                        "answer": answer.answer,
                        "found": answer.found,
                        "evidence": None if answer.evidence is None else round(answer.evidence, 4),
                        "citations": [
                            {k: v for k, v in dataclasses.asdict(c).items() if k != "score"}
                            | {"score": round(c.score, 4)}
                            for c in answer.citations
                        ],
                    }
                )
            out[path.name] = rows
        return out
    finally:
        assistant.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    snap = snapshot(args.index, args.files)
    if args.out:
        args.out.write_text(json.dumps(snap, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        snap = json.loads(json.dumps(snap, ensure_ascii=False))  # tuples become lists, as on disk
        total = differ = 0
        for name, rows in snap.items():
            for old, new in zip(before.get(name, []), rows, strict=True):
                total += 1
                # A citation field added since the snapshot is new API, not a changed answer.
                known = {k for c in old["citations"] for k in c}
                if known:
                    new = new | {"citations": [{k: v for k, v in c.items() if k in known} for c in new["citations"]]}
                if old != new:
                    differ += 1
                    if differ <= 5:
                        print(f"DIFF {name}: {new['q']}")
                        print(f"  before: {old['answer'][:120]}\n  after:  {new['answer'][:120]}")
        print(f"{differ} of {total} answers differ")
    else:
        print(sum(len(rows) for rows in snap.values()), "answers")


if __name__ == "__main__":
    main()
