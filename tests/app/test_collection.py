"""The evidence collection: pinned answers and passages, cited in full and exported as CSV and Markdown."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import unquote

from support import CLA, TEXT, make_hit

from qa_app.app.web.collection import (
    CSV_COLUMNS,
    add_item,
    download_links,
    item_from_citation,
    item_from_hit,
    remove_item,
    render_collection,
    to_csv,
    to_markdown,
)
from qa_app.records import Citation, Report, ReportSummary

QUOTE_END = TEXT.index(".") + 1
XSS = "<script>alert(1)</script>"
NORFOLK = ReportSummary(
    doc_id="norfolk-2023",
    title="Norfolk County Council inspection",
    label="Norfolk, 2023 inspection",
    authority="Norfolk County Council",
    framework="ILACS",
    inspection_dates="5 to 16 December 2022",
    published="2023-01-13",
    lead_inspector=None,
    judgements={},
    overall="Good",
    pages=40,
    paragraphs=90,
)
STOKE = Report("stoke", "Stoke-on-Trent inspection", "stoke.md", "0" * 64, (), "Stoke-on-Trent", "SIF", published="2015-08-12")


def make_citation(**changes) -> Citation:
    fields = dict(
        doc_id="norfolk-2023",
        paragraph=61,
        section_path=CLA,
        judgement="Requires improvement",
        quote=TEXT[:QUOTE_END],
        text=TEXT,
        quote_start=0,
        quote_end=QUOTE_END,
        answer_start=None,
        answer_end=None,
        score=0.9,
        block_id="norfolk-2023:p61",
        kind="finding",
        page=22,
    )
    return Citation(**{**fields, **changes})


PINNED = item_from_citation(make_citation(), NORFOLK, question="How many children were at home?", answer="68 children")
PASSAGE = item_from_hit(make_hit(text="Early help cases stay open for 14 weeks.", paragraph=12, page=None), STOKE)


def test_a_pinned_answer_keeps_its_citation_and_the_report_facts():
    assert PINNED.to_dict() == json.loads(json.dumps(PINNED.to_dict()))
    assert (PINNED.report, PINNED.authority, PINNED.published, PINNED.framework) == (
        "Norfolk, 2023 inspection",
        "Norfolk County Council",
        "2023-01-13",
        "ILACS",
    )
    assert (PINNED.paragraph, PINNED.page, PINNED.quote, PINNED.block_id) == (61, 22, TEXT[:QUOTE_END], "norfolk-2023:p61")
    assert PINNED.link == "?report=norfolk-2023&p=61"
    assert (PINNED.question, PINNED.answer) == ("How many children were at home?", "68 children")


def test_a_passage_quotes_its_span_else_its_best_window_else_all_of_it():
    hit = make_hit(window_start=0, window_end=QUOTE_END)
    assert item_from_hit(hit, STOKE, quote_span=(QUOTE_END + 1, len(TEXT))).quote == "This is a slight decrease."
    assert item_from_hit(hit, STOKE).quote == TEXT[:QUOTE_END]
    assert item_from_hit(make_hit(window_end=0), STOKE).quote == TEXT
    assert PASSAGE.report == "Stoke-on-Trent inspection" and PASSAGE.question is None


def test_pinning_the_same_quote_twice_keeps_one_and_the_order_stays():
    items = add_item(add_item(add_item((), PINNED), PASSAGE), PINNED)
    assert items == (PINNED, PASSAGE)
    other = item_from_hit(make_hit(doc_id="norfolk-2023", paragraph=61), NORFOLK)
    assert add_item(items, other) == (PINNED, PASSAGE, other)


def test_removing_by_index_and_a_stale_index_removes_nothing():
    assert remove_item((PINNED, PASSAGE), 0) == (PASSAGE,)
    assert remove_item((PINNED, PASSAGE), 2) == (PINNED, PASSAGE)
    assert remove_item((PINNED, PASSAGE), -1) == (PINNED, PASSAGE)


def test_the_csv_reads_back_into_the_same_fields():
    rows = list(csv.reader(io.StringIO(to_csv((PINNED, PASSAGE)))))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1] == [
        "Norfolk, 2023 inspection",
        "Norfolk County Council",
        "2023-01-13",
        "ILACS",
        CLA,
        "Requires improvement",
        "61",
        "22",
        TEXT[:QUOTE_END],
        "How many children were at home?",
        "68 children",
        "?report=norfolk-2023&p=61",
    ]
    assert rows[2][6:9] == ["12", "", "Early help cases stay open for 14 weeks."] and len(rows) == 3


def test_no_csv_cell_can_run_as_a_spreadsheet_formula():
    formulas = ['=HYPERLINK("http://evil","x")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
    items = tuple(item_from_hit(make_hit(text=f, block_id=f"b{i}"), STOKE) for i, f in enumerate(formulas))
    quotes = [row[8] for row in list(csv.reader(io.StringIO(to_csv(items))))[1:]]
    assert quotes == ["'" + f for f in formulas]


def test_the_markdown_holds_each_quote_with_its_full_citation():
    note = to_markdown((PINNED, PASSAGE))
    assert note.startswith("# Evidence\n\n2 items\n")
    assert f"> {TEXT[:QUOTE_END]}\n" in note and "> Early help cases stay open for 14 weeks.\n" in note
    assert (
        "— Norfolk County Council, ILACS inspection published 13 January 2023, ¶61, p. 22,"
        " Children looked after (Requires improvement)"
    ) in note
    assert "— Stoke-on-Trent, SIF inspection published 12 August 2015, ¶12, Children looked after (Requires improvement)" in note
    assert "**Question:** How many children were at home?" in note and "**Answer:** 68 children" in note


def test_an_unnumbered_block_is_cited_by_what_it_is():
    stats = item_from_hit(make_hit(paragraph=None, kind="statistic", block_id="stoke:b3", page=3), STOKE)
    assert ", Statistics, p. 3, " in to_markdown((stats,))


def test_the_download_links_carry_exactly_the_exports():
    items = (PINNED, PASSAGE)
    links = download_links(items)
    hrefs = dict(re.findall(r'download="([^"]+)" href="([^"]+)"', links))
    assert unquote(hrefs["evidence.csv"].removeprefix("data:text/csv;charset=utf-8,")) == to_csv(items)
    assert unquote(hrefs["evidence.md"].removeprefix("data:text/markdown;charset=utf-8,")) == to_markdown(items)
    assert "Download CSV" in links and "Download Markdown" in links
    assert download_links(()) == ""


def test_the_collection_is_a_table_with_links_and_remove_buttons():
    page = render_collection((PINNED, PASSAGE))
    assert page.count("<tr data-index=") == 2
    assert '<a class="qa-open" href="?report=norfolk-2023&amp;p=61">¶61</a>' in page
    assert '<a class="qa-open" href="?report=stoke&amp;p=12">¶12</a>' in page
    assert ('<button type="button" class="qa-unpin" data-index="1" aria-label="Remove item 2 from the collection">') in page
    assert "13 January 2023" in page and "Children looked after" in page


def test_an_empty_collection_says_how_to_add_to_it():
    assert "Pin an answer or a passage to collect it here." in render_collection(())


def test_collected_text_is_escaped():
    item = item_from_hit(make_hit(text=XSS, section_path=XSS), STOKE)
    page = render_collection((item,))
    assert "<script>" not in page and "&lt;script&gt;" in page


ADDRESS = "http://127.0.0.1:7860/"


def test_exports_link_each_item_absolute_to_the_apps_address():
    item = item_from_citation(make_citation(), NORFOLK)
    row = next(csv.DictReader(io.StringIO(to_csv((item,), ADDRESS))))
    assert row["link"] == "http://127.0.0.1:7860/?report=norfolk-2023&p=61"
    assert "¶61, p. 22, Children looked after (Requires improvement) http://127.0.0.1:7860/?report=norfolk-2023&p=61" in (
        to_markdown((item,), ADDRESS)
    )
    links = unquote(download_links((item,), ADDRESS))
    assert links.count("http://127.0.0.1:7860/?report=norfolk-2023&p=61") == 2  # CSV and Markdown


def test_a_reinspection_is_not_called_a_re_inspection_inspection():
    reinspection = ReportSummary(
        **{**NORFOLK.to_dict(), "framework": "SIF re-inspection", "label": "Norfolk, 2018 re-inspection"}
    )
    line = to_markdown((item_from_citation(make_citation(), reinspection),))
    assert "SIF re-inspection published 13 January 2023" in line and "inspection inspection" not in line


def test_the_table_names_the_authority_once_and_the_inspection_beside_it():
    table = render_collection((item_from_citation(make_citation(), NORFOLK),))
    cells = re.findall(r"<td>(.*?)</td>", table)
    assert cells[:2] == ["2023 inspection", "Norfolk"]  # not "Norfolk, 2023 inspection" beside "Norfolk County Council"


def test_a_pinned_refusal_exports_marked_not_answered():
    from qa_app.app.web.pins import pin_answer
    from qa_app.app.web.slot import AssistantSlot
    from qa_app.records import Answer

    class OneReport:
        def report(self, doc_id):
            return STOKE

    refused = Answer(
        question="What is the recipe for a sponge cake?",
        answer=None,
        sentence=None,
        confidence=0.05,
        answered=False,
        message="The reports do not answer this.",
        citations=(make_citation(doc_id="stoke"),),
        confidence_level=None,
    )
    pinned = pin_answer(AssistantSlot(OneReport()), refused, ())
    assert "not answered" in pinned.note
    row = next(csv.DictReader(io.StringIO(to_csv(pinned.pins))))
    assert row["question"] == refused.question and row["answer"] == "not answered"
    assert "**Answer:** not answered" in to_markdown(pinned.pins)
