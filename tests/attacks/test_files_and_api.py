"""What any visitor can fetch or send without changing anything: only report files are served, no
absolute server path is shown, and API arguments of the wrong type or range get the documented 400."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from attack_app import OUTSIDE, Served, serving
from attack_client import Client, Page, load_index
from support import running_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Served]:
    """The app, loopback only, no login, shared by this module's probes."""
    with serving(tmp_path_factory.mktemp("app")) as served:
        yield served


NOT_A_REPORT = "Only the reports themselves are served here; open one from the report list."


def test_a_report_file_is_served_as_text(app):
    response = Client(app.url).get("/reports/alpha.md")
    assert response.status_code == 200
    assert "Inspection of Alpha council" in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/reports/ATTRIBUTION.txt",
        "/reports/.env",
        "/reports/..%2F..%2Fetc%2Fpasswd",
        "/reports/%2Fetc%2Fhostname",
        "/gradio_api/file=ATTRIBUTION.txt",
        "/gradio_api/file={corpus}/.env",
        "/gradio_api/file={corpus}/alpha.md",
        "/gradio_api/file={index}/uploads/0123abcd/abandoned.pdf",
    ],
)
def test_nothing_but_a_report_is_served(app, path):
    response = Client(app.url).get(path.format(corpus=app.corpus, index=app.index))
    assert response.status_code == 404
    assert response.text == NOT_A_REPORT


LINKED = "linked.md is a link to a file outside the corpus folder; copy the report into the folder instead"


def test_a_link_out_of_the_corpus_folder_is_refused_named_and_never_read(app):
    assert LINKED in next(line for line in app.printed if "Ready in" in line)
    client = Client(app.url)
    status, *_ = client.event(load_index(Page(client).config, "on_refresh_1"), [""], queued=False)
    assert "Skipped 1 report: linked.md" in (status["value"] if isinstance(status, dict) else status)
    assert "linked" not in {r["doc_id"] for r in client.api("reports", None)}
    assert not any(OUTSIDE in h["text"] for h in client.api("search", "secret council files outside", 10, None))
    assert client.get("/reports/linked.md").status_code == 404


def test_a_link_out_of_the_corpus_folder_does_not_make_the_next_start_rebuild(app):
    printed: list[str] = []
    with running_app("--corpus", str(app.corpus), "--index", str(app.index), timeout_s=300, output=printed):
        ready = next(line for line in printed if "Ready in" in line)
    assert "Loaded the index" in ready and LINKED in ready


def test_no_absolute_server_path_reaches_a_visitor(app):
    page = Page(Client(app.url))
    config = page.client.get("/config").text
    status, *_ = page.client.event(load_index(page.config, "on_refresh_1"), [""], queued=False)
    refused = page.client.get(f"/gradio_api/file={app.corpus}/.env").text
    for shown in (config, status, refused):
        assert str(app.corpus) not in shown and str(app.index) not in shown
        assert "/tmp" not in shown


WRONG = [
    ("ask", [None, 5, None], "question must be text, not null."),
    ("ask", ["How many children?", "3", None], None),
    ("ask", ["How many children?", 1.5, None], None),
    ("ask", ["How many children?", 5, {"doc_id": 5}], "The doc_id filter must be text or a list of texts, not 5."),
    ("ask", ["How many children?", 5, ["doc_id"]], None),
    ("search", ["care leavers", -1, None], None),
    ("search", [None, 5, None], "query must be text, not null."),
    ("search", ["care leavers", 5, {"paragraph": "3"}], None),
    ("compare", ["caseloads", 5, {"doc_id": 5}], None),
    ("compare", [None, 5, None], None),
    ("reports", [{"judgement": "Good"}], None),
    ("context", ["alpha:p1", "3"], "radius must be a whole number from 0 to 50, not '3'."),
    ("context", ["alpha:p1", None], None),
    ("context", ["alpha:p1", 1.5], None),
    ("context", ["alpha:p1", -1], None),
    ("context", [None, 1], "block_id must be text, not null."),
    ("paragraph", [None, None], "text must be text, not null."),
    ("paragraph", ["¶2 of the Alpha report", {"doc_id": 5}], None),
]


@pytest.mark.parametrize(("endpoint", "args", "message"), WRONG)
def test_wrong_typed_api_arguments_get_the_documented_400(app, endpoint, args, message):
    result = Client(app.url).api(endpoint, *args)
    assert isinstance(result, dict) and result["status"] == 400, result
    assert result["error"].endswith(".") and "Traceback" not in result["error"]
    if message:
        assert result["error"] == message


def test_right_arguments_still_answer(app):
    client = Client(app.url)
    assert client.api("context", "alpha:p2", 1)
    hits = client.api("search", "children looked after", 3, {"doc_id": "alpha"})
    assert hits and all(h["doc_id"] == "alpha" for h in hits)
