"""A paragraph reference typed in the question box opens that paragraph; a question that mentions one is still a question."""

from __future__ import annotations

import pytest

from qa_app.query.paragraphs import ParagraphRequest, paragraph_request
from qa_app.query.scope import resolve_scope
from qa_app.records import Report


@pytest.mark.parametrize(
    "text, number",
    [
        ("¶65", 65),
        ("¶ 65", 65),
        ("para 65", 65),
        ("para. 65", 65),
        ("paragraph 65", 65),
        ("Paragraph 65?", 65),
        ("go to ¶65", 65),
        ("open paragraph 65", 65),
        ("show para 12", 12),
        ("  ¶65.  ", 65),
    ],
)
def test_a_bare_paragraph_reference_is_a_request_for_that_paragraph(text, number):
    assert paragraph_request(text) == ParagraphRequest(number, "")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("paragraph 65 of the Norfolk report", ParagraphRequest(65, "the Norfolk")),
        ("para 65 in the Stoke-on-Trent 2015 report", ParagraphRequest(65, "the Stoke-on-Trent 2015")),
        ("Norfolk ¶65", ParagraphRequest(65, "Norfolk")),
        ("Norfolk 2023 para 7", ParagraphRequest(7, "Norfolk 2023")),
        ("¶65 of Norfolk County Council's report", ParagraphRequest(65, "Norfolk County Council")),
        ("¶65 of the report", ParagraphRequest(65, "")),
    ],
)
def test_the_words_naming_the_report_are_kept_without_the_word_report(text, expected):
    assert paragraph_request(text) == expected


def test_an_ordering_word_keeps_its_noun_so_the_scope_can_still_pick_the_earliest():
    assert paragraph_request("paragraph 3 of the earliest Knowsley report") == (
        ParagraphRequest(3, "the earliest Knowsley report")
    )


@pytest.mark.parametrize(
    "text",
    [
        "What does paragraph 65 say about care leavers?",
        "Which paragraph mentions IRO caseloads?",
        "How many children were in care?",
        "What is paragraph 65?",
        "Tell me about ¶65",
        "65",
        "para",
        "",
    ],
)
def test_a_question_that_mentions_a_paragraph_is_still_a_question(text):
    assert paragraph_request(text) is None


@pytest.mark.parametrize("text", ["¶0", "paragraph 0", "¶10000", "para 123456"])
def test_no_paragraph_zero_nor_an_absurdly_large_one(text):
    assert paragraph_request(text) is None


@pytest.mark.parametrize("text", ["¶65 and ¶66", "para 65, para 66", "paragraphs 65 and 66"])
def test_paragraphs_are_opened_one_at_a_time(text):
    assert paragraph_request(text) is None


def report(doc_id: str, authority: str, published: str) -> Report:
    return Report(doc_id, f"Inspection of {authority}", f"{doc_id}.pdf", "0" * 64, (), authority, "ILACS", published=published)


REPORTS = [
    report("norfolk-2015", "Norfolk", "2015-10-20"),
    report("norfolk-2023", "Norfolk", "2023-01-13"),
    report("stoke-2015", "Stoke-on-Trent", "2015-08-12"),
    report("stoke-2019", "Stoke-on-Trent", "2019-06-01"),
]


@pytest.mark.parametrize(
    "text, doc_id",
    [
        ("paragraph 65 of the Norfolk report", "norfolk-2023"),
        ("para 65 in the Stoke-on-Trent 2015 report", "stoke-2015"),
        ("Norfolk 2015 para 7", "norfolk-2015"),
        ("¶65 of Norfolk County Council's report", "norfolk-2023"),
    ],
)
def test_the_report_words_resolve_to_the_report_they_name(text, doc_id):
    scope = resolve_scope(paragraph_request(text).report, REPORTS)
    assert scope is not None and scope.doc_ids == (doc_id,)
