from qa_app.search.vocabulary import common_words


def test_words_mostly_written_in_lower_case_are_common_and_names_are_not():
    texts = [
        "Key Stage 2 results rose. The key test is at the next stage, a later stage.",
        "Tesla built the coil; Tesla said a field of one tesla was strong. Tesla left.",
        "Brenda McLaughlin HMI led the inspection. Inspection findings follow.",
    ]
    common = common_words(texts)
    assert {"key", "stage", "inspection"} <= common
    assert not {"tesla", "brenda", "mclaughlin", "hmi"} & common


def test_words_never_capitalised_are_left_out():
    assert "children" not in common_words(["children play outside"])
