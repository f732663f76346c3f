import pytest

from qa_app.spans import answer_type, best_span

LOOKED_AFTER = (
    "At 31 March 2015, 609 children are being looked after by the local authority "
    "(a rate of 110.6 per 10,000 children)."
)


def span_text(question, sentence):
    span = best_span(question, sentence, answer_type(question))
    return None if span is None else sentence[span[0] : span[1]]


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many children were looked after at 31 March 2015?", "number"),
        ("What percentage of children live in poverty?", "percent"),
        ("What proportion of care leavers are in education?", "percent"),
        ("How much money was spent on training?", "money"),
        ("When was the previous inspection?", "date"),
        ("In what year did the chair start?", "date"),
        ("How was leadership judged?", "judgement"),
        ("What is the overall effectiveness rating?", "judgement"),
        ("Who was the lead inspector?", "person"),
        ("Which organisation chairs the partnership?", "organisation"),
        ("Where do most looked after children live?", "location"),
        ("Why are assessments delayed?", None),
        ("How well do managers oversee casework?", None),
        ("Is the LSCB effective?", None),
        ("Does the council track missing children?", None),
    ],
)
def test_answer_type_reads_the_question(question, kind):
    assert answer_type(question) == kind


def test_count_skips_numbers_the_question_already_gives_and_bracketed_rates():
    assert span_text("How many children were looked after at 31 March 2015?", LOOKED_AFTER) == "609"


def test_number_words_are_counts():
    sentence = "At 31 March 2015, nine children lived in a privately arranged fostering placement."
    assert span_text("How many children lived in a privately arranged fostering placement?", sentence) == "nine"


def test_thousands_separators_are_part_of_the_number():
    sentence = "At 31 March 2015, 1,766 children had been identified as being in need of a specialist service."
    assert span_text("How many children were in need of a specialist service?", sentence) == "1,766"


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Of this number, 234 (or 38.4%) live outside the local authority area.", "38.4%"),
        ("Sixty-eight percent of care leavers are in education, employment or training.", "Sixty-eight percent"),
    ],
)
def test_percentages_in_figures_and_words(sentence, expected):
    assert span_text("What percentage of them live outside the area?", sentence) == expected


def test_money_keeps_its_currency_sign():
    sentence = "Each school received £5,000 to support training."
    assert span_text("How much funding did each school receive?", sentence) == "£5,000"


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The Acting Director of Children's Services has been in post since March 2015.", "March 2015"),
        ("The previous inspection was on 31 March 2015 in the city.", "31 March 2015"),
        ("Performance improved in 2014–15 across the city.", "2014–15"),
        ("Performance improved in 2013/14 across the city.", "2013/14"),
    ],
)
def test_dates_are_taken_whole(sentence, expected):
    assert span_text("When did performance or the post change?", sentence) == expected


def test_judgement_is_the_grade_phrase():
    sentence = "Leadership, management and governance: Requires improvement"
    assert span_text("How was leadership, management and governance judged?", sentence) == "Requires improvement"


def test_person_name_with_post_nominals():
    assert span_text("Who was the lead inspector?", "Lead inspector: Peter McEntee HMI") == "Peter McEntee HMI"


def test_no_typed_candidate_gives_no_span():
    assert best_span("How many children?", "Managers know their services well.", "number") is None


def test_explanation_and_yes_no_have_no_short_span():
    assert best_span("Why are plans weak?", "Plans are weak because goals are vague.", None) is None


@pytest.mark.parametrize(
    "question, kind",
    [
        ("What is the name of the LSCB chair?", "person"),
        ("What is the name of the Acting Director of Children's Services?", "person"),
        ("Which senior officer heads the joint abuse forum?", "person"),
        ("Which team member was an associate inspector?", "person"),
        ("Which team leads on adoption?", "organisation"),
    ],
)
def test_questions_about_a_role_holder_ask_for_a_person(question, kind):
    assert answer_type(question) == kind


def test_person_question_does_not_take_a_capitalised_common_word_or_an_organisation():
    sentence = "Staff at the Virtual School and the Local Safeguarding Children Board meet every term."
    assert span_text("Who chairs the meetings?", sentence) is None


def test_person_question_takes_a_full_name():
    sentence = "The team was led by Peter McEntee HMI and included a social care inspector."
    assert span_text("Who led the team?", sentence).startswith("Peter McEntee")


def test_name_question_is_not_answered_by_the_role_alone():
    sentence = "The Acting Director of Children's Services has been in post since March 2015."
    assert span_text("What is the name of the Acting Director of Children's Services?", sentence) is None
    assert span_text("Who has been in post since March 2015?", sentence) == "Acting Director of Children's Services"
