"""The workbench page's own events over HTTP, as a browser sends them: the session's secret, an upload, and
the add and remove events through Gradio's queue. Corpus changes are taken only this way (the page's secret
is their authority), so the soak changes the corpus through it; the attack tests drive the page with it too."""

from __future__ import annotations

import html
import json
import re
import secrets

import httpx

from qa_app.errors import QAError


def fn_index(config: dict, elem_id: str, trigger: str = "click") -> int:
    """The index of the event that `trigger` on the element `elem_id` runs, read from /config."""
    ids = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    for dep in config["dependencies"]:
        if any(ids.get(t[0]) == elem_id and t[1] == trigger for t in dep["targets"]):
            return dep["id"]
    raise QAError(f"The page has no {trigger} event on #{elem_id}; is this the workbench's address?")


def load_index(config: dict, api_name: str) -> int:
    """The index of a page-load event by its function's name (e.g. on_session)."""
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)


def send_event(http: httpx.Client, session_hash: str, fn_index: int, data: list, queued: bool = True) -> list | httpx.Response:
    """Run one of the page's events in this session; its output values, or the refusing response."""
    body = {"fn_index": fn_index, "data": data, "session_hash": session_hash, "event_data": None}
    if not queued:
        response = http.post("/gradio_api/run/predict", json=body)
        return response.json()["data"] if response.status_code == 200 else response
    joined = http.post("/gradio_api/queue/join", json=body)
    if joined.status_code != 200:
        return joined
    return last_output(http, f"/gradio_api/queue/data?session_hash={session_hash}")


def last_output(http: httpx.Client, path: str) -> list:
    """The output values of the last message of an event's stream (a generator yields several)."""
    output: list = []
    with http.stream("GET", path) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") in ("process_generating", "process_completed") and message.get("output"):
                output = message["output"].get("data") or output
            if message.get("msg") == "process_completed":
                if not message.get("success", True):
                    raise QAError(f"The page's event failed: {message}")
                return output
    return output


def notice_text(output: list) -> str:
    """The text of the change box (an event's first output), as a browser shows it."""
    return html.unescape(re.sub(r"<[^>]+>", "", output[0] if isinstance(output[0], str) else str(output[0])))


class PageSession:
    """One browser session of the workbench: the page loaded (receiving the session's secret), then its events."""

    def __init__(self, http: httpx.Client):
        self.http = http
        self.session_hash = secrets.token_hex(6)
        self.config = http.get("/config").json()
        self.event(load_index(self.config, "on_refresh_1"), [""], queued=False)
        (self.token,) = self.event(load_index(self.config, "on_session"), [], queued=False)

    def event(self, index: int, data: list, queued: bool = True) -> list:
        output = send_event(self.http, self.session_hash, index, data, queued)
        if isinstance(output, httpx.Response):
            raise QAError(f"The page refused the event with HTTP {output.status_code}: {output.text:.200}")
        return output

    def remove(self, doc_id: str) -> str:
        """Remove a report as its Remove button does; what the change box then says."""
        return notice_text(self.event(fn_index(self.config, "qa-remove"), [doc_id, self.token]))

    def add(self, name: str, content: bytes) -> str:
        """Upload a report file and add it as the Add button does; what the change box then says."""
        uploaded = self.http.post("/gradio_api/upload", files=[("files", (name, content))])
        uploaded.raise_for_status()
        files = [{"path": p, "meta": {"_type": "gradio.FileData"}, "orig_name": name} for p in uploaded.json()]
        return notice_text(self.event(fn_index(self.config, "qa-add"), [files, self.token]))
