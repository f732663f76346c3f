"""A question that names a place, a year or a framework is answered from that place's reports."""

from __future__ import annotations

import pytest

from qa_app.query.filters import Filters
from qa_app.query.report_filters import matching_reports, summary
from qa_app.query.scope import resolve_scope
from qa_app.records import Report


def report(doc_id: str, authority: str, published: str, framework: str = "ILACS", **facts) -> Report:
    return Report(
        doc_id, f"Inspection of {authority}", f"{doc_id}.pdf", "0" * 64, (), authority, framework, published=published, **facts
    )


REPORTS = [
    report(
        "norfolk-2015",
        "Norfolk",
        "2015-10-20",
        "SIF with LSCB review",
        overall="Inadequate",
        judgements={"Overall effectiveness": "Inadequate"},
    ),
    report("norfolk-2022", "Norfolk", "2022-08-01", overall="Good", judgements={"Overall effectiveness": "Good"}),
    report(
        "cwac-2019",
        "Cheshire West and Chester",
        "2019-05-01",
        "ILACS (2018-19 template)",
        overall="Good",
        judgements={"Overall effectiveness": "Good"},
    ),
    report(
        "banes-2017",
        "Bath and North East Somerset",
        "2017-07-07",
        "SIF",
        overall="Requires improvement to be good",
        judgements={"Overall effectiveness": "Requires improvement to be good"},
    ),
    report("stoke-2015", "Stoke-on-Trent", "2015-08-12", "SIF with LSCB review"),
    report("knowsley-2016", "Knowsley", "2016-03-01", "SIF with LSCB review"),
    report("knowsley-2017", "Knowsley", "2017-11-01", "SIF re-inspection"),
    report("north-somerset-2023", "North Somerset", "2023-02-01"),
]


@pytest.mark.parametrize(
    "question, doc_ids",
    [
        ("How many children were in care in Norfolk?", ("norfolk-2022",)),
        ("What does Norfolk County Council do about early help?", ("norfolk-2022",)),
        ("Were Norfolk's care leavers in touch?", ("norfolk-2022",)),
        ("Cheshire West and Chester: IRO caseloads", ("cwac-2019",)),
        ("early help in Bath and NE Somerset", ("banes-2017",)),
        ("How many children are in care in Stoke?", ("stoke-2015",)),
        ("North Somerset's care leavers", ("north-somerset-2023",)),
    ],
)
def test_a_named_authority_in_any_usual_form_scopes_to_its_latest_report(question, doc_ids):
    scope = resolve_scope(question, REPORTS)
    assert scope is not None and scope.doc_ids == doc_ids and scope.source == "question"


def test_an_authority_with_two_reports_answers_from_the_latest_and_offers_the_other():
    scope = resolve_scope("How many children were in care in Norfolk?", REPORTS)
    assert scope.label == "Norfolk, 2022 inspection" and scope.others == ("norfolk-2015",)


@pytest.mark.parametrize(
    "question, doc_id",
    [
        ("Norfolk's 2015 inspection: how many children were in care?", "norfolk-2015"),
        ("Knowsley's 2017 re-inspection: were return home interviews timely?", "knowsley-2017"),
        ("In Knowsley's re-inspection, were return home interviews timely?", "knowsley-2017"),
        ("What did the earliest Knowsley inspection say about missing children?", "knowsley-2016"),
        ("The previous Norfolk inspection: what about caseloads?", "norfolk-2015"),
        ("What did the latest inspection of Norfolk find?", "norfolk-2022"),
    ],
)
def test_a_year_or_framework_picks_among_an_authoritys_reports(question, doc_id):
    assert resolve_scope(question, REPORTS).doc_ids == (doc_id,)


def test_a_year_no_report_has_is_read_as_part_of_the_question_not_a_choice():
    assert resolve_scope("How many Norfolk children were in care in 2019?", REPORTS).doc_ids == ("norfolk-2022",)


def test_an_authority_with_no_report_loaded_is_named_not_answered_from_elsewhere():
    scope = resolve_scope("How many children were in care in Barnet?", REPORTS)
    assert scope.doc_ids == () and scope.missing == ("Barnet",)


def test_a_question_naming_two_authorities_is_answered_from_both():
    scope = resolve_scope("Compare Norfolk and Knowsley on care leavers", REPORTS)
    assert scope.doc_ids == ("norfolk-2022", "knowsley-2017") and scope.named == ("Norfolk", "Knowsley")


def test_the_longest_name_wins_and_ordinary_words_need_a_capital():
    assert resolve_scope("North Somerset early help", REPORTS).named == ("North Somerset",)
    assert resolve_scope("How are children's reading ages tracked?", REPORTS) is None
    assert resolve_scope("What about Reading?", REPORTS).missing == ("Reading",)


def test_a_question_naming_no_place_has_no_scope_unless_it_names_a_framework():
    assert resolve_scope("How many children were in care?", REPORTS) is None
    scope = resolve_scope("What did the re-inspections find about return home interviews?", REPORTS)
    assert scope.doc_ids == ("knowsley-2017",)


@pytest.mark.parametrize(
    "filters, doc_ids",
    [
        ({"authority": "Norfolk"}, {"norfolk-2015", "norfolk-2022"}),
        ({"authority": ["Knowsley", "Stoke-on-Trent"]}, {"knowsley-2016", "knowsley-2017", "stoke-2015"}),
        ({"framework": "SIF re-inspection"}, {"knowsley-2017"}),
        ({"framework": "ILACS"}, {"norfolk-2022", "cwac-2019", "north-somerset-2023"}),
        ({"published": "2015"}, {"norfolk-2015", "stoke-2015"}),
        ({"published": ["2017-01-01", "2019-12-31"]}, {"banes-2017", "knowsley-2017", "cwac-2019"}),
        ({"published": [None, "2015-09-01"]}, {"stoke-2015"}),
        ({"judgement": {"Overall effectiveness": "Inadequate"}}, {"norfolk-2015"}),
        ({"judgement": {"overall": "requires improvement"}}, {"banes-2017"}),
        ({"authority": "Norfolk", "judgement": {"Overall effectiveness": "Good"}}, {"norfolk-2022"}),
    ],
)
def test_report_filters_select_reports_by_their_facts(filters, doc_ids):
    assert {r.doc_id for r in matching_reports(REPORTS, Filters.of(filters))} == doc_ids


@pytest.mark.parametrize("filters", [{"authority": 3}, {"published": ["2019"]}, {"judgement": "Good"}, {"framework": [1]}])
def test_a_bad_report_filter_is_refused_in_one_sentence(filters):
    with pytest.raises(ValueError, match=r"^The \w+ filter must"):
        Filters.of(filters)


def test_the_report_list_row_carries_the_facts_and_a_label():
    row = summary(REPORTS[3]).to_dict()
    assert row["label"] == "Bath and North East Somerset, 2017 inspection"
    assert row["overall"] == "Requires improvement to be good" and row["paragraphs"] == 0


@pytest.mark.parametrize(
    "question, searched",
    [
        ("How many children were in care in Norfolk?", "How many children were in care?"),
        ("Norfolk's 2015 inspection: how many children were looked after?", "how many children were looked after?"),
        ("What did inspectors say about Peterborough's care leavers?", "What did inspectors say about care leavers?"),
        ("Knowsley's 2017 re-inspection: were return home interviews timely?", "were return home interviews timely?"),
        ("Who is the leader of Stoke-on-Trent City Council?", "Who is the leader of the council?"),
        ("When is the next Ofsted inspection of Stoke-on-Trent due?", "When is the next Ofsted inspection due?"),
        (
            "Stoke-on-Trent 2015: what proportion of managers are not completing audits?",
            "what proportion of managers are not completing audits?",
        ),
        (
            "In the 2015 Norfolk inspection, how many children were at home at 31 March 2015?",
            "In the inspection, how many children were at home at 31 March 2015?",
        ),
        ("Norfolk", "Norfolk"),
    ],
)
def test_the_words_that_chose_the_report_are_not_searched_for(question, searched):
    assert resolve_scope(question, [*REPORTS, report("p", "Peterborough", "2018-08-06")]).query == searched
