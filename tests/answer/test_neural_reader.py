import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from support import make_hit

from qa_app.answer.neural_reader import TransformersReader, best_window_span, whole_words
from qa_app.answer.reader import NOT_ANSWERED

LONG = " ".join(f"Sentence {i} is filler about the service." for i in range(60)) + " The target word is zebra here."


def hit(text, paragraph):
    return make_hit(text=text, paragraph=paragraph, doc_title="Stoke", section_path="Section", judgement=None)


def forcing(reader, start_token, end_token=None, null=False):
    """Replace the model's logits: the chosen token ids (or [CLS]) get the highest start/end logits."""
    tokenizer, model = reader._load()
    start_id = tokenizer.convert_tokens_to_ids(start_token)
    end_id = tokenizer.convert_tokens_to_ids(end_token or start_token)

    def fake(input_ids, **_):
        start = torch.where(input_ids == start_id, 8.0, 0.0)
        end = torch.where(input_ids == end_id, 8.0, 0.0)
        if null:
            start[:, 0] = end[:, 0] = 20.0
        return SimpleNamespace(start_logits=start, end_logits=end)

    fake.parameters = model.parameters
    reader._model = fake
    return reader


def test_construction_is_lazy_a_missing_model_builds_a_reader_with_default_windows():
    reader = TransformersReader("/no/such/model")  # nothing is read until the first question
    assert reader._model is None and reader.max_length == 384 and reader.stride == 128


def test_untrained_model_still_returns_a_verbatim_span(tiny_qa_model):
    h = hit("At 31 March 2015, 609 children are being looked after by the local authority.", 7)
    answer = TransformersReader(tiny_qa_model, no_answer_margin=1e9).read("How many children?", [h])
    c = answer.citations[0]
    assert answer.answered and answer.answer == c.text[c.answer_start : c.answer_end]
    assert c.quote_start <= c.answer_start <= c.answer_end <= c.quote_end
    record = answer.to_dict()
    assert json.loads(json.dumps(record)) == record


def test_long_passage_becomes_overlapping_windows_that_reach_its_end(tiny_qa_model):
    reader = forcing(TransformersReader(tiny_qa_model, max_length=64, stride=16), "zebra")
    spans = reader.spans("Where is the target?", [hit(LONG, 1)])
    assert len(spans) > 5  # one best span per window
    answer = reader.read("Where is the target?", [hit(LONG, 1)])
    assert answer.answer == "zebra"
    c = answer.citations[0]
    assert c.text[c.answer_start : c.answer_end] == "zebra" == LONG[c.answer_start : c.answer_end]
    assert c.quote == "The target word is zebra here."


def test_offsets_map_multi_token_spans_back_to_exact_characters(tiny_qa_model):
    text = "Children's services were judged to require improvement in Stoke-on-Trent overall."
    answer = forcing(TransformersReader(tiny_qa_model), "require", "improvement").read("What judgement?", [hit(text, 3)])
    assert answer.answer == "require improvement"
    c = answer.citations[0]
    assert text[c.answer_start : c.answer_end] == "require improvement"


def test_a_span_starting_inside_a_word_is_widened_to_the_whole_word(tiny_qa_model):
    text = "The multi-agency safeguarding hub shares information."
    answer = forcing(TransformersReader(tiny_qa_model), "##ing").read("What shares information?", [hit(text, 4)])
    assert answer.answer == "safeguarding"
    assert whole_words("multi-agency", 7, 9) == (6, 12)  # a hyphen ends a word


def test_no_answer_when_cls_wins(tiny_qa_model):
    reader = forcing(TransformersReader(tiny_qa_model), "zebra", null=True)
    answer = reader.read("Where is the target?", [hit("The target word is zebra here.", 1)])
    assert not answer.answered and answer.answer is None and answer.message == NOT_ANSWERED
    assert answer.confidence < 0.5 and answer.citations  # the closest passages are still listed


def test_best_span_is_chosen_across_passages(tiny_qa_model):
    hits = [hit("Nothing relevant is said in this paragraph at all.", 1), hit("The target word is zebra here.", 2)]
    answer = forcing(TransformersReader(tiny_qa_model), "zebra").read("Where is the target?", hits)
    assert answer.answer == "zebra" and answer.citations[0].paragraph == 2
    assert [c.paragraph for c in answer.citations] == [2, 1]


def test_window_span_respects_maximum_length_and_order():
    start = np.array([0.0, 0.0, 5.0, -2.0, -5.0])
    end = np.array([0.0, 4.0, -1.0, 0.0, 6.0])
    context = np.array([False, True, True, True, True])
    s, e, score, null = best_window_span(start, end, context, max_answer_tokens=2)
    assert (s, e) == (2, 3)  # end 1 is before the start; end 4 makes the span three tokens long
    s, e, _, _ = best_window_span(start, end, context, max_answer_tokens=3)
    assert (s, e) == (2, 4)
    assert score <= 0 and null <= 0  # log-probabilities: one scale for every window


def test_missing_model_is_a_readable_error(tmp_path):
    from qa_app.errors import QAError

    with pytest.raises(QAError, match="reader_model"):
        TransformersReader(str(tmp_path / "missing")).read("Q?", [hit("Some text.", 1)])
