import json

import numpy as np
import pytest
from support import PARAGRAPHS, QUESTION, write_report

from qa_app.answer.reader import CONFIDENCE_WEIGHTS
from qa_app.config import Settings
from qa_app.measure.calibration import (
    calibrate,
    fit_logistic,
    fit_thresholds,
    format_calibration,
    held_out,
    predict,
    reliability,
)


def lopsided_questions():
    """90 questions answered right with no warning signal, 10 answered wrong with it."""
    features = np.array([[0.0]] * 90 + [[1.0]] * 10)
    labels = np.array([True] * 90 + [False] * 10)
    return features, labels


def test_the_fitted_confidence_is_the_chance_of_being_right():
    features, labels = lopsided_questions()
    weights = fit_logistic(features, labels)
    assert weights[1] < 0
    caps = np.ones(2)
    warned, clean = predict(weights, np.array([[1.0], [0.0]]), caps)
    assert warned < 0.5 and clean == pytest.approx(1.0, abs=0.03)


def test_the_off_topic_ceiling_caps_the_confidence():
    features, labels = lopsided_questions()
    weights = fit_logistic(features, labels)
    assert predict(weights, np.array([[0.0]]), np.array([0.1]))[0] == pytest.approx(0.1)


def test_thresholds_are_the_lowest_that_keep_each_promise():
    # 20 answers at 0.95 all right, 20 at 0.6 of which 16 right (so 0.9 from 0.6 up: short of High's
    # promise with its margin), 10 at 0.2 of which 1 right, and 10 unanswerable questions at 0.1.
    confidence = np.array([0.95] * 20 + [0.6] * 20 + [0.2] * 10 + [0.1] * 10)
    right = np.array([True] * 20 + [True] * 16 + [False] * 4 + [True] + [False] * 9 + [False] * 10)
    answerable = np.array([True] * 50 + [False] * 10)
    high, medium, refuse = fit_thresholds(confidence, right, answerable)
    assert high == 0.95 and medium == 0.6 and 0.1 < refuse <= 0.2


def test_reliability_counts_each_level_its_coverage_and_refusals():
    levels = ["high", "high", "medium", None, None]
    right = np.array([True, False, True, False, False])
    answerable = np.array([True, True, True, True, False])
    table = reliability(levels, right, answerable)
    assert table["high"]["answers"] == 2 and table["high"]["precision"] == 0.5
    assert table["medium"]["coverage"] == 0.75
    assert table["refused_right"] == 1.0 and table["wrongly_refused"] == 0.25
    lo, hi = table["high"]["precision_95ci"]
    assert lo < 0.5 < hi


def test_held_out_confidences_come_from_fits_without_that_fold():
    features, labels = lopsided_questions()
    confidence, levels = held_out(features, labels, labels.copy(), np.ones(len(labels)))
    assert len(confidence) == len(levels) == len(labels)
    assert confidence[:90].min() > confidence[90:].max()


@pytest.mark.slow  # the real model on a tiny report
def test_calibrating_on_gold_questions_reports_weights_thresholds_and_reliability(tmp_path):
    gold = tmp_path / "gold.jsonl"
    rows = [
        {
            "id": "a",
            "question": QUESTION,
            "evidence": [PARAGRAPHS[0]],
            "paragraphs": [1],
            "answer": "620",
            "type": "number",
            "answerable": True,
        },
        {
            "id": "b",
            "question": "How many weeks do early help cases stay open?",
            "evidence": [PARAGRAPHS[1]],
            "paragraphs": [2],
            "answer": "14",
            "type": "number",
            "answerable": True,
        },
        {
            "id": "c",
            "question": "How many goals did the 1966 team score?",
            "evidence": [],
            "paragraphs": [],
            "answer": None,
            "type": "unanswerable",
            "answerable": False,
        },
    ]
    gold.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    settings = Settings(corpus_dir=write_report(tmp_path / "corpus"), index_dir=tmp_path / "index")
    result = calibrate([gold], settings)
    assert (
        result["questions"] == 3
        and len(result["fitted_weights"]) == len(CONFIDENCE_WEIGHTS)
        and len(result["fitted_thresholds"]) == 3
    )
    assert {"high", "medium", "low", "refused_right", "wrongly_refused"} <= set(result["held_out"])
    assert [r["right"] for r in result["rows"]] == [True, True, False]
    assert "CONFIDENCE_WEIGHTS = (" in format_calibration(result)
