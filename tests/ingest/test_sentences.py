from qa_app.ingest.sentences import split_sentences


def sentences(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_do_not_end_sentences():
    text = "Mr. Smith met Dr. Jones. Work is weak, e.g. in audits, i.e. below par, etc. and more. See no. 5 here."
    assert sentences(text) == [
        "Mr. Smith met Dr. Jones.",
        "Work is weak, e.g. in audits, i.e. below par, etc. and more.",
        "See no. 5 here.",
    ]


def test_decimals_ranges_and_grades_stay_inside_one_sentence():
    text = (
        "At 31 March 2015, 609 children are being looked after (a rate of 110.6 per 10,000 children). "
        "In 2014–15, 48% of pupils achieved 5 A* to C grades. In 2013/14 it was lower."
    )
    assert sentences(text) == [
        "At 31 March 2015, 609 children are being looked after (a rate of 110.6 per 10,000 children).",
        "In 2014–15, 48% of pupils achieved 5 A* to C grades.",
        "In 2013/14 it was lower.",
    ]


def test_quotes_end_with_their_sentence():
    text = 'One young person said, "They listen to me." Managers agree.'
    assert sentences(text) == ['One young person said, "They listen to me."', "Managers agree."]


def test_list_items_are_separate_sentences_without_their_bullets():
    text = "The proportion of children:\n- in primary schools is 27%\n- in secondary schools is 21%.\n1. First point"
    assert sentences(text) == [
        "The proportion of children:",
        "in primary schools is 27%",
        "in secondary schools is 21%.",
        "First point",
    ]


def test_soft_wrapped_line_is_one_sentence():
    text = "The local authority has\nimproved its services. It is not yet good."
    assert sentences(text) == ["The local authority has\nimproved its services.", "It is not yet good."]


def test_spans_are_exact_stripped_and_ordered_even_for_repeated_sentences():
    text = "  It is good.  It is good. \n\n It is good.  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["It is good."] * 3
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_empty_text_has_no_sentences():
    assert split_sentences("") == []
    assert split_sentences(" \n ") == []


def test_a_report_sized_text_is_split_into_every_sentence():
    text = ("At 31 March 2015, nine children lived in a privately arranged fostering placement. " * 10 + "\n\n") * 30
    assert len(split_sentences(text)) == 300
