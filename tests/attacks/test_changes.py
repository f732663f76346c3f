"""Adding and removing reports: only from this machine's own page (with its session secret) when no
login is set; uploads never pile up; exports carry no live markup. One app of its own, as it changes
the corpus."""

from __future__ import annotations

import os
from urllib.parse import unquote

import pytest
from attack_app import LIVE_MARKUP, serving
from attack_client import Client, Page, load_index, notice
from markdown_it import MarkdownIt

pytestmark = pytest.mark.slow

NEEDS_PAGE = "Reports can be added or removed only from the page itself; reload the page and try again."


@pytest.fixture(scope="module")
def changing(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("changes")) as served:
        yield served


def uploads(served) -> list[str]:
    folder = served.index / "uploads"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_abandoned_uploads_are_swept_when_the_app_starts(changing):
    assert uploads(changing) == []


def test_a_change_without_the_pages_session_secret_is_refused(changing):
    page = Page(Client(changing.url)).open()
    assert notice(page.remove("beta", token=None)) == NEEDS_PAGE
    assert notice(page.remove("beta", token="0" * 64)) == NEEDS_PAGE
    other = Page(Client(changing.url)).open()  # another session's secret is no good either
    assert notice(page.remove("beta", token=other.token)) == NEEDS_PAGE
    assert (changing.corpus / "beta.md").exists()


def test_this_machines_page_removes_a_report_and_shows_no_server_path(changing):
    page = Page(Client(changing.url)).open()
    said = notice(page.remove("beta"))
    assert said.startswith("Removed beta; its file was kept as ")
    assert "The index is up to date." in said
    assert str(changing.index) not in said and "/tmp" not in said
    assert not (changing.corpus / "beta.md").exists()


def test_an_added_report_leaves_nothing_in_the_upload_folder(changing):
    page = Page(Client(changing.url)).open()
    report = (changing.corpus / "alpha.md").read_text().replace("Alpha council", "Delta council")
    stored = page.upload(("delta.md", report.encode()))
    assert stored.status_code == 200
    said = notice(page.add(stored.json()))
    assert "Added delta." in said and "The index is up to date." in said
    assert (changing.corpus / "delta.md").exists()
    assert uploads(changing) == []


def renamed(served, council: str) -> bytes:
    """A report of its own: alpha's text under another council's name."""
    return (served.corpus / "alpha.md").read_text().replace("Alpha council", f"{council} council").encode()


def test_one_upload_named_a_hundred_times_in_one_add_is_read_and_added_once(changing):
    page = Page(Client(changing.url)).open()
    stored = page.upload(("eta.md", renamed(changing, "Eta"))).json()
    assert notice(page.add(stored * 100)) == "Added eta. The index is up to date."
    assert sorted(p.name for p in changing.corpus.iterdir() if p.name.startswith("eta")) == ["eta.md"]


def test_the_same_bytes_under_a_new_name_are_refused_naming_the_report_they_copy(changing):
    page = Page(Client(changing.url)).open()
    stored = page.upload(("alpha-copy.md", (changing.corpus / "alpha.md").read_bytes())).json()
    said = notice(page.add(stored))
    assert said == "alpha-copy.md has the same contents as alpha.md, which is already loaded. Nothing was added."
    assert not (changing.corpus / "alpha-copy.md").exists()


def test_markdown_that_is_not_an_inspection_report_is_refused(changing):
    page = Page(Client(changing.url)).open()
    minutes = b"# Minutes of the parish council\n\n1. The meeting opened at 7pm.\n\n2. Apologies were received.\n"
    said = notice(page.add(page.upload(("minutes.md", minutes)).json()))
    assert said.startswith("minutes.md is a Markdown file, but not an Ofsted children's services inspection report")
    assert said.endswith(" Nothing was added.") and "/tmp" not in said
    assert not (changing.corpus / "minutes.md").exists()


def test_a_refused_add_leaves_nothing_in_the_upload_folder(changing):
    page = Page(Client(changing.url)).open()
    stored = page.upload(("epsilon.md", b"# Epsilon\n\n## Findings\n\n1. A paragraph.\n"))
    assert notice(page.add(stored.json(), token=None)) == NEEDS_PAGE
    assert uploads(changing) == []
    assert not (changing.corpus / "epsilon.md").exists()


def test_a_read_only_upload_folder_is_a_clear_refusal_not_a_server_error(changing):
    folder = changing.index / "uploads"
    os.chmod(folder, 0o555)
    try:
        response = Page(Client(changing.url)).upload(("zeta.md", b"# Zeta\n"))
    finally:
        os.chmod(folder, 0o755)
    assert response.status_code == 503
    assert response.text == (
        "The server cannot store uploaded reports now (its upload folder is not writable); "
        "ask whoever runs it to make index/uploads writable."
    )


def test_the_markdown_export_carries_no_live_markup(changing):
    page = Page(Client(changing.url)).open()
    results = page.search("quick link duty team case notes")[0]
    pins = [block for block in ("gamma:p1", "gamma:p2") if f'data-block="{block}"' in results]
    assert pins == ["gamma:p1", "gamma:p2"], "the search should show both paragraphs that quote markup"
    for block in pins:
        exports = page.pin(f"{block}|0|999")[2]
    markdown = unquote(exports.split('href="data:text/markdown;charset=utf-8,')[1].split('"')[0])
    for live in LIVE_MARKUP:  # the words are all there, as text
        assert live.split(" ")[0] in markdown
    rendered = MarkdownIt("commonmark").render(markdown)
    assert "<img" not in rendered and "<a " not in rendered
    assert "&lt;a href=&quot;javascript:alert(1)&quot;&gt;" in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered  # shown as text, as written


def test_an_update_the_read_only_index_folder_refuses_leaves_the_reports_answering_and_says_why(changing):
    """Last: it leaves a report in the corpus that the index has not taken in."""
    page = Page(Client(changing.url)).open()
    stored = page.upload(("theta.md", renamed(changing, "Theta"))).json()
    os.chmod(changing.index, 0o555)
    try:
        said = notice(page.add(stored))
    finally:
        os.chmod(changing.index, 0o755)
    assert said == (
        "Added theta. The index could not be updated (the index folder is read-only), so the reports loaded before "
        "still answer; free some space or fix the index folder, then restart the app."
    )
    status, *_ = page.client.event(load_index(page.config, "on_refresh_1"), [""], queued=False)
    line = status["value"] if isinstance(status, dict) else status
    assert " · ready · serving the previous build: the index could not be updated (the index folder is read-only)" in line
    reports = {r["doc_id"] for r in page.client.api("reports", None)}
    assert "alpha" in reports and "theta" not in reports
