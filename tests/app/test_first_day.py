"""What a first working day on the page needs (issue 26), in a real browser: a report chosen for one question
stays that question's, every citation lands (unnumbered blocks too), a report chosen to read opens at its
top, an address naming a missing ¶ says so, and the small things a person notices."""

from __future__ import annotations

import pytest
from conftest import ANSWER_TIMEOUT_MS, ask, wait_ready
from test_workbench import address, in_view, target

pytestmark = pytest.mark.slow

NORFOLK_IN_CARE = "How many children were in care in Norfolk?"


def test_answer_from_another_report_is_one_questions_removable_scope_never_a_hidden_filter(page):
    ask(page, NORFOLK_IN_CARE)
    copy = page.get_by_label("Answer with citation, as text")  # the copy box has a name of its own
    assert copy.count() == 1 and NORFOLK_IN_CARE in copy.input_value()
    page.locator("#qa-other-reports label", has_text="Norfolk, 2018").click()
    chip = page.locator("#qa-answer .qa-scope-chip")
    chip.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Norfolk, 2018 re-inspection" in chip.inner_text() and chip.locator("button.qa-unscope").count() == 1
    assert page.locator("#qa-filter-report input").input_value() == "All reports"

    ask(page, "How many children were looked after in Darlington?")
    scope = page.locator("#qa-answer .qa-scope").inner_text()
    assert "Darlington" in scope and "Norfolk" not in scope and "(the filters)" not in scope
    assert page.locator("#qa-answer .qa-abstain").count() == 0

    # The chip's × asks the question again, scoped afresh.
    ask(page, NORFOLK_IN_CARE)
    page.locator("#qa-other-reports label", has_text="Norfolk, 2018").click()
    chip.wait_for(timeout=ANSWER_TIMEOUT_MS)
    chip.locator("button.qa-unscope").click()
    page.wait_for_selector("#qa-answer .qa-scope:has-text('Norfolk, 2023')", timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#qa-answer .qa-scope-chip").count() == 0


def test_a_statistics_chip_lands_highlighted_and_the_answer_is_bold_from_its_first_letter(page):
    ask(page, "Stoke-on-Trent 2015: what proportion of managers are not completing audits?")  # answered at High
    strong = page.locator("#qa-answer .qa-sentence strong").first
    assert strong.inner_text().startswith("At least 40%")  # the sentence starts with the answer
    assert strong.evaluate("e => getComputedStyle(e).fontWeight") in ("700", "bold")
    page.locator("#qa-pin-answer").click()
    page.get_by_text("Pinned the answer.").first.wait_for(timeout=ANSWER_TIMEOUT_MS)  # the confirmation shows

    ask(page, "How many children were looked after in Stoke-on-Trent in 2015?")
    chip = page.locator("#qa-answer a.qa-chip, #qa-evidence .qa-passage-head a.qa-open").filter(has_text="Statistics").first
    chip.click()
    block = target(page)
    assert block.get_attribute("data-paragraph") is None and block.get_attribute("data-block")
    assert address(page) == {"report": "stoke-on-trent-2015", "b": block.get_attribute("data-block")}
    assert in_view(page, block)
    assert block.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")


def test_a_missing_paragraph_is_said_and_a_report_chosen_to_read_opens_at_its_top(page, app_url):
    page.goto(f"{app_url}/?report=norfolk-2023-01-13&p=999")
    wait_ready(page)
    note = page.locator("#qa-report .qa-missing")
    note.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "No ¶999 in this report; its paragraphs run 1–55." in note.inner_text()

    page.goto(f"{app_url}/?report=darlington-2018-05-21&p=80")
    wait_ready(page)
    target(page)
    pane = page.locator("#qa-report .qa-reader")
    assert pane.evaluate("e => e.scrollTop") > 0
    page.locator("#qa-reading input").click()
    page.get_by_role("option", name="Norfolk, 2023 inspection").click()
    page.wait_for_selector("#qa-report article[data-report='norfolk-2023-01-13']", timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(300)  # the page script has run on the new view
    assert page.locator("#qa-report .qa-reader").evaluate("e => e.scrollTop") == 0
