"""With a login set, nothing changes the corpus or shows a report file without it, and a password cannot
be guessed at machine speed: a few failures lock the address out for a while."""

from __future__ import annotations

import httpx
import pytest
from attack_app import serving
from attack_client import TIMEOUT_S, Client

pytestmark = pytest.mark.slow

USER, PASSWORD = "inspector", "a long passphrase"
ATTEMPTS, LOCKOUT_S = 3, 600  # long, so a slow machine cannot see it end mid-test; its end is a unit test


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    env = {
        "QA_AUTH_USER": USER,
        "QA_AUTH_PASSWORD": PASSWORD,
        "QA_LOGIN_ATTEMPTS": str(ATTEMPTS),
        "QA_LOGIN_LOCKOUT_S": str(LOCKOUT_S),
    }
    with serving(tmp_path_factory.mktemp("login"), **env) as served:
        yield served


def sign_in(client: Client, password: str) -> int:
    return client.post("/login", data={"username": USER, "password": password}).status_code


def test_the_right_password_signs_in_and_clears_earlier_failures(guarded):
    client = Client(guarded.url)
    assert [sign_in(client, "typo") for _ in range(ATTEMPTS - 1)] == [400] * (ATTEMPTS - 1)
    assert sign_in(client, PASSWORD) == 200
    # The count started again: as many typos again are not yet a lockout.
    assert [sign_in(client, "typo") for _ in range(ATTEMPTS - 1)] == [400] * (ATTEMPTS - 1)
    assert sign_in(client, PASSWORD) == 200


def test_report_files_are_served_only_to_a_signed_in_user(guarded):
    # Before the brute-force probe below, which locks this address out of signing in.
    anonymous = Client(guarded.url).get("/reports/alpha.md")
    assert anonymous.status_code == 401
    assert anonymous.text.startswith("Reports are shown only to signed-in users;")
    assert "Alpha council" not in anonymous.text
    with httpx.Client(base_url=guarded.url, timeout=TIMEOUT_S) as browser:
        assert browser.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        signed_in = browser.get("/reports/alpha.md")
        assert signed_in.status_code == 200
        assert "Inspection of Alpha council" in signed_in.text
        cookie = next(name for name in browser.cookies if name.startswith("access-token-unsecure-"))
    forged = Client(guarded.url, headers={"cookie": f"{cookie}=made-up-token"}).get("/reports/alpha.md")
    assert forged.status_code == 401  # the login cookie's name alone is no sign-in


def test_a_brute_force_is_locked_out_after_a_few_guesses(guarded):
    client = Client(guarded.url)
    codes = [sign_in(client, f"guess-{i}") for i in range(20)]
    assert codes[:ATTEMPTS] == [400] * ATTEMPTS
    assert set(codes[ATTEMPTS:]) == {429}
    locked = client.post("/login", data={"username": USER, "password": PASSWORD})
    assert locked.status_code == 429  # even the right password waits out the lockout
    assert locked.text.startswith("Too many failed sign-ins from this address; wait ")
    assert int(locked.headers["retry-after"]) > 0


def test_anonymous_uploads_and_changes_are_refused(guarded):
    client = Client(guarded.url)
    upload = client.post("/gradio_api/upload", files=[("files", ("x.md", b"# X\n"))])
    assert upload.status_code in (401, 403)
    assert not any((guarded.index / "uploads").rglob("x.md"))
    config = client.get("/config")
    assert "qa-remove" not in config.text  # the page itself is behind the login
