"""Report facts read from the blocks, whatever the format: the title page's words and the judgement table."""

from __future__ import annotations

import pytest

from qa_app.ingest.facts import grade_words, report_facts
from qa_app.records import Block


def _block(text: str, kind: str = "text", number: int | None = None, section: str = "") -> Block:
    return Block("doc:b", "doc", "Title", number, section, None, kind, text, 0, len(text))


@pytest.mark.parametrize(
    "written, grade",
    [
        ("Requires improvement to be good", "Requires improvement to be good"),
        ("require improvement to be good", "Requires improvement to be good"),
        ("inadequate", "Inadequate"),
        ("Good.", "Good"),
        ("Grade", None),
    ],
)
def test_grades_keep_the_report_wording_capitalised(written, grade):
    assert grade_words(written) == grade


def test_ilacs_title_page_facts():
    blocks = [
        _block("Inspection dates: 10 to 14 June 2024"),
        _block("Lead inspectors: Rebecca Quested, His Majesty’s Inspector, and Matthew Reed, His Majesty’s Inspector"),
        _block("Judgement; Grade", "table"),
        _block("The experiences and progress of care leavers; Good", "table"),
        _block("Overall effectiveness; Requires improvement to be good", "table"),
        _block("Children are seen.", "finding", 1),
    ]
    facts = report_facts("Inspection of Cheshire West and Chester local authority children’s services", blocks, "cwac-2024-07-01")
    assert facts.authority == "Cheshire West and Chester"
    assert facts.framework == "ILACS"
    assert facts.inspection_dates == "10 to 14 June 2024"
    assert facts.lead_inspector == "Rebecca Quested and Matthew Reed"
    assert facts.published == "2024-07-01"  # not stated: the file name's date
    assert facts.judgements == {
        "The experiences and progress of care leavers": "Good",
        "Overall effectiveness": "Requires improvement to be good",
    }
    assert facts.overall == "Requires improvement to be good"


def test_sif_headline_is_the_overall_grade_and_the_report_states_its_publication():
    blocks = [
        _block("Report published: 21 May 2018"),
        _block("Children’s services in Darlington require improvement to be good", "judgement"),
        _block("1. Children who need help and protection; Requires improvement", "table"),
        _block("Text.", "finding", 1, "The Local Safeguarding Children Board"),
        _block("The Local Safeguarding Children Board is good", "judgement", None, "The Local Safeguarding Children Board"),
    ]
    facts = report_facts("Darlington", blocks, "darlington")
    assert facts.published == "2018-05-21" and facts.authority == "Darlington"
    assert facts.framework == "SIF with LSCB review"  # the LSCB is a part of the report
    assert list(facts.judgements.items()) == [
        ("Overall effectiveness", "Requires improvement to be good"),
        ("Children who need help and protection", "Requires improvement"),
        ("Local Safeguarding Children Board", "Good"),
    ]


def test_a_text_that_names_no_framework_has_none():
    facts = report_facts("Minutes", [_block("1. Apologies.", "finding", 1)], "minutes")
    assert (facts.framework, facts.overall, facts.judgements, facts.published) == (None, None, {}, None)
