import numpy as np

from qa_app.search.acronyms import find_acronyms, spell_out
from qa_app.search.lexical import build_lexical, lexical_scores, load_lexical, tokenize


def test_an_acronym_in_a_query_finds_text_that_spells_it_out_and_back(tmp_path):
    texts = [
        "Independent reviewing officers (IROs) have high caseloads.",
        "IRO caseloads are more than 80 children each.",
        "Foster carers receive core training.",
    ]
    acronyms = find_acronyms(texts)
    build_lexical([spell_out(t, acronyms) for t in texts], tmp_path / "bm25", acronyms)
    model = load_lexical(tmp_path / "bm25")
    scores = lexical_scores(model, "how many children does each reviewing officer have")
    assert scores[1] > 0 and scores[2] == 0
    scores = lexical_scores(model, "IRO")
    assert scores[0] > 0 and scores[2] == 0


def test_numbers_with_thousands_separators_match_either_way():
    assert tokenize(["1,766 children"]) == tokenize(["1766 children"])


def test_query_with_no_known_word_scores_nothing(tmp_path):
    build_lexical(["Foster carers receive core training."], tmp_path / "bm25", {})
    assert not np.any(lexical_scores(load_lexical(tmp_path / "bm25"), "zebra xylophone"))
