"""Fitting the trained reader's confidence on gold questions, and reporting it on reports the fit never saw.

Every gold question is asked with refusal off; each passage's offer (its best span) becomes a row of the
reader's signals (`trained_reader.span_signals`), labelled by whether that offer is right. The weights
are fitted on the offers; under them each question's answer is its most confident offer, as the reader
chooses, and the levels' thresholds are fitted on those answers. Folds are whole reports: weights and
thresholds are fitted on the other reports' questions and applied to the held-out report's, so the
reliability table is a promise about reports the calibration never saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_app.config import Settings
from qa_app.measure.calibration import fit_logistic, fit_thresholds, reliability

FOLDS = 5


def confidences(weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    z = weights[0] + features @ weights[1:]
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def levels(confidence: np.ndarray, thresholds: Sequence[float]) -> list[str | None]:
    from qa_app.answer.confidence import level_of

    return [level_of(float(c), *thresholds) for c in confidence]


def report_folds(docs: Sequence[str], folds: int = FOLDS) -> np.ndarray:
    """Each question's fold: the reports dealt round-robin by size, so folds hold similar numbers of questions."""
    sizes: dict[str, int] = {}
    for d in docs:
        sizes[d] = sizes.get(d, 0) + 1
    fold_of = {d: i % folds for i, d in enumerate(sorted(sizes, key=lambda d: (-sizes[d], d)))}
    return np.array([fold_of[d] for d in docs])


@dataclass(frozen=True)
class Offers:
    """Every offer of every question: its signals, whether it is right, and whose it is."""

    features: np.ndarray  # [offers, signals]
    right: np.ndarray  # [offers] bool
    question: np.ndarray  # [offers] index of the question it answers

    def chosen(self, weights: np.ndarray, questions: int) -> tuple[np.ndarray, np.ndarray]:
        """Each question's answer under these weights (its most confident offer): confidence and rightness."""
        confidence = confidences(weights, self.features)
        best_confidence, best_right = np.zeros(questions), np.zeros(questions, bool)
        seen = np.full(questions, -1.0)
        for i, (q, c) in enumerate(zip(self.question, confidence)):
            if c > seen[q]:
                seen[q], best_confidence[q], best_right[q] = c, c, self.right[i]
        return best_confidence, best_right

    def of(self, questions: np.ndarray) -> Offers:
        """The offers of the questions marked True, renumbered."""
        keep = questions[self.question]
        renumber = np.cumsum(questions) - 1
        return Offers(self.features[keep], self.right[keep], renumber[self.question[keep]])


def fit(offers: Offers, questions: int, answerable: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Weights fitted on every offer, thresholds on the answers those weights choose."""
    weights = fit_logistic(offers.features, offers.right)
    confidence, right = offers.chosen(weights, questions)
    return weights, fit_thresholds(confidence, right, answerable)


def held_out_by_report(offers: Offers, answerable: np.ndarray, docs: Sequence[str]):
    """Each question's confidence, rightness and level under weights and thresholds fitted on the other reports."""
    fold = report_folds(docs, min(FOLDS, len(set(docs))))
    confidence, right = np.zeros(len(docs)), np.zeros(len(docs), bool)
    out: list[str | None] = [None] * len(docs)
    for k in sorted(set(fold.tolist())):
        train, test = fold != k, fold == k
        weights, thresholds = fit(offers.of(train), int(train.sum()), answerable[train])
        confidence[test], right[test] = offers.of(test).chosen(weights, int(test.sum()))
        for i, level in zip(np.flatnonzero(test), levels(confidence[test], thresholds)):
            out[i] = level
    return confidence, right, out


def calibrate_trained(paths: Sequence[str | Path], settings: Settings, model_dir: Path | None = None) -> dict:
    """Weights and thresholds for the trained reader, fitted on every question, and their held-out reliability."""
    from qa_app.answer.span_model import SHIPPED, OnnxSpanModel
    from qa_app.answer.trained_reader import THRESHOLDS, WEIGHTS, TrainedReader
    from qa_app.assistant import Assistant
    from qa_app.measure.evaluation import gold_cases, is_right, load_gold_files

    questions = load_gold_files(paths)
    cases = gold_cases(questions)
    assistant = Assistant.load(settings)
    recording = _Recording(TrainedReader(OnnxSpanModel(model_dir or SHIPPED)))
    assistant.reader = recording
    keep, rows, labels, owners = [], [], [], []
    for i, q in enumerate(questions):
        recording.last = None
        answer = assistant.ask(q.question)
        if not recording.last:
            continue
        for offer, signals in enumerate(recording.last[: len(answer.citations)]):
            rows.append(signals)
            labels.append(is_right(cases[i], answer, offer))
            owners.append(len(keep))
        keep.append(i)
    offers = Offers(np.array(rows, dtype=float), np.array(labels, bool), np.array(owners, int))
    answerable = np.array([questions[i].answerable for i in keep])
    docs = [questions[i].doc or "?" for i in keep]
    fitted, thresholds = fit(offers, len(keep), answerable)
    confidence_out, right_out, levels_out = held_out_by_report(offers, answerable, docs)
    in_use, right_in_use = offers.chosen(np.array(WEIGHTS, dtype=float), len(keep))
    return {
        "dataset": " + ".join(str(p) for p in paths),
        "questions": len(keep),
        "answerable": int(answerable.sum()),
        "reports": len(set(docs)),
        "fitted_weights": [round(float(w), 3) for w in fitted],
        "fitted_thresholds": [round(t, 3) for t in thresholds],
        "held_out_by_report": reliability(levels_out, right_out, answerable),
        "held_out_right": round(float(right_out[answerable].mean()), 4) if answerable.any() else 0.0,
        "in_use": reliability(levels(in_use, THRESHOLDS), right_in_use, answerable),
        "rows": [
            {
                "id": questions[i].id,
                "doc": docs[j],
                "right": bool(right_out[j]),
                "confidence_held_out": round(float(confidence_out[j]), 4),
            }
            for j, i in enumerate(keep)
        ],
    }


class _Recording:
    """The trained reader with refusal off (every answer offered as Low), keeping the signals of the last
    question's offers in citation order."""

    def __init__(self, reader):
        self.inner = type(reader)(reader.model, reader.weights, (2.0, 2.0, -1.0), reader.max_answer_tokens, reader.max_citations)
        self.last: tuple[float, ...] | None = None

    def read(self, question, hits, evidence=None):
        answer, self.last = self.inner.read_with_signals(question, hits, evidence)
        return answer


def format_trained(result: dict) -> str:
    """The fitted values to paste into trained_reader.py, and the reliability held out by report and in use."""
    lines = [
        f"{result['dataset']}: {result['questions']} questions ({result['answerable']} answerable) over {result['reports']} reports",
        f"fitted: WEIGHTS = {tuple(result['fitted_weights'])}",
        f"fitted: THRESHOLDS = {tuple(result['fitted_thresholds'])}",
    ]
    lines.append(f"answers right, held out by report: {result['held_out_right']:.3f} of answerable questions")
    for key, label in (("held_out_by_report", f"fitted on other reports ({FOLDS} folds by report)"), ("in_use", "values in use")):
        table = result[key]
        lines += ["", label, f"{'level':<8} {'answers':>7} {'right':>6}   95% interval   coverage of answerable"]
        for level in ("high", "medium", "low"):
            m = table[level]
            low, high = m["precision_95ci"]
            lines.append(f"{level:<8} {m['answers']:7d} {m['precision']:6.3f}   {low:.2f}–{high:.2f}      {m['coverage']:.3f}")
        lines.append(
            f"refused right {table['refused_right']:.3f}, wrongly refused {table['wrongly_refused']:.3f}, "
            f"confident on unanswerable {table['confident_on_unanswerable']:.3f}"
        )
    return "\n".join(lines)
