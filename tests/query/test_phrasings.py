from qa_app.query.phrasings import report_phrasing


def test_everyday_phrasings_become_the_reports_own_words():
    assert report_phrasing("how many kids are in care") == "how many children are looked after"
    assert report_phrasing("How many LAC are there?") == "How many children looked after are there?"
    assert report_phrasing("How many children came into care?") == "How many children became looked after?"


def test_the_children_in_care_council_keeps_its_name():
    question = "What does the Children in Care Council do?"
    assert report_phrasing(question) == question
