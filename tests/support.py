"""What several test modules share: a tiny report, and the app started as a person starts it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHILD_ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False"}

# A report small enough to index in seconds, with one fact a question can find per paragraph.
PARAGRAPHS = [
    "The council had 620 children looked after in March 2015.",
    "Early help cases stay open for 14 weeks on average.",
    "Managers complete audits every month, but 12% of managers do not complete them.",
    "The judgement for leadership is requires improvement.",
    "Care leavers receive a personal adviser by the age of 16.",
    "The adoption service places children with families within 400 days.",
    "Private fostering arrangements are checked within seven days.",
    "Social workers carry an average caseload of 18 children.",
]
QUESTION = "How many children were looked after?"


def write_report(
    folder: Path, paragraphs=PARAGRAPHS, name: str = "tiny.md", title: str = "Tiny council report"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    numbered = "\n".join(f"{i}. {text}" for i, text in enumerate(paragraphs, 1))
    (folder / name).write_text(f"# {title}\n\n## Findings\n\n{numbered}\n", encoding="utf-8")
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(*args: str, timeout_s: float = 600) -> Iterator[str]:
    """`python app.py ARGS` on a free loopback port; yields its URL once it prints that it is ready."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), *args],
        cwd=ROOT,
        env=CHILD_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if "Ready in" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    while not ready.wait(1):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("app.py did not become ready:\n" + "".join(lines[-40:]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
