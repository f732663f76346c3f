"""The assistant end to end on a small report: search, ask, filters, look-ups and the neural reader."""

import json

import pytest
from support import PARAGRAPHS, CountingEmbedder, open_assistant, write_report

from qa_app import Assistant, InvalidQuestion
from qa_app.answer.neural_reader import TransformersReader
from qa_app.config import Settings

REPORT = """# Riverton Borough Council

## Help and protection

**Inspection findings**

1. The multi-agency safeguarding hub (MASH) shares information quickly. Referrals are screened within one day.
2. At 31 March 2015, 412 children were the subject of a child protection plan. This is an increase from 380.
3. Caseloads of independent reviewing officers (IROs) are too high, so reviews are sometimes late.

## Children looked after

**Inspection findings**

4. Foster carers receive good training and support. Sixty-two percent of children live with foster carers.
5. Too many care leavers are not in education, employment or training because advice starts too late.
6. IROs do not always meet children before their reviews.
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    root = tmp_path_factory.mktemp("assistant")
    (root / "corpus").mkdir()
    (root / "corpus" / "riverton.md").write_text(REPORT, encoding="utf-8")
    return Assistant.load(corpus_dir=root / "corpus", index_dir=root / "index")


def test_a_number_question_is_answered_verbatim_with_its_paragraph(assistant):
    answer = assistant.ask("How many children had a child protection plan at 31 March 2015?")
    assert answer.answered and answer.answer == "412"
    first = answer.citations[0]
    assert first.paragraph == 2 and first.doc_id == "riverton"
    assert first.text[first.quote_start : first.quote_end] == first.quote == answer.sentence
    assert first.text[first.answer_start : first.answer_end] == "412"
    record = answer.to_dict()
    assert json.loads(json.dumps(record)) == record


def test_the_reader_knows_which_capitalised_words_the_reports_mostly_write_in_lower_case(assistant):
    assert {"foster", "too"} <= assistant.reader.common_words
    assert "riverton" not in assistant.reader.common_words


def test_search_returns_whole_paragraphs_with_their_section(assistant):
    hits = assistant.search("reviewing officer caseloads", top_k=3)
    assert hits[0].paragraph == 3
    assert hits[0].section_path == "Help and protection > Inspection findings"
    assert hits[0].text.startswith("Caseloads of independent reviewing officers")
    assert hits[0].score >= hits[-1].score


def test_a_paragraph_reference_goes_straight_to_that_paragraph(assistant):
    for query in ("paragraph 4", "¶4", "para 4"):
        assert [h.paragraph for h in assistant.search(query)] == [4]


def test_section_filter_keeps_hits_inside_the_section(assistant):
    hits = assistant.search("children", top_k=10, filters={"section": "Children looked after"})
    assert {h.paragraph for h in hits} == {4, 5, 6}


def test_an_acronym_query_finds_the_paragraph_that_spells_it_out(assistant):
    assert assistant.search("safeguarding hub", top_k=1)[0].paragraph == 1
    assert assistant.search("MASH", top_k=1)[0].paragraph == 1


def test_meaning_search_reads_acronyms_as_the_words_they_stand_for(assistant):
    question = "Do the independent reviewing officers meet children before reviews?"
    assert assistant.search(question, top_k=1, mode="dense")[0].paragraph == 6


def test_context_lists_neighbours_in_reading_order(assistant):
    numbers = [b.number for b in assistant.context("riverton:p2", radius=1)]
    assert numbers == [1, 2, 3]
    assert assistant.documents() == [("riverton", "Riverton Borough Council")]
    assert "Children looked after > Inspection findings" in assistant.sections()


def test_empty_question_and_bad_top_k_are_refused(assistant):
    with pytest.raises(InvalidQuestion):
        assistant.ask("   ")
    with pytest.raises(InvalidQuestion):
        assistant.search("children", top_k=0)


def test_the_neural_reader_is_selected_by_setting_and_quotes_the_report(assistant, tiny_qa_model):
    neural = open_assistant(assistant.settings, assistant.embedder, reader="transformers", reader_model=tiny_qa_model)
    span_reader = neural.reader
    assert isinstance(span_reader, TransformersReader) and span_reader.model_path == tiny_qa_model
    answer = neural.ask("How many children had a child protection plan?")
    for citation in answer.citations:
        assert citation.text[citation.quote_start : citation.quote_end] == citation.quote
    assert answer.passages  # untrained weights may abstain or answer; either way it cites what it read
    if answer.answered:
        first = answer.citations[0]
        assert first.text[first.answer_start : first.answer_end] == answer.answer
        assert any(answer.answer in p.text for p in answer.passages)
    record = answer.to_dict()
    assert json.loads(json.dumps(record)) == record


def test_reports_added_and_removed_through_the_assistant_are_embedded_alone_and_forgotten(assistant, tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "riverton.md").write_text(REPORT, encoding="utf-8")
    # auto_rebuild off, as on a server that must not rebuild by itself: adding a report still updates the index.
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", auto_rebuild=False)
    counting = CountingEmbedder(assistant.embedder)
    before = open_assistant(settings.replace(auto_rebuild=True), counting)
    upload = (
        write_report(tmp_path / "downloads", title="Inspection of Tiny council children's services") / "tiny.md"
    ).read_bytes()
    [stored, refused] = before.add_reports([("Tiny Council.md", upload), ("notes.txt", b"not a report")])
    assert refused.doc_id is None and "not a PDF or Markdown file" in refused.error
    assert (settings.corpus_dir / "tiny-council.md").read_bytes() == upload

    counting.texts.clear()
    added = Assistant(settings, counting, before.store, before.status).reloaded()
    assert added.embedder is counting
    assert [doc_id for doc_id, _ in added.documents()] == ["riverton", "tiny-council"]
    assert any(PARAGRAPHS[0] in t for t in counting.texts)
    assert not any("safeguarding hub" in t for t in counting.texts)  # riverton came from its segment
    hits = added.search("How many children were looked after in March 2015?", top_k=3)
    assert hits[0].doc_id == stored.doc_id == "tiny-council"

    kept = added.remove_report("tiny-council")
    assert kept.read_bytes() == upload and not (settings.corpus_dir / "tiny-council.md").exists()
    counting.texts.clear()
    removed = added.reloaded()
    assert counting.texts == []
    assert [doc_id for doc_id, _ in removed.documents()] == ["riverton"]
    assert all(hit.doc_id == "riverton" for hit in removed.search("children looked after in March 2015", top_k=10))
