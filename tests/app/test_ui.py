"""The page's rendering: hand-made records in, HTML and text out; no model, no server."""

from __future__ import annotations

import html

import pytest
from support import CLA, TEXT, make_block, make_hit

from qa_app.app.web.answers import confidence_label, copy_text, evidence_order, render_answer, render_opening, render_scope
from qa_app.app.web.api import error_payload
from qa_app.app.web.handlers import make_filters
from qa_app.app.web.labels import citation_label, short_section
from qa_app.app.web.passages import (
    citing_blocks,
    highlight,
    match_strength,
    query_word_spans,
    render_context,
    render_notice,
    render_passages,
)
from qa_app.app.web.reports import GRADE_COLOURS, judgement_counts, loaded_line, report_rows
from qa_app.records import Answer, Citation, Opening, ReportSummary, Scope
from qa_app.search.store.base import Opened

# TEXT is paragraph 61 of the Stoke report in section CLA, the paragraph make_hit and make_block build by default.
QUOTE_END = TEXT.index(".") + 1
ANSWER_START = TEXT.index("68 children")
XSS = "<script>alert(1)</script>"


def make_citation(**changes) -> Citation:
    fields = dict(
        doc_id="stoke",
        paragraph=61,
        section_path=CLA,
        judgement="Requires improvement",
        quote=TEXT[:QUOTE_END],
        text=TEXT,
        quote_start=0,
        quote_end=QUOTE_END,
        answer_start=ANSWER_START,
        answer_end=ANSWER_START + len("68 children"),
        score=0.9,
    )
    return Citation(**{**fields, **changes})


def make_answer(**changes) -> Answer:
    fields = dict(
        question="How many children were placed at home on a care order?",
        answer="68 children",
        sentence=TEXT[:QUOTE_END],
        confidence=0.85,
        answered=True,
        message="",
        citations=(make_citation(),),
        passages=(make_hit(),),
        confidence_level="high",
    )
    return Answer(**{**fields, **changes})


def test_short_section_takes_the_most_specific_informative_part():
    assert short_section(CLA) == "Children looked after"
    assert short_section("The local authority > Leadership, management and governance") == (
        "Leadership, management and governance"
    )
    assert short_section("The Local Safeguarding Children Board > Inspection findings") == (
        "The Local Safeguarding Children Board"
    )
    assert short_section("Inspection findings") == "Inspection findings"
    assert short_section("") == ""


def test_citation_label_reads_paragraph_section_judgement():
    assert citation_label(65, CLA, "Requires improvement") == "¶65 · Children looked after · Requires improvement"


def test_an_unnumbered_block_is_cited_by_what_it_is_and_where_never_by_a_dash():
    section = "The local authority > Information about this local authority area > Children looked after in this area"
    label = citation_label(None, section, None, "statistic", 3)
    assert label == "Statistics · Children looked after in this area · p. 3"
    assert citation_label(None, "Executive summary", None, "summary") == "Summary · Executive summary"
    assert "¶–" not in citation_label(None, "", None)


def test_confidence_is_given_in_words():
    assert confidence_label("high") == "High confidence"
    assert confidence_label("medium") == "Medium confidence"
    assert confidence_label("low") == "Low confidence"
    assert confidence_label(None) == ""


def test_below_high_the_card_shows_candidate_sentences_with_where_they_are_not_a_bold_answer():
    second = make_citation(paragraph=62, block_id="stoke:p62", quote="Sixty-two children live with parents.")
    card = render_answer(make_answer(confidence_level="medium", citations=(make_citation(), second)))
    assert "<strong>" not in card and "Medium confidence" in card
    assert card.index("68 children were placed") < card.index("Sixty-two children live")
    assert "Stoke-on-Trent · ¶61 · Children looked after" in card and "¶62" in card


def test_a_refusal_still_lists_the_closest_sentences():
    answer = make_answer(answer=None, answered=False, confidence_level=None, message="Not answered.")
    card = render_answer(answer)
    assert "Not answered." in card and "68 children were placed" in card and "<strong>" not in card


def test_evidence_comes_in_the_order_of_the_chips():
    first, second = make_hit(paragraph=70, text="Later passage."), make_hit()
    cited = make_citation(block_id=second.block_id)
    order = evidence_order(make_answer(citations=(cited,), passages=(first, second)))
    assert [h.paragraph for h in order] == [61, 70]


def test_highlight_escapes_text_and_nests_spans():
    text = "a <b>68</b> c"
    out = highlight(text, [(0, len(text), "mark"), (2, 11, "strong")])
    assert out == "<mark>a <strong>&lt;b&gt;68&lt;/b&gt;</strong> c</mark>"


def test_highlight_ignores_empty_and_out_of_range_spans():
    assert highlight("abc", [(2, 2, "mark"), (1, 99, "strong")]) == "a<strong>bc</strong>"


def test_answer_card_bolds_the_answer_inside_its_sentence():
    card = render_answer(make_answer())
    assert "At the time of the inspection, <strong>68 children</strong> were placed" in card
    assert "This is a slight decrease" not in card  # the sentence, not the paragraph
    assert "High confidence" in card
    assert "¶61 · Children looked after · Requires improvement" in card


def test_answer_card_without_citations_falls_back_to_the_sentence():
    card = render_answer(make_answer(citations=()))
    assert "<strong>68 children</strong>" in card


def test_abstention_shows_the_message_not_an_answer():
    answer = make_answer(
        answer=None,
        sentence=None,
        answered=False,
        confidence=0.1,
        citations=(),
        confidence_level=None,
        message="The report does not appear to answer this.",
    )
    card = render_answer(answer)
    assert "The report does not appear to answer this." in card
    assert "qa-abstain" in card
    assert "confidence" not in card.lower()


def test_markup_in_a_question_is_shown_as_text():
    answer = make_answer(
        question=XSS,
        answer=None,
        sentence=None,
        answered=False,
        citations=(),
        message="Does not answer.",
        confidence_level=None,
    )
    card = render_answer(answer)
    assert "<script>" not in card
    assert html.escape(XSS) in card
    assert "<script>" not in render_notice(XSS)


def test_markup_in_report_text_is_shown_as_text():
    hit = make_hit(text=XSS, section_path="<i>Section</i>", window_end=len(XSS))
    out = render_passages([hit])
    assert "<script>" not in out and "<i>" not in out
    assert "&lt;script&gt;" in out


def test_passage_marks_the_quoted_sentence_and_shows_where_it_is():
    out = render_passages([make_hit()], citations=[make_citation()])
    assert f"<mark>{html.escape(TEXT[:QUOTE_END])}</mark>" in out
    assert "¶61" in out and "Requires improvement" in out
    assert "The experiences and progress of children looked after" in out  # the full section path


def test_passage_without_a_citation_marks_its_best_window():
    out = render_passages([make_hit(window_start=0, window_end=6)])
    assert "<mark>At the</mark>" in out


def test_passage_offers_its_context_when_given():
    out = render_passages([make_hit()], contexts={"stoke:p61": "<div>CONTEXT</div>"})
    assert "<details><summary>Show ¶61 in context</summary><div>CONTEXT</div></details>" in out


def test_no_passages_gives_a_plain_message():
    assert "No passages matched" in render_passages([])


def test_context_shows_neighbours_focus_and_citing_recommendation():
    blocks = [make_block(60, "Before."), make_block(61, "Focus <here>."), make_block(62, "After.")]
    rec = make_block(
        7,
        "Ensure capacity (paragraph 61).",
        id="stoke:b9",
        kind="recommendation",
        section_path="The local authority > Recommendations",
        cites=(61,),
    )
    out = render_context(blocks, "stoke:p61", [rec])
    assert out.index("Before.") < out.index("Focus") < out.index("After.")
    assert '<p class="qa-focus"><strong>61.</strong> Focus &lt;here&gt;.</p>' in out
    assert "Cited by recommendation 7:" in out


def test_citing_blocks_are_those_that_refer_to_the_paragraph():
    rec = make_block(7, "See (paragraph 61).", id="stoke:b9", cites=(61,))
    other = make_block(8, "See (paragraph 5).", id="stoke:b10", cites=(5,))
    assert citing_blocks([rec, other, make_block(61, "x")], 61) == [rec]
    assert citing_blocks([rec], None) == []


def test_copy_text_carries_answer_and_the_citation_it_quotes():
    other = make_citation(paragraph=99)
    text = copy_text(make_answer(citations=(make_citation(), other)), {"stoke": "Stoke-on-Trent"})
    assert text.splitlines() == [
        "How many children were placed at home on a care order?",
        "At the time of the inspection, 68 children were placed at home on a care order. (High confidence)",
        "— Stoke-on-Trent, ¶61 · Children looked after · Requires improvement",
    ]


def test_copy_text_of_an_abstention_is_the_message():
    answer = make_answer(answered=False, answer=None, citations=(), message="Does not answer.", confidence_level=None)
    assert copy_text(answer).endswith("Does not answer.")


def test_filters_come_only_from_chosen_menus():
    assert make_filters("", "") is None
    assert make_filters(None, None) is None
    assert make_filters("stoke", "The local authority") == {"doc_id": "stoke", "section": "The local authority"}


def test_api_errors_carry_a_status_and_a_sentence():
    assert error_payload("The question is empty.", 400) == {"error": "The question is empty.", "status": 400}


REPORT = ReportSummary(
    "norfolk-2023",
    "Inspection of Norfolk",
    "Norfolk, 2023 inspection",
    "Norfolk",
    "ILACS",
    "5 to 16 December 2022",
    "2023-01-13",
    "Jane Doe",
    {"Overall effectiveness": "Good"},
    "Good",
    12,
    55,
)


def test_scope_line_says_which_report_answers_and_how_it_was_chosen():
    line = render_scope(Scope(("norfolk-2023",), "Norfolk, 2023 inspection", ("Norfolk",), (), ("norfolk-2015",)))
    assert "Answering from: <strong>Norfolk, 2023 inspection</strong>" in line and "Other reports" in line
    assert "supports it best" in render_scope(Scope(("a",), "A, 2019 inspection", source="best match"))
    assert render_scope(None) == "" and render_scope(Scope((), "", ("Barnet",), ("Barnet",))) == ""


def test_a_passage_among_many_reports_names_its_authority_and_year():
    out = render_passages([make_hit(authority="Norfolk", published="2023-01-13")])
    assert 'Norfolk, 2023 · <a class="qa-open" href="?report=stoke&amp;p=61"' in out and "<strong>¶61</strong>" in out


def test_report_menus_become_report_level_filters():
    assert make_filters(None, None, "ILACS", "Inadequate") == {
        "framework": "ILACS",
        "judgement": {"Overall effectiveness": "Inadequate"},
    }


def test_report_list_rows_are_newest_first_and_the_chart_counts_by_year_and_judgement():
    older = ReportSummary(
        "n15",
        "t",
        "Norfolk, 2015 inspection",
        "Norfolk",
        "SIF with LSCB review",
        None,
        "2015-10-20",
        None,
        {},
        "Inadequate",
        48,
        170,
    )
    rows = report_rows([older, REPORT])
    assert [r[0] for r in rows] == ["norfolk-2023", "n15"] and rows[0][4] == "Good"
    assert judgement_counts([older, REPORT, REPORT]) == [
        {"year": "2015", "framework": "SIF with LSCB review", "overall": "Inadequate", "reports": 1},
        {"year": "2023", "framework": "ILACS", "overall": "Good", "reports": 2},
    ]


# ---------------------------------------------------------------- the app's HTTP API, with a fake assistant


class FakeAssistant:
    """Stands in for the model: the API test is about wiring, names and JSON, not answers."""

    status = "Index loaded (fake)."
    opened = Opened(status)

    def ask(self, question, top_k=5, filters=None):
        if not question.strip():
            from qa_app.errors import InvalidQuestion

            raise InvalidQuestion("The question is empty; type a question or some keywords.")
        return make_answer(question=question)

    def search(self, query, top_k=10, filters=None):
        return [make_hit()][:top_k]

    def context(self, block_id, radius=1):
        if block_id != "stoke:p61":
            raise KeyError(block_id)
        return [make_block(61, TEXT)]

    def sections(self, doc_id=None):
        return [CLA]

    def documents(self):
        return [("stoke", "Stoke-on-Trent")]

    def reports(self, filters=None):
        return [REPORT]

    def compare(self, topic, top_k=20, filters=None):
        return [make_hit()][:top_k]

    skipped: dict[str, str] = {}

    def open_paragraph(self, text, filters=None, reading=None):
        if "61" not in text:
            return None
        return Opening(61, "stoke", "Stoke-on-Trent, 2015 inspection", make_block(61, TEXT))


@pytest.fixture(scope="module")
def client():
    from gradio_client import Client

    from qa_app.app.web.page import build_app
    from qa_app.config import Settings

    demo = build_app(FakeAssistant(), Settings(port=0))
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    yield Client(url, verbose=False)
    demo.close()


def test_api_endpoints_are_named_ask_search_context_reports_compare(client):
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {
        "/ask",
        "/search",
        "/context",
        "/reports",
        "/compare",
        "/paragraph",
    }


def test_api_reports_and_compare_return_records_as_json(client):
    assert client.predict(None, api_name="/reports") == [REPORT.to_dict()]
    assert client.predict("IRO caseloads", 5, None, api_name="/compare") == [make_hit().to_dict()]


def test_api_ask_returns_the_answer_record_as_json(client):
    result = client.predict("How many children?", api_name="/ask")
    assert result == make_answer(question="How many children?").to_dict()


def test_api_search_and_context_return_records_as_json(client):
    assert client.predict("care order", 3, None, api_name="/search") == [make_hit().to_dict()]
    assert client.predict("stoke:p61", api_name="/context") == [make_block(61, TEXT).to_dict()]


def test_api_bad_input_returns_an_error_payload(client):
    assert client.predict("   ", api_name="/ask") == {
        "error": "The question is empty; type a question or some keywords.",
        "status": 400,
    }
    assert client.predict("nope", api_name="/context")["status"] == 404


def test_api_paragraph_opens_a_paragraph_by_number(client):
    opened = client.predict("¶61", None, api_name="/paragraph")
    assert opened["doc_id"] == "stoke" and opened["block"]["number"] == 61
    assert client.predict("How many children?", None, api_name="/paragraph")["status"] == 400


def test_chips_and_passage_numbers_link_to_the_report_view_at_the_paragraph():
    card = render_answer(make_answer())
    assert '<a class="qa-open qa-chip" href="?report=stoke&amp;p=61"' in card
    passage = render_passages([make_hit()])
    assert 'class="qa-open" href="?report=stoke&amp;p=61"' in passage


def test_every_passage_can_be_pinned_with_the_sentence_it_quotes():
    out = render_passages([make_hit()], citations=[make_citation()])
    assert f'data-pin="stoke:p61|0|{QUOTE_END}"' in out
    assert 'aria-label="Pin ¶61 of stoke to the collection"' in out


def test_search_results_mark_the_query_words_not_the_window():
    text = "Early help is offered early. Helping families matters."
    assert [text[a:b] for a, b, _ in query_word_spans(text, "the early help")] == ["Early", "help", "early", "Helping"]
    out = render_passages([make_hit(text=text)], query="early help")
    assert out.count("<mark>") == 4 and "No passage contains" not in out


def test_a_query_no_passage_shares_a_word_with_says_so():
    out = render_passages([make_hit()], query="xyzzy plugh")
    assert "No passage contains any of these words" in out
    assert "qa-passage" in out  # the closest in meaning are still listed, below the notice


def test_match_strength_is_said_in_words_beside_a_meter_on_a_fixed_scale():
    assert [match_strength(s) for s in (0.75, 0.5, 0.2, None)] == ["Strong match", "Good match", "Weak match", "Exact match"]
    out = render_passages([make_hit(score=0.97, similarity=0.5)])  # first among others, but only Good in meaning
    assert "Good match" in out and 'value="0.50" aria-label="Match strength 0.50"' in out
    assert 'title="How close in meaning this passage is to your words, on a fixed scale' in out


def test_status_line_counts_reports_and_paragraphs_without_internal_words():
    report = ReportSummary("a", "A", "A, 2015 inspection", None, None, None, None, None, {}, None, None, 206)
    assert loaded_line([report, report], {}) == "2 reports · 412 paragraphs · ready"
    assert loaded_line([report], {}, "embedding 3 of 7") == "1 report · 206 paragraphs · updating: embedding 3 of 7"
    assert "Skipped 1 report: bad.pdf (it is scanned)" in loaded_line([report], {"bad.pdf": "it is scanned."})


def test_status_line_says_which_segments_were_re_embedded_and_why_an_earlier_build_answers():
    report = ReportSummary("a", "A", "A, 2015 inspection", None, None, None, None, None, {}, None, None, 206)
    repaired = loaded_line([report], {}, repaired=("beta", "gamma"))
    assert repaired == "1 report · 206 paragraphs · ready · re-embedded 2 damaged segments (beta, gamma)"
    kept = loaded_line([report], {}, previous="the index could not be updated (no space left on device)")
    assert kept == (
        "1 report · 206 paragraphs · ready · serving the previous build: the index could not be updated (no space left on device)"
    )


def test_an_opened_paragraph_card_says_which_and_links_to_it():
    card = render_opening(Opening(61, "stoke", "Stoke-on-Trent, 2015 inspection", make_block(61, TEXT)))
    assert "Opened ¶61 of Stoke-on-Trent, 2015 inspection" in card and 'href="?report=stoke&amp;p=61"' in card
    refused = render_opening(Opening(99, None, "", message="Say which report to open ¶99 in."))
    assert "Say which report" in refused


def test_a_page_on_another_machine_without_a_login_will_not_change_the_reports(tmp_path):
    from types import SimpleNamespace

    from qa_app.app.web.page import build_app
    from qa_app.config import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = Settings(host="0.0.0.0", allowed_hosts="reports.example.org", corpus_dir=corpus, index_dir=tmp_path / "index")
    upload = tmp_path / "report.md"
    upload.write_text("# A report\n", encoding="utf-8")
    handlers = {f.fn.__name__: f.fn for f in build_app(FakeAssistant(), settings).fns.values() if f.fn is not None}
    remote = SimpleNamespace(
        headers={"host": "reports.example.org:7860"}, client=SimpleNamespace(host="192.168.1.30"), username=None, session_hash="s"
    )
    token = handlers["on_session"](remote)

    added = next(handlers["on_add"]([str(upload)], token, remote))
    removed = next(handlers["on_remove"]("stoke", token, remote))

    for message in (added[0], removed[0]):
        assert "Adding or removing reports from another machine needs a login" in message
    assert list(corpus.iterdir()) == []


def contrast_on_white(colour: str) -> float:
    """The WCAG contrast ratio of a #rrggbb colour against white."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def hue_of(colour: str) -> float:
    import colorsys

    return 360 * colorsys.rgb_to_hls(*(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)))[0]


def test_grades_have_their_usual_colours_dark_enough_to_read():
    assert all(90 <= hue_of(GRADE_COLOURS[g]) <= 160 for g in ("Outstanding", "Good"))  # greens
    assert GRADE_COLOURS["Outstanding"] != GRADE_COLOURS["Good"]
    assert 25 <= hue_of(GRADE_COLOURS["Requires improvement"]) <= 50  # amber
    assert hue_of(GRADE_COLOURS["Inadequate"]) < 10 or hue_of(GRADE_COLOURS["Inadequate"]) > 350  # red
    assert all(contrast_on_white(c) >= 4.5 for c in GRADE_COLOURS.values())


def test_the_judgement_chart_colours_each_grade_and_names_it_in_its_legend():
    from qa_app.app.web.page import build_app
    from qa_app.config import Settings

    demo = build_app(FakeAssistant(), Settings(port=0))
    chart = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "qa-chart")
    assert chart.color_map == GRADE_COLOURS and chart.color == "overall"


def test_two_citations_of_one_passage_make_one_chip():
    second = make_citation(quote="This is a slight decrease.", quote_start=QUOTE_END + 1, quote_end=len(TEXT))
    card = render_answer(make_answer(citations=(make_citation(), second)))
    assert card.count('class="qa-open qa-chip"') == 1


def test_an_authority_is_named_as_its_place_in_every_report():
    out = render_passages([make_hit(authority="Norfolk County Council", published="2018-01-19")])
    assert "Norfolk, 2018 · " in out and "Norfolk County Council" not in out


def test_a_report_chosen_for_one_question_is_a_chip_that_asks_again_without_it():
    chosen = Scope(("norfolk-2018",), "Norfolk, 2018 re-inspection", source="chosen")
    line = render_scope(chosen, "How many children were in care in Norfolk?")
    assert 'Answering from <span class="qa-scope-chip">Norfolk, 2018 re-inspection' in line
    assert 'class="qa-unscope" data-question="How many children were in care in Norfolk?"' in line
    assert 'aria-label="Stop answering from Norfolk, 2018 re-inspection"' in line and "(the filters)" not in line


def test_exports_take_the_address_the_page_was_opened_at():
    from qa_app.app.web.access import Caller, page_address

    assert page_address(Caller("127.0.0.1:7860", "http://127.0.0.1:7860", "127.0.0.1", False)) == "http://127.0.0.1:7860/"
    assert page_address(Caller("reports.example.org", None, "10.0.0.2", False)) == "http://reports.example.org/"
    assert page_address(Caller("", "javascript:alert(1)", "10.0.0.2", False)) == ""  # not an address: links stay relative
