"""Fitting the sentence reader's confidence model to gold questions, so abstention is measured, not guessed.

Every gold question is asked with abstention off; the signals of the answer it gets (see
`reader.signals`) become one row, and whether the report answers it the label. A class-balanced
logistic regression over those rows gives the weights `reader.CONFIDENCE_WEIGHTS` holds, and
refitting without each question in turn says how well they abstain on questions they were not fitted to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from qa_app.config import Settings
from qa_app.measure.scoring import abstention_scores, load_gold


def fit_logistic(features: np.ndarray, labels: np.ndarray, ridge: float = 0.1, steps: int = 50) -> np.ndarray:
    """Bias-first weights of a logistic regression, each class weighted to half the total (Newton's method)."""
    x = np.hstack([np.ones((len(features), 1)), features])
    y = labels.astype(float)
    positives = max(y.sum(), 1.0)
    negatives = max(len(y) - y.sum(), 1.0)
    sample = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * negatives))
    penalty = ridge * np.eye(x.shape[1])
    penalty[0, 0] = 0.0  # the bias is not shrunk
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (sample * (p - y)) + penalty @ w
        hessian = (x * (sample * p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def predict(weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Each row's confidence as the reader computes it with these weights: the fit is judged by the reader's own sum."""
    from qa_app.answer.reader import SentenceReader

    reader = SentenceReader(confidence_weights=[float(w) for w in weights])
    return np.array([reader.confidence_of(row) for row in features], dtype=float)


def abstentions(weights: np.ndarray, features: np.ndarray, caps: np.ndarray, threshold: float) -> list[bool]:
    """Which questions the reader would refuse with these weights (its off-topic ceiling applied)."""
    return (np.minimum(predict(weights, features), caps) < threshold).tolist()


def held_out(features: np.ndarray, labels: np.ndarray, caps: np.ndarray, threshold: float) -> list[bool]:
    """Each question's abstention under weights fitted without it (leave-one-out)."""
    out = []
    for i in range(len(labels)):
        keep = np.arange(len(labels)) != i
        weights = fit_logistic(features[keep], labels[keep])
        out += abstentions(weights, features[i : i + 1], caps[i : i + 1], threshold)
    return out


def calibrate(path: str | Path, settings: Settings) -> dict:
    """Weights fitted to the gold questions, with abstention scores in sample, held out, and for the weights in use."""
    from qa_app.answer.reader import CONFIDENCE_WEIGHTS, SentenceReader, answer_signals
    from qa_app.assistant import Assistant

    questions = load_gold(path)
    assistant = Assistant.load(settings)
    reader = SentenceReader(abstain_below=0.0, common_words=assistant.data.common_words)
    assistant.reader = reader
    answers = [assistant.ask(q.question) for q in questions]
    features = np.array([answer_signals(a) for a in answers], dtype=float)
    caps = np.array([reader.score_cap(a) for a in answers], dtype=float)
    labels = np.array([q.answerable for q in questions])
    threshold = SentenceReader().abstain_below
    fitted = fit_logistic(features, labels)

    def scores(abstained: Sequence[bool]) -> dict:
        return asdict(abstention_scores(abstained, labels.tolist()))

    return {
        "dataset": str(path),
        "questions": len(questions),
        "threshold": threshold,
        "fitted_weights": [round(float(w), 2) for w in fitted],
        "in_sample": scores(abstentions(fitted, features, caps, threshold)),
        "held_out": scores(held_out(features, labels, caps, threshold)),
        "weights_in_use": list(CONFIDENCE_WEIGHTS),
        "in_use": scores(abstentions(np.array(CONFIDENCE_WEIGHTS), features, caps, threshold)),
    }


def format_calibration(result: dict) -> str:
    weights = ", ".join(f"{w:.2f}" for w in result["fitted_weights"])
    lines = [
        f"{result['dataset']}: {result['questions']} questions, abstaining below {result['threshold']}",
        f"fitted: CONFIDENCE_WEIGHTS = ({weights})",
        "",
        f"{'abstention':<22} {'precision':>9} {'recall':>7} {'wrongly refused':>16}",
    ]
    for key, label in (("in_sample", "fitted, in sample"), ("held_out", "fitted, held out"), ("in_use", "weights in use")):
        s = result[key]
        lines.append(f"{label:<22} {s['precision']:9.3f} {s['recall']:7.3f} {s['false_refusal_rate']:16.3f}")
    return "\n".join(lines)
