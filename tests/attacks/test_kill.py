"""kill -9 of the app while a report added from the page is being indexed loses and duplicates nothing: the
report was written whole before the index update began, the next start takes it in once, and neither the
corpus nor the index keeps a partial file. One app of its own, as it is killed."""

from __future__ import annotations

import os
import signal

import pytest
from attack_app import ALLOWED_HOST, serving
from attack_client import Client, Page
from support import running_app

pytestmark = pytest.mark.slow


def test_kill_9_while_an_added_report_is_indexed_loses_and_duplicates_nothing(tmp_path):
    with serving(tmp_path) as served:
        page = Page(Client(served.url)).open()
        report = (served.corpus / "alpha.md").read_text().replace("Alpha council", "Delta council")
        stored = page.upload(("delta.md", report.encode())).json()
        assert page.add_until(stored, "Updating the index"), "the update finished before it could be killed"
        os.kill(served.pid, signal.SIGKILL)
        corpus, index = served.corpus, served.index

    printed: list[str] = []
    with running_app(
        "--corpus", str(corpus), "--index", str(index), output=printed, env={"QA_ALLOWED_HOSTS": ALLOWED_HOST}
    ) as url:
        assert sorted(r["doc_id"] for r in Client(url).api("reports", None)) == ["alpha", "beta", "delta", "gamma"]
    reports = sorted(p.name for p in corpus.iterdir() if p.suffix == ".md")
    assert reports == ["alpha.md", "beta.md", "delta.md", "gamma.md", "linked.md"]
    assert {p.name for p in corpus.iterdir() if p.name.startswith(".")} <= {".env", ".uploads.lock"}
    leftovers = [p for p in (*corpus.rglob("*"), *index.rglob("*")) if p.name.startswith(".tmp-") or p.name.endswith(".part")]
    assert leftovers == []
    assert not any(p.is_file() for p in (index / "uploads").rglob("*"))  # the upload was swept at the start
