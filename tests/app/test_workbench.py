"""The inspector's workbench in a real browser (fixtures in conftest.py): reading a report at a paragraph,
opening paragraphs by number, collecting and exporting evidence, adding and removing reports, the
keyboard, and an automated accessibility check."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from conftest import ANSWER_TIMEOUT_MS, ask, wait_ready
from support import FIXTURES, ROOT

pytestmark = pytest.mark.slow

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AUDITS = "Stoke-on-Trent 2015: what proportion of managers are not completing audits?"


def address(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def target(page):
    """The paragraph the report view is open at."""
    found = page.locator("#qa-report .qa-target")
    found.wait_for(timeout=ANSWER_TIMEOUT_MS)
    return found


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_status_line_says_what_is_loaded(page, served):
    status = page.locator("#qa-status").inner_text()
    assert re.search(r"\b5 reports · [\d,]+ paragraphs · ready", status), status
    assert not re.search(r"index|/tmp|chunks", status)  # no internal wording
    printed = "".join(served["printed"])
    assert "share=True" not in printed and "public link" not in printed  # no share-link hint


def test_citation_chip_opens_the_report_at_its_paragraph(page):
    ask(page, AUDITS)
    chip = page.locator("#qa-answer a.qa-chip").first
    number = re.match(r"¶(\d+)", chip.inner_text()).group(1)
    chip.click()
    paragraph = target(page)
    assert paragraph.get_attribute("data-paragraph") == number
    assert address(page) == {"report": "stoke-on-trent-2015", "p": number}
    assert in_view(page, paragraph)
    assert page.locator("#qa-answer .qa-answered").is_visible()  # the answer stays beside the report


def test_evidence_links_open_the_report_and_a_pdf_at_its_page(page):
    ask(page, "How many children were in care in Norfolk?")
    link = page.locator("#qa-evidence .qa-passage-head a.qa-open").first
    link.click()
    paragraph = target(page)
    assert address(page)["report"].startswith("norfolk-")
    assert paragraph.get_attribute("data-paragraph") == address(page)["p"]
    pdf = paragraph.locator("a.qa-pdf")  # a PDF report: the original opens at the paragraph's page
    assert re.search(r"\.pdf#page=\d+$", pdf.get_attribute("href"))
    response = page.request.get(
        urlparse(page.url)._replace(query="", fragment="").geturl() + pdf.get_attribute("href").split("#")[0]
    )
    assert response.ok and response.body()[:5] == b"%PDF-"


def test_a_pasted_address_opens_the_paragraph_without_a_click(page, app_url):
    page.goto(f"{app_url}/?report=norfolk-2023-01-13&p=12")
    wait_ready(page)
    paragraph = target(page)
    assert paragraph.get_attribute("data-paragraph") == "12"
    assert "12" in paragraph.locator(".qa-num").inner_text()
    assert in_view(page, paragraph)


def test_a_paragraph_number_in_the_question_box_opens_it(page):
    ask(page, "Paragraph 65 of the Stoke-on-Trent 2015 report", card="Opened ¶65 of Stoke-on-Trent, 2015 inspection")
    assert target(page).get_attribute("data-paragraph") == "65"
    assert address(page) == {"report": "stoke-on-trent-2015", "p": "65"}
    # With that report open, "¶66" alone is read in it.
    ask(page, "¶66", card="Opened ¶66 of Stoke-on-Trent, 2015 inspection")
    page.wait_for_selector("#qa-report .qa-target[data-paragraph='66']", timeout=ANSWER_TIMEOUT_MS)


def test_clicking_an_example_asks_it(page):
    page.get_by_text("How many children were in care in Norfolk?", exact=True).first.click()
    page.wait_for_selector("#qa-answer .qa-card:has-text('children were in care in Norfolk')", timeout=ANSWER_TIMEOUT_MS)
    assert "Norfolk" in page.locator("#qa-answer .qa-scope").inner_text()


def test_changing_a_filter_runs_the_question_again(page):
    ask(page, "How many children were in care in Norfolk?")
    before = page.locator("#qa-answer .qa-scope").inner_text()
    choose(page, "#qa-filter-report", "Stoke-on-Trent, 2015 inspection")
    page.wait_for_selector("#qa-answer .qa-scope:has-text('the filters')", timeout=ANSWER_TIMEOUT_MS)
    after = page.locator("#qa-answer .qa-scope").inner_text()
    assert after != before and "Stoke-on-Trent, 2015" in after


def choose(page, menu: str, option: str) -> None:
    """Pick an option of a Gradio dropdown as a person does: open it, type, choose."""
    box = page.locator(f"{menu} input").first
    box.click()
    box.fill(option)
    page.locator(f"ul[role='listbox'] li:has-text({option!r})").first.click()


def test_search_marks_the_query_words_and_says_how_strong_each_match_is(page):
    page.get_by_role("tab", name="Search passages").click()
    box = page.locator("#qa-query textarea, #qa-query input").first
    box.fill("early help")
    box.press("Enter")
    page.wait_for_selector("#qa-results .qa-passage", timeout=ANSWER_TIMEOUT_MS)
    marked = {m.lower() for m in page.locator("#qa-results .qa-passage mark").all_inner_texts()}
    assert marked and marked <= {"early", "help", "helps", "helped"}  # the words, not whole windows
    assert re.match(r"(Strong|Good|Weak) match", page.locator("#qa-results .qa-strength").first.inner_text())
    box.fill("xyzzy plugh")
    box.press("Enter")
    page.wait_for_selector("#qa-results:has-text('No passage contains any of these words')", timeout=ANSWER_TIMEOUT_MS)


def test_pinned_answer_and_passage_export_as_csv_and_markdown(page, app_url):
    ask(page, AUDITS)
    page.locator("#qa-pin-answer").click()
    # A numbered paragraph other than the one the answer quotes.
    second = page.locator("#qa-evidence .qa-passage[data-block*=':p']").nth(1)
    second_block = second.get_attribute("data-block")
    second.locator("button.qa-pin").click()
    page.get_by_role("tab", name=re.compile(r"Collection \(2\)")).click()
    rows = page.locator("#qa-collection tr[data-index]")
    rows.nth(1).wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert rows.count() == 2
    exports = {}
    for name in ("evidence.csv", "evidence.md"):
        link = page.locator(f"#qa-exports a[download='{name}']")
        exports[name] = unquote(link.get_attribute("href").split(",", 1)[1])
        with page.expect_download() as download:
            link.click()
        assert Path(download.value.path()).read_bytes().decode("utf-8") == exports[name]
    table = list(csv.DictReader(io.StringIO(exports["evidence.csv"])))
    assert len(table) == 2
    assert table[0]["question"] == AUDITS and "40%" in table[0]["quote"]
    assert table[0]["link"].startswith(f"{app_url}/?report=stoke-on-trent-2015&p=")  # absolute: the file leaves the page
    assert table[0]["link"] in exports["evidence.md"]
    second_number = second_block.rsplit(":p", 1)[-1]
    assert table[1]["paragraph"] == second_number
    markdown = exports["evidence.md"]
    assert markdown.count("> ") >= 2 and f"¶{table[0]['paragraph']}" in markdown and f"¶{second_number}" in markdown
    # Removing one leaves the other.
    page.locator("#qa-collection button.qa-unpin").first.click()
    page.get_by_role("tab", name=re.compile(r"Collection \(1\)")).wait_for(timeout=ANSWER_TIMEOUT_MS)


def test_keyboard_alone_asks_and_opens_a_cited_paragraph(page):
    page.locator("body").focus()
    focus_by_tab(page, "#qa-question textarea, #qa-question input")
    page.keyboard.type(AUDITS)
    page.keyboard.press("Enter")
    page.wait_for_selector("#qa-answer .qa-answered", timeout=ANSWER_TIMEOUT_MS)
    focus_by_tab(page, "#qa-answer a.qa-chip")
    number = re.match(r"¶(\d+)", page.evaluate("document.activeElement.textContent")).group(1)
    page.keyboard.press("Enter")
    assert target(page).get_attribute("data-paragraph") == number


def focus_by_tab(page, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        if page.evaluate(f"document.activeElement && document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {selector}")


def test_no_serious_or_critical_accessibility_violations(page):
    if not AXE.exists():
        pytest.fail(f"No axe-core at {AXE}; run: npm ci")
    ask(page, AUDITS)
    page.locator("#qa-answer a.qa-chip").first.click()
    target(page)
    page.locator("#qa-pin-answer").click()
    page.add_script_tag(path=str(AXE))
    found = {"answer and report": serious_violations(page)}
    page.get_by_role("tab", name=re.compile(r"Collection \(1\)")).click()
    page.locator("#qa-collection tr[data-index]").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    found["collection"] = serious_violations(page)
    page.get_by_role("tab", name="Reports", exact=True).click()
    page.get_by_text("Add or remove reports").click()
    found["reports"] = serious_violations(page)
    assert found == {"answer and report": [], "collection": [], "reports": []}


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page once its animations end: a toast caught fading
    in (under load) has the contrast of its half-drawn self, not of what a reader sees."""
    page.evaluate(
        """() => Promise.all(document.getAnimations()
            .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
            .map((a) => a.finished.catch(() => null)))"""
    )
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_api_page_opens_from_its_link_and_its_address(page, app_url):
    page.get_by_text("Use via API").first.click()
    page.get_by_text("API name: /ask").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.goto(f"{app_url}/?view=api")
    page.get_by_text("API name: /paragraph").wait_for(timeout=ANSWER_TIMEOUT_MS)


# Runs last in this file: it changes the corpus the other tests read (the copy in conftest's `served`).
def test_adding_a_report_makes_it_answerable_and_removing_it_takes_it_away(page, served, tmp_path):
    page.get_by_role("tab", name="Reports", exact=True).click()
    page.get_by_text("Add or remove reports").click()
    upload = page.locator("#qa-upload input[type=file]")

    fake = tmp_path / "not-a-report.pdf"
    fake.write_text("<html><body><script>alert(1)</script>Not a PDF</body></html>", encoding="utf-8")
    before = sorted(p.name for p in served["corpus"].iterdir())
    upload.set_input_files(str(fake))
    page.locator("#qa-add").click()
    page.wait_for_selector("#qa-change:has-text('not a PDF')", timeout=ANSWER_TIMEOUT_MS)
    assert "Nothing was added" in page.locator("#qa-change").inner_text()
    assert sorted(p.name for p in served["corpus"].iterdir()) == before
    assert page.dialogs == []

    upload.set_input_files(str(FIXTURES / "ofsted" / "knowsley-2021-12-03.pdf"))
    page.locator("#qa-add").click()
    page.wait_for_selector("#qa-change:has-text('up to date')", timeout=START_MS)
    assert "Added knowsley-2021-12-03" in page.locator("#qa-change").inner_text()
    page.wait_for_selector("#qa-reports:has-text('knowsley-2021-12-03')", timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_selector("#qa-status:has-text('6 reports · ')", timeout=ANSWER_TIMEOUT_MS)

    page.get_by_role("tab", name="Ask").click()
    ask(page, "What is the overall effectiveness judgement for Knowsley?")
    assert "Knowsley" in page.locator("#qa-answer .qa-scope").inner_text()
    assert page.locator("#qa-evidence .qa-passage").first.get_attribute("data-block").startswith("knowsley-2021-12-03:")

    page.get_by_role("tab", name="Reports", exact=True).click()
    choose(page, "#qa-removable", "Knowsley")
    page.locator("#qa-remove").click()
    page.wait_for_selector("#qa-change:has-text('Removed knowsley-2021-12-03')", timeout=START_MS)
    page.wait_for_selector("#qa-status:has-text('5 reports ·')", timeout=ANSWER_TIMEOUT_MS)
    assert "knowsley-2021-12-03.pdf" not in {p.name for p in served["corpus"].iterdir()}
    page.get_by_role("tab", name="Ask").click()
    ask(page, "Were return home interviews timely in Knowsley?", card="No report for Knowsley is loaded")


START_MS = 300_000  # adding a report embeds it on this machine's CPU
