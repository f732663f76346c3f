"""Reading published Ofsted PDFs: one report per framework (tests/fixtures/ofsted), parsed as inspectors cite them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import STOKE_REPORT
from support_pdf import text_pdf

from qa_app import ReportError, load_report
from qa_app.ingest.markdown import terminated
from qa_app.ingest.pdf import read_pdf
from qa_app.ingest.structure import parse_report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OFSTED = FIXTURES / "ofsted"
STOKE_PDF = OFSTED / "stoke-on-trent-2015-08-12.pdf"
RI_GOOD = "Requires improvement to be good"

# file -> (numbered paragraphs, pages, framework, overall grade)
REPORTS = {
    "knowsley-2021-12-03.pdf": (41, 10, "ILACS", RI_GOOD),
    "staffordshire-2019-03-11.pdf": (36, 10, "ILACS (2018-19 template)", "Good"),
    "darlington-2018-05-21.pdf": (97, 32, "SIF", RI_GOOD),
    "west-berkshire-2017-07-07.pdf": (67, 21, "SIF re-inspection", "Good"),
    "peterborough-2015-09-18.pdf": (173, 48, "SIF with LSCB review", RI_GOOD),
    "stoke-on-trent-2015-08-12.pdf": (168, 47, "SIF with LSCB review", RI_GOOD),
}


@pytest.fixture(scope="module", params=sorted(REPORTS))
def report(request):
    return load_report(OFSTED / request.param)


@pytest.fixture(scope="module")
def knowsley():
    return load_report(OFSTED / "knowsley-2021-12-03.pdf")


@pytest.fixture(scope="module")
def stoke_pdf():
    return load_report(STOKE_PDF)


def _numbered(report):
    return [b for b in report.paragraphs if b.number is not None]


# ---------------------------------------------------------------- every framework


def test_numbered_paragraphs_run_one_to_n_once_in_order(report):
    count, pages, framework, overall = REPORTS[Path(report.path).name]
    assert [b.number for b in _numbered(report)] == list(range(1, count + 1))


def test_report_facts_are_read(report):
    count, pages, framework, overall = REPORTS[Path(report.path).name]
    assert (report.pages, report.framework, report.overall) == (pages, framework, overall)
    assert report.authority and report.inspection_dates and report.lead_inspector and report.published
    assert report.judgements["Overall effectiveness"] == overall


def test_every_block_knows_its_page_and_pages_run_forward(report):
    pages = [b.page for b in report.paragraphs]
    assert all(p is not None and 1 <= p <= report.pages for p in pages)
    assert pages == sorted(pages)


def test_page_broken_paragraphs_are_whole(report):
    layout = read_pdf(Path(report.path).read_bytes(), Path(report.path))
    _, blocks = parse_report(layout, report.doc_id)
    broken = [b for b in blocks if b.number and any(b.start < s < b.end for s in layout.page_starts)]
    assert all(terminated(b.text) or b.text.endswith("(Recommendation)") for b in broken)
    # what a break left over would be a block starting in lower case
    assert not [b.text[:40] for b in blocks if b.kind in ("text", "summary", "finding") and b.text[:1].islower()]


def test_no_page_furniture_inside_any_block(report):
    texts = [b.text for b in report.paragraphs]
    assert not [t for t in texts if re.fullmatch(r"\d{1,3}", t)]  # page numbers
    assert not [t for t in texts if re.search(r"Crown copyright|Piccadilly Gate|enquiries@ofsted|Open Government", t)]
    assert not [b for b in report.paragraphs if "Contents" in b.section_path]


def test_blocks_are_json_ready(report):
    json.dumps([b.to_dict() for b in report.paragraphs])
    json.dumps(report.to_dict())


# ---------------------------------------------------------------- one template each


def test_ilacs_judgement_table_rows_are_judgements_not_paragraphs(knowsley):
    assert knowsley.judgements == {
        "The impact of leaders on social work practice with children and families": RI_GOOD,
        "The experiences and progress of children who need help and protection": RI_GOOD,
        "The experiences and progress of children in care and care leavers": RI_GOOD,
        "Overall effectiveness": RI_GOOD,
    }
    assert knowsley.paragraph(1).text.startswith("Children who need support are identified")
    assert knowsley.paragraph(1).page == 2


def test_ilacs_facts_are_as_the_report_writes_them(knowsley):
    assert knowsley.authority == "Knowsley Council"
    assert knowsley.inspection_dates == "11 to 22 October 2021"
    assert knowsley.lead_inspector == "Paula Thomson-Jones"
    assert knowsley.published == "2021-12-03"  # ILACS states no publication date: the file name's


def test_paragraph_cut_by_a_page_break_continues_after_the_running_header(knowsley):
    five = knowsley.paragraph(5)
    assert five.page == 2
    assert "without considering the role of the perpetrators. This leads to plans" in five.text
    assert five.text.endswith("affected by domestic abuse.")
    assert "Inspection of Knowsley local authority" not in five.text


def test_hyphenated_word_broken_across_lines_is_rejoined(knowsley):
    assert "MASH, lead to delays in referral to social care for some children. Decision-making for children" in (
        knowsley.paragraph(4).text
    )


def test_sections_carry_the_judgement_their_heading_states(knowsley):
    assert knowsley.paragraph(1).judgement == "Requires improvement"
    assert knowsley.paragraph(1).section_path.startswith("The experiences and progress of children who need help")


def test_what_needs_to_improve_bullets_are_recommendations(knowsley):
    recommendations = [b.text for b in knowsley.paragraphs if b.kind == "recommendation"]
    assert "The response to children who present as homeless." in recommendations


def test_sif_judgement_table_grades_wrapped_over_three_lines():
    darlington = load_report(OFSTED / "darlington-2018-05-21.pdf")
    assert darlington.judgements["Children who need help and protection"] == RI_GOOD
    assert darlington.judgements["Adoption performance"] == "Good"
    assert not darlington.paragraph(1).text.startswith("Children who need help and protection")


def test_scaled_unit_fonts_are_read_at_the_size_shown():
    """Peterborough's text is set in a 1 pt font scaled up by the text matrix."""
    peterborough = load_report(OFSTED / "peterborough-2015-09-18.pdf")
    assert peterborough.judgements["Local Safeguarding Children Board"] == "Good"
    assert peterborough.lead_inspector == "Nigel Parkes"


# ---------------------------------------------------------------- the Stoke PDF and its bundled markdown


def _words(text: str) -> str:
    """Text compared as words: quotes, dashes, hyphenation, ligatures and markdown escapes aside."""
    text = text.translate(str.maketrans("‘’“”–—", "''\"\"--")).replace("ﬁ", "fi").replace("\\", "")
    return re.sub(r"[\s\-]+", "", text.lower())


# Where the hand-made markdown corrected the published text.
MARKDOWN_EDITS = {35: ("as a requiring", "as requiring"), 75: ("measureable", "measurable")}


def test_stoke_pdf_and_markdown_give_the_same_168_paragraphs(stoke_pdf):
    markdown = load_report(STOKE_REPORT)
    pdf = {b.number: b.text for b in _numbered(stoke_pdf)}
    md = {b.number: b.text for b in _numbered(markdown)}
    assert list(pdf) == list(md) == list(range(1, 169))
    for number, text in pdf.items():
        published, corrected = MARKDOWN_EDITS.get(number, ("", ""))
        assert _words(text.replace(published, corrected)) == _words(md[number]), number


def test_stoke_pdf_and_markdown_state_the_same_facts(stoke_pdf):
    markdown = load_report(STOKE_REPORT)
    facts = ("authority", "framework", "inspection_dates", "published", "lead_inspector", "judgements", "overall")
    assert {f: getattr(stoke_pdf, f) for f in facts} == {f: getattr(markdown, f) for f in facts}
    assert markdown.published == "2015-08-10" and markdown.pages is None
    assert markdown.paragraph(1).page is None


def test_stoke_page_broken_paragraphs_are_the_ones_markdown_marks(stoke_pdf):
    layout = read_pdf(STOKE_PDF.read_bytes(), STOKE_PDF)
    _, blocks = parse_report(layout, stoke_pdf.doc_id)
    broken = {b.number for b in blocks if b.number and any(b.start < s < b.end for s in layout.page_starts)}
    assert broken == {20, 30, 35, 39, 44, 58, 69, 75, 81, 92, 97, 103, 107, 131, 136, 140, 153, 166}


def test_citations_can_name_paragraph_and_page(stoke_pdf):
    assert [(n, stoke_pdf.paragraph(n).page) for n in (1, 15, 21, 61, 168)] == [(1, 8), (15, 12), (21, 13), (61, 22), (168, 45)]


def test_contents_lines_are_not_sections_and_parts_nest_as_listed(stoke_pdf):
    paths = {b.section_path for b in stoke_pdf.paragraphs}
    assert "The local authority > Information about this local authority area > Previous Ofsted inspections" in paths
    assert stoke_pdf.paragraph(15).section_path.startswith(
        "The local authority > The experiences and progress of children who need help and protection"
    )
    assert stoke_pdf.paragraph(15).judgement == "Requires improvement"


def test_footnotes_are_blocks_of_their_own(stoke_pdf):
    footnotes = [b.text for b in stoke_pdf.paragraphs if b.kind == "footnote"]
    assert footnotes[1].startswith("The local authority was given the opportunity to review this section")


# ---------------------------------------------------------------- bad input


def _report_text() -> bytes:
    return (OFSTED / "knowsley-2021-12-03.pdf").read_bytes()


@pytest.mark.parametrize(
    "name, data, problem",
    [
        ("empty.pdf", lambda: b"", "is empty"),
        ("page.pdf", lambda: b"<!DOCTYPE html>\n<html><body>Not found</body></html>", "is an HTML page, not a PDF"),
        ("cut.pdf", lambda: _report_text()[: len(_report_text()) // 2], "is truncated"),
        ("garbled.pdf", lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", "is a damaged PDF"),
        ("scan.pdf", lambda: text_pdf([]), "has no text layer"),
        (
            "minutes.pdf",
            lambda: text_pdf([f"{i}. The parish council agreed item {i} of the agenda." for i in range(1, 9)]),
            "is a PDF, but not an Ofsted children's services inspection report",
        ),
    ],
)
def test_bad_pdf_gives_one_clear_error_naming_the_file(tmp_path, name, data, problem):
    path = tmp_path / name
    path.write_bytes(data())
    with pytest.raises(ReportError, match=problem) as caught:
        load_report(path)
    assert str(path) in str(caught.value)


def test_password_protected_pdf_is_refused():
    with pytest.raises(ReportError, match="password-protected.pdf is password-protected"):
        load_report(FIXTURES / "bad" / "password-protected.pdf")


def test_a_hit_on_a_pdf_is_cited_with_its_page(stoke_pdf):
    from qa_app.app.web.labels import citation_label

    block = stoke_pdf.paragraph(61)
    assert citation_label(block.number, "The local authority > Inspection findings", None, page=block.page) == (
        "¶61, p. 22 · Inspection findings"
    )
