"""Restart to page and to first answer: `python app.py` started as a person starts it, on the settings'
corpus and an index already built, timed from process start to the first page a browser gets, to the
workbench itself, and to the first answer over the HTTP API."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from qa_app.config import Settings
from qa_app.records import Record

ROOT = Path(__file__).resolve().parents[2]
POLL_S = 0.05


@dataclass(frozen=True)
class AppStart(Record):
    page_s: float | None  # any page at the app's address (the starting page, or the workbench)
    workbench_s: float | None  # the workbench page itself
    first_answer_s: float | None  # an answer from /ask
    error: str | None = None


def app_start(settings: Settings, question: str, root: Path = ROOT, timeout_s: float = 300) -> AppStart:
    """Time one start of `root`/app.py (another checkout's, to compare) on the settings' corpus and index."""
    from gradio_client import Client  # the measuring side's import, before the clock starts

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "app.py", "--port", str(port), "--corpus", str(settings.corpus_dir)]
    command += ["--index", str(settings.index_dir), "--embedding-runtime", settings.embedding_runtime]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    page = workbench = answer = None
    try:
        deadline = started + timeout_s
        while workbench is None and time.perf_counter() < deadline and child.poll() is None:
            status = _status(url)
            if status is not None and page is None:
                page = time.perf_counter() - started
            if status == 200:
                workbench = time.perf_counter() - started
            time.sleep(POLL_S)
        client = Client(url, verbose=False) if workbench is not None else None
        while client is not None and answer is None and time.perf_counter() < deadline:
            got = client.predict(question, api_name="/ask")
            if "error" not in got:  # 503 while the index loads
                answer = time.perf_counter() - started
            else:
                time.sleep(POLL_S)
    finally:
        child.terminate()
        child.wait(30)
    error = None if answer is not None else f"no answer within {timeout_s:.0f} s"
    return AppStart(page, workbench, answer, error)


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url + "/", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def format_app_start(label: str, start: AppStart) -> str:
    """ "Restart (today): page 0.9 s · workbench 14.2 s · first answer 17.8 s"."""

    def seconds(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} s"

    line = f"{label}: page {seconds(start.page_s)} · workbench {seconds(start.workbench_s)}"
    line += f" · first answer {seconds(start.first_answer_s)}"
    return line + (f" ({start.error})" if start.error else "")
