"""The examples that made inspectors distrust the answer card, pinned on the bundled Stoke-on-Trent report."""

import shutil

import pytest
from support import STOKE_REPORT

from qa_app import Assistant
from qa_app.app.web.labels import label_of
from qa_app.measure.scoring import normalize_answer

pytestmark = pytest.mark.slow  # the real model over the whole report


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    root = tmp_path_factory.mktemp("stoke")
    (root / "corpus").mkdir()
    shutil.copy(STOKE_REPORT, root / "corpus")
    return Assistant.load(corpus_dir=root / "corpus", index_dir=root / "index")


@pytest.mark.parametrize(
    "question",
    [
        "How many children were looked after?",
        "How many children are in care?",
        "How many LAC are there?",
        "how many kids are in care",
    ],
)
def test_the_looked_after_count_is_the_headline_609_however_it_is_asked(assistant, question):
    answer = assistant.ask(question)
    assert answer.answer == "609" and answer.question == question
    assert label_of(answer.citations[0]).startswith("Statistics · Children looked after in this area")


def test_the_rate_per_10000_is_the_rate_not_the_count(assistant):
    assert assistant.ask("What is the rate of children looked after per 10,000 children?").answer == "110.6"


def test_a_false_premise_is_refused_with_the_closest_passages(assistant):
    answer = assistant.ask("Why did the local authority's adoption performance decline?")
    assert not answer.answered and answer.confidence_level is None and answer.citations


def test_a_question_the_report_has_nothing_on_is_refused(assistant):
    answer = assistant.ask("What is the mayor's favourite football team?")
    assert answer.confidence_level is None and answer.answer is None


def test_the_lscb_chair_is_not_answered_with_the_questions_own_words(assistant):
    # The report names no chair; it says who the chair is: "a former senior police commander".
    answer = assistant.ask("Who chairs the LSCB?")
    said = normalize_answer(answer.answer or "")
    assert "chair" not in said and "local safeguarding children board" not in said
    assert answer.confidence_level != "high" or said == "former senior police commander"


@pytest.mark.parametrize("question", ["What is in paragraph 65?", "What does paragraph 65 say?", "¶65"])
def test_asking_for_paragraph_65_answers_with_paragraph_65(assistant, question):
    answer = assistant.ask(question)
    assert answer.confidence_level == "high" and answer.citations[0].paragraph == 65
    assert answer.answer.startswith("Current caseloads of IROs remain significantly higher")
    assert answer.to_dict()["confidence_level"] == "high"
