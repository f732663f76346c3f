"""Evaluation results as typed records: what `evaluate` measured, read by the report and written as JSON.

`to_dict` gives the JSON `python -m qa_app eval --json` has always printed, with its metric names
("recall@5", "mrr@10_95ci"), which are no Python names.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa_app.records import to_dict

Interval = tuple[float, float]  # a 95% interval: low, high


@dataclass(frozen=True)
class Retrieval:
    """One retrieval mode's ranks of the first gold passage among ten."""

    recall_at_1: float
    recall_at_3: float
    recall_at_5: float
    mrr_at_10: float
    recall_at_5_95ci: Interval
    mrr_at_10_95ci: Interval

    def to_dict(self) -> dict:
        return {_metric(k): v for k, v in to_dict(self).items()}


@dataclass(frozen=True)
class Level:
    """One confidence level: how many answers it gave, how many were right, how much it covers."""

    answers: int
    precision: float
    precision_95ci: Interval
    coverage: float  # share of answerable questions answered at this level or above

    def to_dict(self) -> dict:
        return to_dict(self)


@dataclass(frozen=True)
class Levels:
    high: Level
    medium: Level
    low: Level
    confident_on_unanswerable: float
    confident_on_unanswerable_95ci: Interval

    def to_dict(self) -> dict:
        return to_dict(self)


@dataclass(frozen=True)
class AnswerMetrics:
    """How right the answers were; a rate with a field `<name>_95ci` has that interval beside it."""

    wrong_report_citations: float
    answer_sentence_top1: float
    answer_sentence_top1_95ci: Interval
    answer_sentence_top3: float
    answer_sentence_top3_95ci: Interval
    citation_accuracy: float
    citation_accuracy_95ci: Interval
    answer_sentence_accuracy: float
    answer_sentence_accuracy_95ci: Interval
    factoid_exact_match: float
    factoid_f1: float
    factoid_questions: int
    abstention_precision: float
    abstention_recall: float
    false_refusal_rate: float
    refused_right: float
    levels: Levels

    def to_dict(self) -> dict:
        return to_dict(self)


@dataclass(frozen=True)
class Named:
    """The answerable questions that name their report (a place, year or framework)."""

    questions: int
    recall_at_5: float
    recall_at_5_95ci: Interval
    wrong_report_citations: float

    def to_dict(self) -> dict:
        return {_metric(k): v for k, v in to_dict(self).items()}


@dataclass(frozen=True)
class EvalResult:
    """One evaluation run on a dataset."""

    dataset: str
    questions: int
    answerable: int
    retrieval: dict[str, Retrieval]  # by mode: dense, lexical, hybrid
    answers: AnswerMetrics
    latency_ms: dict[str, float]  # search_p50, search_p95, ask_p50, ask_p95 (search only with answerable questions)
    named: Named | None = None

    def to_dict(self) -> dict:
        out = {
            "dataset": self.dataset,
            "questions": self.questions,
            "answerable": self.answerable,
            "retrieval": {mode: r.to_dict() for mode, r in self.retrieval.items()},
            "answers": self.answers.to_dict(),
            "latency_ms": self.latency_ms,
        }
        return out | ({"named": self.named.to_dict()} if self.named else {})


def _metric(name: str) -> str:
    """ "recall_at_5_95ci" as the metric is named: "recall@5_95ci"."""
    return name.replace("_at_", "@")
