"""Scoring of retrieval and answers against gold questions (see eval-format.md), and latency summaries.

Pure functions of their inputs, but for `load_gold`, which reads a file, and `timed`, which reads the clock.
"""

from __future__ import annotations

import collections
import json
import math
import re
import string
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from qa_app.records import Record

QUESTION_TYPES = frozenset(
    {"number", "percent", "date", "person", "judgement", "yesno", "explanation", "list", "location", "unanswerable", "compare"}
)


class GoldFormatError(ValueError):
    """A line of the gold file does not follow eval-format.md."""


@dataclass(frozen=True)
class GoldQuestion(Record):
    id: str
    question: str
    evidence: tuple[str, ...]
    paragraphs: tuple[int, ...]
    answer: str | None
    type: str
    answerable: bool
    doc: str | None = None  # in a set over several reports: the report whose passages count


@dataclass(frozen=True)
class AbstentionScores:
    """Abstention as the positive class: did the assistant refuse exactly when it should?"""

    precision: float  # correct abstentions / all abstentions
    recall: float  # correct abstentions / unanswerable questions
    false_refusal_rate: float  # answerable questions refused / answerable questions


def _gold_from_dict(data: object) -> GoldQuestion:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    missing = {"id", "question", "evidence", "paragraphs", "answer", "type", "answerable"} - data.keys()
    if missing:
        raise ValueError(f"missing keys {sorted(missing)}")
    evidence, paragraphs, answer = data["evidence"], data["paragraphs"], data["answer"]
    if not isinstance(data["id"], str) or not isinstance(data["question"], str) or not data["question"].strip():
        raise ValueError("'id' and 'question' must be non-empty strings")
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise ValueError("'evidence' must be a list of strings")
    # bool is an int subclass; a paragraph number of `true` is a typo, not paragraph 1.
    if not isinstance(paragraphs, list) or not all(type(p) is int for p in paragraphs):
        raise ValueError("'paragraphs' must be a list of integers")
    if answer is not None and not isinstance(answer, str):
        raise ValueError("'answer' must be a string or null")
    if data["type"] not in QUESTION_TYPES:
        raise ValueError(f"'type' must be one of {sorted(QUESTION_TYPES)}, not {data['type']!r}")
    if not isinstance(data["answerable"], bool):
        raise ValueError("'answerable' must be true or false")
    if data.get("doc") is not None and not isinstance(data["doc"], str):
        raise ValueError("'doc' must be a report's file name without extension, or null")
    return GoldQuestion(
        id=data["id"],
        question=data["question"],
        evidence=tuple(evidence),
        paragraphs=tuple(paragraphs),
        answer=answer,
        type=data["type"],
        answerable=data["answerable"],
        doc=data.get("doc"),
    )


_FIX = "fix the line as described in eval-format.md"


def load_gold(path: str | Path) -> list[GoldQuestion]:
    """Read a gold `.jsonl` file; a malformed line raises GoldFormatError naming the file and line."""
    path = Path(path)
    questions: list[GoldQuestion] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                question = _gold_from_dict(json.loads(line))
            except json.JSONDecodeError as err:
                raise GoldFormatError(f"{where}: not valid JSON ({err.msg} at column {err.colno}); {_FIX}") from None
            except ValueError as err:
                raise GoldFormatError(f"{where}: {err}; {_FIX}") from None
            if question.id in seen:
                raise GoldFormatError(f"{where}: id {question.id!r} is used twice; give each question its own id")
            seen.add(question.id)
            questions.append(question)
    return questions


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


def is_hit(passage_text: str, paragraph: int | None, gold: GoldQuestion, doc_id: str | None = None) -> bool:
    """A passage is a hit when it comes from the gold report (when the gold names one) and its paragraph is
    a gold paragraph or its text contains a gold evidence string."""
    if gold.doc is not None and doc_id != gold.doc:
        return False
    if paragraph is not None and paragraph in gold.paragraphs:
        return True
    text = collapse_whitespace(passage_text)
    return any(collapse_whitespace(evidence) in text for evidence in gold.evidence)


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions with a hit among the first k passages; 0.0 for no questions."""
    if not ranks:
        return 0.0
    return sum(1 for rank in ranks if rank is not None and rank <= k) / len(ranks)


def mrr_at_k(ranks: Sequence[int | None], k: int = 10) -> float:
    """Mean of 1/rank of the first hit, counting hits beyond rank k (and misses) as 0."""
    if not ranks:
        return 0.0
    return sum(1 / rank for rank in ranks if rank is not None and rank <= k) / len(ranks)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lowercase, drop punctuation and articles, collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str) -> float:
    """SQuAD v1.1 token F1 between normalised prediction and gold answer."""
    predicted = normalize_answer(prediction).split()
    expected = normalize_answer(gold).split()
    common = collections.Counter(predicted) & collections.Counter(expected)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(predicted)
    recall = overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def mean_interval(values: Sequence[float], level: float = 0.95, draws: int = 2000, seed: int = 0) -> tuple[float, float]:
    """A percentile-bootstrap interval for the mean of per-question scores.

    With 85 gold questions one question moves a rate by 0.012, so a difference is read against this.
    """
    import numpy as np

    if not values:
        return 0.0, 0.0
    data = np.asarray(values, dtype=float)
    means = np.random.default_rng(seed).choice(data, size=(draws, len(data)), replace=True).mean(axis=1).tolist()
    tail = 100 * (1 - level) / 2
    return percentile(means, tail), percentile(means, 100 - tail)


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """A 95% Wilson score interval for a proportion: sound for the few answers a confidence level holds."""
    if trials == 0:
        return 0.0, 0.0
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def sentence_answers(sentence: str, answers: Sequence[str], evidence: Sequence[str]) -> bool:
    """Whether a quoted sentence gives the answer: it holds a gold factoid answer or, for explanations,
    shares at least half the words of a gold evidence string (or of itself, when shorter)."""
    said = normalize_answer(sentence)
    if answers:
        return any(normalize_answer(a) in said for a in answers)
    words = set(said.split())
    for piece in evidence:
        wanted = set(normalize_answer(piece).split())
        if wanted and words and len(words & wanted) >= 0.5 * min(len(words), len(wanted)):
            return True
    return False


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks, as numpy's default."""
    if not values:
        raise ValueError("percentile of no values is undefined; pass at least one value")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must lie in [0, 100], not {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_ms(seconds: Sequence[float], key: str = "p{}_ms") -> dict[str, float]:
    """Median and 95th percentile of timings in seconds, as milliseconds under key.format(50 | 95); {} for none."""
    if not seconds:
        return {}
    return {key.format(q): 1000 * percentile(seconds, q) for q in (50, 95)}


T = TypeVar("T")


def timed(fn: Callable[..., T], *args: object, **kwargs: object) -> tuple[T, float]:
    """fn's result and the wall-clock seconds the call took."""
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def abstention_scores(abstained: Sequence[bool], answerable: Sequence[bool]) -> AbstentionScores:
    """Score refusals question by question; a ratio with nothing to divide by is 0.0."""
    if len(abstained) != len(answerable):
        raise ValueError(f"got {len(abstained)} abstention flags for {len(answerable)} questions; pass one per question")
    correct = sum(1 for refused, can in zip(abstained, answerable) if refused and not can)
    wrong = sum(1 for refused, can in zip(abstained, answerable) if refused and can)
    unanswerable = sum(1 for can in answerable if not can)
    answerable_count = len(answerable) - unanswerable
    return AbstentionScores(
        precision=correct / (correct + wrong) if correct + wrong else 0.0,
        recall=correct / unanswerable if unanswerable else 0.0,
        false_refusal_rate=wrong / answerable_count if answerable_count else 0.0,
    )
