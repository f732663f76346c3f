"""Who may add or remove reports: anyone at this machine; beyond it, only someone signed in."""

import pytest

from qa_app.app.web.access import NEEDS_LOGIN, NEEDS_SIGN_IN, corpus_change_refusal
from qa_app.config import Settings


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LocalHost", "::1", "[::1]", "127.0.1.1"])
def test_a_page_served_only_on_this_machine_may_change_the_corpus(host):
    assert corpus_change_refusal(Settings(host=host), None) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "reports.example.org"])
def test_a_page_served_beyond_this_machine_without_a_login_may_not(host):
    refusal = corpus_change_refusal(Settings(host=host), "inspector")
    assert refusal == NEEDS_LOGIN
    assert refusal == (
        "Adding or removing reports needs a login when the app is served beyond this machine; "
        "set QA_AUTH_USER and QA_AUTH_PASSWORD."
    )


def test_half_a_login_is_no_login():
    assert corpus_change_refusal(Settings(host="0.0.0.0", auth_user="inspector"), "inspector") == NEEDS_LOGIN


def test_beyond_this_machine_a_signed_in_user_may_change_the_corpus():
    settings = Settings(host="0.0.0.0", auth_user="inspector", auth_password="a long passphrase")
    assert corpus_change_refusal(settings, "inspector") is None
    assert corpus_change_refusal(settings, None) == NEEDS_SIGN_IN
    assert corpus_change_refusal(settings, "") == NEEDS_SIGN_IN
