import json

import numpy as np
import pytest
from support import PARAGRAPHS, QUESTION, write_report

from qa_app.config import Settings
from qa_app.measure.calibration import abstentions, calibrate, fit_logistic, format_calibration, held_out, predict


def lopsided_questions():
    """90 answerable questions with no warning signal, 10 unanswerable ones with it."""
    features = np.array([[0.0]] * 90 + [[1.0]] * 10)
    labels = np.array([True] * 90 + [False] * 10)
    return features, labels


def test_the_fitted_model_blames_the_warning_signal_despite_few_unanswerable_questions():
    features, labels = lopsided_questions()
    weights = fit_logistic(features, labels)
    assert weights[1] < 0
    # Balanced classes: the rare class is not drowned out, so a warned answer falls below even odds.
    assert predict(weights, np.array([[1.0]]))[0] < 0.5 < predict(weights, np.array([[0.0]]))[0]


def test_abstentions_follow_the_threshold_and_the_off_topic_ceiling():
    features, labels = lopsided_questions()
    weights = fit_logistic(features, labels)
    caps = np.ones(len(labels))
    assert abstentions(weights, features, caps, 0.5) == (~labels).tolist()
    caps[0] = 0.1  # the best sentence was off topic
    assert abstentions(weights, features, caps, 0.5)[0] is True


def test_held_out_decisions_come_from_fits_without_that_question():
    # The one question with the second signal is refused by a fit that saw it, but a fit without
    # it has learnt nothing of that signal, so held out it is answered.
    features = np.array([[0.0, 0.0]] * 20 + [[1.0, 0.0]] * 5 + [[0.0, 1.0]])
    labels = np.array([True] * 20 + [False] * 6)
    caps = np.ones(len(labels))
    assert abstentions(fit_logistic(features, labels), features, caps, 0.5)[-1] is True
    decisions = held_out(features, labels, caps, 0.5)
    assert len(decisions) == len(labels) and decisions[-1] is False


@pytest.mark.slow  # the real model on a tiny report
def test_calibrating_on_gold_questions_reports_fitted_weights_and_abstention_scores(tmp_path):
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"id": "a", "question": QUESTION, "evidence": [PARAGRAPHS[0]], "paragraphs": [1], "answer": "620",
         "type": "number", "answerable": True},
        {"id": "b", "question": "How many weeks do early help cases stay open?", "evidence": [PARAGRAPHS[1]],
         "paragraphs": [2], "answer": "14", "type": "number", "answerable": True},
        {"id": "c", "question": "How many goals did the 1966 team score?", "evidence": [], "paragraphs": [],
         "answer": None, "type": "unanswerable", "answerable": False},
    ]
    gold.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    settings = Settings(corpus_dir=write_report(tmp_path / "corpus"), index_dir=tmp_path / "index")
    result = calibrate(gold, settings)
    assert result["questions"] == 3 and len(result["fitted_weights"]) == 5
    assert result["in_sample"] == {"precision": 1.0, "recall": 1.0, "false_refusal_rate": 0.0}
    assert set(result["held_out"]) == set(result["in_use"]) == {"precision", "recall", "false_refusal_rate"}
    assert "CONFIDENCE_WEIGHTS = (" in format_calibration(result)
