"""The gate in front of every request to the web app: it refuses requests addressed to a foreign name (DNS
rebinding) or sent from another site's page, uploads from anyone who may not change the corpus, and
sign-ins from an address that keeps failing; it turns calls away from a full queue with the busy answer
(admission.py); it serves only report files, and only to a signed-in user when a login is set; and it adds
headers that stop the page being framed.

It wraps Gradio's whole ASGI stack (installed at server start by `lifespan`), so it sees each request
before Gradio does, including Gradio's CORS answers, which would otherwise echo any origin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse

from qa_app.app.web.access import Caller, caller_of, corpus_change_refusal, host_refusal, origin_refusal
from qa_app.app.web.admission import RETRY_AFTER_S, TICKET_COOKIE, TICKET_GRACE_S, Admission, busy_message
from qa_app.app.web.throttle import LoginThrottle, locked_out
from qa_app.app.web.upload_folder import writable_refusal
from qa_app.config import Settings

REPORTS_ROUTE = "/reports/"  # where the page links a report's original file: /reports/<file name>
REPORT_SUFFIXES = {".pdf": "application/pdf", ".md": "text/plain; charset=utf-8"}
NOT_A_REPORT = "Only the reports themselves are served here; open one from the report list."
SIGN_IN_FIRST = "Reports are shown only to signed-in users; open the app's page, sign in, then open the report again."

# Gradio's page needs inline scripts and styles, and its chart (Vega) compiles expressions with new Function;
# nothing is loaded from elsewhere. Checked in Chromium by tests/app/test_browser.py.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]
UserOf = Callable[[Request], str | None]


class Guard:
    """ASGI middleware around Gradio's app; see the module docstring for what it refuses."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        uploads_dir: Path,
        waiting: Callable[[], int],
        queue_limit: int,
        user_of: UserOf,
    ):
        self.app, self.settings, self.uploads_dir = app, settings, Path(uploads_dir)
        self.user_of = user_of  # who signed in, from the request's login cookie (Gradio's own record)
        self.corpus_dir = Path(settings.corpus_dir).resolve()
        self.throttle = LoginThrottle(settings.login_attempts, settings.login_lockout_s)
        self.waiting = waiting  # calls waiting in Gradio's queue now
        self.admission = Admission(queue_limit)

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        caller = caller_of(self.settings, Headers(scope=scope), client[0] if client else None)
        refusal = host_refusal(self.settings, caller)
        status = 400
        if refusal is None:
            refusal, status = origin_refusal(caller), 403
        if refusal is not None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await _answer(PlainTextResponse(refusal, status), scope, receive, send)
            return
        send = _with_headers(send) if scope["type"] == "http" else send
        if scope["type"] == "http":
            handled = await self._route(scope, receive, send, caller)
            if handled:
                return
        await self.app(scope, receive, send)

    async def _route(self, scope: Scope, receive: Callable, send: Callable, caller: Caller) -> bool:
        """Answer the requests the guard answers itself; False to pass the request on to Gradio."""
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if path.startswith(REPORTS_ROUTE):
            if self.settings.auth and not self.user_of(Request(scope)):
                response: Any = PlainTextResponse(SIGN_IN_FIRST, 401)
            else:
                response = self._report_file(path[len(REPORTS_ROUTE) :])
            await _answer(response, scope, receive, send)
            return True
        if "/file=" in path:
            # Gradio's file route would serve anything under its allowed folders, dot-files included.
            await _answer(PlainTextResponse(NOT_A_REPORT, 404), scope, receive, send)
            return True
        if method == "POST" and path.rstrip("/").endswith("/upload"):
            refusal = None if self.settings.auth else corpus_change_refusal(self.settings, caller)
            refusal = refusal or writable_refusal(self.uploads_dir)
            if refusal is not None:
                code = 503 if refusal.startswith("The server cannot") else 403
                await _answer(PlainTextResponse(refusal, code), scope, receive, send)
                return True
        if method == "POST" and path.rstrip("/") == "/login" and self.settings.auth:
            await self._login(scope, receive, send, caller.address)
            return True
        if method == "POST" and (path.rstrip("/").endswith("/queue/join") or "/call/" in path):
            verdict = self.admission.admit(self.waiting(), Request(scope).cookies.get(TICKET_COOKIE))
            if not verdict.admitted:
                await _answer(_busy(verdict.wait_s, verdict.ticket), scope, receive, send)
                return True
        return False

    def _report_file(self, name: str) -> PlainTextResponse | FileResponse:
        """The report file of that name in the corpus folder; anything else (ATTRIBUTION.txt, dot-files,
        a path into another folder) is not found."""
        suffix = Path(name).suffix.lower()
        if "/" in name or "\\" in name or name.startswith(".") or suffix not in REPORT_SUFFIXES:
            return PlainTextResponse(NOT_A_REPORT, 404)
        path = self.corpus_dir / name
        if path.is_symlink() or not path.is_file():
            return PlainTextResponse(NOT_A_REPORT, 404)
        return FileResponse(path, media_type=REPORT_SUFFIXES[suffix], content_disposition_type="inline")

    async def _login(self, scope: Scope, receive: Callable, send: Callable, address: str) -> None:
        wait = self.throttle.wait_s(address)
        if wait > 0:
            await _answer(PlainTextResponse(locked_out(wait), 429, {"retry-after": str(round(wait) or 1)}), scope, receive, send)
            return
        status: list[int] = []

        async def watch(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] < 300:
            self.throttle.succeeded(address)
        elif status and status[0] in (400, 401, 403):
            self.throttle.failed(address)


def _busy(wait_s: int, ticket: str | None) -> JSONResponse:
    """The busy answer: 503, when to come back, and the ticket that holds a place then (Gradio's error shape)."""
    response = JSONResponse({"detail": busy_message(wait_s)}, 503, {"retry-after": str(wait_s)})
    if ticket:
        response.set_cookie(TICKET_COOKIE, ticket, max_age=RETRY_AFTER_S + TICKET_GRACE_S, httponly=True, samesite="strict")
    return response


def _with_headers(send: Callable) -> Callable:
    """`send` that adds the security headers to every response that does not set its own."""

    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS.items():
                if name not in headers:
                    headers[name] = value
        await send(message)

    return sending


async def _answer(response: Any, scope: Scope, receive: Callable, send: Callable) -> None:
    await response(scope, receive, send)


def gradio_user(app: Any) -> UserOf:
    """Gradio's signed-in user of a request, read as its own /user route reads it: the login cookie's token,
    looked up in the tokens Gradio issued at sign-in (no public call gives this outside Gradio's routes)."""

    def signed_in(request: Request) -> str | None:
        cookies = request.cookies
        token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
        return app.tokens.get(token) if token else None

    return signed_in


def lifespan(settings: Settings, uploads_dir: Path, queue_limit: int) -> Callable[[Any], Any]:
    """A FastAPI lifespan that puts the Guard around the app's whole middleware stack as the server starts,
    before it takes its first request (Gradio adds its own CORS middleware, which cannot be ordered otherwise).
    Calls are let into Gradio's queue while fewer than `queue_limit` wait."""

    @asynccontextmanager
    async def guarded(app: Any) -> AsyncIterator[None]:
        inner = app.middleware_stack or app.build_middleware_stack()
        if not isinstance(inner, Guard):
            waiting = lambda: len(app.get_blocks()._queue)  # noqa: E731  Gradio offers no public count
            app.middleware_stack = Guard(inner, settings, uploads_dir, waiting, queue_limit, gradio_user(app))
        yield

    return guarded
