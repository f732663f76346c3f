"""Every paragraph of a judged section carries its section's judgement, in every framework's template."""

from __future__ import annotations

import pytest
from support import FIXTURES, ROOT

from qa_app import load_report
from qa_app.ingest.judgements import area_grades, section_grade
from qa_app.ingest.markdown import grade_only, stated_grade
from qa_app.ingest.structure import parse_report
from qa_app.measure.conformance import check_report

OFSTED = FIXTURES / "ofsted"
RI = "Requires improvement"

# One report per framework (two for ILACS, whose headings write the grade two ways):
# path -> (framework, numbered paragraphs in judged sections, {paragraph: judgement}).
REPORTS = {
    OFSTED / "darlington-2018-05-21.pdf": ("SIF", 83, {15: RI, 36: RI, 57: "Good", 69: "Good", 80: RI, 97: RI}),
    OFSTED / "west-berkshire-2017-07-07.pdf": ("SIF re-inspection", 60, {8: RI, 20: "Good", 42: "Good", 51: "Good"}),
    OFSTED / "peterborough-2015-09-18.pdf": ("SIF with LSCB review", 148, {20: RI, 88: "Good", 105: RI, 125: RI, 151: "Good"}),
    OFSTED / "staffordshire-2019-03-11.pdf": ("ILACS (2018-19 template)", 36, {1: RI, 17: "Good", 31: "Good"}),
    ROOT / "corpus" / "stoke-on-trent-2019-03-18.pdf": ("ILACS (2018-19 template)", 39, {1: "Inadequate", 28: "Inadequate"}),
    OFSTED / "knowsley-2021-12-03.pdf": ("ILACS", 41, {1: RI, 17: RI, 32: RI}),
    ROOT / "corpus" / "norfolk-2023-01-13.pdf": ("ILACS", 55, {1: "Good", 18: "Good", 40: "Good"}),
}


@pytest.fixture(scope="module", params=sorted(REPORTS), ids=lambda path: path.stem)
def path(request):
    return request.param


def test_every_numbered_finding_carries_the_judgement_of_its_area(path):
    framework, judged, _ = REPORTS[path]
    result = check_report(path, framework)
    assert result.framework == framework
    assert result.judged == judged
    assert result.unjudged == ()
    assert result.ok


def test_paragraphs_carry_the_grade_of_the_area_they_report_on(path):
    report = load_report(path)
    _, _, grades = REPORTS[path]
    assert {number: report.paragraph(number).judgement for number in grades} == grades


def test_sif_grade_set_under_the_area_heading_grades_all_its_findings():
    darlington = load_report(OFSTED / "darlington-2018-05-21.pdf")
    findings = [b for b in darlington.paragraphs if b.number is not None and b.kind == "finding"]
    assert len(findings) == 83 and all(b.judgement for b in findings)
    assert darlington.paragraph(15).section_path == (
        "The experiences and progress of children who need help and protection > Inspection findings"
    )


def test_recommendations_judge_nothing():
    darlington = load_report(OFSTED / "darlington-2018-05-21.pdf")
    recommendations = [b for b in darlington.paragraphs if b.kind == "recommendation"]
    assert [b.number for b in recommendations] == list(range(1, 15))
    assert {b.judgement for b in recommendations} == {None}


def test_unnumbered_blocks_of_a_judged_section_carry_its_judgement_too():
    norfolk = load_report(ROOT / "corpus" / "norfolk-2023-01-13.pdf")
    judged = [b for b in norfolk.paragraphs if b.section_path.startswith("The experiences and progress of children")]
    assert any(b.number is None for b in judged)
    assert {b.judgement for b in judged} == {"Good"}


@pytest.mark.parametrize(
    "heading, grade",
    [
        ("The experiences and progress of children who need help and protection: good", "Good"),
        ("The impact of leaders on social work practice with children and families is: inadequate", "Inadequate"),
        ("The experiences and progress of children in care and care leavers are: outstanding", "Outstanding"),
        ("The graded judgement for adoption performance is that it is good", "Good"),
        ("Children's services in Darlington require improvement to be good", RI),
        ("Summary for children and young people", None),
    ],
)
def test_a_heading_states_its_grade_however_it_is_punctuated(heading, grade):
    assert stated_grade(heading) == grade


def test_only_a_bare_grade_is_the_grade_of_the_section_above():
    assert grade_only("**Requires improvement to be good**") and grade_only("Good")
    assert not grade_only("Leadership, management and governance is good")


def test_the_judgement_table_grades_the_section_that_names_its_area():
    grades = area_grades(
        {
            "Overall effectiveness": "Requires improvement to be good",
            "1. Children who need help and protection": "Inadequate",
            "2.2 Experiences and progress of care leavers": "Good",
            "Local Safeguarding Children Board": "Good",
        }
    )
    assert "overall effectiveness" not in grades  # a report's grade, not a section's
    assert section_grade("The experiences and progress of children who need help and protection > Summary", grades) == (
        "Inadequate"
    )
    assert section_grade("The graded judgement about the experience and progress of care leavers is that it is good", grades)
    assert section_grade("The Local Safeguarding Children Board (LSCB) > Recommendations", grades) == "Good"
    assert section_grade("Information about this local authority area > Children looked after in this area", grades) is None


def test_findings_under_a_graded_area_stay_in_the_area_though_the_contents_list_them():
    source = "\n".join(
        [
            "# Somewhere",
            "",
            "# Contents",
            "",
            "| <b>The local authority</b> | 2 |",
            "| The experiences and progress of children who need help and protection | 3 |",
            "| Inspection findings | 4 |",
            "| Leadership, management and governance | 5 |",
            "",
            "## The local authority",
            "",
            "### The experiences and progress of children who need help and protection",
            "",
            "**Inadequate**",
            "",
            "### Inspection findings",
            "",
            "1. Referrals wait too long.",
            "",
            "### Leadership, management and",
            "",
            "**Good**",
            "",
            "### governance",
            "",
            "2. Leaders know their services well.",
        ]
    )
    _, blocks = parse_report(source, "somewhere")
    first, second = (b for b in blocks if b.number is not None)
    assert first.section_path == (
        "The local authority > The experiences and progress of children who need help and protection > Inspection findings"
    )
    assert first.judgement == "Inadequate"
    assert second.section_path == "The local authority > Leadership, management and governance"
    assert second.judgement == "Good"


def test_an_area_heading_set_in_a_box_beside_its_grade_opens_the_area():
    source = "\n".join(
        [
            "# Somewhere",
            "",
            "## Recommendations",
            "",
            "1. Reduce caseloads.",
            "",
            "| The experiences and progress of children who need help and protection | Requires improvement |",
            "",
            "**Inspection findings**",
            "",
            "2. Thresholds are understood.",
        ]
    )
    _, blocks = parse_report(source, "somewhere")
    finding = next(b for b in blocks if b.number == 2)
    assert finding.section_path == "The experiences and progress of children who need help and protection > Inspection findings"
    assert finding.judgement == RI
