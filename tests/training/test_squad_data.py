import json

import pytest

from qa_app.errors import QAError
from qa_app.training import squad
from qa_app.training.features import batches, windows, with_negatives


def squad_file(tmp_path, articles):
    data = {"version": "1.1", "data": [{"title": t, "paragraphs": ps} for t, ps in articles]}
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(data))
    return path


def paragraph(context, *qas):
    return {
        "context": context,
        "qas": [{"id": i, "question": q, "answers": [{"text": a, "answer_start": context.index(a)}]} for i, q, a in qas],
    }


@pytest.fixture
def examples(tmp_path):
    articles = [
        (
            "Otters",
            [
                paragraph("Otters eat fish. They live in rivers across Europe.", ("o1", "What do otters eat?", "fish")),
                paragraph("A group of otters is called a romp.", ("o2", "What is a group of otters called?", "romp")),
            ],
        ),
        ("Moss", [paragraph("Moss grows on north walls in damp places.", ("m1", "Where does moss grow?", "north walls"))]),
    ]
    return squad.load(squad_file(tmp_path, articles))


def test_a_squad_file_becomes_one_example_per_question_with_its_answer_offsets(examples):
    assert [e.id for e in examples] == ["o1", "o2", "m1"]
    first = examples[0]
    text, start = first.answers[0]
    assert first.context[start : start + len(text)] == "fish" and first.article == "Otters"


def test_held_out_articles_share_no_article_with_training(examples):
    train, held = squad.split_by_article(examples, 0.5)
    assert train and held
    assert not {e.article for e in train} & {e.article for e in held}


def test_a_data_file_with_the_wrong_hash_is_refused_and_removed(tmp_path):
    for split, (member, _) in squad.FILES.items():
        (tmp_path / member.rsplit("/", 1)[1]).write_text("{}")
    with pytest.raises(QAError, match="not the official SQuAD"):
        squad.fetch(tmp_path)
    assert not (tmp_path / "train-v1.1.json").exists()


def test_negatives_pair_a_question_with_another_paragraph_that_lacks_its_answer(examples):
    mixed = with_negatives(examples, 1.0, seed=1)
    negatives = [e for e in mixed if not e.answers]
    assert negatives, "the otter article has two paragraphs, so its questions get negatives"
    for n in negatives:
        original = next(e for e in examples if n.id == e.id + "-neg")
        assert n.context != original.context and original.answers[0][0] not in n.context


def test_windows_label_the_answer_tokens_or_cls_when_the_window_cuts_it_off(examples):
    from transformers import AutoTokenizer

    from qa_app.training.loop import base_model

    tokenizer = AutoTokenizer.from_pretrained(base_model())
    rows = windows(examples, tokenizer, max_length=64, stride=16)
    for row, example in zip(rows, examples):
        decoded = tokenizer.decode(list(row.input_ids[row.start : row.end + 1]))
        assert decoded == example.answers[0][0].lower()
    long = squad.Example("x", "X", "filler words here. " * 40 + "The answer is zebra.", "What is the answer?", (("zebra", 0),))
    long = squad.Example("x", "X", long.context, long.question, (("zebra", long.context.index("zebra")),))
    cut = windows([long], tokenizer, max_length=48, stride=8)
    assert len(cut) > 1 and any(r.start == r.end == 0 for r in cut) and any(r.start > 0 for r in cut)


def test_batches_cover_every_row_once_in_an_order_fixed_by_the_seed(examples):
    from qa_app.training.features import Window

    rows = [Window(tuple(range(n)), (0,) * n, 0, 0) for n in range(3, 40)]
    first, again = batches(rows, 4, seed=7), batches(rows, 4, seed=7)
    assert first == again
    assert sorted(len(r.input_ids) for b in first for r in b) == sorted(len(r.input_ids) for r in rows)
