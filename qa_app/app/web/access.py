"""Who may use the server and who may change the corpus, decided from each request (never from the bind
address alone): the name it was addressed to, the page it came from, where it came from, who signed in."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from qa_app.config import Settings

NEEDS_LOGIN = (
    "Adding or removing reports from another machine needs a login; set QA_AUTH_USER and QA_AUTH_PASSWORD where the app runs."
)
NEEDS_SIGN_IN = "Adding or removing reports needs you to sign in; reload the page and sign in."
NEEDS_PAGE = "Reports can be added or removed only from the page itself; reload the page and try again."
FOREIGN_ORIGIN = "This request came from another site, which may not use this app; open the app at its own address."
FORWARDED = ("x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded", "x-real-ip")
WILDCARDS = {"0.0.0.0", "::", ""}


@dataclass(frozen=True)
class Caller:
    """What a request says about itself, with forwarded headers believed only when settings.trust_proxy."""

    host: str  # the Host it was addressed to ("127.0.0.1:7860"), lower case
    origin: str | None  # the Origin header, when the browser sent one
    address: str  # the client's address
    proxied: bool  # it carries forwarded headers that are not believed: someone relayed it
    username: str | None = None
    session_hash: str | None = None  # the page session it belongs to, when it came from the page


def caller_of(
    settings: Settings,
    headers: Mapping[str, str],
    address: str | None,
    username: str | None = None,
    session_hash: str | None = None,
) -> Caller:
    """The Caller of a request from its headers (lower-case names) and the connecting address."""
    host = headers.get("host", "").strip().lower()
    address = address or ""
    forwarded = any(name in headers for name in FORWARDED)
    if settings.trust_proxy and forwarded:
        host = _last(headers.get("x-forwarded-host")) or host
        # The proxy appends the address it saw; anything before it came from the client and proves nothing.
        address = _last(headers.get("x-forwarded-for")) or address
    return Caller(
        host=host,
        origin=headers.get("origin"),
        address=address,
        proxied=forwarded and not settings.trust_proxy,
        username=username or None,
        session_hash=session_hash or None,
    )


def _last(value: str | None) -> str:
    return value.split(",")[-1].strip().lower() if value else ""


def host_refusal(settings: Settings, caller: Caller) -> str | None:
    """Why the server will not answer a request addressed to this Host (the DNS-rebinding guard), or None."""
    name = host_name(caller.host)
    if name and (is_loopback(name) or name in settings.host_names or name == _bound(settings)):
        return None
    shown = name[:60] or "no name"
    return (
        f"This server does not answer to the name {shown!r}; open it at 127.0.0.1 or localhost, "
        "or add the name to QA_ALLOWED_HOSTS where it runs."
    )


def origin_refusal(caller: Caller) -> str | None:
    """Why a request from another page's origin is refused (an Origin, when sent, must be this server), or None."""
    if caller.origin is None:
        return None
    parts = urlsplit(caller.origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return FOREIGN_ORIGIN  # "null" (a sandboxed frame, a file) and other schemes
    if _with_port(parts.netloc, parts.scheme) != _with_port(caller.host, parts.scheme):
        return FOREIGN_ORIGIN
    return None


def corpus_change_refusal(settings: Settings, caller: Caller) -> str | None:
    """Why this request may not add or remove reports (one sentence), or None when it may: with a login set,
    a signed-in user; without one, only someone at this machine, not relayed by a proxy."""
    refusal = host_refusal(settings, caller) or origin_refusal(caller)
    if refusal:
        return refusal
    if settings.auth is not None:
        return None if caller.username else NEEDS_SIGN_IN
    return None if is_loopback(caller.address) and not caller.proxied else NEEDS_LOGIN


def session_token(key: bytes, session_hash: str) -> str:
    """The per-session secret the page sends with a corpus change: only a page this server served knows it."""
    return hmac.new(key, session_hash.encode(), hashlib.sha256).hexdigest()


def token_refusal(key: bytes, session_hash: str | None, token: str | None) -> str | None:
    """NEEDS_PAGE unless `token` is this session's secret."""
    if session_hash and token and hmac.compare_digest(session_token(key, session_hash), token):
        return None
    return NEEDS_PAGE


def host_name(host: str) -> str:
    """The name part of a Host header or netloc: "[::1]:7860" -> "::1", "Example.org:80" -> "example.org"."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(host: str) -> bool:
    """True for a loopback address or name (127.x.x.x, ::1, localhost): only this machine reaches it."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost: others may reach it by that name
        return False


def _bound(settings: Settings) -> str:
    """The bound address, when it is one address: a request naming it names this server."""
    host = settings.host.strip().strip("[]").lower()
    return "" if host in WILDCARDS else host


def _with_port(netloc: str, scheme: str) -> tuple[str, int]:
    """(name, port) of a netloc, the scheme's port when none is written, so "x" and "x:80" are the same."""
    try:
        port = urlsplit("//" + netloc).port
    except ValueError:  # a port that is not a number
        port = -1
    return host_name(netloc), port if port is not None else (443 if scheme == "https" else 80)


_ADDRESS = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def page_address(caller: Caller) -> str:
    """The app's address as the caller's page knows it ("http://127.0.0.1:7860/"), for links that leave the
    page (exports); "" when the request does not say, so links stay relative rather than made up."""
    address = caller.origin or (f"http://{caller.host}" if caller.host else "")
    return address.rstrip("/") + "/" if _ADDRESS.match(address.rstrip("/")) else ""
