"""The real app in a real browser, shared by the browser tests: `python app.py` on a copy of the bundled
reports, driven by headless Chromium.

Chromium comes from Debian (`apt-get install -y chromium`); Playwright drives it without downloading a
browser of its own. Corpus and index are temporary copies, so adding and removing reports in a test never
touches the repository's corpus/ or index/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support import ROOT, running_app

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


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """The app serving a copy of the bundled corpus, and what it printed; `home` holds its corpus/ and index/,
    as QA_HOME names them."""
    home = tmp_path_factory.mktemp("home")
    corpus, index = home / "corpus", home / "index"
    corpus.mkdir()
    for report in (ROOT / "corpus").iterdir():
        shutil.copy2(report, corpus / report.name)
    printed: list[str] = []
    with running_app("--corpus", str(corpus), "--index", str(index), timeout_s=START_TIMEOUT_S, output=printed) as url:
        yield {"url": url, "corpus": corpus, "home": home, "printed": printed}


@pytest.fixture(scope="session")
def app_url(served):
    return served["url"]


@pytest.fixture(scope="session")
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
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.hosts = set()  # type: ignore[attr-defined]
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("request", lambda r: page.hosts.add(urlparse(r.url).hostname))  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    page.goto(app_url)
    wait_ready(page)
    yield page
    context.close()


def wait_ready(page) -> None:
    page.wait_for_selector("#qa-status:has-text('· ready')", timeout=ANSWER_TIMEOUT_MS)


def ask(page, question: str, card: str | None = None) -> None:
    """Type the question and press Enter; returns once the answer card (or one saying `card`) is shown."""
    box = page.locator("#qa-question textarea, #qa-question input").first
    box.fill(question)
    box.press("Enter")  # Enter submits
    page.wait_for_selector(f"#qa-answer .qa-card:has-text({(card or question[:40])!r})", timeout=ANSWER_TIMEOUT_MS)
