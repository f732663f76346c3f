"""Two real app processes on one PostgreSQL database (the session's server): a report added through one
app's page is answered by the other within 5 s, and a removal likewise. Beside the attack suite because it
drives the page as the attack client does."""

from __future__ import annotations

import contextlib
import time

import pytest
from attack_app import ALLOWED_HOST, make_folders
from attack_client import Client, Page, notice
from support import running_app

pytestmark = pytest.mark.slow

DELTA = """# Inspection of Delta council children's services

## Findings

1. The narwhal mentoring scheme pairs 33 care leavers with volunteers from local employers.
2. Social workers visit children in care every six weeks.
"""
WITHIN_S = 5.0


@contextlib.contextmanager
def app_on(root, database_url: str):
    corpus, index = make_folders(root)
    env = {"QA_STORE": database_url, "QA_ALLOWED_HOSTS": ALLOWED_HOST}
    with running_app("--corpus", str(corpus), "--index", str(index), timeout_s=600, env=env) as url:
        yield url


def found_in(url: str, query: str, doc_id: str) -> bool:
    hits = Client(url).api("search", query, 5, None)
    return any(hit["doc_id"] == doc_id for hit in hits)


def seconds_until(condition, limit_s: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def test_an_upload_in_one_app_is_answered_by_the_other_within_five_seconds(tmp_path, database_url):
    with app_on(tmp_path / "first", database_url) as first, app_on(tmp_path / "second", database_url) as second:
        assert not found_in(second, "narwhal mentoring scheme", "delta")
        page = Page(Client(first)).open()
        said = notice(page.add(page.upload(("delta.md", DELTA.encode())).json()))
        assert "Added delta." in said
        assert seconds_until(lambda: found_in(second, "narwhal mentoring scheme", "delta"), WITHIN_S) is not None
        answer = Client(second).api(
            "ask", "How many care leavers does the narwhal mentoring scheme pair?", 5, {"doc_id": "delta"}
        )
        assert "33" in (answer.get("answer") or "")

        said = notice(Page(Client(second)).open().remove("delta"))  # removed where it was not uploaded
        assert said.startswith("Removed delta")
        assert seconds_until(lambda: not found_in(first, "narwhal mentoring scheme", "delta"), WITHIN_S) is not None
