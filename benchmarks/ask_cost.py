"""What answering costs next to embedding the question alone (the target: at most 1.5×).

    python -m benchmarks.ask_cost --index /tmp/index data/eval/dev_questions.jsonl [more.jsonl …]

Each question is asked as ``qa ask --json`` in batch does (one process, the live index), with
question vectors never cached; the same questions are then only embedded. Prints the medians and
means per question and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

from qa.api import open_assistant
from qa.config import load_settings
from qa.embed import CachedEmbedder
from qa.evaluate import load_questions
from qa.normalize import normalize_query


class _UncachedQueries(CachedEmbedder):
    """Passages (sentence vectors) from the cache, questions always embedded."""

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="+")
    parser.add_argument("--index", required=True)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    settings = load_settings().with_overrides(index=args.index)
    assistant = open_assistant(settings)
    embedder = assistant.searcher.embedder
    assistant.searcher.embedder = _UncachedQueries(embedder.inner, embedder.cache)
    questions = [q["q"] for path in args.questions for q in load_questions(path)]
    assistant.ask(questions[0])  # warm-up
    ask, embed = [], []
    for _ in range(args.repeats):
        for question in questions:
            started = time.perf_counter()
            assistant.ask(question).to_dict()
            ask.append(time.perf_counter() - started)
            started = time.perf_counter()
            embedder.inner.embed_queries([normalize_query(question)])
            embed.append(time.perf_counter() - started)
    ms = 1000
    print(f"questions {len(questions)} × {args.repeats}")
    print(f"embed only   median {statistics.median(embed) * ms:6.1f} ms   mean {statistics.mean(embed) * ms:6.1f} ms")
    print(f"qa ask       median {statistics.median(ask) * ms:6.1f} ms   mean {statistics.mean(ask) * ms:6.1f} ms")
    print(
        f"ratio        median {statistics.median(ask) / statistics.median(embed):.2f}×   "
        f"mean {statistics.mean(ask) / statistics.mean(embed):.2f}×"
    )
    assistant.close()


if __name__ == "__main__":
    main()
