"""The real app in a real browser: `python app.py` on the bundled report, driven by headless Chromium.

Chromium comes from Debian (`apt-get install -y chromium`); Playwright drives it without downloading
a browser of its own. The index is built into a temporary folder so the repository's index/ is untouched.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support import running_app

CHROMIUM = os.environ.get("QA_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT_S = 600  # first start builds the index on CPU
ANSWER_TIMEOUT_MS = 60_000
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The app served from a subprocess exactly as a person starts it, once it says it is ready."""
    with running_app("--index", str(tmp_path_factory.mktemp("index")), timeout_s=START_TIMEOUT_S) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}; install it with: apt-get install -y chromium chromium-driver")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh page on the app that records every request host and every dialog (alert) opened."""
    context = browser.new_context(viewport={"width": 1200, "height": 1400})
    page = context.new_page()
    page.hosts = set()  # type: ignore[attr-defined]
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("request", lambda r: page.hosts.add(urlparse(r.url).hostname))  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    page.goto(app_url)
    page.wait_for_selector("#qa-status:has-text('Ready')", timeout=ANSWER_TIMEOUT_MS)
    yield page
    context.close()


def ask(page, question: str) -> None:
    box = page.locator("#qa-question textarea, #qa-question input").first
    box.fill(question)
    box.press("Enter")  # Enter submits
    page.wait_for_selector("#qa-answer .qa-card", timeout=ANSWER_TIMEOUT_MS)


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
