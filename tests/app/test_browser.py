"""Asking in the real app in a real browser (fixtures in conftest.py): answers, refusals, markup."""

from __future__ import annotations

import pytest
from conftest import ANSWER_TIMEOUT_MS, ask, wait_ready

LOCAL_HOSTS = {"127.0.0.1", "localhost"}

pytestmark = pytest.mark.slow


def test_question_gets_an_answer_with_a_paragraph_citation(page):
    # The bundled corpus holds several reports: naming the place and year picks the report, and the page says so.
    ask(page, "Stoke-on-Trent 2015: what proportion of managers are not completing audits?")  # answered at High
    card = page.locator("#qa-answer .qa-answered")
    card.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Answering from: Stoke-on-Trent, 2015 inspection" in page.locator("#qa-answer .qa-scope").inner_text()
    assert "40%" in card.locator(".qa-sentence strong").first.inner_text()  # bold inside its sentence
    assert "confidence" in card.inner_text()
    chip = card.locator(".qa-chip").first
    assert chip.inner_text().startswith("¶")
    assert page.locator("#qa-evidence .qa-passage").count() >= 1
    page.locator("#qa-evidence details summary").first.click()  # the paragraph in context
    assert page.locator("#qa-evidence details .qa-focus").first.is_visible()
    assert page.hosts <= LOCAL_HOSTS, f"the page reached beyond this machine: {page.hosts - LOCAL_HOSTS}"


def test_unanswerable_question_says_the_report_does_not_answer(page):
    ask(page, "What is the recipe for a Victoria sponge cake?")
    card = page.locator("#qa-answer .qa-abstain")
    card.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "not" in card.inner_text() and "answer" in card.inner_text()
    assert page.locator("#qa-evidence .qa-passage").count() >= 1  # the closest passages


def test_markup_in_a_question_is_shown_as_text_not_run(page):
    script = "<script>alert(1)</script>"
    ask(page, script)
    answer = page.locator("#qa-answer")
    assert script in answer.inner_text()
    assert answer.locator("script").count() == 0
    page.wait_for_timeout(500)  # give a script that did get in time to run
    assert page.dialogs == []


RECORD_POLICY_VIOLATIONS = """
window.qaViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.qaViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


def test_the_page_works_under_its_content_security_policy(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.add_init_script(RECORD_POLICY_VIOLATIONS)
    try:
        page.goto(app_url)
        wait_ready(page)
        ask(page, "Stoke-on-Trent 2015: what proportion of managers are not completing audits?")
        page.locator("#qa-answer .qa-chip").first.click()  # the page script opens the report view
        page.wait_for_selector("#qa-report .qa-target", timeout=ANSWER_TIMEOUT_MS)
        assert page.evaluate("window.qaViolations") == []
    finally:
        context.close()


def test_another_site_cannot_frame_the_page(browser, app_url):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content(f'<iframe id="victim" src="{app_url}" width="800" height="600"></iframe>')
        page.wait_for_timeout(3000)  # give a frame that did load time to show the workbench
        frame = page.frame_locator("#victim")
        assert frame.locator("#qa-status").count() == 0
    finally:
        context.close()
