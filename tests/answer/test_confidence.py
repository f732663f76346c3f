from qa_app.answer.confidence import level_of, premise_contradicted, unseen_share
from qa_app.answer.reader import paragraph_asked
from qa_app.answer.signals import reverses_what_is_asked

ADOPTION = "Local authority adopters are actively involved in attracting prospective adopters."


def test_levels_follow_the_thresholds_and_refuse_below_the_last():
    assert [level_of(c, 0.8, 0.5, 0.3) for c in (0.9, 0.8, 0.6, 0.4, 0.1)] == ["high", "high", "medium", "low", None]


def test_a_why_question_assuming_a_decline_in_a_section_judged_good_is_contradicted():
    question = "Why did the local authority's adoption performance decline?"
    assert premise_contradicted(question, ADOPTION, "Good") == 1.0
    assert premise_contradicted(question, ADOPTION, "Requires improvement") == 0.0
    assert premise_contradicted(question, ADOPTION + " Performance declined in 2014.", "Good") == 0.0


def test_a_yes_no_question_asks_about_its_premise_rather_than_assuming_it():
    assert premise_contradicted("Did adoption performance decline?", ADOPTION, "Good") == 0.0


def test_a_rise_asked_about_where_the_report_says_it_fell_is_contradicted():
    passage = "At 31 March 2015, 261 children were the subject of a plan. This is a reduction from 308."
    assert premise_contradicted("Why did the number of child protection plans increase?", passage, None) == 1.0
    assert premise_contradicted("Why did the number of child protection plans fall?", passage, None) == 0.0


def test_a_judgement_named_in_the_question_that_is_not_the_sections_is_contradicted():
    assert (
        premise_contradicted("Why is leadership judged outstanding?", "Leaders know the service.", "Requires improvement") == 1.0
    )
    assert premise_contradicted("Why is leadership judged outstanding?", "Leaders know the service.", "Outstanding") == 0.0


def test_words_no_passage_uses_are_unseen_but_other_scripts_are_not_judged():
    passages = ["The prevent team has been in place since 2008."]
    assert unseen_share("What is the mayor's favourite football team?", passages) == 0.75
    assert unseen_share("How many children (детей) are in the team?", ["Children in the team."]) == 0.0


def test_a_paragraph_is_asked_for_whole_only_when_nothing_else_is_asked():
    assert paragraph_asked("What is in paragraph 65?") == 65
    assert paragraph_asked("What does paragraph 12 say?") == 12
    assert paragraph_asked("¶65") == 65
    assert paragraph_asked("How many IROs does paragraph 65 mention?") is None
    assert paragraph_asked("How many children were looked after?") is None


def test_a_count_of_those_who_stopped_being_counted_does_not_answer():
    sentence = "216 children ceased to be looked after, of whom 9% returned."
    assert reverses_what_is_asked("How many children were looked after?", sentence, (0, 3))
    assert not reverses_what_is_asked("How many children ceased to be looked after?", sentence, (0, 3))
