from qa_app.measure.evaluation import Case, evaluate, format_report
from qa_app.records import Answer, Citation, Hit

HIT = Hit("stoke", "Stoke", "stoke:p12", 12, "Findings", None, "finding", "Caseloads are manageable.", 1.0)


class FakeAssistant:
    """Finds paragraph 12 for every question and answers from it."""

    def search(self, query, top_k=10, mode="hybrid"):
        return [HIT]

    def ask(self, question):
        citation = Citation.of(HIT, (0, len(HIT.text)), None, 0.9)
        return Answer(question, None, HIT.text, 0.9, True, "", (citation,), (HIT,))


def in_paragraph_12(passage) -> bool:
    return passage.doc_id == "stoke" and passage.paragraph == 12


def test_a_cited_paragraph_is_scored_with_the_same_hit_test_as_retrieval():
    result = evaluate(FakeAssistant(), [Case("Are caseloads manageable?", True, (), in_paragraph_12)])
    assert result.retrieval["hybrid"].recall_at_1 == 1.0
    assert result.answers.citation_accuracy == 1.0
    assert set(result.latency_ms) == {"search_p50", "search_p95", "ask_p50", "ask_p95"}


def test_the_report_gives_an_interval_beside_each_rate_it_has_one_for():
    cases = [Case("Are caseloads manageable?", True, (), in_paragraph_12)] * 3
    result = evaluate(FakeAssistant(), cases, "gold.jsonl")
    assert result.retrieval["hybrid"].mrr_at_10_95ci == (1.0, 1.0)
    report = format_report(result)
    assert "hybrid      1.000  1.000  1.000   1.000   1.00–1.00, 1.00–1.00" in report
    assert "citation_accuracy          1.000   95% interval 1.00–1.00" in report


def test_only_unanswerable_questions_give_ask_latency_alone_rather_than_an_error():
    result = evaluate(FakeAssistant(), [Case("Who is the mayor?", False, (), in_paragraph_12)])
    assert set(result.latency_ms) == {"ask_p50", "ask_p95"}


class LevelledAssistant(FakeAssistant):
    """Answers paragraph 12 at the level the question names."""

    def ask(self, question):
        level = question.split(":")[0].lower()
        citation = Citation.of(HIT, (0, len(HIT.text)), None, 0.9)
        return Answer(question, None, HIT.text, 0.9, True, "", (citation,), (HIT,), confidence_level=level)


def test_each_confidence_level_reports_how_often_its_answers_were_right():
    wrong = lambda passage: False  # noqa: E731 - a case no passage satisfies
    cases = [
        Case("High: are caseloads manageable?", True, (), in_paragraph_12, evidence=("Caseloads are manageable.",)),
        Case("High: is the mayor good?", True, (), wrong),
        Case("Medium: are caseloads manageable?", True, (), in_paragraph_12, evidence=("Caseloads are manageable.",)),
        Case("Medium: who is the mayor?", False, (), wrong),
    ]
    levels = evaluate(LevelledAssistant(), cases).answers.levels
    assert levels.high.answers == 2 and levels.high.precision == 0.5
    assert levels.medium.precision == 0.5 and levels.medium.coverage == 1.0
    assert levels.confident_on_unanswerable == 1.0


def test_results_as_json_keep_the_metric_names():
    result = evaluate(FakeAssistant(), [Case("Are caseloads manageable?", True, (), in_paragraph_12)], "gold.jsonl")
    as_json = result.to_dict()
    assert list(as_json) == ["dataset", "questions", "answerable", "retrieval", "answers", "latency_ms"]
    assert list(as_json["retrieval"]["hybrid"]) == ["recall@1", "recall@3", "recall@5", "mrr@10", "recall@5_95ci", "mrr@10_95ci"]
    assert as_json["answers"]["levels"]["high"]["precision_95ci"] == [0.0, 0.0]
