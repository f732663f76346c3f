import numpy as np

from qa_app.lexical import (
    build_lexical,
    expand,
    find_acronyms,
    lexical_scores,
    load_lexical,
    tokenize,
)


def test_acronyms_are_found_where_the_report_defines_them():
    texts = [
        "The multi-agency safeguarding hub (MASH) shares information.",
        "Caseloads of independent reviewing officers (IROs) are high.",
        "The advice and referral team (ART) signposts families.",
        "Too many are not in education, employment or training (NEET).",
    ]
    assert find_acronyms(texts) == {
        "MASH": "multi agency safeguarding hub",
        "IRO": "independent reviewing officers",
        "ART": "advice and referral team",
        "NEET": "not in education employment or training",
    }


def test_brackets_that_do_not_spell_an_acronym_are_ignored():
    assert find_acronyms(["Children (aged 0-19) live here (see ABC)."]) == {}


def test_an_acronym_in_a_query_finds_text_that_spells_it_out_and_back(tmp_path):
    texts = [
        "Independent reviewing officers (IROs) have high caseloads.",
        "IRO caseloads are more than 80 children each.",
        "Foster carers receive core training.",
    ]
    build_lexical(texts, tmp_path / "bm25")
    model = load_lexical(tmp_path / "bm25")
    scores = lexical_scores(model, "how many children does each reviewing officer have")
    assert scores[1] > 0 and scores[2] == 0
    assert expand("IRO caseloads", model.acronyms).endswith("Independent reviewing officers")


def test_numbers_with_thousands_separators_match_either_way():
    assert tokenize(["1,766 children"]) == tokenize(["1766 children"])


def test_query_with_no_known_word_scores_nothing(tmp_path):
    build_lexical(["Foster carers receive core training."], tmp_path / "bm25")
    assert not np.any(lexical_scores(load_lexical(tmp_path / "bm25"), "zebra xylophone"))
