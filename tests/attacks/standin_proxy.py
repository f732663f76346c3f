"""A stand-in reverse proxy on another loopback address (127.0.0.2), as an operator might put in front of
the app: it relays each request and adds the forwarded headers real proxies add."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

PROXY_ADDRESS = "127.0.0.2"  # loopback, never the machine's network address
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@contextlib.contextmanager
def forwarding_proxy(upstream: str, client_address: str, forwarded_host: str | None = None) -> Iterator[str]:
    """A proxy to `upstream` that says each request came from `client_address` (appended to any
    X-Forwarded-For the client sent, as proxies do); yields its URL."""

    class Relay(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; the response ends when it closes

        def relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            seen = self.headers.get("x-forwarded-for")
            headers["X-Forwarded-For"] = f"{seen}, {client_address}" if seen else client_address
            headers["X-Forwarded-Host"] = forwarded_host or self.headers.get("host", "")
            headers["X-Forwarded-Proto"] = "http"
            with (
                httpx.Client(base_url=upstream, timeout=120) as h,
                h.stream(self.command, self.path, headers=headers, content=body) as response,
            ):
                self.send_response(response.status_code)
                for name, value in response.headers.multi_items():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-encoding":
                        self.send_header(name, value)
                self.end_headers()
                for chunk in response.iter_bytes():
                    self.wfile.write(chunk)
                    self.wfile.flush()

        do_GET = do_POST = do_OPTIONS = relay

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer((PROXY_ADDRESS, 0), Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{PROXY_ADDRESS}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
