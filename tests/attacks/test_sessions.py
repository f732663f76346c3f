"""Many visitors reading a large report cost the server little each: Gradio keeps every output of every
session (up to state_session_capacity), so the report view a session holds is the report's address, and
the page fetches the report itself from the assistant, which all sessions share. Held whole, a large
report cost 4.5 MB per session. One app of its own, over a copy of the largest bundled Markdown report."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from attack_client import Client, fn_index
from support import ROOT, keep_note, running_app

pytestmark = pytest.mark.slow

REPORT = ROOT / "corpus" / "stoke-on-trent-2015.md"
LINK = "?report=stoke-on-trent-2015&p=65"
QUOTED = "Current caseloads of IROs remain significantly higher than recommended in statutory guidance"
WARM_UP, SESSIONS = 20, 200


@pytest.fixture(scope="module")
def reading(tmp_path_factory) -> Iterator[tuple[str, int]]:
    """The app over a copy of the report; its URL and process id."""
    root = tmp_path_factory.mktemp("reading")
    (root / "corpus").mkdir()
    shutil.copy2(REPORT, root / "corpus" / REPORT.name)
    process: list[subprocess.Popen] = []
    with running_app("--corpus", str(root / "corpus"), "--index", str(root / "index"), timeout_s=600, process=process) as url:
        yield url, process[0].pid


def rss_mb(pid: int) -> float:
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status").read().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024


class Reader:
    """One visitor's session opening the report at a paragraph, as a citation link does."""

    def __init__(self, url: str, config: dict):
        self.client, self.config = Client(url), config

    def open(self, link: str = LINK) -> str:
        """The report view this session now holds (what Gradio keeps for it)."""
        view, _menu = self.client.event(fn_index(self.config, "qa-open-go"), [link])
        return view["value"]

    def fetch(self, link: str) -> str:
        """What the page's script puts in the view: the report, from the server."""
        ids = {c.get("props", {}).get("elem_id"): c["id"] for c in self.config["components"]}
        body = {
            "session_hash": self.client.session_hash,
            "component_id": ids["qa-report"],
            "fn_name": "report_pane",
            "data": link,
        }
        response = self.client.post("/gradio_api/component_server", json=body)
        assert response.status_code == 200, response.text
        return response.json()


def test_a_session_holds_the_reports_address_and_the_page_fetches_the_report(reading):
    url, _ = reading
    reader = Reader(url, Client(url).get("/config").json())
    held = reader.open()
    assert 'data-src="?report=stoke-on-trent-2015&amp;p=65"' in held
    assert QUOTED not in held and len(held) < 1_000
    shown = reader.fetch(LINK)
    assert 'data-report="stoke-on-trent-2015"' in shown and len(shown) > 100_000
    assert re.search(
        r'<p id="para-65" class="[^"]* qa-target" data-paragraph="65"[^>]*><span class="qa-num">¶65</span> ' + QUOTED, shown
    )


def test_a_report_that_is_not_loaded_is_a_notice_not_an_error(reading):
    url, _ = reading
    reader = Reader(url, Client(url).get("/config").json())
    for shown in (reader.open("?report=nowhere"), reader.fetch("?report=nowhere")):
        assert "No report &#x27;nowhere&#x27; is loaded." in shown


def test_two_hundred_sessions_reading_a_large_report_hold_no_copy_of_it(reading):
    url, pid = reading
    config = Client(url).get("/config").json()
    report_mb = len(Reader(url, config).fetch(LINK).encode()) / 2**20
    for _ in range(WARM_UP):  # Gradio's first sessions and the allocator's pools settle
        Reader(url, config).open()
    before = rss_mb(pid)
    for _ in range(SESSIONS):
        assert QUOTED not in Reader(url, config).open()
    growth = rss_mb(pid) - before
    keep_note(
        f"{SESSIONS} sessions reading a {report_mb:.2f} MB rendered report: server RSS {before:.0f} -> {before + growth:.0f} MB "
        f"({growth / SESSIONS * 1024:.0f} KB per session)"
    )
    # Held whole, each session keeps at least one copy of the rendered report (4.5 MB each was measured for a
    # large PDF); without it, Gradio's own bookkeeping costs about 60 KB a session.
    assert growth < SESSIONS * report_mb, f"{growth:.0f} MB for {SESSIONS} sessions"
