"""The reader alone on SQuAD-format questions with their gold paragraph: EM and F1 as SQuAD defines them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa_app.measure.scoring import exact_match, f1_score, mean_interval

# (question, paragraph) -> the predicted span text ("" when the reader has none)
SpanPredictor = Callable[[str, str], str]


@dataclass(frozen=True)
class ReadingScore:
    """EM and F1 (0-100) over `questions`, with 95% bootstrap intervals for F1, and the time a question took."""

    name: str
    questions: int
    exact_match: float
    f1: float
    f1_interval: tuple[float, float]
    ms_per_question: float


def score_reader(name: str, predict: SpanPredictor, examples: Sequence) -> ReadingScore:
    """Each example's best-scoring gold answer counts, as in the official SQuAD script."""
    ems, f1s = [], []
    began = time.perf_counter()
    for e in examples:
        predicted = predict(e.question, e.context)
        golds = [text for text, _ in e.answers] or [""]
        ems.append(max(exact_match(predicted, g) for g in golds))
        f1s.append(max(f1_score(predicted, g) for g in golds))
    elapsed = time.perf_counter() - began
    low, high = mean_interval(f1s)
    n = max(1, len(examples))
    return ReadingScore(name, len(examples), 100 * sum(ems) / n, 100 * sum(f1s) / n, (100 * low, 100 * high), 1000 * elapsed / n)


def format_scores(scores: Sequence[ReadingScore]) -> str:
    lines = ["| reader | questions | EM | F1 (95% interval) | ms/question |", "|---|---:|---:|---:|---:|"]
    for s in scores:
        lines.append(
            f"| {s.name} | {s.questions} | {s.exact_match:.1f} | {s.f1:.1f} ({s.f1_interval[0]:.1f}–{s.f1_interval[1]:.1f}) "
            f"| {s.ms_per_question:.0f} |"
        )
    return "\n".join(lines)
