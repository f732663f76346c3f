"""The report view: the whole report in reading order, with an anchor for every paragraph and page."""

from __future__ import annotations

import re

from support import make_block

from qa_app.app.web.report_view import has_paragraph, render_paragraph_card, render_report, report_link
from qa_app.records import Report

LEADERSHIP = "The local authority > Leadership, management and governance"
XSS = "<script>alert(1)</script>"


def make_report(blocks, path: str = "stoke.pdf", **facts) -> Report:
    fields = dict(
        doc_id="stoke",
        title="Stoke-on-Trent children's services",
        path=path,
        sha256="0" * 64,
        paragraphs=tuple(blocks),
        authority="Stoke-on-Trent",
        framework="SIF",
        inspection_dates="11 to 22 October 2015",
        published="2015-12-01",
        lead_inspector="Jo Smith",
        judgements={"Overall effectiveness": "Requires improvement", "Leadership": "Inadequate"},
        overall="Requires improvement",
        pages=40,
    )
    return Report(**{**fields, **facts})


BLOCKS = [
    make_block(None, "Children looked after in this area: 620", id="stoke:b3", kind="statistic", page=21),
    make_block(60, "Sixty.", page=21),
    make_block(61, "Sixty-one.", page=22),
    make_block(62, "Sixty-two.", page=22),
    make_block(63, "Sixty-three.", section_path=LEADERSHIP, judgement="Inadequate", page=23),
]
REPORT = make_report(BLOCKS)


def test_report_link_is_relative_and_url_encoded():
    assert report_link("stoke") == "?report=stoke"
    assert report_link("stoke", 61) == "?report=stoke&p=61"
    assert report_link("bath & ne somerset") == "?report=bath+%26+ne+somerset"


def test_the_facts_and_judgements_come_first():
    page = render_report(REPORT)
    head = page[: page.index('id="page-21"')]
    for fact in ("Stoke-on-Trent", "SIF", "11 to 22 October 2015", "1 December 2015", "Jo Smith", "40"):
        assert fact in head
    assert '<th scope="row">Leadership</th><td>Inadequate</td>' in head
    assert '<th scope="row">Overall effectiveness</th><td>Requires improvement</td>' in head


def test_every_numbered_paragraph_appears_in_order_with_its_anchor():
    page = render_report(REPORT)
    assert re.findall(r'id="para-(\d+)"', page) == ["60", "61", "62", "63"]
    assert re.findall(r'data-paragraph="(\d+)"', page) == ["60", "61", "62", "63"]
    assert '<span class="qa-num">¶61</span> Sixty-one.' in page
    assert 'id="block-b3"' in page and 'data-block="stoke:b3"' in page


def test_a_heading_opens_each_changed_part_of_the_section_path_with_its_judgement():
    page = render_report(REPORT)
    headings = re.findall(r"<(h[3-5]) class=\"qa-section\">(.*?)</h[3-5]>", page)
    assert headings == [
        ("h3", "The local authority"),
        ("h4", "The experiences and progress of children looked after and achieving permanence"),
        ("h5", 'Inspection findings <span class="qa-grade">Requires improvement</span>'),
        ("h4", 'Leadership, management and governance <span class="qa-grade">Inadequate</span>'),
    ]
    assert page.index("Leadership, management") < page.index('id="para-63"')


def test_a_grade_that_changes_within_a_section_is_shown_where_it_starts():
    report = make_report([make_block(1, "One."), make_block(2, "Two.", judgement="Good")])
    page = render_report(report)
    assert page.index('<p class="qa-grade">Good</p>') < page.index('id="para-2"')


def test_a_page_marker_stands_wherever_the_page_changes():
    page = render_report(REPORT)
    assert re.findall(r'id="page-(\d+)"', page) == ["21", "22", "23"]
    assert page.index('id="page-22"') < page.index('id="para-61"') < page.index('id="page-23"')


def test_with_the_pdf_each_page_marker_opens_the_pdf_at_that_page():
    page = render_report(REPORT, pdf_href="/file/stoke.pdf")
    assert '<a class="qa-pdf" href="/file/stoke.pdf#page=22" target="_blank" rel="noopener">p. 22</a>' in page


def test_a_markdown_report_has_no_pdf_links():
    page = render_report(make_report(BLOCKS, path="stoke.md"), focus=61, pdf_href="/file/stoke.md")
    assert "#page=" not in page and "in the PDF" not in page


def test_only_the_focused_paragraph_is_marked_with_a_link_to_its_pdf_page():
    page = render_report(REPORT, focus=61, pdf_href="/file/stoke.pdf")
    assert page.count("qa-target") == 1 and page.count('aria-current="true"') == 1
    target = re.search(r'<p id="para-61"[^>]*>.*?</p>', page).group(0)
    assert 'class="qa-block qa-finding qa-target"' in target and 'aria-current="true"' in target
    assert 'href="/file/stoke.pdf#page=22"' in target and "Open p. 22 in the PDF" in target


def test_an_unknown_focus_marks_nothing_and_the_caller_can_tell():
    assert not has_paragraph(REPORT, 99) and has_paragraph(REPORT, 61)
    assert "qa-target" not in render_report(REPORT, focus=99)


def test_a_repeated_number_keeps_every_anchor_unique():
    report = make_report([make_block(1, "First."), make_block(1, "Again.", id="stoke:b9")])
    page = render_report(report, focus=1)
    assert re.findall(r'<p id="([\w-]+)"', page) == ["para-1", "block-b9"]
    assert page.count("qa-target") == 1


def test_report_text_is_escaped():
    report = make_report([make_block(1, f"Text {XSS}", section_path=f"Part {XSS}", page=1)], title=XSS, authority=XSS)
    page = render_report(report, focus=1, pdf_href=f'/file/x.pdf"{XSS}')
    assert "<script>" not in page and "&lt;script&gt;" in page and "x.pdf&quot;&lt;script" in page


def test_the_view_is_an_article_named_for_the_report():
    assert render_report(REPORT).startswith('<article class="qa-report" aria-label="Stoke-on-Trent children&#x27;s services"')


def test_a_long_report_renders_every_block():
    blocks = [make_block(n, f"Paragraph {n}. " * 20, page=n // 3 + 1) for n in range(1, 401)]
    page = render_report(make_report(blocks), focus=400)
    assert page.count('class="qa-block') == 400


def test_the_paragraph_card_says_what_was_opened_and_links_to_it():
    card = render_paragraph_card("Norfolk, 2023 inspection", make_block(65, f"Care {XSS}", page=22), "?report=norfolk&p=65")
    assert "Opened ¶65 of Norfolk, 2023 inspection (p. 22)" in card
    assert "Care &lt;script&gt;" in card
    assert '<a class="qa-open" href="?report=norfolk&amp;p=65">' in card


def test_an_unnumbered_block_is_linked_by_its_id_and_marked_when_opened_so():
    assert report_link("stoke", None, "stoke:b3") == "?report=stoke&b=stoke%3Ab3"
    assert report_link("stoke", 61, "stoke:p61") == "?report=stoke&p=61"  # a number wins: addresses stay short
    view = render_report(REPORT, focus_block="stoke:b3")
    marked = re.findall(r'<p id="([^"]+)" class="[^"]*qa-target', view)
    assert marked == ["block-b3"]


def test_an_address_naming_a_paragraph_the_report_lacks_says_which_paragraphs_it_has():
    view = render_report(REPORT, 999)
    assert "No ¶999 in this report; its paragraphs run 60–63." in view
    assert "qa-target" not in view
    assert "No ¶" not in render_report(REPORT, 61)
