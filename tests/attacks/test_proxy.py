"""Behind a proxy, requests are relayed from this machine but made elsewhere: forwarded headers are
believed only when QA_TRUST_PROXY says so, and either way a remote caller cannot change the corpus
without a login. The stand-in proxy listens on 127.0.0.2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from attack_app import (
    ALLOWED_HOST,
    Served,
    serving,
)
from attack_client import Client, Page, notice
from standin_proxy import forwarding_proxy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Served]:
    """The app, loopback only, no login, shared by this module's probes."""
    with serving(tmp_path_factory.mktemp("app")) as served:
        yield served


NEEDS_LOGIN = (
    "Adding or removing reports from another machine needs a login; set QA_AUTH_USER and QA_AUTH_PASSWORD where the app runs."
)
REMOTE = "203.0.113.7"  # a documentation address: the visitor the proxy relays


@pytest.fixture(scope="module")
def trusting(tmp_path_factory):
    """An app told it sits behind a proxy that sets the forwarded headers."""
    with serving(tmp_path_factory.mktemp("proxied"), QA_TRUST_PROXY="1") as served:
        yield served


def test_a_relayed_request_cannot_change_the_corpus_when_proxies_are_not_trusted(app):
    with forwarding_proxy(app.url, REMOTE) as proxy:
        page = Page(Client(app.url, proxy=proxy)).open()
        assert notice(page.remove("alpha")) == NEEDS_LOGIN
        upload = page.upload(("x.md", b"# X\n"))
    assert upload.status_code == 403 and upload.text == NEEDS_LOGIN
    assert (app.corpus / "alpha.md").exists()


def test_a_trusted_proxy_names_the_remote_caller_who_is_refused(trusting):
    with forwarding_proxy(trusting.url, REMOTE, forwarded_host=f"{ALLOWED_HOST}:443") as proxy:
        page = Page(Client(trusting.url, proxy=proxy)).open()
        assert notice(page.remove("alpha")) == NEEDS_LOGIN
        assert page.upload(("x.md", b"# X\n")).status_code == 403
    assert (trusting.corpus / "alpha.md").exists()


def test_a_caller_cannot_pose_as_this_machine_through_a_trusted_proxy(trusting):
    # The caller's own X-Forwarded-For says 127.0.0.1; the proxy appends the address it saw, which wins.
    with forwarding_proxy(trusting.url, REMOTE, forwarded_host=f"{ALLOWED_HOST}:443") as proxy:
        page = Page(Client(trusting.url, {"X-Forwarded-For": "127.0.0.1"}, proxy=proxy)).open()
        assert notice(page.remove("alpha")) == NEEDS_LOGIN


def test_a_trusted_proxy_cannot_relay_a_foreign_name(trusting):
    with forwarding_proxy(trusting.url, REMOTE, forwarded_host="attacker.example") as proxy:
        assert Client(trusting.url, proxy=proxy).get("/").status_code == 400
