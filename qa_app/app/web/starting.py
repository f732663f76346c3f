"""The page a browser gets while the app starts: the web framework takes seconds to import on a small,
busy machine, so a standard-library server answers on the app's own address at once with a short page
that reloads itself, until the workbench takes the port over. It serves nothing else, and checks the Host
as the workbench does."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from qa_app.app.web.access import caller_of, host_refusal
from qa_app.config import Settings

PAGE = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1">'
    b"<title>Inspection report assistant</title></head><body><h2>Inspection report assistant</h2>"
    b'<p id="qa-starting" role="status">Starting; this page opens the workbench by itself in a moment.</p></body></html>'
)
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Retry-After": "1",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


class StartingPage:
    """Serves the starting page on settings.host:port from a thread until `stop`; OSError when the port is taken."""

    def __init__(self, settings: Settings):
        self.server = ThreadingHTTPServer((settings.host, settings.port), _handler(settings))
        self.thread = threading.Thread(target=self.server.serve_forever, name="starting-page", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Free the port for the workbench."""
        self.server.shutdown()
        self.server.server_close()


def _handler(settings: Settings) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            caller = caller_of(settings, {k.lower(): v for k, v in self.headers.items()}, self.client_address[0], None, None)
            refusal = host_refusal(settings, caller)
            body = refusal.encode() if refusal else PAGE
            self.send_response(403 if refusal else 503)  # 503: not the workbench yet, so no client takes it for one
            for name, value in HEADERS.items():
                self.send_header(name, "text/plain; charset=utf-8" if refusal and name == "Content-Type" else value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass  # the console shows loading progress, not a line per reload

    return Handler
