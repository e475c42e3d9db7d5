"""Evaluation on question files: Recall@1, Recall@5, MRR and answer accuracy.

Question file format (JSON lines): ``q`` the question; ``gold`` strings of which any appears in the
right chunk; ``answer_all`` groups of strings — every group must have one string in the answer;
``expect_no_answer`` true when the minutes do not cover the question (the answer must say so).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.answer import Answer
from qa.api import Assistant
from qa.normalize import normalize_query


@dataclass
class QuestionResult:
    id: str
    question: str
    qtype: str
    rank: int | None  # 1-based rank of the first citation holding a gold string
    correct: bool  # the answer satisfies answer_all (or says "not found" when expected)
    found: bool
    expect_no_answer: bool
    answer: str
    seconds: float
    evidence: float | None = None  # the score «not found» was decided on (None: decided otherwise)


@dataclass
class Report:
    """Metrics over a question file."""

    results: list[QuestionResult] = field(default_factory=list)

    def metrics(self, results: list[QuestionResult] | None = None) -> dict[str, float]:
        results = self.results if results is None else results
        retrieval = [r for r in results if not r.expect_no_answer]
        n = max(len(retrieval), 1)
        return {
            "questions": len(results),
            "recall@1": sum(1 for r in retrieval if r.rank == 1) / n,
            "recall@5": sum(1 for r in retrieval if r.rank is not None and r.rank <= 5) / n,
            "mrr": sum(1.0 / r.rank for r in retrieval if r.rank) / n,
            "answer_accuracy": sum(1 for r in results if r.correct) / max(len(results), 1),
            "no_answer_correct": sum(1 for r in results if r.expect_no_answer and r.correct),
            "no_answer_questions": sum(1 for r in results if r.expect_no_answer),
            "refused": sum(1 for r in results if not r.expect_no_answer and not r.found),
            "answerable": len(retrieval),
            "mean_seconds": sum(r.seconds for r in results) / max(len(results), 1),
        }

    def by_type(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[QuestionResult]] = defaultdict(list)
        for result in self.results:
            groups["no_answer" if result.expect_no_answer else result.qtype].append(result)
        return {qtype: self.metrics(items) for qtype, items in sorted(groups.items())}

    def to_dict(self) -> dict:
        return {"metrics": self.metrics(), "by_type": self.by_type(), "results": [asdict(r) for r in self.results]}


def load_questions(path: Path | str) -> list[dict]:
    """Read a JSON-lines question file; one-line errors name the line that is wrong."""
    questions = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(item, dict) or not isinstance(item.get("q"), str):
                raise ValueError(f"{path}:{number}: each line needs a string field 'q'")
            questions.append(item)
    return questions


def gold_rank(answer: Answer, gold: Iterable[str]) -> int | None:
    """Rank of the first citation whose chunk holds any gold string (spacing and width ignored)."""
    golds = [g for g in gold if g]
    keys = [_key(g) for g in golds]
    for citation in answer.citations:
        text = citation.text
        key = _key(text)
        if any(g in text for g in golds) or any(k in key for k in keys):
            return citation.rank
    return None


def _key(text: str) -> str:
    return "".join(normalize_query(text).split())


def is_correct(answer: Answer, item: dict) -> bool:
    """Every answer_all group has a string in the answer; or «not found» when none is expected."""
    if item.get("expect_no_answer"):
        return not answer.found
    if not answer.found:
        return False
    text = answer.answer
    key = _key(text)
    return all(any(s in text or _key(s) in key for s in group) for group in item.get("answer_all", []))


def evaluate(assistant: Assistant, questions: list[dict], k: int = 5) -> Report:
    """Ask every question and score retrieval and answers."""
    report = Report()
    for index, item in enumerate(questions):
        started = time.perf_counter()
        answer = assistant.ask(item["q"], k=k)
        seconds = time.perf_counter() - started
        report.results.append(
            QuestionResult(
                id=str(item.get("id", index + 1)),
                question=item["q"],
                qtype=answer.question_type,
                rank=gold_rank(answer, item.get("gold", [])),
                correct=is_correct(answer, item),
                found=answer.found,
                expect_no_answer=bool(item.get("expect_no_answer")),
                answer=answer.answer,
                seconds=seconds,
                evidence=answer.evidence,
            )
        )
    return report


def format_report(report: Report, title: str = "") -> str:
    """A plain-text table of the metrics and the misses."""
    m = report.metrics()
    lines = []
    if title:
        lines.append(title)
    for result in report.results:
        if result.correct and (result.expect_no_answer or result.rank == 1):
            continue
        rank = "-" if result.expect_no_answer else (result.rank or "miss")
        lines.append(f"  {result.id} [{result.qtype}] rank={rank} correct={result.correct}: {result.question}")
    lines.append(f"questions        {m['questions']}")
    lines.append(f"Recall@1         {m['recall@1']:.3f}")
    lines.append(f"Recall@5         {m['recall@5']:.3f}")
    lines.append(f"MRR              {m['mrr']:.3f}")
    lines.append(f"answer accuracy  {m['answer_accuracy']:.3f}")
    lines.append(f"no-answer        {m['no_answer_correct']}/{m['no_answer_questions']} answered «not found»")
    lines.append(f"refused          {m['refused']}/{m['answerable']} answerable questions answered «not found»")
    return "\n".join(lines)


THRESHOLDS = (-0.2, -0.1, 0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)


def threshold_table(report: Report, thresholds: Iterable[float] = THRESHOLDS) -> str:
    """How «not found» trades refusals of answerable questions against answers to no-answer ones.

    Only questions decided on the evidence score count (lists, «最近一次» and lookups are decided
    otherwise); the others keep their outcome in every row.
    """
    lines = [
        "| threshold | answerable refused | no-answer answered |",
        "|---|---|---|",
    ]
    for t in thresholds:
        refused = answered = 0
        for r in report.results:
            found = r.found if r.evidence is None else r.evidence >= t
            if r.expect_no_answer and found:
                answered += 1
            elif not r.expect_no_answer and not found:
                refused += 1
        n_ok = sum(1 for r in report.results if not r.expect_no_answer)
        n_no = sum(1 for r in report.results if r.expect_no_answer)
        lines.append(f"| {t:.2f} | {refused}/{n_ok} | {answered}/{n_no} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# retriever comparison
# ---------------------------------------------------------------------------------------------

# Every retriever, with and without the filters parsed from questions (region, date, meeting number).
# «plain» is plain hybrid search (dense + BM25 over the whole question, no question-derived filter):
# the recall floor the full pipeline (hybrid, filters on) must never fall below.
COMPARISONS: tuple[tuple[str, bool], ...] = (
    ("plain", False),
    *((mode, filters) for mode in ("bm25", "dense", "hybrid") for filters in (True, False)),
)


@dataclass
class Comparison:
    """Reports of one question file under several retrieval configurations."""

    runs: list[tuple[str, bool, Report]] = field(default_factory=list)  # (mode, use_filters, report)

    def to_dict(self) -> dict:
        return {
            "runs": [
                {"mode": mode, "filters": filters, "metrics": r.metrics(), "by_type": r.by_type()}
                for mode, filters, r in self.runs
            ]
        }


def compare(reader, embedder, questions: list[dict], k: int = 5, configs=COMPARISONS) -> Comparison:
    """Evaluate the questions once per (retriever, filters) configuration over one open index.

    Args:
        reader: an open index (:class:`qa.index.backend.BackendReader`).
        embedder: the index's (cached) embedder; question vectors are embedded once and reused.
        configs: (mode, use_filters) pairs; mode is ``bm25``, ``dense`` or ``hybrid``.
    """
    from qa.answer import Answerer
    from qa.search import Searcher

    comparison = Comparison()
    if questions:
        # Warm-up (lazy tables, first touches of memory-mapped files) so the timings compare.
        searcher = Searcher(reader, embedder)
        Answerer(searcher).ask(questions[0]["q"], k=k)
    for mode, filters in configs:
        searcher = Searcher(reader, embedder, mode=mode, use_filters=filters)
        assistant = Assistant(reader, searcher, Answerer(searcher))
        comparison.runs.append((mode, filters, evaluate(assistant, questions, k=k)))
    return comparison


def format_comparison(comparison: Comparison, title: str = "") -> str:
    """Two Markdown tables: overall metrics per configuration, then Recall@1 / accuracy per question type."""
    lines = [title, ""] if title else []
    lines.append(
        "| retriever | filters | Recall@1 | Recall@5 | MRR | answer accuracy | no-answer refused | answerable refused "
        "| ms/question |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for mode, filters, report in comparison.runs:
        m = report.metrics()
        lines.append(
            f"| {mode} | {'on' if filters else 'off'} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['mrr']:.3f} "
            f"| {m['answer_accuracy']:.3f} | {m['no_answer_correct']}/{m['no_answer_questions']} "
            f"| {m['refused']}/{m['answerable']} | {1000 * m['mean_seconds']:.0f} |"
        )
    types: list[str] = []
    for _mode, _filters, report in comparison.runs:
        types += [t for t in report.by_type() if t not in types]
    if types:
        counts = {t: int(comparison.runs[0][2].by_type().get(t, {}).get("questions", 0)) for t in types}
        lines += ["", "Recall@1 / answer accuracy by question type (questions of each type in brackets):", ""]
        lines.append("| retriever | filters | " + " | ".join(f"{t} ({counts[t]})" for t in types) + " |")
        lines.append("|---|---|" + "---|" * len(types))
        for mode, filters, report in comparison.runs:
            by_type = report.by_type()
            cells = []
            for qtype in types:
                m = by_type.get(qtype)
                if m is None:
                    cells.append("—")
                elif qtype == "no_answer":
                    cells.append(f"–/{m['answer_accuracy']:.2f}")
                else:
                    cells.append(f"{m['recall@1']:.2f}/{m['answer_accuracy']:.2f}")
            lines.append(f"| {mode} | {'on' if filters else 'off'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
