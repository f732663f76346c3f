"""The guard's pure parts: the login throttle, admission to a full queue, paths hidden from visitors, Markdown
that stays text, the upload folder's sweeping, and the API's argument checks."""

from __future__ import annotations

import os
import time

import pytest
from markdown_it import MarkdownIt

from qa_app.app.web.admission import HELD_PLACES, RETRY_AFTER_S, TICKET_GRACE_S, Admission, Verdict, busy_message
from qa_app.app.web.api_args import check_filters, check_radius, check_text
from qa_app.app.web.markdown_text import escape_markdown
from qa_app.app.web.redact import hide_paths
from qa_app.app.web.throttle import LoginThrottle, locked_out
from qa_app.app.web.upload_folder import NOT_WRITABLE, discard, sweep, writable_refusal


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_failed_sign_ins_lock_the_address_out_for_a_while():
    clock = Clock()
    throttle = LoginThrottle(attempts=3, lockout_s=60, clock=clock)
    for _ in range(2):
        throttle.failed("10.0.0.1")
    assert throttle.wait_s("10.0.0.1") == 0
    throttle.failed("10.0.0.1")
    assert throttle.wait_s("10.0.0.1") == 60
    assert throttle.wait_s("10.0.0.2") == 0  # another address is not affected
    clock.now = 59
    assert throttle.wait_s("10.0.0.1") == 1
    clock.now = 60
    assert throttle.wait_s("10.0.0.1") == 0


def test_calls_join_the_queue_while_fewer_than_the_limit_wait():
    admission = Admission(limit=32, clock=Clock())
    assert admission.admit(waiting=31, ticket=None) == Verdict(True)
    turned_away = admission.admit(waiting=32, ticket=None)
    assert not turned_away.admitted and turned_away.wait_s == RETRY_AFTER_S and turned_away.ticket
    assert busy_message(5) == "The server is busy answering other questions; try again in 5 seconds."


def test_a_caller_who_comes_back_when_told_gets_in_though_others_kept_the_queue_full():
    clock = Clock()
    admission = Admission(limit=32, clock=clock)
    ticket = admission.admit(waiting=32, ticket=None).ticket
    clock.now = 2
    assert admission.admit(waiting=32, ticket=ticket) == Verdict(False, RETRY_AFTER_S - 2, ticket)  # too early
    assert not admission.admit(waiting=31, ticket=None).admitted  # a place came free: held for the ticket
    clock.now = RETRY_AFTER_S
    assert admission.admit(waiting=32, ticket=ticket) == Verdict(True)
    assert admission.admit(waiting=32, ticket=ticket).ticket != ticket  # a ticket is used once


def test_an_unused_ticket_gives_its_place_up_and_tickets_run_out():
    clock = Clock()
    admission = Admission(limit=32, clock=clock)
    tickets = [admission.admit(waiting=32, ticket=None).ticket for _ in range(HELD_PLACES)]
    assert all(tickets) and admission.admit(waiting=32, ticket=None) == Verdict(False, RETRY_AFTER_S)
    assert not admission.admit(waiting=0, ticket=None).admitted  # every place is held
    clock.now = RETRY_AFTER_S + TICKET_GRACE_S + 1
    assert admission.admit(waiting=0, ticket=None) == Verdict(True)
    assert admission.admit(waiting=32, ticket=tickets[0]).ticket != tickets[0]  # expired: a new one


def test_a_successful_sign_in_clears_the_count():
    throttle = LoginThrottle(attempts=2, lockout_s=60, clock=Clock())
    throttle.failed("10.0.0.1")
    throttle.succeeded("10.0.0.1")
    throttle.failed("10.0.0.1")
    assert throttle.wait_s("10.0.0.1") == 0


def test_the_lockout_message_says_how_long_to_wait():
    assert locked_out(59.4) == "Too many failed sign-ins from this address; wait 59 seconds and try again."


def test_absolute_paths_are_shown_by_their_folder_or_file_name(tmp_path):
    index = tmp_path / "index"
    said = f"Removed x; its file was kept as {index}/removed/x.pdf."
    assert hide_paths(said, [index]) == "Removed x; its file was kept as index/removed/x.pdf."
    assert hide_paths("Cannot read /srv/qa/corpus/y.pdf (denied).") == "Cannot read y.pdf (denied)."
    unchanged = "See http://127.0.0.1:7860/reports/a.pdf and corpus/a.pdf, 1/2 of them."
    assert hide_paths(unchanged) == unchanged


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "![x](http://tracker.example/p.png)",
        "<javascript:alert(1)>",
        "<script>alert(1)</script>",
        "# heading\n- item\n1. item\n> quote",
        "&lt;img src=x&gt;",
    ],
)
def test_markdown_export_text_renders_as_the_text_itself(text):
    rendered = MarkdownIt("commonmark").render(escape_markdown(text))
    assert "<img" not in rendered and "<a " not in rendered and "<script" not in rendered
    assert not any(tag in rendered for tag in ("<h1>", "<ul>", "<ol>", "<blockquote>"))
    plain = MarkdownIt("commonmark").render(escape_markdown(text)).replace("<p>", "").replace("</p>", "").strip()
    assert plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", '"') == text


def test_sweeping_keeps_only_recent_uploads(tmp_path):
    old = tmp_path / "aaa"
    old.mkdir()
    (old / "r.pdf").write_bytes(b"old")
    os.utime(old / "r.pdf", (time.time() - 3600,) * 2)
    os.utime(old, (time.time() - 3600,) * 2)
    new = tmp_path / "bbb"
    new.mkdir()
    (new / "r.pdf").write_bytes(b"new")
    assert sweep(tmp_path, pending_s=600) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["bbb"]
    assert sweep(tmp_path) == 1 and not any(tmp_path.iterdir())


def test_discarding_an_upload_takes_its_folder_and_gradios_loose_copies(tmp_path):
    upload = tmp_path / "hash1" / "r.md"
    upload.parent.mkdir()
    upload.write_bytes(b"# R\n")
    (tmp_path / "tmpcopy").write_bytes(b"# R\n")  # the upload route's temporary copy
    (tmp_path / "tmpempty").write_bytes(b"")  # the File box's placeholder
    (tmp_path / "tmpother").write_bytes(b"another upload in flight")
    outside = tmp_path.parent / "outside.md"
    outside.write_bytes(b"# R\n")
    discard(tmp_path, [upload, outside])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmpother"]
    assert outside.exists()


def test_an_unwritable_upload_folder_is_said_in_one_sentence(tmp_path):
    assert writable_refusal(tmp_path / "uploads") is None
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert writable_refusal(blocker / "uploads") == NOT_WRITABLE


@pytest.mark.parametrize("value", ["3", None, 1.5, -1, 51, True])
def test_radius_must_be_a_small_whole_number(value):
    with pytest.raises(ValueError, match="radius must be a whole number from 0 to 50"):
        check_radius(value)


def test_text_and_filters_are_checked_by_type():
    assert check_text("question", "Why?") == "Why?"
    with pytest.raises(ValueError, match="question must be text, not null."):
        check_text("question", None)
    assert check_filters(None) is None
    assert check_filters({"doc_id": ["a", "b"], "published": ["2019-01-01", None]}) == {
        "doc_id": ["a", "b"],
        "published": ["2019-01-01", None],
    }
    for bad in ({"doc_id": 5}, {"paragraph": "3"}, {"judgement": "Good"}, ["doc_id"], {5: "x"}):
        with pytest.raises(ValueError):
            check_filters(bad)
