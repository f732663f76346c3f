import json

import pytest
from support import GOLD

from qa_app.measure.scoring import (
    AbstentionScores,
    GoldFormatError,
    GoldQuestion,
    abstention_scores,
    exact_match,
    f1_score,
    is_hit,
    latency_ms,
    load_gold,
    mean_interval,
    mrr_at_k,
    normalize_answer,
    percentile,
    recall_at_k,
)

EVIDENCE = "At 31 March 2015, 609 children are being looked after by the local authority"


def _gold(**overrides) -> GoldQuestion:
    fields = dict(
        id="q001",
        question="How many children were in care?",
        evidence=(EVIDENCE,),
        paragraphs=(61,),
        answer="609",
        type="number",
        answerable=True,
    )
    fields.update(overrides)
    return GoldQuestion(**fields)


def _line(**overrides) -> str:
    record = _gold().to_dict()
    record.update(overrides)
    return json.dumps(record)


# --- loading


def test_load_gold_reads_each_line_into_a_frozen_question(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(_line() + "\n\n" + _line(id="q002", answer=None, type="explanation") + "\n", encoding="utf-8")
    questions = load_gold(path)
    assert [q.id for q in questions] == ["q001", "q002"]
    assert questions[0] == _gold()
    with pytest.raises(AttributeError):
        questions[0].answer = "610"  # type: ignore[misc]


def test_gold_question_round_trips_through_to_dict():
    assert json.loads(json.dumps(_gold().to_dict()))["evidence"] == [EVIDENCE]


@pytest.mark.parametrize(
    "bad_line, complaint",
    [
        ("{not json", "not valid JSON"),
        (_line(type="guess"), "'type'"),
        (_line(paragraphs=["61"]), "'paragraphs'"),
        (_line(paragraphs=[True]), "'paragraphs'"),
        (_line(answerable="yes"), "'answerable'"),
        (json.dumps({"id": "q9", "question": "?"}), "missing keys"),
        (_line(), "used twice"),
    ],
)
def test_malformed_gold_line_names_file_and_line(tmp_path, bad_line, complaint):
    path = tmp_path / "gold.jsonl"
    path.write_text(_line() + "\n" + bad_line + "\n", encoding="utf-8")
    with pytest.raises(GoldFormatError) as raised:
        load_gold(path)
    message = str(raised.value)
    assert f"{path}:2" in message and complaint in message


def test_the_repository_gold_file_loads():
    questions = load_gold(GOLD)
    assert len(questions) >= 80


# --- hits and ranks


def test_passage_in_a_gold_paragraph_is_a_hit():
    assert is_hit("unrelated text", 61, _gold())


def test_passage_containing_evidence_with_other_whitespace_is_a_hit():
    text = "Intro.\nAt 31 March 2015, 609 children  are being\nlooked after by the local authority (a rate ...)"
    assert is_hit(text, None, _gold())


def test_passage_with_neither_paragraph_nor_evidence_is_a_miss():
    assert not is_hit("At 31 March 2015, 609 children", 62, _gold())
    assert not is_hit("anything", None, _gold(evidence=(), paragraphs=()))


def test_recall_at_k_counts_hits_within_k():
    ranks = [1, 3, None, 6]
    assert recall_at_k(ranks, 1) == 0.25
    assert recall_at_k(ranks, 5) == 0.5
    assert recall_at_k(ranks, 6) == 0.75
    assert recall_at_k([], 5) == 0.0


def test_mrr_averages_reciprocal_ranks_and_ignores_hits_after_ten():
    assert mrr_at_k([1, 2, None, 4]) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert mrr_at_k([10]) == pytest.approx(0.1)
    assert mrr_at_k([11]) == 0.0
    assert mrr_at_k([3], k=2) == 0.0
    assert mrr_at_k([]) == 0.0


# --- answers (SQuAD v1.1)


def test_normalize_answer_lowercases_and_drops_punctuation_articles_and_spaces():
    assert normalize_answer("  The  Requires-Improvement, an A grade! ") == "requiresimprovement grade"
    assert normalize_answer("£5,000") == "£5000"


def test_exact_match_ignores_articles_case_and_punctuation():
    assert exact_match("the 609", "609") == 1.0
    assert exact_match("Requires improvement.", "requires improvement") == 1.0
    assert exact_match("610", "609") == 0.0


def test_f1_gives_partial_credit_for_token_overlap():
    # prediction: {requires, improvement, to, be, good}; gold: {requires, improvement}
    assert f1_score("requires improvement to be good", "Requires improvement") == pytest.approx(2 * 0.4 * 1 / 1.4)
    assert f1_score("the 609", "609") == 1.0
    assert f1_score("26.9% of children", "26.9%") == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))


def test_f1_counts_repeated_tokens_only_as_often_as_gold_has_them():
    assert f1_score("nine nine", "nine") == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_empty_prediction_scores_zero():
    assert exact_match("", "609") == 0.0
    assert f1_score("", "609") == 0.0
    assert f1_score("the", "609") == 0.0


# --- latency percentiles


def test_percentile_interpolates_like_numpy():
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile(values, 100) == 4.0
    assert percentile([7.0], 90) == 7.0


def test_percentile_rejects_no_values_and_out_of_range_q():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_is_the_median_and_95th_percentile_in_milliseconds():
    assert latency_ms([0.004, 0.001, 0.003, 0.002]) == pytest.approx({"p50_ms": 2.5, "p95_ms": 3.85})
    assert latency_ms([0.01], "ask_p{}") == pytest.approx({"ask_p50": 10.0, "ask_p95": 10.0})


def test_latency_of_no_timings_is_empty_rather_than_an_error():
    assert latency_ms([]) == {}


# --- abstention


def test_abstention_precision_recall_and_false_refusals():
    #          answerable: T      T      F     F      F
    answerable = [True, True, False, False, False]
    abstained = [True, False, True, True, False]
    scores = abstention_scores(abstained, answerable)
    assert scores == AbstentionScores(precision=2 / 3, recall=2 / 3, false_refusal_rate=0.5)


def test_abstention_without_refusals_or_unanswerables_scores_zero():
    assert abstention_scores([False, False], [True, True]) == AbstentionScores(0.0, 0.0, 0.0)


def test_abstention_needs_one_flag_per_question():
    with pytest.raises(ValueError):
        abstention_scores([True], [True, False])


def test_a_bootstrap_interval_holds_the_mean_and_narrows_with_more_questions():
    few = [1.0, 0.0] * 10
    many = [1.0, 0.0] * 500
    lo, hi = mean_interval(few)
    assert lo < 0.5 < hi
    assert mean_interval(many)[1] - mean_interval(many)[0] < hi - lo
    assert mean_interval([1.0] * 30) == (1.0, 1.0)
    assert mean_interval(few) == mean_interval(few)  # seeded: the same report twice
