import numpy as np

from qa_app.measure.reading import format_scores, score_reader
from qa_app.measure.span_calibration import Offers, held_out_by_report, report_folds
from qa_app.training.squad import Example

EXAMPLES = [
    Example("1", "A", "The council looked after 609 children.", "How many?", (("609", 25),)),
    Example(
        "2",
        "A",
        "Adoption was judged outstanding.",
        "How was adoption judged?",
        (("outstanding", 20), ("judged outstanding", 13)),
    ),
]


def test_each_question_counts_its_best_gold_answer_as_squad_does():
    score = score_reader("fixed", lambda q, c: "609 children" if "many" in q else "judged outstanding", EXAMPLES)
    assert score.exact_match == 50.0  # "609 children" is not "609"; "judged outstanding" is the second gold answer
    assert round(score.f1, 1) == round(100 * (2 / 3 + 1) / 2, 1)
    assert "| fixed | 2 |" in format_scores([score])


def test_every_question_of_one_report_falls_in_the_same_fold():
    docs = ["a"] * 5 + ["b"] * 3 + ["c"] * 3 + ["d"]
    folds = report_folds(docs, 3)
    for doc in set(docs):
        assert len({f for f, d in zip(folds, docs) if d == doc}) == 1
    assert len(set(folds.tolist())) == 3


def test_held_out_confidence_for_a_report_comes_from_a_fit_on_the_others():
    rng = np.random.default_rng(0)
    docs = [f"r{i % 10}" for i in range(200)]
    signal = rng.normal(size=(200, 1))
    right = (signal[:, 0] + rng.normal(scale=0.3, size=200)) > 0
    offers = Offers(signal, right, np.arange(200))
    confidence, chosen_right, levels = held_out_by_report(offers, np.ones(200, bool), docs)
    assert (chosen_right == right).all()  # one offer each: the answer is that offer
    assert np.corrcoef(confidence, right)[0, 1] > 0.6
    high = [r for r, lv in zip(right, levels) if lv == "high"]
    assert high and np.mean(high) > 0.85


def test_each_question_is_answered_by_its_most_confident_offer():
    # Question 0 has a wrong offer the signal favours and a right one it does not; question 1 one right offer.
    offers = Offers(np.array([[2.0], [-1.0], [1.0]]), np.array([False, True, True]), np.array([0, 0, 1]))
    confidence, right = offers.chosen(np.array([0.0, 1.0]), 2)
    assert list(right) == [False, True] and confidence[0] > confidence[1]
    assert list(offers.of(np.array([False, True])).question) == [0]


def test_the_sentence_reader_reads_a_squad_paragraph_as_one_passage():
    from qa_app.measure.squad_readers import sentence_predictor

    vocabulary = "council looked after children adoption judged outstanding how many".split()

    def encode(texts):
        rows = np.array([[float(w in t.lower()) for w in vocabulary] for t in texts]) + 1e-3
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    predicted = sentence_predictor(encode)(
        "How many children were looked after?", "Adoption was judged outstanding. The council looked after 609 children."
    )
    assert "609" in predicted
