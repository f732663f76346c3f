"""Who may use the server and change the corpus, decided from the request: its Host, its Origin, where it
came from (forwarded headers believed only when told), who signed in, and the page's session secret."""

import pytest

from qa_app.app.web.access import (
    FOREIGN_ORIGIN,
    NEEDS_LOGIN,
    NEEDS_PAGE,
    NEEDS_SIGN_IN,
    caller_of,
    corpus_change_refusal,
    host_refusal,
    origin_refusal,
    session_token,
    token_refusal,
)
from qa_app.config import Settings

LOCAL = Settings()
LOGIN = Settings(host="0.0.0.0", auth_user="inspector", auth_password="a long passphrase")


def caller(settings=LOCAL, address="127.0.0.1", username=None, **headers):
    return caller_of(settings, {k.replace("_", "-"): v for k, v in headers.items()}, address, username)


@pytest.mark.parametrize("host", ["127.0.0.1:7860", "localhost:7860", "LocalHost", "[::1]:7860", "127.0.1.1"])
def test_loopback_names_are_this_server(host):
    assert host_refusal(LOCAL, caller(host=host)) is None


@pytest.mark.parametrize("host", ["attacker.example:7860", "attacker.example", "10.0.0.5:7860", "", "127.0.0.1.evil.example"])
def test_any_other_name_is_refused_naming_it(host):
    refusal = host_refusal(LOCAL, caller(host=host))
    assert refusal is not None and "QA_ALLOWED_HOSTS" in refusal


def test_names_in_the_setting_and_the_bound_address_are_this_server():
    settings = Settings(host="192.168.1.20", allowed_hosts="Reports.Example.org, intranet")
    for host in ("reports.example.org", "INTRANET:80", "192.168.1.20:7860"):
        assert host_refusal(settings, caller(settings, host=host)) is None
    assert host_refusal(Settings(host="0.0.0.0"), caller(host="0.0.0.0:7860")) is not None


@pytest.mark.parametrize(
    ("origin", "host", "refused"),
    [
        (None, "127.0.0.1:7860", False),
        ("http://127.0.0.1:7860", "127.0.0.1:7860", False),
        ("http://reports.example.org", "reports.example.org:80", False),
        ("https://reports.example.org", "reports.example.org", False),  # TLS ends at a proxy: no port either side
        ("https://reports.example.org", "reports.example.org:80", True),
        ("http://attacker.example:7860", "127.0.0.1:7860", True),
        ("http://localhost:7860", "127.0.0.1:7860", True),
        ("http://127.0.0.1:9999", "127.0.0.1:7860", True),
        ("null", "127.0.0.1:7860", True),
        ("file://", "127.0.0.1:7860", True),
    ],
)
def test_an_origin_must_be_this_servers_own(origin, host, refused):
    headers = {"host": host} if origin is None else {"host": host, "origin": origin}
    assert origin_refusal(caller_of(LOCAL, headers, "127.0.0.1")) == (FOREIGN_ORIGIN if refused else None)


def test_without_a_login_only_someone_at_this_machine_may_change_the_corpus():
    assert corpus_change_refusal(LOCAL, caller(host="127.0.0.1:7860")) is None
    bound_widely = Settings(host="0.0.0.0", allowed_hosts="reports.example.org")
    assert corpus_change_refusal(bound_widely, caller(bound_widely, host="127.0.0.1:7860")) is None
    remote = caller(bound_widely, address="192.168.1.30", host="reports.example.org")
    assert corpus_change_refusal(bound_widely, remote) == NEEDS_LOGIN


def test_a_rebinding_page_may_not_change_the_corpus():
    rebound = caller(host="attacker.example:7860", origin="http://attacker.example:7860")
    assert corpus_change_refusal(LOCAL, rebound) == host_refusal(LOCAL, rebound)


def test_forwarded_headers_mark_a_relayed_request_unless_the_proxy_is_trusted():
    relayed = caller(host="127.0.0.1:7860", x_forwarded_for="203.0.113.7")
    assert relayed.proxied and relayed.address == "127.0.0.1"
    assert corpus_change_refusal(LOCAL, relayed) == NEEDS_LOGIN
    trusting = Settings(trust_proxy=True, allowed_hosts="reports.example.org")
    behind = caller(
        trusting, host="127.0.0.1:7860", x_forwarded_for="127.0.0.1, 203.0.113.7", x_forwarded_host="reports.example.org"
    )
    assert (behind.address, behind.host, behind.proxied) == ("203.0.113.7", "reports.example.org", False)
    assert corpus_change_refusal(trusting, behind) == NEEDS_LOGIN


def test_with_a_login_a_signed_in_user_may_change_the_corpus_from_anywhere():
    assert corpus_change_refusal(LOGIN, caller(LOGIN, address="192.168.1.30", username="inspector", host="127.0.0.1")) is None
    assert corpus_change_refusal(LOGIN, caller(LOGIN, username="", host="127.0.0.1")) == NEEDS_SIGN_IN
    assert corpus_change_refusal(LOGIN, caller(LOGIN, host="127.0.0.1")) == NEEDS_SIGN_IN


def test_half_a_login_is_no_login():
    settings = Settings(auth_user="inspector")
    remote = caller(settings, address="192.168.1.30", username="inspector", host="127.0.0.1")
    assert corpus_change_refusal(settings, remote) == NEEDS_LOGIN


def test_the_session_secret_belongs_to_one_session_and_one_server_start():
    key = b"k" * 32
    token = session_token(key, "session-a")
    assert token_refusal(key, "session-a", token) is None
    assert token_refusal(key, "session-b", token) == NEEDS_PAGE
    assert token_refusal(b"another start", "session-a", token) == NEEDS_PAGE
    assert token_refusal(key, "session-a", None) == NEEDS_PAGE
    assert token_refusal(key, None, token) == NEEDS_PAGE
