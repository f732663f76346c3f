import re

import numpy as np
import pytest
from support import make_hit

from qa_app.answer.reader import NOT_ANSWERED
from qa_app.answer.span_model import Windows
from qa_app.answer.trained_reader import TrainedReader


class WordModel:
    """A stand-in span model over whitespace words: the chosen word gets the top start and end logits."""

    def __init__(self, target: str | None):
        self.target = target

    def windows(self, question, passages):
        rows, offsets, context = [], [], []
        for p in passages:
            spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", p)]
            rows.append(["[CLS]", *question.split(), "[SEP]", *(p[s:e] for s, e in spans), "[SEP]"])
            offsets.append(((0, 0),) * (len(question.split()) + 2) + tuple(spans) + ((0, 0),))
            context.append([False] * (len(question.split()) + 2) + [True] * len(spans) + [False])
        width = max(len(r) for r in rows)
        pad = lambda values, fill: np.array([list(v) + [fill] * (width - len(v)) for v in values])  # noqa: E731
        self.rows = rows
        return Windows(
            pad([[1] * len(r) for r in rows], 0),
            pad([[1] * len(r) for r in rows], 0),
            pad([[0] * len(r) for r in rows], 0),
            pad(context, False),
            tuple(offsets),
            tuple(range(len(passages))),
        )

    def logits(self, windows):
        width = windows.ids.shape[1]
        start = np.zeros((len(self.rows), width))
        for i, row in enumerate(self.rows):
            for j, token in enumerate(row):
                if token.strip(".,") == self.target and windows.context[i, j]:
                    start[i, j] = 12.0
            if self.target is None:
                start[i, 0] = 12.0
        return start, start.copy()


def passage(text, paragraph, score=0.8, judgement=None, section="Children looked after"):
    return make_hit(text=text, paragraph=paragraph, doc_title="Norfolk", section_path=section, judgement=judgement, score=score)


HITS = [
    passage("Early help cases stay open for 14 weeks on average.", 3, 0.7),
    passage("The council looked after 609 children in March 2023. Most live in foster care.", 7, 0.9),
]
ALWAYS = (0.0, 0.0, -1.0)  # thresholds under which every span is offered


def test_the_answer_is_the_span_inside_its_sentence_and_its_passage_is_cited_first():
    reader = TrainedReader(WordModel("609"), thresholds=ALWAYS)
    answer = reader.read("How many children were looked after?", HITS)
    assert answer.answered and answer.answer == "609"
    assert answer.sentence == "The council looked after 609 children in March 2023."
    first = answer.citations[0]
    assert first.paragraph == 7 and first.text[first.answer_start : first.answer_end] == "609"
    assert answer.confidence_level == "high"


def test_when_no_answer_wins_everywhere_the_reader_refuses_and_still_lists_the_closest_passages():
    reader = TrainedReader(WordModel(None))
    answer = reader.read("Who is the mayor's favourite footballer?", HITS)
    assert not answer.answered and answer.message == NOT_ANSWERED and answer.confidence_level is None
    assert answer.citations, "the closest passages are still cited"


def test_the_signals_of_a_read_are_returned_for_calibration():
    reader = TrainedReader(WordModel("609"), thresholds=ALWAYS)
    _, signals = reader.read_with_signals("How many children were looked after?", HITS)
    assert len(signals) == len(HITS)  # every passage's offer, the answer's first
    span_probability, margin, retrieval, rank = signals[0][:4]
    assert span_probability > 0.9 and margin > 0 and retrieval == 0.9 and rank == pytest.approx(0.2)


def test_a_premise_the_report_contradicts_is_answered_with_what_the_report_judges():
    hits = [
        passage(
            "Adoption services are outstanding and children find families quickly.",
            12,
            judgement="Outstanding",
            section="Adoption",
        )
    ]
    reader = TrainedReader(WordModel("families"), thresholds=ALWAYS)
    answer = reader.read("Why was adoption judged inadequate?", hits)
    assert not answer.answered
    assert answer.message == "The report does not say that: it judges Adoption Outstanding."
    assert answer.citations[0].paragraph == 12


def test_a_paragraph_asked_for_by_number_is_given_whole():
    answer = TrainedReader(WordModel("609")).read("What is in paragraph 7?", HITS)
    assert answer.answer == HITS[1].text and answer.confidence_level == "high"


def test_the_shipped_reader_loads_checked_and_reads_a_count_from_a_report_passage():
    from qa_app.answer.span_model import OnnxSpanModel

    reader = TrainedReader(OnnxSpanModel(), thresholds=ALWAYS)
    answer = reader.read(
        "How many children were placed in unregulated settings?",
        HITS[:1]
        + [
            passage(
                "At the time of the inspection, 56 children were placed in unregulated settings, some a long way from home.", 22
            ),
        ],
        None,
    )
    assert answer.answer == "56" and answer.citations[0].paragraph == 22


def test_readers_made_again_after_a_corpus_change_share_one_loaded_span_model():
    from qa_app.answer.registry import make_reader
    from qa_app.config import Settings

    settings = Settings.load({}, reader="trained")
    assert make_reader(settings, None).model is make_reader(settings, None).model


def test_windows_of_different_lengths_read_the_same_in_length_groups_as_padded_together():
    from qa_app.answer.span_model import OnnxSpanModel

    model = OnnxSpanModel()
    question = "How many children were placed in unregulated settings?"
    passages = ["56 children were placed in unregulated settings.", " ".join(["Leaders know their services well."] * 40)]
    windows = model.windows(question, passages)
    _, session = model._load()
    feed = {"input_ids": windows.ids, "attention_mask": windows.mask, "token_type_ids": windows.types}
    padded_start, padded_end = session.run(["start_logits", "end_logits"], feed)
    start, end = model.logits(windows)
    real = windows.mask == 1
    assert len(set(windows.mask.sum(axis=1))) > 1
    # int8 activations are scaled per batch, so logits move a little with the padding; the spans do not.
    for ours, theirs in ((start, padded_start), (end, padded_end)):
        assert np.abs(ours[real] - theirs[real]).mean() < 0.25
        assert (np.where(real, ours, -np.inf).argmax(axis=1) == np.where(real, theirs, -np.inf).argmax(axis=1)).all()
    assert np.isneginf(start[~real]).all()


def test_length_groups_keep_similar_lengths_together_and_every_row_once():
    from qa_app.answer.span_model import length_groups

    lengths = np.array([250, 40, 45, 240, 100, 42])
    groups = length_groups(lengths, batch_size=2)
    assert sorted(int(r) for g in groups for r in g) == list(range(6))
    assert all(len(g) <= 2 and lengths[g].max() <= 1.3 * lengths[g].min() for g in groups)


def test_the_answer_is_the_most_confident_offer_not_the_likeliest_span():
    hits = [
        passage("In 2019, 56 children were placed in unregulated settings; 56 is twice the number in 2018.", 22, 0.9),
        passage("Leaders placed 56 children with foster carers.", 30, 0.3),
    ]
    question = "How many children were placed in unregulated settings?"
    trusting_search = (0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    trusting_spans = (0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    by_search = TrainedReader(WordModel("56"), weights=trusting_search, thresholds=ALWAYS).read(question, hits)
    by_span = TrainedReader(WordModel("56"), weights=trusting_spans, thresholds=ALWAYS).read(question, hits)
    assert by_search.citations[0].paragraph == 22 and by_span.citations[0].paragraph == 30
