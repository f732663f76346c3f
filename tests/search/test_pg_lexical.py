"""Scoring a few reports' windows from their tokens, as the PostgreSQL store does: pure functions, no server."""

import numpy as np

from qa_app.search.lexical import tokenize
from qa_app.search.store.postgres.lexical import bm25, document_frequencies, term_frequencies


def test_term_frequencies_count_whole_tokens_even_side_by_side():
    texts = ["children children children care", "child care", "", "careless children"]
    counts = term_frequencies(texts, ["children", "care"])
    assert counts.tolist() == [[3, 1], [0, 1], [0, 0], [1, 0]]


def test_scores_follow_bm25s_on_a_small_corpus():
    import bm25s

    corpus = ["Children in care are visited.", "Care leavers have advisers.", "Children children everywhere in care."]
    tokens = tokenize(corpus)
    model = bm25s.BM25()
    model.index(tokens, show_progress=False)
    df = document_frequencies(tokens)
    total = sum(len(t) for t in tokens)
    for question in ("children in care", "care care", "advisers", "zebra"):
        query = [t for t in tokenize([question])[0] if t in model.vocab_dict]
        expected = model.get_scores(query) if query else np.zeros(len(corpus))
        got = bm25(
            tokenize([question])[0], df, [len(t) for t in tokens], [" ".join(t) for t in tokens], len(corpus), total / len(corpus)
        )
        assert np.allclose(got, expected, atol=1e-6), question
