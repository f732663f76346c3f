"""Fitting the reader's confidence to gold questions, so that each confidence level is a measured promise.

Every gold question is asked with refusal off; the signals of the answer it gets (`signals.signals`)
become one row, and whether that answer is right (`evaluation.is_right`) its label. A logistic
regression over the rows gives `reader.CONFIDENCE_WEIGHTS`: the confidence is the chance of being
right. The level thresholds (`answer.confidence`) are then the lowest confidences at which answers
were right often enough: High at least 90% of the time, Medium at least 70%. Both are fitted again
on nine tenths of the questions and applied to the tenth left out, ten times over, so the reliability
table says how the promise holds on questions the fit has not seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa_app.config import Settings
from qa_app.measure.scoring import wilson_interval

HIGH_PRECISION = 0.90  # promised share right of answers shown as High
MEDIUM_PRECISION = 0.70  # ... and as Medium
MARGIN = 0.03  # fitted thresholds aim this much above the promise, as a few questions move a rate a lot
FOLDS = 10
FIXED = 2.0  # the cap of an answer whose confidence is fixed at 1, not modelled (see `predict`)


def fit_logistic(
    features: np.ndarray, labels: np.ndarray, ridge: float = 0.1, steps: int = 50, balanced: bool = False
) -> np.ndarray:
    """Bias-first weights of a ridge logistic regression by Newton's method; `balanced` weights each class to half."""
    x = np.hstack([np.ones((len(features), 1)), features])
    y = labels.astype(float)
    sample = np.ones(len(y))
    if balanced:
        positives, negatives = max(y.sum(), 1.0), max(len(y) - y.sum(), 1.0)
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


def predict(weights: np.ndarray, features: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Each row's confidence as the reader computes it with these weights, its off-topic ceiling applied.

    A cap above 1 marks an answer whose confidence is not modelled (a paragraph asked for by number): 1.0.
    """
    from qa_app.answer.reader import SentenceReader

    reader = SentenceReader(confidence_weights=[float(w) for w in weights])
    modelled = np.minimum([reader.confidence_of(row) for row in features], caps)
    return np.where(caps > 1.0, 1.0, modelled)


def fit_thresholds(confidence: np.ndarray, right: np.ndarray, answerable: np.ndarray) -> tuple[float, float, float]:
    """(high_at, medium_at, refuse_below): the lowest cut-offs whose answers were right often enough, and the
    refusal cut-off that refuses the most unanswerable questions for the fewest answerable ones."""

    def lowest(cut_above: float, promise: float) -> float:
        best = cut_above
        for t in sorted(set(confidence[confidence < cut_above].tolist()), reverse=True):
            band = (confidence >= t) & (confidence < cut_above)
            if band.sum() >= 3 and right[band].mean() >= promise + MARGIN:
                best = t
        return best

    high = lowest(1.0 + 1e-9, HIGH_PRECISION)
    medium = lowest(high, MEDIUM_PRECISION)
    refuse, best_gain = 0.0, 0.0
    for t in sorted(set(confidence[confidence < medium].tolist())) + [medium]:
        refused = confidence < t
        gain = (refused & ~answerable).sum() - (refused & answerable).sum()
        if gain > best_gain:
            refuse, best_gain = t, gain
    return float(high), float(medium), float(refuse)


def levels(confidence: np.ndarray, thresholds: Sequence[float]) -> list[str | None]:
    from qa_app.answer.confidence import level_of

    return [level_of(float(c), *thresholds) for c in confidence]


def held_out(features: np.ndarray, right: np.ndarray, answerable: np.ndarray, caps: np.ndarray) -> tuple[np.ndarray, list]:
    """Each question's confidence and level under weights and thresholds fitted without its fold."""
    confidence = np.zeros(len(right))
    out: list[str | None] = [None] * len(right)
    folds = np.arange(len(right)) % FOLDS
    for fold in range(FOLDS):
        train, test = folds != fold, folds == fold
        weights = fit_logistic(features[train], right[train])
        thresholds = fit_thresholds(predict(weights, features[train], caps[train]), right[train], answerable[train])
        confidence[test] = predict(weights, features[test], caps[test])
        for i, level in zip(np.flatnonzero(test), levels(confidence[test], thresholds)):
            out[i] = level
    return confidence, out


def reliability(level_of_each: Sequence[str | None], right: np.ndarray, answerable: np.ndarray) -> dict:
    """Per level: answers, share right (95% Wilson interval), coverage of answerable questions; and refusals."""
    table: dict[str, dict] = {}
    covered = 0
    n_answerable = int(answerable.sum()) or 1
    for level in ("high", "medium", "low"):
        at = np.array([lv == level for lv in level_of_each])
        n, k = int(at.sum()), int(right[at].sum())
        covered += int((at & answerable).sum())
        table[level] = {
            "answers": n,
            "right": k,
            "precision": k / n if n else 0.0,
            "precision_95ci": list(wilson_interval(k, n)),
            "coverage": covered / n_answerable,
        }
    refused = np.array([lv is None for lv in level_of_each])
    confident = np.array([lv in ("high", "medium") for lv in level_of_each])
    unanswerable = ~answerable
    table["refused_right"] = float((refused & unanswerable).sum() / max(unanswerable.sum(), 1))
    table["wrongly_refused"] = float((refused & answerable).sum() / n_answerable)
    table["confident_on_unanswerable"] = float((confident & unanswerable).sum() / max(unanswerable.sum(), 1))
    return table


def calibrate(paths: Sequence[str | Path], settings: Settings) -> dict:
    """Weights and thresholds fitted to the gold questions, with reliability held out and for the values in use."""
    from qa_app.answer.confidence import HIGH_AT, MEDIUM_AT, REFUSE_BELOW
    from qa_app.answer.reader import CONFIDENCE_WEIGHTS, SentenceReader, paragraph_asked
    from qa_app.answer.signals import answer_signals
    from qa_app.assistant import Assistant
    from qa_app.measure.evaluation import gold_cases, is_right, load_gold_files

    questions = load_gold_files(paths)
    cases = gold_cases(questions)
    assistant = Assistant.load(settings)
    reader = SentenceReader(thresholds=(2.0, 2.0, 0.0), common_words=assistant.store.common_words)
    assistant.reader = reader  # every answer offered, as "low": the fit sees them all
    answers = [assistant.ask(q.question) for q in questions]
    features = np.array([answer_signals(a) for a in answers], dtype=float)
    # Paragraphs asked for by number are given whole at confidence 1, whatever the signals say.
    caps = np.array(
        [FIXED if paragraph_asked(a.question) is not None and a.confidence == 1.0 else reader.score_cap(a) for a in answers],
        dtype=float,
    )
    right = np.array([is_right(c, a) for c, a in zip(cases, answers)])
    answerable = np.array([q.answerable for q in questions])

    fitted = fit_logistic(features, right)
    fitted_thresholds = fit_thresholds(predict(fitted, features, caps), right, answerable)
    confidence_out, levels_out = held_out(features, right, answerable, caps)
    in_use = np.array(CONFIDENCE_WEIGHTS, dtype=float)
    confidence_in_use = predict(in_use, features, caps)
    thresholds_in_use = (HIGH_AT, MEDIUM_AT, REFUSE_BELOW)
    return {
        "dataset": " + ".join(str(p) for p in paths),
        "model": settings.model,
        "questions": len(questions),
        "answerable": int(answerable.sum()),
        "fitted_weights": [round(float(w), 2) for w in fitted],
        "fitted_thresholds": [round(t, 3) for t in fitted_thresholds],
        "held_out": reliability(levels_out, right, answerable),
        "weights_in_use": list(CONFIDENCE_WEIGHTS),
        "thresholds_in_use": list(thresholds_in_use),
        "in_use": reliability(levels(confidence_in_use, thresholds_in_use), right, answerable),
        "rows": [
            {
                "id": q.id,
                "answerable": bool(q.answerable),
                "right": bool(r),
                "confidence_held_out": round(float(c), 4),
                "confidence_in_use": round(float(u), 4),
            }
            for q, r, c, u in zip(questions, right, confidence_out, confidence_in_use)
        ],
    }


def _interval(bounds: Sequence[float]) -> str:
    return f"{bounds[0]:.2f}–{bounds[1]:.2f}"


def format_calibration(result: dict) -> str:
    weights = ", ".join(f"{w:.2f}" for w in result["fitted_weights"])
    thresholds = ", ".join(f"{t:.3f}" for t in result["fitted_thresholds"])
    lines = [
        f"{result['dataset']}: {result['questions']} questions ({result['answerable']} answerable), model {result['model']}",
        f"fitted: CONFIDENCE_WEIGHTS = ({weights})",
        f"fitted: HIGH_AT, MEDIUM_AT, REFUSE_BELOW = {thresholds}",
    ]
    for key, label in (("held_out", f"fitted, held out ({FOLDS}-fold)"), ("in_use", "weights and thresholds in use")):
        table = result[key]
        lines += ["", label, f"{'level':<8} {'answers':>7} {'right':>6}   95% interval   coverage of answerable"]
        for level in ("high", "medium", "low"):
            m = table[level]
            lines.append(
                f"{level:<8} {m['answers']:7d} {m['precision']:6.3f}   {_interval(m['precision_95ci'])}      {m['coverage']:.3f}"
            )
        lines.append(
            f"refused right {table['refused_right']:.3f}, wrongly refused {table['wrongly_refused']:.3f}, "
            f"confident on unanswerable {table['confident_on_unanswerable']:.3f}"
        )
    return "\n".join(lines)
