import pytest

from qa_app.answer.spans import best_span
from qa_app.query.answer_types import answer_type

LOOKED_AFTER = (
    "At 31 March 2015, 609 children are being looked after by the local authority (a rate of 110.6 per 10,000 children)."
)


def span_text(question, sentence):
    span = best_span(question, sentence, answer_type(question))
    return None if span is None else sentence[span[0] : span[1]]


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many children were looked after at 31 March 2015?", "number"),
        ("Which paragraph is the recommendation on private fostering based on?", "number"),
        ("What percentage of children live in poverty?", "percent"),
        ("What proportion of care leavers are in education?", "percent"),
        ("How much money was spent on training?", "money"),
        ("When was the previous inspection?", "date"),
        ("In what year did the chair start?", "date"),
        ("How was leadership judged?", "judgement"),
        ("What is the overall effectiveness rating?", "judgement"),
        ("Who was the lead inspector?", "person"),
        ("What is the name of the LSCB chair?", "person"),  # a role holder's name is a person ...
        ("What is the name of the Acting Director of Children's Services?", "person"),
        ("Which senior officer heads the joint abuse forum?", "person"),
        ("Which team member was an associate inspector?", "person"),
        ("Which team leads on adoption?", "organisation"),  # ... the team itself is an organisation
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
        ("The movement began in the mid-18th century within the Church of England.", "mid-18th century"),
        ("Missionaries founded the schools in the early nineteenth century.", "early nineteenth century"),
        ("The extinction came about 66 million years ago, after the asteroid.", "66 million years ago"),
        ("The glacial period lasted until about 11,600 BP in most of Europe.", "11,600 BP"),
    ],
)
def test_dates_are_taken_whole(sentence, expected):
    assert span_text("When did performance or the post change?", sentence) == expected


def test_judgement_is_the_grade_phrase():
    sentence = "Leadership, management and governance: Requires improvement"
    assert span_text("How was leadership, management and governance judged?", sentence) == "Requires improvement"


def test_a_judgement_in_the_plural_is_taken_whole_not_cut_to_its_last_word():
    sentence = "Children’s services in Stoke-on-Trent require improvement to be good."
    assert span_text("What overall judgement did the services get?", sentence) == "require improvement to be good"


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("What share of young people decline support?", "Of those offered it, more than 60% decline support.", "more than 60%"),
        ("What share of managers skip audits?", "At least 40% of managers do not complete audits.", "At least 40%"),
        ("How many children does each officer review?", "Caseloads are over 80 children each.", "over 80"),
        ("How much do care leavers get for university?", "They receive up to £5,000 a year.", "up to £5,000"),
    ],
)
def test_a_quantity_keeps_the_words_that_bound_it(question, sentence, expected):
    assert span_text(question, sentence) == expected


def test_a_bound_must_be_a_word_of_its_own():
    assert span_text("What share of staff left?", "Staff turnover 12% was reported.") == "12%"


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("How long on average between care and adoption?", "The average was 536 days in 2014.", "536 days"),
        ("How long is the Rhine?", "The Rhine is 1,230 km long.", "1,230 km"),
        ("What's the expected length of care proceedings?", "Cases meet the expected timescale of 26 weeks.", "26 weeks"),
        ("How many days did adoption take?", "The average was 536 days in 2014.", "536"),
    ],
)
def test_a_measure_keeps_its_unit_when_the_question_asks_how_long(question, sentence, expected):
    assert span_text(question, sentence) == expected


def test_person_name_with_post_nominals():
    assert span_text("Who was the lead inspector?", "Lead inspector: Peter McEntee HMI") == "Peter McEntee HMI"


def test_no_typed_candidate_gives_no_span():
    assert best_span("How many children?", "Managers know their services well.", "number") is None


def test_explanation_and_yes_no_have_no_short_span():
    assert best_span("Why are plans weak?", "Plans are weak because goals are vague.", None) is None


def test_person_question_does_not_take_a_capitalised_common_word_or_an_organisation():
    sentence = "Staff at the Virtual School and the Local Safeguarding Children Board meet every term."
    assert span_text("Who chairs the meetings?", sentence) is None


def test_person_question_does_not_take_a_heading_of_the_corpus_s_ordinary_words():
    sentence = "The Virtual School reports that Key Stage results under Working Together rose, said Jane Ode."
    question = "Who is the head of the Virtual School?"
    common = frozenset({"key", "stage", "working", "together"})
    span = best_span(question, sentence, "person", common)
    assert sentence[span[0] : span[1]] == "Jane Ode"
    assert best_span(question, sentence.replace(", said Jane Ode", ""), "person", common) is None


def test_person_question_takes_a_full_name():
    sentence = "The team was led by Peter McEntee HMI and included a social care inspector."
    assert span_text("Who led the team?", sentence).startswith("Peter McEntee")


def test_person_question_falls_back_to_a_one_word_name_inside_the_sentence():
    sentence = "In 1915 neither Tesla nor Edison won the prize, although Edison received one bid."
    assert span_text("Who received a bid?", sentence) == "Edison"
    assert span_text("Who received a bid?", "Students received one bid.") is None


def test_a_forum_is_not_a_person_and_a_constable_is_a_role():
    forum = "Progress is monitored at a strategic level by the Senior Leadership Sexual Abuse Forum."
    assert span_text("Which senior officer heads the forum?", forum) is None
    chaired = "The forum is chaired by the assistant chief constable from Staffordshire police."
    assert span_text("Which senior officer heads the forum?", chaired) == "assistant chief constable"


def test_person_name_may_carry_a_particle():
    sentence = "For many years, Sudan had an Islamist regime under the leadership of Hassan al-Turabi."
    assert span_text("Who led the Islamist regime in Sudan?", sentence) == "Hassan al-Turabi"


def test_name_question_is_not_answered_by_the_role_alone():
    sentence = "The Acting Director of Children's Services has been in post since March 2015."
    assert span_text("What is the name of the Acting Director of Children's Services?", sentence) is None
    assert span_text("Who has been in post since March 2015?", sentence) == "Acting Director of Children's Services"


# Untyped "what/which" factoids: the answer is the phrase the question does not already say,
# next to the words it does say, stripped of articles and cut at clause boundaries.
UNTYPED = [
    ("What did the team win in 2010?", "In 2010 the team won the league cup.", "league cup"),
    ("What is the capital of Peru?", "The capital of Peru is Lima, a city on the Pacific coast.", "Lima"),
    ("What instrument did she play?", "She played the cello in the city orchestra for ten years.", "cello"),
    ("Which language is spoken in Brazil?", "Portuguese is the official language of Brazil.", "Portuguese"),
    ("What was the ship's name?", "The ship, named the Northern Star, sank in 1902.", "Northern Star"),
    ("What does the company make?", "The company makes bicycles and sells them across Europe.", "bicycles"),
    ("What colour is the flag?", "The flag is green with a white star in the centre.", "green"),
    ("What did the council build?", "Last year the council built a new library, which opened in May.", "new library"),
    ("What is the largest planet in the solar system?", "Jupiter is the largest planet in the solar system.", "Jupiter"),
    ("What was the cause of the fire?", "Investigators said the cause of the fire was a faulty heater.", "faulty heater"),
    ("What prize did the novel win?", "The novel won the Booker Prize and sold a million copies.", "Booker Prize"),
    ("What is the main export of the island?", "Sugar is the main export of the island, followed by rum.", "Sugar"),
    ("Which river flows through the town?", "The town lies on the banks of the river Avon, which flows west.", "Avon"),
    ("What was the bridge made of?", "The old bridge was made of stone quarried nearby.", "stone"),
    ("What type of tree grows on the hill?", "Tall oak trees grow on the hill above the village.", "Tall oak"),
    ("What is the name of the museum's founder?", "The museum was founded by Harriet Lane in 1890.", "Harriet Lane"),
    ("What sport does the club play?", "The club plays rugby and has two grounds.", "rugby"),
    ("What are students required to wear?", "Students are required to wear a blue uniform at all times.", "blue uniform"),
    ("Which company bought the factory?", "The factory was bought by Acme Steel in 1985.", "Acme Steel"),
    ("What did the king sign?", "After the war the king signed a peace treaty with his neighbours.", "peace treaty"),
    ("What replaced the old tram line?", "The old tram line was replaced by a bus service in 1960.", "bus service"),
    ("What is made from the grapes?", "The grapes are harvested in autumn and made into red wine.", "red wine"),
    ("What title did he hold?", "He held the title of Duke of Norfolk until his death.", "Duke of Norfolk"),
    (
        "What does the acronym NASA stand for?",
        "NASA stands for National Aeronautics and Space Administration.",
        "National Aeronautics and Space Administration",
    ),
    ("What gas do plants absorb?", "Plants absorb carbon dioxide from the air through their leaves.", "carbon dioxide"),
]


@pytest.mark.parametrize("question, sentence, expected", UNTYPED)
def test_untyped_factoid_takes_the_phrase_beside_the_question_words(question, sentence, expected):
    assert span_text(question, sentence) == expected


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("Where was the treaty signed?", "The treaty was signed in Paris by both kings.", "Paris"),
        ("Where is the head office?", "Since 2001 the Trust has had its head office in Leeds.", "Leeds"),
        ("Where did she study?", "She studied medicine at Edinburgh University before moving to London.", "Edinburgh University"),
    ],
)
def test_where_prefers_a_place_after_in_at_from(question, sentence, expected):
    assert span_text(question, sentence) == expected


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("Who wrote the report?", "The report was written by Dr Jane Smith and published in June.", "Dr Jane Smith"),
        ("When did the school open?", "The school opened in September 1998 with 200 pupils.", "September 1998"),
    ],
)
def test_who_and_when_keep_their_typed_answers(question, sentence, expected):
    assert span_text(question, sentence) == expected


def test_untyped_span_is_verbatim_and_never_empty():
    sentence = "It was, in the end, a  quiet  victory."
    span = best_span("What kind of result was it?", sentence, "thing")
    assert span is not None and span[0] < span[1]
    assert sentence[span[0] : span[1]].strip() == sentence[span[0] : span[1]]
