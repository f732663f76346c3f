"""Across several reports: questions that name a place are answered from it, others from the report that
supports them best, and the report list, filters and compare work over the reports' facts."""

import pytest

from qa_app import Assistant

NORFOLK_2015 = """# Norfolk County Council

**Inspection dates: 1 to 12 June 2015**

## Findings

1. At 31 March 2015, 1,100 children were looked after by the council.
2. Caseloads of independent reviewing officers are too high, at 95 children each.
3. Return home interviews are not offered to every child who goes missing.
"""

NORFOLK_2022 = """# Norfolk County Council

**Inspection dates: 5 to 16 December 2022**

## Findings

1. At the time of the inspection, 1,170 children were in the care of the council.
2. Independent reviewing officers now have manageable caseloads and know their children well.
3. Return home interviews are timely and their findings shape plans for each child.
"""

KNOWSLEY = """# Knowsley Metropolitan Borough Council

**Inspection dates: 2 to 13 March 2020**

## Findings

1. Knowsley looks after 480 children, a rate well above that of similar areas.
2. Private fostering arrangements are identified late and assessments are slow.
3. Caseloads of independent reviewing officers are high, at 85 children each.
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    root = tmp_path_factory.mktemp("scoping")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in {"norfolk-2015": NORFOLK_2015, "norfolk-2022": NORFOLK_2022, "knowsley-2020": KNOWSLEY}.items():
        (corpus / f"{name}.md").write_text(text, encoding="utf-8")
    return Assistant.load(corpus_dir=corpus, index_dir=root / "index")


def test_a_question_naming_an_authority_is_answered_from_its_latest_report(assistant):
    answer = assistant.ask("How many children were in care in Norfolk?")
    assert answer.scope.doc_ids == ("norfolk-2022",) and answer.scope.others == ("norfolk-2015",)
    assert {c.doc_id for c in answer.citations} <= {"norfolk-2022"}
    assert answer.to_dict()["scope"]["label"] == "Norfolk, 2022 inspection"


def test_a_year_picks_the_authoritys_other_report(assistant):
    answer = assistant.ask("Norfolk's 2015 inspection: how many children were looked after?")
    assert answer.scope.doc_ids == ("norfolk-2015",) and answer.answer == "1,100"


def test_an_authority_with_no_report_is_not_answered_from_another(assistant):
    answer = assistant.ask("How many children were looked after in Barnet?")
    assert not answer.answered and answer.citations == () and answer.passages == ()
    assert answer.message.startswith("No report for Barnet is loaded")
    assert assistant.search("children looked after in Barnet") == []


def test_an_unscoped_question_is_answered_from_the_best_supported_report_and_names_it(assistant):
    answer = assistant.ask("Are private fostering arrangements identified quickly?")
    assert answer.scope.source == "best match" and answer.scope.doc_ids == ("knowsley-2020",)
    assert answer.citations[0].doc_id == "knowsley-2020" and answer.citations[0].authority.startswith("Knowsley")


def test_search_across_reports_labels_each_hit_and_keeps_a_few_per_report(assistant):
    hits = assistant.search("caseloads", top_k=10)
    assert len({h.doc_id for h in hits}) == 3
    assert all(h.authority for h in hits)
    assert max(sum(h.doc_id == d for h in hits) for d in {h.doc_id for h in hits}) <= assistant.settings.hits_per_report


def test_compare_gives_the_best_passage_of_each_report(assistant):
    hits = assistant.compare("independent reviewing officer caseloads")
    assert sorted(h.doc_id for h in hits) == ["knowsley-2020", "norfolk-2015", "norfolk-2022"]
    assert all("reviewing officers" in h.text for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_report_filters_and_the_report_list(assistant):
    assert [r.doc_id for r in assistant.reports({"authority": "Norfolk"})] == ["norfolk-2015", "norfolk-2022"]
    hits = assistant.search("caseloads", filters={"authority": "Knowsley"})
    assert {h.doc_id for h in hits} == {"knowsley-2020"}
    listed = {r.doc_id: r for r in assistant.reports()}
    assert listed["knowsley-2020"].label == "Knowsley, 2020 inspection" and listed["norfolk-2015"].paragraphs == 3


def test_filters_set_by_the_caller_win_over_the_place_in_the_question(assistant):
    answer = assistant.ask("How many children were in care in Norfolk?", filters={"doc_id": "norfolk-2015"})
    assert answer.scope.source == "filters" and answer.scope.doc_ids == ("norfolk-2015",)


def test_the_per_report_cap_applies_only_when_more_than_one_report_is_in_scope(tmp_path):
    leadership = "\n".join(f"{i}. Leaders review caseloads of social workers, finding {i} concerns." for i in range(4, 10))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "knowsley-2020.md").write_text(f"{KNOWSLEY}\n## Leadership\n\n{leadership}\n", encoding="utf-8")
    (corpus / "norfolk-2015.md").write_text(NORFOLK_2015, encoding="utf-8")
    two = Assistant.load(corpus_dir=corpus, index_dir=tmp_path / "index")

    only_knowsley = two.search("caseloads", top_k=5, filters={"section": "Leadership"})  # one report has this section
    assert len(only_knowsley) == 5 and {h.doc_id for h in only_knowsley} == {"knowsley-2020"}
    across = two.search("caseloads", top_k=8)
    assert max(sum(h.doc_id == d for h in across) for d in {h.doc_id for h in across}) <= two.settings.hits_per_report


def test_compare_on_the_page_honours_the_report_and_section_menus(assistant):
    from qa_app.app.web.handlers import Workbench
    from qa_app.app.web.slot import AssistantSlot

    bench = Workbench(AssistantSlot(assistant), assistant.settings)
    one = bench.compare("independent reviewing officer caseloads", "norfolk-2015", None, None, None)
    assert one.compare_html.count('class="qa-passage"') == 1 and "norfolk-2015" in one.compare_html
    none = bench.compare("independent reviewing officer caseloads", None, "No such section", None, None)
    assert 'class="qa-passage"' not in none.compare_html


def test_a_question_about_a_paragraph_number_with_no_report_named_asks_which_report(assistant):
    answer = assistant.ask("What is in paragraph 2?")
    assert not answer.answered and answer.message.startswith("Say which report to open ¶2 in, for example: ¶2 of")
    assert answer.message == assistant.open_paragraph("¶2").message  # as "¶2" on its own does
    named = assistant.ask("What is in paragraph 2?", filters={"doc_id": "knowsley-2020"})
    assert named.citations and named.citations[0].doc_id == "knowsley-2020"


def test_words_no_passage_shares_and_far_in_meaning_are_never_a_strong_match(assistant):
    from qa_app.app.web.passages import match_strength

    hits = assistant.search("xylophone quantum", top_k=5)
    assert hits and all(match_strength(h.similarity) == "Weak match" for h in hits)
    assert match_strength(assistant.search("independent reviewing officers caseloads", top_k=1)[0].similarity) != "Weak match"


def test_on_the_page_a_paragraph_number_question_is_answered_from_the_report_being_read(assistant):
    from qa_app.app.web.handlers import Workbench
    from qa_app.app.web.slot import AssistantSlot

    bench = Workbench(AssistantSlot(assistant), assistant.settings)
    reading = bench.ask("What is in paragraph 2?", None, None, None, None, "knowsley-2020")
    assert "Say which report" not in reading.answer_html and reading.last_answer.scope.doc_ids == ("knowsley-2020",)
    assert "Say which report to open ¶2 in" in bench.ask("What is in paragraph 2?", None, None, None, None, None).answer_html
