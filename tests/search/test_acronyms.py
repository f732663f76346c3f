from qa_app.search.acronyms import find_acronyms, spell_out


def test_acronyms_are_found_where_the_report_defines_them():
    texts = [
        "The multi-agency safeguarding hub (MASH) shares information.",
        "Caseloads of independent reviewing officers (IROs) are high.",
        "The advice and referral team (ART) signposts families.",
        "Too many are not in education, employment or training (NEET).",
        "The recently appointed Acting Director for Children's Services (DCS) started in March.",
    ]
    assert find_acronyms(texts) == {
        "MASH": "multi agency safeguarding hub",
        "IRO": "independent reviewing officers",
        "ART": "advice and referral team",
        "NEET": "not in education employment or training",
        "DCS": "Director for Children's Services",
    }


def test_brackets_that_do_not_spell_an_acronym_are_ignored():
    assert find_acronyms(["Children (aged 0-19) live here (see ABC)."]) == {}


def test_acronyms_are_spelled_out_where_used_but_not_where_defined():
    acronyms = {"IRO": "independent reviewing officers", "MASH": "multi agency safeguarding hub"}
    text = "Independent reviewing officers (IROs) are busy. IRO caseloads exceed 80 and the MASH is new."
    assert spell_out(text, acronyms) == (
        "Independent reviewing officers (IROs) are busy. IRO (independent reviewing officers) caseloads exceed 80 "
        "and the MASH (multi agency safeguarding hub) is new."
    )


def test_words_that_merely_contain_an_acronym_are_left_alone():
    assert spell_out("MASHED potatoes and ARTWORK", {"MASH": "hub", "ART": "team"}) == "MASHED potatoes and ARTWORK"
