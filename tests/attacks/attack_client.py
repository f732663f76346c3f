"""Speaking to a running app over HTTP as a browser's page or another program would: plain requests with
chosen headers, the page's events through Gradio's queue, and the named API endpoints."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from qa_app.measure.page_events import fn_index, load_index, notice_text, send_event

TIMEOUT_S = 120


@dataclass
class Client:
    """One visitor: a base URL, headers sent with every request (a spoofed Host, an Origin), one session."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    session_hash: str = field(default_factory=lambda: secrets.token_hex(6))
    proxy: str | None = None  # connect through this URL instead, keeping `url` for nothing but the Host

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.proxy or self.url, headers=self.headers, timeout=TIMEOUT_S)

    def get(self, path: str) -> httpx.Response:
        with self.http() as h:
            return h.get(path)

    def post(self, path: str, **kwargs) -> httpx.Response:
        with self.http() as h:
            return h.post(path, **kwargs)

    def event(self, fn_index: int, data: list, queued: bool = True) -> list | httpx.Response:
        """Run one of the page's events; its output values, or the refusing response."""
        with self.http() as h:
            return send_event(h, self.session_hash, fn_index, data, queued)

    def event_until(self, fn_index: int, data: list, text: str) -> bool:
        """Start one of the page's events and read its stream only until an output shows `text`; whether it did
        (False when the event completed first)."""
        body = {"fn_index": fn_index, "data": data, "session_hash": self.session_hash, "event_data": None}
        with self.http() as h:
            h.post("/gradio_api/queue/join", json=body).raise_for_status()
            with h.stream("GET", f"/gradio_api/queue/data?session_hash={self.session_hash}") as stream:
                for line in stream.iter_lines():
                    if text in line:
                        return True
                    if '"process_completed"' in line:
                        return False
        return False

    def api(self, name: str, *args: object) -> object:
        """Call a named API endpoint (/ask, /context, ...) with positional arguments; its JSON result."""
        with self.http() as h:
            started = h.post(f"/gradio_api/call/{name}", json={"data": list(args)})
            started.raise_for_status()
            with h.stream("GET", f"/gradio_api/call/{name}/{started.json()['event_id']}") as stream:
                event = ""
                for line in stream.iter_lines():
                    if line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and event in ("complete", "error"):
                        data = json.loads(line.split(":", 1)[1])
                        if event == "error":
                            raise AssertionError(f"/{name} raised instead of answering: {data}")
                        return data[0]
        raise AssertionError(f"/{name} ended without a result")


class Page:
    """The workbench as one browser session drives it: load, then the page's own events."""

    def __init__(self, client: Client):
        self.client = client
        self.config = client.get("/config").json()
        self.token: str | None = None

    def open(self) -> Page:
        """What loading the page does: fill the menus, and receive this session's secret."""
        self.client.event(load_index(self.config, "on_refresh_1"), [""], queued=False)
        (self.token,) = self.client.event(load_index(self.config, "on_session"), [], queued=False)
        return self

    def remove(self, doc_id: str, token: str | None = "own") -> list | httpx.Response:
        token = self.token if token == "own" else token
        return self.client.event(fn_index(self.config, "qa-remove"), [doc_id, token])

    def upload(self, *files: tuple[str, bytes]) -> httpx.Response:
        """Gradio's upload route, as the file box uses it; the response lists the stored paths."""
        return self.client.post("/gradio_api/upload", files=[("files", f) for f in files])

    def add(self, stored: list[str], token: str | None = "own") -> list | httpx.Response:
        token = self.token if token == "own" else token
        files = [{"path": p, "meta": {"_type": "gradio.FileData"}, "orig_name": Path(p).name} for p in stored]
        return self.client.event(fn_index(self.config, "qa-add"), [files, token])

    def add_until(self, stored: list[str], text: str) -> bool:
        """Start adding the stored uploads; returns once the change box shows `text` (see Client.event_until)."""
        files = [{"path": p, "meta": {"_type": "gradio.FileData"}, "orig_name": Path(p).name} for p in stored]
        return self.client.event_until(fn_index(self.config, "qa-add"), [files, self.token], text)

    def search(self, query: str) -> list | httpx.Response:
        return self.client.event(fn_index(self.config, "qa-search"), [query, 10, "", "", "", ""])

    def pin(self, value: str) -> list | httpx.Response:
        return self.client.event(fn_index(self.config, "qa-pin-go"), [value, None, None], queued=False)


def notice(output: list | httpx.Response) -> str:
    """The text of the change box (the first output) of an event that ran, as a browser shows it."""
    assert isinstance(output, list), f"the event was refused with HTTP {output.status_code}: {output.text}"
    return notice_text(output)
