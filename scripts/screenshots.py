"""The README's screenshots, taken from the real app on the bundled reports in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py      # writes docs/day-*.png

It starts `app.py` on corpus/ with a temporary index (so index/ is untouched), then does what the README's
"A day with the assistant" describes: ask, open a citation in the report, pin evidence, open the collection.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import running_app  # noqa: E402  (the tests' way of starting the app as a person does)

DOCS = ROOT / "docs"
QUESTION = "Stoke-on-Trent 2015: what proportion of managers are not completing audits?"
WAIT_MS = 120_000


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as index, running_app("--index", index) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector("#qa-status:has-text('· ready')", timeout=WAIT_MS)
        box = page.locator("#qa-question textarea, #qa-question input").first
        box.fill(QUESTION)
        box.press("Enter")
        page.wait_for_selector("#qa-answer .qa-answered", timeout=WAIT_MS)
        page.screenshot(path=str(DOCS / "day-1-answer.png"))

        page.locator("#qa-answer a.qa-chip").first.click()
        page.wait_for_selector("#qa-report .qa-target", timeout=WAIT_MS)
        page.wait_for_timeout(500)
        page.screenshot(path=str(DOCS / "day-2-report.png"))

        page.locator("#qa-pin-answer").click()
        page.locator("#qa-evidence .qa-passage[data-block*=':p'] button.qa-pin").nth(1).click()
        page.get_by_role("tab", name="Collection (2)").click()
        page.wait_for_selector("#qa-collection tr[data-index='1']", timeout=WAIT_MS)
        page.screenshot(path=str(DOCS / "day-3-collection.png"))
        browser.close()
    print("Wrote", ", ".join(sorted(p.name for p in DOCS.glob("day-*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
