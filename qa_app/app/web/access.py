"""Who may change the corpus from the page: anyone at this machine, and beyond it only a signed-in user."""

from __future__ import annotations

import ipaddress

from qa_app.config import Settings

NEEDS_LOGIN = (
    "Adding or removing reports needs a login when the app is served beyond this machine; "
    "set QA_AUTH_USER and QA_AUTH_PASSWORD."
)
NEEDS_SIGN_IN = "Adding or removing reports needs you to sign in; reload the page and sign in."


def corpus_change_refusal(settings: Settings, username: str | None) -> str | None:
    """Why this request may not add or remove reports (one sentence), or None when it may."""
    if served_only_here(settings.host):
        return None
    if settings.auth is None:
        return NEEDS_LOGIN
    return None if username else NEEDS_SIGN_IN


def served_only_here(host: str) -> bool:
    """True for a loopback address (127.x.x.x, ::1, localhost): only someone at this machine can reach it."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost: others may reach it by that name
        return False
